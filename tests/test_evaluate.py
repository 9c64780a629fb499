"""extractor.evaluate gives the same figures as the team's score.py."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.evaluate import field_ok, load_gold, norm, score, value_ok
from extractor.table import write_table
from test_table import make_result

REPO = Path(__file__).resolve().parent.parent
GOLD = sorted((REPO / "data" / "gold").glob("gold_*.jsonl"))


def _score_py() -> Path | None:
    candidates = [os.environ.get("LBX_SCORE_PY"), REPO.parent / "shared" / "gold" / "score.py"]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


SCORE_PY = _score_py()
needs_score_py = pytest.mark.skipif(SCORE_PY is None, reason="score.py (../shared/gold) not available")


def run_score_py(*args) -> str:
    proc = subprocess.run([sys.executable, str(SCORE_PY), *map(str, args)], capture_output=True, text=True,
                          check=True)
    return proc.stdout


SYNTH_GOLD = [
    {"id": "g1", "title": "FooDet: Fast Detection", "results": [
        {"value": 64.2, "unit": None, "metric": "AP", "dataset": "COCO test-dev", "method": "FooDet",
         "kind": "score", "evidence": "FooDet reaches 64.2 AP on COCO test-dev"},
        {"value": 3.2, "unit": "%", "metric": "mAP", "dataset": None, "method": ["FooDet", "(ours)"],
         "kind": "delta", "evidence": "+3.2% mAP"},
        {"value": 15, "unit": "x", "metric": "speed", "dataset": None, "method": "FooDet", "kind": "ratio",
         "evidence": "15x faster"},
    ]},
    {"id": "g2", "title": "A Study of Word Error Rates", "results": [
        {"value": 26.31, "unit": "%", "metric": "word error rate", "dataset": "LibriSpeech", "method": "(ours)",
         "kind": "score", "evidence": "26.31% WER"},
        {"value": 26.31, "unit": "%", "metric": "WER", "dataset": "LRS3", "method": "baseline",
         "kind": "score", "evidence": "26.31% on LRS3"},
    ]},
    {"id": "g3", "title": "Nothing reported here", "results": []},
]


def synth_predictions():
    return [
        # g1: exact, alias-free matches and near misses per level
        make_result(title="FooDet: Fast Detection", value=64.2, metric="average precision", dataset="COCO",
                    method="FooDet", kind="score"),
        make_result(title="foodet  fast detection", value=3.2, metric="mAP", dataset=None, method="ours",
                    kind="delta", unit="%"),
        make_result(title="FooDet: Fast Detection", value=15.0000001, metric="faster", dataset=None,
                    method="FooDet", kind="score", unit="x"),
        make_result(title="FooDet: Fast Detection", value=7.0, metric="AP", kind="score", evidence="spurious 7"),
        # g2: two gold records with the same value; greedy matching decides
        make_result(title="A Study of Word Error Rates", value=26.31, metric="WER", dataset="LRS3",
                    method="baseline", kind="score"),
        make_result(title="A Study of Word Error Rates", value=26.31, metric="wer", dataset="LibriSpeech",
                    method="our method", kind="score"),
        # g3: anything is spurious; and a title no gold abstract has
        make_result(title="Nothing reported here", value=1.0, metric=None, dataset=None, method=None),
        make_result(title="Not in the gold at all", value=2.0),
    ]


def write_gold(path: Path, docs) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def test_norm_and_aliases():
    assert norm("Top-1 Accuracy") == norm("top1")
    assert norm("Word error rate") == norm("WER")
    assert norm(None) is None and norm(float("nan")) is None and norm("  -- ") is None and norm("None") is None
    assert field_ok(["x", "COCO test-dev"], "coco-test dev")
    assert field_ok("COCO test-dev", "COCO")  # containment, both at least 3 characters
    assert not field_ok("AP", "mAP")  # too short for containment, different aliases
    assert field_ok(None, None) and not field_ok(None, "AP")
    assert value_ok(64.2, "64.2") and value_ok(1000.0, 1000.0005) and not value_ok(1.0, 1.01)
    assert not value_ok(1.0, None)


def test_score_on_synthetic_by_hand():
    rows = [{k: getattr(r, k) for k in ("title", "value", "metric", "dataset", "method", "kind", "evidence")}
            for r in synth_predictions()]
    table, errors, unmatched = score(rows, SYNTH_GOLD)
    assert unmatched == 1
    # value level: 64.2, 3.2, 15 and both 26.31 match; 7.0 and the g3 row are spurious
    assert table["value"] == {"precision": round(5 / 7, 4), "recall": 1.0, "f1": round(2 * (5 / 7) / (1 + 5 / 7), 4),
                              "tp": 5, "pred": 7, "gold": 5}
    assert table["kind"]["tp"] == 4  # the 15x row says score, gold says ratio
    # 64.2 (alias AP, dataset by containment), 3.2 ("ours" alias) and both WERs,
    # which the full level pairs by dataset rather than by order
    assert table["full"]["tp"] == 4
    assert table["dataset"]["tp"] == 5  # the 15x row has no dataset, as in gold
    kinds = sorted(e[0] for e in errors)
    assert kinds == ["spurious", "spurious"]


@needs_score_py
def test_same_figures_as_score_py_synthetic(tmp_path):
    gold_path = write_gold(tmp_path / "gold.jsonl", SYNTH_GOLD)
    pred = tmp_path / "pred.parquet"
    write_table(pred, synth_predictions(), rules_hash="h")
    expected = json.loads(run_score_py(pred, gold_path, "--json"))
    runner = CliRunner()
    res = runner.invoke(cli, ["eval", str(pred), str(gold_path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == expected
    text = runner.invoke(cli, ["eval", str(pred), str(gold_path), "--errors", "10"])
    assert text.exit_code == 0
    assert text.stdout == run_score_py(pred, gold_path, "--errors", "10")


def perturbed_predictions(gold_docs, seed=7):
    """Predictions made from gold: some kept, some with a wrong field, value or
    title, some dropped, some spurious, to exercise every level of the scorer."""
    rng = random.Random(seed)
    out = []
    for doc in gold_docs:
        for g in doc["results"]:
            fields = {f: (g.get(f)[0] if isinstance(g.get(f), list) and g.get(f) else g.get(f))
                      for f in ("metric", "dataset", "method")}
            kind = g["kind"]
            roll = rng.random()
            if roll < 0.1:
                continue
            if roll < 0.2:
                fields[rng.choice(["metric", "dataset", "method"])] = "something else"
            elif roll < 0.3:
                kind = {"score": "delta", "delta": "ratio", "ratio": "score"}[kind]
            value = float(g["value"]) + (1.0 if roll > 0.95 else 0.0)
            out.append(make_result(title=doc["title"], value=value, kind=kind, evidence=g.get("evidence") or "",
                                   **fields))
        if rng.random() < 0.2:
            out.append(make_result(title=doc["title"], value=rng.randint(1, 99), evidence="spurious"))
    return out


@needs_score_py
def test_same_figures_as_score_py_on_dev_gold(tmp_path):
    assert GOLD, "data/gold/gold_*.jsonl missing"
    gold_docs = load_gold(GOLD)
    pred = tmp_path / "pred.parquet"
    write_table(pred, perturbed_predictions(gold_docs), rules_hash="h")
    expected = json.loads(run_score_py(pred, *GOLD, "--json"))
    import pyarrow.parquet as pq
    table, _, unmatched = score(pq.read_table(pred).to_pylist(), gold_docs)
    assert {"levels": table, "titles_not_in_gold": unmatched} == expected
    assert 0 < table["full"]["tp"] < table["value"]["tp"] < table["value"]["gold"]


def test_eval_prints_levels_and_errors(tmp_path):
    gold_path = write_gold(tmp_path / "gold.jsonl", SYNTH_GOLD)
    pred = tmp_path / "pred.parquet"
    write_table(pred, synth_predictions(), rules_hash="h")
    res = CliRunner().invoke(cli, ["eval", str(pred), str(gold_path), "--errors", "1"])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].split()[:4] == ["level", "P", "R", "F1"]
    assert [ln.split()[0] for ln in lines[1:7]] == ["value", "kind", "metric", "dataset", "method", "full"]
    assert "note: 1 predicted titles match no gold abstract" in lines
    assert lines[-1].startswith("spurious")


def test_eval_bad_gold_is_one_line_error(tmp_path):
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text(json.dumps(SYNTH_GOLD[0]) + "\n{oops\n", encoding="utf-8")
    pred = tmp_path / "pred.parquet"
    write_table(pred, [], rules_hash="h")
    res = CliRunner().invoke(cli, ["eval", str(pred), str(gold_path)])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and f"{gold_path}:2:" in res.stderr
