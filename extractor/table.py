"""The output table: its one schema, rows in it, and reading it back.

`SCHEMA` is the single definition of a results row; the writers
(`extractor.run.targets`, `extractor.run.dataset`), the dashboard and the docs all
read their column names, types and descriptions from it, so that a column is
added or explained in one place only. This module writes nothing: every way of
writing a table is a target of `extractor.run.targets`.

Types were chosen for what readers get without options: `published` is a
timestamp (milliseconds, no time zone, midnight of the date) because a Parquet
DATE reads in pandas as `object` holding `datetime.date`, where `.dt` fails; a
timestamp reads as `datetime64[ms]` in pandas, `Datetime(ms)` in Polars,
`TIMESTAMP` in DuckDB. `higher_is_better` is a nullable BOOLEAN, and the file
carries the pandas metadata (`pandas_metadata`) that makes plain
`pd.read_parquet` read it as pandas' nullable `boolean` rather than `object`.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from typing import TYPE_CHECKING, Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from extractor import __version__
from extractor.result import KINDS, ROLES, Result

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "3"  # 2: metric_text, dataset_text, method_text; 3: setting, published as a timestamp


def _field(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={b"description": description.encode("utf-8")})


PUBLISHED_TYPE = pa.timestamp("ms")

SCHEMA = pa.schema([
    _field("paper_id", pa.string(), "Stable id of the paper: the source's own id, else 't:' + a hash of the normalized title.", False),
    _field("title", pa.string(), "Title of the paper, as the source printed it.", False),
    _field("source", pa.string(), "Where the paper was read from (reader name or input file).", False),
    _field("published", PUBLISHED_TYPE, "Publication date given by the source (midnight, no time zone); null where it gives none."),
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


def _date(iso: str | None) -> _dt.datetime | None:
    """The ISO date a reader gives, as the midnight `published` holds."""
    if iso is None or iso == "":
        return None
    try:
        d = _dt.date.fromisoformat(iso[:10])
    except ValueError:
        raise ValueError(f"published is not an ISO date: {iso!r}") from None
    return _dt.datetime(d.year, d.month, d.day)


def _pandas_entry(f: pa.Field) -> dict:
    if pa.types.is_string(f.type):
        kinds = ("unicode", "object")
    elif pa.types.is_boolean(f.type):
        kinds = ("bool", "boolean")  # pandas' nullable BooleanDtype: the point of this metadata
    elif pa.types.is_timestamp(f.type):
        kinds = ("datetime", f"datetime64[{f.type.unit}]")
    else:  # double, float, int32
        kinds = ({"double": "float64", "float": "float32"}.get(str(f.type), str(f.type)),) * 2
    return {"name": f.name, "field_name": f.name, "pandas_type": kinds[0], "numpy_type": kinds[1], "metadata": None}


def pandas_metadata(schema: pa.Schema) -> bytes:
    """The `pandas` schema metadata pyarrow writes for a DataFrame, built from
    the schema rather than from a DataFrame: the same bytes whatever pandas is
    installed (runs stay byte-comparable), and no pandas import in the writer."""
    return json.dumps({"index_columns": [], "column_indexes": [],
                       "columns": [_pandas_entry(f) for f in schema], "attributes": {},
                       "creator": {"library": "lbx", "version": SCHEMA_VERSION}}).encode()


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


def file_metadata(rules_hash: str, inputs: Sequence[str], created: str | None) -> dict[str, str]:
    """The `lbx.*` key-value metadata every output file carries (README "The table")."""
    return {
        "lbx.schema_version": SCHEMA_VERSION,
        "lbx.version": __version__,
        "lbx.rules_hash": rules_hash,
        "lbx.created": created or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "lbx.inputs": json.dumps([os.fspath(p) for p in inputs]),
    }


def write_table(path: str | os.PathLike, results: Iterable[Result], *, rules_hash: str,
                inputs: Sequence[str] = ()) -> int:
    """Write all `results` at once, atomically, in the format `path`'s extension
    names; returns the row count. A convenience over `extractor.run.targets`."""
    from extractor.run.targets import open_target  # the writers live with the run

    with open_target(path, rules_hash=rules_hash, inputs=inputs) as w:
        w.write(results)
    return w.rows_written


def read_table(path: str | os.PathLike) -> "pd.DataFrame":
    """The table as a DataFrame: strings as pandas strings, `published` as
    datetime64, `higher_is_better` as the nullable boolean dtype. A dataset
    directory reads as one table, with its partition column `year` last."""
    import pandas as pd  # here, not at the top: worker processes write tables and never need pandas

    table = pq.read_table(os.fspath(path))
    return table_to_frame(table)


def table_to_frame(table: pa.Table) -> "pd.DataFrame":
    """A results table as pandas: what `pd.read_parquet` gives for a written file
    (`published` datetime64[ms], `higher_is_better` boolean), also for a table
    that never went through a file (`extractor.extract_frame`)."""
    import pandas as pd

    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def table_metadata(path: str | os.PathLike) -> dict:
    """The `lbx.*` key-value metadata of a written table (a file, or a dataset
    directory, whose files all carry the same); `lbx.inputs` decoded to a list."""
    path = os.fspath(path)
    if os.path.isdir(path):
        import pyarrow.dataset as ds

        files = sorted(ds.dataset(path, format="parquet", partitioning="hive").files)
        if not files:
            raise FileNotFoundError(f"{path}: no Parquet files in this dataset directory")
        path = files[0]
    raw = pq.read_schema(path).metadata or {}
    meta = {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"lbx.")}
    if "lbx.inputs" in meta:
        meta["lbx.inputs"] = json.loads(meta["lbx.inputs"])
    return meta
