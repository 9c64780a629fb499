"""Leaderboards from a results table: usable from pandas, no Streamlit needed.

    df = load_results("results.parquet")
    benchmarks(df)                       # every (dataset, metric) with its coverage
    leaderboard(df, "LRS3", "word error rate")   # ranked, best score per method
    flagged(df, "LRS3", "word error rate")       # rows kept out of the ranking, and why

A benchmark is a dataset (with its split) and a metric; spellings that the
lexicons know as one thing are merged ("Top-1 accuracy", "top-1 acc"). Only
`score` rows are ranked: deltas and ratios are claims relative to something
else (`claims_for` lists them beside a paper's rank). The order follows the
metric's direction (lower is better for WER, FID, perplexity, latency, error
rates) from the metric lexicon, else the table's `higher_is_better` column.
Values that cannot be right (a percentage over 100, a negative FID, a unit
other than the benchmark's own) are flagged and kept out, never dropped silently.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

import pandas as pd
import pyarrow.parquet as pq

from extractor.table import SCHEMA

# Method names that are not a method: a paper's unnamed own method or a generic
# reference. They are ranked per paper ("(ours)" of two papers are two entries).
GENERIC_METHODS = {"(ours)", "baseline", "prior state of the art"}
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


class ResultsError(Exception):
    """A results file that cannot be shown: missing, not Parquet, another schema."""


def load_results(path: str | os.PathLike) -> pd.DataFrame:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ResultsError(f"{path}: no such file")
    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a non-Parquet file
        raise ResultsError(f"{path}: not a Parquet file ({exc.__class__.__name__})") from None
    missing = [n for n in SCHEMA.names if n not in schema.names and n != "url"]
    if missing:
        raise ResultsError(f"{path}: not an lbx results table (missing columns: {', '.join(missing)})")
    df = pq.read_table(path).to_pandas()
    if "url" not in df.columns:
        df["url"] = None
    return df


@lru_cache(maxsize=1)
def _rules():
    from extractor.rules.loader import load_rules

    return load_rules()


@lru_cache(maxsize=4096)
def canonical_metric(name: str) -> tuple[str, bool | None]:
    """(canonical name, higher_is_better) of a metric as the lexicon knows it."""
    mentions = _rules().metrics.find(name)
    if len(mentions) == 1 and mentions[0].start == 0 and mentions[0].end == len(name.strip()):
        entry = mentions[0].entry
        return entry.name, entry.info.get("higher_is_better")
    return name.strip(), None


def _key(s) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(s).lower())


def _with_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with a dataset and a metric, plus their benchmark keys. The keys are
    computed once per distinct spelling, not per row: a million-row table has a
    few thousand of them."""
    out = df[df["dataset"].notna() & df["metric"].notna()].copy()
    metrics = {m: canonical_metric(m) for m in out["metric"].unique()}
    out["metric_name"] = out["metric"].map({m: c[0] for m, c in metrics.items()})
    out["lexicon_hib"] = out["metric"].map({m: c[1] for m, c in metrics.items()})
    out["bench_dataset"] = out["dataset"].map({d: _key(d) for d in out["dataset"].unique()})
    out["bench_metric"] = out["metric_name"].map({m: _key(m) for m in out["metric_name"].unique()})
    return out


def _direction(rows: pd.DataFrame) -> bool | None:
    known = rows["lexicon_hib"].dropna()
    if len(known):
        return bool(known.iloc[0])
    col = rows["higher_is_better"].dropna()
    if len(col):
        return bool(col.astype(bool).mean() >= 0.5)
    return None


def benchmarks(df: pd.DataFrame) -> pd.DataFrame:
    """One row per benchmark: dataset, metric, task, results, methods, papers,
    higher_is_better; the most covered first."""
    cols = ["dataset", "metric", "task", "results", "methods", "papers", "higher_is_better"]
    keyed = _with_keys(df.loc[df["kind"] == "score", ["dataset", "metric", "task", "method", "paper_id",
                                                      "higher_is_better"]])
    if keyed.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (_, _), g in keyed.groupby(["bench_dataset", "bench_metric"], sort=False):
        rows.append({
            "dataset": g["dataset"].mode().iloc[0], "metric": g["metric_name"].mode().iloc[0],
            "task": g["task"].dropna().mode().iloc[0] if g["task"].notna().any() else None,
            "results": len(g), "methods": g["method"].nunique(), "papers": g["paper_id"].nunique(),
            "higher_is_better": _direction(g),
        })
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["results", "papers", "dataset", "metric"], ascending=[False, False, True, True],
                           ignore_index=True)


