"""Hostile rule packs, refused at load by the real CLI (issue 13, "rule packs are
untrusted data").

Each pack below was, before the schema and the load-time caps, a hang, an
out-of-memory, an "internal error" or a failure at write time after all the
work. Each is built in tmp_path and handed to both `lbx rules check DIR` and
`lbx extract IN --rules DIR -o OUT`; both must exit 2 with one line
`lbx: error: FILE[:LINE]: ...` that names the file (and the line and the rule
where there is one), without writing OUT. Wall time is held to a generous upper
bound (5 s beyond the CLI's own start-up); the alias bomb runs under a 1 GB
address-space limit so that a regression fails instead of eating the machine.
"""
from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

LBX = [sys.executable, "-m", "extractor"]
BOUND_SECONDS = 5.0
MEMORY_LIMIT = 1 << 30

PATTERN = "accept:\n  - id: {id}\n    kind: score\n    left: {left}\n{extra}    examples: {examples}\n"
GOOD_EXAMPLES = "[{text: 'It has a hit rate of 42% here.', yields: [{value: 42, kind: score}]}]"


def _pattern(left="'hit\\s+rate\\s+of\\s+$'", rid="score.hit", extra="", examples=GOOD_EXAMPLES) -> str:
    return PATTERN.format(id=rid, left=left, extra=extra, examples=examples)


def _metric(extra="", rid="hit_rate", name="hit rate", examples="['a hit rate of 42%']") -> str:
    return (f"metrics:\n  - id: {rid}\n    name: {name}\n    aliases: [hit rate]\n{extra}"
            f"    examples: {examples}\n")


