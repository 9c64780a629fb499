"""The output table: its one schema, and the atomic Parquet writer and reader.

`SCHEMA` is the single definition of a results row; the writer, the dashboard and
the docs all read their column names, types and descriptions from it, so that a
column is added or explained in one place only.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import stat
import tempfile
from typing import TYPE_CHECKING, Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from extractor import __version__
from extractor.result import KINDS, ROLES, Result

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "2"  # 2: metric_text, dataset_text, method_text


def _field(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={b"description": description.encode("utf-8")})


SCHEMA = pa.schema([
    _field("paper_id", pa.string(), "Stable id of the paper: the source's own id, else 't:' + a hash of the normalized title.", False),
    _field("title", pa.string(), "Title of the paper, as the source printed it.", False),
    _field("source", pa.string(), "Where the paper was read from (reader name or input file).", False),
    _field("published", pa.date32(), "Publication date given by the source; null where it gives none."),
    _field("url", pa.string(), "Link to the paper where the source gives one or the id is an arXiv id; null otherwise."),
    _field("method", pa.string(), "System the number belongs to: the paper's method name, '(ours)' for an unnamed own method, or the baseline's name."),
    _field("role", pa.string(), "'proposed' for the paper's own method, 'baseline' for a method it compares against.", False),
    _field("task", pa.string(), "Task the evaluation is about (e.g. 'object detection'); null where not stated."),
    _field("dataset", pa.string(), "Benchmark or data set the number was measured on, as named; null where none is named."),
    _field("metric", pa.string(), "What is measured, in the paper's words (e.g. 'AP', 'top-1 accuracy', 'speed')."),
    _field("metric_text", pa.string(), "The metric as printed in the abstract ('top-1 acc.'), beside the canonical `metric`; null where no metric is named."),
    _field("dataset_text", pa.string(), "The dataset as printed in the abstract ('IN-1k'), beside the canonical `dataset`; null where none is named."),
    _field("method_text", pa.string(), "The method as printed in the abstract (its long form where the paper defines one), beside `method`; null for unnamed methods."),
    _field("setting", pa.string(), "Evaluation setting the number was obtained under ('5-shot', 'linear probe', 'semi-supervised; 250 labels', 'adversarial (AutoAttack)', 'label noise 40%'), from rules/settings.yaml; null where none is stated."),
    _field("kind", pa.string(), "'score' (an absolute value), 'delta' (a change against a reference) or 'ratio' (a multiplicative factor).", False),
    _field("value", pa.float64(), "The number exactly as printed, never rescaled ('26.90%' -> 26.9, '15x' -> 15).", False),
    _field("value_text", pa.string(), "Surface of the number with its unit, exactly as in the abstract.", False),
    _field("unit", pa.string(), "Unit as printed ('%', 'x', 'pp', 'ms', ...); null for a bare number."),
    _field("value_norm", pa.float64(), "The value in one unit per family, for comparing across papers: percentages as fractions (26.9 % -> 0.269), times in seconds, memory in GB; k/M/B suffixes applied."),
    _field("unit_norm", pa.string(), "Canonical unit of `value_norm`; null where the value has no unit to normalize."),
    _field("higher_is_better", pa.bool_(), "Direction of the metric (false for error rates, latency, FID...); null where unknown."),
    _field("evidence", pa.string(), "The sentence holding the number, copied exactly from the abstract.", False),
    _field("start", pa.int32(), "Start of the number's span in the abstract (Python slice index, characters).", False),
    _field("end", pa.int32(), "End of the number's span in the abstract (Python slice index, exclusive).", False),
    _field("rule", pa.string(), "Id of the extraction rule that accepted the number.", False),
    _field("confidence", pa.float32(), "Confidence of the extraction, from 0 to 1.", False),
    _field("extractor_version", pa.string(), "Version of lbx that produced the row.", False),
])

# Few distinct values per column: Parquet dictionary pages make these tiny and
# still read back as plain strings (the dictionary is an on-disk encoding only).
DICTIONARY_COLUMNS = ["source", "role", "kind", "unit", "unit_norm", "rule",
                      "extractor_version", "metric", "dataset", "task"]

# Rows per Parquet row group: large enough for good compression and fast scans,
# small enough that the writer's buffer stays a few tens of megabytes.
ROW_GROUP_ROWS = 50_000

_REQUIRED = [f.name for f in SCHEMA if not f.nullable]


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns of `schema` to dictionary-encode: those of DICTIONARY_COLUMNS
    it has, plus `rules_hash` (one value a run) for the papers table."""
    return [n for n in schema.names if n in DICTIONARY_COLUMNS or n == "rules_hash"]


