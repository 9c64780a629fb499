"""Readers for record files: JSON Lines, JSON, CSV and Parquet.

Each reader streams: it yields a `Paper` per good record and an `InputError`
per bad one (the caller decides whether a bad record is fatal), and raises
InputError for a file that cannot be read at all. Text readers take numbered,
already-decoded lines (see `read_papers`), so decoding and its errors live in
one place.
"""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from extractor.sources.columns import FieldMap, paper_from_record
from extractor.sources.errors import InputError
from extractor.sources.paper import Paper

Lines = Iterable[tuple[int, str]]
Item = Paper | InputError

# A JSON value spanning lines is re-parsed as lines are added; reading at least
# this much more text (or as much as is already buffered) per retry keeps that linear.
_JSON_READ_AHEAD = 1 << 16
PARQUET_BATCH_ROWS = 8192


def _record_item(value: Any, fields: FieldMap, source: str, path: str, line: int) -> Item:
    if not isinstance(value, dict):
        return InputError(path, f"record is not a JSON object (got {_json_type(value)})",
                          line=line, reason="not an object")
    return paper_from_record(value, fields, source, path, line)


def _unloadable(e: Exception) -> str:
    """Why json refused a value that is valid JSON: a number past Python's
    int-string limit (4,300 digits), or nesting past the recursion limit."""
    if isinstance(e, RecursionError):
        return "JSON nested too deep to read"
    return f"unreadable JSON value: {str(e).split(';')[0]}"


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def read_jsonl(lines: Lines, fields: FieldMap, source: str, path: str) -> Iterator[Item]:
    """One JSON object per line; blank lines are allowed and skipped."""
    loads = json.loads
    for line, text in lines:
        if not text.strip():
            continue
        try:
            value = loads(text)
        except json.JSONDecodeError as e:
            yield InputError(path, f"malformed JSON: {e.msg} (column {e.colno})",
                             line=line, reason="malformed json")
            continue
        except (ValueError, RecursionError) as e:  # valid JSON that Python will not hold
            yield InputError(path, _unloadable(e), line=line, reason="malformed json")
            continue
        yield _record_item(value, fields, source, path, line)


def read_json(lines: Lines, fields: FieldMap, source: str, path: str) -> Iterator[Item]:
    """A JSON array of objects, streamed element by element.

    A file of top-level objects one after another (a single object, or JSON
    Lines saved as .json) is read too. Invalid JSON cannot be resynchronised,
    so it raises, naming the line where parsing failed.
    """
    for line, value in _json_values(lines, path):
        yield _record_item(value, fields, source, path, line)


def _json_values(lines: Lines, path: str) -> Iterator[tuple[int, Any]]:
    """(start line, value) for each array element, or for each top-level value."""
    decoder = json.JSONDecoder()
    source = iter(lines)
    buf, pos, base_line, eof = "", 0, 1, False  # base_line: line number of buf[0]

    def more(at_least: int) -> bool:
        """Append whole lines (so no number or literal is ever cut) to buf."""
        nonlocal buf, eof
        chunk, size = [], 0
        for _, text in source:
            chunk.append(text)
            size += len(text)
            if size >= at_least:
                break
        else:
            eof = True
        buf += "".join(chunk)
        return size > 0

    def skip_ws() -> str:
        """The next non-blank character ("" at the end of input)."""
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if eof or not more(1):
                return ""

    def line_at(i: int) -> int:
        return base_line + buf.count("\n", 0, i)

    def fail(msg: str, at: int) -> InputError:
        msg = msg.removesuffix(" starting at").removesuffix(" at")  # json's text expects a position
        return InputError(path, f"malformed JSON: {msg}", line=line_at(at), reason="malformed json")

    def value() -> tuple[int, Any]:
        nonlocal pos, buf, base_line
        while True:
            try:
                obj, end = decoder.raw_decode(buf, pos)
                break
            except (ValueError, RecursionError) as e:
                if not isinstance(e, json.JSONDecodeError):  # no resynchronising after it either
                    raise InputError(path, _unloadable(e), line=line_at(pos), reason="malformed json") from None
                # A value cut by the end of the buffer fails at that end (or at
                # an open string); anything earlier is wrong whatever follows.
                cut = e.pos >= len(buf.rstrip()) or e.msg.startswith("Unterminated string")
                if not cut or eof or not more(max(_JSON_READ_AHEAD, len(buf) - pos)):
                    raise fail("the file ends inside a value (truncated?)" if cut else e.msg,
                               e.pos) from None
        start, pos = line_at(pos), end
        if pos > _JSON_READ_AHEAD:  # drop what is parsed, keep the line count
            base_line += buf.count("\n", 0, pos)
            buf, pos = buf[pos:], 0
        return start, obj

    first = skip_ws()
    if first != "[":  # top-level values one after another
        while skip_ws():
            yield value()
        return
    pos += 1
    if skip_ws() == "]":
        pos += 1
    else:
        while True:
            if not skip_ws():
                raise fail("the array is not closed", pos)
            yield value()
            sep = skip_ws()
            pos += 1
            if sep == "]":
                break
            if sep != ",":
                raise fail(f"expected ',' or ']' after an element, found {sep or 'the end'!r}", pos - 1)
    if skip_ws():
        raise fail("extra data after the array", pos)


