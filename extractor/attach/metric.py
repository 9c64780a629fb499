"""Which metric a number measures.

Nearest is best, in this order: a metric the accepting pattern stood next to;
one printed right after the number ("64.2 AP", "40% fewer parameters", "a 72%
reduction in error rate"); the metric the cue itself names ("faster" -> speed);
one just before it in the same clause ("accuracy of 91.5%"); a generic noun after
"increase in"/"gain in"; else none.
"""
from __future__ import annotations

import regex

RIGHT_REACH = 45  # characters after the number where a metric still belongs to it
LEFT_REACH = 110
_CLAUSE_BREAK = regex.compile(r"[;:]|\.\s|,\s+(?:and|but|while|whereas|which)\b|\bwhile\b|\bwhereas\b")
_RIGHT_BLOCK = regex.compile(r"[;:]|\.\s|\d|\bthan\b|\bover\b|\bcompared\b|\bwhile\b")
_GENERIC_IN = regex.compile(
    r"\s*(?:\w+\s+){0,2}?(?:increase|improvement|gain|reduction|decrease|drop|boost|rise)s?\s+in\s+"
    r"(?:the\s+|their\s+|its\s+)?((?:[a-z][\w-]*\s){0,2}?[a-z][\w-]*)\b", regex.IGNORECASE)
_GENERIC_BEFORE = regex.compile(
    r"\b(?:improv|increas|boost|enhanc|reduc|decreas|lower|rais|cut)\w*\s+(?:the\s+|their\s+|its\s+)?"
    r"((?:[a-z][\w-]*\s){0,2}?[a-z][\w-]*)\s+(?:by|of)\s+(?:\w+\s+){0,3}?$", regex.IGNORECASE)
_STOP_GENERIC = {"it", "this", "them", "results", "models", "model", "method", "methods", "baseline",
                 "baselines", "approach", "state", "the", "our", "that", "which", "over", "up"}


def attach_metric(mention, decision, ctx):
    """Return (metric name or None, lexicon Entry or None, how it was found)."""
    near = decision.fit.near if decision.fit else None
    if near is not None and near.entry.kind == "metric":
        return near.entry.name, near.entry, "metric next to the number"
    text = ctx.text
    for m in ctx.metrics:
        if mention.end <= m.start <= mention.end + RIGHT_REACH:
            if not _RIGHT_BLOCK.search(text, mention.end, m.start):
                return m.entry.name, m.entry, "metric printed after the number"
            break
    if decision.pattern is not None and decision.pattern.metric:
        return decision.pattern.metric, None, f"named by rule {decision.pattern.id}"
    best = None
    for m in ctx.metrics:
        if m.end <= mention.start and mention.start - m.end <= LEFT_REACH:
            if not _CLAUSE_BREAK.search(text, m.end, mention.start):
                best = m
    if best is not None:
        return best.entry.name, best.entry, "metric earlier in the clause"
    g = _GENERIC_IN.match(text, mention.end, ctx.end)
    if g and g.group(1).lower() not in _STOP_GENERIC:
        return g.group(1), None, "noun after 'increase in'"
    lo = max(ctx.start, mention.start - 80)
    g = _GENERIC_BEFORE.search(text, lo, mention.start)
    if g and g.group(1).split()[-1].lower() not in _STOP_GENERIC:
        return g.group(1), None, "object of the change verb"
    return None, None, "no metric in reach"
