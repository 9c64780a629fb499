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

from extractor.result import Result

REGEX_TIMEOUT = "regex timeout"  # the reason a timed-out paper is counted under


def extract_guarded(paper, rules) -> tuple[list[Result], str | None]:
    """(results, None), or ([], the skip reason) when the paper cannot be extracted.

    `extract_paper` is looked up on each call, not imported once, so that tests
    may substitute the engine.
    """
    from extractor import extract as engine

    try:
        return engine.extract_paper(paper, rules), None
    except TimeoutError:  # a rule or grammar regex ran past its timeout on this text
        return [], REGEX_TIMEOUT
