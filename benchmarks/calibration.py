"""Fit the confidence model on gold, and print how well `confidence` is calibrated.

A row is right when it matches a gold result at the full level of `lbx eval`
(value, kind, metric, dataset, method; the same greedy matching). The script
extracts the inputs with the built-in rules (the rows `lbx extract` writes,
plus the engine's notes on how each field was found, which the table does not
keep), labels each row right or wrong, fits the logistic model of
`extractor/confidence.py` on the fit sets and prints, for every set, the rows
and the fraction right per confidence band and above each threshold, and the
Brier score of the pattern's confidence (before) and of the model (after).

    .venv/bin/python benchmarks/calibration.py            # fit on all dev gold there is, print the tables
    .venv/bin/python benchmarks/calibration.py --write    # ... and write extractor/rules/confidence.yaml
    .venv/bin/python benchmarks/calibration.py --fit seeds --eval D4   # fit on the seeds, score D4 held out

The seeds (data/sample, data/gold/gold_D1-D3) are in the repository; D4
(../shared/corpus/iclr2021_dev.jsonl, ../shared/gold/gold_D4.jsonl) is used
when ../shared is there. Sets in the fit are scored out of fold (each paper by a
model fitted without it), so every table is of rows the model did not see.
Rerun with --write whenever the attach notes or the rules change: the weights
belong to the engine that produced the rows.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import sys
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractor import evaluate  # noqa: E402
from extractor.confidence import WEIGHTS_FILE, ConfidenceModel, fit, load_model  # noqa: E402
from extractor.extract import explain_paper  # noqa: E402
from extractor.leaderboard import RANK_THRESHOLD  # noqa: E402
from extractor.rules.loader import load_rules  # noqa: E402
from extractor.sources import read_papers  # noqa: E402

SHARED = REPO.parent / "shared"
SETS = {
    "seeds": (sorted(str(p) for p in (REPO / "data" / "sample").glob("*.txt")),
              sorted(str(p) for p in (REPO / "data" / "gold").glob("gold_D[123].jsonl"))),
    "D4": ([str(SHARED / "corpus" / "iclr2021_dev.jsonl")], [str(SHARED / "gold" / "gold_D4.jsonl")]),
}
BANDS = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0)]
THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.9)
L2 = 2.0
FOLDS = 5  # rows of a set the model is fitted on are scored out of fold, grouped by paper


@dataclasses.dataclass
class Row:
    """One extracted row: its fields, the engine's raw pattern confidence, its label."""

    fields: dict
    pattern_confidence: float
    notes: list
    right: bool = False


def available(name: str) -> bool:
    inputs, gold = SETS[name]
    return all(Path(p).exists() for p in inputs + gold) and bool(inputs)


def extract_rows(inputs, rules) -> list[Row]:
    rows = []
    for path in inputs:
        for paper in read_papers(path):
            for e in explain_paper(paper, rules):
                if e.result is not None:
                    rows.append(Row(dataclasses.asdict(e.result), e.decision.confidence, list(e.notes)))
    return rows


def label(rows: list[Row], gold: list[dict]) -> int:
    """Mark each row right or wrong with evaluate.match at the full level; return
    the number of gold results worth ranking (scores with a dataset and a metric)."""
    by_title = defaultdict(list)
    for r in rows:
        by_title[evaluate.norm(r.fields["title"])].append(r)
    worthy_gold = 0
    for doc in gold:
        preds = by_title.get(evaluate.norm(doc["title"]), [])
        for gi, pi in evaluate.match(doc["results"], [p.fields for p in preds], evaluate.FIELDS["full"]):
            preds[pi].right = True
        worthy_gold += sum(1 for g in doc["results"]
                           if g.get("kind") == "score" and g.get("dataset") and g.get("metric"))
    return worthy_gold


def features(model: ConfidenceModel, r: Row) -> dict:
    f = r.fields
    return model.features(pattern_confidence=r.pattern_confidence, rule=f["rule"], kind=f["kind"],
                          unit=f["unit"], metric=f["metric"],
                          metric_in_lexicon=f["higher_is_better"] is not None or f["task"] is not None,
                          dataset=f["dataset"], method=f["method"], notes=r.notes, title=f["title"])


def fit_rows(model: ConfidenceModel, rows: list[Row], l2: float) -> dict:
    return fit([model.vector(features(model, r)) for r in rows], [int(r.right) for r in rows], model.names, l2=l2)


