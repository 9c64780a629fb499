"""Issue 13, data loss at the output: what `-o` may replace, the results/papers
pair committed as one unit, the lock on OUT, and what a killed run leaves.

The real `lbx` command runs in a subprocess wherever the case is about a
process (signals, two runs at once, SIGKILL); the commit window is hit on
purpose through `LBX_TEST_COMMIT_PAUSE` (a sleep between the two renames,
read in `extractor.run.output` only).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.run.output import PAUSE_ENV, lock_path_for, results_stamp
from extractor.run.papers import papers_path, stamp_of

REPO = Path(__file__).resolve().parent.parent
PAPERS = [
    {"id": "2001.00001", "title": "FooDet", "update_date": "2020-03-01",
     "abstract": "FooDet reaches 64.2 AP on COCO test-dev, 15x faster than DETR."},
    {"id": "2101.00002", "title": "A Speech Recognizer", "update_date": "2021-05-01",
     "abstract": "Our model achieves a word error rate of 2.1% on LibriSpeech test-clean."},
]


@pytest.fixture(autouse=True)
def _rules_once(clean_env_and_rules_loaded_once):
    """No LBX_* from the shell; each rule set compiled once a session (conftest.py)."""


@pytest.fixture
def good(tmp_path) -> Path:
    p = tmp_path / "good.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in PAPERS), encoding="utf-8")
    return p


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("LBX_DEBUG", "LBX_RULES", PAUSE_ENV)}
    env.update(extra)
    return env


def lbx(*args, timeout=120, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *map(str, args)], capture_output=True, text=True,
                          env=_env(**env), cwd=REPO, timeout=timeout)


def popen(*args, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "extractor", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(**env), cwd=REPO)


def in_process(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.stderr
    return res


def here(*args) -> subprocess.CompletedProcess:
    """`lbx` in this process: click's runner goes through the same exit-code
    mapping a user's shell sees, without a new interpreter per case."""
    res = CliRunner().invoke(cli, [str(a) for a in args])
    return subprocess.CompletedProcess(args, res.exit_code, res.stdout, res.stderr)


def one_error(res: subprocess.CompletedProcess, path: str) -> str:
    lines = res.stderr.splitlines()
    assert res.returncode == 2 and len(lines) == 1, res.stderr
    assert lines[0].startswith(f"lbx: error: {path}: "), lines[0]
    return lines[0]


