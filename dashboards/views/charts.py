"""Altair charts of one benchmark: the ranking, and results over time.

The time chart draws the state of the art as a step line: the best value
reached so far, where "best" follows the metric's direction (the running
minimum for WER or perplexity, the running maximum for accuracy). Method names
and titles reach Vega only as data (axis labels and tooltips are drawn as
text), never as markup.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import markup

MAX_BARS = 30


def _label(ranked: pd.DataFrame) -> pd.Series:
    method = ranked["method"].astype("string").fillna("(unnamed)")
    generic = method.str.startswith("(") | method.isin(["baseline", "prior state of the art"])
    # Generic names ("(ours)") repeat across papers: tell the bars apart by rank.
    return method.where(~generic, method + " #" + ranked["rank"].astype(str))


def ranking_chart(ranked: pd.DataFrame, metric: str, higher: bool) -> alt.Chart:
    top = ranked.head(MAX_BARS)
    frame = pd.DataFrame({
        "label": _label(top), "value": top["value"].astype(float), "rank": top["rank"].astype(int),
        "title": top["title"].astype("string"), "value_text": top["value_text"].astype("string"),
    })
    shown = f"top {MAX_BARS} of {len(ranked)}, " if len(ranked) > MAX_BARS else ""
    return (alt.Chart(frame)
            .mark_bar()
            .encode(y=alt.Y("label:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None),
                    x=alt.X("value:Q", title=metric),
                    color=alt.condition(alt.datum.rank == 1, alt.value("#d62728"), alt.value("#4c78a8")),
                    tooltip=["rank:Q", "label:N", "value_text:N", "title:N"])
            # A step per bar: a fixed height would be shared by the axis and title and squash the bars.
            .properties(height=alt.Step(26),
                        title=f"Ranking ({shown}{'higher' if higher else 'lower'} is better)"))


def state_of_the_art(dated: pd.DataFrame, higher: bool) -> pd.DataFrame:
    """The best value reached on or before each date, one row per date."""
    per_day = dated.groupby("date", as_index=False)["value"].agg("max" if higher else "min").sort_values("date")
    per_day["sota"] = per_day["value"].cummax() if higher else per_day["value"].cummin()
    return per_day[["date", "sota"]]


def time_chart(ranked: pd.DataFrame, metric: str, higher: bool) -> alt.LayerChart | None:
    dated = ranked[ranked["published"].notna()]
    if dated.empty:
        return None
    frame = pd.DataFrame({
        "date": pd.to_datetime(dated["published"].astype(str), errors="coerce"),
        "value": dated["value"].astype(float), "label": _label(dated),
        "title": dated["title"].astype("string"), "value_text": dated["value_text"].astype("string"),
    }).dropna(subset=["date"])
    if frame.empty:
        return None
    sota = state_of_the_art(frame, higher)
    points = (alt.Chart(frame).mark_circle(size=70, opacity=.8)
              .encode(x=alt.X("date:T", title="published"), y=alt.Y("value:Q", title=metric,
                                                                      scale=alt.Scale(zero=False)),
                      tooltip=["date:T", "label:N", "value_text:N", "title:N"]))
    line = (alt.Chart(sota).mark_line(interpolate="step-after", color="#d62728", strokeWidth=2)
            .encode(x="date:T", y="sota:Q", tooltip=[alt.Tooltip("date:T"), alt.Tooltip("sota:Q", title="best so far")]))
    return (points + line).properties(height=320, title="Results over time, with the state of the art")


def render(ranked: pd.DataFrame, dataset: str, metric: str) -> None:
    higher = ranked["higher_is_better"].iloc[0]
    higher = True if markup.is_missing(higher) else bool(higher)
    left, right = st.columns(2)
    with left:
        st.altair_chart(ranking_chart(ranked, metric, higher), width="stretch")
    with right:
        chart = time_chart(ranked, metric, higher)
        if chart is None:
            st.info("No publication dates on this benchmark, so no chart over time.")
        else:
            st.altair_chart(chart, width="stretch")
