"""Decisions the numbers of one sentence share.

A pattern decides one number from its own context; but numbers come in groups
that a sentence states once: a range ("3.36% to 7.21%"), a list ("84.3%, 84.9%
and 85.6% top-1"), a list whose members each carry a parenthesis ("18%
(ResNet) and 40% (DQN)"), or a parallel continuation of the same result ("a
relative error reduction of 8% on A and 11% on B"). Members take the decision
of the member with the clearest cue, so the sentence's one cue covers them all.
"""
from __future__ import annotations

import regex

from extractor.classify import Decision
from extractor.text.numbers import NumberMention

# "by 18% (ResNet) and 40% (DQN)", "82% (CIFAR-10) and 32% (ImageNet, top-5)": a
# parenthesis naming what each number is for, then the next member of the list.
_PAREN_LIST_SEP = regex.compile(r"\s*\([^()]{1,40}\)\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s+)")


def link_parenthesized_lists(text: str, numbers: list[NumberMention]) -> None:
    """Numbers of one unit separated only by a parenthesis and a list separator
    form a list, as "A, B and C" do: they share the decision of their members."""
    next_id = max((m.list_id for m in numbers if m.list_id is not None), default=-1) + 1
    free = [m for m in numbers if not (m.glued_name or m.glued_right or m.year)]  # not "CIFAR-10" in the parenthesis
    for a, b in zip(free, free[1:]):
        if a.unit == b.unit and b.list_id is None and _PAREN_LIST_SEP.fullmatch(text, a.end, b.start):
            if a.list_id is None:
                a.list_id, next_id = next_id, next_id + 1
            b.list_id = a.list_id


def _kind_evidence(d: Decision) -> tuple[int, float]:
    """How much a decision says about its kind: a change cue ("gains of", "by")
    says more than a score read only from a metric or dataset next to the number
    ("gains of up to 1-2 BLEU": both deltas), then the rule's confidence."""
    return (0 if d.rule.split("+")[0] in _WEAK_SCORES else 1, d.confidence)


def _excluded_by_what_follows(d: Decision) -> bool:
    """Rejected only for the words after it ("4.4 tokens" as a size): in a range
    those words name the unit of both sides, and the cue before the range ("from
    3.1 to 4.4 tokens") decides."""
    p = d.pattern
    return p is not None and p.action == "exclude" and p.left is None and p.right is not None


def share_within_groups(mentions: list[NumberMention], decisions: list[Decision]) -> None:
    """A range or list member no pattern accepted takes the decision of an accepted
    member ("84.3%, 84.9% and 85.6% Top-1 accuracy"; "by 3.36% to 7.21%")."""
    for key in ("range_id", "list_id"):
        groups: dict[int, list[int]] = {}
        for i, m in enumerate(mentions):
            gid = getattr(m, key)
            if gid is not None:
                groups.setdefault(gid, []).append(i)
        for idx in groups.values():
            donors = [decisions[i] for i in idx if decisions[i].accepted]
            if not donors:
                continue
            donor = donors[-1] if key == "list_id" else donors[0]
            strongest = max(donors, key=_kind_evidence)
            for i in idx:
                d = decisions[i]
                if d.accepted and d.kind != strongest.kind and _kind_evidence(d) < _kind_evidence(strongest) \
                        and "factor" not in (mentions[i].unit_family or ""):
                    d.trail.append(f"kind {d.kind} -> {strongest.kind}, as the {key[:-3]}'s {strongest.rule}")
                    d.kind = strongest.kind  # "gains of 8.8% and 3.5% in A and B": both deltas
                if not d.accepted and (d.rule == "none" or (key == "range_id" and _excluded_by_what_follows(d)
                                                            and decisions[idx[0]].accepted)):
                    decisions[i] = Decision(True, f"{donor.rule}+{key[:-3]}", kind=donor.kind,
                                            confidence=donor.confidence * 0.9, pattern=donor.pattern,
                                            fit=None, trail=d.trail + [f"shares the decision of its {key[:-3]}"])


_PARALLEL_GAP = regex.compile(
    r"[^.;:]{0,70}?(?:,\s*|\s)(?:and\s+|while\s+|with\s+)?(?:by\s+)?(?:up\s+to\s+|about\s+|around\s+|over\s+)?",
    regex.IGNORECASE)
_NEW_CLAUSE = regex.compile(r"\b(?:achiev|reach|obtain|attain|scor|get|record|yield|perform)\w*\b", regex.IGNORECASE)
_WEAK_SCORES = ("score.metric_after", "score.on_dataset", "score.share_of_cases")


def continue_parallel_deltas(text, mentions, decisions) -> None:
    """"improves EM by 5.7% and 6.6% on execution accuracy": a number read as a
    score only because a metric follows it continues the delta before it."""
    prev = None
    for m, d in zip(mentions, decisions):
        if not d.accepted:
            continue
        if prev is not None and prev[1].kind == "delta" and d.kind == "score" and d.rule.split("+")[0] in _WEAK_SCORES \
                and m.unit_family == prev[0].unit_family and _PARALLEL_GAP.fullmatch(text, prev[0].end, m.start) \
                and not _NEW_CLAUSE.search(text, prev[0].end, m.start):
            d.kind = "delta"
            d.trail.append(f"kind score -> delta: continues the delta {prev[0].text!r} before it")
        prev = (m, d)


# What may stand between a result and its parallel continuation: the first's
# context ("on the CIFAR10 graph dataset", "for highly-optimized models"), then
# "and" / ", and" / ", while", and a qualifier of the second ("up to").
_CONTINUATION_GAP = regex.compile(
    r"[^.;:()]{0,80}?(?:,\s*(?:and|while|whereas)\s+|\s+and\s+)(?:(?:by|of|in)\s+)?(?:up\s+to\s+|about\s+|around\s+|"
    r"over\s+|nearly\s+|almost\s+|only\s+)?", regex.IGNORECASE)
_NEW_VERB = regex.compile(r"\b(?:we|our|it|they|is|are|was|were|use[sd]?|using|train\w*|requir\w*|tak\w*|need\w*|"
                          r"contain\w*|consist\w*|includ\w*|sampl\w*|set|with)\b", regex.IGNORECASE)


def continue_parallel_results(text: str, mentions: list[NumberMention], decisions: list[Decision]) -> bool:
    """A number no pattern accepted, of the same unit as an accepted one before it
    in the sentence and joined to it by "and" with no new subject or verb, states
    the same kind of result for another case: "a relative error reduction of 8% on
    A and 11% to 32% on B"; "by up to 0.8% for X, and up to 11% for Y". True
    when it accepted any."""
    prev, changed = None, False
    for m, d in zip(mentions, decisions):
        if d.accepted:
            prev = (m, d)
            continue
        if prev is None or d.rule != "none" or m.unit != prev[0].unit:
            continue
        gap = _CONTINUATION_GAP.fullmatch(text, prev[0].end, m.start)
        if gap is None or _NEW_VERB.search(text, prev[0].end, m.start):
            continue
        donor = prev[1]
        d.accepted, d.rule, d.kind, d.pattern, d.fit = True, f"{donor.rule.split('+')[0]}+parallel", donor.kind, \
            donor.pattern, None
        d.confidence = donor.confidence * 0.85
        d.trail.append(f"continues the result {prev[0].text!r} before it (joined by 'and')")
        prev, changed = (m, d), True
    return changed
