"""The explorer: every row of the table, filtered, and downloadable as it is shown.

Filters combine (AND); an empty multiselect means "any". The downloads hold
exactly the filtered rows: CSV for spreadsheets, Parquet in lbx's own schema
for pandas, DuckDB or a second dashboard.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, markup

KINDS = ["score", "delta", "ratio"]
# What a reader scans first; the table's other columns follow in schema order.
FIRST_COLUMNS = ["kind", "method", "dataset", "metric", "value", "unit", "value_text", "confidence",
                 "title", "published", "url", "evidence"]


def _values(df: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v) for v in df[column].dropna()}, key=str.lower)


def apply_filters(df: pd.DataFrame, kinds, metrics, datasets, methods, min_confidence: float) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    for column, chosen in (("kind", kinds), ("metric", metrics), ("dataset", datasets), ("method", methods)):
        if chosen:
            mask &= df[column].astype("string").isin(list(chosen)).fillna(False).astype(bool)
    mask &= df["confidence"].astype(float) >= float(min_confidence)
    return df[mask]


def render(sig: data.Signature) -> None:
    df = data.load(sig)
    c1, c2, c3 = st.columns(3)
    kinds = c1.multiselect("Kind", KINDS, key="ex_kind", persist_state="page", placeholder="any kind")
    metrics = c2.multiselect("Metric", _values(df, "metric"), key="ex_metric", persist_state="page",
                             placeholder="any metric")
    datasets = c3.multiselect("Dataset", _values(df, "dataset"), key="ex_dataset", persist_state="page",
                              placeholder="any dataset")
    c4, c5 = st.columns([2, 1])
    methods = c4.multiselect("Method", _values(df, "method"), key="ex_method", persist_state="page",
                             placeholder="any method")
    min_conf = c5.slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="ex_conf", persist_state="page")
    shown = apply_filters(df, kinds, metrics, datasets, methods, min_conf)
    st.caption(f"{len(shown):,} of {len(df):,} rows")
    # Only http(s) links, arXiv ids made links: a source's `javascript:` url stays text.
    display = shown.assign(url=[markup.paper_url(p, u) for p, u in zip(shown["paper_id"], shown["url"])])
    order = [c for c in FIRST_COLUMNS if c in display.columns]
    order += [c for c in display.columns if c not in order]
    st.dataframe(display, hide_index=True, key="explorer_table", column_order=order, column_config={
        "url": st.column_config.LinkColumn("url"),
        "evidence": st.column_config.TextColumn("evidence", width="large"),
    })
    d1, d2, _ = st.columns([1, 1, 3])
    # Callables: the files are built on click, not on every rerun of the page.
    d1.download_button("Download CSV", lambda: data.to_csv(shown), file_name="lbx_results.csv",
                       mime="text/csv", key="dl_csv", on_click="ignore", disabled=shown.empty)
    d2.download_button("Download Parquet", lambda: data.to_parquet(shown), file_name="lbx_results.parquet",
                       mime="application/vnd.apache.parquet", key="dl_parquet", on_click="ignore",
                       disabled=shown.empty)
