"""One run's output: the results (any `targets.Target`: a Parquet, CSV or JSON
Lines file, or a dataset directory) and their papers table.

`Output` is what every engine writes through, so that the local engine, the
Dask engine and an incremental merge produce the same files with the same
schema, metadata and atomicity. It is a `Target` itself (the pair commits or
aborts as one), with `write_batch` for an extracted batch: its rows and papers.

The pair is committed as one unit. Both parts are written to temporary names
and made complete (flushed, closed, fsynced) first; any exception until then,
Ctrl-C included, deletes both and leaves what was at OUT untouched. Only then
come the two renames, results first, with SIGINT and SIGTERM held: a signal
that lands between them waits until both are done, and the run then ends as a
completed run (exit 0, its summary printed), because OUT holds the new pair.
A checkpoint of `--update` acts on the held signal right after its commit
instead, since the run has more to do. SIGKILL cannot be held: it can leave the
new results beside the old papers table. Both carry the same `lbx.created`
stamp, so the next run sees the mismatch and finishes the commit from the
papers temporary the killed run left complete (`recover_commit`).

A run claims OUT first (`claim_output`): checks the path, locks it
(`.NAME.lbx-lock` beside it, with filelock: a second run on the same OUT is
refused), finishes a half-done commit, and removes the temporaries a killed
run left. With the lock held, anything beside OUT named as lbx names its
temporaries is from a run that is no longer running.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from extractor.result import Result
from extractor.run.dataset import check_dataset_path, dataset_files, is_own_dataset
from extractor.run.papers import PAPERS_SCHEMA, papers_path, papers_table, stamp_of
from extractor.run.targets import ParquetFile, Target, check_output_path, is_dataset_path, open_target, output_format
from extractor.run.targets import fsync_dir as _fsync_dir
from extractor.table import OutputError

# The test hook for the commit window: seconds to sleep between the two renames.
PAUSE_ENV = "LBX_TEST_COMMIT_PAUSE"
LOCK_SUFFIX = ".lbx-lock"
WORK_SUFFIX = ".lbx-update"
# mkstemp / mkdtemp name: prefix, 8 characters of this alphabet, suffix.
_RANDOM = r"\.[a-z0-9_]{8}\.tmp"
_HELD = (signal.SIGINT, signal.SIGTERM)


def _beside(out: str, suffix: str) -> str:
    out = os.fspath(out).rstrip("/" + os.sep) or os.fspath(out)
    return os.path.join(os.path.dirname(os.path.abspath(out)), f".{os.path.basename(out)}{suffix}")


def work_dir_for(out: str) -> str:
    """Where `--update OUT` keeps its checkpoints."""
    return _beside(out, WORK_SUFFIX)


def lock_path_for(out: str) -> str:
    return _beside(out, LOCK_SUFFIX)


def check_output(out: str) -> str:
    """Check `-o OUT` before any work; returns the normalized path."""
    if os.fspath(out) == "":
        raise OutputError("''", "the output path is empty")
    if is_dataset_path(out):
        path = check_dataset_path(out)
    else:
        path = check_output_path(out)  # what is there first: '/dev/null' is a device before it is extension-less
        output_format(path)
    check_output_path(papers_path(path))
    return path


# -- the lock ---------------------------------------------------------------
# One FileLock per lock file in this process, so that the CLI's claim and the
# Output it then opens share it (filelock counts re-acquisitions).
_LOCKS: dict[str, FileLock] = {}
_LOCKS_GUARD = threading.Lock()


def lock_output(path: str) -> None:
    """Lock `path` for this process, or raise OutputError if another run holds it."""
    lock_file = lock_path_for(path)
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(lock_file, FileLock(lock_file, thread_local=False))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputError(path, f"another lbx run is writing or updating this output (lock {lock_file})") from None
    except OSError as e:
        raise OutputError(path, f"cannot create its lock file {lock_file}: {e.strerror}") from e


def unlock_output(path: str) -> None:
    """Undo one `lock_output`; the last one deletes the lock file, while still
    holding it (filelock notices a lock taken on a deleted file and retries)."""
    lock_file = lock_path_for(path)
    lock = _LOCKS.get(lock_file)
    if lock is None or not lock.is_locked:
        return
    if lock.lock_counter == 1:
        try:
            os.unlink(lock_file)
        except OSError:
            pass
    lock.release()


def _held_elsewhere(path: str) -> bool:
    """Is `path` locked by another run right now? (without leaving a lock file behind)"""
    if not os.path.exists(lock_path_for(path)):
        return False
    try:
        lock_output(path)
    except OutputError:
        return True
    unlock_output(path)
    return False


# -- what a killed run leaves -------------------------------------------------

def results_stamp(path: str) -> str | None:
    """The `lbx.created` stamp of the results at `path` (a file or a dataset directory)."""
    if os.path.isdir(path):
        files = dataset_files(path)
        return stamp_of(files[0]) if files else None
    return stamp_of(path) if os.path.isfile(path) else None


def _temporaries(path: str, dirs: bool) -> list[str]:
    """Names beside `path` that lbx's writers give their temporaries for it."""
    parent, base = os.path.split(os.path.abspath(path))
    pattern = re.compile(re.escape("." + base) + _RANDOM + (r"(\.old)?" if dirs else ""))
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    return [os.path.join(parent, n) for n in sorted(names) if pattern.fullmatch(n)]


