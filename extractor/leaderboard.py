"""Leaderboards from a results table: usable from pandas, no Streamlit needed.

    df = load_results("results.parquet")          # a file, or a dataset directory (DIR/)
    benchmarks(df)                                # every (dataset, split, metric, setting), most papers first
    leaderboard(df, "LRS3", "word error rate")    # ranked, best score per (method, paper)
    leaderboard(df, "CIFAR-10", "accuracy", setting="semi-supervised; 250 labels")
    flagged(df, "LRS3", "word error rate")        # rows kept out of the ranking, and why
    leaderboard(df, "LRS3", "WER", include_all=True)   # rank every plausible row
    paper_table(df, "2401.01234")                 # one row per method, one column per metric
    export_pwc(df)                                # Papers with Code's evaluation-tables structure

A benchmark is a dataset with its split, a metric and a setting. Names are one
benchmark only where the rule files say so (extractor/benchmark_ids.py: the
lexicons, and rules/benchmarks.yaml for "ImageNet-1K" = "ImageNet" and
"accuracy" = "top-1 accuracy" on ImageNet); rows of different settings
(rules/settings.yaml: "5-shot", "semi-supervised; 250 labels", "adversarial
(AutoAttack)") are on different boards; `setting=None` is the board of rows
with no setting. Only `score` rows are ranked: deltas and ratios are claims
relative to something else (`claims_for` lists them beside a paper's rank). The
order follows the metric's direction from the metric lexicon, else the table's
`higher_is_better` column.

Who is ranked: the paper's own results and named baselines with a confidence
at or above RANK_THRESHOLD. Listed beneath instead, each with its reason:
- implausible values: each metric's lexicon `scale` (percent, fraction, raw) and
  `range` decide, on one scale per metric (0.931 and 93.1% of accuracy rank
  together; an accuracy of 255, with or without a unit, never ranks);
- anonymous references ("prior state of the art", "baseline", an unnamed
  method): numbers a paper quotes from others, often of another set-up;
- rows under RANK_THRESHOLD (the estimated chance that the row is right, see
  extractor/confidence.py).
`include_all=True` ranks the last two kinds too (never an implausible value).
One row per (method, paper), its best value by the metric's direction.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from extractor.benchmark_ids import index_for
from extractor.plausibility import assess as _assess
from extractor.table import SCHEMA

# Method names that are not a method: a paper's unnamed own method or a generic
# reference. "(ours)" is ranked per paper; the references are not ranked.
GENERIC_METHODS = {"(ours)", "baseline", "prior state of the art"}
ANONYMOUS_REFERENCES = {"baseline", "prior state of the art"}
# Rows under this confidence are listed, not ranked (chosen from the calibration
# table on D4, README "Confidence": the rows ranked above it are mostly right).
RANK_THRESHOLD = 0.5
# Columns later lbx versions added: a table written before them still opens.
OPTIONAL_COLUMNS = ("url", "setting", "metric_text", "dataset_text", "method_text")
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


class ResultsError(Exception):
    """A results file that cannot be shown: missing, not Parquet, another schema."""


def load_results(path: str | os.PathLike) -> pd.DataFrame:
    """An lbx results table: a Parquet file, or a dataset directory `lbx extract -o DIR/`
    wrote (Hive partitions `year=...`, read as one table with its `year` column)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ResultsError(f"{path}: no such file")
    try:
        if os.path.isdir(path):
            data = pads.dataset(path, format="parquet", partitioning="hive",
                                exclude_invalid_files=False, ignore_prefixes=[".", "_"])
            schema = data.schema
        else:
            data, schema = None, pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a non-Parquet file
        raise ResultsError(f"{path}: not a Parquet file or dataset ({exc.__class__.__name__})") from None
    missing = [n for n in SCHEMA.names if n not in schema.names and n not in OPTIONAL_COLUMNS]
    if missing:
        raise ResultsError(f"{path}: not an lbx results table (missing columns: {', '.join(missing)})")
    try:
        df = (data.to_table() if data is not None else pq.read_table(path)).to_pandas()
    except Exception as exc:
        raise ResultsError(f"{path}: cannot read it ({exc.__class__.__name__}: {exc})") from None
    for name in OPTIONAL_COLUMNS:
        if name not in df.columns:
            df[name] = None
    if "year" in df.columns and df["year"].dtype.name == "category":
        df["year"] = df["year"].astype(str)
    return df


_RULES = None


