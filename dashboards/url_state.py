"""The view lives in the URL, so that any view can be shared as a link.

    ?view=leaderboard&dataset=LRS3&metric=word+error+rate
    ?view=paper&paper=2401.01234
    ?view=explorer

On a session's first run the query parameters seed the widgets' state; after
each run the widgets' state is written back, so the address bar always names
what is on the screen. The parameters only ever select among values that are
in the loaded table: they are looked up, never used as paths or rendered.
"""
from __future__ import annotations

import streamlit as st

VIEWS = {"leaderboard": "Leaderboard", "paper": "Paper", "explorer": "Explorer"}
DEFAULT_VIEW = "leaderboard"

# Session-state keys shared by the views.
VIEW = "view"
BENCH = "bench"  # (dataset, metric) of the leaderboard's picker
PAPER = "paper"  # paper_id of the paper view
_SEEDED = "_lbx_url_seeded"
_WANTED_BENCH = "_lbx_url_bench"
_WANTED_PAPER = "_lbx_url_paper"


def seed_from_url() -> None:
    """Copy the URL's view into session state, once per session."""
    if st.session_state.get(_SEEDED):
        return
    st.session_state[_SEEDED] = True
    params = st.query_params
    view = params.get("view", DEFAULT_VIEW)
    st.session_state[VIEW] = view if view in VIEWS else DEFAULT_VIEW
    dataset, metric = params.get("dataset"), params.get("metric")
    if dataset and metric:
        st.session_state[BENCH] = (dataset, metric)
        st.session_state[_WANTED_BENCH] = (dataset, metric)
    if params.get("paper"):
        st.session_state[PAPER] = params["paper"]
        st.session_state[_WANTED_PAPER] = params["paper"]


def unmet_link(kind: str):
    """The benchmark or paper a link asked for, once (the view says if it is absent)."""
    key = _WANTED_BENCH if kind == "bench" else _WANTED_PAPER
    return st.session_state.pop(key, None)


def write_to_url() -> None:
    """Make the address bar name the current view (only when it differs, to
    leave the browser history alone on reruns that change nothing)."""
    view = st.session_state.get(VIEW, DEFAULT_VIEW)
    wanted: dict[str, str] = {"view": view}
    if view == "leaderboard" and st.session_state.get(BENCH):
        wanted["dataset"], wanted["metric"] = st.session_state[BENCH]
    elif view == "paper" and st.session_state.get(PAPER):
        wanted["paper"] = st.session_state[PAPER]
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
