"""Properties of the engine over arbitrary text (hypothesis): it never raises,
finishes quickly, and every record it writes points back into its abstract."""
from __future__ import annotations

import math
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.extract import extract_paper
from extractor.result import KINDS, ROLES
from extractor.rules.loader import load_rules
from extractor.sources.paper import Paper

RULES = load_rules()
UNITS = {u.symbol for u in RULES.units.units.values()}
TIME_BOUND = 2.0  # seconds per abstract, far above the ~1 ms an abstract takes

# Pieces that make the text look like an abstract, mixed with arbitrary Unicode.
PIECES = st.sampled_from([
    " accuracy of ", " 91.5% ", " +3.2 mAP ", " 15x faster ", " by 12% ", " on ImageNet ", " from 84.6% to ",
    " 26.31 WER ", "\\%", "$\\times$", " 10sim100times ", " 95.8 pm 1.2 ", " 1,234.5 ", " 7B ", " 2560x2048 ",
    ". ", ", and ", " respectively ", " (", ") ", " vs. ", " e.g. ", "%", "x", "1", ".", " ", "\u2212", "\u00d7",
    "\u202e", "\u200f", "\x00", "\u0661\u0662", "ﬁ", "１２％",
])
ABSTRACTS = st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=40).map("".join)


def run(abstract: str):
    start = time.perf_counter()
    results = extract_paper(Paper("p", "FooNet: a title", abstract, "test"), RULES)
    return results, time.perf_counter() - start


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ABSTRACTS)
def test_every_record_points_back_into_its_abstract(abstract):
    results, seconds = run(abstract)
    assert seconds < TIME_BOUND
    for r in results:
        assert abstract[r.start:r.end] == r.value_text
        assert r.evidence in abstract and r.value_text in r.evidence
        assert math.isfinite(r.value) and (r.value_norm is None or math.isfinite(r.value_norm))
        assert r.kind in KINDS and r.role in ROLES
        assert r.unit is None or r.unit in UNITS
        assert 0.0 < r.confidence <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["1", ".", " ", "x", "%", "1.", "by ", "1, ", "-", "e"]), st.integers(1000, 20000))
def test_pathological_runs_finish_quickly(piece, n):
    _, seconds = run("We reach " + piece * (n // len(piece)) + " accuracy.")
    assert seconds < TIME_BOUND


def test_a_hundred_thousand_digit_number_is_handled():
    results, seconds = run("Our model reaches an accuracy of " + "9" * 100_000 + "% on ImageNet.")
    assert seconds < TIME_BOUND
    assert all(math.isfinite(r.value) for r in results)


@settings(max_examples=50, deadline=None)
@given(ABSTRACTS)
def test_same_input_same_records(abstract):
    first, _ = run(abstract)
    second, _ = run(abstract)
    assert first == second