def _alias_bomb() -> str:
    """The probe's 1,201-byte bomb: nine levels of anchors, each alias list ten
    times the one before (10^9 strings if expanded)."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("metrics:\n  - id: bomb\n    name: bomb\n    aliases: *a9\n    examples: [bomb]")
    return "\n".join(lines) + "\n"


def _many_files(tmp: Path) -> None:
    """10^6 aliases split over 100 files of 10,000 (10 entries of 1,000): each
    file and each entry under its own cap, the pack over its total."""
    for f in range(100):
        entries = "".join(f"  - id: m{f}.{k}\n    name: m{f}.{k}\n    aliases: [{', '.join(f'm{f}y{k}z{i}' for i in range(1000))}]\n"
                          f"    examples: [m{f}y{k}z1]\n" for k in range(10))
        (tmp / f"part{f:03d}.yaml").write_text("metrics:\n" + entries, encoding="utf-8")


# (case id, pack text or builder, message expected after "FILE"; a ":LINE:" is asserted when given)
CASES = [
    ("alias_bomb", _alias_bomb(), r":1: YAML anchor &a0: anchors and aliases are not allowed"),
    ("alias_only", "x: &a [1]\ny: *a\n", r":1: YAML anchor &a"),
    ("deep", "accept: " + "[" * 200 + "]" * 200 + "\n", r":1: nested over 20 levels deep"),
    ("alias_of_100k_words", _metric().replace("[hit rate]", "['" + "w " * 100_000 + "']"),
     r":4: rule 'hit_rate': aliases\[0\]: String should have at most 200 characters"),
    ("many_files", _many_files, r": the rule packs hold over 50000 aliases in all"),
    ("huge_file", "# " + "x" * 2_100_000 + "\n", r": \d+ bytes \(a rule file is at most 2000000\)"),
    ("overlapping_alternatives", _pattern(left="'(?:e|e)+f'"),
     r":4: rule 'score.hit': left: may backtrack catastrophically: two alternatives"),
    ("nested_quantifiers", _pattern(left="'(?:\\w+\\s*)+of\\s+$'"),
     r":4: rule 'score.hit': left: may backtrack catastrophically: a repeat inside a repeat"),
    ("fibonacci_alternatives", _pattern(left="'(?:a|aa)+b$'"),
     r":4: rule 'score.hit': left: runs past 0.25s on a pathological input"),
    ("higher_is_better_maybe", _metric("    higher_is_better: maybe\n"),
     r":5: rule 'hit_rate': higher_is_better: Input should be a valid boolean \(got 'maybe'\)"),
    ("task_list", _metric("    task: [a, b]\n"), r":5: rule 'hit_rate': task: Input should be a valid string \(got a list\)"),
    ("name_number", _metric(name="12345"), r":3: rule 'hit_rate': name: Input should be a valid string \(got 12345\)"),
    ("metric_examples_nested", _metric(examples="[[a hit rate, of 42]]"),
     r":5: rule 'hit_rate': examples\[0\]: Input should be a valid string \(got a list\)"),
    ("metric_list", _pattern(extra="    metric: [x]\n"), r":5: rule 'score.hit': metric: Input should be a valid string"),
    ("confidence_5", _pattern(extra="    confidence: 5\n"),
     r":5: rule 'score.hit': confidence: Input should be less than or equal to 1 \(got 5\)"),
    ("confidence_nan", _pattern(extra="    confidence: .nan\n"),
     r":5: rule 'score.hit': confidence: Input should be a finite number"),
    ("confidence_high", _pattern(extra="    confidence: high\n"),
     r":5: rule 'score.hit': confidence: Input should be a valid number \(got 'high'\)"),
    ("pattern_examples_strings", _pattern(examples="['It has a hit rate of 42% here.']"),
     r":5: rule 'score.hit': examples\[0\]: Input should be a valid dictionary"),
    ("unit_without_symbol", "units:\n  - id: furlongs\n    family: time\n    surfaces: ['furlongs?']\n"
     "    examples: [{text: '3 furlongs', value: 3, unit: fur}]\n", r":2: rule 'furlongs': symbol: required key missing"),
    ("id_with_newline", _metric(rid='"hit_rate\\nlbx: error: forged"'),
     r":2: rule 'hit_rate\\nlbx: error: forged': id: String should match pattern"),
    ("cyrillic_lookalike", _metric(rid="\u0430ccuracy"), r":2: rule '\u0430ccuracy': id: String should match pattern"),
    ("nfd_variant", _metric(rid="cafe\u0301"), r":2: rule 'cafe\u0301': id: String should match pattern"),
    ("case_folded_fragment", "fragments:\n  - id: qual\n    regex: 'about'\n",
     r":2: rule 'qual': id differs from 'QUAL' \(.*patterns\.yaml:\d+\) only by case or Unicode form"),
    ("bidi_in_name", _metric(name="\"hit \\u202erate\""), r":3: rule 'hit_rate': name: holds a control"),
]


# `lbx extract --rules` loads a pack through the same loader as `rules check`; it
# runs on one case of each family (sizes, YAML, regex, types, ids) to keep the
# suite's time down, `rules check` on every case.
EXTRACT_TOO = {"alias_bomb", "deep", "many_files", "huge_file", "overlapping_alternatives", "confidence_nan",
               "unit_without_symbol", "id_with_newline"}


def _build(root: Path, pack) -> Path:
    pack_dir = root / "pack"
    pack_dir.mkdir(parents=True)
    if callable(pack):
        pack(pack_dir)
    else:
        (pack_dir / "pack.yaml").write_text(pack, encoding="utf-8")
    return pack_dir


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    proc = subprocess.run(LBX + args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          preexec_fn=_limit_memory, env={**os.environ, "LBX_RULES": ""})
    return proc, time.perf_counter() - started


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every case's CLI runs, two at a time (the suite's time), with `lbx --version`
    runs among them: the CLI's own start-up under the same load, which the time
    bound is on top of."""
    jobs = [("startup", i, ["--version"], tmp_path_factory.mktemp("v")) for i in range(2)]
    for name, pack, _ in CASES:
        root = tmp_path_factory.mktemp(name)
        pack_dir = _build(root, pack)
        inp = root / "in.jsonl"
        inp.write_text(json.dumps({"id": "p1", "title": "T", "abstract": "We reach 64.2% accuracy on COCO."}) + "\n")
        jobs.append((name, "check", ["rules", "check", str(pack_dir)], root))
        if name in EXTRACT_TOO:
            jobs.append((name, "extract", ["extract", str(inp), "--rules", str(pack_dir), "-o",
                                           str(root / "out.parquet")], root))
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: (job, *_run(job[2], job[3])), jobs))
    startup = max(elapsed for (name, *_), _, elapsed in done if name == "startup")
    by_case: dict[str, list] = {}
    for (name, what, args, root), proc, elapsed in done:
        by_case.setdefault(name, []).append((what, root, proc, elapsed))
    return startup, by_case


@pytest.mark.parametrize("name,expected", [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_pack_is_refused_at_load(runs, name, expected):
    startup, by_case = runs
    assert len(by_case[name]) == (2 if name in EXTRACT_TOO else 1)
    for what, root, proc, elapsed in by_case[name]:
        assert proc.returncode == 2, (what, proc.returncode, proc.stderr[-2000:])
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr[-2000:]
        assert lines[0].startswith(f"lbx: error: {root / 'pack'}{os.sep}"), lines[0]
        assert re.search(expected, lines[0]), lines[0]
        assert "forged" not in proc.stdout
        assert elapsed < startup + BOUND_SECONDS, f"{name}: {what} took {elapsed:.1f}s (start-up {startup:.1f}s)"
        assert not (root / "out.parquet").exists()