def out_of_fold(model: ConfidenceModel, rows: list[Row], l2: float) -> dict[int, float]:
    """Each row's probability from a model fitted without its paper's rows: the
    figure a table printed for a set in the fit would otherwise flatter."""
    fold = {id(r): int(hashlib.sha1(r.fields["paper_id"].encode()).hexdigest(), 16) % FOLDS for r in rows}
    probs = {}
    for k in range(FOLDS):
        part = ConfidenceModel(model.notes, fit_rows(model, [r for r in rows if fold[id(r)] != k], l2))
        probs.update({id(r): part.probability(features(part, r)) for r in rows if fold[id(r)] == k})
    return probs


def rankable_row(r: Row) -> bool:
    """What a leaderboard can rank: a score with a dataset and a metric."""
    return r.fields["kind"] == "score" and bool(r.fields["dataset"]) and bool(r.fields["metric"])


def board_lines(rows: list[Row], probs: list[float], worthy_gold: int) -> list[str]:
    """What the leaderboards make of the rows: over every benchmark of benchmarks(),
    the ranked rows, the fraction right, and the gold scores ranked and right."""
    if not rows:
        return []
    import pandas as pd

    from extractor.leaderboard import benchmarks, leaderboard

    df = pd.DataFrame([{**r.fields, "confidence": p, "notes": None} for r, p in zip(rows, probs)])
    right = {(r.fields["paper_id"], r.fields["start"]): r.right for r in rows}
    lines = ["", "| leaderboards | ranked rows | fraction right | gold scores ranked and right |",
             "| --- | --- | --- | --- |"]
    boards = benchmarks(df)
    settings = [("every plausible row", {"include_low_confidence": True})]
    settings += [(f"confidence >= {c}{' (default)' if c == RANK_THRESHOLD else ''}", {"threshold": c})
                 for c in sorted({*THRESHOLDS, RANK_THRESHOLD})]
    for label, kwargs in settings:
        ranked = [right[(p, s)] for d, m in zip(boards["dataset"], boards["metric"])
                  for p, s in zip(*leaderboard(df, d, m, **kwargs)[["paper_id", "start"]].T.values)]
        lines.append(f"| {label} | {len(ranked)} | {sum(ranked) / max(1, len(ranked)):.2f} "
                     f"| {sum(ranked)} / {worthy_gold} ({sum(ranked) / max(1, worthy_gold):.2f}) |")
    return lines


def fraction(rows: list[Row]) -> str:
    return f"{sum(r.right for r in rows) / len(rows):.2f}" if rows else "-"


def brier(probs, rows) -> float:
    return sum((p - r.right) ** 2 for p, r in zip(probs, rows)) / max(1, len(rows))


def table_lines(name: str, rows: list[Row], probs: list[float], worthy_gold: int) -> list[str]:
    """The calibration table of one set, as Markdown."""
    right = sum(r.right for r in rows)
    lines = [f"### {name}: {len(rows)} rows, {right} right ({right / max(1, len(rows)):.2f}); "
             f"{worthy_gold} gold scores with a dataset and a metric", "",
             "| confidence | rows | right | fraction right |", "| --- | --- | --- | --- |"]
    for lo, hi in BANDS:
        sel = [r for r, p in zip(rows, probs) if lo <= p < hi or (hi == 1.0 and p == 1.0)]
        frac = f"{sum(r.right for r in sel) / len(sel):.2f}" if sel else "-"
        lines.append(f"| [{lo:.1f}, {hi:.1f}{']' if hi == 1.0 else ')'} | {len(sel)} | "
                     f"{sum(r.right for r in sel)} | {frac} |")
    lines += ["", "| threshold | rows >= c | fraction right | rankable rows >= c | fraction right "
                  "| right ones / gold scores with dataset and metric |", "| --- | --- | --- | --- | --- | --- |"]
    for c in sorted({*THRESHOLDS, RANK_THRESHOLD}):
        sel = [r for r, p in zip(rows, probs) if p >= c]
        rankable = [r for r in sel if rankable_row(r)]
        kept = sum(r.right for r in rankable)
        lines.append(f"| >= {c}{' (leaderboard)' if c == RANK_THRESHOLD else ''} | {len(sel)} | {fraction(sel)} "
                     f"| {len(rankable)} | {fraction(rankable)} "
                     f"| {kept} / {worthy_gold} ({kept / max(1, worthy_gold):.2f}) |")
    lines += board_lines(rows, probs, worthy_gold)
    lines += ["", f"Brier score: pattern confidence {brier([r.pattern_confidence for r in rows], rows):.3f}, "
                  f"model {brier(probs, rows):.3f} (always {right / max(1, len(rows)):.2f}: "
                  f"{brier([right / max(1, len(rows))] * len(rows), rows):.3f})", ""]
    return lines


