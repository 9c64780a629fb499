"""Where a table is written: one interface, `Target`, for every kind of output.

    ParquetFile   -o x.parquet (the default, and the papers table beside every output)
    CsvFile       -o x.csv     (spreadsheet-safe: formulas defused, newlines quoted)
    JsonLinesFile -o x.jsonl   (one JSON object a row)
    DatasetWriter -o DIR/      (Hive-partitioned Parquet; extractor.run.dataset)

and `extractor.run.output.Output`, the results and papers targets of one run
committed as a pair. Every target is used the same way:

    with open_target(path, rules_hash=...) as t:
        t.write(results)          # Result objects
        t.write_arrow(table)      # rows already in the target's schema
    # here the file is at `path`, whole; after an exception it is not, and
    # whatever was at `path` before is untouched, byte for byte

Commit-or-abort is decided in one place, `Target.__exit__`. A commit is three
steps (`_prepare`: everything that can fail or take time; `_publish`: the
rename, nothing else; `_finish`: after it), so that `Output` can put two
targets' renames into one window that signals cannot split.
"""
from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from typing import Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from extractor.result import Result
from extractor.table import (ROW_GROUP_ROWS, SCHEMA, OutputError, dictionary_columns, file_metadata, pandas_metadata,
                             results_to_table)

# -o's extension -> the target writing it. A directory (a trailing slash, or one
# that exists) is a dataset; anything else is refused before any work.
FILE_FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl"}
# A file's pending rows are written out at ROW_GROUP_ROWS rows or at this many bytes,
# whichever comes first: the papers table carries every abstract, and 50,000 of them
# held back for one row group (then encoded) were the run's largest allocation.
MAX_PENDING_BYTES = 24 * 2**20


def is_dataset_path(path: str | os.PathLike) -> bool:
    """Does `-o path` ask for a dataset directory? (trailing slash, or a directory)"""
    path = os.fspath(path)
    return path.endswith(("/", os.sep)) or os.path.isdir(path)


def output_format(path: str | os.PathLike) -> str:
    """'parquet', 'csv', 'jsonl' or 'dataset' for `-o path`; OutputError for another extension."""
    path = os.fspath(path)
    if is_dataset_path(path):
        return "dataset"
    ext = os.path.splitext(path)[1]
    if ext.lower() in FILE_FORMATS:
        return FILE_FORMATS[ext.lower()]
    shown = f"'{ext}'" if ext else "(none)"
    raise OutputError(path, f"unknown output format {shown} (use .parquet, .csv, .jsonl or a directory/)")


def open_target(path: str | os.PathLike, *, rules_hash: str, inputs: Sequence[str] = (), created: str | None = None,
                schema: pa.Schema = SCHEMA, **kw) -> "Target":
    """The target for `path`, chosen by its extension (see `output_format`)."""
    kind = output_format(path)
    if kind == "dataset":
        from extractor.run.dataset import DatasetWriter  # it builds on this module

        return DatasetWriter(path, rules_hash=rules_hash, inputs=inputs, created=created, **kw)
    cls = {"parquet": ParquetFile, "csv": CsvFile, "jsonl": JsonLinesFile}[kind]
    return cls(path, rules_hash=rules_hash, inputs=inputs, created=created, schema=schema, **kw)


# -- paths -------------------------------------------------------------------

