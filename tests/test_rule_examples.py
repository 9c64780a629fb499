"""Every example of every rule file is a test case.

Patterns: the sentence must yield the records listed (matched on the fields
given), or nothing when `yields: []`; an accept pattern must itself produce at
least one of its examples. Metrics and datasets: the lexicon must find the entry
in each example sentence and not in its `not_examples`. Units: the number grammar
must read the value and unit given.
"""
from __future__ import annotations

import re

import pytest

from extractor.extract import explain_paper
from extractor.rules.loader import load_rules
from extractor.sources.paper import Paper
from extractor.text.normalize import normalize
from extractor.text.numbers import find_numbers

RULES = load_rules()


def _fold(s) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(s).lower())


def _cases(section: str):
    for item in RULES.raw.get(section, []):
        for i, ex in enumerate(item.get("examples") or []):
            yield pytest.param(item, ex, id=f"{item['id']}[{i}]")


def _run(text: str):
    paper = Paper("example", "Example", text, "rules")
    return [e.result for e in explain_paper(paper, RULES) if e.result is not None]


@pytest.mark.parametrize("rule,example", list(_cases("accept")) + list(_cases("exclude")))
def test_pattern_example(rule, example):
    results = _run(example["text"])
    expected = example.get("yields", [])
    if not expected:
        assert results == [], f"{rule['id']}: expected nothing, got {[(r.value, r.rule) for r in results]}"
        return
    for want in expected:
        hits = [r for r in results if abs(r.value - float(want["value"])) < 1e-9
                and all(_fold(getattr(r, k)) == _fold(v) for k, v in want.items() if k != "value" and not k.startswith("__"))]
        assert hits, f"{rule['id']}: no record {want} in {[(r.value, r.kind, r.metric, r.dataset, r.rule) for r in results]}"


@pytest.mark.parametrize("rule", [pytest.param(r, id=r["id"]) for r in RULES.raw.get("accept", [])])
def test_accept_pattern_fires_on_its_own_examples(rule):
    fired = set()
    for ex in rule["examples"]:
        fired |= {r.rule.split("+")[0] for r in _run(ex["text"])}
    assert rule["id"] in fired, f"{rule['id']} never accepts a number of its own examples (fired: {fired})"


def _lexicon_cases(section: str):
    for item in RULES.raw.get(section, []):
        for i, ex in enumerate(item.get("examples") or []):
            yield pytest.param(section, item, ex, True, id=f"{item['id']}[{i}]")
        for i, ex in enumerate(item.get("not_examples") or []):
            yield pytest.param(section, item, ex, False, id=f"{item['id']}[not{i}]")


@pytest.mark.parametrize("section,item,sentence,present",
                         list(_lexicon_cases("metrics")) + list(_lexicon_cases("datasets")))
def test_lexicon_example(section, item, sentence, present):
    lexicon = RULES.metrics if section == "metrics" else RULES.datasets
    text, _ = normalize(sentence if isinstance(sentence, str) else sentence["text"])
    ids = {m.entry.id for m in lexicon.find(text)}
    assert (item["id"] in ids) == present, f"{item['id']} {'not ' if present else ''}found in {sentence!r}: {ids}"


@pytest.mark.parametrize("unit,example", list(_cases("units")))
def test_unit_example(unit, example):
    text, _ = normalize(example["text"])
    found = [(m.value, m.unit) for m in find_numbers(text, RULES.units)]
    assert (float(example["value"]), example["unit"]) in found, found
