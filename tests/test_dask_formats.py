"""`--engine dask` on every input format writes what the local engine writes (issue 13).

JSON Lines and Parquet are split into partitions on the workers; daily-papers
pages, JSON arrays and CSV are read by lbx in the client and handed over as
pandas partitions, where Dask's string conversion turned gaps into pd.NA (the
"boolean value of NA is ambiguous" crash). One LocalCluster serves every case.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import extractor.sources as sources
from extractor.cli import cli
from extractor.run.papers import papers_path
from extractor.table import SCHEMA

REPO = Path(__file__).resolve().parent.parent
SAMPLE = sorted((REPO / "data" / "sample").glob("*.txt"))[0]
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask, with pandas 3.1
FORMATS = ["txt", "jsonl", "json", "csv", "parquet"]


@pytest.fixture(autouse=True)
def _rules_once(clean_env_and_rules_loaded_once):
    """No LBX_* from the shell; each rule set compiled once a session (conftest.py)."""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """One sample page, and its first 40 papers in each record format (every 7th
    undated, every 5th without an id, one without an abstract: the gaps)."""
    root = tmp_path_factory.mktemp("formats")
    papers = list(sources.read_papers(str(SAMPLE)))[:40]
    recs = []
    for i, p in enumerate(papers):
        rec = {"id": f"2101.{i:05d}" if i % 5 else None, "title": p.title, "abstract": p.abstract if i != 3 else None,
               "published": f"2021-0{1 + i % 9}-15" if i % 7 else None}
        recs.append(rec)
    files = {"txt": root / "page.txt"}
    files["txt"].write_bytes(SAMPLE.read_bytes())
    files["jsonl"] = root / "papers.jsonl"
    files["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    files["json"] = root / "papers.json"
    files["json"].write_text(json.dumps(recs), encoding="utf-8")
    files["csv"] = root / "papers.csv"
    with open(files["csv"], "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(recs[0]))
        writer.writeheader()
        writer.writerows(recs)
    files["parquet"] = root / "papers.parquet"
    pq.write_table(pa.Table.from_pylist(recs), files["parquet"])
    return files


def _run(*args) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.stderr
    return res.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_dask_engine_equals_the_local_engine_on_every_format(tmp_path, inputs, cluster, fmt):
    local, dask = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    local_err = _run("extract", inputs[fmt], "-o", local, "-j", "1")
    dask_err = _run("extract", inputs[fmt], "-o", dask, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    table = pq.read_table(local).select(SCHEMA.names)
    assert table.num_rows > 0
    assert pq.read_table(dask).select(SCHEMA.names).equals(table)
    assert pq.read_table(papers_path(dask)).equals(pq.read_table(papers_path(local)))
    assert local_err.splitlines()[0] == dask_err.splitlines()[0]  # "read N papers from ..."


def test_dask_engine_skips_bad_records_of_client_read_formats(tmp_path, inputs, cluster):
    bad = tmp_path / "bad.json"
    recs = json.loads(inputs["json"].read_text(encoding="utf-8"))
    bad.write_text(json.dumps(recs[:5] + [[1, 2], {"title": ["x"]}] + recs[5:10]), encoding="utf-8")
    args = ("extract", bad, "-o", tmp_path / "x.parquet", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 2 and "bad.json:1: record is not a JSON object" in res.stderr, res.stderr
    summary = _run(*args, "--skip-bad")
    assert "bad field: 1" in summary and "not an object: 1" in summary, summary


def test_dask_engine_counts_abstracts_read_in_part_like_the_local_one(tmp_path, cluster):
    from extractor.text.numbers import MAX_NUMBERS

    table = " ".join(f"Run {i} reaches {50 + i / 100:.2f}% accuracy." for i in range(MAX_NUMBERS + 50))
    src = tmp_path / "dump.jsonl"
    src.write_text(json.dumps({"id": "2101.00001", "title": "A table dump", "abstract": table}) + "\n"
                   + json.dumps({"id": "2101.00002", "title": "Fine", "abstract": "We reach 91.5% on CIFAR-10."}) + "\n",
                   encoding="utf-8")
    local_err = _run("extract", src, "-o", tmp_path / "local.parquet", "-j", "1")
    dask_err = _run("extract", src, "-o", tmp_path / "dask.parquet", "--engine", "dask",
                    "--scheduler", cluster.scheduler_address)
    line = [x for x in local_err.splitlines() if "in part" in x]
    assert line == [f"lbx: read 1 abstract in part ({MAX_NUMBERS} numbers or more, any after the {MAX_NUMBERS}th "
                    "not read: 1)"]
    assert line == [x for x in dask_err.splitlines() if "in part" in x]
