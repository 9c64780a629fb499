"""Errors about input, phrased for a one-line message that names file and line."""
from __future__ import annotations


class InputError(Exception):
    """A record or a file that cannot be read.

    `str(err)` is the one line the CLI prints: "PATH:LINE: what is wrong".
    `reason` is a short key under which `--skip-bad` counts the skip.
    """

    def __init__(self, path: str, message: str, line: int | None = None, reason: str = "bad record"):
        self.path = path
        self.line = line
        self.message = message
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"
