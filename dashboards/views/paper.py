"""The paper view: every result of one paper, each in its sentence.

First the paper's results table as Papers with Code showed it (one row per
method, one column per benchmark). The table keeps no abstract, only each
number's evidence sentence, so the paper is then shown as its sentences in
abstract order, each once, with every number extracted from it highlighted;
below them, the rows as data.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, markup, url_state


def _sentence_html(sentence: str, rows: pd.DataFrame) -> str:
    """One evidence sentence with all its extracted numbers marked (escaped pieces)."""
    spans = []
    for _, r in rows.iterrows():
        span = markup.locate(sentence, r["value_text"], r["value"])
        if span and all(span[1] <= s or span[0] >= e for s, e in spans):
            spans.append(span)
    out, pos = [], 0
    for s, e in sorted(spans):
        out.append(markup.esc(sentence[pos:s]) + "<mark>" + markup.esc(sentence[s:e]) + "</mark>")
        pos = e
    out.append(markup.esc(sentence[pos:]))
    return "".join(out)


def _result_line(r) -> str:
    what = " · ".join(markup.esc(x) for x in (r["method"], r["kind"], r["metric"], r["dataset"])
                      if not markup.is_missing(x))
    return (f'<li><b>{markup.esc(markup.value_with_unit(r["value"], r["unit"], r["value_text"]))}</b> '
            f'<span class="lbx-muted">{what} · confidence {float(r["confidence"]):.2f}</span></li>')


def paper_html(rows: pd.DataFrame) -> str:
    first = rows.iloc[0]
    url = markup.paper_url(first["paper_id"], first.get("url"))
    head = (f'<div class="lbx-paper"><h4>{markup.link(first["title"], url)}</h4>'
            f'<p class="lbx-muted">{markup.esc(first["paper_id"])} · '
            f'{markup.esc(markup.date_text(first["published"]) or "no date")} · '
            f'{markup.esc(first["source"])} · {len(rows)} result{"s" if len(rows) != 1 else ""}</p>')
    blocks = []
    for sentence, group in rows.groupby("evidence", sort=False):
        items = "".join(_result_line(r) for _, r in group.iterrows())
        blocks.append(f'<blockquote class="lbx-ev">{_sentence_html(str(sentence), group)}</blockquote>'
                      f"<ul>{items}</ul>")
    return head + "".join(blocks) + "</div>"


def render(sig: data.Signature) -> None:
    papers = data.papers(sig)
    if papers.empty:
        st.info("No paper in this file.")
        return
    ids = papers["paper_id"].astype(str).tolist()
    titles = dict(zip(ids, papers["title"].astype(str)))
    wanted = url_state.unmet_link("paper")
    if wanted is not None and wanted not in titles:
        st.warning("The link's paper is not in this file; pick one below.")
    if st.session_state.get(url_state.PAPER) not in titles:
        st.session_state[url_state.PAPER] = ids[0]
    paper_id = st.selectbox(f"Paper ({len(ids)} papers, type to search)", ids, key=url_state.PAPER,
                            format_func=lambda pid: f"{titles.get(pid, pid)}  [{pid}]", persist_state="page")
    rows = data.paper(sig, paper_id)
    if rows.empty:
        st.info("This paper has no results.")
        return
    results = data.paper_table(sig, paper_id)
    if len(results.columns) > 1:
        st.html('<h4>Results of the paper</h4><p class="lbx-muted">One row per method, one column per benchmark '
                "(metric · dataset, with its setting): each cell the best score the abstract reports.</p>")
        st.dataframe(results, hide_index=True, key="paper_results_table")
    st.html(paper_html(rows))
    cols = [c for c in ["kind", "method", "role", "task", "dataset", "metric", "value", "unit", "value_text",
                        "confidence", "rule", "evidence"] if c in rows.columns]
    st.dataframe(rows[cols], hide_index=True, key="paper_table")
