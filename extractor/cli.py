"""The `lbx` command line: `lbx extract` and `lbx eval`.

This is the only module that prints. Everything it reports goes to stderr
(progress, summary, errors) except `lbx eval`'s table, which is the command's
output. Exit codes: 0 done, 1 internal error, 2 bad input or usage,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""
from __future__ import annotations

import os
import signal
import sys
import time
from typing import TYPE_CHECKING

import click

from extractor import __version__
from extractor.exits import CliError, Terminated, install_sigterm, report  # noqa: F401  (CliError, Terminated: part of this module's API)

if TYPE_CHECKING:
    from extractor.sources.errors import InputError

# Papers per batch (read, handed to a worker, written together): bounds memory
# whatever the input size; large enough that per-batch costs vanish.
BATCH_PAPERS = 1_000
# With --update, new rows are committed to a checkpoint every this many papers
# (what an interrupted update can lose).
CHECKPOINT_PAPERS = 20_000
# Skipped records shown one by one before they are only counted.
MAX_SKIP_WARNINGS = 10
FORMATS = ["daily", "jsonl", "json", "csv", "parquet"]


def _error(message: str) -> None:
    """A note on stderr (warnings, notes): one line, as every line lbx prints."""
    click.echo(" ".join(str(message).split("\n")), err=True)


class ByteSize(click.ParamType):
    """A size in bytes: 64MB, 512KiB, 1.5GB, 1000000 (as Dask spells them), as an int."""

    name = "size"
    _UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
              "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "k": 10**3, "m": 10**6, "g": 10**9}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        import re

        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(value))
        unit = m.group(2).lower() if m else None
        if m is None or unit not in self._UNITS or float(m.group(1)) * self._UNITS[unit] < 1:
            self.fail(f"{value!r} is not a size in bytes (such as 64MB, 512KiB or 1000000)", param, ctx)
        return int(float(m.group(1)) * self._UNITS[unit])


def full_short_help(command: click.Command) -> None:
    """Give `command` and its subcommands their whole first sentence as the line
    `--help` lists them with: click otherwise cuts it to the terminal's width
    with "...". A command that sets its own `short_help` keeps it."""
    if command.short_help is None and command.help:
        paragraph = command.help.split("\n\n")[0]
        text = " ".join(paragraph.split())
        import re

        end = re.search(r"(?<!\.)\.\s", text)  # a sentence's end, not the ellipsis of 'INPUT...'
        command.short_help = text if end is None else text[:end.start() + 1]
    for sub in getattr(command, "commands", {}).values():
        full_short_help(sub)


class LbxGroup(click.Group):
    """Runs a command and maps its outcome to one stderr line and an exit code
    (`extractor.exits.outcome`, the one place that does).

    Done here rather than in `main()` so that click's test runner, which calls
    this method, sees exactly what a user sees.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        previous = install_sigterm()
        error = None
        code = 0
        full_short_help(self)  # here: commands are registered by other modules after this group exists
        try:
            # click's own `main` minus its error handling (which prints in its own
            # style, and a blank line before an interrupt): all of that is `outcome`'s.
            args = sys.argv[1:] if args is None else list(args)
            with self.make_context(prog_name or "lbx", args, **extra) as ctx:
                rv = self.invoke(ctx)
            code = rv if isinstance(rv, int) else 0
        except BaseException as e:  # noqa: BLE001  (every outcome goes through one function)
            error = e
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        if error is not None:
            code = report(error)
        sys.exit(code)


@click.group(cls=LbxGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lbx", message="%(prog)s %(version)s")
def cli():
    """lbx, the leaderboard extractor: reported ML results from paper abstracts
    into a table (Parquet, CSV or JSON Lines), and a dashboard to rank them."""


def _rule_dirs(cli_dirs: tuple[str, ...]) -> list[str]:
    """LBX_RULES (os.pathsep-separated) first, then --rules, in the order given."""
    env_dirs = [d for d in os.environ.get("LBX_RULES", "").split(os.pathsep) if d]
    for d in env_dirs:
        if not os.path.exists(d):
            raise CliError(f"LBX_RULES: no such rule directory: {d}")
    return env_dirs + list(cli_dirs)


class _Progress:
    """A rich progress line on a terminal; does nothing otherwise."""

    def __init__(self, console, enabled: bool):
        self.enabled = enabled
        self.console = console
        self._bar = None
        self._task = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TextColumn("{task.completed:,} papers, {task.fields[results]:,} results"),
                                 TimeElapsedColumn(), console=self.console, transient=True,
                                 auto_refresh=False)  # no refresh thread: worker processes fork from here
            self._bar.__enter__()
            self._task = self._bar.add_task("", total=None, results=0)
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False

    def file(self, name: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=name, refresh=True)

    def update(self, papers: int, results: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=papers, results=results, refresh=True)


