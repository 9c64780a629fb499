"""Abbreviation definitions: "Smooth Adversarial Training (SAT)" -> (long form, SAT).

Papers name their method once in full with its short form in parentheses and
use the short form after. Finding those pairs is a solved problem: the
Schwartz-Hearst algorithm (Schwartz & Hearst, "A simple algorithm for
identifying abbreviation definitions in biomedical text", PSB 2003) matches the
short form's characters right to left inside the words before the parenthesis
and takes the shortest long form that covers them, the first character at a
word start. It needs no dictionary, so it works for names nobody has seen yet.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

# "(SF)" or "(SF;" / "(SF," : 2-12 characters, at most two words, a letter, an
# alphanumeric first character.
_PAREN = regex.compile(r"\(\s*([A-Za-z0-9][^\s()\[\];,]{0,11}(?:\s[^\s()\[\];,]{1,8})?)\s*[);,]")
_WORD = regex.compile(r"[^\s]+")
_CLAUSE_START = regex.compile(r"[.;:!?]\s|[\(\)\[\]]")
# The last clause start before a parenthesis, searched from the right: matches
# never overlap, so the first found from the right is the last found from the left.
_LAST_CLAUSE_START = regex.compile(r"(?r)[.;:!?]\s|[\(\)\[\]]")
# Characters `str.split` splits at and the regex `\s` does not.
_SPLIT_ONLY = ("\x1c", "\x1d", "\x1e", "\x1f")


@dataclass(frozen=True, slots=True)
class Definition:
    long: str  # as printed: "smooth adversarial training"
    short: str  # as printed: "SAT", or the singular of a plural ("GDTs" -> "GDT")
    start: int  # span of the long form in the text
    end: int  # end of the short form's parenthesis content


def _best_long_form(short: str, candidate: str) -> str | None:
    """Schwartz-Hearst's backward match: the shortest suffix of `candidate` whose
    characters cover `short` in order, the first one at a word start. Each
    character is looked for with `rfind` in the lowercased candidate, not one
    step at a time; where lowercasing the whole string is not lowercasing each
    character (U+0130 becomes two, a final sigma another letter) the steps do."""
    low = candidate.lower()
    if len(low) == len(candidate) and "\u03a3" not in candidate:
        def find(c: str, hi: int) -> int:  # the last place before `hi` that is `c`, or -1
            return low.rfind(c, 0, hi)
    else:
        def find(c: str, hi: int) -> int:
            return next((i for i in range(hi - 1, -1, -1) if candidate[i].lower() == c), -1)
    s, l = len(short) - 1, len(candidate) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        l = find(c, l + 1)
        if s == 0:  # the first character at a word start
            while l > 0 and candidate[l - 1].isalnum():
                l = find(c, l)
        if l < 0:
            return None
        l -= 1
        s -= 1
    start = candidate.rfind(" ", 0, l + 1) + 1
    return candidate[start:]


def _singular(short: str) -> str:
    """"GDTs" -> "GDT", "LLMs" -> "LLM": the name of one, as papers use it."""
    if len(short) > 2 and short.endswith("s") and short[:-1].isupper():
        return short[:-1]
    return short


@functools.lru_cache(maxsize=16)
def find_definitions(text: str) -> tuple[Definition, ...]:
    """Every "long form (SF)" pair of `text`, in order. Cached: the method's name,
    its long form, its other names and the abstract's task short forms all ask
    for the definitions of the same abstract."""
    out: list[Definition] = []
    for m in _PAREN.finditer(text, timeout=1.0):
        short = m.group(1)
        if not any(ch.isalpha() for ch in short) or short.lower() in ("ours", "i.e", "e.g", "resp", "see"):
            continue
        if short.replace(".", "").isdigit():
            continue
        open_at = m.start()
        left = text[max(0, open_at - 200):open_at]
        cm = _LAST_CLAUSE_START.search(left)
        if cm is not None:
            left = left[cm.end():]
        # str.split is `_WORD.findall` where no character tells them apart, and costs less
        words = _WORD.findall(left) if any(c in left for c in _SPLIT_ONLY) else left.split()
        n_chars = sum(ch.isalnum() for ch in short)
        limit = min(n_chars + 5, n_chars * 2)
        if not words:
            continue
        window = " ".join(words[-limit:])
        long = _best_long_form(short, window)
        if long is None:
            continue
        long_words = long.split()
        if len(long_words) < 2 or len(long) <= len(short) or short.lower() in (w.lower() for w in long_words):
            continue
        if len(long_words) > limit:
            continue
        start = open_at - (len(left) - len(left.rstrip())) - len(long)
        start = text.rfind(long, max(0, start - 5), open_at)
        if start < 0:
            continue
        out.append(Definition(long.strip(" ,\"'"), _singular(short), start, m.end(1)))
    return tuple(out)
