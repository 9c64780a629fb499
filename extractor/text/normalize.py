"""Normalize abstract text for matching, keeping a map back to the original.

Rules match on a cleaned copy of the abstract (one kind of space, one minus,
"x" for ×, LaTeX leftovers undone), but every span the tool writes must point
into the abstract as the user has it. `normalize` therefore returns the cleaned
text together with an `OffsetMap` that turns a cleaned index into an original
one; single-character replacements keep positions, so most abstracts need no
map entries at all.
"""
from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass, field

import regex

from extractor.text.latex import Edit, find_math, math_edits

# One-to-one character replacements: positions do not move.
_CHAR_MAP = {
    "\u00d7": "x", "\u2715": "x", "\u2716": "x", "\u2a2f": "x",  # multiplication signs
    "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\ufe63": "-", "\uff0d": "-",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ",
    "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u205f": " ",
    "\u3000": " ", "\t": " ", "\n": " ", "\r": " ", "\x0b": " ", "\x0c": " ",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2264": "\u2264", "\u223c": "~", "\uff5e": "~", "\u2248": "~",
    "\uff05": "%", "\u066a": "%",
}
_ASCII = frozenset(chr(i) for i in range(128))

# Length-changing rewrites of LaTeX leftovers and glued symbols, tried in order at
# each position. Each is (pattern, replacement, clue); the replacement may use \1,
# and the clue is a substring of every text the pattern matches, so that a text
# without it skips that pattern's search.
_REWRITES: list[tuple[str, str, str]] = [
    (r"\\%", "%", "\\%"),
    (r"\\\$", "$", "\\$"),
    (r"\$\s*\\times\s*\$", "x", "\\times"),
    (r"\$\s*\\sim\s*\$", "~", "\\sim"),
    (r"\$\s*\\pm\s*\$", "±", "\\pm"),
    (r"\$\s*\\approx\s*\$", "~", "\\approx"),
    (r"\\times\b", "x", "\\times"),
    (r"\\pm\b", "±", "\\pm"),
    (r"\\sim\b", "~", "\\sim"),
    (r"\\approx\b", "~", "\\approx"),
    (r"\$\^\{?(\w{1,4})\}?\$", r"^\1", "$^"),  # AstroM$^3$ -> AstroM^3
    (r"(?<=\d)\s*\$?\s*\^\s*\{\s*([-+]?\d{1,3})\s*\}\$?", r"^\1", "^"),  # 10^{5}
    (r"(?<=\d)times\b", "x", "times"),  # rendered "$\times$" glued to the number: "300times"
    (r"(?<=[\d%])\s*sim\s*(?=\d)", "-", "sim"),  # "10sim100", "40% sim 60%"
    (r"(?<=\d)\s*pm\s*(?=\d)", " ± ", "pm"),  # "95.8 pm 1.2"
    (r"(?<=\d\s?)\\?(?:textrm|mathrm)\{(\w+)\}", r"\1", "rm{"),
]
# Each rewrite is searched on its own and the matches merged (`_rewrite_matches`):
# one alternation of all sixteen makes the regex engine try every branch at every
# character (~200 us on an abstract with LaTeX), while one pattern alone is found
# by a fast scan for its first literal.
_SINGLE = [regex.compile(p, regex.V0) for p, _, _ in _REWRITES]
_CLUES = tuple(dict.fromkeys(clue for _, _, clue in _REWRITES))
_GLUED_WORDS = ("times", "sim", "pm")  # rewritten only right after a number: "300times", "95.8 pm 1.2"


def _needs_rewrite(text: str) -> bool:
    """True when some rewrite may apply. Most abstracts need none, and plain
    substring searches decide that faster than any regex over the whole text."""
    if "\\" in text or "$" in text or "^" in text:
        return True
    for word in _GLUED_WORDS:
        i = text.find(word)
        while i != -1:
            j = i - 1
            while j >= 0 and text[j] == " ":
                j -= 1
            if j >= 0 and (text[j].isdigit() or text[j] == "%"):
                return True
            i = text.find(word, i + 1)
    return False


@dataclass
class OffsetMap:
    """Maps an index in normalized text to the index in the original text.

    `points` are normalized indices where a rewrite starts or ends, `deltas` the
    shift (original minus normalized) that holds from that point on.
    """

    points: list[int] = field(default_factory=list)
    deltas: list[int] = field(default_factory=list)

    def to_original(self, i: int) -> int:
        k = bisect.bisect_right(self.points, i) - 1
        return i + (self.deltas[k] if k >= 0 else 0)


