"""The unit table: which surfaces after (or before) a number are its unit.

Loaded from `units.yaml`; turned into two compiled regexes, one tried right after
a number, one right before it (currency). Longer surfaces are tried first so that
"percentage points" wins over "percent" and "GPU hours" over "hours".

The regex after a number is tried at every number, so its shape matters: most
surfaces begin with an optional space (`\\s?%`, `\\s?ms\\b`), and an alternation of
seventy such branches makes the regex engine try each twice, with the space and
without. A run of neighbouring branches `\\s?A|\\s?B` is written `\\s?(?:A|B)`
when neither A nor B can begin with a space (`_no_leading_space`): then the
branch that matches, and its span, are the same, in half the time.
"""
from __future__ import annotations

import re._constants as C  # noqa: N812 - the parser's opcode names
import re._parser as sre_parse
import unicodedata
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
                (before if u.prefix else after).append((len(s), group, s))
        self._after = _compile(after, factor_spaces=True)
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


_SPACE = "\\s?"


def _compile(parts: list[tuple[int, str, str]], anchor_end: bool = False, factor_spaces: bool = False):
    """One regex trying the surfaces (length, group, pattern), longest first."""
    if not parts:
        return None
    parts.sort(key=lambda p: -p[0])
    branches: list[str] = []
    run: list[str] = []  # neighbouring `\s?X` branches whose X cannot begin with a space
    for _, group, s in parts:
        rest = s[len(_SPACE):]
        if factor_spaces and s.startswith(_SPACE) and _no_leading_space(rest):
            run.append(f"(?P<{group}>{rest})")
            continue
        if run:
            branches.append(_SPACE + "(?:" + "|".join(run) + ")")
            run = []
        branches.append(f"(?P<{group}>{s})")
    if run:
        branches.append(_SPACE + "(?:" + "|".join(run) + ")")
    body = "|".join(branches)
    return regex.compile(f"(?:{body})" + ("$" if anchor_end else ""))


def _no_leading_space(pattern: str) -> bool:
    """`pattern` is one branch (no `|` outside brackets) whose every match begins
    with a character that no `\\s` matches. Erring towards False: whatever this
    cannot read (a `regex`-only construct, a look-around, an optional first item)
    is taken to possibly begin with a space."""
    if _top_level_bar(pattern):
        return False
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - any syntax `re` does not read
        return False
    return _starts_without_space(list(parsed))


def _starts_without_space(items: list) -> bool:
    if not items:
        return False
    op, av = items[0]
    if op is C.LITERAL:
        return _never_space(av, av)
    if op is C.IN:  # a class of literals, small ranges, digits and word characters only
        return all(o is C.LITERAL and _never_space(a, a) or o is C.RANGE and _never_space(*a)
                   or o is C.CATEGORY and a in (C.CATEGORY_DIGIT, C.CATEGORY_WORD) for o, a in av)
    if op is C.SUBPATTERN:
        add_flags, del_flags, body = av[1], av[2], av[3]
        return not (add_flags or del_flags) and _starts_without_space(list(body))
    if op is C.BRANCH:
        return all(_starts_without_space(list(b)) for b in av[1])
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, _, body = av
        return lo >= 1 and _starts_without_space(list(body))
    return False


def _never_space(lo: int, hi: int) -> bool:
    """No character from chr(lo) to chr(hi) is a space: all are letters, digits,
    punctuation or symbols (every `\\s` is a separator or a control character)."""
    return hi - lo <= 256 and all(unicodedata.category(chr(c))[0] in "LNPS" for c in range(lo, hi + 1))


def _top_level_bar(pattern: str) -> bool:
    """`pattern` has a `|` outside every group and class."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":
                i += 1  # "[]x]": a first "]" is a literal
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False
