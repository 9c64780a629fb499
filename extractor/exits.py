"""The one place where an exception becomes an exit: a stderr line and an exit code.

Every `lbx` command ends through `outcome()`:

    0    done
    2    a problem the user can fix: bad input, a bad output path, a bad option,
         a rule pack that does not load; one line "lbx: error: FILE[:LINE]: ..."
    130  interrupted (Ctrl-C, SIGINT): "lbx: interrupted"
    143  terminated (SIGTERM): "lbx: terminated"
    1    anything else: "lbx: internal error: ...", which is a bug in lbx (every
         case the bad-input tests know of ends as 2 or as a counted skip);
         LBX_DEBUG=1 re-raises it for the traceback

Why a module of its own, importing nothing heavy: the console entry point
(`extractor.__main__.main`) installs the signal handlers and can word a signal
that lands while pandas, pyarrow and the engine are still being imported, so
that no signal at any moment of a run ends as a traceback or a bare "killed".
The error types of heavy modules (the table writer's OutputError, click's own)
are looked up in `sys.modules`: an exception of a module that was never
imported cannot be raised.
"""
from __future__ import annotations

import os
import signal
import sys


class CliError(Exception):
    """A problem the user can fix; printed as one "lbx: error: ..." line, exit 2."""


class Terminated(BaseException):
    """SIGTERM, raised as an exception so that `with` blocks (the table writer's
    temp-file cleanup above all) run as they do for Ctrl-C. BaseException so that
    no `except Exception` on the way swallows it."""


def _on_sigterm(signum, frame):
    raise Terminated()


def install_sigterm() -> object | None:
    """SIGTERM raises `Terminated` from now on; returns the previous handler
    (None when this is not the main thread, where signals cannot be set).
    SIGINT needs nothing: Python's own handler raises KeyboardInterrupt."""
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:
        return None


def _one_line(message: object) -> str:
    return " ".join(str(message).split("\n"))


def _known_errors() -> tuple[type, ...]:
    """The exception types that are the user's to fix (exit 2), of the modules loaded."""
    names = (("extractor.sources.errors", "InputError"), ("extractor.table", "OutputError"),
             ("extractor.rules.loader", "RuleError"))
    found = [CliError]
    for module, name in names:
        mod = sys.modules.get(module)
        if mod is not None and hasattr(mod, name):
            found.append(getattr(mod, name))
    return tuple(found)


def outcome(exc: BaseException | None) -> tuple[str | None, int]:
    """(the line to print or None, exit code) for a command that ended with `exc`.

    Raises `exc` again for an internal error when LBX_DEBUG=1, so that Python
    prints its traceback.
    """
    if exc is None:
        return None, 0
    click = sys.modules.get("click")
    if isinstance(exc, SystemExit):
        return None, exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    if click is not None and isinstance(exc, click.exceptions.Exit):  # --help, --version: done
        return None, exc.exit_code
    if isinstance(exc, BrokenPipeError):
        # The reader went away (`lbx rules list | head`): what it read is what it
        # asked for. Point stdout at /dev/null so that the exit's flush is quiet too.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return None, 0
    if isinstance(exc, _known_errors()):
        return _one_line(f"lbx: error: {exc}"), 2
    if click is not None and isinstance(exc, click.ClickException):
        # Usage errors (a missing or bad option) in the same style as every other
        # error; the hint says where the usage is.
        message = exc.format_message()
        if type(exc).__name__ == "NoArgsIsHelpError":  # `lbx` alone: the message is the help
            return message, exc.exit_code
        ctx = getattr(exc, "ctx", None)
        if isinstance(exc, click.UsageError) and ctx is not None:
            message = f"{message.rstrip('. ')} (see '{ctx.command_path} --help')"
        return _one_line(f"lbx: error: {message}"), exc.exit_code
    if isinstance(exc, KeyboardInterrupt) or (click is not None and isinstance(exc, click.exceptions.Abort)):
        return "lbx: interrupted", 130
    if isinstance(exc, Terminated):
        return "lbx: terminated", 143
    if os.environ.get("LBX_DEBUG") == "1" or not isinstance(exc, Exception):
        raise exc
    return _one_line(f"lbx: internal error: {type(exc).__name__}: {exc} (set LBX_DEBUG=1 for a traceback)"), 1


def report(exc: BaseException | None) -> int:
    """Print the line for `exc` (see `outcome`) to stderr; returns the exit code."""
    line, code = outcome(exc)
    if line is not None:
        try:
            print(line, file=sys.stderr, flush=True)
        except (OSError, ValueError):  # stderr closed: the exit code still says it
            pass
    return code
