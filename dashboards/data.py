"""Which results file the dashboard shows, and the cached reads of it.

The file is fixed when the app starts (command line, else LBX_RESULTS, else
the bundled sample); nothing from the URL or the page can name another path.
Every cached function takes the file's (path, mtime, size) signature as its
key, so a re-extracted file is read again on the next rerun while an unchanged
one is read once per process whatever the number of sessions.
"""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import streamlit as st

from extractor import leaderboard as lb
from extractor.csv_safe import to_safe_csv
from extractor.table import SCHEMA

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample_results.parquet"
APP = Path(__file__).resolve().parent / "app.py"


class Source(NamedTuple):
    path: str
    origin: str  # "argument", "LBX_RESULTS" or "sample"


class Signature(NamedTuple):
    """Cache key of a file's content: it changes whenever the file is rewritten."""
    path: str
    mtime_ns: int
    size: int


def results_source(argv: list[str] | None = None, environ=None) -> Source:
    """The file to show. `streamlit run dashboards/app.py -- FILE` leaves
    sys.argv as [app.py, FILE]; any other argv (a test runner's, say) is not ours."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if len(argv) > 1 and argv[0] and Path(argv[0]).resolve() == APP:
        return Source(os.path.abspath(argv[1]), "argument")
    if environ.get("LBX_RESULTS"):
        return Source(os.path.abspath(environ["LBX_RESULTS"]), "LBX_RESULTS")
    return Source(str(SAMPLE), "sample")


def signature(path: str) -> Signature:
    """(path, mtime, size); a missing file gets (path, -1, -1) and fails on load.
    A dataset directory (`lbx extract -o DIR/`) is its Parquet files: the latest
    mtime and the summed size, so a re-extracted directory is read again."""
    try:
        stat = os.stat(path)
        if not os.path.isdir(path):
            return Signature(path, stat.st_mtime_ns, stat.st_size)
        mtime, size = stat.st_mtime_ns, 0
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
            for name in files:
                if name.endswith(".parquet") and not name.startswith((".", "_")):
                    st_ = os.stat(os.path.join(root, name))
                    mtime, size = max(mtime, st_.st_mtime_ns), size + st_.st_size
        return Signature(path, mtime, size)
    except OSError:
        return Signature(path, -1, -1)


@st.cache_data(show_spinner="Reading results…", max_entries=4)
def load(sig: Signature) -> pd.DataFrame:
    """The table (raises lb.ResultsError; errors are not cached)."""
    return lb.load_results(sig.path)


@st.cache_data(show_spinner=False, max_entries=4)
def benchmarks(sig: Signature) -> pd.DataFrame:
    return lb.benchmarks(load(sig))


@st.cache_data(show_spinner=False, max_entries=64)
def ranking(sig: Signature, dataset: str, metric: str, setting: str = "", include_all: bool = False) -> pd.DataFrame:
    return lb.leaderboard(load(sig), dataset, metric, setting=setting or None, include_all=include_all)


@st.cache_data(show_spinner=False, max_entries=64)
def flagged(sig: Signature, dataset: str, metric: str, setting: str = "", include_all: bool = False) -> pd.DataFrame:
    return lb.flagged(load(sig), dataset, metric, setting=setting or None, include_all=include_all)


@st.cache_data(show_spinner=False, max_entries=64)
def claims(sig: Signature, dataset: str, metric: str, paper_ids: tuple[str, ...],
           setting: str = "") -> dict[str, pd.DataFrame]:
    """Each ranked paper's deltas and ratios on the benchmark."""
    df = load(sig)
    return {pid: lb.claims_for(df, pid, dataset, metric, setting=setting or None) for pid in paper_ids}


@st.cache_data(show_spinner=False, max_entries=64)
def paper_table(sig: Signature, paper_id: str) -> pd.DataFrame:
    """One row per method, one column per benchmark of the paper."""
    return lb.paper_table(load(sig), paper_id)


@st.cache_data(show_spinner=False, max_entries=64)
def paper(sig: Signature, paper_id: str) -> pd.DataFrame:
    return lb.paper_results(load(sig), paper_id)


@st.cache_data(show_spinner=False, max_entries=4)
def papers(sig: Signature) -> pd.DataFrame:
    """One row per paper (paper_id, title, published, results), by title."""
    df = load(sig)
    if df.empty:
        return pd.DataFrame(columns=["paper_id", "title", "published", "results"])
    out = (df.groupby("paper_id", sort=False)
             .agg(title=("title", "first"), published=("published", "first"), results=("value", "size"))
             .reset_index())
    return out.sort_values(["title", "paper_id"], key=lambda s: s.astype(str).str.lower(), ignore_index=True)


def to_csv(df: pd.DataFrame) -> bytes:
    """The rows as CSV a spreadsheet opens as data: formulas from abstracts defused, newlines quoted."""
    return to_safe_csv(df)


def to_parquet(df: pd.DataFrame) -> bytes:
    """The rows in lbx's own schema, so the download opens like any lbx table."""
    frame = df[[c for c in df.columns if c in SCHEMA.names]]
    try:
        schema = pa.schema([SCHEMA.field(c) for c in frame.columns])
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError):
        table = pa.Table.from_pandas(frame, preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()
