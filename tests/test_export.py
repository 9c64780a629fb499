"""Leaderboards outside the dashboard: `export_pwc` validated against the structure
of Papers with Code's evaluation-tables.json, and the real `lbx benchmarks`,
`lbx leaderboard` and `lbx export` commands on the bundled sample and on a
dataset directory.

The structure is the one paperswithcode/sota-extractor reads the dump with
(sota_extractor/taskdb/v01/schemas.py: TaskSchema, DatasetSchema, SotaSchema,
SotaRowSchema, LinkSchema): a list of tasks {task, description, categories,
datasets, subtasks, synonyms, source_link}; a dataset {dataset, description,
sota {metrics, rows}, subdatasets, dataset_links, dataset_citations}; a row
{model_name (required), paper_title, paper_url, paper_date ("%Y-%m-%d" or null),
code_links, model_links, metrics {name: value}, uses_additional_data}.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from extractor.leaderboard import export_pwc
from test_dashboard import fixture_rows, write_dataset_dir, write_results
from test_leaderboard import row

REPO = Path(__file__).resolve().parents[1]
LBX = [sys.executable, "-m", "extractor"]

TASK_KEYS = {"task": str, "description": str, "categories": list, "datasets": list, "subtasks": list,
             "synonyms": list, "source_link": (dict, type(None))}
DATASET_KEYS = {"dataset": str, "description": str, "sota": dict, "subdatasets": list, "dataset_links": list,
                "dataset_citations": list}
ROW_KEYS = {"model_name": str, "paper_title": str, "paper_url": str, "paper_date": (str, type(None)),
            "code_links": list, "model_links": list, "metrics": dict, "uses_additional_data": bool}


def validate_evaluation_tables(doc) -> int:
    """Raise AssertionError where `doc` leaves the evaluation-tables structure; the number of rows."""
    assert isinstance(doc, list)
    rows = 0
    for task in doc:
        assert set(task) == set(TASK_KEYS), set(task) ^ set(TASK_KEYS)
        for key, kind in TASK_KEYS.items():
            assert isinstance(task[key], kind), (key, task[key])
        assert task["task"] and all(isinstance(c, str) for c in task["categories"])
        for ds in task["datasets"]:
            assert set(ds) == set(DATASET_KEYS), set(ds) ^ set(DATASET_KEYS)
            for key, kind in DATASET_KEYS.items():
                assert isinstance(ds[key], kind), (key, ds[key])
            assert set(ds["sota"]) == {"metrics", "rows"}
            metrics = ds["sota"]["metrics"]
            assert metrics and all(isinstance(m, str) for m in metrics)
            for r in ds["sota"]["rows"]:
                assert set(r) == set(ROW_KEYS), set(r) ^ set(ROW_KEYS)
                for key, kind in ROW_KEYS.items():
                    assert isinstance(r[key], kind), (key, r[key])
                assert r["model_name"]
                if r["paper_date"] is not None:
                    dt.datetime.strptime(r["paper_date"], "%Y-%m-%d")
                assert r["metrics"] and set(r["metrics"]) <= set(metrics)
                assert all(isinstance(v, str) and v for v in r["metrics"].values())
                rows += 1
    return rows


def test_export_pwc_has_the_evaluation_tables_structure():
    df = pd.DataFrame([
        row("2101.00001", "FooNet", "CIFAR-10", "accuracy", 96.1, "%", published="2021-01-12"),
        row("2101.00001", "FooNet", "CIFAR-10", "error rate", 3.9, "%", published="2021-01-12", start=20),
        row("p2", "BarNet", "CIFAR-10", "accuracy", 95.0, "%"),
        row("p3", "FixA", "CIFAR-10", "accuracy", 94.9, "%", setting="semi-supervised; 250 labels"),
        row("p4", "Big", "ImageNet-1K", "accuracy", 88.5, "%", setting="pre-trained on JFT-300M"),
        row("p5", "prior state of the art", "CIFAR-10", "accuracy", 99.0, "%", role="baseline"),  # not exported
        row("p6", "Odd", "CIFAR-10", "accuracy", 255.0),                                           # not exported
    ])
    for r in ("p2", "p3", "p4", "p5", "p6"):
        df.loc[df.paper_id == r, "task"] = "image classification"
    doc = export_pwc(df)
    assert validate_evaluation_tables(doc) == 4
    json.dumps(doc)  # plain JSON types only
    by_name = {d["dataset"]: d for t in doc for d in t["datasets"]}
    assert set(by_name) == {"CIFAR-10", "CIFAR-10 (semi-supervised; 250 labels)", "ImageNet (pre-trained on JFT-300M)"}
    plain = by_name["CIFAR-10"]["sota"]
    assert plain["metrics"] == ["accuracy", "error rate"]
    foo = next(r for r in plain["rows"] if r["model_name"] == "FooNet")
    assert foo == {"model_name": "FooNet", "metrics": {"accuracy": "96.1%", "error rate": "3.9%"},
                   "paper_title": "Paper 2101.00001", "paper_url": "https://arxiv.org/abs/2101.00001",
                   "paper_date": "2021-01-12", "code_links": [], "model_links": [], "uses_additional_data": False}
    assert [r["model_name"] for r in plain["rows"]] == ["FooNet", "BarNet"]  # ranked order, no reference, no 255
    assert by_name["ImageNet (pre-trained on JFT-300M)"]["sota"]["rows"][0]["uses_additional_data"] is True
    assert by_name["CIFAR-10 (semi-supervised; 250 labels)"]["sota"]["rows"][0]["uses_additional_data"] is False


def test_the_validator_refuses_what_is_not_the_structure():
    good = [{"task": "t", "description": "", "categories": [], "subtasks": [], "synonyms": [], "source_link": None,
             "datasets": [{"dataset": "D", "description": "", "subdatasets": [], "dataset_links": [],
                           "dataset_citations": [], "sota": {"metrics": ["m"], "rows": [
                               {"model_name": "X", "metrics": {"m": "1"}, "paper_title": "", "paper_url": "",
                                "paper_date": None, "code_links": [], "model_links": [],
                                "uses_additional_data": False}]}}]}]
    assert validate_evaluation_tables(good) == 1
    bad_date = json.loads(json.dumps(good))
    bad_date[0]["datasets"][0]["sota"]["rows"][0]["paper_date"] = "12/01/2021"
    no_name = json.loads(json.dumps(good))
    del no_name[0]["datasets"][0]["sota"]["rows"][0]["model_name"]
    for doc in (bad_date, no_name, {"task": "t"}):
        with pytest.raises((AssertionError, ValueError)):
            validate_evaluation_tables(doc)


# --- the real commands ------------------------------------------------------------------

def lbx(*args, cwd=REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LBX_RULES"}
    return subprocess.run([*LBX, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "sample.parquet"
    done = lbx("extract", *sorted((REPO / "data" / "sample").glob("*.txt")), "-o", out, "-q")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory) -> Path:
    return write_dataset_dir(tmp_path_factory.mktemp("export_ds") / "ds", fixture_rows())


def test_lbx_export_pwc_on_the_sample_and_on_a_dataset_directory(sample, dataset_dir, tmp_path):
    for source in (sample, f"{dataset_dir}/"):
        out = tmp_path / "evaluation-tables.json"
        done = lbx("export", source, "--format", "pwc", "-o", out)
        assert done.returncode == 0, done.stderr
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert validate_evaluation_tables(doc) > 0
        assert not list(tmp_path.glob(".*lbx-tmp"))
    names = {d["dataset"] for t in doc for d in t["datasets"]}
    assert {"COCO test-dev", "LRS3", "CIFAR-10", "CIFAR-10 (semi-supervised; 250 labels)"} <= names
    done = lbx("export", sample, "-o", tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("lbx: error: ") and "is a directory" in done.stderr


def test_lbx_benchmarks_and_leaderboard_on_the_sample(sample):
    bench = lbx("benchmarks", sample, "--format", "json")
    assert bench.returncode == 0, bench.stderr
    listed = json.loads(bench.stdout)
    assert listed[0]["papers"] == max(b["papers"] for b in listed)  # most papers first
    keys = [(b["dataset"], b["metric"], b["setting"]) for b in listed]
    assert len(keys) == len(set(keys))
    top = listed[0]
    table = lbx("leaderboard", sample)
    assert table.returncode == 0, table.stderr
    assert f"{top['dataset']} · {top['metric']}" in table.stdout and "rank" in table.stdout
    board = json.loads(lbx("leaderboard", sample, "--dataset", top["dataset"], "--metric", top["metric"],
                           "--format", "json").stdout)
    assert board["dataset"] == top["dataset"] and board["rows"] and board["rows"][0]["rank"] == 1
    values = [r["value_norm"] for r in board["rows"]]
    assert values == sorted(values, reverse=board["higher_is_better"])
    md = lbx("leaderboard", sample, "--format", "markdown").stdout
    assert md.splitlines()[2].startswith("| rank | method |")


def test_lbx_leaderboard_on_a_dataset_directory_switches_settings(dataset_dir):
    semi = lbx("leaderboard", dataset_dir, "--dataset", "CIFAR10", "--metric", "accuracy",
               "--setting", "semi-supervised; 250 labels", "--format", "json")
    assert semi.returncode == 0, semi.stderr
    body = json.loads(semi.stdout)
    assert [r["method"] for r in body["rows"]] == ["SemiA", "SemiB"] and body["setting"] == "semi-supervised; 250 labels"
    plain = json.loads(lbx("leaderboard", dataset_dir, "--dataset", "CIFAR-10", "--metric", "accuracy",
                           "--format", "json").stdout)
    assert [r["method"] for r in plain["rows"]] == ["SupB"]
    coco = json.loads(lbx("leaderboard", dataset_dir, "--format", "json").stdout)
    assert [r["reason"][:19] for r in coco["kept_out"]] == ["anonymous reference"]
    everything = json.loads(lbx("leaderboard", dataset_dir, "--all", "--format", "json").stdout)
    assert "prior state of the art" in [r["method"] for r in everything["rows"]] and not everything["kept_out"]


def test_lbx_leaderboard_csv_defuses_formulas(tmp_path):
    rows = [{**r, "method": '=HYPERLINK("http://evil.example","x")'} if r["method"] == "LipC" else r
            for r in fixture_rows()]
    results = write_results(tmp_path / "hostile.parquet", rows)
    done = lbx("leaderboard", results, "--dataset", "LRS3", "--metric", "WER", "--format", "csv")
    assert done.returncode == 0, done.stderr
    cells = list(csv.DictReader(io.StringIO(done.stdout)))
    assert cells[0]["method"] == "'" + '=HYPERLINK("http://evil.example","x")' and cells[0]["value"] == "19.0"


@pytest.mark.parametrize("args,message", [
    (["leaderboard", "{results}", "--dataset", "Nope"], "no benchmark 'Nope'"),
    (["leaderboard", "{missing}"], "does not exist"),
    (["export", "{notparquet}"], "not a Parquet file"),
])
def test_command_errors_are_one_line_and_exit_2(tmp_path, args, message):
    results = write_results(tmp_path / "r.parquet", fixture_rows())
    (tmp_path / "x.parquet").write_text("not parquet")
    args = [a.format(results=results, missing=tmp_path / "missing.parquet", notparquet=tmp_path / "x.parquet")
            for a in args]
    done = lbx(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
