"""The engine's rows on the dev sets equal the recorded snapshot (issue 11: a
speed-up changes no row). A meant change refreshes the snapshot in the same
commit: `.venv/bin/python tests/snapshots/engine.py`."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from extractor.rules.loader import load_rules

_spec = importlib.util.spec_from_file_location("engine_snapshot", Path(__file__).parent / "snapshots" / "engine.py")
snap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snap)
REFRESH = "if the change is meant, refresh with `.venv/bin/python tests/snapshots/engine.py` and commit it"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _first_difference(got: list, want: list) -> str:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f"row {i}: got {g} want {w}"
    return f"{len(got)} rows, the snapshot has {len(want)}"


def test_seed_rows_equal_the_snapshot(rules):
    want = [json.loads(line) for line in (snap.HERE / "seeds.jsonl").read_text("utf-8").splitlines()]
    got = json.loads(json.dumps(snap.rows(snap.seed_papers(), rules), ensure_ascii=False))  # as JSON reads back
    assert len(want) > 150, "the snapshot lost its rows"
    assert got == want, f"engine output on the seeds changed: {_first_difference(got, want)}; {REFRESH}"


@pytest.mark.parametrize("name", sorted(snap.CORPORA))
def test_corpus_rows_equal_the_snapshot(rules, name):
    if not snap.CORPORA[name].exists():
        pytest.skip(f"{snap.CORPORA[name]} is not here (../shared holds the ICLR corpora)")
    want = (snap.HERE / f"{name}.sha1").read_text("utf-8").split()
    got_rows = snap.rows(snap.corpus_papers(name), rules)
    got = [snap.digest(r) for r in got_rows]
    assert len(want) > 200
    if got != want:
        bad = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
        where = got_rows[bad] if bad < len(got_rows) else "(none)"
        pytest.fail(f"engine output on {name} changed at row {bad} of {len(got)} (snapshot: {len(want)}): "
                    f"{where}; {REFRESH}")


def test_the_snapshot_notices_a_changed_row(rules):
    """The comparison can fail: one changed field of one row changes its digest."""
    row = snap.rows(snap.seed_papers()[:40], rules)[0]
    changed = dict(row, metric="something else")
    assert snap.digest(row) != snap.digest(changed)
