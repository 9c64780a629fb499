"""Dataset-directory output: the results table as Hive-partitioned Parquet files.

`-o DIR/` (a trailing slash, or an existing directory) writes

    DIR/year=2019/part-0.parquet
    DIR/year=2024/part-0.parquet
    DIR/year=unknown/part-0.parquet      (papers without a publication date)

Why the publication year: it is what leaderboard questions filter on ("the state
of the art since 2022"), it splits the arXiv snapshot into ~35 partitions of
sensible size, and it is known for every row (or "unknown"). Why `unknown`
rather than Hive's null marker `__HIVE_DEFAULT_PARTITION__`: pandas cannot read a
partition column holding a null ("Cannot yet unify dictionaries with nulls").
pandas, pyarrow.dataset, DuckDB (`read_parquet('DIR/year=*/*.parquet',
hive_partitioning=true)`) and Dask read the directory as one table, with `year`
as an extra column. Every file carries the schema and `lbx.*` metadata of a
single-file table; rows are ordered by year, then as a single-file run orders
them.

The directory appears whole or not at all: it is written to a hidden sibling
and swapped in by one rename (`renameat2(RENAME_EXCHANGE)` on Linux, else two
renames), and an existing directory is only ever replaced if every entry in it,
hidden ones included, is lbx's own (`year=*/` directories holding `part-*.parquet`
files, nothing else, no symbolic links), so a mistyped `-o ~/` or `-o repo/`
(a checkout holding only `.git`) cannot delete anything.
"""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import tempfile
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extractor.run.targets import Target, is_dataset_path, umask
from extractor.run.targets import fsync_dir as _fsync_dir
from extractor.table import (ROW_GROUP_ROWS, SCHEMA, OutputError, dictionary_columns, file_metadata,
                             pandas_metadata)

__all__ = ["DatasetWriter", "check_dataset_path", "dataset_files", "is_dataset_path", "is_own_dataset"]

PARTITION = "year"
UNKNOWN = "unknown"
PART_FILE = "part-0.parquet"
# Rows held across all partitions before the biggest are written out: bounds
# memory when rows arrive spread over many years.
MAX_PENDING_ROWS = 2 * ROW_GROUP_ROWS


_PARTITION_DIR = re.compile(PARTITION + r"=(\d{1,6}|" + UNKNOWN + ")")
_PART_FILE = re.compile(r"part-\d{1,6}\.parquet")


def is_own_dataset(path: str) -> bool:
    """Is every entry under directory `path` one lbx writes? Hidden names count
    (a `.git`, a `.ssh/` are exactly what must never be deleted), symbolic links
    are not lbx's, and anything unreadable is taken as not lbx's."""
    try:
        with os.scandir(path) as parts:
            for part in parts:
                if not (_PARTITION_DIR.fullmatch(part.name) and part.is_dir(follow_symlinks=False)):
                    return False
                with os.scandir(part.path) as files:
                    for f in files:
                        if not (_PART_FILE.fullmatch(f.name) and f.is_file(follow_symlinks=False)):
                            return False
    except OSError:
        return False
    return True


def check_dataset_path(path: str | os.PathLike) -> str:
    """The directory path (no trailing slash) if a dataset can be written there."""
    given = os.fspath(path)  # errors name the path as the user typed it
    path = given.rstrip("/" + os.sep) or given
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.islink(path):
        raise OutputError(given, "is a symbolic link; lbx replaces its output by a rename, which would replace "
                          "the link, not its target: give the target's own path")
    if os.path.lexists(path) and not os.path.isdir(path):
        raise OutputError(given, "exists and is not a directory (drop the trailing slash to write one file)")
    if not os.path.isdir(parent):
        raise OutputError(given, f"output directory does not exist: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(given, f"output directory is not writable: {parent}")
    if os.path.isdir(path) and not is_own_dataset(path):
        raise OutputError(given, f"exists and holds entries other than {PARTITION}=*/part-*.parquet (hidden ones "
                          "count); refusing to replace it (give a new or empty directory)")
    return path


def dataset_files(path: str) -> list[str]:
    """The Parquet files of a dataset directory, in the order readers list them."""
    out = []
    for part in sorted(os.listdir(path)):
        d = os.path.join(path, part)
        if part.startswith(PARTITION + "=") and os.path.isdir(d):
            out += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".parquet")]
    return out


def partition_names(table: pa.Table) -> list[tuple[str, pa.Table]]:
    """(partition directory name, its rows) for each year in `table`, rows kept in order."""
    if table.num_rows == 0:
        return []
    years = pc.fill_null(pc.year(table.column("published")), -1).to_numpy(zero_copy_only=False)
    out = []
    for y in np.unique(years):
        rows = table if len(years) and (years == y).all() else table.filter(pa.array(years == y))
        out.append((f"{PARTITION}={UNKNOWN if y == -1 else int(y)}", rows))
    return out


