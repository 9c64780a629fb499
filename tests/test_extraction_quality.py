"""The engine on the bundled sample abstracts: traceability of every row, and
accuracy against the bundled dev gold (a floor that catches regressions; the
README reports the measured figures)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from extractor import evaluate
from extractor.extract import extract_paper
from extractor.result import KINDS, ROLES
from extractor.rules.loader import load_rules
from extractor.sources import read_papers

DATA = Path(__file__).resolve().parent.parent / "data"
# Floors, a little under the measured figures (README): a drop below one is a regression.
FLOORS = {"value": 0.92, "kind": 0.85, "metric": 0.80, "dataset": 0.80, "method": 0.75, "full": 0.60}


@pytest.fixture(scope="module")
def extracted():
    rules = load_rules()
    papers = [p for f in sorted((DATA / "sample").glob("*.txt")) for p in read_papers(str(f))]
    return papers, [(p, r) for p in papers for r in extract_paper(p, rules)]


def test_every_row_is_traceable_to_its_abstract(extracted):
    papers, rows = extracted
    assert len(rows) > 100
    for paper, r in rows:
        assert paper.abstract[r.start:r.end] == r.value_text
        assert r.evidence in paper.abstract and r.value_text in r.evidence
        assert r.kind in KINDS and r.role in ROLES and 0 < r.confidence <= 1 and r.rule


@pytest.mark.parametrize("level", list(FLOORS))
def test_dev_gold_f1_stays_above_its_floor(extracted, level):
    _, rows = extracted
    gold = evaluate.load_gold(sorted(str(p) for p in (DATA / "gold").glob("gold_D*.jsonl")))
    table, _, _ = evaluate.score([dataclasses.asdict(r) for _, r in rows], gold)
    assert table[level]["f1"] >= FLOORS[level], table[level]


def test_abstracts_without_results_yield_nothing_for_sizes_and_setup():
    rules = load_rules()
    from extractor.sources.paper import Paper

    text = ("We train a 7B model on 1.2M images for 100k steps on 8x A100 GPUs, using only 0.1% of the "
            "parameters and 25% label noise, at 512x512 resolution, on 57 Atari games and 3 datasets, "
            "and compare with GPT-4 and Llama 2 (2023).")
    assert extract_paper(Paper("p", "Setup only", text, "t"), rules) == []
