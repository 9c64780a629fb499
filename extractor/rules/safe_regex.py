"""Is a rule's regex safe to run on untrusted text? Compile, look, then time it.

A rule pack is data from anyone, and a regex is the one part of it that can make
the engine spin: `(?:e|e)+f` or `(a+)+` backtrack exponentially on a run of the
repeated text. Three checks, cheapest first:

1. it compiles (with the `regex` module, as the engine runs it) and is not huge;
2. static: the pattern is parsed (Python's `re` parser reads the `regex` syntax
   rules use) and every repeat that can run long (`*`, `+`, `{n,}`, `{n,m>3}`)
   is refused when its body can match one text in two ways, the shape of
   exponential backtracking: an inner repeat that can end the body while its
   item could also start the next iteration (`(a+)+`, `(\\w+\\s*)*`), or two
   alternatives that can match the same text (`(?:e|e)+`, `(\\w+|\\d+)+`). An
   alternative that can end where another goes on (`(a|aa)+`) is a suspect:
   its overlap, repeated, becomes one more timing probe: the `regex` module
   copes with many such shapes, such as the built-in `(?:{{QUAL}}\\s+)*`,
   ambiguous only on a run of spaces ("a  remarkable"), and runs them fast;
   Characters are compared on a sample alphabet (ASCII plus the non-ASCII
   letters and signs abstracts use), texts on their first few characters: a
   check that errs towards refusing, which no built-in pattern trips;
3. dynamic: the compiled regex must finish quickly on pathological probes.

A pattern `re` cannot parse (a `regex`-only construct such as `\\p{L}`) skips
step 2 only: the `regex` module has already accepted it, and step 3 still runs.
"""
from __future__ import annotations

import re._constants as C  # noqa: N812 - the parser's opcode names
import re._parser as sre_parse
import re
import time

import regex

MAX_REGEX_LEN = 4000
# Inputs on which every pattern must finish quickly (catastrophic backtracking guard).
# Patterns only ever see a window of a few hundred characters, so the probes are that
# long: polynomial work on them is fine, exponential backtracking is not.
PATHOLOGICAL = ["1" * 400, "." * 400, " " * 400, "x" * 400, "%" * 400, "e" * 400,
                "1." * 200, "a " * 200, "by " * 130, "1, " * 130, "-" * 400, "aA1 " * 100, "a" * 400]
BUDGET_SECONDS = 0.25
PROBE_SECONDS_PER_LOAD = 20.0  # all probes of one load together: a pack of slow regexes is refused
PREFIX = 8  # characters of each alternative compared
MAX_PATHS = 256  # prefix paths followed per alternative before giving up (and trusting the probe)
MAX_WITNESSES = 8  # probe texts built per pattern
PROBE_LEN = 400
LONG_REPEAT = 4  # a repeat that may run this many times or more is checked

_SAMPLE = ("abcdefghijklmnopqrstuvwxyz 0123456789" + "".join(chr(c) for c in range(32, 127) if not chr(c).isalnum() and c != 32)
           + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "\t\n\u00a0\u2009\u202f"
           "éèüöäçñßøåµ×·°±≈≤≥−–—‐‘’“”…€£¥中аеоΑαβ²")
_ALL = (1 << len(_SAMPLE)) - 1
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)


class UnsafeRegex(ValueError):
    """The pattern may backtrack exponentially; str says where."""


def _in_category(cat, ch: str) -> bool:
    if cat in (C.CATEGORY_DIGIT, C.CATEGORY_UNI_DIGIT):
        return ch.isdecimal()
    if cat in (C.CATEGORY_NOT_DIGIT, C.CATEGORY_UNI_NOT_DIGIT):
        return not ch.isdecimal()
    if cat in (C.CATEGORY_SPACE, C.CATEGORY_UNI_SPACE):
        return ch.isspace()
    if cat in (C.CATEGORY_NOT_SPACE, C.CATEGORY_UNI_NOT_SPACE):
        return not ch.isspace()
    if cat in (C.CATEGORY_WORD, C.CATEGORY_UNI_WORD):
        return ch.isalnum() or ch == "_"
    if cat in (C.CATEGORY_NOT_WORD, C.CATEGORY_UNI_NOT_WORD):
        return not (ch.isalnum() or ch == "_")
    return True  # line-break categories and the like: assume it may match


