"""Sentence splitting that survives what abstracts are full of: decimals
("91.5%"), abbreviations ("e.g.", "i.e.", "et al.", "vs.", "Fig."), and
initials. Returns spans so that evidence can be cut from the original text."""
from __future__ import annotations

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
_WORD_BEFORE = regex.compile(r"(\S+)$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of `text`, whitespace trimmed."""
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
