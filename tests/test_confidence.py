"""The confidence model: features of real extracted rows, the fitted weights
file, and the calibration script on the in-repo seeds."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.confidence import ROW_FEATURES, WEIGHTS_FILE, ConfidenceModel, default_model, fit, load_model
from extractor.extract import extract_paper
from extractor.rules.loader import load_rules
from extractor.sources.paper import Paper

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def one_row(rules, title, abstract):
    rows = extract_paper(Paper("t:1", title, abstract, "test"), rules)
    assert len(rows) == 1, [(r.value, r.metric) for r in rows]
    return rows[0]


def test_the_weights_file_loads_and_names_every_feature():
    model = load_model(WEIGHTS_FILE)
    assert set(model.weights) == set(model.names)  # a refit writes one weight per feature, no stale ones
    assert {"bias", *ROW_FEATURES, "note_other"} <= set(model.names)
    assert "fitted" in WEIGHTS_FILE.read_text(encoding="utf-8").lower()
    assert "benchmarks/calibration.py" in WEIGHTS_FILE.read_text(encoding="utf-8")  # the header names the command


def test_a_row_found_by_strong_cues_scores_above_an_unnamed_one_without_dataset(rules):
    strong = one_row(rules, "FooNet: Fast Detection with Sparse Queries",
                     "We present FooNet. FooNet reaches 64.2 AP on COCO test-dev.")
    weak = one_row(rules, "On the training of detectors",
                   "We study the training of detectors. Our training scheme improves the results by 3.2 points.")
    assert strong.method == "FooNet" and strong.dataset and strong.metric
    assert weak.dataset is None
    assert 0 < weak.confidence < strong.confidence < 1


def test_each_missing_field_lowers_the_estimate():
    model = default_model()
    base = dict(pattern_confidence=0.9, rule="score.metric_after", kind="score", unit="%", metric="top-1 accuracy",
                metric_in_lexicon=True, dataset="ImageNet", method="FooNet", title="FooNet: a network",
                notes=["metric printed after the number", "dataset named after the number", "the paper's method"])
    p = model.probability(model.features(**base))
    no_metric = model.probability(model.features(**{**base, "metric": None, "metric_in_lexicon": False,
                                                    "notes": ["no metric in reach", *base["notes"][1:]]}))
    no_dataset = model.probability(model.features(**{**base, "dataset": None,
                                                     "notes": [base["notes"][0], "no dataset in the sentence",
                                                               base["notes"][2]]}))
    not_in_title = model.probability(model.features(**{**base, "title": "A network"}))
    assert no_metric < p and no_dataset < p and not_in_title < p
    assert all(0.0 <= q <= 1.0 for q in (p, no_metric, no_dataset, not_in_title))


def test_an_unknown_note_is_other_not_an_error():
    model = default_model()
    assert model.note_feature("a mechanism added after the last fit") == "note_other"
    assert model.note_feature("The paper's method, named in the clause") == "method_named"  # longest prefix
    assert model.note_feature("the paper's method") == "-"


def test_fit_learns_the_direction_of_a_feature_and_the_penalty_shrinks_it():
    names = ["bias", "good"]
    rows = [[1.0, 1.0]] * 30 + [[1.0, 0.0]] * 30
    labels = [1] * 27 + [0] * 3 + [1] * 6 + [0] * 24
    loose, tight = fit(rows, labels, names, l2=0.01), fit(rows, labels, names, l2=50.0)
    assert loose["good"] > tight["good"] > 0
    m = ConfidenceModel([], loose)
    assert m.probability({"bias": 1.0, "good": 1.0}) == pytest.approx(0.9, abs=0.01)  # calibrated on its data
    assert m.probability({"bias": 1.0, "good": 0.0}) == pytest.approx(0.2, abs=0.01)


def test_calibration_script_fits_on_the_seeds_and_prints_the_table(tmp_path):
    weights = tmp_path / "confidence.yaml"
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "calibration.py"), "--fit", "seeds",
                          "--eval", "seeds", "--weights", str(weights), "--write"],
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    bands = re.findall(r"^\| \[(0\.\d), (\d\.\d)[)\]] \| (\d+) \| (\d+) \| (?:[01]\.\d\d|-) \|$", text, re.M)
    assert [(lo, hi) for lo, hi, _, _ in bands] == [("0.0", "0.2"), ("0.2", "0.4"), ("0.4", "0.6"),
                                                     ("0.6", "0.8"), ("0.8", "1.0")]
    total = int(re.search(r"### seeds \(.*\): (\d+) rows, (\d+) right", text).group(1))
    assert sum(int(n) for _, _, n, _ in bands) == total > 100
    thresholds = re.findall(r"^\| >= (0\.\d)(?: \(leaderboard\))? \| (\d+) \|", text, re.M)
    assert {"0.3", "0.5", "0.7", "0.9"} <= {c for c, _ in thresholds}
    counts = [int(n) for _, n in thresholds]
    assert counts == sorted(counts, reverse=True)  # a higher threshold keeps fewer rows
    assert re.search(r"Brier score: pattern confidence 0\.\d{3}, model 0\.\d{3}", text)
    refit = load_model(weights)
    assert set(refit.weights) == set(refit.names) and refit.notes == load_model(WEIGHTS_FILE).notes
    assert "--fit seeds --write" in weights.read_text(encoding="utf-8")
