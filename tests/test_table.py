"""The output table: schema, round trips, metadata and the atomic writer."""
from __future__ import annotations

import datetime as dt
import os

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import extractor
from extractor.result import Result
from extractor.table import (
    SCHEMA,
    SCHEMA_VERSION,
    OutputError,
    read_table,
    results_to_table,
    table_metadata,
    write_table,
)
from extractor.run.targets import ParquetFile as TableWriter

FIELD_ORDER = [
    "paper_id", "title", "source", "published", "url", "method", "role", "task", "dataset", "metric",
    "metric_text", "dataset_text", "method_text", "setting",
    "kind", "value", "value_text", "unit", "value_norm", "unit_norm", "higher_is_better",
    "evidence", "start", "end", "rule", "confidence", "extractor_version",
]


def make_result(**kw) -> Result:
    abstract = "FooDet reaches 64.2 AP on COCO test-dev."
    base = dict(
        paper_id="t:0001", title="FooDet", source="jsonl", published="2024-03-05", method="FooDet",
        role="proposed", task="object detection", dataset="COCO test-dev", metric="AP", kind="score",
        value=64.2, value_text="64.2 AP", unit=None, value_norm=64.2, unit_norm=None,
        higher_is_better=True, evidence=abstract, start=abstract.index("64.2"),
        end=abstract.index("64.2") + 4, rule="score.metric_after", confidence=0.9,
        extractor_version=extractor.__version__,
    )
    base.update(kw)
    return Result(**base)


def sample_results() -> list[Result]:
    return [
        make_result(),
        make_result(paper_id="t:0002", title="Fast", published=None, method=None, role="baseline",
                    task=None, dataset=None, metric="speed", kind="ratio", value=15.0, value_text="15x",
                    unit="x", value_norm=15.0, unit_norm="x", higher_is_better=None, start=3, end=6,
                    confidence=0.5),
        make_result(paper_id="t:0003", kind="delta", value=3.2, value_text="+3.2 mAP", unit="%",
                    value_norm=0.032, unit_norm="fraction", higher_is_better=False),
    ]


def tmp_files(directory) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_schema_order_types_and_descriptions():
    assert SCHEMA.names == FIELD_ORDER
    for f in SCHEMA:
        assert f.metadata and f.metadata.get(b"description"), f"{f.name} has no description"
    assert SCHEMA.field("published").type == pa.timestamp("ms")
    assert SCHEMA.field("start").type == pa.int32()
    assert SCHEMA.field("confidence").type == pa.float32()
    assert SCHEMA.field("higher_is_better").type == pa.bool_()


