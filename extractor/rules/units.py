"""The unit table: which surfaces after (or before) a number are its unit.

Loaded from `units.yaml`; turned into two compiled regexes, one tried right after
a number, one right before it (currency). Longer surfaces are tried first so that
"percentage points" wins over "percent" and "GPU hours" over "hours".
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

UNIT_KEYS = {"id", "symbol", "family", "pint", "surfaces", "examples", "prefix"}


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    symbol: str
    family: str
    pint: str | None
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class UnitMatch:
    symbol: str
    family: str
    start: int
    end: int


class UnitTable:
    """Compiled unit surfaces; `match_after` / `match_before` read a number's unit."""

    def __init__(self, units: list[Unit], surfaces: dict[str, list[str]]):
        self.units = {u.id: u for u in units}
        self._by_symbol = {}
        for u in units:
            self._by_symbol.setdefault(u.symbol, u)
        after, before = [], []
        for u in units:
            for i, s in enumerate(surfaces[u.id]):
                group = f"{u.id}__{i}"
                (before if u.prefix else after).append((len(s), f"(?P<{group}>{s})"))
        self._after = _compile(after)
        self._before = _compile(before, anchor_end=True)

    def match_after(self, text: str, pos: int, hi: int | None = None) -> UnitMatch | None:
        if self._after is None:
            return None
        m = self._after.match(text, pos, hi if hi is not None else len(text), timeout=1.0)
        return self._result(m)

    def match_before(self, text: str, pos: int) -> UnitMatch | None:
        if self._before is None:
            return None
        m = self._before.search(text, max(0, pos - 6), pos, timeout=1.0)
        return self._result(m)

    def by_symbol(self, symbol: str | None) -> Unit | None:
        return self._by_symbol.get(symbol)

    def _result(self, m) -> UnitMatch | None:
        if not m or m.end() == m.start():
            return None
        unit = self.units[m.lastgroup.split("__")[0]]
        return UnitMatch(unit.symbol, unit.family, m.start(), m.end())


def _compile(parts: list[tuple[int, str]], anchor_end: bool = False):
    if not parts:
        return None
    parts.sort(key=lambda p: -p[0])
    body = "|".join(p for _, p in parts)
    return regex.compile(f"(?:{body})" + ("$" if anchor_end else ""))