def snapshot(root: Path) -> dict:
    """Every entry under `root`, hidden ones too: type, mode and bytes (or link target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            body = (os.readlink(p) if stat.S_ISLNK(st.st_mode)
                    else Path(p).read_bytes() if stat.S_ISREG(st.st_mode) else None)
            out[os.path.relpath(p, root)] = (stat.S_IFMT(st.st_mode), st.st_mode & 0o7777, body)
    return out


def leftovers(directory: Path) -> list[str]:
    """Temporaries, lock files and work directories lbx could leave."""
    return sorted(n for n in os.listdir(directory) if n.endswith((".tmp", ".old", ".lbx-lock", ".lbx-update")))


# --- 1. a directory is replaced only if all of it is lbx's own ---------------------

def _home(d: Path):
    (d / ".ssh").mkdir(parents=True)
    (d / ".ssh" / "id_rsa").write_text("KEY")
    (d / ".bashrc").write_text("x")


def _checkout(d: Path):
    (d / ".git" / "objects").mkdir(parents=True)
    (d / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (d / ".gitignore").write_text("*.pyc\n")


def _only_git(d: Path):
    (d / ".git").mkdir(parents=True)


def _dataset_plus_hidden(d: Path):
    (d / "year=2020").mkdir(parents=True)
    (d / "year=2020" / "part-0.parquet").write_bytes(b"PAR1")
    (d / ".DS_Store").write_bytes(b"\0")


def _dataset_plus_other_file_in_partition(d: Path):
    (d / "year=2020").mkdir(parents=True)
    (d / "year=2020" / "part-0.parquet").write_bytes(b"PAR1")
    (d / "year=2020" / "notes.txt").write_text("mine")


def _partition_is_a_symlink(d: Path):
    (d.parent / "elsewhere").mkdir()
    (d.parent / "elsewhere" / "part-0.parquet").write_bytes(b"precious")
    d.mkdir()
    (d / "year=2020").symlink_to(d.parent / "elsewhere")


@pytest.mark.parametrize("make", [_home, _checkout, _only_git, _dataset_plus_hidden,
                                  _dataset_plus_other_file_in_partition, _partition_is_a_symlink],
                         ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("slash", ["/", ""])
def test_a_directory_not_all_lbx_own_is_refused_and_left_byte_identical(tmp_path, good, make, slash):
    target = tmp_path / "h"
    make(target)
    before = snapshot(tmp_path)
    res = (lbx if slash and make is _home else here)("extract", good, "-o", f"{target}{slash}")  # one real run
    assert "refusing to replace it" in one_error(res, f"{target}{slash}")
    assert snapshot(tmp_path) == before  # nothing written beside it either


def test_an_lbx_dataset_and_an_empty_directory_are_replaced(tmp_path, good):
    empty = tmp_path / "empty"
    empty.mkdir()
    in_process("extract", good, "-o", empty, "-q")
    assert sorted(os.listdir(empty)) == ["year=2020", "year=2021"]
    first = results_stamp(str(empty))
    in_process("extract", good, "-o", empty, "-q")  # now an lbx dataset: replaced
    assert results_stamp(str(empty)) not in (None, first)
    assert leftovers(tmp_path) == []


# --- 2. no existing path but a regular file or an lbx dataset ----------------------

def _fifo(p: Path):
    os.mkfifo(p)


def _socket(p: Path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(p))
    s.close()


def _link_to_fifo(p: Path):
    os.mkfifo(p.parent / "real-fifo")
    p.symlink_to(p.parent / "real-fifo")


def _link_to_devnull(p: Path):
    p.symlink_to("/dev/null")


def _link_to_file(p: Path):
    (p.parent / "real.parquet").write_bytes(b"precious")
    p.symlink_to(p.parent / "real.parquet")


def _dangling_link(p: Path):
    p.symlink_to(p.parent / "nowhere")


SPECIAL = [_fifo, _socket, _link_to_fifo, _link_to_devnull, _link_to_file, _dangling_link]


@pytest.mark.parametrize("make", SPECIAL, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("which", ["results", "papers"])
def test_a_non_regular_output_or_papers_path_is_refused(tmp_path, good, make, which):
    out = tmp_path / "out.parquet"
    make(out if which == "results" else Path(papers_path(str(out))))
    before = snapshot(tmp_path)
    res = here("extract", good, "-o", out)
    line = one_error(res, str(out) if which == "results" else papers_path(str(out)))
    assert "symbolic link" in line or "not a regular file" in line
    assert snapshot(tmp_path) == before


def test_papers_path_that_is_a_directory_is_refused(tmp_path, good):
    out = tmp_path / "out.parquet"
    Path(papers_path(str(out))).mkdir()
    res = here("extract", good, "-o", out)
    assert "is a directory" in one_error(res, papers_path(str(out)))
    assert not out.exists()


def test_dev_null_stays_a_character_device(good):
    res = lbx("extract", good, "-o", "/dev/null", timeout=30)  # opened by mistake, a device could block: bounded
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1, res.stderr
    assert res.stderr.startswith("lbx: error: /dev/null: ")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not os.path.lexists("/dev/null.papers.parquet")


def test_a_symlinked_dataset_directory_is_refused(tmp_path, good):
    real = tmp_path / "real"
    in_process("extract", good, "-o", f"{real}/", "-q")
    link = tmp_path / "link"
    link.symlink_to(real)
    before = snapshot(tmp_path)
    assert "symbolic link" in one_error(here("extract", good, "-o", f"{link}/"), f"{link}/")
    assert snapshot(tmp_path) == before


# --- 3. the pair changes together -----------------------------------------------------

def _pair(out: Path) -> tuple[str | None, str | None]:
    return results_stamp(str(out)), stamp_of(papers_path(str(out)))


def _old_pair(good: Path, out: Path, dataset: bool) -> str:
    in_process("extract", good, "-o", f"{out}/" if dataset else out, "-q")
    stamp, papers = _pair(out)
    assert stamp is not None and stamp == papers
    return stamp


def _wait_for_first_rename(proc: subprocess.Popen, out: Path, papers: Path, timeout: float = 60) -> None:
    """Until OUT is the new results while the papers table is still the old one."""
    ino, papers_ino = os.stat(out).st_ino, os.stat(papers).st_ino
    started = time.monotonic()
    while os.stat(out).st_ino == ino:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - started < timeout, "the run never reached its commit"
        time.sleep(0.01)
    assert os.stat(papers).st_ino == papers_ino, "the pause hook did not hold the second rename"


@pytest.mark.parametrize("dataset", [False, True], ids=["file", "dataset"])
def test_a_signal_between_the_two_renames_waits_for_both(tmp_path, good, dataset):
    """SIGINT and SIGTERM, each to its own run (both at once), land after the
    results are renamed and before the papers table is: the commit completes,
    and the run says it did (exit 0, its summary)."""
    runs = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        out = tmp_path / signum.name / ("ds" if dataset else "out.parquet")
        out.parent.mkdir()
        old = _old_pair(good, out, dataset)
        runs[signum] = (out, old, popen("extract", good, "-o", f"{out}/" if dataset else out, **{PAUSE_ENV: "3"}))
    errs = {}
    try:
        inodes = {signum: (os.stat(out).st_ino, os.stat(papers_path(str(out))).st_ino)
                  for signum, (out, _, _) in runs.items()}
        waiting, started = set(runs), time.monotonic()
        while waiting:  # both at once: each signalled as soon as its first rename is seen
            for signum in sorted(waiting):
                out, _, proc = runs[signum]
                assert proc.poll() is None, proc.communicate()
                if os.stat(out).st_ino != inodes[signum][0]:
                    assert os.stat(papers_path(str(out))).st_ino == inodes[signum][1], "not in the window"
                    proc.send_signal(signum)
                    waiting.discard(signum)
            assert time.monotonic() - started < 60, "the runs never reached their commit"
            time.sleep(0.01)
        for signum, (_, _, proc) in runs.items():
            errs[signum] = proc.communicate(timeout=60)[1]
    finally:
        for _, _, proc in runs.values():
            if proc.poll() is None:
                proc.kill()
    for signum, (out, old, proc) in runs.items():
        err = errs[signum]
        assert proc.returncode == 0, err
        assert "interrupted" not in err and "terminated" not in err and err.splitlines()[-1].startswith("lbx: next: ")
        new, papers = _pair(out)
        assert new == papers and new != old
        assert leftovers(out.parent) == []


class _Held:
    """`lbx extract` reading a FIFO held open: certainly running, not yet committing."""

    def __init__(self, tmp_path: Path, *args, name: str = "held"):
        self.fifo = tmp_path / f"{name}.jsonl"
        os.mkfifo(self.fifo)
        self.done = threading.Event()
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.feeder.start()
        self.proc = popen("extract", self.fifo, "--format", "jsonl", *args)

    def _feed(self) -> None:
        try:
            with open(self.fifo, "w", encoding="utf-8") as f:
                f.writelines(json.dumps({**PAPERS[i % 2], "id": f"p{i}"}) + "\n" for i in range(50))
                f.flush()
                self.done.wait(60)
        except BrokenPipeError:
            pass

    def wait_for(self, path: Path, timeout: float = 60) -> None:
        started = time.monotonic()
        while not os.path.lexists(path):
            assert self.proc.poll() is None, self.proc.communicate()
            assert time.monotonic() - started < timeout, f"{path} never appeared"
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        self.done.set()
        _, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, err

    def stop(self) -> None:
        self.done.set()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.close(os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK))
        except OSError:
            pass
        self.feeder.join(5)


def _temps(directory: Path) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


@pytest.mark.parametrize("dataset", [False, True], ids=["file", "dataset"])
def test_a_signal_before_the_commit_replaces_nothing(tmp_path, good, dataset):
    """SIGINT and SIGTERM, each to its own run (both at once), while the runs read."""
    runs = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            out_dir = tmp_path / signum.name
            out_dir.mkdir()
            out = out_dir / ("ds" if dataset else "out.parquet")
            _old_pair(good, out, dataset)
            before = snapshot(out_dir)
            runs[signum] = (out_dir, before, _Held(tmp_path, "-o", f"{out}/" if dataset else out, name=signum.name))
        for signum, (out_dir, _, run) in runs.items():
            while len(_temps(out_dir)) < 2:  # both writers open: the run is past its start
                assert run.proc.poll() is None, run.proc.communicate()
                time.sleep(0.02)
            run.proc.send_signal(signum)
        errs = {signum: run.proc.communicate(timeout=60)[1] for signum, (_, _, run) in runs.items()}
    finally:
        for _, _, run in runs.values():
            run.stop()
    for signum, code, last in [(signal.SIGINT, 130, "lbx: interrupted"), (signal.SIGTERM, 143, "lbx: terminated")]:
        out_dir, before, run = runs[signum]
        assert run.proc.returncode == code and errs[signum].strip().splitlines()[-1] == last, errs[signum]
        assert snapshot(out_dir) == before  # the old pair, byte for byte, and no temporary or lock left


# --- SIGKILL: what it leaves, and who cleans it ------------------------------------------

@pytest.mark.parametrize("dataset", [False, True], ids=["file", "dataset"])
def test_sigkill_between_the_renames_is_finished_by_the_next_update(tmp_path, good, dataset):
    out = tmp_path / ("ds" if dataset else "out.parquet")
    target = f"{out}/" if dataset else out
    old = _old_pair(good, out, dataset)
    proc = popen("extract", good, "-o", target, **{PAUSE_ENV: "30"})
    try:
        _wait_for_first_rename(proc, out, Path(papers_path(str(out))))
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    new, papers = _pair(out)
    assert papers == old and new != old  # the mixed pair SIGKILL can leave
    res = here("extract", good, "--update", target)
    assert res.returncode == 0, res.stderr
    assert "finished the commit an earlier killed run left half done" in res.stderr
    assert "update: 2 papers unchanged (not extracted again), 0 extracted" in res.stderr  # no wrong skip, no redo
    after, papers = _pair(out)
    assert after == papers
    assert leftovers(tmp_path) == []


def test_a_mismatched_pair_without_its_temporary_is_said_and_re_extracted(tmp_path, good):
    out = tmp_path / "out.parquet"
    _old_pair(good, out, False)
    saved = Path(papers_path(str(out))).read_bytes()
    in_process("extract", good, "-o", out, "-q")
    Path(papers_path(str(out))).write_bytes(saved)  # an old papers table beside new results
    res = here("extract", good, "--update", out)
    assert res.returncode == 0, res.stderr
    assert "is not the papers table of" in res.stderr and "every paper in the input is extracted again" in res.stderr
    assert "2 extracted" in res.stderr
    assert _pair(out)[0] == _pair(out)[1]


def test_stale_temporaries_of_a_killed_run_are_removed_and_lookalikes_kept(tmp_path, good):
    out_dir = tmp_path / "o"
    out_dir.mkdir()
    out = out_dir / "out.parquet"
    run = _Held(tmp_path, "-o", out)
    try:
        while len(_temps(out_dir)) < 2:
            assert run.proc.poll() is None, run.proc.communicate()
            time.sleep(0.02)
        run.proc.kill()  # SIGKILL: no cleanup runs
        run.proc.wait()
    finally:
        run.stop()
    stale = _temps(out_dir)
    assert len(stale) == 2 and not out.exists()
    lookalikes = [".out.parquet.notes.tmp", "out.parquet.abcd1234.tmp", ".out.parquet.abcd1234.tmp.bak",
                  ".other.parquet.abcd1234.tmp", ".out.parquet.ABCD1234.tmp"]
    for name in lookalikes:
        (out_dir / name).write_text("not lbx's")
    (out_dir / ".out.parquet.zzzz9999.tmp").mkdir()  # lbx's name, but a directory holding something else
    (out_dir / ".out.parquet.zzzz9999.tmp" / "notes.txt").write_text("mine")
    res = here("extract", good, "-o", out)
    assert res.returncode == 0, res.stderr
    assert f"lbx: removed 2 stale temporary files from an earlier killed run beside {out}" in res.stderr.splitlines()
    names = set(os.listdir(out_dir))
    assert not names & set(stale)
    assert names == {"out.parquet", "out.papers.parquet", ".out.parquet.zzzz9999.tmp", *lookalikes}
    assert (out_dir / ".out.parquet.zzzz9999.tmp" / "notes.txt").read_text() == "mine"


def test_stale_dataset_temporary_directory_is_removed(tmp_path, good):
    out = tmp_path / "ds"
    _old_pair(good, out, True)
    stale = tmp_path / ".ds.abcd_123.tmp"  # what an exchange leaves when SIGKILL lands before its rmtree
    (stale / "year=2020").mkdir(parents=True)
    (stale / "year=2020" / "part-0.parquet").write_bytes(b"PAR1")
    res = here("extract", good, "-o", f"{out}/")
    assert res.returncode == 0 and "removed 1 stale temporary file " in res.stderr, res.stderr
    assert not stale.exists() and leftovers(tmp_path) == []


# --- 4. one writer at a time ----------------------------------------------------------------

def test_a_second_run_on_the_same_output_is_locked_out(tmp_path, good):
    """A real `--update` holds OUT; a second real `--update`, and a plain `-o`
    (in this process, to save an interpreter), are refused while it runs."""
    out = tmp_path / "out.parquet"
    lock = Path(lock_path_for(str(out)))
    first = _Held(tmp_path, "--update", out)
    try:
        first.wait_for(lock)
        for res in (lbx("extract", good, "--update", out), here("extract", good, "-o", out)):
            line = one_error(res, str(out))
            assert line == f"lbx: error: {out}: another lbx run is writing or updating this output (lock {lock})"
        assert first.proc.poll() is None
        code, err = first.finish()
    finally:
        first.stop()
    assert code == 0, err
    assert pq.read_table(out).num_rows > 0 and _pair(out)[0] == _pair(out)[1]
    assert not lock.exists() and leftovers(tmp_path) == []
    assert here("extract", good, "--update", out).returncode == 0  # free again


# --- 6. usage errors, not internal errors ------------------------------------------------------

@pytest.mark.parametrize("args,path", [(["-o", ""], "-o"), (["--update", ""], "--update")])
def test_an_empty_output_path_is_a_usage_error(good, args, path):
    res = here("extract", good, *args)
    assert one_error(res, path).endswith("the output path is empty")


@pytest.mark.parametrize("content", [b"just some notes\n", b"", b"PAR1 not really"])
def test_update_of_a_file_that_is_not_parquet_is_a_usage_error(tmp_path, good, content):
    out = tmp_path / "notes.parquet"  # named as a table, but not one (an unknown extension is refused earlier)
    out.write_bytes(content)
    res = here("extract", good, "--update", out)
    assert "is not a Parquet table" in one_error(res, str(out))
    assert out.read_bytes() == content and leftovers(tmp_path) == []