def _summary(stats, out: str, seconds: float, update: bool, figures: tuple[int, int] | None = None) -> list[str]:
    lines = [f"lbx: read {stats.papers_read:,} papers from {stats.files_read} of {stats.inputs} inputs"]
    if stats.skipped:
        reasons = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(stats.skipped.items()))
        lines.append(f"lbx: skipped {sum(stats.skipped.values()):,} papers ({reasons})")
    if stats.cut:
        reasons = "; ".join(f"{reason}: {n:,}" for reason, n in sorted(stats.cut.items()))
        n = sum(stats.cut.values())
        lines.append(f"lbx: read {n:,} {'abstract' if n == 1 else 'abstracts'} in part ({reasons})")
    if stats.files_skipped:
        lines.append(f"lbx: skipped {len(stats.files_skipped)} unreadable inputs ({'; '.join(stats.files_skipped)})")
    if update:
        lines.append(f"lbx: update: {stats.unchanged:,} papers unchanged (not extracted again), "
                     f"{stats.extracted:,} extracted ({stats.changed:,} of them changed: new abstract, rules or lbx version)"
                     + (f", {stats.resumed:,} taken over from an interrupted run" if stats.resumed else "")
                     + f"; kept {stats.kept_rows:,} rows from the previous table")
    lines.append(f"lbx: wrote {stats.written:,} results to {out} in {seconds:.1f} s")
    if figures is not None:
        with_results, benchmarks = figures
        lines.append(f"lbx: {with_results:,} papers with results, {benchmarks:,} benchmarks "
                     "(dataset and metric pairs with at least one score)")
    if out.endswith(".parquet"):
        lines.append(f"lbx: next: lbx dashboard {out}")
    else:  # the dashboard opens one Parquet file
        lines.append("lbx: next: lbx dashboard opens a .parquet file (lbx extract ... -o NAME.parquet, "
                     "then lbx dashboard NAME.parquet)")
    return lines


def _output_target(out: str | None, update: str | None) -> str:
    if out is None and update is None:
        raise click.UsageError("Missing option '-o' / '--output' (or --update OUT).")
    if out == "" or update == "":
        raise CliError(f"{'--update' if update == '' else '-o'}: the output path is empty")
    if out is not None and update is not None and out.rstrip("/" + os.sep) != update.rstrip("/" + os.sep):
        raise click.UsageError("--update OUT is both the table to update and the output: give -o the same path or drop it.")
    return update if update is not None else out


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", "out", metavar="OUT", help="File to write, its format by its extension: .parquet, "
              ".csv (spreadsheet-safe) or .jsonl; or, with a trailing slash, a Parquet dataset directory partitioned "
              "by year. Replaced atomically, with OUT's papers table (OUT.papers.parquet) beside it.")
@click.option("--update", metavar="OUT", help="Update the table OUT: skip papers it holds with the same abstract "
              "and rules, extract the rest; an interrupted update resumes.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Input format (default: guessed from each file).")
@click.option("--title-col", metavar="NAME", help="Column/key holding the title (csv, json, jsonl, parquet).")
@click.option("--abstract-col", metavar="NAME", help="Column/key holding the abstract.")
@click.option("--id-col", metavar="NAME", help="Column/key holding the paper id.")
@click.option("--date-col", metavar="NAME", help="Column/key holding the publication date.")
@click.option("--skip-bad", is_flag=True, help="Skip bad records and unreadable inputs, counting them, instead of stopping.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), metavar="DIR",
              help="Extra rule directory or file (repeatable; also LBX_RULES, os.pathsep-separated).")
@click.option("--checkpoint", "checkpoint_papers", type=click.IntRange(min=1), default=None, metavar="N",
              help=f"With --update: commit new rows every N papers, the most an interruption loses "
                   f"(default {CHECKPOINT_PAPERS:,}).")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes (default: all cores). The output is the same for any N.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              help="local (this machine) or dask (a Dask cluster; see --scheduler).")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: start a local cluster).")
@click.option("--blocksize", metavar="SIZE", type=ByteSize(), default="64MB", show_default=True,
              help="Dask engine: bytes of JSON Lines per partition.")
@click.option("--paper-timeout", type=click.FloatRange(min=0), default=10.0, show_default=True, metavar="SECONDS",
              help="Time budget per paper: a paper over it is skipped and counted (0: no budget).")
