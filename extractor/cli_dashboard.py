"""`lbx dashboard [RESULTS]`: open a results table (a Parquet file, or a dataset
directory `lbx extract -o DIR/` wrote) in the Streamlit dashboard.

It runs `python -m streamlit run dashboards/app.py -- RESULTS.parquet` with the
interpreter lbx runs under, so the dashboard sees the same packages. Without a
file it leaves the choice to the app: LBX_RESULTS, else the bundled sample.
The app is found by import path (the `dashboards` package, installed beside
`extractor` by the same distribution), so a wheel install works as a checkout does.

It listens on 127.0.0.1 unless `--address` says otherwise: Streamlit's own
default is every interface, which would publish the table (and the app) to
the whole network of a laptop on café wifi.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

def _app() -> Path:
    """dashboards/app.py wherever the `dashboards` package is installed (site-packages
    or a checkout), without importing it (that would import Streamlit)."""
    import importlib.util

    spec = importlib.util.find_spec("dashboards")
    if spec is None or not spec.submodule_search_locations:
        return Path("dashboards") / "app.py"  # not installed: the message below names it
    return Path(list(spec.submodule_search_locations)[0]).resolve() / "app.py"


APP = _app()
DEFAULT_ADDRESS = "127.0.0.1"


def streamlit_command(results: str | None, port: int | None, headless: bool,
                      address: str = DEFAULT_ADDRESS) -> list[str]:
    """The argv that starts the dashboard (kept apart so that tests can check it)."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP),
           # Streamlit would otherwise send usage statistics from the browser.
           "--browser.gatherUsageStats", "false",
           # No "Deploy" button: this is a local viewer of one file.
           "--client.toolbarMode", "minimal",
           "--server.address", address]
    if port is not None:
        cmd += ["--server.port", str(port)]
    if headless:
        cmd += ["--server.headless", "true"]
    if results is not None:
        cmd += ["--", os.path.abspath(results)]
    return cmd


def _nonempty(ctx, param, value: str) -> str:
    if not value.strip():  # Streamlit would read "" as its own default: every interface
        raise click.BadParameter("give an address (127.0.0.1, 0.0.0.0, ...)")
    return value.strip()


@click.command("dashboard")
@click.argument("results", required=False, metavar="[RESULTS]",
                type=click.Path(exists=True))
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to serve on (Streamlit's default: 8501).")
@click.option("--address", default=DEFAULT_ADDRESS, show_default=True, metavar="ADDR", callback=_nonempty,
              help="Address to listen on; 0.0.0.0 for every interface (anyone who can reach the machine sees the table).")
@click.option("--headless", is_flag=True, help="Do not open a browser (for servers).")
def dashboard(results, port, address, headless):
    """Open RESULTS (a Parquet file or a dataset directory; default: $LBX_RESULTS, else the bundled sample)."""
    if not APP.is_file():
        raise click.ClickException(
            f"the dashboard is not installed with this copy of lbx (no {APP}); "
            "reinstall lbx (pip install lbx, or pip install . in a checkout)")
    try:
        import streamlit  # noqa: F401  (a clear message rather than python's)
    except ImportError:
        raise click.ClickException("the dashboard needs streamlit: pip install streamlit altair") from None
    return run(streamlit_command(results, port, headless, address))


def run(cmd: list[str]) -> int:
    """Run Streamlit until it exits; on Ctrl-C (which it receives as well) or
    lbx's SIGTERM, stop it too rather than leave a server behind."""
    proc = subprocess.Popen(cmd)
    try:
        return proc.wait()
    except BaseException:
        stop(proc)
        raise


def stop(proc: subprocess.Popen, grace: float = 10) -> None:
    """Terminate a server, and kill it if it has not gone within `grace` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
