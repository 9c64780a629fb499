"""The view lives in the URL, so that any view can be shared as a link.

    ?view=leaderboard&dataset=LRS3&metric=word+error+rate
    ?view=leaderboard&dataset=CIFAR-10&metric=accuracy&setting=semi-supervised%3B+250+labels&all=1
    ?view=charts&dataset=LRS3&metric=word+error+rate
    ?view=paper&paper=2401.01234
    ?view=explorer

On a session's first run the query parameters seed the widgets' state; after
each run the widgets' state is written back, so the address bar always names
what is on the screen. The parameters only ever select among values that are
in the loaded table: they are looked up, never used as paths or rendered.
`setting` is absent for the board of rows without a setting; `all=1` is the
"show everything" toggle.
"""
from __future__ import annotations

import streamlit as st

VIEWS = {"leaderboard": "Leaderboard", "charts": "Charts", "paper": "Paper", "explorer": "Explorer"}
DEFAULT_VIEW = "leaderboard"
BOARD_VIEWS = ("leaderboard", "charts")  # the views with a benchmark picker

# Session-state keys shared by the views.
VIEW = "view"
BENCH = "bench"  # (dataset, metric) of the benchmark picker
SETTING = "setting"  # the setting of that benchmark; "" for none
SHOW_ALL = "show_all"  # rank anonymous references and low-confidence rows too
PAPER = "paper"  # paper_id of the paper view
_SEEDED = "_lbx_url_seeded"
_WANTED_BENCH = "_lbx_url_bench"
_WANTED_SETTING = "_lbx_url_setting"
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
        st.session_state[SETTING] = params.get("setting", "")
        st.session_state[_WANTED_SETTING] = params.get("setting", "")
    st.session_state[SHOW_ALL] = params.get("all") == "1"
    if params.get("paper"):
        st.session_state[PAPER] = params["paper"]
        st.session_state[_WANTED_PAPER] = params["paper"]


def unmet_link(kind: str):
    """The benchmark, setting or paper a link asked for, once (the view says if it is absent)."""
    key = {"bench": _WANTED_BENCH, "setting": _WANTED_SETTING}.get(kind, _WANTED_PAPER)
    return st.session_state.pop(key, None)


def write_to_url() -> None:
    """Make the address bar name the current view (only when it differs, to
    leave the browser history alone on reruns that change nothing)."""
    view = st.session_state.get(VIEW, DEFAULT_VIEW)
    wanted: dict[str, str] = {"view": view}
    if view in BOARD_VIEWS and st.session_state.get(BENCH):
        wanted["dataset"], wanted["metric"] = st.session_state[BENCH]
        if st.session_state.get(SETTING):
            wanted["setting"] = st.session_state[SETTING]
        if view == "leaderboard" and st.session_state.get(SHOW_ALL):
            wanted["all"] = "1"
    elif view == "paper" and st.session_state.get(PAPER):
        wanted["paper"] = st.session_state[PAPER]
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
