"""Leaderboards outside the dashboard: on the terminal, and in files other tools read.

    lbx benchmarks RESULTS                         every board, most papers first
    lbx leaderboard RESULTS                        the board with most papers
    lbx leaderboard RESULTS --dataset CIFAR-10 --metric accuracy --setting "semi-supervised; 250 labels"
    lbx leaderboard RESULTS ... --format csv|json|markdown   (default: a table)
    lbx leaderboard RESULTS ... --all              rank anonymous references and low-confidence rows too
    lbx export RESULTS --format pwc -o evaluation-tables.json

RESULTS is what `lbx extract -o` wrote: a Parquet file or a dataset directory.
The ranking is `extractor.leaderboard`'s, with the rule packs of LBX_RULES and
--rules (a pack's benchmarks.yaml entries merge or split boards). CSV defuses
formulas (extractor/csv_safe.py); the table lists the rows kept out beneath.
"""
from __future__ import annotations

import json
import math
import os
import sys

import click

from extractor.exits import CliError

FORMATS = ["table", "csv", "json", "markdown"]
TABLE_COLUMNS = ["rank", "method", "value_text", "title", "published", "confidence", "url"]
FILE_COLUMNS = ["rank", "method", "value", "unit", "value_text", "value_norm", "title", "url", "paper_id",
                "published", "confidence", "role", "setting", "evidence", "note"]


def _prepare(results: str, rule_dirs: tuple[str, ...]):
    from extractor import leaderboard as lb
    from extractor.rules.loader import load_rules, rule_dirs_from_env

    if rule_dirs or rule_dirs_from_env():
        lb.use_rules(load_rules([*rule_dirs_from_env(), *rule_dirs]))
    try:
        return lb, lb.load_results(results)
    except lb.ResultsError as exc:
        raise CliError(str(exc)) from None


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]  # dates (read back as Timestamps) without a midnight
    if isinstance(v, float):
        return f"{v:.2f}" if v <= 1 else f"{v:g}"
    return " ".join(str(v).split())


def _markdown(df, columns) -> str:
    def esc(v):
        return _cell(v).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in df[columns].itertuples(index=False)]
    return "\n".join(lines)


def _records(df, columns) -> list[dict]:
    out = []
    for row in df[columns].itertuples(index=False):
        rec = {}
        for k, v in zip(columns, row):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                v = None
            elif hasattr(v, "isoformat"):
                v = v.isoformat()[:10]
            elif hasattr(v, "item"):
                v = v.item()
            rec[k] = v
        out.append(rec)
    return out


def _rich_table(df, columns, title: str, caption: str | None = None):
    from rich.table import Table

    table = Table(title=title, caption=caption, show_lines=False, title_justify="left")
    for c in columns:
        table.add_column(c, justify="right" if c in ("rank", "confidence", "value_text", "papers", "results",
                                                       "methods") else "left", overflow="fold")
    for row in df[columns].itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    return table


def _emit(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


rules_option = click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
                            metavar="DIR", help="Rule pack to load on top of the built-ins (repeatable).")
results_argument = click.argument("results", metavar="RESULTS", type=click.Path(exists=True))


@click.command("benchmarks")
@results_argument
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@rules_option
def benchmarks_command(results, fmt, rule_dirs):
    """List the benchmarks of RESULTS (dataset with split, metric, setting), most papers first."""
    lb, df = _prepare(results, rule_dirs)
    bench = lb.benchmarks(df)
    cols = ["dataset", "metric", "setting", "task", "papers", "methods", "results", "higher_is_better"]
    _write(bench, cols, fmt, f"{len(bench)} benchmarks in {results}")


