"""Extracting batches of papers, in this process or in a pool of worker processes.

`Extractor.map(batches)` yields one `BatchOut` per batch, in input order, so the
rows a pool writes are exactly the rows, in exactly the order, of a serial run.

- `workers=1`: everything runs here; no process is started. Results stay
  `Result` objects until the writer turns them into Arrow.
- `workers>1`: a `ProcessPoolExecutor`. Each worker has the rules compiled once:
  on Linux the pool forks, and the workers share the parent's compiled rules
  (no start-up cost, pages shared copy-on-write); elsewhere it spawns, and the
  initializer loads the rules once per worker. Everything a worker runs is
  importable and picklable, so both start methods work (the tests run both).
  The parent has no Python thread when it forks (the progress bar refreshes
  from the main thread), which is what makes forking safe.
- A batch goes out as tuples of strings and comes back as one Arrow table
  (built in the worker, so that work is parallel too) plus a result count per
  paper. At most `2 * workers` batches are in flight, so neither a fast reader
  nor a slow writer piles batches up in memory. The pool starts only when the
  input holds more than one batch: a small input never pays for processes.
- Workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group)
  and take SIGTERM's default; the parent, interrupted, terminates them and
  re-raises.
- Workers die with their parent, even when it is SIGKILLed and cannot terminate
  them: a pool worker blocks reading its task queue, whose write end it holds
  itself, so it would otherwise wait forever (see `_die_with_parent`).
- Every paper runs within the time budget (`paper_timeout`, see `budget.py`)
  and the guard (`guard.py`); a paper over the budget, or whose regex timed
  out, is left out of the batch (no rows, no papers-table row, so a later
  --update tries it again) and counted by reason in `BatchOut.skipped`. A paper
  whose abstract was read only in part (too long, too many numbers) keeps its
  rows and is counted by reason in `BatchOut.cut`.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import wait
from contextlib import contextmanager
from dataclasses import dataclass

import pyarrow as pa

from extractor.exits import Terminated
from extractor.result import Result
from extractor.run.batches import PaperBatch, PaperRow, to_paper
from extractor.run.budget import alarm_handler, extract_within

_RULES = None  # the worker process's rules: inherited through fork, or loaded by `_init_worker`
# "fork" where the platform offers it (fast start, shared rules), else "spawn";
# None picks. Tests set it to check both.
START_METHOD: str | None = None
WAIT_SLICE_SECONDS = 0.2  # how long the main thread waits on a batch before it looks at signals again


@dataclass
class BatchOut:
    batch: PaperBatch
    counts: list[int]  # results per paper, in batch order
    results: list[Result] | None = None  # serial path
    table: pa.Table | None = None  # pool path: rows already in SCHEMA
    skipped: Counter | None = None  # papers of the input batch left out of `batch`, by reason
    cut: Counter | None = None  # papers of `batch` whose abstract was read in part, by reason

    @property
    def n_results(self) -> int:
        return sum(self.counts)


def default_workers() -> int:
    """All the cores this process may use (affinity and cgroup cpusets respected)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    import multiprocessing

    if START_METHOD is not None:
        return START_METHOD
    return "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux" else "spawn"


def _init_worker(rule_dirs: Sequence[str], rules_hash: str, parent_pid: int | None = None) -> None:
    global _RULES
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    arrow_without_pandas()
    if _RULES is not None and _RULES.hash == rules_hash:
        return  # forked: the parent's compiled rules are already here
    from extractor.rules.loader import load_rules

    _RULES = load_rules(extra_dirs=list(rule_dirs))
    if _RULES.hash != rules_hash:  # a rule file changed under the run: do not mix two rule sets
        raise RuntimeError(f"rules changed during the run (hash {_RULES.hash}, expected {rules_hash})")


class _NoPandas:
    """A finder that says pandas is not installed (see `arrow_without_pandas`)."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("pandas is kept out of lbx's worker processes", name=name)
        return None


def arrow_without_pandas() -> None:
    """Have pyarrow take pandas as absent in this process, for good.

    pyarrow imports pandas the first time it builds an array (to recognise pandas
    inputs), and keeps the answer. A worker builds Arrow tables from plain lists
    and never meets a DataFrame, so pandas would only cost it ~50 MB of its own
    (the parent imports it after the fork, so nothing is shared). Here pyarrow's
    first look is answered "not installed". Only for worker processes: a process
    that later wants `Table.to_pandas()` must not call this. A no-op where pandas
    is already imported (inherited through fork, say)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([0])  # pyarrow's one look for pandas, answered now
    finally:
        sys.meta_path.remove(finder)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this worker when its parent dies (Linux), else poll for it.

    On Linux, prctl(PR_SET_PDEATHSIG) fires when the thread that started the
    worker ends; the pool starts workers from the parent's main thread (in
    `submit`), whose end is the process's end. The parent may have died before
    the prctl took effect, hence the getppid() check right after. Where prctl is
    missing, a daemon thread polls getppid() (a dead parent's children are
    re-parented, so it changes)."""
    armed = False
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="lbx-parent-watch", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    import time

    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _extract_all(rows: Sequence[PaperRow], rules, paper_timeout: float | None):
    """(results, count per kept paper, (index, reason) of each paper skipped,
    papers read in part by reason)."""
    results: list[Result] = []
    counts: list[int] = []
    skipped: list[tuple[int, str]] = []
    cut: Counter = Counter()
    with alarm_handler():
        for i, row in enumerate(rows):
            found, reason, part = extract_within(to_paper(row), rules, paper_timeout)
            if reason is not None:
                skipped.append((i, reason))
                continue
            if part is not None:
                cut[part] += 1
            counts.append(len(found))
            results.extend(found)
    return results, counts, skipped, cut


def _extract_rows(rows: list[PaperRow], paper_timeout: float | None = None):
    """Worker side: a batch of paper tuples -> (Arrow table of its results, count per kept paper,
    (index, reason) of each paper skipped, papers read in part by reason)."""
    from extractor.table import results_to_table

    results, counts, skipped, cut = _extract_all(rows, _RULES, paper_timeout)
    return results_to_table(results), counts, skipped, cut


def _out(batch: PaperBatch, counts: list[int], skipped: list[tuple[int, str]], cut: Counter, **rows) -> BatchOut:
    """The batch's output, the skipped papers left out of its batch (no rows, no papers-table row)."""
    cut = cut or None
    if not skipped:
        return BatchOut(batch, counts, cut=cut, **rows)
    dropped = {i for i, _ in skipped}
    kept = batch.subset([i not in dropped for i in range(len(batch))])
    return BatchOut(kept, counts, skipped=Counter(reason for _, reason in skipped), cut=cut, **rows)


