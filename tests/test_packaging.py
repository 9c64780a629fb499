"""The wheel: what it holds, and that a non-editable install of it runs
`lbx extract`, `lbx rules` and `lbx dashboard` on the sample.

The install test must not see this checkout: the fresh venv gets only the
wheel, and finds lbx's dependencies through a `.pth` line naming this venv's
site-packages (a directory added that way is searched, but the `.pth` files
in it, among them the editable install's finder, are not run), so it runs
offline and `extractor` resolves to the wheel's copy, which the test checks.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = sorted(str(p) for p in (REPO / "data" / "sample").glob("*.txt"))


def _setuptools_version() -> tuple[int, ...]:
    try:
        from importlib.metadata import version

        return tuple(int(x) for x in version("setuptools").split(".")[:2])
    except Exception:
        return (0,)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built once, from a copy of the checkout's files (the build leaves build/ and
    *.egg-info where it runs), without build isolation: no index needed."""
    if _setuptools_version() < (77,):
        pytest.skip("building the wheel offline needs setuptools>=77 in this venv (pip install -e '.[test]')")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    for name in files:
        if (REPO / name).is_file() and not name.startswith(("tests/", "data/sample", "benchmarks/")):
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                          "-w", str(tmp / "dist")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    (whl,) = (tmp / "dist").glob("lbx-*.whl")
    return whl


def test_the_wheel_holds_both_packages_the_rules_and_the_command(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "dashboards/app.py" in names and "dashboards/views/leaderboard.py" in names
    rules = {f"extractor/rules/{p.name}" for p in (REPO / "extractor" / "rules").glob("*.yaml")}
    assert rules and rules <= names
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    entry = zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode()
    assert "lbx = extractor.__main__:main" in entry
    meta = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode().splitlines()
    assert "License-Expression: Apache-2.0" in meta
    assert not any(n.startswith(("tests/", "data/")) for n in names)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    res = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--progress-bar", "off",
                          str(wheel)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "zz_deps_from_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def run_in(venv: Path, *args, cwd, timeout=120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LBX_RULES", "LBX_RESULTS")}
    return subprocess.run([str(venv / "bin" / "lbx"), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env=env)


def test_the_installed_copy_is_the_wheel_not_this_checkout(installed, tmp_path):
    out = subprocess.run([str(installed / "bin" / "python"), "-c",
                          "import extractor, dashboards; print(extractor.__file__); print(dashboards.__file__)"],
                         capture_output=True, text=True, cwd=tmp_path, check=True).stdout.split()
    assert all(p.startswith(str(installed)) for p in out), out


def test_wheel_install_runs_extract_rules_and_dashboard(installed, tmp_path):
    res = run_in(installed, "extract", *SAMPLE, "-o", "s.parquet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "next: lbx dashboard s.parquet" in res.stderr
    res = run_in(installed, "rules", "check", cwd=tmp_path, timeout=300)
    assert res.returncode == 0 and " 0 fail" in res.stdout, res.stdout + res.stderr
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LBX_RESULTS")}
    proc = subprocess.Popen([str(installed / "bin" / "lbx"), "dashboard", "s.parquet", "--headless", "--port",
                             str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    health = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", proc.stdout.read().decode() if proc.poll() is not None else "no answer"
        cmdline = " ".join(__import__("psutil").Process(proc.pid).children()[0].cmdline())
        assert f"{installed}/lib/" in cmdline and "site-packages/dashboards/app.py" in cmdline
    finally:
        proc.terminate()  # lbx stops its Streamlit server on SIGTERM
        proc.wait(timeout=30)
