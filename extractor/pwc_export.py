"""Leaderboards in the structure of Papers with Code's evaluation-tables dump.

Papers with Code published its leaderboards as `evaluation-tables.json`; the
tools built around it (paperswithcode/sota-extractor's TaskDB, AxCell's
evaluation, many notebooks) read that structure. `export_pwc` writes lbx's
ranked boards in it, so those tools read lbx output unchanged:

    [{"task": "image classification", "description": "", "categories": [],
      "datasets": [{"dataset": "CIFAR-10", "description": "", "subdatasets": [],
                    "dataset_links": [], "dataset_citations": [],
                    "sota": {"metrics": ["accuracy"],
                             "rows": [{"model_name": "FooNet", "metrics": {"accuracy": "96.1%"},
                                       "paper_title": "...", "paper_url": "https://arxiv.org/abs/...",
                                       "paper_date": "2021-01-12", "code_links": [], "model_links": [],
                                       "uses_additional_data": false}]}}],
      "subtasks": [], "synonyms": [], "source_link": null}]

Mapping: one task per benchmark task; one dataset entry per (dataset with its
split, setting), named as Papers with Code named its setting-specific boards
("CIFAR-10 (semi-supervised; 250 labels)"); its `metrics` are the metrics
ranked on it, and each row is one (method, paper) with the value strings as
printed ("96.1%"). Only ranked rows are exported (the default board: no
implausible value, no anonymous reference, confidence >= RANK_THRESHOLD).
`uses_additional_data` is true for settings that name extra data or
pre-training on another set.
"""
from __future__ import annotations

import datetime as _dt

import pandas as pd

from extractor import leaderboard as lb

EXTRA_DATA_CUES = ("extra training data", "pre-trained on")
NO_TASK = "general"


def _date(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, (_dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    text = str(value)[:10]
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def export_pwc(df: pd.DataFrame, min_papers: int = 1, **board_options) -> list[dict]:
    """The ranked boards of `df` as a list of Papers with Code tasks (see the module
    docstring). `board_options` go to `leaderboard()` (include_all, threshold)."""
    bench = lb.benchmarks(df)
    bench = bench[bench["papers"] >= min_papers]
    tasks: dict[str, dict[str, dict]] = {}
    for b in bench.itertuples(index=False):
        ranked = lb.leaderboard(df, b.dataset, b.metric, setting=b.setting if isinstance(b.setting, str) else None,
                                **board_options)
        if ranked.empty:
            continue
        task = _text(b.task) or NO_TASK
        setting = b.setting if isinstance(b.setting, str) and b.setting else None
        name = b.dataset if setting is None else f"{b.dataset} ({setting})"
        entry = tasks.setdefault(task, {}).setdefault(name, {"metrics": [], "rows": {}, "extra": False})
        entry["extra"] = setting is not None and any(c in setting for c in EXTRA_DATA_CUES)
        if b.metric not in entry["metrics"]:
            entry["metrics"].append(b.metric)
        for r in ranked.itertuples(index=False):
            key = (r.method, r.paper_id)
            row = entry["rows"].setdefault(key, {
                "model_name": _text(r.method) or "(unnamed)", "metrics": {},
                "paper_title": _text(r.title), "paper_url": _text(r.url), "paper_date": _date(r.published),
                "code_links": [], "model_links": [], "uses_additional_data": entry["extra"],
            })
            row["metrics"][b.metric] = _text(r.value_text)
    out = []
    for task in sorted(tasks):
        datasets = []
        for name in sorted(tasks[task]):
            e = tasks[task][name]
            datasets.append({"dataset": name, "description": "", "subdatasets": [], "dataset_links": [],
                             "dataset_citations": [], "sota": {"metrics": e["metrics"], "rows": list(e["rows"].values())}})
        out.append({"task": task, "description": "", "categories": [], "datasets": datasets, "subtasks": [],
                    "synonyms": [], "source_link": None})
    return out
