"""The dashboard end to end in a real browser: `streamlit run` on a free local
port, driven by Playwright through Debian's chromium.

It checks what AppTest cannot: that the page loads in a browser, that every
view the README names renders from its URL, that the picker, the setting
selector and the "show everything" toggle work by clicks, that a dataset
directory opens, and that a <script> in an abstract's sentence is shown as text
and never runs. With LBX_SCREENSHOT=1, test_screenshot_of_the_sample refreshes
docs/screenshot.png (the README's picture) from the bundled sample.

Playwright cannot download its own browser here; .ci/run installs Debian's
chromium, and without /usr/bin/chromium this test is skipped.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from extractor.cli_dashboard import stop, streamlit_command
from test_dashboard import COCO, LRS3, REPO, fixture_rows, write_dataset_dir, write_results

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 45

# CI (.ci/run) sets LBX_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
if os.environ.get("LBX_REQUIRE_BROWSER") == "1" and not os.access(CHROMIUM, os.X_OK):
    raise RuntimeError(f"{CHROMIUM} is missing but LBX_REQUIRE_BROWSER=1: the browser test must run")
pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                reason=f"no browser: {CHROMIUM} is missing (apt-get install chromium; .ci/run does)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer on {url} within {STARTUP_SECONDS} s")


def _serve(results: Path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "LBX_RESULTS"}
    # the command `lbx dashboard --headless --port PORT` runs (lbx binds it to
    # 127.0.0.1 by default), without a file watcher (the test never edits the file)
    cmd = streamlit_command(str(results), port, headless=True)
    cut = cmd.index("--")
    cmd[cut:cut] = ["--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from _serve(write_results(tmp_path_factory.mktemp("browser") / "results.parquet", fixture_rows()))


@pytest.fixture()
def browser_page():
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1250})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            yield page
        finally:
            browser.close()
    assert dialogs == [], f"a script from an abstract ran: {dialogs}"


def test_dashboard_in_a_browser(server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(server, wait_until="domcontentloaded")

    # Loads on the most covered benchmark, whose top paper carries a <script>.
    ranking = page.locator("table.lbx-rank")
    expect(ranking).to_be_visible(timeout=30_000)
    expect(ranking.locator("tr").nth(1)).to_contain_text("62.5 AP")
    expect(ranking).to_contain_text("<script>alert(1)</script>")  # shown as text
    expect(ranking).to_contain_text("[link](http://x)")
    assert ranking.locator("script, img").count() == 0
    assert ranking.locator("mark").first.inner_text() == "62.5 AP"
    assert page.evaluate("document.querySelectorAll('a[href=\"http://x\"]').length") == 0
    expect(page).to_have_url(f"{server}/?view=leaderboard&dataset=COCO+test-dev&metric={COCO[1]}")

    # Choose another benchmark: a lower-is-better one ranks ascending.
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Benchmark")
    picker.click()
    page.get_by_role("option", name=f"{LRS3[0]} · {LRS3[1]}").click()
    rows = ranking.locator("tr")
    expect(rows.nth(1)).to_contain_text("LipC", timeout=15_000)
    expect(rows.nth(1)).to_contain_text("19.0%")
    expect(rows.nth(2)).to_contain_text("LipA")
    expect(page.locator("p.lbx-muted").filter(has_text="lower is better")).to_be_visible()
    expect(page).to_have_url(f"{server}/?view=leaderboard&dataset=LRS3&metric=word+error+rate")

    # The Charts view of the same benchmark, by the sidebar.
    page.locator('[data-testid="stSidebar"]').get_by_text("Charts", exact=True).click()
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2, timeout=15_000)
    expect(page).to_have_url(f"{server}/?view=charts&dataset=LRS3&metric=word+error+rate")
    shot = tmp_path / "screenshot.png"
    page.wait_for_timeout(1000)  # let the charts finish drawing
    page.screenshot(path=str(shot))  # Streamlit scrolls inside the page: the viewport is the page
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("query,sees", [
    ("view=leaderboard&dataset=LRS3&metric=word+error+rate", "table.lbx-rank"),
    ("view=charts&dataset=LRS3&metric=word+error+rate", '[data-testid="stVegaLiteChart"]'),
    ("view=paper&paper=2401.00001", '[data-testid="stDataFrame"]'),
    ("view=explorer", '[data-testid="stDownloadButton"]'),
])
def test_every_view_the_readme_names_renders_from_its_url(server, browser_page, query, sees):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{server}/?{query}", wait_until="domcontentloaded")
    expect(page.locator(sees).first).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    view = query.split("&")[0].split("=")[1]
    expect(page).to_have_url(f"{server}/?{query}")
    if view == "paper":
        expect(page.locator("h4").filter(has_text="Results of the paper")).to_be_visible()
    if view == "charts":
        expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2, timeout=15_000)


def test_a_setting_switch_and_the_toggle_by_clicks(server, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{server}/?view=leaderboard&dataset=CIFAR-10&metric=accuracy&setting=semi-supervised%3B+250+labels",
              wait_until="domcontentloaded")
    ranking = page.locator("table.lbx-rank")
    expect(ranking.locator("tr").nth(1)).to_contain_text("SemiA", timeout=30_000)
    expect(ranking.locator("tr")).to_have_count(3)  # SemiA and SemiB; the supervised SupB is not on this board
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Setting")
    picker.click()
    page.get_by_role("option", name="none (the standard setting)").click()
    expect(ranking.locator("tr").nth(1)).to_contain_text("SupB", timeout=15_000)
    expect(ranking.locator("tr")).to_have_count(2)
    expect(page).to_have_url(f"{server}/?view=leaderboard&dataset=CIFAR-10&metric=accuracy")

    page.goto(server, wait_until="domcontentloaded")
    expect(ranking).to_be_visible(timeout=30_000)
    expect(ranking).not_to_contain_text("prior state of the art")
    page.get_by_text("Show everything", exact=False).click()
    expect(ranking).to_contain_text("prior state of the art", timeout=15_000)
    expect(ranking).to_contain_text("not ranked by default: anonymous reference")
    expect(page).to_have_url(f"{server}/?view=leaderboard&dataset=COCO+test-dev&metric={COCO[1]}&all=1")


def test_a_dataset_directory_opens_in_the_browser(tmp_path_factory, browser_page):
    from playwright.sync_api import expect

    root = write_dataset_dir(tmp_path_factory.mktemp("browser_ds") / "ds", fixture_rows())
    for url in _serve(root):
        page = browser_page
        page.goto(url, wait_until="domcontentloaded")
        ranking = page.locator("table.lbx-rank")
        expect(ranking.locator("tr").nth(1)).to_contain_text("62.5 AP", timeout=30_000)
        expect(page.locator("p.lbx-muted").first).to_contain_text(str(root))


@pytest.mark.skipif(os.environ.get("LBX_SCREENSHOT") != "1", reason="LBX_SCREENSHOT=1 refreshes docs/screenshot.png")
def test_screenshot_of_the_sample(tmp_path, browser_page):
    """The README's picture: the bundled sample extracted by the real lbx, its default board."""
    from playwright.sync_api import expect

    results = tmp_path / "sample.parquet"
    subprocess.run([os.path.join(os.path.dirname(os.path.abspath(os.sys.executable)), "lbx"), "extract",
                    *sorted(str(p) for p in (REPO / "data" / "sample").glob("*.txt")), "-o", str(results), "-q"],
                   check=True, cwd=REPO)
    for url in _serve(results):
        page = browser_page
        page.goto(url, wait_until="domcontentloaded")
        expect(page.locator("table.lbx-rank")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(REPO / "docs" / "screenshot.png"))
