"""`lbx` end to end: what a user sees on stderr, exit codes, and the output file.

Row counts are never pinned here: they belong to the engine and its tests.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import extractor
import extractor.sources as sources
from extractor import cli as cli_module
from extractor.cli import cli
from extractor.sources.paper import Paper
from extractor.table import read_table, table_metadata
from test_table import make_result

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _rules_once(clean_env_and_rules_loaded_once):
    """No LBX_* from the shell; each rule set compiled once a session (conftest.py)."""


ABSTRACTS = [
    ("FooDet: Fast Object Detection", "We present FooDet. FooDet reaches 64.2 AP on COCO test-dev, "
     "outperforming the prior state of the art by 3.2 AP, and runs 15x faster than DETR."),
    ("A Speech Recognizer", "Our model achieves a word error rate of 2.1% on LibriSpeech test-clean, "
     "a 12% relative reduction over the baseline."),
    ("Scaling Laws Revisited", "We study how loss scales with model size and report no benchmark numbers."),
]


def line(title, abstract=None, **extra) -> str:
    rec = {"title": title, **({"abstract": abstract} if abstract is not None else {}), **extra}
    return json.dumps(rec) + "\n"


@pytest.fixture
def papers_jsonl(tmp_path) -> Path:
    p = tmp_path / "papers.jsonl"
    p.write_text("".join(line(t, a) for t, a in ABSTRACTS) + line("A Title Without Abstract"), encoding="utf-8")
    return p


def run(*args, env=None, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input)


def tmp_left(directory) -> list[str]:
    return [n for n in os.listdir(directory) if n.endswith(".tmp")]


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_version_and_usage(papers_jsonl):
    res = run("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"lbx {extractor.__version__}"
    res = run("extract", papers_jsonl)  # -o is required
    assert res.exit_code == 2 and "-o" in res.stderr


def test_extract_writes_table(tmp_path, papers_jsonl):
    out = tmp_path / "out.parquet"
    res = run("extract", papers_jsonl, "-o", out)
    assert res.exit_code == 0, res.output
    df = read_table(out)
    assert list(df.columns) == pq.read_schema(out).names
    by_title = dict(ABSTRACTS)
    for row in df.itertuples():
        abstract = by_title[row.title]
        assert 0 <= row.start < row.end <= len(abstract)
        assert row.value_text in abstract and row.evidence in abstract
    meta = table_metadata(out)
    from extractor.rules.loader import load_rules
    assert meta["lbx.rules_hash"] == load_rules().hash
    assert meta["lbx.inputs"] == [str(papers_jsonl)]
    assert "read 4 papers" in res.stderr and "no abstract: 1" in res.stderr
    assert f"wrote {len(df)} results to {out}" in res.stderr
    assert tmp_left(tmp_path) == []


def test_identical_runs_differ_only_in_created(tmp_path, papers_jsonl):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (a, b):
        res = run("extract", papers_jsonl, "-o", out, "--quiet")
        assert res.exit_code == 0 and res.stderr == ""  # --quiet: no summary
    assert read_table(a).equals(read_table(b))
    meta_a, meta_b = table_metadata(a), table_metadata(b)
    assert meta_a.pop("lbx.created") and meta_b.pop("lbx.created")
    assert meta_a == meta_b


def test_stdin(tmp_path, papers_jsonl):
    out = tmp_path / "out.parquet"
    res = run("extract", "-", "-o", out, input=papers_jsonl.read_bytes())
    assert res.exit_code == 0, res.output
    assert "read 4 papers" in res.stderr and table_metadata(out)["lbx.inputs"] == ["-"]


def test_results_stream_in_batches(tmp_path, monkeypatch):
    from extractor import extract as engine
    from extractor.run.targets import ParquetFile as TableWriter

    def two_per_paper(paper, rules):
        return engine.Reading([make_result(paper_id=paper.paper_id, title=paper.title, start=i, end=i + 1)
                               for i in range(2)])

    batches = []
    real_write = TableWriter.write
    monkeypatch.setattr(engine, "read_paper", two_per_paper)
    monkeypatch.setattr(cli_module, "BATCH_PAPERS", 3)
    monkeypatch.setattr(TableWriter, "write", lambda self, rs: batches.append(len(rs)) or real_write(self, rs))
    src = tmp_path / "in.jsonl"
    src.write_text("".join(line(f"Paper {i}", "Some abstract.", id=f"p{i}") for i in range(10)), encoding="utf-8")
    out = tmp_path / "out.parquet"
    res = run("extract", src, "-o", out, "--workers", "1")  # the substitute engine lives in this process
    assert res.exit_code == 0, res.output
    assert batches == [6, 6, 6, 2]
    assert read_table(out)["paper_id"].tolist() == [f"p{i}" for i in range(10) for _ in range(2)]
    assert "wrote 20 results" in res.stderr


def test_column_options(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"T": "Renamed Columns", "A": "An abstract.", "key": "x1"}) + "\n", encoding="utf-8")
    res = run("extract", src, "-o", tmp_path / "o.parquet", "--title-col", "T", "--abstract-col", "A",
              "--id-col", "key", "--format", "jsonl")
    assert res.exit_code == 0, res.output
    assert "read 1 papers" in res.stderr and "skipped" not in res.stderr


def test_malformed_line_is_one_error_and_no_output(tmp_path, papers_jsonl):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(papers_jsonl.read_text() + '{"title": "broken\n' + line("After"), encoding="utf-8")
    out = tmp_path / "out.parquet"
    out.write_bytes(b"an earlier result")
    res = run("extract", bad, "-o", out)
    assert res.exit_code == 2 and one_error_line(res).startswith(f"lbx: error: {bad}:5: ")
    assert out.read_bytes() == b"an earlier result" and tmp_left(tmp_path) == []
    res = run("extract", bad, "-o", tmp_path / "new.parquet")
    assert res.exit_code == 2 and not (tmp_path / "new.parquet").exists()


def test_skip_bad_counts_records(tmp_path, papers_jsonl):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(papers_jsonl.read_text() + "{oops\n" + line("After", "Fine."), encoding="utf-8")
    out = tmp_path / "out.parquet"
    res = run("extract", bad, "-o", out, "--skip-bad")
    assert res.exit_code == 0, res.output
    assert "read 5 papers" in res.stderr
    assert "skipped 2 papers (" in res.stderr and "no abstract: 1" in res.stderr
    assert f"{bad}:5" in res.stderr  # the skipped record is named once
    assert out.exists()


def test_empty_file(tmp_path, papers_jsonl):
    """The readers call an empty input an error (most likely a wrong path or a
    failed download), so it stops the run, or with --skip-bad is skipped."""
    src = tmp_path / "empty.jsonl"
    src.write_text("", encoding="utf-8")
    out = tmp_path / "out.parquet"
    res = run("extract", src, "-o", out)
    assert res.exit_code == 2 and one_error_line(res).startswith(f"lbx: error: {src}: ")
    assert not out.exists()
    res = run("extract", src, papers_jsonl, "-o", out, "--skip-bad")
    assert res.exit_code == 0 and "skipped 1 unreadable inputs" in res.stderr


def test_no_papers_still_writes_a_valid_table(tmp_path):
    src = tmp_path / "blank.jsonl"
    src.write_text(line("Only A Title"), encoding="utf-8")
    out = tmp_path / "out.parquet"
    res = run("extract", src, "-o", out)
    assert res.exit_code == 0, res.output
    assert len(read_table(out)) == 0 and pq.read_schema(out).names == list(read_table(out).columns)
    assert "read 1 papers" in res.stderr and "no abstract: 1" in res.stderr


def test_missing_file(tmp_path, papers_jsonl):
    missing = tmp_path / "missing.jsonl"
    out = tmp_path / "out.parquet"
    res = run("extract", missing, "-o", out)
    assert res.exit_code == 2 and one_error_line(res).startswith(f"lbx: error: {missing}")
    assert not out.exists() and tmp_left(tmp_path) == []
    # with --skip-bad the other inputs still count ...
    res = run("extract", missing, papers_jsonl, "-o", out, "--skip-bad")
    assert res.exit_code == 0, res.output
    assert "skipped 1 unreadable inputs" in res.stderr and "read 4 papers from 1 of 2 inputs" in res.stderr
    # ... but nothing readable at all is still an error
    res = run("extract", missing, tmp_path / "gone.jsonl", "-o", tmp_path / "x.parquet", "--skip-bad")
    assert res.exit_code == 2 and "none of the 2 inputs" in res.stderr.splitlines()[-1]
    assert not (tmp_path / "x.parquet").exists()


def test_bad_output_dir_fails_before_reading(tmp_path, papers_jsonl, monkeypatch):
    monkeypatch.setattr(sources, "read_papers", lambda *a, **k: pytest.fail("input read"))
    res = run("extract", papers_jsonl, "-o", tmp_path / "no" / "such" / "dir" / "out.parquet")
    assert res.exit_code == 2 and "does not exist" in one_error_line(res)


def test_rule_dirs_from_env_and_option(tmp_path, papers_jsonl, monkeypatch):
    from extractor.rules import loader

    seen = []
    real = loader.load_rules
    monkeypatch.setattr(loader, "load_rules", lambda extra_dirs=(): seen.append(list(extra_dirs)) or real())
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
    out = tmp_path / "o.parquet"
    res = run("extract", papers_jsonl, "-o", out, "--rules", b, env={"LBX_RULES": f"{a}{os.pathsep}"})
    assert res.exit_code == 0, res.output
    assert seen == [[str(a), str(b)]]
    res = run("extract", papers_jsonl, "-o", out, env={"LBX_RULES": str(tmp_path / "nope")})
    assert res.exit_code == 2 and "LBX_RULES" in one_error_line(res)


def _interrupting_reader(exc_factory):
    def read(path, fmt=None, columns=None, on_bad=None):
        for i in range(50):
            yield Paper(paper_id=f"p{i}", title=f"T{i}", abstract="Reaches 64.2 AP.", source="x")
        exc_factory()
    return read


@pytest.mark.parametrize("how,code", [("keyboard", 130), ("sigterm", 143)])
def test_interrupt_in_process_keeps_earlier_output(tmp_path, papers_jsonl, monkeypatch, how, code):
    def stop():
        if how == "keyboard":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
    monkeypatch.setattr(sources, "read_papers", _interrupting_reader(stop))
    out = tmp_path / "out.parquet"
    out.write_bytes(b"earlier")
    before = signal.getsignal(signal.SIGTERM)
    res = run("extract", papers_jsonl, "-o", out)
    assert res.exit_code == code
    assert "Traceback" not in res.stderr and res.stderr.strip().splitlines()[-1] in (
        "lbx: interrupted", "lbx: terminated")
    assert out.read_bytes() == b"earlier" and tmp_left(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_internal_error(tmp_path, papers_jsonl, monkeypatch):
    from extractor import extract as engine

    def boom(paper, rules):
        raise RuntimeError("boom")
    monkeypatch.setattr(engine, "read_paper", boom)
    out = tmp_path / "out.parquet"
    res = run("extract", papers_jsonl, "-o", out)
    assert res.exit_code == 1
    assert one_error_line(res).startswith("lbx: internal error: RuntimeError: boom")
    assert not out.exists() and tmp_left(tmp_path) == []
    res = run("extract", papers_jsonl, "-o", out, env={"LBX_DEBUG": "1"})
    assert isinstance(res.exception, RuntimeError) and not isinstance(res.exception, SystemExit)


# --- a real process, a real signal -------------------------------------------------

def _feed(fifo: Path, lines: int, done: threading.Event) -> None:
    """Write `lines` generated papers into the FIFO, then hold it open until `done`."""
    try:
        with open(fifo, "w", encoding="utf-8") as f:
            for i in range(lines):
                f.write(line(f"Method {i} for Detection",
                             f"We propose Net{i}. Net{i} reaches {40 + i % 50}.{i % 10} AP on COCO, a gain of "
                             f"+{i % 7}.{i % 3} mAP over the baseline, and runs {2 + i % 9}x faster."))
            f.flush()
            done.wait(60)
    except BrokenPipeError:
        pass


class _Run:
    """One `python -m extractor extract` reading 200k generated papers from a FIFO
    that stays open: the run is certainly still going (mid-read, or mid-extraction
    with row groups already in its temp file) when the signal lands, however fast
    the engine is."""

    EARLIER = b"the earlier, good output"

    def __init__(self, root: Path, name: str):
        self.fifo = root / f"{name}.jsonl"
        os.mkfifo(self.fifo)
        self.out_dir = root / f"{name}-out"
        self.out_dir.mkdir()
        self.out = self.out_dir / "results.parquet"
        self.out.write_bytes(self.EARLIER)
        self.done = threading.Event()
        self.feeder = threading.Thread(target=_feed, args=(self.fifo, 200_000, self.done), daemon=True)
        self.feeder.start()
        env = {k: v for k, v in os.environ.items() if k not in ("LBX_DEBUG", "LBX_RULES")}
        self.started = time.monotonic()
        cmd = [sys.executable, "-m", "extractor", "extract", str(self.fifo), "-o", str(self.out), "--format", "jsonl"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)

    def wait_until_writing(self, timeout: float = 60) -> None:
        while not tmp_left(self.out_dir):
            assert self.proc.poll() is None, self.proc.communicate()[1].decode()
            assert time.monotonic() - self.started < timeout, "the run never started writing"
            time.sleep(0.02)

    def stop(self) -> None:
        self.done.set()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:  # unblock a feeder still waiting for a reader
            os.close(os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK))
        except OSError:
            pass
        self.feeder.join(5)


def test_signals_during_run_leave_earlier_output(tmp_path):
    """SIGINT and SIGTERM, each to its own run, both started at once (most of a
    run's first seconds is loading the rules)."""
    runs = {signal.SIGINT: _Run(tmp_path, "int"), signal.SIGTERM: _Run(tmp_path, "term")}
    try:
        for run_ in runs.values():
            run_.wait_until_writing()
        for signum, run_ in runs.items():
            time.sleep(max(0.0, 1.0 - (time.monotonic() - run_.started)))
            assert run_.proc.poll() is None, "the run ended before the signal: " + run_.proc.communicate()[1].decode()
            run_.proc.send_signal(signum)
        errs = {signum: run_.proc.communicate(timeout=30)[1].decode() for signum, run_ in runs.items()}
    finally:
        for run_ in runs.values():
            run_.stop()
    for signum, (code, last) in {signal.SIGINT: (130, "lbx: interrupted"),
                                 signal.SIGTERM: (143, "lbx: terminated")}.items():
        run_, err = runs[signum], errs[signum]
        assert run_.proc.returncode == code, err
        assert "Traceback" not in err and err.strip().splitlines()[-1] == last
        assert run_.out.read_bytes() == _Run.EARLIER
        assert os.listdir(run_.out_dir) == ["results.parquet"]
