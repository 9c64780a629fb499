"""Scale (issue 5): workers, dataset directories, incremental runs, the Dask engine.

Every test compares against a plain serial single-file run of the same input:
the contract is "same rows", and where the order is documented, "same order".
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import extractor.sources as sources
from extractor import cli as cli_module
from extractor.cli import cli
from extractor.run import workers as workers_module
from extractor.run.incremental import work_dir_for
from extractor.run.papers import KeySet, papers_path
from extractor.table import SCHEMA, table_metadata

REPO = Path(__file__).resolve().parent.parent
SAMPLE = sorted((REPO / "data" / "sample").glob("*.txt"))
PACK = REPO / "data" / "rule_packs" / "graph_edit_distance"
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask, with pandas 3.1


@pytest.fixture(autouse=True)
def _rules_once(clean_env_and_rules_loaded_once):
    """No LBX_* from the shell; each rule set compiled once a session (conftest.py)."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The sample abstracts as arXiv-style JSON Lines: unique ids, dates over
    2019-2024, every 9th paper undated (so `year=unknown` is exercised)."""
    papers = [p for f in SAMPLE for p in sources.read_papers(str(f))]
    path = tmp_path_factory.mktemp("corpus") / "papers.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i, p in enumerate(papers):
            rec = {"id": f"2{i % 5}01.{i:05d}", "title": p.title, "abstract": p.abstract}
            if i % 9:
                rec["update_date"] = f"{2019 + i % 6}-0{1 + i % 9}-15"
            f.write(json.dumps(rec) + "\n")
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def ok(*args) -> str:
    res = run(*args)
    assert res.exit_code == 0, res.stderr
    return res.stderr


def rows(path) -> pa.Table:
    return pq.read_table(path).select(SCHEMA.names)


def sort_key(t: pa.Table) -> pa.Table:
    return t.sort_by([("paper_id", "ascending"), ("start", "ascending"), ("rule", "ascending")])


@pytest.fixture(scope="module")
def serial(corpus, tmp_path_factory) -> Path:
    """The reference: one serial run into one file."""
    out = tmp_path_factory.mktemp("serial") / "serial.parquet"
    ok("extract", corpus, "-o", out, "--workers", "1", "-q")
    return out


# --- workers ------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_two_workers_write_the_serial_rows_in_the_serial_order(tmp_path, corpus, serial, monkeypatch, method):
    if method == "fork" and "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("no fork here")
    started = []
    real_start = workers_module.Extractor._start_pool
    monkeypatch.setattr(workers_module.Extractor, "_start_pool", lambda self: started.append(1) or real_start(self))
    monkeypatch.setattr(workers_module, "START_METHOD", method)
    monkeypatch.setattr(cli_module, "BATCH_PAPERS", 40)  # the sample is 464 papers: 12 batches
    out = tmp_path / "two.parquet"
    ok("extract", corpus, "-o", out, "--workers", "2")
    assert started == [1]
    assert rows(out).equals(rows(serial))
    assert pq.read_table(papers_path(out)).equals(pq.read_table(papers_path(serial)))


def test_a_worker_builds_its_tables_without_importing_pandas():
    """pyarrow would import pandas on a worker's first table (~50 MB a worker,
    nothing shared with the parent); the worker's start keeps it out, and the
    tables come out the same."""
    code = ("import sys\n"
            "from extractor.run.workers import arrow_without_pandas\n"
            "arrow_without_pandas()\n"
            "from extractor.api import extract_text\n"
            "from extractor.table import results_to_table\n"
            "t = results_to_table(extract_text('FooNet reaches 64.2 AP on COCO, 3x faster than BarNet.', title='FooNet'))\n"
            "print(t.num_rows, t.schema.names[:2], 'pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    rows, *_, imported = out.split()
    assert int(rows) >= 2 and imported == "False", out


def test_one_worker_starts_no_process(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(workers_module.Extractor, "_start_pool", lambda self: pytest.fail("a pool was started"))
    monkeypatch.setattr(cli_module, "BATCH_PAPERS", 40)
    ok("extract", corpus, "-o", tmp_path / "one.parquet", "--workers", "1")


def test_papers_table_records_every_paper(serial, corpus):
    papers = pq.read_table(papers_path(serial)).to_pylist()
    assert len(papers) == sum(1 for _ in open(corpus, encoding="utf-8"))  # every sample paper has an abstract
    assert any(p["n_results"] == 0 for p in papers)
    assert sum(p["n_results"] for p in papers) == pq.read_metadata(serial).num_rows
    assert table_metadata(serial)["lbx.created"] == pq.read_schema(papers_path(serial)).metadata[b"lbx.created"].decode()


# --- dataset directories ------------------------------------------------------------

def test_dataset_directory_reads_as_one_table_everywhere(tmp_path, corpus, serial):
    out = tmp_path / "ds"
    ok("extract", corpus, "-o", f"{out}/", "--workers", "1")
    assert sorted(os.listdir(out)) == [f"year={y}" for y in range(2019, 2025)] + ["year=unknown"]
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []
    want = sort_key(rows(serial))
    import pandas as pd
    import pyarrow.dataset as ds

    assert sort_key(pa.Table.from_pandas(pd.read_parquet(out)[SCHEMA.names], preserve_index=False)
                    .cast(SCHEMA)).equals(want)
    assert sort_key(ds.dataset(out, partitioning="hive").to_table().select(SCHEMA.names)).equals(want)
    import duckdb

    con = duckdb.connect()
    got = con.sql(f"SELECT * FROM read_parquet('{out}/year=*/*.parquet', hive_partitioning=true)").arrow()
    got = got.read_all() if hasattr(got, "read_all") else got
    assert got.num_rows == want.num_rows and set(got.column("year").to_pylist()) == {
        *map(str, range(2019, 2025)), "unknown"}
    assert sort_key(got.select(SCHEMA.names).cast(SCHEMA)).equals(want)
    # Within a year, rows keep the single-file order.
    year_2020 = pq.read_table(out / "year=2020").select(SCHEMA.names)
    by_year = rows(serial).filter(pa.compute.equal(pa.compute.year(rows(serial)["published"]), 2020))
    assert year_2020.equals(by_year)
    assert table_metadata(out)["lbx.rules_hash"] == table_metadata(serial)["lbx.rules_hash"]
    # A second run replaces the dataset whole; a directory that is not one is refused.
    ok("extract", corpus, "-o", out, "--workers", "1", "-q")
    assert sort_key(ds.dataset(out, partitioning="hive").to_table().select(SCHEMA.names)).equals(want)
    if importlib.util.find_spec("dask"):
        import dask.dataframe as dd

        df = dd.read_parquet(out).compute()
        assert len(df) == want.num_rows and sorted(df["value_text"]) == sorted(want["value_text"].to_pylist())
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    res = run("extract", corpus, "-o", f"{other}/")
    assert res.exit_code == 2 and "refusing to replace" in res.stderr
    assert (other / "notes.txt").read_text() == "keep me"


# --- incremental runs ---------------------------------------------------------------

def _variant(tmp_path: Path, name: str, lines: list[str]) -> Path:
    """`lines` as another papers.jsonl (the same file name: it is in every row's `source`)."""
    d = tmp_path / name
    d.mkdir()
    (d / "papers.jsonl").write_text("".join(lines), encoding="utf-8")
    return d / "papers.jsonl"


def _summary_counts(stderr: str) -> tuple[int, int, int]:
    line = next(ln for ln in stderr.splitlines() if ln.startswith("lbx: update:"))
    words = line.replace(",", "").split()
    return int(words[2]), int(words[8]), int(words[10].lstrip("("))  # unchanged, extracted, changed


def test_update_skips_unchanged_and_reextracts_when_rules_change(tmp_path, corpus, serial):
    out = tmp_path / "up.parquet"
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    n = len(lines)
    first = _variant(tmp_path, "first", lines[: n // 2])
    assert _summary_counts(ok("extract", first, "--update", out, "-j", "1")) == (0, n // 2, 0)
    # The whole corpus: the first half is skipped, the rest extracted.
    assert _summary_counts(ok("extract", corpus, "--update", out, "-j", "1")) == (n // 2, n - n // 2, 0)
    assert sort_key(rows(out)).equals(sort_key(rows(serial)))
    # Again: nothing to do, and the table is the same.
    assert _summary_counts(ok("extract", corpus, "--update", out, "-j", "1")) == (n, 0, 0)
    assert sort_key(rows(out)).equals(sort_key(rows(serial)))
    # One abstract edited: that paper alone is extracted again, its old rows replaced.
    rec = json.loads(lines[3])
    rec["abstract"] += " It reaches 99.9% top-1 accuracy on ImageNet."
    edited = _variant(tmp_path, "edited", lines[:3] + [json.dumps(rec) + "\n"] + lines[4:])
    assert _summary_counts(ok("extract", edited, "--update", out, "-j", "1")) == (n - 1, 1, 1)
    fresh = tmp_path / "fresh.parquet"
    ok("extract", edited, "-o", fresh, "-j", "1")
    assert sort_key(rows(out)).equals(sort_key(rows(fresh)))
    # A rule pack changes the rules hash: every paper is extracted again.
    assert _summary_counts(ok("extract", edited, "--update", out, "-j", "1", "--rules", PACK)) == (0, n, n)
    ok("extract", edited, "-o", fresh, "-j", "1", "--rules", PACK)
    assert rows(out).equals(rows(fresh))
    assert pq.read_table(papers_path(out)).equals(pq.read_table(papers_path(fresh)))
    assert not os.path.exists(work_dir_for(str(out)))


def test_update_of_a_dataset_directory(tmp_path, corpus, serial):
    out = tmp_path / "ds"
    ok("extract", corpus, "--update", f"{out}/", "-j", "1")
    assert _summary_counts(ok("extract", corpus, "--update", f"{out}/", "-j", "1")) == (
        pq.read_metadata(papers_path(out)).num_rows, 0, 0)
    assert sort_key(pq.read_table(out).select(SCHEMA.names)).equals(sort_key(rows(serial)))


def _interrupted_reader(path: Path, stop_after: int):
    """The real reader, raising KeyboardInterrupt (Ctrl-C) after `stop_after` papers."""
    real = sources.read_papers

    def read(p, fmt=None, columns=None, on_bad=None):
        for i, paper in enumerate(real(p, fmt=fmt, columns=columns, on_bad=on_bad)):
            if i == stop_after:
                raise KeyboardInterrupt
            yield paper
    return read


@pytest.mark.parametrize("workers", ["1", "2"])
def test_interrupted_update_leaves_out_untouched_and_resumes_without_duplicates(tmp_path, corpus, serial,
                                                                                 monkeypatch, workers):
    out = tmp_path / "up.parquet"
    lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    start = _variant(tmp_path, "start", lines[:100])
    ok("extract", start, "--update", out, "-j", "1")
    before = out.read_bytes(), Path(papers_path(out)).read_bytes()

    monkeypatch.setattr(cli_module, "BATCH_PAPERS", 25)
    with monkeypatch.context() as m:
        m.setattr(sources, "read_papers", _interrupted_reader(corpus, 330))
        res = run("extract", corpus, "--update", out, "-j", workers, "--checkpoint", "50")
    assert res.exit_code == 130 and res.stderr.strip().splitlines()[-1] == "lbx: interrupted"
    assert (out.read_bytes(), Path(papers_path(out)).read_bytes()) == before
    work = Path(work_dir_for(str(out)))
    committed = sorted(n for n in os.listdir(work) if n.endswith(".papers.parquet"))
    assert not [n for n in os.listdir(work) if n.endswith(".tmp")]
    if workers == "1":  # papers 100..329 are new; 225 of them extracted, committed 50 at a time
        assert len(committed) == 4

    stderr = ok("extract", corpus, "--update", out, "-j", workers, "--checkpoint", "50")
    if workers == "1":
        assert "200 taken over from an interrupted run" in stderr
    assert sort_key(rows(out)).equals(sort_key(rows(serial)))  # each paper once
    papers = pq.read_table(papers_path(out)).column("paper_id").to_pylist()
    assert len(papers) == len(set(papers)) == len(lines)
    assert not work.exists()


def test_sigint_to_a_real_update_keeps_its_checkpoints(tmp_path, corpus):
    """A real process, a real SIGINT: `lbx extract --update` reads 3,000 papers from
    a FIFO that then stays open, so it has committed its checkpoints and waits
    for input when the signal lands; the next run takes them over."""
    base = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    lines = [json.dumps({**base[i % len(base)], "id": f"x{i}"}) + "\n" for i in range(3000 + len(base))]
    (tmp_path / "fifo").mkdir()
    fifo = tmp_path / "fifo" / "papers.jsonl"
    os.mkfifo(fifo)
    done = threading.Event()

    def feed():
        with open(fifo, "w", encoding="utf-8") as f:
            f.writelines(lines[:3000])
            f.flush()
            done.wait(60)
    threading.Thread(target=feed, daemon=True).start()
    out = tmp_path / "up.parquet"
    work = Path(work_dir_for(str(out)))
    env = {k: v for k, v in os.environ.items() if k not in ("LBX_DEBUG", "LBX_RULES")}
    cmd = [sys.executable, "-m", "extractor", "extract", str(fifo), "--update", str(out), "-j", "1",
           "--checkpoint", "500", "--format", "jsonl"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env, cwd=REPO)
    try:
        started = time.monotonic()
        while not (work / "seg-000003.papers.parquet").exists():
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() - started < 40, "the run never committed its checkpoints"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=30)[1].decode()
    finally:
        done.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "lbx: interrupted", err
    assert not out.exists()
    full = _variant(tmp_path, "full", lines)
    stderr = ok("extract", full, "--update", out, "-j", "1")
    assert "3,000 taken over from an interrupted run" in stderr
    fresh = tmp_path / "fresh.parquet"
    ok("extract", full, "-o", fresh, "-j", "1", "-q")
    assert rows(out).equals(rows(fresh))
    assert pq.read_table(papers_path(out)).equals(pq.read_table(papers_path(fresh)))


def test_stale_work_directory_is_not_used(tmp_path, corpus, serial, monkeypatch):
    out = tmp_path / "up.parquet"
    monkeypatch.setattr(cli_module, "BATCH_PAPERS", 25)
    with monkeypatch.context() as m:
        m.setattr(sources, "read_papers", _interrupted_reader(corpus, 120))
        assert run("extract", corpus, "--update", out, "-j", "1", "--checkpoint", "50").exit_code == 130
    # OUT appears in between (another run wrote it): the checkpoints no longer match it.
    ok("extract", corpus, "-o", out, "-j", "1")
    stderr = ok("extract", corpus, "--update", out, "-j", "1")
    assert "taken over" not in stderr and _summary_counts(stderr)[1] == 0
    assert rows(out).equals(rows(serial))


def test_keyset_across_merges(monkeypatch):
    from extractor.run import papers as papers_module

    monkeypatch.setattr(papers_module, "_MERGE_AT", 7)
    ks = KeySet()
    for start in range(0, 100, 10):
        ks.add(range(start, start + 5))
    assert ks.contains(list(range(100))) == [i % 10 < 5 for i in range(100)]
    assert len(ks) == 50 and ks.contains([2**64 - 1]) == [False]


# --- the Dask engine ----------------------------------------------------------------

def test_dask_local_cluster_equals_local_engine(tmp_path, corpus, serial, cluster):
    out = tmp_path / "dask.parquet"
    stderr = ok("extract", corpus, "-o", out, "--engine", "dask", "--scheduler", cluster.scheduler_address,
                "--blocksize", "64KB")
    assert rows(out).equals(rows(serial))
    assert pq.read_table(papers_path(out)).equals(pq.read_table(papers_path(serial)))
    assert f"read {len(corpus.read_text().splitlines()):,} papers" in stderr
    # Both worker processes ran partitions, each with the rules loaded once.
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        loaded = client.run(lambda: len(__import__("extractor.run.dask_engine").run.dask_engine._RULES))
    assert sorted(loaded.values()) == [1, 1]
    ds_out = tmp_path / "ds"
    ok("extract", corpus, "-o", f"{ds_out}/", "--engine", "dask", "--scheduler", cluster.scheduler_address,
       "--blocksize", "64KB", "-q")
    local_ds = tmp_path / "local-ds"
    ok("extract", corpus, "-o", f"{local_ds}/", "-j", "1", "-q")
    for year in os.listdir(local_ds):
        assert rows(ds_out / year).equals(rows(local_ds / year))


def test_dask_engine_reports_bad_records_like_the_local_one(tmp_path, corpus, cluster):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(corpus.read_text(encoding="utf-8")[:5000].rsplit("\n", 1)[0] + "\n{oops\n", encoding="utf-8")
    args = ("extract", bad, "-o", tmp_path / "x.parquet", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    res = run(*args)
    assert res.exit_code == 2 and "malformed JSON" in res.stderr and not (tmp_path / "x.parquet").exists()
    assert "malformed json: 1" in ok(*args, "--skip-bad")