class OutputError(Exception):
    """The output path cannot be written; raised before any input is read."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


def _date(iso: str | None) -> _dt.date | None:
    if iso is None or iso == "":
        return None
    try:
        return _dt.date.fromisoformat(iso[:10])
    except ValueError:
        raise ValueError(f"published is not an ISO date: {iso!r}") from None


def _check(r: Result) -> None:
    """Refuse a malformed row here, with its paper named, rather than as an
    anonymous Arrow error at write time."""
    for name in _REQUIRED:
        if getattr(r, name) is None:
            raise ValueError(f"result for paper {r.paper_id!r} has no {name}")
    if r.kind not in KINDS:
        raise ValueError(f"result for paper {r.paper_id!r} has kind {r.kind!r}, not one of {KINDS}")
    if r.role not in ROLES:
        raise ValueError(f"result for paper {r.paper_id!r} has role {r.role!r}, not one of {ROLES}")
    if not 0.0 <= r.confidence <= 1.0:
        raise ValueError(f"result for paper {r.paper_id!r} has confidence {r.confidence!r} outside 0..1")


def results_to_table(results: Iterable[Result]) -> pa.Table:
    """Arrow table in `SCHEMA` for `results` (zero rows is a valid table)."""
    columns: dict[str, list] = {name: [] for name in SCHEMA.names}
    for r in results:
        _check(r)
        for name, col in columns.items():
            col.append(_date(r.published) if name == "published" else getattr(r, name))
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def _file_metadata(rules_hash: str, inputs: Sequence[str], created: str | None) -> dict[str, str]:
    return {
        "lbx.schema_version": SCHEMA_VERSION,
        "lbx.version": __version__,
        "lbx.rules_hash": rules_hash,
        "lbx.created": created or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "lbx.inputs": json.dumps([os.fspath(p) for p in inputs]),
    }


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicOutput:
    """Commit on a clean exit of the `with` block, abort on any exception (Ctrl-C
    and SIGTERM included): the one place that decides between the two, for the
    file writer here and the dataset-directory writer in `extractor.run.dataset`.

    A commit is three steps, so that `extractor.run.output.Output` can put two
    writers' renames into one window that signals cannot split: `_prepare`
    (everything that can fail or take time: flush, close, fsync, re-check the
    target), `_publish` (the rename, nothing else), `_finish` (after the rename:
    delete what it replaced, fsync the directory)."""

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


class TableWriter(AtomicOutput):
    """Streams results into a Parquet file that appears only when complete.

    Rows go to a hidden temporary file beside the target (same directory, so the
    final `os.replace` is an atomic rename on one file system). Only a clean exit
    from the `with` block fsyncs and renames it; any exception, KeyboardInterrupt
    included, deletes it, so an earlier file at `path` is never half-overwritten
    and readers never see a truncated table.
    """

    def __init__(self, path: str | os.PathLike, *, rules_hash: str, inputs: Sequence[str] = (),
                 created: str | None = None, row_group_rows: int = ROW_GROUP_ROWS,
                 schema: pa.Schema = SCHEMA):
        self.path = check_output_path(path)
        self.schema = schema.with_metadata(_file_metadata(rules_hash, inputs, created))
        self.row_group_rows = row_group_rows
        self.rows_written = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._tmp: str | None = None
        self._file = None
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> "TableWriter":
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            fd, self._tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(self.path) + ".",
                                             suffix=".tmp")
        except OSError as e:
            raise OutputError(self.path, f"cannot create a file in {directory}: {e.strerror}") from e
        try:
            # mkstemp makes the file 0600; give the result the mode a plain open() would.
            os.fchmod(fd, 0o666 & ~_umask())
            self._file = os.fdopen(fd, "wb")
            self._writer = pq.ParquetWriter(self._file, self.schema, compression="zstd",
                                            use_dictionary=dictionary_columns(self.schema))
        except BaseException:
            self._abort()
            raise
        return self

    def write(self, results: Iterable[Result]) -> int:
        """Add a batch of results; returns how many rows it held."""
        if self._writer is None:
            raise RuntimeError("TableWriter.write() outside its `with` block")
        return self.write_arrow(results_to_table(results))

    def write_arrow(self, table: pa.Table) -> int:
        """Add rows already in this writer's schema (built by `results_to_table`,
        perhaps in another process); returns how many."""
        if self._writer is None:
            raise RuntimeError("TableWriter.write_arrow() outside its `with` block")
        if table.num_rows:
            self._pending.append(table)
            self._pending_rows += table.num_rows
            if self._pending_rows >= self.row_group_rows:
                self._flush()
        return table.num_rows

    def _flush(self) -> None:
        if self._pending_rows:
            table = pa.concat_tables(self._pending)
            self._writer.write_table(table, row_group_size=self.row_group_rows)
            self.rows_written += table.num_rows
        self._pending, self._pending_rows = [], 0

    def _prepare(self) -> None:
        self._flush()
        self._writer.close()
        self._writer = None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        check_output_path(self.path)  # again: what is there may have changed during the run

    def _publish(self) -> None:
        os.replace(self._tmp, self.path)
        self._tmp = None

    def _finish(self) -> None:
        _fsync_dir(os.path.dirname(os.path.abspath(self.path)))

    def _abort(self) -> None:
        # Unlink first: it is the step that matters, and the quickest, should a
        # second signal arrive while the rest is torn down.
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.close()  # otherwise its finalizer writes a footer into a closed file
            except Exception:
                pass
        f, self._file = self._file, None
        if f is not None:
            try:
                f.close()
            except Exception:
                pass
        self._pending, self._pending_rows = [], 0


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (best effort: not every platform allows it)."""
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