def _item_matches(op, av, ch: str) -> bool:
    if op is C.LITERAL:
        return chr(av) == ch
    if op is C.NOT_LITERAL:
        return chr(av) != ch
    if op is C.ANY:
        return ch != "\n"
    if op is C.CATEGORY:
        return _in_category(av, ch)
    if op is C.RANGE:
        return av[0] <= ord(ch) <= av[1]
    if op is C.IN:
        negate = bool(av) and av[0][0] is C.NEGATE
        hit = any(_item_matches(o, a, ch) for o, a in (av[1:] if negate else av))
        return hit != negate
    return True


def _charset(op, av) -> int:
    """The sample characters one character item matches, case-folded (rules run
    with IGNORECASE), as a bit mask over `_SAMPLE`."""
    bits = 0
    for i, ch in enumerate(_SAMPLE):
        if any(_item_matches(op, av, c) for c in {ch, ch.lower(), ch.upper()} if len(c) == 1):
            bits |= 1 << i
    return bits


_CHARSETS: dict[tuple, int] = {}  # (op, str(arg)) -> bit mask, shared by all patterns
_REPEAT_MEMO: dict[tuple, tuple] = {}  # (str(body), follow) -> (problem, probe texts)
_CHAR_OPS = (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN, C.CATEGORY)


