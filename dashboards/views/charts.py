"""The Charts view: one benchmark's ranking as a dot plot, and its results over time.

The ranking is a dot plot on an axis that starts near the values (not at zero):
26.31 and 26.90 WER must look different, which bars from 0 hide. The time chart
bins papers by month and draws the state of the art as a step line: the best
value reached so far, where "best" follows the metric's direction (the running
minimum for WER or perplexity, the running maximum for accuracy). With fewer
than two distinct months there is no "over time" to draw, and the page says so
instead. Method names and titles reach Vega only as data (axis labels and
tooltips are drawn as text), never as markup.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, markup

MAX_DOTS = 40


def _label(ranked: pd.DataFrame) -> pd.Series:
    method = ranked["method"].astype("string").fillna("(unnamed)")
    generic = method.str.startswith("(") | method.isin(["baseline", "prior state of the art"])
    # Generic names ("(ours)") repeat across papers, and one method may be ranked for
    # two papers: tell the dots apart by rank.
    label = method.where(~generic, method + " #" + ranked["rank"].astype(str))
    dup = label.duplicated(keep=False)
    return label.where(~dup, label + " #" + ranked["rank"].astype(str))


def _domain(values: pd.Series) -> list[float]:
    """An axis a little wider than the values, so that close values stay apart."""
    lo, hi = float(values.min()), float(values.max())
    pad = (hi - lo) * 0.1 or max(abs(hi) * 0.01, 0.01)
    return [lo - pad, hi + pad]


def ranking_chart(ranked: pd.DataFrame, metric: str, higher: bool) -> alt.Chart:
    top = ranked.head(MAX_DOTS)
    frame = pd.DataFrame({
        "label": _label(top), "value": top["value_norm"].astype(float), "rank": top["rank"].astype(int),
        "title": top["title"].astype("string"), "value_text": top["value_text"].astype("string"),
    })
    shown = f"top {MAX_DOTS} of {len(ranked)}, " if len(ranked) > MAX_DOTS else ""
    y = alt.Y("label:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None)
    x = alt.X("value:Q", title=f"{metric} (on one scale: percentages as fractions)",
              scale=alt.Scale(domain=_domain(frame["value"]), zero=False, nice=False))
    rule = alt.Chart(frame).mark_rule(color="#bbb").encode(y=y, x=x)
    dots = (alt.Chart(frame).mark_circle(size=110, opacity=.9)
            .encode(y=y, x=x,
                    color=alt.condition(alt.datum.rank == 1, alt.value("#d62728"), alt.value("#4c78a8")),
                    tooltip=["rank:Q", "label:N", "value_text:N", "title:N"]))
    text = (alt.Chart(frame).mark_text(align="left", dx=8, fontSize=11)
            .encode(y=y, x=x, text="value_text:N"))
    # A step per row: a fixed height would be shared by the axis and title and squash the rows.
    return ((rule + dots + text)
            .properties(height=alt.Step(26),
                        title=f"Ranking ({shown}{'higher' if higher else 'lower'} is better)"))


def state_of_the_art(dated: pd.DataFrame, higher: bool) -> pd.DataFrame:
    """The best value reached on or before each date, one row per date."""
    per_day = dated.groupby("date", as_index=False)["value"].agg("max" if higher else "min").sort_values("date")
    per_day["sota"] = per_day["value"].cummax() if higher else per_day["value"].cummin()
    return per_day[["date", "sota"]]


def dated_frame(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked rows with a date, binned by month (the month's first day)."""
    dated = ranked[ranked["published"].notna()]
    frame = pd.DataFrame({
        "published": pd.to_datetime(dated["published"].astype(str), errors="coerce"),
        "value": dated["value_norm"].astype(float), "label": _label(dated),
        "title": dated["title"].astype("string"), "value_text": dated["value_text"].astype("string"),
    }).dropna(subset=["published"])
    frame["date"] = frame["published"].dt.to_period("M").dt.to_timestamp()
    return frame


def time_chart(ranked: pd.DataFrame, metric: str, higher: bool) -> alt.LayerChart | None:
    """Results by month with the state-of-the-art step line; None under two distinct months."""
    frame = dated_frame(ranked)
    if frame["date"].nunique() < 2:
        return None
    sota = state_of_the_art(frame, higher)
    y = alt.Y("value:Q", title=metric, scale=alt.Scale(domain=_domain(frame["value"]), zero=False, nice=False))
    points = (alt.Chart(frame).mark_circle(size=70, opacity=.8)
              .encode(x=alt.X("yearmonth(date):T", title="published (month)"), y=y,
                      tooltip=[alt.Tooltip("published:T", title="published"), "label:N", "value_text:N",
                               "title:N"]))
    line = (alt.Chart(sota).mark_line(interpolate="step-after", color="#d62728", strokeWidth=2)
            .encode(x="yearmonth(date):T", y="sota:Q",
                    tooltip=[alt.Tooltip("yearmonth(date):T", title="month"),
                             alt.Tooltip("sota:Q", title="best so far")]))
    return (points + line).properties(height=320, title="Results by month, with the state of the art")


def render_charts(ranked: pd.DataFrame, metric: str) -> None:
    higher = ranked["higher_is_better"].iloc[0]
    higher = True if markup.is_missing(higher) else bool(higher)
    st.altair_chart(ranking_chart(ranked, metric, higher), width="stretch")
    chart = time_chart(ranked, metric, higher)
    if chart is None:
        months = dated_frame(ranked)["date"].nunique()
        st.info("No chart over time: " + ("no ranked result of this benchmark has a publication date."
                                          if months == 0 else
                                          "all its dated results were published in the same month."))
    else:
        st.altair_chart(chart, width="stretch")


def render(sig: data.Signature) -> None:
    from dashboards.views import leaderboard  # the same picker as the Leaderboard view

    choice = leaderboard.pick_benchmark(sig)
    if choice is None:
        return
    dataset, metric, setting = choice
    ranked = data.ranking(sig, dataset, metric, setting, False)
    st.html(f"<h3>{markup.esc(dataset)} · {markup.esc(metric)}"
            + (f' <span class="lbx-setting">{markup.esc(setting)}</span>' if setting else "") + "</h3>"
            '<p class="lbx-muted">The ranked entries of the default board (values on the metric\'s one scale).</p>')
    if ranked.empty:
        st.info("No rankable score on this benchmark: the Leaderboard view lists the rows kept out.")
        return
    render_charts(ranked, metric)
