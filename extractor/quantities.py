"""Normalized values: every unit of a family brought to one unit with pint, so
that "30 ms" and "0.03 s" rank together. The factor for each unit is computed
once per process (pint's registry is slow to build, its conversions are exact)."""
from __future__ import annotations

from functools import lru_cache

# Family -> the pint unit values are converted to, and the name written to unit_norm.
TARGETS = {"time": ("second", "s"), "compute_time": ("hour", "h"), "memory": ("gigabyte", "GB"),
           "emissions": ("kilogram", "kg"), "power": ("watt", "W")}


@lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=256)
def _factor(pint_unit: str, target: str) -> float:
    ureg = _registry()
    return float(ureg.Quantity(1.0, pint_unit).to(target).magnitude)


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
