"""Context patterns: the cue phrases that make a number a result, or rule it out.

A pattern looks at the text just left of a number (`left`, a regex that must
end where the number starts) and/or just right of its unit (`right`, a regex
that must start there), and at the number's unit family (`units`). An `accept`
pattern gives the number its kind; an `exclude` pattern rules it out with a
reason. Patterns are tried in file order; the first exclude that fits wins over
any accept, and among accepts the first that fits wins.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import regex

from extractor.rules.cues import required_strings

LEFT_WINDOW = 160  # characters of left context a pattern can see
RIGHT_WINDOW = 120
MATCH_TIMEOUT = 0.5  # seconds; a regex that needs more on one number is a bug in the rule

# "none" is a number printed without a unit ("64.2 AP").
UNIT_FAMILIES = {"none", "percent", "points", "factor", "time", "compute_time", "rate",
                 "memory", "ratio_db", "emissions", "power", "money", "any"}


@dataclass(slots=True)
class PatternRule:
    id: str
    action: str  # "accept" or "exclude"
    source: str
    line: int
    kind: str | None = None  # score / delta / ratio, for accept
    units: frozenset[str] = frozenset({"any"})
    left: regex.Pattern | None = None
    right: regex.Pattern | None = None
    sign: str | None = None  # require an explicit sign ("+")
    metric: str | None = None  # fixed metric name ("speed" for "x faster")
    metric_group: bool = False  # the `left`/`right` regex has a group named metric
    role: str | None = None  # "baseline" for numbers a rule knows belong to a reference
    confidence: float = 0.8
    why: str = ""
    near: str | None = None  # metric_before / metric_after / dataset_after: a lexicon mention must be adjacent
    gap: regex.Pattern | None = None  # what may stand between that mention and the number (full match)
    examples: list[dict] = field(default_factory=list)

    def fits(self, mention, ctx) -> "Fit | None":
        """How the rule fits the number in its sentence context (`extract.Context`), or None."""
        family = mention.unit_family or "none"
        if "any" not in self.units and family not in self.units:
            return None
        if self.sign is not None and mention.sign != self.sign:
            return None
        text = ctx.text
        fit = Fit()
        cues = getattr(ctx, "cues", None)  # where the sentence's cue words are: looked up before any regex
        if self.left is not None:
            lo = max(ctx.start, mention.start - LEFT_WINDOW)
            need = required_strings(self.left.pattern)
            if need is not None and cues is not None and not cues.has(need, lo, mention.start):
                return None
            fit.left = self.left.search(text, lo, mention.start, timeout=MATCH_TIMEOUT)
            if fit.left is None:
                return None
        if self.right is not None:
            hi = min(ctx.end, mention.end + RIGHT_WINDOW)
            need = required_strings(self.right.pattern)
            if need is not None and cues is not None and not cues.has(need, mention.end, hi):
                return None
            # matched on a slice so that "^" in a rule means "right after the number"
            fit.right = self.right.match(text[mention.end:hi], timeout=MATCH_TIMEOUT)
            if fit.right is None:
                return None
        if self.near is not None:
            fit.near = self._adjacent(mention, ctx)
            if fit.near is None:
                return None
        return fit

    def _adjacent(self, mention, ctx):
        """The lexicon mention next to the number, if the text between fits `gap`."""
        text = ctx.text
        if self.near == "metric_before":
            cands = [m for m in ctx.metrics if m.end <= mention.start and mention.start - m.end <= 60]
            cands = cands[-1:]
            between = lambda m: text[m.end:mention.start]  # noqa: E731
        else:
            pool = ctx.metrics if self.near == "metric_after" else ctx.datasets
            cands = [m for m in pool if m.start >= mention.end and m.start - mention.end <= 60][:1]
            between = lambda m: text[mention.end:m.start]  # noqa: E731
        for m in cands:
            if self.gap is None or self.gap.fullmatch(between(m), timeout=MATCH_TIMEOUT):
                return m
        return None


@dataclass(slots=True)
class Fit:
    left: regex.Match | None = None
    right: regex.Match | None = None
    near: object | None = None  # the adjacent lexicon Mention


def compile_left(pattern: str) -> regex.Pattern:
    return regex.compile(f"(?:{pattern})$", regex.V0 | regex.IGNORECASE)


def compile_right(pattern: str) -> regex.Pattern:
    return regex.compile(f"(?:{pattern})", regex.V0 | regex.IGNORECASE)