class Extractor:
    def __init__(self, rules, rule_dirs: Sequence[str], workers: int, paper_timeout: float | None = None):
        self.rules = rules
        self.rule_dirs = [str(d) for d in rule_dirs]
        self.workers = max(1, workers)
        self.paper_timeout = paper_timeout
        self.pool = None

    def __enter__(self) -> "Extractor":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        pool, self.pool = self.pool, None
        if pool is None:
            return False
        if exc_type is None:
            pool.shutdown(wait=True)
        else:  # interrupted or failed: do not wait for batches nobody will write
            for proc in list(getattr(pool, "_processes", {}).values()):
                if proc.is_alive():
                    proc.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        return False

    def _serial(self, batch: PaperBatch) -> BatchOut:
        results, counts, skipped, cut = _extract_all(batch.rows, self.rules, self.paper_timeout)
        return _out(batch, counts, skipped, cut, results=results)

    def _start_pool(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _RULES
        method = start_method()
        if method == "fork":
            _RULES = self.rules  # what the forked workers find
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context(method),
                                        initializer=_init_worker, initargs=(self.rule_dirs, self.rules.hash, os.getpid()))

    def _submit(self, batch: PaperBatch):
        # submit() may start worker processes and the pool's threads: a signal that
        # raised in there could leave the pool half made (a thread created, not yet
        # started, that shutdown() then cannot join). So SIGINT and SIGTERM are
        # recorded during the call and acted on right after it.
        with _signals_recorded(starting=len(getattr(self.pool, "_processes", ())) < self.workers) as held:
            future = self.pool.submit(_extract_rows, batch.rows, self.paper_timeout)
        if held:
            raise KeyboardInterrupt() if held[0] == signal.SIGINT else Terminated()
        return future

    def map(self, batches: Iterable[PaperBatch]) -> Iterator[BatchOut]:
        it = iter(batches)
        if self.workers == 1:
            for batch in it:
                yield self._serial(batch)
            return
        first = next(it, None)
        if first is None:
            return
        second = next(it, None)
        if second is None:  # one batch: not worth starting processes
            yield self._serial(first)
            return
        self._start_pool()
        in_flight: deque = deque()
        for batch in _chain(first, second, it):
            in_flight.append((batch, self._submit(batch)))
            # Hand on what is done before reading on: a slow input (a pipe) does
            # not hold finished batches back from the writer.
            while in_flight and (len(in_flight) >= 2 * self.workers or in_flight[0][1].done()):
                yield self._collect(*in_flight.popleft())
        while in_flight:
            yield self._collect(*in_flight.popleft())

    def _collect(self, batch: PaperBatch, future) -> BatchOut:
        # Waited for in short slices: a signal the kernel hands to one of the pool's
        # threads does not wake this one from a plain wait, and Python runs its
        # handler only here, in the main thread, once awake.
        while not wait([future], timeout=WAIT_SLICE_SECONDS).done:
            pass
        table, counts, skipped, cut = future.result()
        return _out(batch, counts, skipped, cut, table=table)


def _chain(first, second, rest):
    yield first
    yield second
    yield from rest


@contextmanager
def _signals_recorded(starting: bool):
    """SIGINT and SIGTERM recorded, not acted on, inside the block (in the main
    thread; elsewhere signals cannot be set and none is delivered to Python code).

    Forked workers inherit the handlers, so a worker started inside the block
    records a signal harmlessly until `_init_worker` sets its own. Spawned workers
    inherit no Python handler, only SIG_IGN: while they start (`starting`), SIGINT
    is ignored instead (a terminal's Ctrl-C reaches them too, and would print a
    traceback of theirs), and a Ctrl-C in that window, one submit() long, is lost."""
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    record = lambda signum, _frame: held.append(signum)  # noqa: E731
    handlers = {signal.SIGINT: signal.SIG_IGN if starting and start_method() != "fork" else record,
                signal.SIGTERM: record}
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
