"""The leaderboard view: pick a benchmark, see its ranking with the evidence.

The picker lists benchmarks by coverage (most results first), narrowed by a
text search and a task. The ranking is drawn twice: as an HTML table built
from escaped pieces (so the number can be highlighted inside its sentence and
the title can be a link), and as a plain `st.dataframe` for sorting and
copying. Beside each paper's rank stand the deltas and ratios it claims on the
same benchmark, which are relative claims and so are never ranked themselves.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, markup, url_state
from dashboards.views import charts

ALL_TASKS = "All tasks"
# Rows of the HTML ranking; the data table below it always has them all.
MAX_HTML_ROWS = 200


def _bench_key(row) -> tuple[str, str]:
    return str(row["dataset"]), str(row["metric"])


def _bench_label(bench: pd.DataFrame):
    by_key = {_bench_key(r): r for _, r in bench.iterrows()}

    def label(key: tuple[str, str]) -> str:
        r = by_key.get(key)
        if r is None:
            return f"{key[0]} · {key[1]}"
        papers = int(r["papers"])
        return (f"{key[0]} · {key[1]}  ({int(r['results'])} results, "
                f"{papers} paper{'s' if papers != 1 else ''})")
    return label


def _filter(bench: pd.DataFrame, query: str, task: str) -> pd.DataFrame:
    out = bench
    if task and task != ALL_TASKS:
        out = out[out["task"].astype("string") == task]
    for word in (query or "").lower().split():
        text = (out["dataset"].astype("string").fillna("") + " " + out["metric"].astype("string").fillna("")
                + " " + out["task"].astype("string").fillna("")).str.lower()
        out = out[text.str.contains(word, regex=False)]
    return out


def pick_benchmark(sig: data.Signature) -> tuple[str, str] | None:
    """The picker; returns the chosen (dataset, metric)."""
    bench = data.benchmarks(sig)
    if bench.empty:
        st.info("No benchmark in this file: no score row names both a dataset and a metric. "
                "The Explorer view shows every row.")
        return None
    every = [_bench_key(r) for _, r in bench.iterrows()]
    wanted = url_state.unmet_link("bench")
    if wanted is not None and tuple(wanted) not in every:
        st.warning("The link's benchmark is not in this file; showing the most covered one instead.")
        st.session_state[url_state.BENCH] = every[0]

    left, right = st.columns([3, 2])
    query = left.text_input("Search benchmarks", key="bench_query", persist_state="page",
                            placeholder="dataset, metric or task, e.g. COCO, WER")
    tasks = sorted({str(t) for t in bench["task"].dropna()})
    task = right.selectbox("Task", [ALL_TASKS, *tasks], key="bench_task", persist_state="page")
    shown = _filter(bench, query, task)
    options = [_bench_key(r) for _, r in shown.iterrows()]
    if not options:
        st.info("No benchmark matches this search.")
        return None
    current = st.session_state.get(url_state.BENCH)
    if current is None or tuple(current) not in options:
        st.session_state[url_state.BENCH] = options[0]
    else:
        st.session_state[url_state.BENCH] = tuple(current)
    choice = st.selectbox(f"Benchmark ({len(options)} of {len(every)}, most covered first)", options,
                          format_func=_bench_label(bench), key=url_state.BENCH, persist_state="page")
    return tuple(choice) if choice else None


def _claims_html(claims: pd.DataFrame | None) -> str:
    if claims is None or claims.empty:
        return ""
    parts = []
    for _, c in claims.iterrows():
        label = markup.value_with_unit(c["value"], c["unit"], c["value_text"])
        tip = f'{c["kind"]}: {c["evidence"]}' if not markup.is_missing(c["evidence"]) else str(c["kind"])
        parts.append(f'<span class="lbx-claim" title="{markup.esc(tip)}">{markup.esc(label)}'
                     f' <span class="lbx-muted">{markup.esc(c["kind"])}</span></span>')
    return "".join(parts)


def ranking_html(ranked: pd.DataFrame, claims: dict[str, pd.DataFrame]) -> str:
    """The ranking as an HTML table, every cell escaped (see markup)."""
    head = ("<tr><th>#</th><th>Method</th><th>Value</th><th>Paper</th><th>Date</th>"
            "<th>Evidence</th><th>Conf.</th><th>Deltas &amp; ratios claimed</th></tr>")
    body = []
    for _, r in ranked.head(MAX_HTML_ROWS).iterrows():
        url = markup.paper_url(r["paper_id"], r["url"])
        paper = (f'{markup.link(r["title"], url)}<br><a class="lbx-muted" '
                 f'href="{markup.paper_view_href(r["paper_id"])}" target="_self">all results of this paper</a>')
        body.append(
            "<tr>"
            f'<td class="num">{markup.esc(r["rank"])}</td>'
            f'<td>{markup.esc(r["method"] if not markup.is_missing(r["method"]) else "(unnamed)")}'
            f'<br><span class="lbx-muted">{markup.esc(r["role"])}</span></td>'
            f'<td class="num">{markup.esc(markup.value_with_unit(r["value"], r["unit"], r["value_text"]))}</td>'
            f"<td>{paper}</td>"
            f'<td class="num">{markup.esc(markup.date_text(r["published"]))}</td>'
            f'<td class="lbx-ev">{markup.highlight(r["evidence"], r["value_text"], r["value"])}</td>'
            f'<td class="num">{float(r["confidence"]):.2f}</td>'
            f'<td>{_claims_html(claims.get(str(r["paper_id"])))}</td>'
            "</tr>")
    return f'<table class="lbx-rank">{head}{"".join(body)}</table>'


def ranking_frame(ranked: pd.DataFrame) -> pd.DataFrame:
    """Plain columns for st.dataframe (which shows text as text)."""
    return pd.DataFrame({
        "rank": ranked["rank"].astype(int),
        "method": ranked["method"],
        "value": ranked["value"].astype(float),
        "unit": ranked["unit"],
        "title": ranked["title"],
        "link": [markup.paper_url(p, u) for p, u in zip(ranked["paper_id"], ranked["url"])],
        "published": ranked["published"].map(markup.date_text),
        "confidence": ranked["confidence"].astype(float),
        "evidence": ranked["evidence"],
        "paper_id": ranked["paper_id"],
    })


def _direction_text(higher) -> str:
    if markup.is_missing(higher):
        return "direction unknown (ranked higher first)"
    return "higher is better" if bool(higher) else "lower is better"


def render(sig: data.Signature) -> None:
    choice = pick_benchmark(sig)
    if choice is None:
        return
    dataset, metric = choice
    ranked = data.ranking(sig, dataset, metric)
    held_out = data.flagged(sig, dataset, metric)
    higher = ranked["higher_is_better"].iloc[0] if len(ranked) else None
    st.html(f"<h3>{markup.esc(dataset)} · {markup.esc(metric)}</h3>"
            f'<p class="lbx-muted">{len(ranked)} ranked method{"s" if len(ranked) != 1 else ""}, {_direction_text(higher)}. '
            "Each method appears once, with its best score; deltas and ratios are shown beside, not ranked.</p>")
    if ranked.empty:
        st.info("No rankable score on this benchmark (see the rows kept out below).")
    else:
        paper_ids = tuple(dict.fromkeys(str(p) for p in ranked["paper_id"]))
        claimed = data.claims(sig, dataset, metric, paper_ids)
        st.html(ranking_html(ranked, claimed))
        if len(ranked) > MAX_HTML_ROWS:
            st.caption(f"Top {MAX_HTML_ROWS} shown above; the table below has all {len(ranked)}.")
        with st.expander("Ranking as a data table (sortable)", expanded=False):
            st.dataframe(ranking_frame(ranked), hide_index=True, key="ranking_table", column_config={
                "link": st.column_config.LinkColumn("link", display_text="open"),
                "value": st.column_config.NumberColumn("value", format="%g"),
                "confidence": st.column_config.NumberColumn("confidence", format="%.2f"),
                "evidence": st.column_config.TextColumn("evidence", width="large"),
            })
        charts.render(ranked, dataset, metric)
    if not held_out.empty:
        with st.expander(f"{len(held_out)} row{'s' if len(held_out) != 1 else ''} kept out of the ranking", expanded=False):
            cols = [c for c in ["reason", "method", "value", "unit", "value_text", "title", "evidence", "paper_id"]
                    if c in held_out.columns]
            st.dataframe(held_out[cols], hide_index=True, key="flagged_table")