def _raise_csv_field_limit() -> None:
    # Abstracts can exceed the csv module's 128 KiB default field size.
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


def read_csv(lines: Lines, fields: FieldMap, source: str, path: str) -> Iterator[Item]:
    """CSV with a header row; a quoted field may span lines.

    The location of a record is the line where it starts.
    """
    _raise_csv_field_limit()
    text_lines = (text for _, text in lines)  # numbering comes from reader.line_num
    reader = csv.reader(text_lines)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, "file is empty", reason="empty") from None
    except csv.Error as e:
        raise InputError(path, f"unreadable CSV header: {e}", line=1, reason="malformed csv") from None
    fields = fields.resolve_header(header, path)
    index = {name: i for i, name in reversed(list(enumerate(header)))}
    wanted = [(name, index[name]) for name in fields.wanted_columns()]
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield InputError(path, f"malformed CSV: {e}", line=reader.line_num, reason="malformed csv")
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        record = {name: row[i] if i < len(row) else None for name, i in wanted}
        yield paper_from_record(record, fields, source, path, start)


def read_parquet(where: str | BinaryIO, fields: FieldMap, source: str, path: str) -> Iterator[Item]:
    """Parquet, read batch by batch and only the needed columns.

    The location of a record is its 1-based row number.
    """
    import pyarrow as pa  # imported here: the other formats do not need it
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(where)
    except (pa.ArrowException, OSError) as e:
        raise InputError(path, f"not a readable Parquet file ({e})", reason="unreadable") from None
    fields = fields.resolve_header(pf.schema_arrow.names, path)
    check_column_types(pf.schema_arrow, fields, path)
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=fields.wanted_columns()):
            for record in arrow_records(batch):
                row += 1
                yield paper_from_record(record, fields, source, path, row)
    except (pa.ArrowException, OSError) as e:
        raise InputError(path, f"corrupt Parquet data after row {row} ({e})", line=row + 1,
                         reason="unreadable") from None


# What each field's column may hold (Arrow type predicates), as the message words it.
_TEXT = ("string", ("is_string", "is_large_string", "is_null"))
_COLUMN_TYPES = {
    "title": _TEXT, "abstract": _TEXT, "url": _TEXT,
    "id": ("string or integer", ("is_string", "is_large_string", "is_null", "is_integer", "is_floating")),
    "date": ("string, date or timestamp", ("is_string", "is_large_string", "is_null", "is_date", "is_timestamp")),
}


def check_column_types(schema, fields: FieldMap, path: str) -> None:
    """Refuse a table whose title, abstract, id, date or url column has a type
    that holds no such value (binary, a list, a struct, a decimal...).

    A column's type is the same for every row, so this is a file error, said once,
    rather than a bad record on every row. `fields` is a resolved FieldMap.
    """
    import pyarrow as pa

    for field, (expected, predicates) in _COLUMN_TYPES.items():
        for name in fields.keys[field]:
            if name not in schema.names:
                continue
            kind = schema.field(name).type
            if pa.types.is_dictionary(kind):
                kind = kind.value_type  # a categorical column: its values' type counts
            if pa.types.is_string_view(kind) or any(getattr(pa.types, p)(kind) for p in predicates):
                continue
            raise InputError(path, f"column {name!r} is {kind}, expected {expected}", reason="wrong column type")


_UNITS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def arrow_records(batch) -> list[dict]:
    """A record batch (or table) as dicts, like `to_pylist()`, except that a date or
    timestamp outside Python's dates (years 1-9999; Parquet allows 2**62 us) is
    None instead of an OverflowError that would stop the whole batch."""
    import pyarrow as pa

    names = batch.schema.names
    columns = []
    for i, name in enumerate(names):
        column = batch.column(i)
        kind = column.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            columns.append(_safe_dates(column))
        else:
            columns.append(column.to_pylist())
    return [dict(zip(names, values)) for values in zip(*columns)] if columns else [{}] * batch.num_rows


def _safe_dates(column) -> list:
    """Dates of a date/timestamp column, via integer days; None when out of range."""
    import datetime as dt

    import pyarrow as pa

    kind = column.type
    if pa.types.is_date32(kind):
        days = column.cast(pa.int32()).to_pylist()
    else:
        per_day = 86_400_000 if pa.types.is_date64(kind) else _UNITS_PER_DAY[kind.unit]
        days = [None if v is None else v // per_day for v in column.cast(pa.int64()).to_pylist()]
    epoch = dt.date(1970, 1, 1).toordinal()
    out = []
    for d in days:
        try:
            out.append(None if d is None else dt.date.fromordinal(epoch + d))
        except (OverflowError, ValueError):
            out.append(None)
    return out
