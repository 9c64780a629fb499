"""The dashboard end to end in a real browser: `streamlit run` on a free local
port, driven by Playwright through Debian's chromium.

It checks what AppTest cannot: that the page loads in a browser, that the
picker works by clicks, and that a <script> in an abstract's sentence is shown
as text and never runs. With LBX_SCREENSHOT=1 it refreshes docs/screenshot.png
(the README's picture); otherwise the screenshot goes to pytest's tmp dir.

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
from test_dashboard import COCO, LRS3, REPO, fixture_rows, write_results

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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    results = write_results(tmp_path_factory.mktemp("browser") / "results.parquet", fixture_rows())
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


def test_dashboard_in_a_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1250})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
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
            expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(timeout=15_000)
            page.wait_for_timeout(1000)  # let the charts finish drawing for the picture

            shot = REPO / "docs" / "screenshot.png" if os.environ.get("LBX_SCREENSHOT") == "1" \
                else tmp_path / "screenshot.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot))  # Streamlit scrolls inside the page: the viewport is the page
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    assert dialogs == [], f"a script from an abstract ran: {dialogs}"