def write_table(path: str | os.PathLike, results: Iterable[Result], *, rules_hash: str,
                inputs: Sequence[str] = ()) -> int:
    """Write all `results` at once (atomically); returns the row count."""
    with TableWriter(path, rules_hash=rules_hash, inputs=inputs) as w:
        w.write(results)
    return w.rows_written


def read_table(path: str | os.PathLike) -> "pd.DataFrame":
    """The table as a DataFrame: strings as pandas strings, `published` as
    datetime64, `higher_is_better` as the nullable boolean dtype. A dataset
    directory reads as one table, with its partition column `year` last."""
    import pandas as pd  # here, not at the top: worker processes write tables and never need pandas

    table = pq.read_table(os.fspath(path))
    return table.to_pandas(date_as_object=False, types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def table_metadata(path: str | os.PathLike) -> dict:
    """The `lbx.*` key-value metadata of a written table (a file, or a dataset
    directory, whose files all carry the same); `lbx.inputs` decoded to a list."""
    path = os.fspath(path)
    if os.path.isdir(path):
        from extractor.run.dataset import dataset_files  # the layout lives with its writer

        files = dataset_files(path)
        if not files:
            raise FileNotFoundError(f"{path}: no Parquet files in this dataset directory")
        path = files[0]
    raw = pq.read_schema(path).metadata or {}
    meta = {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"lbx.")}
    if "lbx.inputs" in meta:
        meta["lbx.inputs"] = json.loads(meta["lbx.inputs"])
    return meta
