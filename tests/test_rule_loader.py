"""Rule files: what loads, what is refused (with file, rule and line), user packs."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.extract import extract_paper
from extractor.rules.loader import RuleError, load_rules
from extractor.sources.paper import Paper

PACK = Path(__file__).resolve().parent.parent / "data" / "rule_packs" / "graph_edit_distance"
SENTENCE = "GraphSim predicts a mean graph edit distance of 1.42 on AIDS700nef."


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


GOOD_PATTERN = """\
accept:
  - id: score.custom
    kind: score
    units: [percent]
    left: 'hit\\s+rate\\s+of\\s+$'
    examples:
      - text: "It has a hit rate of 42% on the test set."
        yields: [{value: 42, kind: score}]
"""


@pytest.mark.parametrize("body,needle", [
    ("accept:\n  - id: a.b\n    kind: score\n    left: 'x$'\n    colour: red\n    examples: [{text: t, yields: []}]\n",
     "pack.yaml:5: rule 'a.b': colour: unknown key"),
    ("accept:\n  - id: a.b\n    kind: score\n    left: 'x$'\n", "needs examples"),
    ("accept:\n  - id: a.b\n    kind: score\n    left: '(unclosed'\n    examples: [{text: t, yields: []}]\n",
     "does not compile"),
    ("accept:\n  - id: a.b\n    kind: score\n    left: '(a|aa)+b'\n    examples: [{text: t, yields: []}]\n",
     "catastrophic backtracking"),
    ("accept:\n  - id: a.b\n    kind: score\n    left: '{{NOPE}}$'\n    examples: [{text: t, yields: []}]\n",
     "unknown fragment"),
    ("accept:\n  - id: a.b\n    kind: magic\n    left: 'x$'\n    examples: [{text: t, yields: []}]\n",
     "kind: Input should be 'score', 'delta' or 'ratio'"),
    ("metrics:\n  - id: m\n    name: M\n    examples: [a]\n  - id: m\n    name: M2\n    examples: [b]\n",
     "duplicate id"),
    ("rules: []\n", "unknown top-level key"),
    ("accept: [\n", "not valid YAML"),
    ("!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
])
def test_bad_rule_files_are_refused_with_file_rule_and_line(tmp_path, body, needle):
    pack = write(tmp_path, body)
    with pytest.raises(RuleError) as err:
        load_rules([pack])
    message = str(err.value)
    assert needle in message
    assert str(pack / "pack.yaml") in message


def test_error_names_the_line_of_the_rule(tmp_path):
    pack = write(tmp_path, "accept:\n  - id: ok.one\n    kind: score\n    left: 'x$'\n"
                           "    examples: [{text: t, yields: []}]\n  - id: bad.two\n    kind: score\n"
                           "    left: 'x$'\n    oops: 1\n    examples: [{text: t, yields: []}]\n")
    # the line of the offending key, and the rule it belongs to
    with pytest.raises(RuleError, match=r"pack\.yaml:9: rule 'bad.two': oops: unknown key"):
        load_rules([pack])


def test_a_user_pack_adds_a_metric_and_a_dataset():
    paper = Paper("p", "GraphSim: graph similarity", SENTENCE, "test")
    before = extract_paper(paper, load_rules())
    after = extract_paper(paper, load_rules([PACK]))
    assert [r.value for r in before] == []
    assert [(r.value, r.metric, r.dataset, r.higher_is_better, r.method) for r in after] == [
        (1.42, "graph edit distance", "AIDS700nef", False, "GraphSim")]


def test_a_user_pack_overrides_a_builtin_entry_by_id(tmp_path):
    builtin = load_rules()
    entry = next(i for i in builtin.raw["metrics"] if i["id"] == "accuracy")
    pack = write(tmp_path, f"""\
        metrics:
          - id: accuracy
            name: Acc (overridden)
            aliases: [accuracy, correctness ratio]
            higher_is_better: true
            task: {entry.get('task', 'general')}
            examples: ["a correctness ratio of 91.5% on the test set"]
        """)
    rules = load_rules([pack])
    out = extract_paper(Paper("p", "T", "It reaches a correctness ratio of 91.5% on the test set.", "t"), rules)
    assert [(r.value, r.metric) for r in out] == [(91.5, "Acc (overridden)")]
    assert rules.hash != builtin.hash


def test_the_pattern_pack_and_env_variable(tmp_path, monkeypatch):
    pack = write(tmp_path, GOOD_PATTERN)
    monkeypatch.setenv("LBX_RULES", str(pack))
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "0 fail" in result.output


def test_rules_check_fails_on_a_failing_example(tmp_path):
    pack = write(tmp_path, GOOD_PATTERN.replace("value: 42", "value: 43"))
    result = CliRunner().invoke(cli, ["rules", "check", str(pack)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "score.custom" in result.output


def test_rules_explain_shows_rejections_and_records():
    result = CliRunner().invoke(cli, ["rules", "explain", "We train a 7B model that reaches 64.2 AP on COCO."])
    assert result.exit_code == 0, result.output
    assert "grammar.size_suffix" in result.output
    assert "metric='AP'" in result.output


def test_rules_list_names_the_file():
    result = CliRunner().invoke(cli, ["rules", "list", "--section", "units"])
    assert result.exit_code == 0
    assert "units.yaml" in result.output


def test_a_hostile_pack_is_refused_with_a_clear_message(tmp_path):
    """Rule packs are data: a huge regex, a huge file and too many aliases are
    refused, not run (tests/test_hostile_packs.py runs the CLI on more)."""
    huge = write(tmp_path, "accept:\n  - id: a.huge\n    kind: score\n    left: '" + "(?:ab)" * 2000 + "'\n"
                 "    examples: [{text: t, yields: []}]\n", "huge.yaml")
    with pytest.raises(RuleError, match=r"huge\.yaml:4: rule 'a.huge': left: String should have at most 4000"):
        load_rules([huge / "huge.yaml"])
    aliases = ", ".join(f"m{i}" for i in range(1_000_000))
    big = write(tmp_path, f"metrics:\n  - id: many\n    name: many\n    aliases: [{aliases}]\n"
                "    examples: [m1]\n", "big.yaml")
    with pytest.raises(RuleError, match=r"big\.yaml: \d+ bytes \(a rule file is at most 2000000\)"):
        load_rules([big / "big.yaml"])
    entries = "".join(f"  - id: m{i}\n    name: m{i}\n    aliases: [{', '.join(f'a{i}x{j}' for j in range(1000))}]\n"
                      f"    examples: [a{i}x1]\n" for i in range(25))
    many = write(tmp_path, "metrics:\n" + entries, "many.yaml")
    with pytest.raises(RuleError, match=r"many\.yaml: 25000 aliases in one file \(limit 20000\)"):
        load_rules([many / "many.yaml"])


# ---------------------------------------------------------------- the schema and its documentation

def _documented_keys(path: Path, header_end: str) -> set[str]:
    """Keys a built-in file's header comment documents ("#   key:  meaning")."""
    import re

    head = path.read_text(encoding="utf-8").split(header_end, 1)[0]
    return set(re.findall(r"^#   ([a-z_]+):?\s", head, re.M))


