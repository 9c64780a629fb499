"""Every example of every built-in rule file is a test case (see
`extractor/rules/check.py` for what each kind of example must show)."""
from __future__ import annotations

import pytest

from extractor.rules.check import (check_lexicon_example, check_pattern_example, check_pattern_fires,
                                   check_unit_example)
from extractor.rules.loader import load_rules

RULES = load_rules()


def _cases(section: str):
    for item in RULES.raw.get(section, []):
        for i, ex in enumerate(item.get("examples") or []):
            yield pytest.param(item, ex, id=f"{item['id']}[{i}]")


@pytest.mark.parametrize("rule,example", list(_cases("accept")) + list(_cases("exclude")) + list(_cases("words")))
def test_pattern_example(rule, example):
    failure = check_pattern_example(RULES, example)
    assert failure is None, f"{rule['id']}: {example['text']!r}: {failure}"


@pytest.mark.parametrize("rule", [pytest.param(r, id=r["id"]) for r in RULES.raw.get("accept", [])])
def test_accept_pattern_fires_on_its_own_examples(rule):
    failure = check_pattern_fires(RULES, rule)
    assert failure is None, f"{rule['id']}: {failure}"


def _lexicon_cases(section: str):
    for item in RULES.raw.get(section, []):
        for i, ex in enumerate(item.get("examples") or []):
            yield pytest.param(section, item, ex, True, id=f"{item['id']}[{i}]")
        for i, ex in enumerate(item.get("not_examples") or []):
            yield pytest.param(section, item, ex, False, id=f"{item['id']}[not{i}]")


@pytest.mark.parametrize("section,item,sentence,present",
                         list(_lexicon_cases("metrics")) + list(_lexicon_cases("datasets")))
def test_lexicon_example(section, item, sentence, present):
    failure = check_lexicon_example(RULES, section, item, sentence, present)
    assert failure is None, f"{item['id']}: {sentence!r}: {failure}"


@pytest.mark.parametrize("unit,example", list(_cases("units")))
def test_unit_example(unit, example):
    failure = check_unit_example(RULES, example)
    assert failure is None, f"{unit['id']}: {example['text']!r}: {failure}"
