"""One record must never stop a run (issue 13), held on the real `lbx extract` process.

Every hostile record, file, option and signal below ends in one of two ways:
without --skip-bad, one line "lbx: error: FILE[:LINE]: ..." and exit 2; with it,
exit 0 and the reason counted in the closing summary. Never "internal error"
(exit 1, a bug), never a traceback. Some cases are not bad at all and must
simply work (a number the grammar once crashed on, an out-of-range date, a file
name that is not UTF-8). A regex timeout is a counted skip either way: the
paper is not bad input, lbx could not finish it in time.

The commands run as subprocesses (the entry point, the signal handling and the
exit codes are what is tested), all of a module's at once, so the matrix costs
about the start-up of a few processes, not of forty.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extractor.rules.loader import load_rules
from extractor.text.numbers import find_numbers

REPO = Path(__file__).resolve().parent.parent
LBX = [sys.executable, "-m", "extractor"]
GOOD = {"title": "FooDet: Fast Detection", "abstract": "FooDet reaches 64.2 AP on COCO test-dev."}
ENV = {k: v for k, v in os.environ.items() if not k.startswith("LBX_")}


def jsonl_text(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def dump(record) -> str:
    return json.dumps(record)


# --- the number grammar: int() on what it cannot read ------------------------------

# Strings that made `find_numbers` raise ValueError from int(): ".5" is the two
# characters after "2019-", and regex's \d matches digits of a newer Unicode than
# Python's int() reads (U+10D40...). Arabic-Indic and full-width digits are read.
GRAMMAR_CRASHES = [
    "Results for 2019-.5 and 64.2% accuracy on COCO.",
    "Results for 20\U00010d41\U00010d42-15 and 64.2% accuracy on COCO.",
    "Results for 2019-\U00010d41\U00010d42 and 64.2% accuracy on COCO.",
    "Results for 2019-\u0665\u0665 and 64.2% accuracy on COCO.",
    "Results for 2019-\uff11\uff15 and 64.2% accuracy on COCO.",
    "Results for \u0662\u0660\u0661\u0669-.5 and 64.2% accuracy on COCO.",
]


@pytest.fixture(scope="module")
def units():
    return load_rules().units


@pytest.mark.parametrize("text", GRAMMAR_CRASHES)
def test_number_grammar_reads_or_ignores_what_int_cannot_read(text, units):
    mentions = find_numbers(text, units)
    assert "64.2%" in [m.text for m in mentions]


def test_the_second_year_of_a_range_is_still_a_year(units):
    (first, second) = [m for m in find_numbers("In 2013-14 we", units)]
    assert first.year and second.year


# --- the matrix: hostile records, files and names, through the real command ---------

def _parquet(path: Path, **columns) -> None:
    pq.write_table(pa.table(columns), path)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")


DEEP = '{"title": "x", "abstract": "y", "z": ' + "[" * 100_000 + "]" * 100_000 + "}"
TIMEOUT_ABSTRACT = "We reach 64.2% accuracy on " + "A-" * 500 + "A and more."

# name -> (file name, writer(path), expectation). Expectation: ("ok", text in the
# summary or None); ("skip", reason in the summary) for a bad record: exit 2 with
# FILE:LINE without --skip-bad; ("file", text) for a whole-file problem: exit 2
# with FILE:, and with --skip-bad the input skipped.
CASES = {
    "int() in the grammar": ("int.jsonl", lambda p: _write(p, jsonl_text(
        dump({"title": "T", "abstract": GRAMMAR_CRASHES[0]}))), ("ok", None)),
    "digit int() cannot read": ("digits.jsonl", lambda p: _write(p, jsonl_text(
        *(dump({"title": f"T{i}", "abstract": t}) for i, t in enumerate(GRAMMAR_CRASHES[1:])))), ("ok", None)),
    "regex timeout": ("timeout.jsonl", lambda p: _write(p, jsonl_text(
        dump(GOOD), dump({"title": "T", "abstract": TIMEOUT_ABSTRACT}))), ("ok", None)),
    "surrogate in title": ("s1.jsonl", lambda p: _write(p, jsonl_text(
        dump(GOOD), '{"title": "x\\ud800", "abstract": "It gains 64.2% accuracy."}')), ("skip", "not unicode: 1")),
    "surrogate in abstract": ("s2.jsonl", lambda p: _write(p, jsonl_text(
        dump(GOOD), '{"title": "x", "abstract": "It gains 64.2% \\udfff accuracy."}')), ("skip", "not unicode: 1")),
    "surrogate in id": ("s3.jsonl", lambda p: _write(p, jsonl_text(
        dump(GOOD), '{"id": "a\\ud800", "title": "x", "abstract": "It gains 64.2%."}')), ("skip", "not unicode: 1")),
    "nested 100,000 deep": ("deep.jsonl", lambda p: _write(p, jsonl_text(dump(GOOD), DEEP)),
                            ("skip", "malformed json: 1")),
    "5,000-digit id": ("bigid.jsonl", lambda p: _write(p, jsonl_text(
        dump(GOOD), '{"id": ' + "7" * 5000 + ', "title": "x", "abstract": "It gains 64.2%."}')),
        ("skip", "malformed json: 1")),
    "record is an array": ("arr.jsonl", lambda p: _write(p, jsonl_text(dump(GOOD), "[1, 2]")),
                           ("skip", "not an object: 1")),
    "record is a string": ("str.jsonl", lambda p: _write(p, jsonl_text(dump(GOOD), '"a paper"')),
                           ("skip", "not an object: 1")),
    "record is null": ("null.jsonl", lambda p: _write(p, jsonl_text(dump(GOOD), "null")), ("skip", "not an object: 1")),
    "title is a list": ("tl.jsonl", lambda p: _write(p, jsonl_text(dump(GOOD), dump({"title": ["a"], "abstract": "b"}))),
                        ("skip", "bad field: 1")),
    "title is a dict": ("td.jsonl", lambda p: _write(p, jsonl_text(dump(GOOD), dump({"title": {"a": 1}}))),
                        ("skip", "bad field: 1")),
    "title is a bool": ("tb.jsonl", lambda p: _write(p, jsonl_text(dump(GOOD), dump({"title": True}))),
                        ("skip", "bad field: 1")),
    "json array of bad elements": ("arr.json", lambda p: _write(p, json.dumps([GOOD, [1], None])),
                                   ("skip", "not an object: 2")),
    "parquet timestamp 2**62 us": ("ts.parquet", lambda p: _parquet(
        p, title=["T"], abstract=[GOOD["abstract"]], date=pa.array([2**62], pa.timestamp("us"))), ("ok", "wrote 1 ")),
    "parquet binary title": ("bin.parquet", lambda p: _parquet(p, title=pa.array([b"x"]), abstract=["a"]),
                             ("file", "column 'title' is binary, expected string")),
    "parquet list title": ("list.parquet", lambda p: _parquet(p, title=pa.array([["x"]]), abstract=["a"]),
                           ("file", "column 'title' is list<")),
    "parquet struct abstract": ("struct.parquet", lambda p: _parquet(p, title=["x"], abstract=pa.array([{"a": "b"}])),
                                ("file", "column 'abstract' is struct<")),
    "parquet timestamp abstract": ("tsa.parquet", lambda p: _parquet(
        p, title=["x"], abstract=pa.array([1], pa.timestamp("s"))), ("file", "column 'abstract' is timestamp[")),
    "parquet decimal id": ("dec.parquet", lambda p: _parquet(
        p, title=["x"], abstract=["a"], id=pa.array([Decimal("1.5")], pa.decimal128(5, 2))),
        ("file", "column 'id' is decimal128(5, 2)")),
    "latin-1 file name": (os.fsdecode(b"caf\xe9.jsonl"), lambda p: _write(p, jsonl_text(dump(GOOD))), ("ok", "wrote 1 ")),
}


def _lbx(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([*LBX, *map(str, args)], capture_output=True, text=True, errors="replace", env=ENV,
                          cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def case_files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad-records")
    files = {}
    for case, (name, write, _) in CASES.items():
        where = root / re.sub(r"\W+", "-", case)
        where.mkdir()
        files[case] = where / name
        write(files[case])
    return files


def _in_process(*args):
    from click.testing import CliRunner

    from extractor.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def _display(path: Path) -> str:
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@pytest.mark.parametrize("case", list(CASES))
def test_bad_record_is_one_error_line_or_a_counted_skip(case_files, case, clean_env_and_rules_loaded_once):
    """Each case on its own, in this process (the same `LbxGroup.main` and
    `exits.outcome` as the command; the real process runs them all below)."""
    path = case_files[case]
    kind, text = CASES[case][2]
    out, skip_out = path.parent / "out.parquet", path.parent / "skip.parquet"
    plain = _in_process("extract", path, "-o", out, "-j", "1")
    skip = _in_process("extract", path, "-o", skip_out, "-j", "1", "--skip-bad")
    for res in (plain, skip):
        assert "internal error" not in res.stderr and "Traceback" not in res.stderr, res.stderr
        assert res.exit_code in (0, 2) and not isinstance(res.exception, Exception), res.stderr
    if kind == "ok":
        assert plain.exit_code == 0 and skip.exit_code == 0, plain.stderr
        assert text is None or text in plain.stderr, plain.stderr
        assert "64.2" in " ".join(pq.read_table(out).column("value_text").to_pylist()) or "digit" in case
        return
    assert plain.exit_code == 2, plain.stderr
    lines = plain.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("lbx: error: "), lines
    assert not out.exists()
    if kind == "skip":
        assert re.search(re.escape(_display(path)) + r":\d+: ", lines[0]), lines  # FILE:LINE
        assert skip.exit_code == 0 and text in skip.stderr, skip.stderr
        assert "wrote 1 results" in skip.stderr, skip.stderr  # the good record of the file
    else:
        assert f"{_display(path)}: {text}" in lines[0], lines  # a file error: FILE, no line
        assert skip.exit_code == 2 and "skipped input" in skip.stderr, skip.stderr  # the only input


@pytest.fixture(scope="module")
def real_run(case_files, tmp_path_factory) -> subprocess.CompletedProcess:
    """The real command over every case file at once, with --skip-bad."""
    out = tmp_path_factory.mktemp("all-cases") / "out.parquet"
    return _lbx("extract", *case_files.values(), "-o", out, "-j", "2", "--skip-bad", cwd=out.parent), out


def test_the_real_command_counts_every_case_and_goes_on(real_run, case_files):
    res, out = real_run
    assert res.returncode == 0, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr, res.stderr
    files = [k for k, v in CASES.items() if v[2][0] == "file"]
    assert f"skipped {len(files)} unreadable inputs" in res.stderr, res.stderr
    expected: dict[str, int] = {}
    for case, (_, _, (kind, text)) in CASES.items():
        if kind == "skip":
            reason, n = text.rsplit(": ", 1)
            expected[reason] = expected.get(reason, 0) + int(n)
    counted = re.search(r"skipped [\d,]+ papers \((.*)\)", res.stderr).group(1)
    reasons = dict((r.strip(), int(n)) for r, n in re.findall(r"([a-z ]+): (\d+)", counted))
    reasons.pop("regex timeout", None)  # see the next test
    assert reasons == expected, res.stderr


def test_a_regex_timeout_is_a_counted_skip_with_no_rows(real_run):
    """Today the runaway abstract times out a regex; should the regex be made
    linear, the paper is simply extracted. Either way the run goes on."""
    res, out = real_run
    runaway = [r for r in pq.read_table(out).to_pylist() if "A-A-A-" in r["evidence"]]
    assert ("regex timeout: 1" in res.stderr) != bool(runaway), res.stderr


def test_the_guard_turns_a_timeout_into_a_skip_and_lets_bugs_through(monkeypatch):
    from extractor import extract as engine
    from extractor.run.guard import REGEX_TIMEOUT, extract_guarded

    def times_out(paper, rules):
        raise TimeoutError("regex timed out")
    monkeypatch.setattr(engine, "read_paper", times_out)
    assert extract_guarded(object(), None) == ([], REGEX_TIMEOUT, None)

    def bug(paper, rules):
        raise KeyError("a bug")
    monkeypatch.setattr(engine, "read_paper", bug)
    with pytest.raises(KeyError):
        extract_guarded(object(), None)


def test_an_out_of_range_parquet_date_is_no_date_and_a_non_utf8_name_is_replaced(real_run, case_files):
    _, out = real_run
    rows = pq.read_table(out).to_pylist()
    assert [r["published"] for r in rows if r["source"] == "parquet:ts.parquet"] == [None]
    assert [r["source"] for r in rows if "caf" in r["source"]] == ["jsonl:caf\ufffd.jsonl"]


# --- bad option values: click's errors in the house style ----------------------------

BAD_OPTIONS = {
    "empty -o": (["-o", ""], "-o"),
    "--blocksize lots": (["-o", "out.parquet", "--blocksize", "lots"], "--blocksize"),
    "missing -o": ([], "Missing option '-o'"),
    "-j 0": (["-o", "out.parquet", "-j", "0"], "--workers"),
    "unknown --format": (["-o", "out.parquet", "--format", "xml"], "--format"),
    "unknown option": (["-o", "out.parquet", "--fast"], "--fast"),
    "-o without a value": (["-o"], "-o"),
}


def test_bad_option_values_are_one_usage_error_line(tmp_path):
    (tmp_path / "in.jsonl").write_text(jsonl_text(dump(GOOD)), encoding="utf-8")
    with ThreadPoolExecutor(4) as pool:
        runs = {case: pool.submit(_lbx, "extract", "in.jsonl", *args, cwd=tmp_path)
                for case, (args, _) in BAD_OPTIONS.items()}
    for case, (_, text) in BAD_OPTIONS.items():
        res = runs[case].result()
        lines = res.stderr.splitlines()
        assert res.returncode == 2, (case, res.stderr)
        assert len(lines) == 1 and lines[0].startswith("lbx: error: ") and text in lines[0], (case, lines)
        assert "Usage:" not in res.stderr and "Traceback" not in res.stderr
    assert os.listdir(tmp_path) == ["in.jsonl"]


# --- signals from the first moment ---------------------------------------------------

# Delays after lbx's first line runs (the entry point installs the SIGTERM
# handler, then imports click, pandas, pyarrow and the engine: about 0.5 s in
# which a signal used to give a traceback or a bare rc -15). What comes before
# that first line is Python's own start-up (`site` and the venv's .pth files),
# where no code of lbx can run; the test waits it out by watching the process's
# caught-signal mask for SIGTERM.
SIGNAL_DELAYS = (0.0, 0.05, 0.2)


def _wait_for_lbx_code(proc: subprocess.Popen, timeout: float = 60) -> None:
    status = Path(f"/proc/{proc.pid}/status")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1].decode()
        caught = next((l for l in status.read_text().splitlines() if l.startswith("SigCgt:")), "SigCgt: 0")
        if int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.0005)
    raise AssertionError("lbx never installed its SIGTERM handler")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see when lbx's code starts")
def test_a_signal_at_any_moment_of_start_up_is_one_line(tmp_path):
    (tmp_path / "in.jsonl").write_text(jsonl_text(*[dump(GOOD)] * 2000), encoding="utf-8")
    for delay in SIGNAL_DELAYS:
        for signum in (signal.SIGINT, signal.SIGTERM):
            proc = subprocess.Popen([*LBX, "extract", "in.jsonl", "-o", "out.parquet", "-j", "1"], cwd=tmp_path,
                                    env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            _wait_for_lbx_code(proc)
            time.sleep(delay)
            proc.send_signal(signum)
            err = proc.communicate(timeout=60)[1].decode()
            expected = (130, ["lbx: interrupted"]) if signum == signal.SIGINT else (143, ["lbx: terminated"])
            assert (proc.returncode, err.splitlines()) == expected, (signum, delay, err)
    assert [p.name for p in tmp_path.iterdir()] == ["in.jsonl"]


# --- the fuzz-ish run: 300 hostile records, one run --------------------------------

def _hostile_records(n: int, seed: int = 13) -> list[str]:
    """JSON Lines of records drawn from the shapes of the probe: wrong types,
    lone surrogates, huge numbers, deep nesting, odd Unicode digits, good papers."""
    rng = random.Random(seed)
    digits = ["\u0665", "\uff15", "\U00010d41", "\u0967", "7", ".5", "\u00b2"]
    texts = [
        lambda: f"Results for 2019-{rng.choice(digits)}{rng.choice(digits)} and {rng.randint(1, 99)}.{rng.randint(0, 9)}% "
                f"accuracy on COCO.",
        lambda: f"We reach {rng.randint(10, 99)}.{rng.randint(0, 9)} AP on COCO, {rng.randint(2, 20)}x faster.",
        lambda: "Accuracy of " + "".join(rng.choice(digits) for _ in range(rng.randint(1, 40))) + "% on ImageNet.",
        lambda: "We reach 64.2% accuracy on " + "A-" * rng.randint(1, 20) + "A and more.",
        lambda: "",
    ]
    shapes = [
        lambda: dump({"title": f"Paper {rng.random()}", "abstract": rng.choice(texts)()}),
        lambda: dump({"id": rng.randint(1, 10**6), "title": "T", "abstract": rng.choice(texts)()}),
        lambda: '{"title": "x\\ud800", "abstract": "64.2% on COCO."}',
        lambda: '{"title": "x", "abstract": "64.2% \\udc00 on COCO."}',
        lambda: '{"id": "\\ud83d", "title": "x", "abstract": "64.2%"}',
        lambda: '{"id": ' + "9" * rng.randint(4301, 6000) + ', "title": "x", "abstract": "64.2%"}',
        lambda: '{"title": "x", "n": ' + "[" * rng.randint(1000, 50_000) + "}",  # unclosed and deep
        lambda: '{"title": "x", "n": ' + "[" * 20_000 + "]" * 20_000 + "}",
        lambda: dump(rng.choice([[1, 2], "a string", None, 12, 1.5, True])),
        lambda: dump({"title": rng.choice([["a"], {"a": 1}, True, False, [], {}]), "abstract": "64.2%"}),
        lambda: dump({"title": "T", "abstract": rng.choice([["a"], {"a": 1}, True])}),
        lambda: dump({"abstract": "64.2% on COCO."}),
        lambda: dump({"title": "T", "abstract": "1e999 and 64.2% and " + "1," * 20 + "2."}),
        lambda: dump({"title": "T", "abstract": "x", "update_date": rng.choice(["9999-99-99", "0000-01-01", 5, None])}),
    ]
    records = [rng.choice(shapes)() for _ in range(n - 1)]
    # One runaway abstract (a regex timeout costs its timeout, a second or two: one is enough).
    records.insert(rng.randrange(n), dump({"title": "Runaway", "abstract": TIMEOUT_ABSTRACT}))
    return records


def test_300_hostile_records_are_each_extracted_or_a_counted_skip(tmp_path):
    lines = _hostile_records(300)
    (tmp_path / "hostile.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8",
                                            errors="surrogatepass")
    res = _lbx("extract", "hostile.jsonl", "-o", "out.parquet", "--skip-bad", "-j", "2", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    read = int(re.search(r"read ([\d,]+) papers", res.stderr).group(1).replace(",", ""))
    skipped = re.search(r"skipped ([\d,]+) papers \((.*)\)", res.stderr)
    reasons = dict(re.findall(r"([^,]+): ([\d,]+)", skipped.group(2))) if skipped else {}
    reasons = {k.strip(): int(v.replace(",", "")) for k, v in reasons.items()}
    bad = sum(n for r, n in reasons.items() if r not in ("no abstract", "regex timeout") and "budget" not in r)
    assert read + bad == len(lines), (read, reasons)
    extracted = pq.read_table(tmp_path / "out.papers.parquet").num_rows
    assert extracted + sum(reasons.values()) == len(lines), (extracted, reasons)
    assert {"not unicode", "malformed json", "not an object", "bad field", "no title"} <= set(reasons), reasons
