"""Inline LaTeX in abstracts: which `$` open math, and what the math says in plain text.

arXiv and OpenReview abstracts are LaTeX source: `$3$-$4\\times$ faster`,
`5$\\%$`, `$\\sim$10x`, `$10^{-3}$`, `$\\epsilon=16/255$`. Read as prose, their `$`
signs look like dollars and their commands hide the numbers' units. This module
decides which `$` delimit math and turns each math span into *edits* of the
original text (position, end, replacement), so that `normalize` can build the
matching copy and still map every index back to the abstract as printed.

Pairing follows the rule pandoc uses for `tex_math_dollars`, because it is what
tells math from money in running text: an opening `$` has a non-space character
right after it, a closing `$` a non-space character right before it and no digit
right after it, and a `$` pairs only with the next unescaped `$` (math holds no
`$`). "costs $20 and $30 per run" therefore keeps both dollars, while
"$16$ times" is math. A space next to a delimiter is allowed when the content is
visibly LaTeX (a command, a brace, `^` or `_`): `$ \\approx 0.2$`.

Why a tokenizer of our own rather than pylatexenc: `latex2text` returns text
without positions, and `latexwalker` pairs every `$` left to right, dollars
included; what the numbers need is a table of some twenty commands plus groups,
which this module keeps with exact positions.
"""
from __future__ import annotations

from typing import NamedTuple

MAX_MATH_CHARS = 250  # inline math longer than this is a stray `$`, not a formula


class Edit(NamedTuple):
    start: int  # original span replaced by `text`
    end: int
    text: str


class MathSpan(NamedTuple):
    start: int  # the opening delimiter
    end: int  # just after the closing delimiter
    delim: int  # delimiter length: 1 for `$`, 2 for `$$`


# Commands whose output is a symbol the number grammar reads: (replacement, eat
# the spaces after it). Spaces are eaten after prefix-like signs so that
# `\sim 10` reads "~10"; never after "x" or an arrow, which must not glue to a
# following number ("2 x 10", "73.1→75.3").
SYMBOLS: dict[str, tuple[str, bool]] = {
    "times": ("x", False), "sim": ("~", True), "approx": ("~", True), "simeq": ("~", True),
    "pm": (" ±", True), "mp": (" ∓", True),  # "65 ±5%": the grammar reads a spread after a space
    "rightarrow": ("→", False), "to": ("→", False), "Rightarrow": ("→", False),
    "longrightarrow": ("→", False), "mapsto": ("→", False), "leftarrow": ("←", False),
    "leq": ("≤", True), "le": ("≤", True), "geq": ("≥", True), "ge": ("≥", True),
    "ll": ("≪", True), "gg": ("≫", True), "neq": ("≠", True), "ne": ("≠", True),
    "lt": ("<", True), "gt": (">", True),
    "cdot": ("·", False), "circ": ("°", False),
    "ldots": ("...", False), "cdots": ("...", False), "dots": ("...", False),
    "percent": ("%", False),
}
# Not here on purpose: \infty, \ell, Greek letters. Left as commands they are letters,
# so "$\ell_2$", "$l_{\infty}$-8" stay names whose digits the grammar never reads as results.
# Font and text wrappers: the command goes, its argument stays (`\mathrm{ms}` -> ms).
UNWRAP = frozenset({
    "mathrm", "text", "textrm", "mathbf", "textbf", "mathit", "textit", "mathcal", "mathbb",
    "mathsf", "textsf", "mathtt", "texttt", "emph", "boldsymbol", "bm", "operatorname",
    "mathnormal", "rm", "bf", "it", "mbox", "hbox", "left", "right", "big", "Big", "displaystyle",
})
# Escaped characters and spacing commands: `\%` is a percent, `\,` a thin space.
ESCAPES = {"%": "%", "$": "$", "&": "&", "#": "#", "_": "_", "{": "{", "}": "}",
           ",": "", ";": "", ":": "", "!": "", " ": " ", "\\": " "}
_ORDINALS = ("st", "nd", "rd", "th")
_MARKUP = "\\{}^_"


def _escaped(text: str, i: int) -> bool:
    """text[i] follows an odd number of backslashes."""
    n = 0
    while i - n - 1 >= 0 and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def find_math(text: str) -> list[MathSpan]:
    """The `$...$` and `$$...$$` spans of `text`, paired left to right (see module doc)."""
    dollars = [i for i in _positions(text, "$") if not _escaped(text, i)]
    spans: list[MathSpan] = []
    k = 0
    while k < len(dollars):
        p = dollars[k]
        delim = 2 if k + 1 < len(dollars) and dollars[k + 1] == p + 1 else 1
        nxt = k + delim  # the next unescaped `$` after the opener
        closer = k + 2 * delim - 1
        if closer < len(dollars) and (delim == 1 or dollars[closer] == dollars[nxt] + 1):
            q = dollars[nxt]
            if _pairs(text, p + delim, q, delim):
                spans.append(MathSpan(p, q + delim, delim))
                k = closer + 1
                continue
        k += delim
    return spans


def _positions(text: str, char: str) -> list[int]:
    """Where `char` occurs in `text` (str.find jumps between them; a loop over every character does not)."""
    out, i = [], text.find(char)
    while i >= 0:
        out.append(i)
        i = text.find(char, i + 1)
    return out


