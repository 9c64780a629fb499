"""Run the examples rule files carry: the same checks for `lbx rules check` and
for the test suite, so that a rule pack a user writes is held to the built-ins'
standard.

Patterns and the attach step's word lists: each example sentence must yield the
records listed (matched on the fields given) or nothing when `yields: []`; an accept pattern must itself accept
a number in at least one of its examples. Metrics and datasets: the lexicon must
find the entry in each example and not in its `not_examples`. Units: the number
grammar must read the value and unit given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from extractor.rules.loader import RuleSet
from extractor.sources.paper import Paper
from extractor.text.normalize import normalize
from extractor.text.numbers import find_numbers


@dataclass
class Outcome:
    section: str  # accept / exclude / metrics / datasets / units
    rule_id: str
    source: str
    line: int
    example: str
    failure: str | None  # None when the example holds

    @property
    def ok(self) -> bool:
        return self.failure is None


def _fold(s) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(s).lower())


def run_sentence(rules: RuleSet, text: str, title: str = "Example"):
    from extractor.extract import extract_paper  # the engine imports the rules package

    return extract_paper(Paper("example", title, text, "rules"), rules)


def check_pattern_example(rules: RuleSet, example: dict) -> str | None:
    """Also the check of a word list's examples, which may give the paper's title."""
    results = run_sentence(rules, example["text"], example.get("title") or "Example")
    expected = example.get("yields", [])
    if not expected:
        if results:
            return f"expected nothing, got {[(r.value, r.kind, r.rule) for r in results]}"
        return None
    for want in expected:
        fields = {k: v for k, v in want.items() if k != "value" and not k.startswith("__")}
        hits = [r for r in results if abs(r.value - float(want["value"])) < 1e-9
                and all(_fold(getattr(r, k, None)) == _fold(v) for k, v in fields.items())]
        if not hits:
            got = [(r.value, r.kind, r.metric, r.dataset, r.rule) for r in results]
            return f"no record {({k: v for k, v in want.items() if not k.startswith('__')})} among {got}"
    return None


def check_pattern_fires(rules: RuleSet, rule: dict) -> str | None:
    fired = set()
    for ex in rule.get("examples") or []:
        fired |= {r.rule.split("+")[0] for r in run_sentence(rules, ex["text"])}
    if rule["id"] not in fired:
        return f"accepts no number of its own examples (rules that did: {sorted(fired) or 'none'})"
    return None


def check_lexicon_example(rules: RuleSet, section: str, item: dict, sentence, present: bool) -> str | None:
    lexicon = rules.metrics if section == "metrics" else rules.datasets
    text, _ = normalize(sentence if isinstance(sentence, str) else sentence.get("text", ""))
    ids = {m.entry.id for m in lexicon.find(text)}
    if (item["id"] in ids) != present:
        return f"{'not ' if present else ''}found (found: {sorted(ids) or 'nothing'})"
    return None


def check_unit_example(rules: RuleSet, example: dict) -> str | None:
    text, _ = normalize(example["text"])
    found = [(m.value, m.unit) for m in find_numbers(text, rules.units)]
    if (float(example["value"]), example["unit"]) not in found:
        return f"read {found}"
    return None


def check_setting_example(rules: RuleSet, example: dict) -> str | None:
    from extractor.settings import detect_setting

    text, number = example["text"], example["number"]
    at = text.find(number)
    if at < 0:
        return f"the number {number!r} is not in the text"
    got = detect_setting(text, 0, len(text), at, at + len(number), rules)
    return None if got == example.get("setting") else f"setting {got!r}, expected {example.get('setting')!r}"


def check_benchmark_example(rules: RuleSet, example: dict) -> str | None:
    from extractor.benchmark_ids import index_for
    from extractor.leaderboard import metric_info

    b = index_for(rules).identify(example["dataset"], example["metric"])
    got = [b.dataset, metric_info(b.metric)[0]]
    return None if got == list(example["benchmark"]) else f"benchmark {got}, expected {example['benchmark']}"


def run_checks(rules: RuleSet, only: list[Path] | None = None) -> Iterator[Outcome]:
    """Every example of every rule (of the files in `only`, if given)."""
    wanted = {str(p) for p in only} if only is not None else None  # [] (a pack without files): nothing
    for section in ("units", "metrics", "datasets", "exclude", "accept", "words", "settings", "benchmarks"):
        for item in rules.raw.get(section, []):
            source = item.get("__source__", "")
            if wanted is not None and source not in wanted:
                continue
            where = dict(section=section, rule_id=item["id"], source=source, line=item.get("__line__", 0))
            for ex in item.get("examples") or []:
                shown = ex if isinstance(ex, str) else ex.get("text", "")
                if section in ("accept", "exclude", "words"):
                    failure = check_pattern_example(rules, ex)
                elif section == "units":
                    failure = check_unit_example(rules, ex)
                elif section == "settings":
                    failure = check_setting_example(rules, ex)
                elif section == "benchmarks":
                    failure = check_benchmark_example(rules, ex)
                else:
                    failure = check_lexicon_example(rules, section, item, ex, True)
                yield Outcome(example=shown, failure=failure, **where)
            for ex in item.get("not_examples") or []:
                yield Outcome(example=str(ex), failure=check_lexicon_example(rules, section, item, ex, False),
                              **where)
            if section == "accept":
                yield Outcome(example="(the rule fires on its own examples)",
                              failure=check_pattern_fires(rules, item), **where)
