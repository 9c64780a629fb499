"""Readers: turn input files into `Paper` records (see `read_papers`).

This module opens the input (a file, gzip or not, or stdin), checks that it is
readable text, decodes it line by line (so a bad byte is reported with its
line) and hands numbered lines to the reader of the format: `daily_papers`
for page copies, `records` for JSON Lines, JSON, CSV and Parquet. It also owns
the one policy for bad records: raise, or report to `on_bad` and go on.
"""
from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from extractor.sources.columns import FieldMap
from extractor.sources.daily_papers import read_daily
from extractor.sources.errors import InputError
from extractor.sources.paper import Paper, title_id
from extractor.sources.records import read_csv, read_json, read_jsonl, read_parquet

__all__ = ["FORMATS", "EXTENSIONS", "InputError", "Paper", "display_name", "format_for", "read_papers", "title_id"]

FORMATS = ("daily", "jsonl", "json", "csv", "parquet")
EXTENSIONS = {
    ".txt": "daily", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".csv": "csv", ".parquet": "parquet", ".pq": "parquet",
}
STDIN = "-"
STDIN_NAME = "<stdin>"  # how stdin is named in messages and locations

# With on_bad set, a file whose first records are all bad is the wrong format
# or a wrong column mapping, not a file with some bad records: stop there
# instead of reporting millions of skips.
BAD_PREFIX_LIMIT = 1000

_SNIFF_BYTES = 4096
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_READ_ERRORS = (OSError, EOFError, zlib.error)  # a truncated or corrupt gzip stream


