"""Settings: every example of rules/settings.yaml, where a cue counts (the number's
clause, then its sentence), the engine's `setting` column, and settings as rule
data a pack can override (and whose regexes are checked at load)."""
from __future__ import annotations

import textwrap

import pytest

from extractor.extract import extract_paper
from extractor.rules.loader import RuleError, load_rules
from extractor.settings import detect_setting
from extractor.sources.paper import Paper

RULES = load_rules()


def setting_of(text: str, number: str, rules=RULES, nth: int = 0):
    at = -1
    for _ in range(nth + 1):
        at = text.index(number, at + 1)
    return detect_setting(text, 0, len(text), at, at + len(number), rules)


def _examples():
    for item in RULES.raw["settings"]:
        for i, ex in enumerate(item["examples"]):
            yield pytest.param(ex, id=f"{item['id']}[{i}]")


@pytest.mark.parametrize("example", list(_examples()))
def test_settings_examples(example):
    assert setting_of(example["text"], example["number"]) == example.get("setting")


def test_every_group_the_issue_names_has_a_rule():
    settings = {r["setting"] for r in RULES.raw["settings"]}
    for wanted in ("zero-shot", "few-shot", "{k}-shot", "fine-tuned", "linear probe", "semi-supervised; {n} labels {per}",
                   "adversarial (AutoAttack)", "adversarial (PGD)", "certified", "extra training data",
                   "label noise {p}%"):
        assert wanted in settings, wanted


@pytest.mark.parametrize("text,number,nth,want", [
    # the number's own clause wins over another clause's cue
    ("It scores 45.0% in the one-shot setting, and 61.3% in the 5-shot setting.", "61.3%", 0, "5-shot"),
    # a cue in a clause with a number of its own stays there
    ("FooNet reaches 95.1% with 250 labels, while BarNet reaches 96.0% with 4,000 labels.", "96.0%", 0,
     "semi-supervised; 4000 labels"),
    ("Our model reaches 96.1% on CIFAR-10; with 250 labels it reaches 90.2%.", "96.1%", 0, None),
    ("Our model reaches 96.1% on CIFAR-10; with 250 labels it reaches 90.2%.", "90.2%", 0,
     "semi-supervised; 250 labels"),
    # a leading clause without a number of its own gives its setting to the sentence
    ("With only 4,000 labeled examples, our method reaches 95.7% on CIFAR-10.", "95.7%", 0,
     "semi-supervised; 4000 labels"),
    # a final modifier after the last number applies to all of them
    ("We reach 93.6% on CIFAR-10 and 66.4% on CIFAR-100 under 80% label noise.", "93.6%", 0, "label noise 80%"),
    # the number that is the cue's own value is not set by it
    ("We train with 40% label noise throughout.", "40%", 0, None),
    # several groups: joined in the file's order
    ("Under AutoAttack with ε = 8/255 and with extra data, our model keeps 66.1% accuracy.", "66.1%", 0,
     "adversarial (AutoAttack); ε=8/255; extra training data"),
    ("A plain sentence with 81.2% accuracy on ImageNet.", "81.2%", 0, None),
])
def test_where_a_cue_counts(text, number, nth, want):
    assert setting_of(text, number, nth=nth) == want


def test_the_engine_writes_the_setting_column():
    paper = Paper("2101.00001", "FixFoo: semi-supervised learning",
                  "FixFoo reaches 94.9% accuracy on CIFAR-10 with 250 labels. Fully supervised, FixFoo reaches "
                  "96.5% accuracy on CIFAR-10.", "test")
    rows = {r.value: r.setting for r in extract_paper(paper, RULES)}
    assert rows == {94.9: "semi-supervised; 250 labels", 96.5: None}


def _pack(tmp_path, body: str):
    (tmp_path / "settings.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def test_a_rule_pack_adds_and_overrides_settings(tmp_path):
    pack = _pack(tmp_path, """\
        settings:
          - id: shots.zero_shot
            group: shots
            pattern: '\\bzero[- ]shot\\b'
            setting: "0-shot"
            examples:
              - {text: "It reaches 70.1% zero-shot.", number: "70.1%", setting: "0-shot"}
          - id: prompt.cot
            group: prompting
            pattern: '\\bchain[- ]of[- ]thought\\b'
            setting: chain-of-thought
            examples:
              - {text: "With chain-of-thought prompting it solves 58.1% of GSM8K.", number: "58.1%", setting: chain-of-thought}
        """)
    rules = load_rules([pack])
    assert setting_of("It reaches 70.1% zero-shot on ImageNet.", "70.1%", rules) == "0-shot"
    assert setting_of("With chain-of-thought prompting it solves 58.1% of GSM8K.", "58.1%", rules) == "chain-of-thought"
    assert setting_of("It reaches 70.1% zero-shot on ImageNet.", "70.1%") == "zero-shot"  # built-ins untouched


@pytest.mark.parametrize("body,message", [
    ("""\
        settings:
          - id: bad.backtracking
            group: x
            pattern: '(a+)+b'
            setting: x
            examples: [{text: "a 1% b", number: "1%", setting: null}]
        """, r"settings\.yaml:4: rule 'bad\.backtracking': pattern: may backtrack catastrophically"),
    ("""\
        settings:
          - id: bad.no_examples
            group: x
            pattern: 'x'
            setting: x
        """, r"settings\.yaml:2: rule 'bad\.no_examples': examples: a rule needs examples"),
    ("""\
        settings:
          - id: bad.type
            group: [x]
            pattern: 'x'
            setting: x
            examples: [{text: "x 1%", number: "1%", setting: x}]
        """, r"settings\.yaml:3: rule 'bad\.type': group: Input should be a valid string"),
])
def test_a_bad_setting_rule_is_refused_at_load_with_its_line(tmp_path, body, message):
    with pytest.raises(RuleError, match=message):
        load_rules([_pack(tmp_path, body)])


@pytest.mark.parametrize("name,kind", [("settings.yaml", "settings"), ("benchmarks.yaml", "benchmarks")])
def test_the_keys_the_new_rule_files_document_are_the_schema_keys(name, kind):
    import re

    from extractor.rules.loader import BUILTIN_DIR
    from extractor.rules.schema import KINDS

    head = (BUILTIN_DIR / name).read_text(encoding="utf-8").split(f"\n{kind}:", 1)[0]
    documented = set(re.findall(r"^#   ([a-z_]+):\s", head, re.M))
    assert documented == set(KINDS[kind].model_fields), documented ^ set(KINDS[kind].model_fields)