def recover_commit(path: str) -> list[str]:
    """Finish a commit that SIGKILL cut between its two renames: the results at
    `path` are new, the papers table beside them old or missing, and the new one
    is still there, complete, under its temporary name. Returns what was done."""
    stamp = results_stamp(path)
    papers = papers_path(path)
    if stamp is None or (os.path.isfile(papers) and stamp_of(papers) == stamp):
        return []
    for tmp in _temporaries(papers, dirs=False):
        if not os.path.isfile(tmp) or os.path.islink(tmp) or stamp_of(tmp) != stamp:
            continue
        try:
            if pq.read_schema(tmp).names != PAPERS_SCHEMA.names:
                continue
            os.replace(tmp, papers)
        except (OSError, pa.ArrowException):
            continue
        _fsync_dir(os.path.dirname(os.path.abspath(papers)))
        return [f"finished the commit an earlier killed run left half done: {papers} now matches {path}"]
    return []


def remove_stale(path: str) -> int:
    """Delete the temporaries a killed run left beside `path` and its papers table;
    the caller holds `path`'s lock. Only lbx's own names are touched: regular
    files, and directories holding nothing but a dataset's layout. Returns how many."""
    candidates = [(t, True) for t in _temporaries(path, dirs=True)]
    papers = papers_path(path)
    if not _held_elsewhere(papers):  # someone's -o X.papers.parquet names its temporaries alike
        candidates += [(t, False) for t in _temporaries(papers, dirs=False)]
    removed = 0
    for tmp, dir_ok in candidates:
        try:
            if os.path.islink(tmp):
                continue
            if os.path.isfile(tmp):
                os.unlink(tmp)
            elif dir_ok and os.path.isdir(tmp) and is_own_dataset(tmp):
                shutil.rmtree(tmp)
            else:
                continue
        except OSError:
            continue
        removed += 1
    return removed


@dataclass
class OutputClaim:
    """OUT checked and locked for this run, with what was found and cleaned there."""

    path: str
    notes: list[str] = field(default_factory=list)

    def release(self) -> None:
        unlock_output(self.path)


def claim_output(out: str, *, update: bool = False) -> OutputClaim:
    """Check, lock and clean OUT before any work; `release()` when the run is over."""
    path = check_output(out)
    lock_output(path)
    try:
        claim = OutputClaim(path, recover_commit(path))
        n = remove_stale(path)
        if n:
            claim.notes.append(f"removed {n} stale temporary file{'s' if n != 1 else ''} from an earlier "
                               f"killed run beside {path}")
        stamp = results_stamp(path) if update else None
        papers = papers_path(path)
        if stamp is not None and not (os.path.isfile(papers) and stamp_of(papers) == stamp):
            claim.notes.append(f"warning: {papers} is missing or is not the papers table of {path} (a run "
                               "killed between its two renames, or a file moved by hand): every paper in the "
                               "input is extracted again")
    except BaseException:
        unlock_output(path)
        raise
    return claim


# -- the writer ----------------------------------------------------------------

@contextmanager
def _signals_held() -> Iterator[list[int]]:
    """SIGINT and SIGTERM recorded, not acted on, inside the block. A Python-level
    handler rather than a blocked signal mask: the mask is per thread, and a signal
    sent to the process may go to any thread (the worker pool has some)."""
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = {}
    try:
        for signum in _HELD:
            previous[signum] = signal.signal(signum, lambda s, _frame: held.append(s))
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _test_pause() -> None:
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        time.sleep(float(pause))


