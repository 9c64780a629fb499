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
from extractor import leaderboard as lb

ALL_TASKS = "All tasks"
# Rows of the HTML ranking; the data table below it always has them all.
MAX_HTML_ROWS = 200


NO_SETTING = "none (the standard setting)"


def _bench_key(row) -> tuple[str, str]:
    return str(row["dataset"]), str(row["metric"])


def _setting(value) -> str:
    return "" if markup.is_missing(value) else str(value)


def _pairs(bench: pd.DataFrame) -> dict[tuple[str, str], list[tuple[str, int, int]]]:
    """(dataset, metric) -> its boards [(setting, papers, results)], in the table's
    order: the board with most papers first, so the first pair is the default."""
    out: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    for _, r in bench.iterrows():
        out.setdefault(_bench_key(r), []).append((_setting(r["setting"]), int(r["papers"]), int(r["results"])))
    return out


def _bench_label(pairs):
    def label(key: tuple[str, str]) -> str:
        boards = pairs.get(tuple(key))
        if not boards:
            return f"{key[0]} · {key[1]}"
        papers = max(b[1] for b in boards)
        more = f", {len(boards)} settings" if len(boards) > 1 else ""
        return f"{key[0]} · {key[1]}  ({papers} paper{'s' if papers != 1 else ''}{more})"
    return label


def _filter(bench: pd.DataFrame, query: str, task: str) -> pd.DataFrame:
    out = bench
    if task and task != ALL_TASKS:
        out = out[out["task"].astype("string") == task]
    for word in (query or "").lower().split():
        text = (out["dataset"].astype("string").fillna("") + " " + out["metric"].astype("string").fillna("")
                + " " + out["task"].astype("string").fillna("") + " "
                + out["setting"].astype("string").fillna("")).str.lower()
        out = out[text.str.contains(word, regex=False)]
    return out


def _forget_setting() -> None:
    """Another benchmark: its own board with most papers, not the last one's setting."""
    st.session_state.pop(url_state.SETTING, None)


def pick_benchmark(sig: data.Signature) -> tuple[str, str, str] | None:
    """The picker (benchmark, then its setting); returns (dataset, metric, setting or "")."""
    bench = data.benchmarks(sig)
    if bench.empty:
        st.info("No benchmark in this file: no score row names both a dataset and a metric. "
                "The Explorer view shows every row.")
        return None
    pairs = _pairs(bench)
    every = list(pairs)
    wanted = url_state.unmet_link("bench")
    wanted_setting = url_state.unmet_link("setting")
    if wanted is not None and tuple(wanted) not in pairs:
        st.warning("The link's benchmark is not in this file; showing the one with most papers instead.")
        st.session_state[url_state.BENCH] = every[0]
        st.session_state[url_state.SETTING] = pairs[every[0]][0][0]
    elif wanted is not None and wanted_setting not in [b[0] for b in pairs[tuple(wanted)]]:
        st.warning("The link's setting is not in this file for this benchmark; showing the one with most papers.")
        st.session_state[url_state.SETTING] = pairs[tuple(wanted)][0][0]

    left, right = st.columns([3, 2])
    query = left.text_input("Search benchmarks", key="bench_query", persist_state="page",
                            placeholder="dataset, metric, task or setting, e.g. COCO, WER, 5-shot")
    tasks = sorted({str(t) for t in bench["task"].dropna()})
    task = right.selectbox("Task", [ALL_TASKS, *tasks], key="bench_task", persist_state="page")
    shown = _filter(bench, query, task)
    options = list(dict.fromkeys(_bench_key(r) for _, r in shown.iterrows()))
    if not options:
        st.info("No benchmark matches this search.")
        return None
    current = st.session_state.get(url_state.BENCH)
    if current is None or tuple(current) not in options:
        st.session_state[url_state.BENCH] = options[0]
    else:
        st.session_state[url_state.BENCH] = tuple(current)
    left, right = st.columns([3, 2])
    choice = left.selectbox(f"Benchmark ({len(options)} of {len(every)}, most papers first)", options,
                            format_func=_bench_label(pairs), key=url_state.BENCH, persist_state="page",
                            on_change=_forget_setting)
    if not choice:
        return None
    settings = [b[0] for b in pairs[tuple(choice)]]
    if st.session_state.get(url_state.SETTING) not in settings:
        st.session_state[url_state.SETTING] = settings[0]
    setting = right.selectbox(f"Setting ({len(settings)})", settings, key=url_state.SETTING, persist_state="page",
                              format_func=lambda s: s or NO_SETTING,
                              help="Results of different settings (5-shot, 250 labels, under attack...) "
                                   "are different leaderboards.")
    return str(choice[0]), str(choice[1]), setting or ""


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


