"""Scoring a results table against the gold abstracts (see data/gold/GUIDE.md).

This mirrors the team's scorer, /work/shared/gold/score.py, line for line in its
matching (greedy one-to-one per abstract, by normalized title), its string
normalization and alias groups, and its levels (value, kind, metric, dataset,
method, full), so that `lbx eval` and score.py print the same figures. Change
one only together with the other; tests/test_evaluate.py checks they agree.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import defaultdict
from typing import Iterable, Sequence

LEVELS = ["value", "kind", "metric", "dataset", "method", "full"]
FIELDS = {"value": [], "kind": ["kind"], "metric": ["metric"], "dataset": ["dataset"],
          "method": ["method"], "full": ["kind", "metric", "dataset", "method"]}

# Spellings that name the same thing; compared after normalization.
ALIASES = [
    {"wer", "worderrorrate"}, {"cer", "charactererrorrate"},
    {"acc", "accuracy"}, {"top1", "top1accuracy", "top1acc"}, {"top5", "top5accuracy"},
    {"ap", "averageprecision"}, {"map", "meanaverageprecision"},
    {"em", "exactmatch"}, {"f1", "f1score", "fscore", "f1measure"},
    {"fid", "frechetinceptiondistance", "fidscore"}, {"is", "inceptionscore"},
    {"speed", "speedup", "faster", "inferencespeed", "speedupfactor"},
    {"miou", "meaniou", "meanintersectionoverunion"},
    {"successrate", "success"}, {"errorrate", "error"},
    {"ours", "ourmethod", "ourapproach", "ourmodel", "proposedmethod"},
]
_ALIAS: dict[str, str] = {}
for _group in ALIASES:
    _key = sorted(_group)[0]
    for _name in _group:
        _ALIAS[_name] = _key


def norm(s) -> str | None:
    """Fold case, width and punctuation, then map an alias to its group's key."""
    if s is None:
        return None
    if isinstance(s, float) and s != s:  # NaN from pandas
        return None
    s = unicodedata.normalize("NFKC", str(s)).lower()
    s = re.sub(r"[^0-9a-z]+", "", s)
    if not s or s in ("none", "null", "nan"):
        return None
    return _ALIAS.get(s, s)


def field_ok(gold, pred) -> bool:
    """gold may be a value or a list of acceptable values."""
    options = gold if isinstance(gold, list) else [gold]
    p = norm(pred)
    for g in options:
        g = norm(g)
        if g == p:
            return True
        if g and p and min(len(g), len(p)) >= 3 and (g in p or p in g):
            return True
    return False


def value_ok(g, p) -> bool:
    try:
        return abs(float(g) - float(p)) < 1e-6 * max(1.0, abs(float(g)))
    except (TypeError, ValueError):
        return False


def load_predictions(path: str) -> list[dict]:
    """Rows of a Parquet table (file or dataset directory), CSV or JSONL, as dicts."""
    if path.endswith((".jsonl", ".json")):
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    elif path.endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    else:
        import pyarrow.parquet as pq
        rows = pq.read_table(path).to_pylist()
    missing = {"title", "value"} - set(rows[0]) if rows else set()
    if missing:
        raise ValueError(f"{path}: predictions lack columns {sorted(missing)}")
    return rows


def load_gold(paths: Iterable[str]) -> list[dict]:
    """One dict per gold abstract (id, title, results), from JSONL files in order."""
    gold = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    try:
                        gold.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise ValueError(f"{path}:{lineno}: malformed json: {e.msg}") from None
    return gold


def match(golds: Sequence[dict], preds: Sequence[dict], fields: Sequence[str]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching; returns (gold index, pred index) pairs."""
    used, hits = set(), []
    for gi, g in enumerate(golds):
        for pi, p in enumerate(preds):
            if pi in used or not value_ok(g["value"], p.get("value")):
                continue
            # a field matches on its canonical name or on the name as printed (`*_text`)
            if all(field_ok(g.get(f), p.get(f)) or
                   (norm(p.get(f + "_text")) is not None and field_ok(g.get(f), p.get(f + "_text")))
                   for f in fields):
                used.add(pi)
                hits.append((gi, pi))
                break
    return hits


def score(pred_rows: Iterable[dict], gold: Sequence[dict]):
    """Score predictions against gold.

    Returns (table, errors, unmatched_titles): table maps each level to precision,
    recall, f1 (rounded to 4 places) and tp/pred/gold counts; errors lists
    ("missed"|"spurious", gold id, evidence, value) at the value level;
    unmatched_titles counts predicted titles that match no gold abstract.
    """
    by_title = defaultdict(list)
    for r in pred_rows:
        by_title[norm(r.get("title"))].append(r)
    counts = {lv: [0, 0, 0] for lv in LEVELS}  # tp, n_pred, n_gold
    errors = []
    for doc in gold:
        preds = by_title.get(norm(doc["title"]), [])
        golds = doc["results"]
        for lv in LEVELS:
            hits = match(golds, preds, FIELDS[lv])
            c = counts[lv]
            c[0] += len(hits)
            c[1] += len(preds)
            c[2] += len(golds)
            if lv == "value":
                hit_g = {g for g, _ in hits}
                hit_p = {p for _, p in hits}
                for i, g in enumerate(golds):
                    if i not in hit_g:
                        errors.append(("missed", doc["id"], g.get("evidence"), g["value"]))
                for i, p in enumerate(preds):
                    if i not in hit_p:
                        errors.append(("spurious", doc["id"], p.get("evidence") or p.get("sentence"), p.get("value")))
    known = {norm(d["title"]) for d in gold}
    table = {}
    for lv, (tp, npred, ngold) in counts.items():
        prec = tp / npred if npred else 0.0
        rec = tp / ngold if ngold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        table[lv] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                     "tp": tp, "pred": npred, "gold": ngold}
    unmatched_titles = sum(1 for t in by_title if t not in known)
    return table, errors, unmatched_titles


def report_lines(table: dict, errors: Sequence[tuple], unmatched_titles: int, n_errors: int = 0) -> list[str]:
    """The lines score.py prints, so the CLI can print them unchanged."""
    lines = [f"{'level':8} {'P':>6} {'R':>6} {'F1':>6}   tp/pred/gold"]
    for lv, m in table.items():
        lines.append(f"{lv:8} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}   "
                     f"{m['tp']}/{m['pred']}/{m['gold']}")
    if unmatched_titles:
        lines.append(f"note: {unmatched_titles} predicted titles match no gold abstract")
    for e in errors[:n_errors]:
        lines.append(f"{e[0]:8} {e[1]} value={e[3]!r} :: {str(e[2])[:160]}")
    return lines


def report_json(table: dict, unmatched_titles: int) -> str:
    """The object score.py prints with --json."""
    return json.dumps({"levels": table, "titles_not_in_gold": unmatched_titles})
