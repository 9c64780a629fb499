"""The fields of every accepted number of a sentence, decided together.

Each number gets its metric, dataset and method from `attach/metric.py`,
`attach/dataset.py` and `attach/owner.py`; then the numbers of one list or
range are made consistent (they share the strongest metric, or pair with a list
of metrics in order where the sentence says "respectively"; they pair with a list
of datasets in order; and "from A to B" gives A to the earlier state). Every field
keeps the span of the words it came from, so the table can print them as the
abstract does (`metric_text`, `dataset_text`, `method_text`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import regex

from extractor.attach.dataset import aligned_datasets, attach_dataset, name_and_span
from extractor.attach.owner import attach_method
from extractor.attach.metric import aligned_metrics, attach_metric, printed_metric_span

_TO = regex.compile(r"\s*to\s*")
_OWN_METRIC_GAP = regex.compile(r"\s*(?:(?:for|in|on)\s+)?(?:the\s+)?")  # "11.6% for robustness"
Span = tuple[int, int] | None


@dataclass(slots=True)
class Fields:
    metric: str | None = None
    dataset: str | None = None
    method: str | None = None
    role: str | None = None
    notes: list[str] = field(default_factory=list)  # why: [metric, dataset, method, ...]
    entry: object | None = None  # the metric's lexicon Entry
    strength: float = 0.0  # of the metric choice; list members borrow the strongest
    metric_span: Span = None  # spans in the normalized text
    dataset_span: Span = None
    method_span: Span = None
    method_long: str | None = None  # the long form the abstract defines for the method


_COST_WORDS = regex.compile(
    r"\b(?:speed|faster|throughput|latency|time|cost|costs|flops|macs|memory|parameters|params|compute|computation|"
    r"computations|energy|queries|samples|data|steps|iterations|epochs|hours|storage|size|bandwidth|efficien\w*)\b",
    regex.IGNORECASE)


def is_efficiency(f: Fields) -> bool:
    """A cost or efficiency number (speed-up, FLOPs, memory, latency, data or
    queries needed): measured on whatever ran, not on a benchmark, so it takes
    no abstract-wide default dataset."""
    info = getattr(f.entry, "info", None) or {}
    if info.get("task") == "efficiency":
        return True
    return bool(f.metric and _COST_WORDS.search(f.metric))


def attach_all(mentions, decisions, ctx, own_name: str | None, own_long: str | None = None) -> list[Fields | None]:
    """Fields for every accepted number (None for the others)."""
    fields: list[Fields | None] = []
    group_ends: dict[int, int] = {}  # where each number's list or range ends
    for key in ("list_id", "range_id"):
        ends: dict[int, int] = {}
        for m in mentions:
            if getattr(m, key) is not None:
                ends[getattr(m, key)] = max(ends.get(getattr(m, key), 0), m.end)
        for m in mentions:
            if getattr(m, key) is not None:
                group_ends[id(m)] = max(group_ends.get(id(m), 0), ends[getattr(m, key)])
    for m, d in zip(mentions, decisions):
        if not d.accepted:
            fields.append(None)
            continue
        choice = attach_metric(m, d, ctx)
        dataset, _, why_d, d_span = attach_dataset(m, ctx, choice.mention, group_ends.get(id(m)))
        method, role, why_r, m_span = attach_method(m, d, ctx, own_name)
        fields.append(Fields(
            metric=choice.name, dataset=dataset, method=method, role=role,
            notes=[choice.why, why_d, why_r], entry=choice.entry, strength=choice.strength,
            metric_span=printed_metric_span(ctx.text, choice.span, ctx.start, ctx.end, ctx.vocab.closed_class),
            dataset_span=d_span, method_span=m_span,
            method_long=own_long if own_name is not None and method == own_name else None))
    _align_groups(mentions, decisions, fields, ctx)
    _order_versus_pairs(mentions, decisions, fields, ctx)
    return fields


_PAIR_OPEN = regex.compile(r"\s*\(\s*")
_GAIN_WORDS = regex.compile(r"\b(?:improv|gain|outperform|better|higher|increas|boost|surpass|exceed)\w*", regex.IGNORECASE)


def _order_versus_pairs(mentions, decisions, fields: list[Fields | None], ctx) -> None:
    """"improves SQuAD by +2.3% (88.4% vs. 90.7%)": a pair in parentheses right
    after a gain, its two sides that gain apart, is the reference and the paper's
    result in some order. The side the gain leads to is the paper's (the larger
    where higher is better, the smaller where lower is), whichever is printed first."""
    for i in range(1, len(mentions) - 1):
        delta, a, b = mentions[i - 1], mentions[i], mentions[i + 1]
        fd, fa, fb = fields[i - 1], fields[i], fields[i + 1]
        if fd is None or fa is None or fb is None or decisions[i - 1].kind != "delta" \
                or decisions[i].rule != "score.versus_first" or not decisions[i + 1].rule.startswith("score.versus") \
                or not _PAIR_OPEN.fullmatch(ctx.text, delta.end, a.start):
            continue
        if abs(abs(b.value - a.value) - abs(delta.value)) > 0.05 * max(1.0, abs(delta.value)):
            continue  # not that gain's two sides
        hib = next((f.entry.info.get("higher_is_better") for f in (fa, fb, fd)
                    if f.entry is not None and f.entry.info.get("higher_is_better") is not None), None)
        if hib is None and (delta.sign == "+" or _GAIN_WORDS.search(ctx.text, max(ctx.start, delta.start - 80),
                                                                    delta.start)):
            hib = True
        if hib is None or (b.value > a.value) != hib or fa.role != "proposed" or fb.role != "baseline":
            continue  # the paper's side is printed first, as the patterns read it, or the order is unknown
        for attr in ("method", "role", "method_span", "method_long"):
            va, vb = getattr(fa, attr), getattr(fb, attr)
            setattr(fa, attr, vb)
            setattr(fb, attr, va)
        fa.notes[2], fb.notes[2] = "the reference side of 'by D (A vs. B)'", "the side 'by D (A vs. B)' leads to"


def _align_groups(mentions, decisions, fields: list[Fields | None], ctx) -> None:
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (m, d) in enumerate(zip(mentions, decisions)):
        for key in ("list", "range"):
            gid = m.list_id if key == "list" else m.range_id
            if d.accepted and gid is not None:
                groups.setdefault((key, gid), []).append(i)
    for (key, _), idx in groups.items():
        strongest = fields[max(idx, key=lambda i: fields[i].strength)]
        for i in idx:
            f = fields[i]
            # "82.2% accuracy and 58.6% robustness": a member's own metric right after it stays
            own = f.metric_span is not None and f.metric_span[0] >= mentions[i].end and \
                _OWN_METRIC_GAP.fullmatch(ctx.text, mentions[i].end, f.metric_span[0]) is not None
            if f.strength < strongest.strength and not own:
                f.metric, f.entry, f.strength = strongest.metric, strongest.entry, strongest.strength
                f.metric_span = strongest.metric_span
                f.notes[0] = "metric shared by the list"
        first, last = (fields[idx[0]], fields[idx[-1]]) if idx else (None, None)
        if key == "range" and len(idx) == 2 and decisions[idx[0]].kind == "score" \
                and decisions[idx[1]].kind == "score" and first.role == last.role == "proposed" \
                and _TO.fullmatch(ctx.text, mentions[idx[0]].end, mentions[idx[1]].start):
            # "14.0% to 3.4% reasoning error": a change from an earlier state to the new one
            first.method, first.role, first.method_span, first.method_long = \
                "prior state of the art", "baseline", None, None
            first.notes[2] = "first side of a score range read as from -> to"
        metrics = aligned_metrics([mentions[i] for i in idx], [decisions[i] for i in idx], ctx) \
            if key == "list" else None
        for i, m in zip(idx, metrics or ()):
            f = fields[i]
            f.metric, f.entry, f.strength = m.entry.name, m.entry, 3.0
            f.metric_span = printed_metric_span(ctx.text, (m.start, m.end), ctx.start, ctx.end, ctx.vocab.closed_class)
            f.notes[0] = "paired with a metric in list order"
        paired = aligned_datasets([mentions[i] for i in idx], ctx) if key == "list" else None
        if paired:
            for i, d in zip(idx, paired):
                f = fields[i]
                if isinstance(d, str):
                    f.dataset = d
                else:
                    f.dataset, f.dataset_span = name_and_span(d, ctx.text)
                f.notes.append("paired with a dataset in list order")