def _write(df, cols, fmt: str, title: str, kept=None, kept_cols=None, meta: dict | None = None) -> None:
    """The rows in `fmt`; with `kept`, the rows kept out beneath (json: {board facts, rows, kept_out})."""
    from extractor.csv_safe import to_safe_csv

    if fmt == "csv":
        sys.stdout.buffer.write(to_safe_csv(df[cols]))
        sys.stdout.flush()
    elif fmt == "json":
        body = _records(df, cols) if kept is None else {**(meta or {}), "rows": _records(df, cols),
                                                          "kept_out": _records(kept, kept_cols)}
        _emit(json.dumps(body, ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        text = f"**{title}**\n\n" + _markdown(df, cols)
        if kept is not None and len(kept):
            text += "\n\nKept out of the ranking:\n\n" + _markdown(kept, kept_cols)
        _emit(text)
    else:
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
        console.print(_rich_table(df, cols, title))
        if kept is not None and len(kept):
            console.print(_rich_table(kept, kept_cols, f"{len(kept)} rows kept out of the ranking"))


@click.command("leaderboard")
@results_argument
@click.option("--dataset", metavar="D", help="Dataset (any name the benchmark file knows it by; default: the board with most papers).")
@click.option("--metric", metavar="M", help="Metric (default: the most covered one of the dataset).")
@click.option("--setting", metavar="S", default=None, help="Evaluation setting (default: none, the board of rows without one).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--all", "include_all", is_flag=True, help="Rank anonymous references and low-confidence rows too.")
@rules_option
def leaderboard_command(results, dataset, metric, setting, fmt, include_all, rule_dirs):
    """Print one leaderboard of RESULTS: rank, method, value, paper, date, confidence."""
    lb, df = _prepare(results, rule_dirs)
    bench = lb.benchmarks(df)
    if bench.empty:
        raise CliError(f"{results}: no benchmark: no score row names both a dataset and a metric")
    if dataset is None and metric is None and setting is None:
        choice = bench.iloc[0]
        dataset, metric, setting = choice["dataset"], choice["metric"], choice["setting"]
    else:
        if dataset is None:
            raise click.UsageError("--metric and --setting need --dataset")
        target = lb.identify(dataset, metric or "")
        same = bench[(bench["dataset"] == target.dataset)
                     & (bench["setting"].fillna("") == (setting or ""))]
        if metric is not None:
            same = same[same["metric"] == lb.metric_info(target.metric)[0]]
        if same.empty:
            shown = " · ".join(x for x in (dataset, metric, setting) if x)
            raise CliError(f"{results}: no benchmark {shown!r} (`lbx benchmarks {results}` lists them)")
        dataset, metric = same.iloc[0]["dataset"], same.iloc[0]["metric"]
        setting = same.iloc[0]["setting"]
    setting = None if setting is None or (isinstance(setting, float) and math.isnan(setting)) else setting
    ranked = lb.leaderboard(df, dataset, metric, setting=setting, include_all=include_all)
    kept = lb.flagged(df, dataset, metric, setting=setting, include_all=include_all)
    higher = bool(ranked["higher_is_better"].iloc[0]) if len(ranked) and ranked["higher_is_better"].notna().iloc[0] \
        else None
    direction = {True: "higher is better", False: "lower is better"}.get(higher, "direction unknown")
    title = f"{dataset} · {metric}" + (f" · {setting}" if setting else "") + f" ({len(ranked)} ranked, {direction})"
    meta = {"dataset": dataset, "metric": metric, "setting": setting, "higher_is_better": higher}
    cols = TABLE_COLUMNS + (["note"] if include_all else []) if fmt in ("table", "markdown") else FILE_COLUMNS
    kept_cols = ["reason", "method", "value_text", "title", "confidence"] if fmt in ("table", "markdown") else \
        [c for c in ["reason", *FILE_COLUMNS] if c in kept.columns and c not in ("rank", "value_norm", "note")]
    if fmt == "csv":
        _write(ranked, cols, fmt, title)
    else:
        _write(ranked, cols, fmt, title, kept=kept, kept_cols=kept_cols, meta=meta)


@click.command("export")
@results_argument
@click.option("--format", "fmt", type=click.Choice(["pwc"]), default="pwc", show_default=True,
              help="pwc: the structure of Papers with Code's evaluation-tables.json.")
@click.option("-o", "--output", "out", metavar="FILE", default="-", show_default=True, help="File to write ('-': stdout).")
@click.option("--all", "include_all", is_flag=True, help="Export anonymous references and low-confidence rows too.")
@rules_option
def export_command(results, fmt, out, include_all, rule_dirs):
    """Export the ranked leaderboards of RESULTS (pwc: evaluation-tables.json)."""
    lb, df = _prepare(results, rule_dirs)
    text = json.dumps(lb.export_pwc(df, include_all=include_all), ensure_ascii=False, indent=1) + "\n"
    if out == "-":
        _emit(text)
        return
    if os.path.isdir(out):
        raise CliError(f"{out}: is a directory; give a file name such as evaluation-tables.json")
    tmp = os.path.join(os.path.dirname(os.path.abspath(out)), f".{os.path.basename(out)}.lbx-tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)  # a reader never sees half a file
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise CliError(f"{out}: cannot write ({exc.strerror or exc})") from None


COMMANDS = [benchmarks_command, leaderboard_command, export_command]
