"""The per-paper guard: one paper's extraction may fail; the run goes on.

The engine promises to stay linear and never to raise on any text, and every
regex it runs carries a timeout so that a pathological abstract cannot hang a
run. When such a timeout fires, the paper cannot be extracted, but nothing is
wrong with the run: the paper becomes a counted skip ("regex timeout" in the
closing summary) and the next paper starts clean (the engine keeps no
per-paper state). Any other exception is a bug in lbx and propagates, so it
ends the run as an internal error instead of silently dropping papers.

Every place that extracts papers calls `extract_guarded`: the serial path and
the pool workers (`run/workers.py`) and the Dask partitions
(`run/dask_engine.py`). A per-paper time budget wraps this call
(`run_within(seconds, extract_guarded, paper, rules)`), so one paper is both
timed and guarded the same way everywhere.
"""
from __future__ import annotations

from typing import NamedTuple

from extractor import extract as engine  # imported here, before any paper's time budget starts
from extractor.result import Result

REGEX_TIMEOUT = "regex timeout"  # the reason a timed-out paper is counted under


class Outcome(NamedTuple):
    """One paper's extraction as a run counts it."""

    results: list[Result]
    skipped: str | None = None  # why the paper was not extracted (a counted skip), or None
    cut: str | None = None  # why only part of its abstract was read (counted too), or None


def extract_guarded(paper, rules) -> Outcome:
    """The paper's results (and whether its abstract was read in part), or no results
    and the skip reason when the paper cannot be extracted.

    `read_paper` is looked up on the module on each call, so that tests may
    substitute the engine.
    """
    try:
        reading = engine.read_paper(paper, rules)
    except TimeoutError:  # a rule or grammar regex ran past its timeout on this text
        return Outcome([], REGEX_TIMEOUT)
    return Outcome(reading.results, cut=reading.cut)
