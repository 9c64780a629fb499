"""Normalized values: every unit of a family brought to one unit with pint, so
that "30 ms" and "0.03 s" rank together.

pint's conversions are exact but importing pint and building its registry costs
about 0.4 s and 13 MB in every process that converts (each worker). So the
factors of the built-in units are computed by pint ahead of time and kept in
`unit_factors.json`; a test recomputes them with pint and fails if they differ
or one is missing (refresh: `python -m extractor.quantities`). A unit of a rule
pack that the file does not hold is converted by pint, once per process.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

FACTORS_FILE = Path(__file__).with_name("unit_factors.json")

# Family -> the pint unit values are converted to, and the name written to unit_norm.
TARGETS = {"time": ("second", "s"), "compute_time": ("hour", "h"), "memory": ("gigabyte", "GB"),
           "emissions": ("kilogram", "kg"), "power": ("watt", "W")}


@lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=1)
def _known_factors() -> dict[str, float]:
    try:
        return dict(json.loads(FACTORS_FILE.read_text(encoding="utf-8"))["factors"])
    except (OSError, ValueError, KeyError, TypeError):  # no file: pint computes every factor
        return {}


def _key(pint_unit: str, target: str) -> str:
    return f"{pint_unit} -> {target}"


@lru_cache(maxsize=256)
def _factor(pint_unit: str, target: str) -> float:
    known = _known_factors().get(_key(pint_unit, target))
    return known if known is not None else pint_factor(pint_unit, target)


def pint_factor(pint_unit: str, target: str) -> float:
    """How many `target` one `pint_unit` is, as pint converts it."""
    ureg = _registry()
    return float(ureg.Quantity(1.0, pint_unit).to(target).magnitude)


def builtin_factors() -> dict[str, float]:
    """The factor of every built-in unit that is normalized, computed by pint now."""
    from extractor.rules.loader import load_rules

    units = {(u.pint, TARGETS[u.family][0]) for u in load_rules().units.units.values() if u.pint and u.family in TARGETS}
    return {_key(p, t): pint_factor(p, t) for p, t in sorted(units)}


def normalize_value(value: float, multiplier: float, unit, units_table) -> tuple[float | None, str | None]:
    """(value_norm, unit_norm) for a value printed with `unit` (a symbol or None)."""
    scaled = value * multiplier
    if unit is None:
        return scaled, None
    spec = units_table.by_symbol(unit)
    if spec is None:
        return scaled, unit
    if spec.family in TARGETS and spec.pint:
        target, name = TARGETS[spec.family]
        try:
            return scaled * _factor(spec.pint, target), name
        except Exception:  # an unknown pint name in a user pack: keep the printed unit
            return scaled, unit
    if unit == "%":
        return scaled / 100.0, "fraction"
    return scaled, {"pp": "percentage point", "x": "x"}.get(unit, unit)


if __name__ == "__main__":
    FACTORS_FILE.write_text(json.dumps({"note": "computed by pint from extractor/rules/units.yaml: "
                                                "python -m extractor.quantities", "factors": builtin_factors()},
                                       indent=1) + "\n", encoding="utf-8")
    print(f"{FACTORS_FILE}: {len(builtin_factors())} factors")
