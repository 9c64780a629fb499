"""Metric and dataset lexicons: names, aliases and what is known about each.

An alias is matched on word boundaries; a space or hyphen inside it also matches
a space, a hyphen or nothing ("top-1 accuracy", "top1 accuracy"). Where two
aliases start at the same place the longest wins, so "box AP" beats "AP" and
"CIFAR-100" beats "CIFAR-10".
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

@dataclass(frozen=True, slots=True)
class Entry:
    """One metric or dataset. `info` holds the rest of its rule (direction, task...)."""

    id: str
    name: str
    kind: str  # "metric" or "dataset"
    source: str  # file the entry came from
    info: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Mention:
    entry: Entry
    start: int
    end: int
    text: str


_SEP_CLASS = r"\s\-\u2010-\u2015\u2190-\u21ff,;"
_PAIR_RE = re.compile(rf"([^{_SEP_CLASS}]*)([{_SEP_CLASS}]*)")
_SEPARATORS = " \t\n-\u2010\u2011\u2012\u2013\u2014\u2015"
# What may separate the words of one alias: spaces, hyphens, and the brackets or "!"
# stripped from word edges ("Yahoo! Answers", "IWSLT14 (De-En)"); never . , ; :
_GAP_CHARS = _SEPARATORS + "!()[]'\""
_DROP_BRACKETS = str.maketrans("", "", "()[]")
_STRIP_LEFT = "([{\"'`"
_STRIP_RIGHT = ")]}\"'`,;:.!?"
MAX_WORDS = 8  # longest alias, in words, the matcher tries


@dataclass(slots=True)
class Tokens:
    """The words of a text as the matcher sees them, computed once per text."""

    spans: list[tuple[int, int]]
    words: list[str]
    lows: list[str]
    starts: list[int]


def tokenize(text: str, lo: int = 0, hi: int | None = None) -> Tokens:
    """Cut text[lo:hi] into words. One `findall` yields (word, separator) pairs,
    so spans come from adding lengths: no match object per word."""
    hi = len(text) if hi is None else hi
    spans, words, pos = [], [], lo
    for word, sep in _PAIR_RE.findall(text, lo, hi):
        n = len(word)
        if n:
            a = pos
            if word[0] in _STRIP_LEFT or word[-1] in _STRIP_RIGHT:
                stripped = word.lstrip(_STRIP_LEFT)
                a += n - len(stripped)
                word = stripped.rstrip(_STRIP_RIGHT)
            if word:
                spans.append((a, a + len(word)))
                words.append(word.translate(_DROP_BRACKETS) if "(" in word or "[" in word else word)
        pos += n + len(sep)
    return Tokens(spans, words, [w.lower() for w in words], [a for a, _ in spans])


def fold(alias: str, case_sensitive: bool) -> str:
    """The lookup key of a surface: its words joined without separators, brackets
    and edge punctuation; case folded unless the alias is case-sensitive."""
    key = "".join(tokenize(alias).words)
    return key if case_sensitive else key.lower()


def _singular(key: str) -> list[str]:
    if key.endswith("ies"):
        return [key[:-3] + "y"]
    if key.endswith("es"):
        return [key[:-2], key[:-1]]
    if key.endswith("s"):
        return [key[:-1]]
    return []


class Lexicon:
    """All surfaces of a set of entries, looked up by token windows.

    The text is cut into tokens at spaces and hyphens (brackets and trailing
    punctuation stripped); every run of up to MAX_WORDS tokens is looked up, once
    as printed (case-sensitive aliases) and once case-folded. A dictionary lookup
    per window keeps matching linear in the text, whatever the lexicon's size.
    """

    def __init__(self, entries: list[Entry], surfaces: list[tuple[str, Entry, bool]]):
        """`surfaces` is (alias, entry, case_sensitive)."""
        self.entries = {e.id: e for e in entries}
        self._cs: dict[str, Entry] = {}
        self._ci: dict[str, Entry] = {}
        self.max_words = 1
        # Keys of the first k words of every alias: a window whose key is no alias's
        # prefix cannot grow into a match, so the scan stops there.
        self._cs_prefixes: set[str] = set()
        self._ci_prefixes: set[str] = set()
        for alias, entry, cs in surfaces:
            key = fold(alias, cs)
            if not key:
                continue
            (self._cs if cs else self._ci).setdefault(key, entry)
            words = tokenize(alias).words
            prefixes = self._cs_prefixes if cs else self._ci_prefixes
            for k in range(1, len(words)):
                part = "".join(words[:k])
                prefixes.add(part if cs else part.lower())
            self.max_words = max(self.max_words, min(MAX_WORDS, len(words)))
        # Where a match can start: a word that is an alias key, or the key of an alias's
        # first words (a text word may be several alias words printed without separators,
        # "top1" for "top-1": its key is still such a prefix), or a plural the lookup
        # accepts ("error rates", "accuracies"). Any other word fails the look-up and
        # the prefix test on its own, so the scan need not start there.
        self._cs_first: set[str] = set(self._cs) | self._cs_prefixes
        self._ci_first: set[str] = set(self._ci) | self._ci_prefixes
        self._ci_first.update(form for key in self._ci for form in (key + "s", key + "es", key[:-1] + "ies"))

    def find(self, text: str, lo: int = 0, hi: int | None = None, tokens: "Tokens | None" = None) -> list[Mention]:
        """Non-overlapping mentions in text[lo:hi], the longest at each start.
        Pass `tokens` (from `tokenize(text)`) to share the tokenization between
        lexicons and sentences of one text."""
        hi = len(text) if hi is None else hi
        tokens = tokens if tokens is not None else tokenize(text, lo, hi)
        first_i = bisect.bisect_left(tokens.starts, lo)
        last_i = bisect.bisect_left(tokens.starts, hi)
        while last_i > first_i and tokens.spans[last_i - 1][1] > hi:
            last_i -= 1
        spans, words, lows = tokens.spans, tokens.words, tokens.lows
        found: list[Mention] = []
        n, max_words = last_i, self.max_words
        cs_first, ci_first = self._cs_first, self._ci_first
        # Words that can start an alias, found in one comprehension: most cannot.
        starts = [i for i in range(first_i, last_i) if words[i] in cs_first or lows[i] in ci_first]
        free = first_i  # words before this index are inside a mention already found
        for i in starts:
            if i < free:
                continue
            hit, last, key = None, i, ""
            for j in range(i, min(n, i + max_words)):
                if j > i and (spans[j][0] - spans[j - 1][1] > 3
                              or text[spans[j - 1][1]:spans[j][0]].strip(_GAP_CHARS)):
                    break  # only spaces and hyphens may stand between the words of an alias
                key += words[j]
                entry = self._lookup(key)
                if entry is not None:
                    hit, last = entry, j
                if key not in self._cs_prefixes and key.lower() not in self._ci_prefixes:
                    break
            a = spans[i][0]
            if hit is not None and a >= 2 and text[a - 1] == "-" and text[a - 2].isalnum():
                hit = None  # the tail of a compound ("test-time", "pre-training"): not a mention
            if hit is not None:
                b = spans[last][1]
                found.append(Mention(hit, a, b, text[a:b]))
                free = last + 1
        return found

    def _lookup(self, key: str) -> Entry | None:
        entry = self._cs.get(key)
        if entry is not None:
            return entry
        low = key.lower()
        entry = self._ci.get(low)
        if entry is not None or low[-1:] != "s":
            return entry
        for k in _singular(low):
            entry = self._ci.get(k)
            if entry is not None:
                return entry
        return None


class Spans:
    """Spans already claimed by mentions, asked "does [a, b) overlap one?" in
    log time: a text naming thousands of mentions must not cost their square."""

    def __init__(self, spans):
        self._spans = sorted(spans)
        self._starts = [x for x, _ in self._spans]
        self._longest = max((y - x for x, y in self._spans), default=0)

    def overlaps(self, a: int, b: int) -> bool:
        """Some span (x, y) has a < y and x < b."""
        spans = self._spans
        lo = bisect.bisect_left(self._starts, a - self._longest)  # a span starting earlier ends by a
        hi = bisect.bisect_left(self._starts, b)
        return any(spans[k][1] > a for k in range(lo, hi))

    def add(self, a: int, b: int) -> None:
        i = bisect.bisect_right(self._starts, a)
        self._starts.insert(i, a)
        self._spans.insert(i, (a, b))
        self._longest = max(self._longest, b - a)
