"""Whose number it is: the paper's method (named in its title or abstract, else
"(ours)") or a baseline (after "than", "vs.", "from ... to", "previous best")."""
from __future__ import annotations

import regex

_TITLE_NAME = regex.compile(r"^\s*([^:]{1,48}?)\s*:\s+\S")
_NAMED = regex.compile(
    r"\b(?:called|named|dubbed|termed|coined|abbreviated\s+as)\s+[\"']?([A-Z][\w\-+^]*(?:[\s-][A-Z][\w\-+^]*)?)")
_PROPOSE_ACRONYM = regex.compile(
    r"\b(?:propose|present|introduce|develop|design|build|release)s?\b[^.]{0,140}?\(([A-Z][\w\-+^]*[A-Z0-9][\w\-+^]*)\)")
_PROPOSE_NAME = regex.compile(
    r"\b(?:propose|present|introduce|develop|design|release)s?\s+([A-Z][a-z]*[A-Z][\w\-+^]*|[A-Z]{2,}[\w\-+^]*)\b")
_OURS = regex.compile(r"\b([A-Z][\w\-+^]*)\s*\(ours\)")
_INNER_CAPS = regex.compile(r"^[\w\-+^.]*(?:[a-z0-9][A-Z]|[A-Z]{2,}|\d)[\w\-+^.]*$")
_BASELINE_PRIOR = regex.compile(
    r"\b(?:previous|prior|former|existing|current|best\s+previous|state[\s-]of[\s-]the[\s-]art|SOTA|SoTA)\b",
    regex.IGNORECASE)
_NAME_AFTER = regex.compile(r"^\s*(?:%|\w+)?\s*(?:by|of|for|from)\s+([A-Z][\w\-+.^/]*[A-Za-z0-9])")
_SUBJECT_BASELINE = regex.compile(r"\b(?:baselines?|previous|prior|former|existing|competing)\b[^,;]*$",
                                  regex.IGNORECASE)
OURS = "(ours)"


def method_from_title(title: str) -> str | None:
    """"ViTPose++: Simple ..." -> "ViTPose++"; "Depth Any Canopy: ..." -> "Depth Any Canopy"."""
    m = _TITLE_NAME.match(title)
    if not m:
        return None
    words = m.group(1).split()
    if len(words) == 1:
        return words[0]
    named = [w for w in words if _INNER_CAPS.match(w)]
    if len(words) <= 4 and all(w[:1].isupper() or w[:1].isdigit() for w in words) and not named:
        return m.group(1)
    if named:
        return named[0]
    return None


def paper_method(title: str, abstract: str) -> str | None:
    """The name of the paper's own method, from its title, else its abstract."""
    name = method_from_title(title)
    if name:
        return name
    for rx in (_NAMED, _OURS, _PROPOSE_ACRONYM, _PROPOSE_NAME):
        m = rx.search(abstract)
        if m:
            return m.group(1)
    return None


def attach_method(mention, decision, ctx, paper_name: str | None):
    """Return (method, role, how it was found)."""
    text = ctx.text
    ours = paper_name or OURS
    baseline = decision.pattern is not None and decision.pattern.role == "baseline"
    subject = text[ctx.start:mention.start]
    if not baseline and _SUBJECT_BASELINE.search(subject) and not regex.search(
            r"\b(?:we|our|ours)\b", subject, regex.IGNORECASE):
        if paper_name is None or paper_name not in subject:
            baseline = True
    if not baseline:
        return ours, "proposed", "the paper's method"
    m = _NAME_AFTER.match(text, mention.end, ctx.end)
    if m and m.group(1) != paper_name:
        return m.group(1), "baseline", "baseline named after the number"
    if _BASELINE_PRIOR.search(text, max(ctx.start, mention.start - 120), mention.start):
        return "prior state of the art", "baseline", "previous/state-of-the-art cue"
    return "baseline", "baseline", "reference value of a comparison"