class Output(Target):
    """The results and papers targets of one run, committed together.

    `checkpoint=True` is a `--update` checkpoint inside the work directory: not
    locked on its own (OUT's lock covers it), and a signal held during its commit
    is acted on right after it."""

    def __init__(self, out: str, *, rules_hash: str, inputs: Sequence[str] = (), checkpoint: bool = False):
        self.format = output_format(out)
        self.dataset = self.format == "dataset"
        self.checkpoint = checkpoint
        self.rules_hash = rules_hash
        # To the microsecond: both parts carry it, and it is what pairs them (papers.stamp_of).
        self.created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        kw = dict(rules_hash=rules_hash, inputs=inputs, created=self.created)
        self.results = open_target(out, **kw)
        self.path = self.results.path
        self.papers = ParquetFile(papers_path(self.path), schema=PAPERS_SCHEMA, **kw)
        self.held_signals: list[int] = []  # signals that arrived during the commit
        self._locked = False

    @property
    def rows_written(self) -> int:
        return self.results.rows_written

    def __enter__(self) -> "Output":
        if not self.checkpoint:
            lock_output(self.path)
            self._locked = True
        try:
            self.papers.__enter__()
            try:
                self.results.__enter__()
            except BaseException as e:
                self.papers.__exit__(type(e), e, e.__traceback__)
                raise
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is not None:
                self._abort()
                return False
            self._commit()
        finally:
            self._unlock()
        if self.held_signals and self.checkpoint:
            signal.raise_signal(self.held_signals[0])
        return False

    def _commit(self) -> None:
        try:
            self.results._prepare()
            self.papers._prepare()
        except BaseException:
            self._abort()
            raise
        with _signals_held() as held:
            try:
                self.results._publish()
                if not self.checkpoint:
                    _test_pause()
                self.papers._publish()
            except BaseException:
                self._abort()
                raise
            self.results._finish()
            self.papers._finish()
            if not self.checkpoint:  # its checkpoints were made against the OUT just replaced
                shutil.rmtree(work_dir_for(self.path), ignore_errors=True)
            self._unlock()  # still inside: a signal now must not report a finished commit as interrupted
        self.held_signals = held

    def _abort(self) -> None:
        for part in (self.results, self.papers):
            try:
                part._abort()
            except Exception:
                pass

    def _unlock(self) -> None:
        if self._locked:
            self._locked = False
            unlock_output(self.path)

    def write(self, results: Iterable[Result]) -> int:
        """Result objects (the serial path, which builds no Arrow table of its own)."""
        return self.results.write(results)

    def write_arrow(self, table: pa.Table) -> int:
        return self.results.write_arrow(table)

    def write_papers(self, table: pa.Table) -> None:
        self.papers.write_arrow(table)

    def write_batch(self, out) -> int:
        """One extracted batch (`workers.BatchOut`): its rows, and a papers row for
        each of its papers, results or not; returns the row count."""
        n = self.write(out.results) if out.results is not None else self.write_arrow(out.table)
        rows = out.batch.rows
        self.write_papers(papers_table(out.batch.ids, out.batch.sha1s, self.rules_hash, out.counts,
                                       [r[2] for r in rows]))
        return n


# -- what a finished run holds ---------------------------------------------------

def output_figures(path: str) -> tuple[int, int]:
    """(papers with at least one result, benchmarks) of the output at `path`, for
    the closing summary: the first from its papers table (always Parquet), the
    second the distinct (dataset, metric) pairs with at least one score, read back
    from the results (three columns only) in whatever format they were written."""
    n_results = pq.read_table(papers_path(path), columns=["n_results"]).column(0)
    with_results = int(pc.sum(pc.greater(n_results, 0)).as_py() or 0)
    columns = ["dataset", "metric", "kind"]
    fmt = output_format(path)
    if fmt in ("parquet", "dataset"):
        table = pq.read_table(path, columns=columns)
    elif fmt == "csv":
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=columns,
                                                                          strings_can_be_null=True))
    else:
        import pyarrow.json as pajson

        table = pajson.read_json(path).select(columns) if os.path.getsize(path) else pa.table(
            {c: pa.array([], pa.string()) for c in columns})
    scores = table.filter(pc.equal(table.column("kind"), "score")).drop_null()
    benchmarks = scores.group_by(["dataset", "metric"]).aggregate([]).num_rows if scores.num_rows else 0
    return with_results, benchmarks
