"""Decide, for one number in its sentence, whether it is a reported result.

The grammar's own flags rule out what is never a result (digits inside a name,
a side of a "2560x2048" shape, a year, a k/M/B size); then the exclude patterns,
then the accept patterns, as `patterns.yaml` explains. The `Decision` keeps the
trail of what was tried, for `lbx rules explain`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from extractor.rules.patterns import Fit, PatternRule
from extractor.text.numbers import NumberMention

# Grammar-level rejections: (flag check, rule id, reason).
_GRAMMAR_REJECTS = (
    (lambda m: "fraction" in m.flags or "setting" in m.flags, "grammar.constant",
     "a fraction, a constant or a setting (1/6 of, epsilon = 16/255, n = 1)"),
    (lambda m: m.glued_name, "grammar.in_name", "digits inside a name (CIFAR-10, GPT-4, LRS3, top-5)"),
    (lambda m: m.glued_right, "grammar.glued_right", "digits glued to a word (3D, 2nd, 5-shot)"),
    (lambda m: m.shape, "grammar.shape", "a side of a resolution or shape (2560x2048)"),
    (lambda m: m.year, "grammar.year", "a year"),
    (lambda m: "enumeration" in m.flags, "grammar.enumeration", "an enumeration marker (1), 2), ...)"),
    (lambda m: "broken" in m.flags, "grammar.broken", "a decimal split by a stray space (2 .03%): its value is unsure"),
    (lambda m: m.suffix is not None and m.unit is None, "grammar.size_suffix", "a size with a k/M/B suffix"),
)


@dataclass
class Decision:
    accepted: bool
    rule: str  # id of the rule that accepted or rejected
    kind: str | None = None
    confidence: float = 0.0
    reason: str = ""
    pattern: PatternRule | None = None
    fit: Fit | None = None
    trail: list[str] = field(default_factory=list)  # "rule: outcome" lines for explain


def grammar_reject(mention: NumberMention) -> Decision | None:
    """The decision for a number the grammar already rules out, else None.
    Cheap: the engine calls it before it looks up metrics and datasets."""
    for check, rid, reason in _GRAMMAR_REJECTS:
        if check(mention):
            return Decision(False, rid, reason=reason, trail=[f"{rid}: rejected ({reason})"])
    return None


def classify(mention: NumberMention, ctx, rules) -> Decision:
    """`rules` is the RuleSet; only the patterns for the number's unit family are tried."""
    rejected = grammar_reject(mention)
    if rejected is not None:
        return rejected
    trail: list[str] = []
    exclude, accept = rules.patterns_for(mention.unit_family or "none")
    for rule in exclude:
        fit = rule.fits(mention, ctx)
        if fit is not None:
            trail.append(f"{rule.id}: rejected ({rule.why})")
            return Decision(False, rule.id, reason=rule.why, pattern=rule, fit=fit, trail=trail)
    for rule in accept:
        fit = rule.fits(mention, ctx)
        if fit is not None:
            kind = "ratio" if mention.unit_family == "factor" else rule.kind
            if mention.sign == "+" and kind == "score":
                kind = "delta"
            trail.append(f"{rule.id}: accepted as {kind}")
            return Decision(True, rule.id, kind=kind, confidence=rule.confidence,
                            pattern=rule, fit=fit, trail=trail)
    trail.append("no accept pattern fits: not a result")
    return Decision(False, "none", reason="no result cue", trail=trail)