def use_rules(rules) -> None:
    """Rank with this RuleSet (built-ins plus packs) instead of the default one."""
    global _RULES
    _RULES = rules
    metric_info.cache_clear()


def _rules():
    global _RULES
    if _RULES is None:
        from extractor.rules.loader import load_rules, rule_dirs_from_env

        _RULES = load_rules(rule_dirs_from_env())  # LBX_RULES packs override the built-ins here too
    return _RULES


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


def identify(dataset: str, metric: str):
    """The Benchmark (dataset with split, base, split, metric, task) a row of these names is on."""
    return index_for(_rules()).identify(str(dataset), str(metric))


_INFO_COLUMNS = ("metric_name", "lexicon_hib", "scale", "range_low", "range_high")
_HELPER_COLUMNS = [*_INFO_COLUMNS, "bench_dataset", "bench_split", "bench_task", "bench_setting"]


def _pair_codes(df: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Each row's index into the distinct (dataset, metric) pairs, and the pairs: a
    million-row table has a few thousand, so names are resolved once each, and
    integer codes (not a string merge) carry the answers back to the rows."""
    d_codes, d_names = pd.factorize(df["dataset"])
    m_codes, m_names = pd.factorize(df["metric"])
    uniq, inverse = np.unique(d_codes.astype(np.int64) * max(len(m_names), 1) + m_codes, return_inverse=True)
    n = max(len(m_names), 1)
    return inverse.ravel(), [(str(d_names[u // n]), str(m_names[u % n])) for u in uniq]


def _pair_facts(pairs: list[tuple[str, str]]) -> dict[str, list]:
    facts: dict[str, list] = {c: [] for c in ("bench_dataset", "bench_split", "bench_task", *_INFO_COLUMNS)}
    for d, m in pairs:
        b = identify(d, m)
        for col, v in zip(facts, (b.dataset, b.split, b.task, *metric_info(b.metric))):
            facts[col].append(v)
    return facts


def _with_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with a dataset and a metric, plus their benchmark and metric facts."""
    out = df[df["dataset"].notna() & df["metric"].notna()]
    if out.empty:
        return out.assign(**{c: pd.Series(dtype=object) for c in _HELPER_COLUMNS})
    inverse, pairs = _pair_codes(out)
    facts = _pair_facts(pairs)
    setting = out["setting"] if "setting" in out.columns else pd.Series(None, index=out.index)
    return out.assign(**{c: np.asarray(v, dtype=object)[inverse] for c, v in facts.items()},
                      bench_setting=setting.astype(object).where(setting.notna(), "").astype(str))


def _direction(rows: pd.DataFrame) -> bool | None:
    known = rows["lexicon_hib"].dropna()
    if len(known):
        return bool(known.iloc[0])
    col = rows["higher_is_better"].dropna()
    if len(col):
        return bool(col.astype(bool).mean() >= 0.5)
    return None


def benchmarks(df: pd.DataFrame) -> pd.DataFrame:
    """One row per benchmark: dataset (with split), split, metric, setting, task,
    results, methods, papers, higher_is_better; the most papers first."""
    cols = ["dataset", "split", "metric", "setting", "task", "results", "methods", "papers", "higher_is_better"]
    keep = [c for c in ("dataset", "metric", "task", "method", "paper_id", "higher_is_better", "setting")
            if c in df.columns]
    scores = df.loc[(df["kind"] == "score") & df["dataset"].notna() & df["metric"].notna(), keep]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    # group on integer codes: (benchmark of the row's pair) x (its setting), not on strings
    inverse, pairs = _pair_codes(scores)
    facts = _pair_facts(pairs)
    bench_of_pair, _ = pd.factorize(pd.Series(list(zip(facts["bench_dataset"], facts["metric_name"]))))
    setting = scores["setting"] if "setting" in scores.columns else pd.Series(None, index=scores.index)
    s_codes, _ = pd.factorize(setting.fillna(""))
    code = bench_of_pair[inverse].astype(np.int64) * (int(s_codes.max()) + 1) + s_codes
    keyed = scores.assign(_code=code)
    rows = []
    for _, g in keyed.groupby("_code", sort=False):
        g = _with_keys(g)
        dataset, metric, setting = g["bench_dataset"].iloc[0], g["metric_name"].iloc[0], g["bench_setting"].iloc[0]
        task = g["bench_task"].dropna()
        task = task.iloc[0] if len(task) else (g["task"].dropna().mode().iloc[0] if g["task"].notna().any()
                                               else None)
        rows.append({
            "dataset": dataset, "split": g["bench_split"].iloc[0], "metric": metric, "setting": setting or None,
            "task": task, "results": len(g), "methods": g["method"].nunique(), "papers": g["paper_id"].nunique(),
            "higher_is_better": _direction(g),
        })
    out = pd.DataFrame(rows, columns=cols)
    order = out.assign(_s=out["setting"].fillna(""))
    order = order.sort_values(["papers", "results", "dataset", "metric", "_s"],
                              ascending=[False, False, True, True, True])
    return out.loc[order.index].reset_index(drop=True)


def _benchmark_rows(df: pd.DataFrame, dataset: str, metric: str, setting: str | None = None,
                    any_setting: bool = False) -> pd.DataFrame:
    """The rows of one benchmark: names resolved per distinct pair, then the rows of those pairs."""
    target = identify(dataset, metric)
    target_metric = metric_info(target.metric)[0]
    # the datasets that can be this benchmark's (a dataset's identity does not depend on the metric)
    names = [d for d in df["dataset"].dropna().unique() if identify(d, "").dataset == target.dataset]
    named = df[df["dataset"].isin(names) & df["metric"].notna()]
    rows = _with_keys(named)
    rows = rows[(rows["bench_dataset"] == target.dataset) & (rows["metric_name"] == target_metric)]
    if any_setting:
        return rows
    # None, NaN (a setting read back from benchmarks()) and "" are the board without a setting
    return rows[rows["bench_setting"] == (setting if isinstance(setting, str) else "")]


def anonymous(rows: pd.DataFrame) -> pd.Series:
    """Rows whose method is a quoted, unnamed reference ("prior state of the art", "baseline"),
    or no method at all; "(ours)" of the paper itself is not one."""
    method = rows["method"]
    return method.isna() | method.isin(ANONYMOUS_REFERENCES) | ((rows["role"] == "baseline")
                                                                 & method.isin(GENERIC_METHODS))


def _printed(text, method) -> str:
    """The reference's words as printed, else its method name, else 'unnamed'."""
    return next((x for x in (text, method) if isinstance(x, str) and x), "unnamed")


def _kept_out(rows: pd.DataFrame, higher, include_low_confidence: bool, threshold: float,
              include_all: bool = False):
    """(comparable value, reason it is not ranked, reason it is not ranked by default)."""
    cmp, reasons = _assess(rows, higher)
    default = reasons.copy()
    anon = (default == "") & anonymous(rows)
    printed = rows["method_text"] if "method_text" in rows.columns else rows["method"]
    default[anon] = [f"anonymous reference ({_printed(t, m)}): a number the paper quotes, not a named method"
                     for t, m in zip(printed[anon], rows["method"][anon])]
    conf = pd.to_numeric(rows["confidence"], errors="coerce").fillna(0.0)
    low = (default == "") & (conf < threshold)
    default[low] = [f"low confidence ({c:.2f} < {threshold:g})" for c in conf[low]]
    if include_all:
        return cmp, reasons, default
    out = default.copy()
    if include_low_confidence:
        out[low] = ""
    return cmp, out, default


def flagged(df: pd.DataFrame, dataset: str, metric: str, setting: str | None = None,
            include_low_confidence: bool = False, threshold: float = RANK_THRESHOLD,
            include_all: bool = False) -> pd.DataFrame:
    """The score rows of a benchmark that `leaderboard()` keeps out, each with its
    reason: implausible for the metric, an anonymous reference, or low confidence."""
    rows = _benchmark_rows(df, dataset, metric, setting)
    rows = rows[rows["kind"] == "score"]
    _, reasons, _ = _kept_out(rows, _direction(rows), include_low_confidence, threshold, include_all)
    out = rows[reasons != ""].copy()
    out["reason"] = reasons[reasons != ""]
    return out.drop(columns=_HELPER_COLUMNS).reset_index(drop=True)


def paper_url(paper_id: str, url) -> str | None:
    if isinstance(url, str) and url:
        return url
    if isinstance(paper_id, str) and _ARXIV_ID.match(paper_id):
        return f"https://arxiv.org/abs/{paper_id}"
    return None


LEADERBOARD_COLUMNS = ["rank", "method", "value", "unit", "value_text", "value_norm", "higher_is_better", "title",
                       "paper_id", "published", "evidence", "start", "end", "confidence", "role", "url",
                       "dataset", "metric", "setting", "method_text", "note"]


def leaderboard(df: pd.DataFrame, dataset: str, metric: str, setting: str | None = None,
                include_low_confidence: bool = False, threshold: float = RANK_THRESHOLD,
                include_all: bool = False) -> pd.DataFrame:
    """Ranked entries of one benchmark (dataset, metric, setting): each (method, paper)
    once with its best score, ties sharing a rank.

    `value_norm` is the value on the metric's one scale, which the order follows;
    `dataset`/`metric` are the benchmark's names; `note` says, for rows that
    `include_all=True` adds, why the default board keeps them out."""
    rows = _benchmark_rows(df, dataset, metric, setting)
    rows = rows[rows["kind"] == "score"]
    higher = _direction(rows)
    cmp, reasons, default = _kept_out(rows, higher, include_low_confidence, threshold, include_all)
    rows = rows.assign(value_norm=cmp, note=default)[reasons == ""]
    if rows.empty:
        return pd.DataFrame(columns=LEADERBOARD_COLUMNS)
    ascending = higher is False
    rows = rows.assign(entry=rows["method"].fillna("(unnamed)") + "\0" + rows["paper_id"].astype(str))
    best = (rows.sort_values(["value_norm", "confidence"], ascending=[ascending, False])
                .drop_duplicates("entry", keep="first"))
    best = best.sort_values(["value_norm", "published", "method"], ascending=[ascending, True, True],
                            na_position="last")
    best["rank"] = best["value_norm"].round(12).rank(method="min", ascending=ascending).astype(int)
    best["higher_is_better"] = higher
    best["url"] = [paper_url(p, u) for p, u in zip(best["paper_id"], best["url"])]
    best["dataset"], best["metric"] = best["bench_dataset"], best["metric_name"]
    best["setting"] = best["bench_setting"].replace("", None)
    return best[LEADERBOARD_COLUMNS].reset_index(drop=True)


def paper_results(df: pd.DataFrame, paper_id: str) -> pd.DataFrame:
    """All rows of one paper, in the order they appear in its abstract."""
    return df[df["paper_id"] == paper_id].sort_values("start").reset_index(drop=True)


def paper_table(df: pd.DataFrame, paper_id: str) -> pd.DataFrame:
    """The paper's results as Papers with Code showed them: one row per method, one
    column per benchmark ("metric · dataset", with the setting), each cell the best
    score printed (by the metric's direction); deltas and ratios are not in it."""
    rows = _with_keys(df[(df["paper_id"] == paper_id) & (df["kind"] == "score")])
    if rows.empty:
        return pd.DataFrame(columns=["method"])
    column = rows["metric_name"] + " · " + rows["bench_dataset"]
    column = column.where(rows["bench_setting"] == "", column + " (" + rows["bench_setting"] + ")")
    value = pd.to_numeric(rows["value_norm"], errors="coerce").fillna(rows["value"].astype(float))
    sign = rows["lexicon_hib"].map(lambda h: -1.0 if h is False else 1.0).astype(float)
    frame = pd.DataFrame({"method": rows["method"].fillna("(unnamed)").values, "column": column.values,
                          "key": (value * sign).values, "text": rows["value_text"].values,
                          "start": rows["start"].values})
    frame = frame.sort_values(["key", "start"], ascending=[False, True]).drop_duplicates(["method", "column"])
    order = list(dict.fromkeys(frame.sort_values("start")["column"]))
    methods = list(dict.fromkeys(frame.sort_values("start")["method"]))
    table = frame.pivot(index="method", columns="column", values="text").reindex(index=methods, columns=order)
    table = table.astype(object).where(table.notna(), None)
    return table.reset_index().rename_axis(columns=None)


def claims_for(df: pd.DataFrame, paper_id: str, dataset: str, metric: str,
               setting: str | None = None) -> pd.DataFrame:
    """The deltas and ratios one paper claims on a benchmark (shown beside its rank)."""
    rows = _benchmark_rows(df[df["paper_id"] == paper_id], dataset, metric, setting)
    rows = rows[rows["kind"].isin(["delta", "ratio"])]
    return rows.drop(columns=_HELPER_COLUMNS).reset_index(drop=True)


def export_pwc(df: pd.DataFrame, **kwargs) -> list[dict]:
    """The ranked boards in the structure of Papers with Code's evaluation-tables.json
    (see extractor/pwc_export.py)."""
    from extractor.pwc_export import export_pwc as _export

    return _export(df, **kwargs)
