"""What a pattern cannot match without: the cue words read from its parse tree.

Most accept and exclude patterns need a cue word ("by", "from", "vs", "faster")
somewhere in their match. A number whose window holds none of a pattern's cue
words cannot fit it, so the regex need not run: a substring test on the
case-folded sentence costs a fraction of a regex search over 160 characters,
and some searches (a leading `\\d[\\d.,]*` over a run of digits) cost far more.

The analysis is conservative: whatever it does not understand (classes,
lookarounds, back-references, syntax only the `regex` module knows) requires
nothing, so skipping a pattern never changes which numbers it fits.
"""
from __future__ import annotations

import bisect
import re
import re._constants as C
import re._parser as P

_MAX_ALTERNATIVES = 64
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)
_cache: dict[str, frozenset[str] | None] = {}


def required_strings(pattern: str) -> frozenset[str] | None:
    """Case-folded strings one of which every match of `pattern` contains, or
    None when the analysis knows no such set."""
    if pattern not in _cache:
        try:
            tree = P.parse(pattern, re.IGNORECASE)
        except Exception:  # regex-only syntax: no prefilter for this pattern
            _cache[pattern] = None
        else:
            need = _sequence(list(tree))
            _cache[pattern] = frozenset(need) if need else None
    return _cache[pattern]


class CueIndex:
    """Where the cue words of each pattern occur in one sentence, found once per
    sentence and looked up per number by bisection."""

    __slots__ = ("_folded", "_offset", "_found")

    def __init__(self, text: str, start: int, end: int):
        sentence = text[start:end]
        folded = sentence.casefold()
        # folding that changes the length would shift offsets: the regexes decide there
        self._folded = folded if len(folded) == len(sentence) else None
        self._offset = start
        self._found: dict[frozenset[str], tuple[list[int], list[int]]] = {}

    def has(self, need: frozenset[str], lo: int, hi: int) -> bool:
        """One of `need` lies wholly inside text[lo:hi]."""
        if self._folded is None:
            return True
        found = self._found.get(need)
        if found is None:
            found = self._found[need] = self._occurrences(need)
        starts, ends = found
        a, b = lo - self._offset, hi - self._offset
        i = bisect.bisect_left(starts, a)
        while i < len(starts) and starts[i] < b:
            if ends[i] <= b:
                return True
            i += 1
        return False

    def _occurrences(self, need: frozenset[str]) -> tuple[list[int], list[int]]:
        folded, spans = self._folded, []
        for s in need:
            i = folded.find(s)
            while i >= 0:
                spans.append((i, i + len(s)))
                i = folded.find(s, i + 1)
        spans.sort()
        return [a for a, _ in spans], [b for _, b in spans]


def _sequence(items) -> set[str] | None:
    """Every item of a sequence must match: the most selective requirement of
    any one item (or run of literal characters) is required."""
    best, run = None, []

    def consider(cand):
        nonlocal best
        if cand and (best is None or _score(cand) > _score(best)):
            best = cand

    for op, av in items + [(None, None)]:
        if op is C.LITERAL and len(chr(av).casefold()) == 1:
            run.append(chr(av).casefold())
            continue
        if run:
            consider({"".join(run)})
            run = []
        if op is None:
            break
        consider(_node(op, av))
    return best


def _node(op, av) -> set[str] | None:
    if op is C.SUBPATTERN:
        return _sequence(list(av[3]))
    if op is C.ATOMIC_GROUP:
        return _sequence(list(av))
    if op in _REPEATS:
        low, _, sub = av
        return _sequence(list(sub)) if low >= 1 else None
    if op is C.BRANCH:  # one alternative matches: the union of their requirements
        out: set[str] = set()
        for alt in av[1]:
            need = _sequence(list(alt))
            if not need:
                return None
            out |= need
        return out if len(out) <= _MAX_ALTERNATIVES else None
    return None  # classes, anchors, lookarounds, references: require nothing


def _score(need: set[str]) -> tuple[int, int]:
    return (min(len(s) for s in need), -len(need))
