"""The table's types as each reader sees them, read back from a real `lbx extract` run.

What a user gets without options is what counts (issue 12): plain
`pd.read_parquet` must give `published` as datetime64 and `higher_is_better`
as pandas' nullable boolean, and pyarrow, DuckDB and Polars must see the
schema's own types, column by column.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import extractor
from extractor.run.papers import PAPERS_SCHEMA, papers_path
from extractor.table import SCHEMA

REPO = Path(__file__).resolve().parent.parent

PAPERS = [
    {"id": "2401.00001", "title": "FooDet: fast detection", "date": "2024-03-05",
     "abstract": "FooDet reaches 64.2 AP on COCO test-dev, 15x faster than DETR. Its WER is 3.1% on LibriSpeech."},
    {"id": "2401.00002", "title": "No date here", "abstract": "We improve top-1 accuracy by 2.5% on ImageNet."},
    {"id": "2401.00003", "title": "A survey", "date": "1999-12-31", "abstract": "We review 120 papers."},
]

# The schema's Arrow type -> what each reader must report for it.
PANDAS = {pa.string(): "str", pa.timestamp("ms"): "datetime64[ms]", pa.bool_(): "boolean", pa.float64(): "float64",
          pa.float32(): "float32", pa.int32(): "int32"}
DUCKDB = {pa.string(): "VARCHAR", pa.timestamp("ms"): "TIMESTAMP", pa.bool_(): "BOOLEAN", pa.float64(): "DOUBLE",
          pa.float32(): "FLOAT", pa.int32(): "INTEGER"}
POLARS = {pa.string(): pl.String, pa.timestamp("ms"): pl.Datetime("ms"), pa.bool_(): pl.Boolean,
          pa.float64(): pl.Float64, pa.float32(): pl.Float32, pa.int32(): pl.Int32}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("dtypes")
    src = d / "papers.jsonl"
    src.write_text("".join(json.dumps(p) + "\n" for p in PAPERS), encoding="utf-8")
    out = d / "out.parquet"
    res = subprocess.run([sys.executable, "-m", "extractor", "extract", str(src), "-o", str(out), "-q"],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr
    return out


def test_the_run_has_rows_with_and_without_date_and_direction(written):
    t = pq.read_table(written)
    assert t.num_rows >= 3
    assert t.column("published").null_count >= 1 and t.column("published").null_count < t.num_rows
    assert t.column("higher_is_better").to_pylist().count(False) >= 1


def test_pyarrow_reads_the_schema_exactly(written):
    schema = pq.read_schema(written)
    assert schema.remove_metadata().equals(SCHEMA.remove_metadata())
    assert [f.nullable for f in schema] == [f.nullable for f in SCHEMA]


def test_plain_pandas_read_parquet_gives_every_column_its_dtype(written):
    df = pd.read_parquet(written)
    assert list(df.columns) == SCHEMA.names
    for f in SCHEMA:
        assert str(df[f.name].dtype) == PANDAS[f.type], f.name
    assert df["published"].dt.year.dropna().astype(int).tolist()  # .dt works: the failing call
    by_id = df.drop_duplicates("paper_id").set_index("paper_id")["published"]
    assert by_id["2401.00001"] == pd.Timestamp("2024-03-05") and pd.isna(by_id["2401.00002"])
    assert df["higher_is_better"].isna().sum() + df["higher_is_better"].fillna(True).sum() <= len(df)
    wer = df[df["metric"] == "word error rate"]
    assert len(wer) == 1 and wer["higher_is_better"].iloc[0] is pd.NA or not wer["higher_is_better"].iloc[0]


def test_the_dataset_directory_reads_the_same_in_pandas(written, tmp_path):
    src = written.parent / "papers.jsonl"
    out = tmp_path / "ds"
    res = subprocess.run([sys.executable, "-m", "extractor", "extract", str(src), "-o", f"{out}/", "-q"],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out)
    for f in SCHEMA:
        assert str(df[f.name].dtype) == PANDAS[f.type], f.name
    assert sorted(df["year"].astype(str).unique()) == ["2024", "unknown"]


def test_duckdb_sees_every_column_as_the_schema_says(written):
    rel = duckdb.sql(f"select * from '{written}'")
    assert rel.columns == SCHEMA.names
    assert [str(t) for t in rel.types] == [DUCKDB[f.type] for f in SCHEMA]


def test_polars_sees_every_column_as_the_schema_says(written):
    schema = pl.read_parquet(written).schema
    assert list(schema) == SCHEMA.names
    for f in SCHEMA:
        assert schema[f.name] == POLARS[f.type], f.name


def test_extract_frame_has_the_dtypes_of_the_file(written):
    df = extractor.extract_frame(pd.DataFrame(PAPERS), id_col="id", date_col="date")
    back = pd.read_parquet(written)
    assert df.dtypes.to_dict() == back.dtypes.to_dict()
    assert df.drop(columns="source").equals(back.drop(columns="source"))


def test_the_papers_table_keeps_every_abstract(written):
    papers = pd.read_parquet(papers_path(str(written)))
    assert list(papers.columns) == PAPERS_SCHEMA.names
    abstracts = dict(zip(papers["paper_id"], papers["abstract"]))
    assert abstracts == {p["id"]: p["abstract"] for p in PAPERS}  # a paper without results too
    for row in pd.read_parquet(written).itertuples():
        assert abstracts[row.paper_id][row.start:row.end] == row.value_text