@pytest.mark.parametrize("name,kind,header_end", [
    ("metrics.yaml", "metrics", "\nmetrics:"), ("datasets.yaml", "datasets", "\ndatasets:"),
    ("patterns.yaml", "accept", "\nfragments:")])
def test_the_keys_the_rule_files_document_are_the_schema_keys(name, kind, header_end):
    from extractor.rules.loader import BUILTIN_DIR
    from extractor.rules.schema import KINDS

    documented = _documented_keys(BUILTIN_DIR / name, header_end)
    assert documented and documented <= set(KINDS[kind].model_fields), documented - set(KINDS[kind].model_fields)


def test_the_readme_rule_format_is_the_schema():
    """Once the README carries the rule-format tables (`lbx rules schema`), every
    key it lists is one the schema has, per kind."""
    import re

    from extractor.rules.schema import KINDS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### `(\w+)`\n\n((?:\|.*\n)+)", readme, re.M))
    sections = {k: v for k, v in sections.items() if k in KINDS}
    if not sections:
        pytest.skip("README has no rule-format tables yet (`lbx rules schema` prints them)")
    for kind, table in sections.items():
        keys = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
        assert keys == set(KINDS[kind].model_fields), (kind, keys ^ set(KINDS[kind].model_fields))


def test_rules_schema_prints_a_table_per_kind():
    from extractor.rules.schema import KINDS

    result = CliRunner().invoke(cli, ["rules", "schema"])
    assert result.exit_code == 0, result.output
    for kind, model in KINDS.items():
        assert f"### `{kind}`" in result.output
        assert all(f"| `{key}` |" in result.output for key in model.model_fields)
    assert "| `confidence` | number | no | >= 0, <= 1, finite |" in result.output