def _benchmark_rows(df: pd.DataFrame, dataset: str, metric: str) -> pd.DataFrame:
    # narrow on the dataset first (cheap string keys), then key only those rows
    d_key = _key(dataset)
    datasets = [d for d in df["dataset"].dropna().unique() if _key(d) == d_key]
    keyed = _with_keys(df[df["dataset"].isin(datasets)])
    m_key = _key(canonical_metric(metric)[0])
    return keyed[(keyed["bench_dataset"] == d_key) & (keyed["bench_metric"] == m_key)]


def _flag_reasons(rows: pd.DataFrame, higher: bool | None) -> pd.Series:
    """Why each score row cannot be ranked ("" when it can)."""
    reasons = pd.Series("", index=rows.index, dtype=object)
    units = rows["unit"].fillna("")
    if len(rows):
        usual = units.mode().iloc[0]
        compatible = {usual, ""} if usual in ("%", "") else {usual}
        reasons[~units.isin(compatible)] = "mixed units: the benchmark's values are in " + (usual or "bare numbers")
    pct = units == "%"
    reasons[pct & ((rows["value"] > 100) | (rows["value"] < 0))] = "a percentage outside 0-100"
    if higher is False:
        reasons[(reasons == "") & (rows["value"] < 0)] = "negative value of a lower-is-better metric"
    return reasons


def flagged(df: pd.DataFrame, dataset: str, metric: str) -> pd.DataFrame:
    rows = _benchmark_rows(df, dataset, metric)
    rows = rows[rows["kind"] == "score"]
    reasons = _flag_reasons(rows, _direction(rows))
    out = rows[reasons != ""].copy()
    out["reason"] = reasons[reasons != ""]
    return out.drop(columns=["metric_name", "lexicon_hib", "bench_dataset", "bench_metric"]).reset_index(drop=True)


def paper_url(paper_id: str, url) -> str | None:
    if isinstance(url, str) and url:
        return url
    if isinstance(paper_id, str) and _ARXIV_ID.match(paper_id):
        return f"https://arxiv.org/abs/{paper_id}"
    return None


def leaderboard(df: pd.DataFrame, dataset: str, metric: str) -> pd.DataFrame:
    """Ranked methods on one benchmark: each method's best score, ties sharing a rank."""
    cols = ["rank", "method", "value", "unit", "value_text", "higher_is_better", "title", "paper_id",
            "published", "evidence", "start", "end", "confidence", "role", "url"]
    rows = _benchmark_rows(df, dataset, metric)
    rows = rows[rows["kind"] == "score"]
    higher = _direction(rows)
    rows = rows[_flag_reasons(rows, higher) == ""]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    ascending = higher is False
    entry = rows["method"].fillna("(unnamed)")
    generic = entry.isin(GENERIC_METHODS) | rows["method"].isna()
    rows = rows.assign(entry=entry.where(~generic, entry + " [" + rows["paper_id"] + "]"))
    best = (rows.sort_values(["value", "confidence"], ascending=[ascending, False])
                .drop_duplicates("entry", keep="first"))
    best = best.sort_values(["value", "published", "method"], ascending=[ascending, True, True],
                            na_position="last")
    best["rank"] = best["value"].rank(method="min", ascending=ascending).astype(int)
    best["higher_is_better"] = higher
    best["url"] = [paper_url(p, u) for p, u in zip(best["paper_id"], best["url"])]
    return best[cols].reset_index(drop=True)


def paper_results(df: pd.DataFrame, paper_id: str) -> pd.DataFrame:
    """All rows of one paper, in the order they appear in its abstract."""
    return df[df["paper_id"] == paper_id].sort_values("start").reset_index(drop=True)


def claims_for(df: pd.DataFrame, paper_id: str, dataset: str, metric: str) -> pd.DataFrame:
    """The deltas and ratios one paper claims on a benchmark (shown beside its rank)."""
    rows = _benchmark_rows(df[df["paper_id"] == paper_id], dataset, metric)
    rows = rows[rows["kind"].isin(["delta", "ratio"])]
    return rows.drop(columns=["metric_name", "lexicon_hib", "bench_dataset", "bench_metric"]).reset_index(drop=True)