def _pairs(text: str, lo: int, hi: int, delim: int) -> bool:
    """text[lo:hi] between two `$` is math content (pandoc's rule, relaxed for markup)."""
    content = text[lo:hi]
    if not content.strip() or hi - lo > MAX_MATH_CHARS:
        return False
    markup = any(c in content for c in _MARKUP)
    if content[0].isspace() and not markup:
        return False
    if content[-1].isspace() and not markup:
        return False
    after = hi + delim
    return delim == 2 or after >= len(text) or not text[after].isdigit()


def math_edits(text: str, span: MathSpan) -> list[Edit]:
    """Edits turning the math span into plain text, delimiters included.

    A deletion maps every index to the text after it, so a number right after an
    opening `$` would lose the `$` from its span and one right before a closing
    `$` would keep it. The deletions at either end of the formula are therefore
    merged with their neighbour, edit or character ("$3" -> "3", "6$" -> "6"), and
    a number that starts or ends the formula maps back over its delimiters."""
    lo, hi = span.start + span.delim, span.end - span.delim
    edits = [Edit(span.start, lo, ""), *_content_edits(text, lo, hi), Edit(hi, span.end, "")]
    joined: list[Edit] = []  # touching deletions become one ("$\\mathcal{" -> "")
    for e in edits:
        if joined and not joined[-1].text and not e.text and joined[-1].end == e.start:
            e = Edit(joined[-1].start, e.end, "")
            joined.pop()
        joined.append(e)
    if len(joined) == 1:
        return [Edit(span.start, span.end, " ")]  # nothing but markup: "${}$" prints nothing
    first, nxt = joined[0], joined[1]
    if nxt.start == first.end:
        joined[:2] = [Edit(first.start, nxt.end, nxt.text)]
    else:
        joined[0] = Edit(first.start, first.end + 1, text[first.end])
    last, prev = joined[-1], joined[-2]
    if prev.end == last.start:
        joined[-2:] = [Edit(prev.start, last.end, prev.text)]
    elif len(joined) >= 2:
        joined[-1] = Edit(last.start - 1, last.end, text[last.start - 1])
    return _merge(joined)


def _content_edits(text: str, lo: int, hi: int) -> list[Edit]:
    edits: list[Edit] = []
    i = lo
    while i < hi:
        c = text[i]
        if c == "\\" and i + 1 < hi:
            j = i + 1
            while j < hi and text[j].isalpha():
                j += 1
            if j == i + 1:  # a control symbol: \% \, \$ ...
                sym = text[i + 1]
                if sym == "," and text[i - 1:i].isdigit() and text[i + 2:i + 3].isdigit():
                    edits.append(Edit(i, i + 2, ","))  # "10\\,000": a thousands separator
                elif sym in ESCAPES:
                    edits.append(Edit(i, i + 2, ESCAPES[sym]))
                i += 2
                continue
            name = text[i + 1:j]
            if name in SYMBOLS:
                repl, eat = SYMBOLS[name]
                end = j
                if name == "times":  # "$10 \times$": math ignores the space; "10x" reads as a factor
                    while i > lo and text[i - 1] == " " and (not edits or edits[-1].end < i):
                        i -= 1
                if eat:
                    while end < hi and text[end] == " ":
                        end += 1
                edits.append(Edit(i, end, repl))
            elif name in UNWRAP:
                end = j
                while end < hi and text[end] == " ":
                    end += 1
                edits.append(Edit(i, end, ""))
            elif name == "frac":
                groups = _frac_groups(text, j, hi)
                if groups is not None:  # \frac{a}{b} -> a/b; the groups' insides are read on
                    e1, e2 = groups
                    edits += [Edit(i, j + 1, ""), Edit(e1, e1 + 2, "/"), Edit(e2, e2 + 1, "")]
                    i = j + 1
                    continue
            i = j
            continue
        if c == "^":
            ordinal = _ordinal(text, i + 1, hi)
            if ordinal:
                edits.append(Edit(i, ordinal, text[i + 1:ordinal].strip("{}")))
                i = ordinal
                continue
        if c in "{}":
            edits.append(Edit(i, i + 1, ""))  # grouping braces print nothing
        i += 1
    return _merge(edits)


def _ordinal(text: str, i: int, hi: int) -> int | None:
    """End of an ordinal superscript (`^{nd}`, `^th`) starting at i, else None."""
    braced = text[i:i + 1] == "{"
    k = i + 1 if braced else i
    for o in _ORDINALS:
        if text.startswith(o, k):
            end = k + len(o)
            if braced:
                return end + 1 if text[end:end + 1] == "}" and end + 1 <= hi else None
            return end if end == hi or not text[end].isalpha() else None
    return None


def _frac_groups(text: str, i: int, hi: int) -> tuple[int, int] | None:
    """Closing braces of the two groups of `\\frac{a}{b}` whose first `{` is at i."""
    if text[i:i + 1] != "{":
        return None
    e1 = _group_end(text, i, hi)
    if e1 is None or text[e1 + 1:e1 + 2] != "{":
        return None
    e2 = _group_end(text, e1 + 1, hi)
    return None if e2 is None else (e1, e2)


def _group_end(text: str, i: int, hi: int) -> int | None:
    depth = 0
    for j in range(i, hi):
        if text[j] == "{" and not _escaped(text, j):
            depth += 1
        elif text[j] == "}" and not _escaped(text, j):
            depth -= 1
            if depth == 0:
                return j
    return None


def _merge(edits: list[Edit]) -> list[Edit]:
    """Sorted edits with overlaps dropped (the first edit at a position wins)."""
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.start, -e.end)):
        if out and e.start < out[-1].end:
            continue
        out.append(e)
    return out
