"""Which metric a number measures.

Candidates, strongest first: a metric printed right after the number ("64.2 AP",
"40% fewer parameters", "a 72% reduction in error rate"); one the accepting
pattern stood next to ("accuracy of 91.5%"); the metric the cue names ("faster"
-> speed); one earlier in the same clause; a noun after "increase in"; the
usual metric of the unit (FPS -> speed, ms -> time). Generic words
("performance") lose to a specific metric in reach. A metric whose usual unit
cannot be the number's (a percentage score is never "parameters") is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from extractor.text.phrases import may_hold, noun_phrase, quality_noun

RIGHT_REACH = 45  # characters after the number where a metric still belongs to it
LEFT_REACH = 110
_CLAUSE_BREAK = regex.compile(r"[;:]|\.\s|,\s+(?:and|but|while|whereas|which)\b|\bwhile\b|\bwhereas\b")
# A metric printed right after another number ("82.2% accuracy", "9.5% for accuracy") is that number's
_NUMBER_BEFORE = regex.compile(r"\d\s*(?:%|x|points?)?\s*(?:(?:for|in)\s+(?:the\s+)?)?$")
_PAREN_AFTER = regex.compile(r"\s*\([^()]{1,40}\)")
_RIGHT_BLOCK = regex.compile(r"[;:,(]|\.\s|\d|\b(?:than|over|compared|while|whilst|and|but|whereas|with|using)\b")
_GENERIC_IN = regex.compile(
    r"\s*(?:\w+\s+){0,2}?(?:increase|improvement|gain|reduction|decrease|drop|boost|rise|speedup|speed-up|saving|"
    r"acceleration)s?\s+in\s+"
    r"(?:the\s+|their\s+|its\s+)?((?:[a-z][\w-]*\s){0,2}?[a-z][\w-]*)\b", regex.IGNORECASE)
_GENERIC_BEFORE = regex.compile(
    r"\b(?:improv|increas|boost|enhanc|reduc|decreas|lower|rais|cut|drop|degrad|hurt)\w*\s+(?:(?:the|their|its|these|those|our|this)\s+)?"
    r"([a-z][\w-]*(?:\s[a-z][\w-]*){0,2}?(?:\s+of\s+(?:the\s+|a\s+|an\s+)?[a-z][\w-]*(?:\s[a-z][\w-]*){0,2}?)?)"
    r"\s+(?:by|from|of)\s+(?:\w+\s+){0,3}?$",
    regex.IGNORECASE)
# Words every match of the pattern holds (see `may_hold`): most numbers have none in reach.
_GENERIC_IN_WORDS = ("increase", "improvement", "gain", "reduction", "decrease", "drop", "boost", "rise", "speed",
                     "saving", "acceleration")
_GENERIC_BEFORE_WORDS = ("improv", "increas", "boost", "enhanc", "reduc", "decreas", "lower", "rais", "cut", "drop",
                         "degrad", "hurt")
# "retaining 97% of its language understanding capabilities": the share of a quality kept
_SHARE_OF = regex.compile(r"\s+of\s+(?:its|their|the)\s+(?:original\s+|full\s+|teacher'?s?\s+)?", regex.IGNORECASE)
_PERFORMS = regex.compile(r"\bperform(?:s|ed|ing)?\s+(?:at|with|to|around|about)?\s*(?:an?\s+)?(?:[a-z]+\s+)?$",
                          regex.IGNORECASE)
_STOP_GENERIC = {"it", "this", "them", "results", "models", "model", "method", "methods", "baseline",
                 "baselines", "approach", "state", "the", "our", "that", "which", "over", "up", "these",
                 # fixed phrases "in addition", "in total", "in practice" ... name no metric
                 "addition", "total", "practice", "general", "particular", "contrast", "turn", "part", "fact",
                 "comparison", "expectation", "theory", "short", "sum"}
# Metric families a number of each unit family can be a score of.
_SCORE_FAMILIES = {"percent": {"percent", "dimensionless", None}}
_UNIT_DEFAULT = {"FPS": "speed", "tokens/s": "throughput", "it/s": "throughput", "TFLOPS": "throughput",
                 "ms": "latency", "µs": "latency", "s": "time", "min": "time", "h": "time", "days": "time",
                 "GPU hours": "training time", "GB": "memory", "MB": "memory", "TB": "storage",
                 "KB": "memory", "$": "cost", "kgCO2": "carbon footprint", "W": "power"}


@dataclass(slots=True)
class MetricChoice:
    name: str | None
    entry: object | None  # lexicon Entry
    why: str
    strength: float  # list members borrow the strongest choice of their list
    mention: object | None = None  # the lexicon Mention it came from, if any
    span: tuple[int, int] | None = None  # the words it came from, in the normalized text

    def __post_init__(self):
        if self.span is None and self.mention is not None:
            self.span = (self.mention.start, self.mention.end)


def _fits_unit(entry, mention, kind) -> bool:
    fam = (entry.info or {}).get("unit_family")
    allowed = _SCORE_FAMILIES.get(mention.unit_family or "")
    return not (kind == "score" and allowed is not None and fam not in allowed)


def _generic(entry) -> bool:
    return bool((entry.info or {}).get("generic"))


# "8.7x fewer queries", "2.8x lower L2 distortion", "100x more efficient"
_COMPARATIVE = regex.compile(r"\s*(?:times\s+)?(fewer|less|lower|higher|more|greater|smaller|larger|cheaper)\s+",
                             regex.IGNORECASE)
_FOR_IN = regex.compile(r"\s*(?:points?\s+)?(?:for|in)\s+(?=[a-z])")



_WORD_BEFORE = regex.compile(r"([a-z][a-z-]*)[ ]$")
_COMPARATIVE_ALIAS = regex.compile(r"(?:faster|slower|quicker|cheaper)$", regex.IGNORECASE)


def printed_metric_span(text: str, span: tuple[int, int] | None, lo: int, hi: int,
                        closed: frozenset[str]) -> tuple[int, int] | None:
    """The metric's words as the sentence prints them, qualifiers included:
    "standard accuracy" for the lexicon's "accuracy", "training speed" in "50x
    faster training speed". Up to two open-class words before the metric; after
    a comparative ("faster"), the noun phrase it governs."""
    if span is None:
        return None
    start, end = span
    if _COMPARATIVE_ALIAS.search(text, start, end):
        after = noun_phrase(text, end + 1, hi, closed) if text[end:end + 1] == " " else None
        return after if after is not None else span
    for _ in range(2):
        w = _WORD_BEFORE.search(text, max(lo, start - 30), start)
        if w is None or w.group(1) in closed or w.group(1).endswith("ly"):
            break
        start = w.start(1)
    return (start, end)


def _strip_closed(text: str, span: tuple[int, int], closed: frozenset[str]) -> tuple[int, int] | None:
    """The span without the closed-class words it starts with ("in robust error" -> "robust error")."""
    start, end = span
    for w in regex.finditer(r"\S+", text[start:end]):
        if w.group().lower() not in closed:
            return (start + w.start(), end)
    return None


def _phrase_after(text: str, mention, end: int, vocab) -> list[MetricChoice]:
    """Open-vocabulary metrics: the noun phrase a comparison governs after the
    number, one introduced by "for"/"in", or one printed right after it."""
    out = []
    c = _COMPARATIVE.match(text, mention.end, end)
    if c:
        span = noun_phrase(text, c.end(), end, vocab.closed_class)
        if span is not None:
            words = text[span[0]:span[1]]
            quality = quality_noun(words) if c.group(1).lower() in ("more", "less") else None
            if quality:
                out.append(MetricChoice(quality, None, f"quality of 'N {c.group(1)} {words}'", 2.4, span=span))
            elif words.split()[0].lower() not in vocab.change_nouns:
                out.append(MetricChoice(words, None, f"noun phrase after 'N {c.group(1)}'", 2.4, span=span))
        return out
    for rx, why, strength in ((_FOR_IN, "noun phrase after 'N for/in'", 1.3), (None, "noun phrase after the number", 0.9)):
        at = mention.end
        if rx is not None:
            m = rx.match(text, mention.end, end)
            if m is None:
                continue
            at = m.end()
        elif not text.startswith(" ", at):
            continue
        span = noun_phrase(text, at, end, vocab.closed_class)
        if span is None:
            continue
        words = text[span[0]:span[1]]
        if words[0].islower() and words.split()[0] not in vocab.change_nouns \
                and words.split()[-1].lower() not in _STOP_GENERIC:  # "11% for less-optimized models"
            out.append(MetricChoice(words, None, why, strength, span=span))
            break
    return out


def _sentence_metrics(ctx) -> list:
    """The sentence's metric mentions, less the paper's method: "COMET" the method is not COMET the metric."""
    own = getattr(ctx, "own_name", None)
    return [m for m in ctx.metrics if m.text != own]


# What joins the names of one list: "precision and recall", "A, B, and C", "top-1/top-5"
_LIST_JOIN = regex.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|(?:and|or|&)\s+|/)\s*")


_LIST_FOLLOWS = regex.compile(r"\s*(?:%|points?)?\s*(?:in\s+terms\s+of|in|on|for|of)\s+(?:the\s+)?")


def aligned_metrics(group: list, decisions: list, ctx) -> list | None:
    """For a list of numbers the sentence says are "respectively" something, the
    metrics to pair with them in order: a list of as many different metrics, the
    nearest one after the numbers ("64.5% and 60.3% reductions in parameters and
    FLOPs, respectively"), else the nearest before them ("a precision and recall
    of 91.2% and 88.7%, respectively"). Without "respectively", only a list printed
    right after the numbers ("by 1.6 and 1.8 in terms of BLEU and METEOR")."""
    if len(group) < 2:
        return None
    respectively = "respectively" in ctx.text[ctx.start:ctx.end]
    runs, run = [], []
    for m in _sentence_metrics(ctx):
        if run and _LIST_JOIN.fullmatch(ctx.text, run[-1].end, m.start):
            run.append(m)
            continue
        runs.append(run)
        run = [m]
    runs.append(run)
    fits = [r for r in runs if len(r) == len(group) and len({m.entry.name for m in r}) == len(r)
            and all(_fits_unit(m.entry, n, d.kind) for m, n, d in zip(r, group, decisions))]
    after = [r for r in fits if r[0].start >= group[-1].end]
    before = [r for r in fits if r[-1].end <= group[0].start]
    if not respectively:  # "by 1.6, 1.7 and 1.8 in terms of BLEU, ROUGE-L and METEOR": the list right after
        after = [r for r in after if _LIST_FOLLOWS.fullmatch(ctx.text, group[-1].end, r[0].start)][:1]
        before = []
    chosen = after[0] if after else (before[-1] if before else None)
    next_metric = next((m for m in ctx.metrics if m.start >= group[-1].end), None)
    if chosen is not None and next_metric is not None and next_metric is not chosen[0] \
            and next_metric.start - group[-1].end <= RIGHT_REACH:
        return None  # "+5.3% and +11.0% top-1 accuracy ... for A and B, respectively": one metric for all
    return chosen


def attach_metric(mention, decision, ctx) -> MetricChoice:
    text, kind = ctx.text, decision.kind
    cands: list[MetricChoice] = []
    metrics = _sentence_metrics(ctx)
    paren = _PAREN_AFTER.match(text, mention.end, ctx.end)  # "32% (ImageNet, top-5) accuracy"
    after = paren.end() if paren else mention.end
    for m in metrics:
        if paren and mention.end <= m.start and m.end <= paren.end():
            continue
        # from the digits on: "12.4 accuracy points" has its metric inside the unit
        if (mention.num_end if mention.unit == "points" else mention.end) <= m.start <= after + RIGHT_REACH:
            gap_start = min(after, m.start)
            if not _RIGHT_BLOCK.search(text, gap_start, m.start) and _fits_unit(m.entry, mention, kind):
                cands.append(MetricChoice(m.entry.name, m.entry, "metric printed after the number",
                                          3.0 - 2 * _generic(m.entry), m))
            break
    near = decision.fit.near if decision.fit else None
    if near is not None and near.entry.kind == "metric" and _fits_unit(near.entry, mention, kind):
        cands.append(MetricChoice(near.entry.name, near.entry, "metric next to the number",
                                  2.5 - 2 * _generic(near.entry), near))
    if decision.pattern is not None and decision.pattern.metric:
        cands.append(MetricChoice(decision.pattern.metric, None, f"named by rule {decision.pattern.id}", 2.0))
    best = None
    for m in metrics:
        if m.end <= mention.start and mention.start - m.end <= LEFT_REACH and \
                not _CLAUSE_BREAK.search(text, m.end, mention.start) and _fits_unit(m.entry, mention, kind) \
                and not _NUMBER_BEFORE.search(text, max(0, m.start - 20), m.start):
            best = m  # not one printed right after another number: "82.2% accuracy and 58.6% robustness"
    if best is not None:
        cands.append(MetricChoice(best.entry.name, best.entry, "metric earlier in the clause",
                                  1.5 - 1 * _generic(best.entry), best))
    g = _GENERIC_IN.match(text, mention.end, ctx.end) \
        if may_hold(text, mention.end, ctx.end, _GENERIC_IN_WORDS) else None
    span = noun_phrase(text, g.start(1), ctx.end, ctx.vocab.closed_class) if g else None  # "a reduction in search time", whole
    if span and text[span[0]:span[1]].lower() not in _STOP_GENERIC:
        cands.append(MetricChoice(text[span[0]:span[1]], None, "noun after 'increase in'", 1.2, span=span))
    lo = max(ctx.start, mention.start - 80)
    g = _GENERIC_BEFORE.search(text, lo, mention.start) \
        if may_hold(text, lo, mention.start, _GENERIC_BEFORE_WORDS) else None
    obj = _strip_closed(text, g.span(1), ctx.vocab.closed_class) if g else None  # "reductions in robust error"
    if obj and text[obj[0]:obj[1]].split()[0].lower() not in _STOP_GENERIC:
        cands.append(MetricChoice(text[obj[0]:obj[1]], None, "object of the change verb", 1.0, span=obj))
    g = _SHARE_OF.match(text, mention.end, ctx.end)
    share = noun_phrase(text, g.end(), ctx.end, ctx.vocab.closed_class) if g and mention.unit == "%" else None
    if share and text[share[0]:share[1]].split()[0].lower() not in _STOP_GENERIC:
        cands.append(MetricChoice(text[share[0]:share[1]], None, "'N% of its X'", 1.1, span=share))
    cands.extend(_phrase_after(text, mention, ctx.end, ctx.vocab))
    lo = max(ctx.start, mention.start - 40)
    if may_hold(text, lo, mention.start, ("perform",)) and _PERFORMS.search(text, lo, mention.start):
        cands.append(MetricChoice("performance", None, "'performs at N'", 1.0))
    if mention.unit in _UNIT_DEFAULT:
        cands.append(MetricChoice(_UNIT_DEFAULT[mention.unit], None, f"usual metric of {mention.unit}", 0.8))
    if not cands:
        return MetricChoice(None, None, "no metric in reach", 0.0)
    return max(cands, key=lambda c: c.strength)
