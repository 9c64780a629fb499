"""`lbx rules`: the rule author's tools.

    lbx rules list [--section S]        what is loaded, and from which file
    lbx rules check [DIR...]            run the examples (of DIR's files, or of all)
    lbx rules explain "SENTENCE"        what the rules make of every number
    lbx rules explain --paper ID INPUT  the same for one paper of an input file
    lbx rules schema                    the rule-file format, one table per kind

Rule text is a user's data: everything printed from it has its control
characters escaped, so no id, alias or cue can forge or split an output line.
"""
from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extractor.exits import CliError
from extractor.rules.loader import RuleError, load_rules, rule_dirs_from_env
from extractor.rules.safe_regex import has_control


def _load(extra: tuple[str, ...]):
    try:
        return load_rules([*rule_dirs_from_env(), *extra])
    except RuleError as exc:  # a rule pack is the user's to fix: "lbx: error: FILE:LINE: ...", exit 2
        raise CliError(str(exc)) from None


def _safe(value) -> str:
    """Rule text as printed: control, line-break and bidi characters escaped."""
    text = str(value)
    return text.encode("unicode_escape").decode("ascii") if has_control(text) else text


def _short(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


@click.group()
def rules():
    """List, check and explain extraction rules."""


@rules.command("list")
@click.option("--section", type=click.Choice(["metrics", "datasets", "units", "accept", "exclude"]),
              help="Only this kind of rule.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), metavar="DIR",
              help="Extra rule directory or file (repeatable; also LBX_RULES).")
def list_(section, rule_dirs):
    """Every loaded rule with the file it comes from."""
    rs = _load(rule_dirs)
    plain = not Console().is_terminal  # piped: one tab-separated line per rule, for grep and cut
    table = Table("section", "id", "name / kind", "aliases / cue", "file")
    for sec in ("metrics", "datasets", "units", "exclude", "accept"):
        if section and sec != section:
            continue
        for item in rs.raw.get(sec, []):
            if sec in ("metrics", "datasets"):
                what = item.get("name", "")
                cue = ", ".join(map(str, (item.get("aliases") or []) + (item.get("symbols") or [])))[:60]
            elif sec == "units":
                what, cue = item.get("symbol", ""), item.get("family", "")
            else:
                what = item.get("kind") or "exclude"
                cue = (item.get("why") or item.get("left") or item.get("right") or item.get("near") or "")[:60]
            where = f"{_short(item.get('__source__', ''))}:{item.get('__line__', '')}"
            fields = [_safe(v) for v in (sec, item["id"], what, cue, where)]
            if plain:
                click.echo("\t".join(fields))
            else:
                table.add_row(*map(escape, fields))
    if not plain:
        Console().print(table)


@rules.command()
@click.argument("dirs", nargs=-1, type=click.Path(exists=True))
@click.option("--all", "show_all", is_flag=True, help="Show passing examples too.")
def check(dirs, show_all):
    """Load the rules (plus DIRS) and run their examples; exit 1 if any fails.

    With DIRS, only the examples of the files in DIRS are run (against the built-in
    rules plus DIRS, as `lbx extract --rules` would use them)."""
    from extractor.rules.check import run_checks

    rs = _load(dirs)
    only = None
    if dirs:
        only = [Path(p) for d in dirs for p in ([Path(d)] if Path(d).is_file() else sorted(Path(d).glob("*.y*ml")))]
    outcomes = list(run_checks(rs, only))
    failed = [o for o in outcomes if not o.ok]
    table = Table("result", "rule", "example", "detail", "file")
    for o in outcomes:
        if o.ok and not show_all:
            continue
        table.add_row("[green]pass[/]" if o.ok else "[red]FAIL[/]", escape(_safe(o.rule_id)),
                      escape(_safe(o.example[:70])), escape(_safe(o.failure or "")),
                      escape(_safe(f"{_short(o.source)}:{o.line}")))
    console = Console()
    if table.rows:
        console.print(table)
    rule_ids = {(o.section, o.rule_id) for o in outcomes}
    console.print(f"{len(rule_ids)} rules, {len(outcomes)} examples: "
                  f"{len(outcomes) - len(failed)} pass, {len(failed)} fail")
    raise SystemExit(1 if failed else 0)


@rules.command()
@click.argument("sentence", required=False)
@click.option("--paper", "paper_id", help="Explain the paper with this paper_id (needs INPUT).")
@click.option("--input", "input_path", type=click.Path(), help="Input file holding the paper.")
@click.option("--title", default="Example", help="Title to use with SENTENCE (method names come from it).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True), metavar="DIR")
def explain(sentence, paper_id, input_path, title, rule_dirs):
    """For each number: the rules that fired or rejected it, and the record it became."""
    from extractor.extract import explain_paper
    from extractor.sources import read_papers
    from extractor.sources.paper import Paper

    rs = _load(rule_dirs)
    if paper_id:
        if not input_path:
            raise click.UsageError("--paper needs --input FILE")
        paper = next((p for p in read_papers(input_path) if p.paper_id == paper_id), None)
        if paper is None:
            raise click.ClickException(f"{input_path}: no paper with id {paper_id}")
    elif sentence:
        paper = Paper("explain", title, sentence, "explain")
    else:
        raise click.UsageError("give a SENTENCE or --paper ID --input FILE")
    console = Console(highlight=False)
    console.print(f"[bold]{escape(paper.title)}[/]")
    items = explain_paper(paper, rs)
    if not items:
        console.print("no numbers found")
    for e in items:
        m, d = e.mention, e.decision
        verdict = f"[green]result[/] ({d.kind}, rule {d.rule})" if d.accepted else \
            f"[red]not a result[/] (rule {d.rule}: {escape(d.reason)})"
        console.print(f"\n[bold]{escape(m.text)}[/]  value={m.value:g} unit={m.unit}  {verdict}")
        for line in d.trail:
            console.print(f"    {escape(line)}")
        if e.result is not None:
            r = e.result
            console.print(f"    -> metric={r.metric!r} dataset={r.dataset!r} method={r.method!r} role={r.role} "
                          f"value_norm={r.value_norm} {r.unit_norm or ''} confidence={r.confidence}")
            console.print(f"       span {r.start}:{r.end} {escape(repr(r.value_text))}")
            printed = {"metric": r.metric_text, "dataset": r.dataset_text, "method": r.method_text}
            for i, why in enumerate(e.notes):  # [metric, dataset, method, then list pairings]
                field = ("metric", "dataset", "method")[i] if i < 3 else "list"
                words = f" (printed {printed[field]!r})" if field in printed and printed[field] else ""
                console.print(f"       {field}: {escape(why)}{escape(words)}")
            if r.setting:
                console.print(f"       setting: {escape(r.setting)}")


@rules.command()
def schema():
    """The rule-file format: for each kind of rule, its keys, types and limits
    (generated from the schema the loader validates with)."""
    from extractor.rules.schema import reference_tables

    click.echo(reference_tables())