def _char_table(text: str) -> dict[int, str]:
    """The 1:1 replacements this text needs, including NFKC forms of one char."""
    table = {}
    for ch in set(text) - _ASCII:
        if ch in _CHAR_MAP:
            table[ord(ch)] = _CHAR_MAP[ch]
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf") and ch not in "\u200d":
            table[ord(ch)] = " "  # control and format characters (e.g. RLM, zero-width space)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1 and folded != ch:
            table[ord(ch)] = folded
    return table


def normalize(text: str) -> tuple[str, OffsetMap]:
    """Return the matching copy of `text` and its map back to `text`."""
    text_1to1 = text.translate(_char_table(text)) if not text.isascii() else text
    for c in ("\t", "\n", "\r"):
        if c in text_1to1:
            text_1to1 = text_1to1.translate({9: " ", 10: " ", 13: " "})
            break
    omap = OffsetMap()
    if not _needs_rewrite(text_1to1):
        return text_1to1, omap
    edits = _edits(text_1to1)
    out: list[str] = []
    last = 0
    shift = 0  # original index minus normalized index
    norm_len = 0
    for s, e, replacement in edits:
        out.append(text_1to1[last:s])
        norm_len += s - last
        if _glues_digits(out, replacement, text_1to1, s, e):
            replacement = " " + replacement  # "3$4$", "$1$$0$": two numbers, not 34
        omap.points.append(norm_len)
        omap.deltas.append(shift)  # the start of a rewrite maps to its original start
        out.append(replacement)
        norm_len += len(replacement)
        shift += (e - s) - len(replacement)
        omap.points.append(norm_len)
        omap.deltas.append(shift)  # its end to its original end
        last = e
    out.append(text_1to1[last:])
    return "".join(out), omap


def _glues_digits(out: list[str], replacement: str, text: str, s: int, e: int) -> bool:
    """Removing the markup text[s:e] would join a digit before it to one after it."""
    prev = next((chunk[-1] for chunk in reversed(out) if chunk), "")
    nxt = replacement[:1] or text[e:e + 1]
    return (prev.isdigit() or prev == ".") and nxt.isdigit() and text[s:s + 1] in ("$", "\\", "{", "}")


def _edits(text: str) -> list[Edit]:
    """Every rewrite of `text`, in order: LaTeX math spans by `latex`, the rewrites of
    `_REWRITES` elsewhere."""
    edits: list[Edit] = []
    last = 0
    spans = find_math(text) if "$" in text else []
    present = _present(text)
    for span in spans + [None]:
        hi = span.start if span is not None else len(text)
        for m in _rewrite_matches(text, last, hi, present):
            edits.append(Edit(m.start(), m.end(), _expand(text, m.start(), m.end(), present)))
        if span is not None:
            edits.extend(math_edits(text, span))
            last = span.end
    return edits


def _present(text: str) -> list[int]:
    """The numbers of the rewrites whose clue `text` holds (each clue looked for
    once; none of those that begin with a backslash when the text has none)."""
    backslash = "\\" in text
    found = {clue: (backslash or clue[0] != "\\") and clue in text for clue in _CLUES}
    return [i for i, (_, _, clue) in enumerate(_REWRITES) if found[clue]]


def _rewrite_matches(text: str, lo: int, hi: int, present: list[int]) -> list[regex.Match]:
    """The matches in text[lo:hi] of the rewrites numbered in `present`, as one
    alternation of them would find them: the leftmost first, the earlier rewrite
    where two start together, and the next search from the end of the last match.
    A rewrite whose clue is not in text[lo:hi] is not searched (an abstract with
    many formulas has many short stretches between them)."""
    found = {i: _SINGLE[i].search(text, lo, hi, timeout=1.0) for i in present
             if text.find(_REWRITES[i][2], lo, hi) >= 0}
    out = []
    while True:
        first = None
        for i, m in found.items():  # in rewrite order, so ties keep the earlier
            if m is not None and (first is None or m.start() < first.start()):
                first = m
        if first is None:
            return out
        out.append(first)
        pos = first.end()
        for i, m in found.items():
            if m is not None and m.start() < pos:
                found[i] = _SINGLE[i].search(text, pos, hi, timeout=1.0)


def _expand(text: str, start: int, end: int, present: list[int]) -> str:
    """Replacement for the rewrite that matched text[start:end] (lookbehinds see
    the text before `start`, hence matching in place rather than on a slice).
    Only the rewrites in `present` are tried: no other matches anywhere in `text`."""
    for i in present:
        m = _SINGLE[i].match(text, start)
        if m and m.end() == end:
            return m.expand(_REWRITES[i][1])
    return text[start:end]
