"""Sentence splitting that survives what abstracts are full of: decimals
("91.5%"), abbreviations ("e.g.", "i.e.", "et al.", "vs.", "Fig."), and
initials. Returns spans so that evidence can be cut from the original text.

A "sentence" longer than MAX_SENTENCE_CHARS (no real one is: arXiv caps a whole
abstract at 1,920 characters) is cut into pieces of at most that length, at a
space and never inside a number, so that the work the rules do per number over
its sentence stays bounded, whatever the text."""
from __future__ import annotations

import bisect

import regex

# Tokens after which a period does not end a sentence (compared case-insensitively,
# without the final period).
ABBREVIATIONS = frozenset("""
e.g eg i.e ie et al etc vs v.s cf fig figs eq eqs sec secs tab approx resp no nos
dr mr ms prof inc ltd co jr sr st vol pp ca ref refs al ex incl w.r.t wrt est min max
""".split())

# A boundary candidate: end punctuation, optional closing quote/bracket, space(s),
# then something that can start a sentence.
_BOUNDARY = regex.compile(r"""[.!?]["')\]]*\s+(?=["'(\[]?[\p{Lu}\d])""")
# The word just before a period. Matched right to left (`(?r)`): it ends at the
# period, so a reverse search finds it at once instead of trying every start of
# the window (the same span: the longest run of non-spaces the window allows).
_WORD_BEFORE = regex.compile(r"(?r)(\S+)$")


MAX_SENTENCE_CHARS = 2_000


def split_sentences(text: str, numbers=()) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of `text`, whitespace trimmed.
    `numbers` (spans with .start and .end, in order) are never cut apart."""
    spans = _split(text)
    if all(e - s <= MAX_SENTENCE_CHARS for s, e in spans):
        return spans
    keep_starts = [n.start for n in numbers]
    out: list[tuple[int, int]] = []
    for s, e in spans:
        out.extend(_pieces(text, s, e, numbers, keep_starts))
    return out


def _pieces(text: str, s: int, e: int, numbers, keep_starts: list[int]) -> list[tuple[int, int]]:
    """text[s:e] in pieces of at most MAX_SENTENCE_CHARS (longer only where one
    number is), cut at the last space of each piece."""
    out = []
    while e - s > MAX_SENTENCE_CHARS:
        limit = s + MAX_SENTENCE_CHARS
        cut = text.rfind(" ", s + MAX_SENTENCE_CHARS // 2, limit)
        cut = limit if cut < 0 else cut
        i = bisect.bisect_left(keep_starts, cut) - 1  # the last number starting before the cut
        if i >= 0 and numbers[i].end > cut:
            cut = numbers[i].end
        if cut >= e:
            break
        piece = _trim(text, s, cut)
        if piece[1] > piece[0]:
            out.append(piece)
        s = cut
    piece = _trim(text, s, e)
    if piece[1] > piece[0]:
        out.append(piece)
    return out


def _split(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        punct = m.start()
        if text[punct] == "." and _is_abbreviation(text, punct):
            continue
        end = m.end()
        spans.append(_trim(text, start, end))
        start = end
    if start < len(text):
        spans.append(_trim(text, start, len(text)))
    return [s for s in spans if s[1] > s[0]]


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _WORD_BEFORE.search(text, max(0, dot - 20), dot)
    if not m:
        return False
    word = m.group(1).lstrip("([\"'").lower()
    if word in ABBREVIATIONS:
        return True
    # single initials ("J. Smith") and "al" of "et al"
    return len(word) == 1 and word.isalpha() and text[dot + 1 : dot + 3].strip()[:1].isupper()


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
