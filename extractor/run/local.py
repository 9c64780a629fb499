"""The local engine: read -> (filter) -> extract -> write, one bounded batch at a time.

Every stage is a generator pulling from the one before, and the pool keeps
at most `2 * workers` batches in flight, so at any moment the run holds a few
batches of papers and at most one row group per output file: memory does not
grow with the input. The rows come out in input order whatever the number of
workers (see `workers.py`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from extractor.run.batches import RunStats, read_batches
from extractor.run.budget import DEFAULT_SECONDS
from extractor.run.incremental import CHECKPOINT_PAPERS, Update, write_batch
from extractor.run.output import Output
from extractor.run.workers import Extractor, default_workers


@dataclass
class RunOptions:
    inputs: list[str]
    out: str
    fmt: str | None = None
    columns: dict | None = None
    rule_dirs: list[str] = field(default_factory=list)
    workers: int = 0  # 0: all cores
    batch_papers: int = 1000
    update: bool = False
    checkpoint_papers: int = CHECKPOINT_PAPERS
    skip_bad: bool = False
    paper_timeout: float | None = DEFAULT_SECONDS  # per paper; None or 0: no budget


@dataclass
class Hooks:
    """How a run reports as it goes (the CLI prints; library code never does)."""

    on_bad: Callable | None = None  # a skipped record (only with skip_bad)
    on_file_error: Callable | None = None  # a skipped input (only with skip_bad)
    on_file: Callable | None = None  # (path, index) as each input starts
    on_progress: Callable | None = None  # (stats) after each batch


def run_local(opts: RunOptions, rules, stats: RunStats, hooks: Hooks | None = None) -> str:
    """Extract `opts.inputs` into `opts.out`; returns the path written."""
    hooks = hooks or Hooks()
    batches = read_batches(opts.inputs, opts.fmt, opts.columns, stats=stats, batch_papers=opts.batch_papers,
                           on_bad=hooks.on_bad if opts.skip_bad else None,
                           on_file_error=hooks.on_file_error, on_file=hooks.on_file)
    workers = opts.workers or default_workers()
    with Extractor(rules, opts.rule_dirs, workers, opts.paper_timeout) as extractor:
        if not opts.update:
            with Output(opts.out, rules_hash=rules.hash, inputs=opts.inputs) as sink:
                _drain(extractor.map(batches), lambda out: write_batch(sink, out, rules.hash), stats, hooks)
            stats.written = sink.rows_written
            return sink.path
        update = Update(opts.out, rules.hash, opts.inputs, opts.checkpoint_papers)
        update.prepare(stats)
        with update.checkpoints() as sink:
            _drain(extractor.map(update.select(batches, stats)), sink.write, stats, hooks)
    sink = update.finish(stats)
    stats.written = sink.rows_written
    return sink.path


def _drain(outs, write: Callable, stats: RunStats, hooks: Hooks) -> None:
    for out in outs:
        stats.results += write(out)
        stats.extracted += len(out.batch)
        if out.skipped:
            stats.skipped.update(out.skipped)
        if out.cut:
            stats.cut.update(out.cut)
        if hooks.on_progress is not None:
            hooks.on_progress(stats)