def extract(inputs, out, update, fmt, title_col, abstract_col, id_col, date_col, skip_bad, quiet, rule_dirs,
            checkpoint_papers, workers, engine, scheduler, blocksize, paper_timeout):
    """Extract every reported result from the abstracts in INPUT... into OUT."""
    from rich.console import Console

    from extractor.rules import loader
    from extractor.run.batches import NoInputRead, RunStats
    from extractor.run.local import Hooks, RunOptions, run_local
    from extractor.run.output import claim_output

    started = time.monotonic()
    out = _output_target(out, update)
    if engine != "dask" and scheduler is not None:
        raise click.UsageError("--scheduler needs --engine dask.")
    if engine == "dask" and update is not None:
        raise click.UsageError("--update runs on the local engine only.")
    if engine == "dask":
        import importlib.util

        if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
            raise CliError("--engine dask needs Dask: pip install 'lbx[dask]' (dask[dataframe] and distributed)")
    # Before any work: a bad -o should not cost a full run. Locks OUT until the command ends.
    claim = claim_output(out, update=update is not None)
    click.get_current_context().call_on_close(claim.release)
    for note in [] if quiet else claim.notes:
        _error(f"lbx: {note}")
    columns = {k: v for k, v in (("title", title_col), ("abstract", abstract_col),
                                 ("id", id_col), ("date", date_col)) if v} or None
    rule_dir_list = _rule_dirs(rule_dirs)
    try:
        rules = loader.load_rules(extra_dirs=rule_dir_list)
    except loader.RuleError as e:  # a user's rule pack is input too: say what to fix
        raise CliError(str(e)) from e
    console = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    stats = RunStats(inputs=len(inputs))

    def on_bad(err: InputError) -> None:
        stats.skipped[err.reason] += 1
        stats.bad_records += 1
        n = stats.bad_records
        if not quiet and n <= MAX_SKIP_WARNINGS:
            console.print(f"lbx: warning: skipped {err}")
            if n == MAX_SKIP_WARNINGS:
                console.print("lbx: warning: further skipped records are only counted")

    def on_file_error(err: InputError) -> None:
        if not quiet:
            console.print(f"lbx: warning: skipped input {err}")

    opts = RunOptions(inputs=list(inputs), out=out, fmt=fmt, columns=columns, rule_dirs=rule_dir_list,
                      workers=workers or 0, batch_papers=BATCH_PAPERS, update=update is not None,
                      checkpoint_papers=checkpoint_papers or CHECKPOINT_PAPERS, skip_bad=skip_bad,
                      paper_timeout=paper_timeout)
    try:
        with _Progress(console, enabled=not quiet and sys.stderr.isatty()) as progress:
            hooks = Hooks(on_bad=on_bad, on_file_error=on_file_error,
                          on_file=lambda path, i: progress.file(f"{os.path.basename(path)} ({i}/{len(inputs)})"),
                          on_progress=lambda st: progress.update(st.papers_read, st.results))
            if engine == "dask":
                from extractor.run.dask_engine import run_dask

                run_dask(opts, rules, stats, hooks, scheduler=scheduler, blocksize=blocksize)
            else:
                run_local(opts, rules, stats, hooks)
    except NoInputRead as e:
        if e.n_inputs == 1 and e.first is not None:
            raise e.first from None
        raise CliError(str(e)) from None
    if not quiet:
        from extractor.run.output import output_figures

        seconds = time.monotonic() - started
        for line in _summary(stats, out, seconds, update is not None, output_figures(claim.path)):
            console.print(line)


@cli.command("eval")
@click.argument("pred", metavar="PRED.parquet", type=click.Path(exists=True))
@click.argument("gold", nargs=-1, required=True, metavar="GOLD.jsonl...", type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", "n_errors", type=click.IntRange(min=0), default=0, metavar="N",
              help="Also list the first N missed and spurious results.")
@click.option("--json", "as_json", is_flag=True, help="Print the levels as JSON (as score.py --json).")
def eval_(pred, gold, n_errors, as_json):
    """Score a results table against gold JSONL files (same figures as score.py)."""
    from extractor import evaluate

    try:
        rows = evaluate.load_predictions(pred)
    except (OSError, ValueError) as e:
        raise CliError(f"{pred}: cannot read predictions: {e}") from e
    try:
        gold_docs = evaluate.load_gold(gold)
    except (OSError, ValueError) as e:
        raise CliError(f"cannot read gold: {e}") from e
    table, errors, unmatched = evaluate.score(rows, gold_docs)
    if as_json:
        click.echo(evaluate.report_json(table, unmatched))
        return
    for line in evaluate.report_lines(table, errors, unmatched, n_errors):
        click.echo(line)


from extractor.cli_rules import rules as _rules  # noqa: E402  (a group of its own module)

cli.add_command(_rules)
from extractor.cli_dashboard import dashboard as _dashboard  # noqa: E402

cli.add_command(_dashboard)
from extractor.cli_leaderboard import COMMANDS as _leaderboards  # noqa: E402  (lbx benchmarks / leaderboard / export)
[cli.add_command(c) for c in _leaderboards]


def main(argv=None):
    """Console-script entry point (`lbx`, `python -m extractor`)."""
    cli.main(args=argv, prog_name="lbx")


if __name__ == "__main__":
    main()