class DatasetWriter(Target):
    """Streams results into a partitioned dataset directory that appears only when
    complete: a `Target` like the single-file ones (`write`, `write_arrow`, `with`)."""

    def __init__(self, path: str | os.PathLike, *, rules_hash: str, inputs: Sequence[str] = (),
                 created: str | None = None,
                 row_group_rows: int = ROW_GROUP_ROWS, max_pending_rows: int = MAX_PENDING_ROWS):
        self.path = check_dataset_path(path)
        self.schema = SCHEMA.with_metadata({**file_metadata(rules_hash, inputs, created),
                                            "pandas": pandas_metadata(SCHEMA).decode()})
        self.row_group_rows = row_group_rows
        self.max_pending_rows = max(max_pending_rows, row_group_rows)
        self.rows_written = 0
        self._tmp: str | None = None
        self._replaced: str | None = None  # the old dataset, after _publish
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._pending: dict[str, list[pa.Table]] = {}
        self._pending_rows: dict[str, int] = {}

    def __enter__(self) -> "DatasetWriter":
        parent = os.path.dirname(os.path.abspath(self.path))
        try:
            self._tmp = tempfile.mkdtemp(dir=parent, prefix="." + os.path.basename(self.path) + ".", suffix=".tmp")
            os.chmod(self._tmp, 0o777 & ~umask())
        except OSError as e:
            raise OutputError(self.path, f"cannot create a directory in {parent}: {e.strerror}") from e
        return self

    def write_arrow(self, table: pa.Table) -> int:
        if self._tmp is None:
            raise RuntimeError("DatasetWriter.write_arrow() outside its `with` block")
        for name, rows in partition_names(table):
            self._pending.setdefault(name, []).append(rows)
            self._pending_rows[name] = self._pending_rows.get(name, 0) + rows.num_rows
            if self._pending_rows[name] >= self.row_group_rows:
                self._flush(name)
        while sum(self._pending_rows.values()) > self.max_pending_rows:
            self._flush(max(self._pending_rows, key=self._pending_rows.get))
        return table.num_rows

    def _flush(self, name: str) -> None:
        tables = self._pending.pop(name, [])
        self._pending_rows.pop(name, None)
        if not tables:
            return
        writer = self._writer(name)
        table = pa.concat_tables(tables)
        writer.write_table(table, row_group_size=self.row_group_rows)
        self.rows_written += table.num_rows

    def _writer(self, name: str) -> pq.ParquetWriter:
        if name not in self._writers:
            d = os.path.join(self._tmp, name)
            os.makedirs(d, exist_ok=True)
            self._writers[name] = pq.ParquetWriter(os.path.join(d, PART_FILE), self.schema, compression="zstd",
                                                   use_dictionary=dictionary_columns(self.schema))
        return self._writers[name]

    def _prepare(self) -> None:
        for name in list(self._pending):
            self._flush(name)
        if not self._writers:  # zero rows is a valid table: one empty file keeps the schema
            self._writer(f"{PARTITION}={UNKNOWN}")
        for name in list(self._writers):
            self._writers.pop(name).close()
            _fsync_file(os.path.join(self._tmp, name, PART_FILE))
            _fsync_dir(os.path.join(self._tmp, name))
        _fsync_dir(self._tmp)
        check_dataset_path(self.path)  # again: someone may have put files there during the run

    def _publish(self) -> None:
        self._replaced = swap_dir(self._tmp, self.path)
        self._tmp = None

    def _finish(self) -> None:
        old, self._replaced = self._replaced, None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(os.path.dirname(os.path.abspath(self.path)))

    def _abort(self) -> None:
        tmp, self._tmp = self._tmp, None
        for writer in self._writers.values():
            try:
                writer.close()
            except Exception:
                pass
        self._writers, self._pending, self._pending_rows = {}, {}, {}
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def swap_dir(new: str, path: str) -> str | None:
    """Put directory `new` at `path`; returns where the directory it replaced now
    is (for the caller to delete once its commit is complete), or None."""
    if not os.path.lexists(path):
        os.rename(new, path)
        return None
    if _exchange(new, path):
        return new  # `new` now holds the old dataset
    aside = new + ".old"
    os.rename(path, aside)
    os.rename(new, path)
    return aside


def replace_dir(new: str, path: str) -> None:
    """Put directory `new` at `path`, replacing what is there, and delete the old one."""
    old = swap_dir(new, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