class _Walker:
    """The analysis of one parsed pattern (memoized per node)."""

    def __init__(self):
        self.witnesses: set[str] = set()
        self._memo: dict[tuple, object] = {}  # per node of this parse (keyed by id: the parse is alive)

    def cs(self, op, av) -> int:
        key = (op, str(av))
        if key not in _CHARSETS:
            _CHARSETS[key] = _charset(op, av)
        return _CHARSETS[key]

    # -- nullable / first-character sets
    def nullable(self, items) -> bool:
        return all(self._nullable_item(op, av) for op, av in items)

    def _nullable_item(self, op, av) -> bool:
        if op in _CHAR_OPS:
            return False
        key = ("n", id(av))
        if key not in self._memo:
            self._memo[key] = self._nullable_node(op, av)
        return self._memo[key]

    def _nullable_node(self, op, av) -> bool:
        if op in _CHAR_OPS:
            return False
        if op is C.SUBPATTERN:
            return self.nullable(av[-1])
        if op is C.ATOMIC_GROUP:
            return self.nullable(av)
        if op is C.BRANCH:
            return any(self.nullable(alt) for alt in av[1])
        if op in _REPEATS or op is C.POSSESSIVE_REPEAT:
            return av[0] == 0 or self.nullable(av[2])
        return True  # AT, ASSERT, ASSERT_NOT, GROUPREF...: consume nothing, or unknown

    def first(self, items, follow: int = 0) -> int:
        bits = 0
        for op, av in items:
            bits |= self._first_item(op, av)
            if not self._nullable_item(op, av):
                return bits
        return bits | follow

    def _first_item(self, op, av) -> int:
        if op in _CHAR_OPS:
            return self.cs(op, av)
        key = ("f", id(av))
        if key not in self._memo:
            self._memo[key] = self._first_node(op, av)
        return self._memo[key]

    def _first_node(self, op, av) -> int:
        if op in _CHAR_OPS:
            return self.cs(op, av)
        if op is C.SUBPATTERN:
            return self.first(av[-1])
        if op is C.ATOMIC_GROUP:
            return self.first(av)
        if op is C.BRANCH:
            out = 0
            for alt in av[1]:
                out |= self.first(alt)
            return out
        if op in _REPEATS or op is C.POSSESSIVE_REPEAT:
            return self.first(av[2]) if av[1] > 0 else 0
        if op in (C.GROUPREF, C.GROUPREF_EXISTS):
            return _ALL
        return 0

    # -- prefix paths: the sequences of character sets the first PREFIX characters can take
    def paths(self, items, k: int) -> list[tuple[int, ...]] | None:
        cur: list[tuple[int, ...]] = [()]
        for op, av in items:
            nxt: set[tuple[int, ...]] = set()
            for p in cur:
                if len(p) >= k:
                    nxt.add(p)
                    continue
                tails = self._item_paths(op, av, k - len(p))
                if tails is None:
                    return None
                nxt.update(p + t for t in tails)
            if len(nxt) > MAX_PATHS:
                return None
            cur = list(nxt)
        return cur

    def _item_paths(self, op, av, k: int):
        if op in _CHAR_OPS:
            return [(self.cs(op, av),)]
        if op is C.SUBPATTERN:
            return self.paths(av[-1], k)
        if op is C.ATOMIC_GROUP:
            return self.paths(av, k)
        if op is C.BRANCH:
            out = []
            for alt in av[1]:
                got = self.paths(alt, k)
                if got is None:
                    return None
                out.extend(got)
            return out
        if op in _REPEATS or op is C.POSSESSIVE_REPEAT:
            lo, hi, body = av
            out, cur = set(), [()]
            for n in range(min(hi, k + lo) + 1):
                if n >= lo:
                    out.update(cur)
                if n == min(hi, k + lo):
                    break
                step = set()
                for p in cur:
                    if len(p) >= k:
                        step.add(p)
                        continue
                    tails = self.paths(body, k - len(p))
                    if tails is None:
                        return None
                    step.update(p + t for t in tails)
                if len(step) > MAX_PATHS:
                    return None
                cur = list(step)
            return list(out)
        if op in (C.GROUPREF, C.GROUPREF_EXISTS):
            return [(), (_ALL,) * k]
        return [()]  # assertions and anchors consume nothing

    # -- the check
    def check(self, items, follow: int, where: str) -> None:
        afters, acc = [0] * len(items), follow  # what may follow each item, in one backward pass
        for i in range(len(items) - 1, -1, -1):
            afters[i] = acc
            op, av = items[i]
            acc = self._first_item(op, av) | (acc if self._nullable_item(op, av) else 0)
        for (op, av), after in zip(items, afters):
            if op is C.SUBPATTERN:
                self.check(av[-1], after, where)
            elif op is C.ATOMIC_GROUP:
                self.check(av, after, where)
            elif op is C.BRANCH:
                for alt in av[1]:
                    self.check(list(alt), after, where)
            elif op in _REPEATS or op is C.POSSESSIVE_REPEAT:
                self._check_repeat(op, av, after, where)

    def _check_repeat(self, op, av, after: int, where: str) -> None:
        """One repeat and what it holds; memoized, as a fragment puts the same
        repeat in many rules."""
        key = (op, str(av), after)
        if key not in _REPEAT_MEMO:
            outer, self.witnesses = self.witnesses, set()
            try:
                lo, hi, body = av
                body = list(body)
                if op in _REPEATS and hi >= LONG_REPEAT:
                    self._check_repeat_body(body, after)
                self.check(body, self.first(body, after), where)
                _REPEAT_MEMO[key] = (None, self.witnesses)
            except UnsafeRegex as exc:
                _REPEAT_MEMO[key] = (str(exc), set())
            finally:
                self.witnesses = outer
        problem, witnesses = _REPEAT_MEMO[key]
        if problem:
            raise UnsafeRegex(problem)
        self.witnesses |= set(sorted(witnesses)[:max(0, MAX_WITNESSES - len(self.witnesses))])

    def _check_repeat_body(self, body, after: int) -> None:
        restart = self.first(body, after)  # what the next iteration (or the text after) starts with
        for op, av in self._tail_repeats(body):
            if av[1] > 1 and self.first(av[2]) & self.first(body):
                raise UnsafeRegex("a repeat inside a repeat can end one iteration or start the next "
                                  "(nested quantifiers, as in (a+)+)")
        self._check_branches(body, [], restart)

    def _tail_repeats(self, items):
        """Inner repeats that can be the last thing an iteration of `items` matches."""
        out = []
        for op, av in reversed(items):
            if op in _REPEATS:
                out.append((op, av))
            elif op is C.SUBPATTERN:
                out.extend(self._tail_repeats(av[-1]))
            elif op is C.BRANCH:
                for alt in av[1]:
                    out.extend(self._tail_repeats(alt))
            if not self._nullable_item(op, av):
                break
        return out

    def _check_branches(self, items, rest, restart: int) -> None:
        """Alternatives (in this body, outside inner repeats) that can match one text."""
        for i, (op, av) in enumerate(items):
            tail = list(items[i + 1:]) + rest
            if op is C.SUBPATTERN:
                self._check_branches(av[-1], tail, restart)
            elif op is C.BRANCH:
                alts = [self.paths(list(alt) + tail, PREFIX) for alt in av[1]]
                heads = [None if ps is None else _heads(ps, restart) for ps in alts]
                for a in range(len(alts)):
                    for b in range(a + 1, len(alts)):
                        if heads[a] is not None and heads[b] is not None and heads[a] & heads[b]:
                            self._compare(alts[a], alts[b], restart)
                for alt in av[1]:
                    self._check_branches(alt, tail, restart)

    def _compare(self, ps, qs, restart: int) -> None:
        """Two alternatives that match the same text: refused. One that ends where
        the other goes on, the next iteration taking up the rest (`(a|aa)+`), or two
        that share a long start: a suspect, whose overlap text becomes a probe."""
        padded_q = [(q, _pad(q, restart)) for q in qs]
        for p in ps:
            pp = _pad(p, restart)
            for q, qq in padded_q:
                if not all(x & y for x, y in zip(pp, qq)):
                    continue
                if len(p) == len(q) < PREFIX:
                    raise UnsafeRegex("two alternatives inside a repeat can match the same text "
                                      "(overlapping alternatives, as in (?:e|e)+)")
                if len(self.witnesses) < MAX_WITNESSES:
                    self.witnesses.add(_witness(pp, qq, max(len(p), len(q))))