def check_output_path(path: str | os.PathLike) -> str:
    """Return `path` as a str if a file can be created there, else raise `OutputError`.

    What is already at `path` must be a regular file: lbx replaces it by a
    rename, which would put a regular file where a device, FIFO or socket was,
    and would replace a symbolic link itself rather than write where it points."""
    path = os.fspath(path)
    if path == "":
        raise OutputError("''", "the output path is empty")
    directory = os.path.dirname(os.path.abspath(path))
    refusal = existing_refusal(path)
    if refusal is not None:
        raise OutputError(path, refusal)
    if not os.path.isdir(directory):
        raise OutputError(path, f"output directory does not exist: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(path, f"output directory is not writable: {directory}")
    return path


def existing_refusal(path: str) -> str | None:
    """Why what exists at `path` must not be replaced by a file, or None if nothing
    (or a regular file) is there."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"cannot inspect it: {e.strerror}"
    if stat.S_ISLNK(st.st_mode):
        return ("is a symbolic link; lbx replaces its output by a rename, which would replace the link, "
                "not its target: give the target's own path")
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "exists and is not a regular file (a device, FIFO or socket); refusing to replace it"
    return None


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_dir(directory: str) -> None:
    """Make a rename durable (best effort: not every platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- the interface -------------------------------------------------------------

class Target:
    """An output that appears whole at `path` on a clean exit of its `with`
    block and not at all after an exception (Ctrl-C and SIGTERM included)."""

    path: str
    rows_written: int = 0

    def __enter__(self) -> "Target":
        return self

    def write(self, results: Iterable[Result]) -> int:
        """Add a batch of results; returns how many rows it held."""
        return self.write_arrow(results_to_table(results))

    def write_arrow(self, table: pa.Table) -> int:  # pragma: no cover - subclasses define it
        """Add rows already in this target's schema (built by `results_to_table`,
        perhaps in another process); returns how many."""
        raise NotImplementedError

    def _prepare(self) -> None:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _publish(self) -> None:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _finish(self) -> None:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _abort(self) -> None:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _commit(self) -> None:
        self._prepare()
        self._publish()
        self._finish()

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self._abort()
            return False
        try:
            self._commit()
        except BaseException:
            self._abort()
            raise
        return False


class FileTarget(Target):
    """A single file written to a hidden temporary beside `path` (same directory,
    so that the final `os.replace` is an atomic rename on one file system),
    fsynced and renamed over `path` only on commit, deleted on abort. Subclasses
    say how rows are encoded: `_open`, `_rows`, `_close`."""

    def __init__(self, path: str | os.PathLike, *, rules_hash: str, inputs: Sequence[str] = (),
                 created: str | None = None, schema: pa.Schema = SCHEMA, row_group_rows: int = ROW_GROUP_ROWS):
        self.path = check_output_path(path)
        meta = file_metadata(rules_hash, inputs, created)
        if schema is SCHEMA:
            meta["pandas"] = pandas_metadata(schema).decode()
        self.schema = schema.with_metadata(meta)
        self.row_group_rows = row_group_rows
        self.rows_written = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = self._pending_bytes = 0
        self._tmp: str | None = None
        self._file = None

    def __enter__(self) -> "FileTarget":
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            fd, self._tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(self.path) + ".",
                                             suffix=".tmp")
        except OSError as e:
            raise OutputError(self.path, f"cannot create a file in {directory}: {e.strerror}") from e
        try:
            # mkstemp makes the file 0600; give the result the mode a plain open() would.
            os.fchmod(fd, 0o666 & ~umask())
            self._file = os.fdopen(fd, "wb")
            self._open()
        except BaseException:
            self._abort()
            raise
        return self

    def write_arrow(self, table: pa.Table) -> int:
        if self._file is None:
            raise RuntimeError(f"{type(self).__name__}.write_arrow() outside its `with` block")
        if table.num_rows:
            self._pending.append(table)
            self._pending_rows += table.num_rows
            self._pending_bytes += table.nbytes
            if self._pending_rows >= self.row_group_rows or self._pending_bytes >= MAX_PENDING_BYTES:
                self._flush()
        return table.num_rows

    def _flush(self) -> None:
        if self._pending_rows:
            table = pa.concat_tables(self._pending)
            self._rows(table)
            self.rows_written += table.num_rows
        self._pending, self._pending_rows, self._pending_bytes = [], 0, 0

    def _open(self) -> None:
        """Start the file (a header, a writer)."""

    def _rows(self, table: pa.Table) -> None:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def _close(self) -> None:
        """End the file (a footer); the file object itself is closed by the caller."""

    def _prepare(self) -> None:
        self._flush()
        self._close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        check_output_path(self.path)  # again: what is there may have changed during the run

    def _publish(self) -> None:
        os.replace(self._tmp, self.path)
        self._tmp = None

    def _finish(self) -> None:
        fsync_dir(os.path.dirname(os.path.abspath(self.path)))

    def _abort(self) -> None:
        # Unlink first: it is the step that matters, and the quickest, should a
        # second signal arrive while the rest is torn down.
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        try:
            self._close_quietly()
        finally:
            f, self._file = self._file, None
            if f is not None:
                try:
                    f.close()
                except Exception:
                    pass
            self._pending, self._pending_rows, self._pending_bytes = [], 0, 0

    def _close_quietly(self) -> None:
        """Release the encoder without writing into a file that is going away."""


class ParquetFile(FileTarget):
    """Parquet, zstd, one row group per `row_group_rows` rows, low-cardinality
    columns dictionary-encoded, the `lbx.*` (and pandas) metadata in the footer."""

    _writer: pq.ParquetWriter | None = None

    def _open(self) -> None:
        self._writer = pq.ParquetWriter(self._file, self.schema, compression="zstd",
                                        use_dictionary=dictionary_columns(self.schema))

    def _rows(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=self.row_group_rows)

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        writer.close()

    def _close_quietly(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.close()  # otherwise its finalizer writes a footer into a closed file
            except Exception:
                pass


def _plain_rows(table: pa.Table):
    """The rows as Python values for text formats: dates as YYYY-MM-DD, NaN as null."""
    rows = table.to_pylist()
    for row in rows:
        for k, v in row.items():
            if k == "published" and v is not None:
                row[k] = v.date().isoformat()
            elif isinstance(v, float) and math.isnan(v):
                row[k] = None
    return rows


class CsvFile(FileTarget):
    """CSV, UTF-8, a header row: every text cell quoted (so a newline stays in its
    cell) and defused (a cell a spreadsheet would run as a formula gets a leading
    `'`; see `extractor.csv_safe`). `published` as YYYY-MM-DD, `higher_is_better`
    as True/False, a missing value as an empty cell. The `lbx.*` metadata has no
    place in a CSV file: it is in the papers table beside it."""

    def _open(self) -> None:
        from extractor.csv_safe import to_safe_csv

        import pandas as pd

        self._file.write(to_safe_csv(pd.DataFrame(columns=self.schema.names)))

    def _rows(self, table: pa.Table) -> None:
        from extractor.csv_safe import to_safe_csv

        import pandas as pd

        frame = pd.DataFrame(_plain_rows(table), columns=self.schema.names)
        self._file.write(to_safe_csv(frame, header=False))


class JsonLinesFile(FileTarget):
    """JSON Lines, UTF-8: one object a row, keys in schema order, `published` as
    YYYY-MM-DD, missing values as null (never NaN, which is not JSON)."""

    def _rows(self, table: pa.Table) -> None:
        lines = [json.dumps(row, ensure_ascii=False, allow_nan=False) for row in _plain_rows(table)]
        self._file.write(("\n".join(lines) + "\n").encode("utf-8"))
