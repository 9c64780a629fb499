"""The per-paper time budget (`lbx extract --paper-timeout SECONDS`).

A paper that runs past its budget becomes a counted skip and the run goes on:
the engine is meant to be linear in the abstract, but one pathological abstract
(a 50 KB list of numbers, say) must not hold a million-paper run for minutes.
Every engine (serial, pool workers, Dask partitions) runs each paper through
`extract_within`: timed here, guarded by `guard.extract_guarded` (a regex
timeout is a skip too), so a skip is counted the same way everywhere.

How the budget interrupts a paper, and why this way:

- In the main thread of a process on a POSIX system (the serial path, and every
  pool worker, each its own process running tasks in its main thread): a
  one-shot `setitimer(ITIMER_REAL)` whose SIGALRM handler raises a private
  exception. It interrupts any Python code, and also a long `regex` match (the
  regex module checks for signals while it matches), with no thread to kill and
  no check for the engine to remember. It costs two system calls a paper.
  A cooperative deadline checked by the engine was the alternative: it cannot
  stop a single slow regex call or a quadratic loop nobody thought to check in.
- Elsewhere (a Dask worker runs tasks in a thread; Windows has no setitimer;
  an itimer someone else armed, such as pytest-timeout's): one watchdog thread
  per process that, when a deadline passes, raises the same exception in the
  paper's thread with `PyThreadState_SetAsyncExc`. It interrupts Python code
  between bytecodes, not inside one C call; every engine regex has its own
  timeout, so no C call runs long.

The private exception derives from BaseException so that no `except Exception`
in the engine swallows it, and `run_within` catches it around both the work and
the disarming, so a signal landing in the last bytecodes of a paper still ends
as `PaperOverBudget`, never as a stray exception. After an interrupt the paper's
partial results are dropped; the rules and the engine keep no per-paper state,
so the next paper starts clean.
"""
from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

DEFAULT_SECONDS = 10.0  # a real abstract takes milliseconds; the slowest of the sample well under 0.1 s


class PaperOverBudget(Exception):
    """A paper ran past its time budget: a counted skip, not an error."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(skip_reason(seconds))


def skip_reason(seconds: float) -> str:
    """The reason a skipped paper is counted under in the run's summary."""
    return f"over the {seconds:g} s time budget"


class _Expired(BaseException):
    """Raised into the paper's code when its budget is spent (never leaves `run_within`)."""


_alarm_armed = False  # main thread only: whether a SIGALRM now means "this paper is over budget"


def _on_alarm(signum, frame):
    if _alarm_armed:
        raise _Expired()


_HAS_ITIMER = hasattr(signal, "setitimer")


def _can_use_alarm() -> bool:
    return _HAS_ITIMER and threading.current_thread() is threading.main_thread()


def run_within(seconds: float | None, fn: Callable[..., T], *args) -> T:
    """`fn(*args)`, or raise `PaperOverBudget` once it has run `seconds` (None or 0: no budget)."""
    if not seconds or seconds <= 0:
        return fn(*args)
    if _can_use_alarm():
        return _with_alarm(seconds, fn, args)
    return _WATCHDOG.run(seconds, fn, args)


def extract_within(paper, rules, seconds: float | None):
    """One paper's `guard.Outcome`, timed here and guarded by `guard.extract_guarded`
    (over budget, like a regex timeout, is a skip). Every engine's per-paper step."""
    from extractor.run.guard import Outcome, extract_guarded

    try:
        return run_within(seconds, extract_guarded, paper, rules)
    except PaperOverBudget as e:
        return Outcome([], str(e))


@contextmanager
def alarm_handler():
    """Install the SIGALRM handler once for the papers run inside (a batch), not once a
    paper: `signal.signal` costs about 7 us, 2% of a paper. Restored on the way out."""
    global _handler_scopes
    if not _can_use_alarm():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _handler_scopes += 1
    try:
        yield
    finally:
        _handler_scopes -= 1
        signal.signal(signal.SIGALRM, previous)


_handler_scopes = 0  # open `alarm_handler()` scopes: the handler is already ours


def _with_alarm(seconds: float, fn, args):
    global _alarm_armed
    previous = signal.signal(signal.SIGALRM, _on_alarm) if not _handler_scopes else None
    try:
        try:
            _alarm_armed = True
            other = signal.setitimer(signal.ITIMER_REAL, seconds)
            if other[0] > 0:
                # Someone else's timer was armed (pytest-timeout's, say): give it back
                # (below) and time this paper with the watchdog instead.
                raise _TimerInUse(other)
            return fn(*args)
        finally:
            _alarm_armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            if previous is not None:
                signal.signal(signal.SIGALRM, previous)
    except _Expired:
        _alarm_armed = False  # the alarm fired inside the finally above: finish disarming
        signal.setitimer(signal.ITIMER_REAL, 0)
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)
        raise PaperOverBudget(seconds) from None
    except _TimerInUse as e:
        signal.setitimer(signal.ITIMER_REAL, *e.args[0])
        return _WATCHDOG.run(seconds, fn, args)


class _TimerInUse(Exception):
    """Raised before the paper starts: the process's ITIMER_REAL is someone else's."""


class _Watchdog:
    """One daemon thread per process, started on first use, timing one paper per thread.

    Starting and ending a paper take a lock and at most one notify; the thread
    wakes only at deadlines (and when it had nothing to time)."""

    def __init__(self):
        self._cv = threading.Condition()
        self._jobs: dict[int, tuple[float, object]] = {}  # thread id -> (deadline, token)
        self._thread: threading.Thread | None = None
        self._pid = None

    def run(self, seconds: float, fn, args):
        tid = threading.get_ident()
        token = object()
        try:
            try:
                with self._cv:
                    self._ensure_thread()
                    idle = not self._jobs
                    self._jobs[tid] = (time.monotonic() + seconds, token)
                    if idle:
                        self._cv.notify()
                return fn(*args)
            finally:
                with self._cv:
                    if self._jobs.get(tid, (0, None))[1] is token:
                        del self._jobs[tid]
        except _Expired:
            raise PaperOverBudget(seconds) from None

    def _ensure_thread(self) -> None:
        import os

        if self._thread is None or self._pid != os.getpid():  # none yet, or forked without it
            self._jobs.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._loop, name="lbx-paper-budget", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        with self._cv:
            while True:
                if not self._jobs:
                    self._cv.wait()
                    continue
                now = time.monotonic()
                tid, (deadline, _) = min(self._jobs.items(), key=lambda kv: kv[1][0])
                if deadline > now:
                    self._cv.wait(deadline - now)
                    continue
                # Under the lock: the paper's thread cannot be past its own clean-up,
                # so the exception lands inside run()'s try.
                del self._jobs[tid]
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(_Expired))


_WATCHDOG = _Watchdog()
