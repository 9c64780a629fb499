"""The unit factors kept in extractor/unit_factors.json are pint's, and a run
that converts built-in units never needs pint (it costs 0.4 s and 13 MB a process)."""
from __future__ import annotations

import json
import subprocess
import sys

from extractor import quantities
from extractor.rules.loader import load_rules


def test_the_kept_factors_are_what_pint_computes_now():
    kept = json.loads(quantities.FACTORS_FILE.read_text(encoding="utf-8"))["factors"]
    assert kept == quantities.builtin_factors(), "refresh with: python -m extractor.quantities"
    assert kept["millisecond -> second"] == 0.001 and kept["day -> second"] == 86400.0


def test_a_unit_the_file_does_not_hold_is_converted_by_pint():
    assert "fortnight -> second" not in quantities._known_factors()
    assert quantities._factor("fortnight", "second") == 14 * 86400.0


def test_converting_built_in_units_imports_no_pint():
    code = ("import sys\n"
            "from extractor.api import extract_text\n"
            "rows = extract_text('Inference takes 12 ms per image, 3x faster than the 36 ms of the baseline, "
            "and training needs 2 days on 8 GPUs with 16 GB of memory.', title='A fast model')\n"
            "print(sorted({(r.unit_norm, r.value_norm) for r in rows if r.unit_norm}), 'pint' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "('s', 0.012)" in out and out.strip().endswith("False"), out


def test_every_normalized_builtin_unit_has_a_kept_factor():
    kept = quantities._known_factors()
    for u in load_rules().units.units.values():
        if u.pint and u.family in quantities.TARGETS:
            assert f"{u.pint} -> {quantities.TARGETS[u.family][0]}" in kept, u.id
