"""Leaderboards from a results table: usable from pandas, no Streamlit needed.

    df = load_results("results.parquet")
    benchmarks(df)                       # every (dataset, metric) with its coverage
    leaderboard(df, "LRS3", "word error rate")   # ranked, best score per method
    flagged(df, "LRS3", "word error rate")       # rows kept out of the ranking, and why
    leaderboard(df, "LRS3", "WER", include_low_confidence=True)   # rank every plausible row

A benchmark is a dataset (with its split) and a metric; spellings that the
lexicons know as one thing are merged ("Top-1 accuracy", "top-1 acc"). Only
`score` rows are ranked: deltas and ratios are claims relative to something
else (`claims_for` lists them beside a paper's rank). The order follows the
metric's direction (lower is better for WER, FID, perplexity, latency, error
rates) from the metric lexicon, else the table's `higher_is_better` column.

Plausibility comes from the metric lexicon: each metric's `scale` (percent,
fraction, raw) and `range` decide. Values are compared on one scale per metric
(`value_norm` of the ranking: percentages and percent-scale metrics as fractions,
so 0.931 and 93.1% of accuracy rank together; time, memory... in one unit), and a
value outside the metric's range (an accuracy of 255, with or without a unit; a
negative FID) or in a unit the metric cannot have is kept out with its reason.
Rows whose `confidence` (the estimated chance that the whole row is right, see
extractor/confidence.py) is under RANK_THRESHOLD are listed as low confidence,
not ranked, unless `include_low_confidence=True`. Nothing is dropped silently:
`flagged()` lists every score row a board keeps out, with the reason.
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
# Rows under this confidence are listed, not ranked (chosen from the calibration
# table on D4, README "Confidence": the rows ranked above it are mostly right).
RANK_THRESHOLD = 0.5
_POINTS = {"%", "pp", "points"}  # units of a number printed in percentage points
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
def metric_info(name: str) -> tuple[str, bool | None, str | None, float | None, float | None]:
    """(canonical name, higher_is_better, scale, range low, range high) of a metric
    as the lexicon knows it; scale and bounds are None for a metric it does not know."""
    mentions = _rules().metrics.find(name)
    if len(mentions) == 1 and mentions[0].start == 0 and mentions[0].end == len(name.strip()):
        entry = mentions[0].entry
        low, high = (entry.info.get("range") or [None, None])[:2]
        return (entry.name, entry.info.get("higher_is_better"), entry.info.get("scale"),
                None if low is None else float(low), None if high is None else float(high))
    return name.strip(), None, None, None, None


def canonical_metric(name: str) -> tuple[str, bool | None]:
    """(canonical name, higher_is_better) of a metric as the lexicon knows it."""
    return metric_info(name)[:2]


_INFO_COLUMNS = ("metric_name", "lexicon_hib", "scale", "range_low", "range_high")
_HELPER_COLUMNS = [*_INFO_COLUMNS, "bench_dataset", "bench_metric"]


def _key(s) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(s).lower())


def _with_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with a dataset and a metric, plus their benchmark keys. The keys are
    computed once per distinct spelling, not per row: a million-row table has a
    few thousand of them."""
    out = df[df["dataset"].notna() & df["metric"].notna()].copy()
    metrics = {m: metric_info(m) for m in out["metric"].unique()}
    for i, col in enumerate(_INFO_COLUMNS):
        out[col] = out["metric"].map({m: c[i] for m, c in metrics.items()})
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


def _fmt(x: float) -> str:
    return f"{x:g}"


def _range_text(low, high, suffix="") -> str:
    if high is None or high != high:
        return f">= {_fmt(low)}{suffix}"
    if low is None or low != low:
        return f"<= {_fmt(high)}{suffix}"
    return f"{_fmt(low)}-{_fmt(high)}{suffix}"