def format_for(path: str, fmt: str | None = None) -> str:
    """The format to read `path` as: `fmt` if given, else from the extension."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(_name(path), f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})",
                             reason="unknown format")
        return fmt
    if path == STDIN:
        return "jsonl"
    stem = path.lower()
    if stem.endswith(".gz"):
        stem = stem[:-3]
    ext = os.path.splitext(stem)[1]
    if ext not in EXTENSIONS or (ext in (".parquet", ".pq") and path.lower().endswith(".gz")):
        raise InputError(path, f"cannot tell the format from the extension {ext or '(none)'!r}; "
                         f"known: {', '.join(sorted(EXTENSIONS))} (optionally .gz); or give the format",
                         reason="unknown format")
    return EXTENSIONS[ext]


def read_papers(path: str, fmt: str | None = None, columns: dict[str, str] | None = None,
                on_bad: Callable[[InputError], None] | None = None) -> Iterator[Paper]:
    """Stream the papers of one input, in file order.

    `path` is a file or "-" for stdin (JSON Lines unless `fmt` says otherwise).
    `columns` maps our fields (title, abstract, id, date, url) to the input's
    keys. A file that cannot be read raises InputError; a bad record raises
    too unless `on_bad` is given, which then receives the error and reading
    goes on. The format and mapping are checked at once; the file is opened
    on the first `next()`.
    """
    fmt = format_for(path, fmt)
    name = _name(path)
    fields = FieldMap(columns, name)
    source = f"{fmt}:{STDIN if path == STDIN else display_name(os.path.basename(path))}"
    return _papers(path, name, fmt, fields, source, on_bad)


def _name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


def display_name(path: str) -> str:
    """`path` as text that can be written anywhere (Parquet, JSON, a terminal).

    A file name that is not UTF-8 (Latin-1 bytes on a Linux file system) reaches
    Python with its bad bytes as lone surrogates, which no UTF-8 writer accepts;
    they are shown as U+FFFD instead. The file itself is still opened by its
    real name.
    """
    if path.isascii():
        return path
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return path.encode("utf-8", "replace").decode("utf-8")


def _papers(path: str, name: str, fmt: str, fields: FieldMap, source: str,
            on_bad: Callable[[InputError], None] | None) -> Iterator[Paper]:
    good = bad = 0
    with _open(path, name) as stream:
        for item in _items(stream, name, fmt, fields, source):
            if isinstance(item, Paper):
                good += 1
                yield item
                continue
            if on_bad is None:
                raise item
            on_bad(item)
            bad += 1
            if not good and bad >= BAD_PREFIX_LIMIT:
                raise InputError(name, f"the first {bad} records are all bad (line {item.line}: {item.message}); "
                                 f"is this really {fmt}, and is the column mapping right?",
                                 reason="wrong format")


def _items(stream: BinaryIO, name: str, fmt: str, fields: FieldMap,
           source: str) -> Iterator[Paper | InputError]:
    """The reader of `fmt` over the stream, after the checks every format needs."""
    if fmt == "parquet":
        head = _peek(stream, name, len(_PARQUET_MAGIC))
        if not head:
            raise InputError(name, "file is empty", reason="empty")
        if head[:4] != _PARQUET_MAGIC:
            raise InputError(name, "not a Parquet file (no PAR1 magic)", reason="unreadable")
        if not stream.seekable():  # stdin: Parquet needs random access
            stream = io.BytesIO(stream.read())
        return read_parquet(stream, fields, source, name)
    if _peek(stream, name, 2) == _GZIP_MAGIC:  # whatever the extension says
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # closed by _text_lines
    _check_text(_peek(stream, name, _SNIFF_BYTES), name)
    lines = _text_lines(stream, name)
    if fmt == "daily":
        return read_daily(lines, source, name)
    reader = {"jsonl": read_jsonl, "json": read_json, "csv": read_csv}[fmt]
    return reader(lines, fields, source, name)


@contextlib.contextmanager
def _open(path: str, name: str):
    """The input as a binary stream that can `peek`; stdin is never closed."""
    if path != STDIN:
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise InputError(name, "no such file", reason="unreadable") from None
        except IsADirectoryError:
            raise InputError(name, "is a directory, not a file", reason="unreadable") from None
        except PermissionError:
            raise InputError(name, "permission denied", reason="unreadable") from None
        except OSError as e:
            raise InputError(name, f"cannot open: {e.strerror or e}", reason="unreadable") from None
        with f:
            yield f
        return
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError(name, "no binary standard input to read", reason="unreadable")
    if hasattr(stream, "peek"):
        yield stream
        return
    wrapper = io.BufferedReader(stream)  # e.g. a BytesIO standing in for stdin
    try:
        yield wrapper
    finally:
        wrapper.detach()  # so that dropping the wrapper does not close stdin


def _peek(stream: BinaryIO, name: str, size: int) -> bytes:
    try:
        return stream.peek(size)[:size]
    except _READ_ERRORS as e:
        raise InputError(name, f"cannot read: {e}", reason="unreadable") from None


def _check_text(head: bytes, name: str) -> None:
    """Refuse, from the first bytes, input that is not UTF-8 text at all."""
    if not head or head == codecs.BOM_UTF8:
        raise InputError(name, "file is empty", reason="empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(name, "UTF-16 text, not UTF-8; re-encode the file as UTF-8",
                         line=1, reason="not utf-8")
    if head.startswith(_PARQUET_MAGIC):
        raise InputError(name, "this is a Parquet file; read it as parquet", reason="wrong format")
    if b"\x00" in head:
        line = head.count(b"\n", 0, head.index(b"\x00")) + 1
        raise InputError(name, "binary data (NUL bytes), not text", line=line, reason="binary")


def _text_lines(stream: BinaryIO, name: str) -> Iterator[tuple[int, str]]:
    """(line number, decoded line with its end) for each line.

    A UTF-8 BOM is dropped; a byte that is not UTF-8 raises with its line and
    column; a file with nothing but whitespace is empty.
    """
    lineno, content = 0, False
    lines = iter(stream)
    try:
        while True:
            try:
                raw = next(lines)
            except StopIteration:
                break
            except _READ_ERRORS as e:
                raise InputError(name, f"read error: {e}", line=lineno + 1, reason="unreadable") from None
            lineno += 1
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                column = len(raw[:e.start].decode("utf-8", "replace")) + 1
                raise InputError(name, f"not UTF-8: byte 0x{raw[e.start]:02x} at column {column}; "
                                 "re-encode the file as UTF-8", line=lineno, reason="not utf-8") from None
            if not content and text.strip():
                content = True
            yield lineno, text
    finally:
        if isinstance(stream, gzip.GzipFile):
            stream.close()  # does not close the file under it
    if not content:
        raise InputError(name, "file is empty (only whitespace)", reason="empty")
