"""Noun phrases cut by closed-class words, without a tagger.

"47% fewer tokens than ...", "a 38% reduction in FLOPs while ...", "raises the
hit rate by 6.5%": what a result measures is often a noun phrase nobody put in
a lexicon. English marks where such a phrase ends with a small, closed set of
words (determiners, prepositions, conjunctions, auxiliaries, a few adverbs and
verbs) and with punctuation and numbers, so a phrase is the run of open-class
words from a starting point up to the first of those. The words themselves are
rule data (`extractor/rules/attach.yaml`, `use: closed_class`).
"""
from __future__ import annotations

import functools

import regex

_WORD = regex.compile(r"[A-Za-z][A-Za-z0-9]*(?:[\-/'][A-Za-z0-9]+)*")
_GAP = regex.compile(r"[ \t]+|[ \t]*-[ \t]*")  # what may stand between two words of one phrase

MAX_WORDS = 4


def noun_phrase(text: str, pos: int, end: int, closed: frozenset[str],
                max_words: int = MAX_WORDS) -> tuple[int, int] | None:
    """The span of the noun phrase starting at `pos` (after optional spaces), or
    None when the first word is closed-class or no word starts there. `closed` is
    the closed-class word list (lower-case; `attach.yaml`'s closed_class)."""
    i = pos
    while i < end and text[i] == " ":
        i += 1
    start, last_end, n = i, None, 0
    while n < max_words:
        m = _WORD.match(text, i, end)
        if m is None or m.group().lower() in closed:
            break
        last_end, n = m.end(), n + 1
        gap = _GAP.match(text, m.end(), end)
        if gap is None:
            break
        i = gap.end()
    return (start, last_end) if last_end is not None else None


# "more accurate" names accuracy: the adjective of a comparison, as the noun of
# its quality. Suffix rules, most specific first.
_NOMINAL = [("ficient", "ficiency"), ("curate", "curacy"), ("cise", "cision"), ("able", "ability"),
            ("ible", "ibility"), ("ent", "ence"), ("ive", "iveness"), ("ust", "ustness"), ("ful", "fulness"),
            ("ble", "bility"), ("se", "sity"), ("ct", "ctness")]


def quality_noun(adjective: str) -> str | None:
    """"accurate" -> "accuracy", "parameter-efficient" -> "parameter efficiency";
    None when no suffix rule applies."""
    head, sep, last = adjective.rpartition("-")
    if not sep:
        head, sep, last = adjective.rpartition(" ")
    low = last.lower()
    for suffix, noun in _NOMINAL:
        if low.endswith(suffix):
            word = last[: len(last) - len(suffix)] + noun
            return f"{head} {word}" if head else word
    return None


@functools.lru_cache(maxsize=8)
def _lowered(text: str) -> str | None:
    """`text` lowercased, position for position; None where that is not so
    (U+0130 lowercases to two characters) or where it would hide a match
    (U+017F matches "s" ignoring case but lowercases to itself)."""
    low = text.lower()
    return low if len(low) == len(text) and "\u017f" not in text else None


def may_hold(text: str, lo: int, hi: int, words: tuple[str, ...]) -> bool:
    """False only when text[lo:hi] holds none of `words` (lowercase ASCII) in
    any case, as a regex's IGNORECASE reads them: the cheap question to ask
    before a search whose every match holds one of the words. The attach step
    searches a window before every number with long case-insensitive
    patterns, and the regex module tries them at every character; most
    windows hold none of their words."""
    low = _lowered(text)
    return low is None or any(low.find(w, lo, hi) >= 0 for w in words)


# Searching only where a match can start. The regex module tries a pattern at
# every character, and on prose that is most of what a search costs; a pattern
# that opens with a word or two (`\b(?:we|We|paper|work)\s+...`) can only match
# where one of them starts.
_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def word_starts(text: str, words: tuple[str, ...]) -> list[int]:
    """Where one of `words` (as printed, case and all) starts in `text`, in
    order, leaving out places right after an ASCII letter, digit or
    underscore: there a `\b` before the word cannot hold."""
    out = []
    for w in words:
        i = text.find(w)
        while i >= 0:
            if i == 0 or text[i - 1] not in _ASCII_WORD:
                out.append(i)
            i = text.find(w, i + 1)
    out.sort()
    return out


def matches_at(pattern: regex.Pattern, text: str, starts, endpos: int | None = None, timeout: float | None = None):
    """The matches `pattern.finditer(text, starts[0], endpos)` finds, in order,
    for a pattern that matches nowhere but at one of `starts` (sorted) and
    never matches the empty string: each is tried where the one before ended
    or later."""
    last = 0
    for p in starts:
        if p >= last:
            m = pattern.match(text, p, endpos, timeout=timeout)
            if m is not None:
                last = m.end()
                yield m