def _assess(rows: pd.DataFrame, higher: bool | None) -> tuple[pd.Series, pd.Series]:
    """(comparable value, reason) of each score row; the reason is "" when the row
    can be ranked. The comparable value puts every row of a metric on one scale:
    percent-scale metrics as fractions (93.1%, a bare 93.1 and a bare 0.931 are all
    0.931; a bare number under 1 is read as a fraction unless lower is better,
    where "0.9 WER" is far likelier 0.9% than 90%), fraction-scale metrics as
    fractions (a bare 93.1 AUC as 0.931), raw metrics by `value_norm` (one unit
    per family). The lexicon's range, in the scale's units, bounds the value."""
    value = rows["value"].astype(float)
    unit = rows["unit"].fillna("")
    norm = pd.to_numeric(rows["value_norm"], errors="coerce").fillna(value)
    scale = rows["scale"].fillna("")
    low = pd.to_numeric(rows["range_low"], errors="coerce")
    high = pd.to_numeric(rows["range_high"], errors="coerce")
    reasons = pd.Series("", index=rows.index, dtype=object)
    cmp = norm.copy()
    bare, points = unit == "", unit.isin(_POINTS)

    pct = scale == "percent"
    cmp[pct & points] = value / 100
    cmp[pct & bare] = value / 100
    if higher is not False:
        cmp[pct & bare & (value >= 0) & (value < 1)] = value
    frac = scale == "fraction"
    cmp[frac & points] = value / 100
    over = frac & bare & ((high.notna() & (value > high)) | (low.notna() & (value < low)))
    cmp[over & (value / 100 >= low.fillna(-1e300)) & (value / 100 <= high.fillna(1e300))] = value / 100
    scaled = pct | frac
    names = rows["metric_name"].astype(str)
    foreign = scaled & ~bare & ~points  # "86 ms" of an accuracy: not a reading of it at all
    for i in rows.index[foreign]:
        reasons[i] = f"mixed units: {names[i]} is {'a percentage' if pct[i] else 'a fraction'}, not {unit[i]}"
    # percent-scale ranges are written in points: compare fractions with fractions;
    # a raw metric's range is in its printed numbers ("BLEU 0-100"), checked when bare or in points
    lo, hi = low.where(~pct, low / 100), high.where(~pct, high / 100)
    checked = cmp.where(scaled, value)
    within = (lo.isna() | (checked >= lo - 1e-9)) & (hi.isna() | (checked <= hi + 1e-9))
    raw = scale == "raw"
    for i in rows.index[~within & ((scaled & ~foreign) | (raw & (bare | points)))]:
        reasons[i] = (f"{rows.at[i, 'value_text']} is outside the range of {names[i]} "
                      f"({_range_text(low[i], high[i], '%' if pct[i] else '')})")

    # raw metrics and metrics the lexicon does not know: the benchmark's usual unit decides
    other = ~scaled
    if other.any():
        # a raw metric's units compare through pint (ms and s are one family); for a metric
        # the lexicon does not know, % and bare numbers mix and are compared as printed
        # (a raw metric printed with % is its printed number: "BLEU of 28.3%" is 28.3 BLEU)
        family = rows["unit_norm"].fillna("").where(raw & ~points, "").where(raw, unit.replace("", "%"))
        cmp[raw & points] = value
        usual = family[other].mode().iloc[0]
        shown = unit[other & (family == usual)].mode().iloc[0] if usual else ""
        bad = other & (family != usual) & (reasons == "")
        reasons[bad] = "mixed units: the benchmark's values are in " + (shown or "bare numbers")
        cmp[other & ~raw & (unit.isin(["%", ""]))] = value
        outside = other & ~raw & (unit == "%") & ((value > 100) | (value < 0)) & (reasons == "")
        reasons[outside] = "a percentage outside 0-100"
    if higher is False:
        reasons[(reasons == "") & (value < 0) & low.isna()] = "negative value of a lower-is-better metric"
    return cmp, reasons


def _kept_out(rows: pd.DataFrame, higher, include_low_confidence: bool, threshold: float):
    cmp, reasons = _assess(rows, higher)
    if not include_low_confidence:
        conf = pd.to_numeric(rows["confidence"], errors="coerce").fillna(0.0)
        low = (reasons == "") & (conf < threshold)
        reasons[low] = [f"low confidence ({c:.2f} < {threshold:g})" for c in conf[low]]
    return cmp, reasons


def flagged(df: pd.DataFrame, dataset: str, metric: str, include_low_confidence: bool = False,
            threshold: float = RANK_THRESHOLD) -> pd.DataFrame:
    """The score rows of a benchmark that `leaderboard()` keeps out, each with its
    reason: implausible for the metric, or (unless included) low confidence."""
    rows = _benchmark_rows(df, dataset, metric)
    rows = rows[rows["kind"] == "score"]
    cmp, reasons = _kept_out(rows, _direction(rows), include_low_confidence, threshold)
    out = rows[reasons != ""].copy()
    out["reason"] = reasons[reasons != ""]
    return out.drop(columns=_HELPER_COLUMNS).reset_index(drop=True)


def paper_url(paper_id: str, url) -> str | None:
    if isinstance(url, str) and url:
        return url
    if isinstance(paper_id, str) and _ARXIV_ID.match(paper_id):
        return f"https://arxiv.org/abs/{paper_id}"
    return None


def leaderboard(df: pd.DataFrame, dataset: str, metric: str, include_low_confidence: bool = False,
                threshold: float = RANK_THRESHOLD) -> pd.DataFrame:
    """Ranked methods on one benchmark: each method's best score, ties sharing a rank.

    Only plausible rows with confidence >= `threshold` are ranked (all plausible
    rows with `include_low_confidence=True`); `value_norm` is the value on the
    metric's one scale, which the order follows."""
    cols = ["rank", "method", "value", "unit", "value_text", "value_norm", "higher_is_better", "title",
            "paper_id", "published", "evidence", "start", "end", "confidence", "role", "url"]
    rows = _benchmark_rows(df, dataset, metric)
    rows = rows[rows["kind"] == "score"]
    higher = _direction(rows)
    cmp, reasons = _kept_out(rows, higher, include_low_confidence, threshold)
    rows = rows.assign(value_norm=cmp)[reasons == ""]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    ascending = higher is False
    entry = rows["method"].fillna("(unnamed)")
    generic = entry.isin(GENERIC_METHODS) | rows["method"].isna()
    rows = rows.assign(entry=entry.where(~generic, entry + " [" + rows["paper_id"] + "]"))
    best = (rows.sort_values(["value_norm", "confidence"], ascending=[ascending, False])
                .drop_duplicates("entry", keep="first"))
    best = best.sort_values(["value_norm", "published", "method"], ascending=[ascending, True, True],
                            na_position="last")
    best["rank"] = best["value_norm"].round(12).rank(method="min", ascending=ascending).astype(int)
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
    return rows.drop(columns=_HELPER_COLUMNS).reset_index(drop=True)