def _note_html(r) -> str:
    """Why the default board leaves this row out (only on the 'show everything' board)."""
    note = r.get("note") if hasattr(r, "get") else None
    if markup.is_missing(note) or not note:
        return ""
    return f'<br><span class="lbx-note">not ranked by default: {markup.esc(note)}</span>'


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
            f'<br><span class="lbx-muted">{markup.esc(r["role"])}</span>{_note_html(r)}</td>'
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
        "setting": ranked["setting"],
        "note": ranked["note"] if "note" in ranked.columns else "",
    })


def _direction_text(higher) -> str:
    if markup.is_missing(higher):
        return "direction unknown (ranked higher first)"
    return "higher is better" if bool(higher) else "lower is better"


def render(sig: data.Signature) -> None:
    choice = pick_benchmark(sig)
    if choice is None:
        return
    dataset, metric, setting = choice
    show_all = st.toggle("Show everything: rank anonymous references (\"prior state of the art\", \"baseline\") "
                         f"and rows under confidence {lb.RANK_THRESHOLD:g} too", key=url_state.SHOW_ALL,
                         persist_state="page")
    ranked = data.ranking(sig, dataset, metric, setting, show_all)
    held_out = data.flagged(sig, dataset, metric, setting, show_all)
    higher = ranked["higher_is_better"].iloc[0] if len(ranked) else None
    who = ("Every plausible row is ranked; the note says why the default board leaves a row out."
           if show_all else "Ranked: the papers' own results and named baselines with confidence "
           f">= {lb.RANK_THRESHOLD:g}; anonymous references and low-confidence rows are listed beneath.")
    st.html(f"<h3>{markup.esc(dataset)} · {markup.esc(metric)}"
            + (f' <span class="lbx-setting">{markup.esc(setting)}</span>' if setting else "") + "</h3>"
            f'<p class="lbx-muted">{len(ranked)} ranked entr{"ies" if len(ranked) != 1 else "y"}, '
            f"{_direction_text(higher)}. Each (method, paper) appears once, with its best score; deltas and "
            f"ratios are shown beside, not ranked. {markup.esc(who)}</p>")
    if ranked.empty:
        st.info("No rankable score on this benchmark (see the rows kept out below).")
    else:
        paper_ids = tuple(dict.fromkeys(str(p) for p in ranked["paper_id"]))
        claimed = data.claims(sig, dataset, metric, paper_ids, setting)
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
        st.html(f'<p class="lbx-muted"><a href="{markup.board_href("charts", dataset, metric, setting)}" '
                'target="_self">Charts of this benchmark</a> (ranking dot plot, results over time)</p>')
    if not held_out.empty:
        n = len(held_out)
        with st.expander(f"{n} row{'s' if n != 1 else ''} kept out of the ranking, with the reason", expanded=n <= 10):
            cols = [c for c in ["reason", "method", "value", "unit", "value_text", "confidence", "title", "evidence",
                                "paper_id"] if c in held_out.columns]
            st.dataframe(held_out[cols], hide_index=True, key="flagged_table")
