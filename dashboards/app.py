"""lbx dashboard: leaderboards, papers and every row of an lbx results table.

    lbx dashboard results.parquet
    lbx dashboard DIR/                        (a dataset directory of `lbx extract -o DIR/`)
    streamlit run dashboards/app.py -- results.parquet
    LBX_RESULTS=results.parquet streamlit run dashboards/app.py

With no file named, the bundled sample (data/sample_results.parquet) is shown.
The file is chosen here, at start-up, and only here: the page and its URL pick
among the file's benchmarks and papers, never another file. A file that cannot
be shown (missing, not Parquet, another schema, empty) gets a message in the
page, not a traceback.
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

# `streamlit run` puts this folder on sys.path, not the repo root that holds
# the `dashboards` package; AppTest puts neither.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboards import data, markup, url_state  # noqa: E402
from dashboards.views import charts, explorer, leaderboard, paper  # noqa: E402
from extractor.leaderboard import ResultsError  # noqa: E402

RENDERERS = {"leaderboard": leaderboard.render, "charts": charts.render, "paper": paper.render,
             "explorer": explorer.render}


def _source_line(source: data.Source, rows: int | None) -> str:
    where = {"argument": "", "LBX_RESULTS": " (from LBX_RESULTS)", "sample": " (the bundled sample)"}[source.origin]
    count = "" if rows is None else f" · {rows:,} results"
    return f'<p class="lbx-muted">{markup.esc(source.path)}{markup.esc(where)}{count}</p>'


def _load(source: data.Source):
    """(signature, table), or None after putting the reason in the page."""
    sig = data.signature(source.path)
    try:
        df = data.load(sig)
    except ResultsError as exc:
        st.error("Cannot show this results file. " + markup.md_escape(exc))
        if source.origin == "sample":
            st.caption("Build the bundled sample first:")
            st.code(".venv/bin/lbx extract data/sample/*.txt -o data/sample_results.parquet", language="bash")
        else:
            st.caption("Make a results table with `lbx extract`, then open it:")
            st.code("lbx extract papers.jsonl -o results.parquet\nlbx dashboard results.parquet", language="bash")
        return None
    except Exception as exc:  # a damaged file pyarrow opens but cannot read, say
        st.error("Cannot read this results file: " + markup.md_escape(f"{type(exc).__name__}: {exc}"))
        return None
    if df.empty:
        st.info("This results file has no rows: no reported result was found in its papers.")
        return None
    return sig, df


def main() -> None:
    st.set_page_config(page_title="lbx dashboard", page_icon="📊", layout="wide")
    st.html(markup.STYLE)
    url_state.seed_from_url()
    source = data.results_source()
    st.title("lbx leaderboards")
    loaded = _load(source)
    st.html(_source_line(source, None if loaded is None else len(loaded[1])))
    if loaded is None:
        return
    sig, _ = loaded
    view = st.sidebar.radio("View", list(url_state.VIEWS), format_func=url_state.VIEWS.get,
                            key=url_state.VIEW)
    st.sidebar.caption("The address bar always links to what is on screen: copy it to share this view.")
    try:
        RENDERERS[view](sig)
    except ResultsError as exc:  # the file changed under us into something unreadable
        st.error("Cannot show this results file. " + markup.md_escape(exc))
        return
    except Exception as exc:
        traceback.print_exc()  # for the terminal that runs the app
        st.error("This view failed: " + markup.md_escape(f"{type(exc).__name__}: {exc}"))
        return
    url_state.write_to_url()


main()