def write_weights(path: Path, model: ConfidenceModel, weights: dict, fit_sets: list[str], n: int, l2: float,
                  rules_hash: str) -> None:
    header = (
        "# confidence.yaml: the model behind the table's `confidence` column (extractor/confidence.py).\n"
        "#\n"
        "# confidence = 1 / (1 + exp(-sum(weight * feature))): the estimated chance that the row is right\n"
        "# in value, kind, metric, dataset and method (the full level of `lbx eval`). `notes` maps the\n"
        "# engine's notes (how each field was found; see extractor/attach/) to features by prefix, longest\n"
        "# first; a note no prefix matches is `note_other`; a feature named `-` is ignored.\n"
        "# Edit `notes` by hand; `weights` is written by the fit:\n"
        "#\n"
        f"#   .venv/bin/python benchmarks/calibration.py --fit {'+'.join(fit_sets)} --write\n"
        "#\n"
        f"# Fitted {datetime.date.today().isoformat()} on {'+'.join(fit_sets)} ({n} rows), L2 penalty {l2}, "
        f"rules hash {rules_hash};\n"
        "# logistic regression by Newton's method (extractor.confidence.fit). Refit whenever the notes or\n"
        "# the rules change.\n")
    notes = [{"prefix": p, "feature": f} for p, f in _raw_notes(path)]
    body = yaml.safe_dump({"notes": notes}, sort_keys=False, allow_unicode=True, width=200, default_flow_style=None)
    body += yaml.safe_dump({"weights": {k: weights[k] for k in model.names}}, sort_keys=False)
    path.write_text(header + body, encoding="utf-8")


def _raw_notes(path: Path) -> list[tuple[str, str]]:
    """The notes map as written (original case), from the file being replaced, else the built-in one."""
    source = path if path.exists() else WEIGHTS_FILE
    doc = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    return [(str(n["prefix"]), str(n["feature"])) for n in doc.get("notes", [])]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fit", help="sets to fit on, joined by +: seeds, D4 (default: every set there is)")
    ap.add_argument("--eval", default="+".join(SETS), help="sets to print, joined by + (default: all there are)")
    ap.add_argument("--l2", type=float, default=L2, help=f"L2 penalty (default {L2})")
    ap.add_argument("--write", action="store_true", help="write the fitted weights")
    ap.add_argument("--weights", type=Path, default=WEIGHTS_FILE, help="weights file to read notes from and write")
    args = ap.parse_args(argv)
    fit_sets = args.fit.split("+") if args.fit else [n for n in SETS if available(n)]
    for name in fit_sets:
        if name not in SETS:
            ap.error(f"unknown set {name!r} (expected {', '.join(SETS)})")
        if not available(name):
            ap.error(f"set {name} needs {', '.join(SETS[name][0] + SETS[name][1])}")
    rules = load_rules()
    model = load_model(args.weights if args.weights.exists() else WEIGHTS_FILE)
    data = {}
    shown = [n for n in args.eval.split("+") if n in SETS]
    for name in dict.fromkeys(fit_sets + shown):
        if not available(name):
            print(f"(set {name} skipped: {SETS[name][1][0]} not found)\n")
            continue
        rows = extract_rows(SETS[name][0], rules)
        worthy = label(rows, evaluate.load_gold(SETS[name][1]))
        data[name] = (rows, worthy)
    train = [r for name in fit_sets for r in data[name][0]]
    weights = fit_rows(model, train, args.l2)
    fitted = ConfidenceModel(model.notes, weights)
    held_out = out_of_fold(model, train, args.l2)
    print(f"fitted on {'+'.join(fit_sets)} ({len(train)} rows), L2 {args.l2}\n")
    print("| feature | weight |\n| --- | --- |")
    for n in fitted.names:
        print(f"| {n} | {weights[n]:+.3f} |")
    print()
    for name, (rows, worthy) in data.items():
        if name not in shown:
            continue
        if name in fit_sets:
            probs, tag = [held_out[id(r)] for r in rows], f"in the fit: {FOLDS}-fold out-of-fold by paper"
        else:
            probs, tag = [fitted.probability(features(fitted, r)) for r in rows], "held out"
        print("\n".join(table_lines(f"{name} ({tag})", rows, probs, worthy)))
    if args.write:
        write_weights(args.weights, fitted, weights, fit_sets, len(train), args.l2, rules.hash)
        print(f"wrote {args.weights}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