def test_a_new_kind_of_rule_file_is_one_registry_entry(tmp_path, monkeypatch):
    """The lead's attach-cue files (and any later kind): a model and a KINDS line
    are all it takes for the loader to validate, merge and expose them."""
    from extractor.rules import schema

    class CueRule(schema.Rule):
        cue: schema.Name
        examples: schema.Examples

    monkeypatch.setitem(schema.KINDS, "attach_cues", CueRule)
    pack = write(tmp_path, "attach_cues:\n  - id: cue.vs\n    cue: versus\n    examples: [a versus b]\n")
    assert [(c["id"], c["cue"]) for c in load_rules([pack]).raw["attach_cues"]] == [("cue.vs", "versus")]
    write(tmp_path, "attach_cues:\n  - id: cue.vs\n    cue: [versus]\n    examples: [a versus b]\n")
    with pytest.raises(RuleError, match=r"pack\.yaml:3: rule 'cue.vs': cue: Input should be a valid string"):
        load_rules([pack])


def test_every_builtin_and_the_sample_pack_pass_the_schema_and_regex_checks():
    rules = load_rules([PACK])
    assert len(rules.raw["metrics"]) > 300 and len(rules.raw["accept"]) > 20
    assert {i["id"] for i in rules.raw["metrics"]} >= {"accuracy", "graph_edit_distance"}


# ---------------------------------------------------------------- regex safety

@pytest.mark.parametrize("pattern", [
    "(?:e|e)+f", "(a+)+b", "(\\s*\\w+)*$", "(?:\\w+\\s*)+of", "(\\w+|\\d+)+x", "(?:x+x+)+y", "(?:a|a)*",
    "((?:ab|ab))+c", "(?:\\d+,?)+%",
])
def test_static_check_refuses_exponential_shapes(pattern):
    from extractor.rules.safe_regex import UnsafeRegex, static_check

    with pytest.raises(UnsafeRegex):
        static_check(pattern)


@pytest.mark.parametrize("pattern", [
    "(?:a|b)+", "(?:\\s+\\w+)*$", "(?:foo|for)+", "(?:a+){2}", "\\p{L}+x", "(?:\\w+[\\s-]){0,2}?of",
    "\\bby\\s+(?:(?:about|above|approx\\.?|approximately)\\s+)*$", "(?>a+)+b", "(?:a++)+b",
])
def test_static_check_accepts_safe_shapes(pattern):
    from extractor.rules.safe_regex import static_check

    static_check(pattern)  # no exception; suspects only add probe texts


def test_a_suspect_shape_is_probed_with_its_own_overlap(tmp_path):
    """`(a|aa)+b` is not refused statically (one alternative ends where the other
    goes on), but the text the two share, repeated, makes it time out."""
    from extractor.rules.safe_regex import static_check

    assert any(set(p) == {"a"} for p in static_check("(a|aa)+b"))
    pack = write(tmp_path, GOOD_PATTERN.replace("'hit\\s+rate\\s+of\\s+$'", "'(?:a|aa)+b$'"))
    with pytest.raises(RuleError, match=r"pack\.yaml:5: rule 'score.custom': left: runs past 0.25s"):
        load_rules([pack])


def test_rules_list_escapes_control_characters_in_rule_text(tmp_path):
    """A cue with a newline and a forged error line loads (it is a valid regex),
    but `rules list` prints it escaped, on its own line."""
    import subprocess
    import sys

    pack = write(tmp_path, GOOD_PATTERN.replace("'hit\\s+rate\\s+of\\s+$'",
                                                '"hit\\\\s+rate\\\\s+of\\\\s+$|\\nlbx: error: forged\\r\\x1b\\\\[2J"'))
    proc = subprocess.run([sys.executable, "-m", "extractor", "rules", "list", "--section", "accept", "--rules",
                           str(pack)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("accept\tscore.custom\t"))
    assert "\\nlbx: error: forged\\r\\x1b\\\\[2J" in line
    assert not any(x.startswith("lbx: error") for x in proc.stdout.splitlines())
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