def test_round_trip_to_pandas(tmp_path):
    out = tmp_path / "r.parquet"
    assert write_table(out, sample_results(), rules_hash="abc", inputs=["a.jsonl"]) == 3
    df = read_table(out)
    assert list(df.columns) == FIELD_ORDER
    assert len(df) == 3
    assert pd.api.types.is_string_dtype(df["title"]) and pd.api.types.is_string_dtype(df["kind"])
    assert pd.api.types.is_string_dtype(df["metric"])  # dictionary-encoded on disk, plain here
    assert df["value"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(df["published"])
    assert df["higher_is_better"].dtype == "boolean"
    assert df["start"].dtype == "int32"
    assert df["published"].iloc[0] == pd.Timestamp("2024-03-05")
    assert pd.isna(df["published"].iloc[1])
    assert pd.isna(df["higher_is_better"].iloc[1]) and not df["higher_is_better"].iloc[2]
    assert df["value_text"].tolist() == ["64.2 AP", "15x", "+3.2 mAP"]
    r = sample_results()[0]
    assert r.evidence[df["start"].iloc[0]:df["end"].iloc[0]] == "64.2"


def test_round_trip_in_duckdb(tmp_path):
    out = tmp_path / "r.parquet"
    write_table(out, sample_results(), rules_hash="abc")
    rel = duckdb.sql(f"select * from '{out}'")
    assert rel.columns == FIELD_ORDER
    rows = duckdb.sql(f"select published, kind, value, higher_is_better from '{out}' order by paper_id").fetchall()
    assert rows[0] == (dt.datetime(2024, 3, 5), "score", 64.2, True)
    assert rows[1][0] is None and rows[1][3] is None


def test_metadata_keys(tmp_path):
    out = tmp_path / "r.parquet"
    write_table(out, sample_results(), rules_hash="h123", inputs=["a.jsonl", "dir/b.csv"])
    meta = table_metadata(out)
    assert meta["lbx.schema_version"] == SCHEMA_VERSION
    assert meta["lbx.version"] == extractor.__version__
    assert meta["lbx.rules_hash"] == "h123"
    assert meta["lbx.inputs"] == ["a.jsonl", "dir/b.csv"]
    created = dt.datetime.fromisoformat(meta["lbx.created"])
    assert created.utcoffset() == dt.timedelta(0)
    # the field descriptions survive the file too
    assert pq.read_schema(out).field("value").metadata[b"description"]


def test_identical_runs_differ_only_in_created(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for path in (a, b):
        with TableWriter(path, rules_hash="h", inputs=["x"], created="2024-01-01T00:00:00+00:00") as w:
            w.write(sample_results())
    assert a.read_bytes() == b.read_bytes()


def test_empty_result_set_is_a_valid_table(tmp_path):
    out = tmp_path / "empty.parquet"
    with TableWriter(out, rules_hash="h"):
        pass
    assert pq.read_schema(out).names == FIELD_ORDER
    assert len(read_table(out)) == 0
    assert duckdb.sql(f"select count(*) from '{out}'").fetchall() == [(0,)]
    assert results_to_table([]).schema.equals(SCHEMA)


def test_streaming_batches_make_row_groups(tmp_path):
    out = tmp_path / "s.parquet"
    with TableWriter(out, rules_hash="h", row_group_rows=4) as w:
        for i in range(5):
            w.write([make_result(paper_id=f"t:{i}:{j}") for j in range(3)])
            w.write([])
    meta = pq.read_metadata(out)
    assert meta.num_rows == 15 and meta.num_row_groups >= 3
    assert read_table(out)["paper_id"].tolist() == [f"t:{i}:{j}" for i in range(5) for j in range(3)]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_exception_keeps_earlier_file(tmp_path, exc):
    out = tmp_path / "r.parquet"
    write_table(out, sample_results(), rules_hash="first")
    before = out.read_bytes()
    with pytest.raises(exc):
        with TableWriter(out, rules_hash="second") as w:
            w.write(sample_results() * 10)
            assert len(tmp_files(tmp_path)) == 1  # the rows are going to a hidden temp file
            raise exc()
    assert out.read_bytes() == before
    assert tmp_files(tmp_path) == []
    assert sorted(os.listdir(tmp_path)) == ["r.parquet"]


def test_bad_row_aborts_without_output(tmp_path):
    out = tmp_path / "r.parquet"
    with pytest.raises(ValueError, match="kind"):
        with TableWriter(out, rules_hash="h") as w:
            w.write([make_result(kind="score?")])
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="evidence"):
        results_to_table([make_result(evidence=None)])


def test_file_mode_is_not_mkstemp_private(tmp_path):
    out = tmp_path / "r.parquet"
    write_table(out, [], rules_hash="h")
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_missing_output_dir(tmp_path):
    with pytest.raises(OutputError) as e:
        TableWriter(tmp_path / "nope" / "r.parquet", rules_hash="h")
    assert "nope" in str(e.value)


def test_output_is_a_directory(tmp_path):
    with pytest.raises(OutputError):
        TableWriter(tmp_path, rules_hash="h")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_output_dir(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError) as e:
            TableWriter(ro / "r.parquet", rules_hash="h")
        assert str(ro) in str(e.value)
    finally:
        ro.chmod(0o700)


def test_unwritable_output_dir_message(tmp_path, monkeypatch):
    """The same check as above, reachable as root: os.access is what it asks."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(tmp_path) else real_access(p, mode))
    with pytest.raises(OutputError, match="not writable"):
        TableWriter(tmp_path / "r.parquet", rules_hash="h")