def _heads(ps, restart: int) -> int:
    """The characters an alternative's text can start with (cheap pre-test)."""
    bits = 0
    for p in ps:
        bits |= p[0] if p else restart
    return bits


def _pad(p: tuple[int, ...], restart: int) -> tuple[int, ...]:
    return p + ((restart,) + (_ALL,) * PREFIX)[: PREFIX - len(p)] if len(p) < PREFIX else p


def _witness(p, q, length: int) -> str:
    """A text both (overlapping) padded paths read: their first `length` characters."""
    out = []
    for x, y in list(zip(p, q))[:max(length, 1)]:
        both = x & y
        out.append(_SAMPLE[(both & -both).bit_length() - 1])
    return "".join(out)


def static_check(pattern: str) -> list[str]:
    """Raise UnsafeRegex when `pattern` has the shape of exponential backtracking;
    return the probe texts built for its suspect repeats."""
    if pattern not in _PATTERN_MEMO:
        try:
            _PATTERN_MEMO[pattern] = (None, _static_check(pattern))
        except UnsafeRegex as exc:
            _PATTERN_MEMO[pattern] = (str(exc), [])
    problem, probes = _PATTERN_MEMO[pattern]
    if problem:
        raise UnsafeRegex(problem)
    return probes


_PATTERN_MEMO: dict[str, tuple] = {}  # every load of a process checks the same built-ins


def _static_check(pattern: str) -> list[str]:
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - regex-only syntax: the timing probe decides
        return []
    walker = _Walker()
    walker.check(list(parsed), 0, pattern)
    return [(w * (PROBE_LEN // len(w) + 1))[:PROBE_LEN] for w in sorted(walker.witnesses)]


class Prober:
    """The timing probe, with one budget for a whole load (many slow regexes add up)."""

    def __init__(self):
        self.spent = 0.0

    def probe(self, anchored: regex.Pattern, compiled: regex.Pattern, extra: list[str] = ()) -> str | None:
        """None, or the probe text the regex ran past its budget on."""
        started = time.perf_counter()
        try:
            for probe in [*PATHOLOGICAL, *extra]:
                try:
                    anchored.search(probe, timeout=BUDGET_SECONDS)
                    compiled.search(probe + "!", timeout=BUDGET_SECONDS)
                except TimeoutError:
                    return probe
        finally:
            self.spent += time.perf_counter() - started
        return None


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def has_control(text: str) -> bool:
    """Control (Cc), line- or paragraph-separator and bidi-override characters:
    they can forge or reorder a line of output."""
    return _CONTROL.search(text) is not None
