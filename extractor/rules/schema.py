"""The rule-file schema: every kind of rule, its keys, their types and limits.

A rule pack is untrusted data, so every entry is validated here, at load, before
anything uses it: a wrong type (`higher_is_better: maybe`, `task: [a, b]`,
`confidence: .nan`) is refused with the file, line, rule and key, instead of
failing after a whole run at write time. The models are pydantic v2 in strict
mode (no silent coercion: `name: 12345` is not a string) and forbid unknown keys.

One file may hold several kinds, one top-level key each. To add a kind of rule
file, write its model (a `Rule` subclass) and add one line to `KINDS`; the
loader then validates, merges by id and exposes the entries as
`RuleSet.raw[key]`, and `lbx rules schema` documents it.
"""
from __future__ import annotations

from typing import Annotated, Literal, get_args, get_origin

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError,
                      model_validator)

from extractor.result import KINDS as RESULT_KINDS
from extractor.result import ROLES
from extractor.rules.lexicon import MAX_WORDS, tokenize
from extractor.rules.patterns import UNIT_FAMILIES
from extractor.rules.safe_regex import MAX_REGEX_LEN, has_control
from extractor.rules.vocabulary import USES as VOCABULARY_USES

__all__ = ["KINDS", "Rule", "ValidationError", "reference_tables"]

MAX_RULES_PER_KIND = 20_000  # entries of one kind in one file
MAX_LIST = 1_000  # aliases, symbols, surfaces... of one entry
MAX_EXAMPLES = 100
MAX_TEXT = 2_000  # one example sentence
MAX_ALIAS_CHARS = 200
ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,79}$"  # ASCII only: no look-alike of a built-in id
UNIT_ID_PATTERN = r"^[a-z][a-z0-9]{0,39}(?:_[a-z0-9]{1,39}){0,8}$"  # a regex group name: no "__"
FRAGMENT_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"  # what {{NAME}} can refer to

METRIC_SCALES = ("percent", "fraction", "raw")
METRIC_UNIT_FAMILIES = ("percent", "dimensionless", "time", "rate", "memory", "count", "energy", "money",
                        "emissions")
NUMBER_FAMILIES = tuple(sorted(UNIT_FAMILIES))  # the unit families a number can have, and "any"
NEAR = ("metric_before", "metric_after", "dataset_after")
SIGNS = ("+", "-", "±")


def _one_line(text: str) -> str:
    if has_control(text):
        raise ValueError("holds a control, line-break or bidi character")
    return text


def _alias(text: str) -> str:
    words = len(tokenize(text).words)
    if words == 0:
        raise ValueError("has no word the matcher can match")
    if words > MAX_WORDS:
        raise ValueError(f"has {words} words; the matcher tries aliases of at most {MAX_WORDS}")
    return text


def _text(n: int):
    return Annotated[str, StringConstraints(min_length=1, max_length=n), AfterValidator(_one_line)]


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = _text(200)
Alias = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ALIAS_CHARS), AfterValidator(_one_line),
                  AfterValidator(_alias)]
Sentence = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Regex = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REGEX_LEN)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Aliases = Annotated[list[Alias], Field(max_length=MAX_LIST)]
Examples = Annotated[list[Sentence], Field(min_length=1, max_length=MAX_EXAMPLES)]
NotExamples = Annotated[list[Sentence], Field(max_length=MAX_EXAMPLES)]


class Strict(BaseModel):
    """No unknown key, no coercion; one-line text (names, aliases, tasks...) refuses control,
    line-break and bidi characters."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Rule(Strict):
    """Every rule has an id, unique within its kind."""

    id: Id = Field(description="unique id: lower-case ASCII letters, digits, _ . - (at most 80)")


class MetricRule(Rule):
    name: Name = Field(description="canonical name written to the table's metric column")
    aliases: Aliases = Field(default=[], description=f"surfaces matched case-insensitively (each at most {MAX_WORDS} words)")
    symbols: Aliases = Field(default=[], description="surfaces matched case-sensitively (AP, EM)")
    higher_is_better: bool | None = Field(default=None, description="direction; null if unknown")
    scale: Literal[METRIC_SCALES] | None = Field(default=None, description="how a score is printed")
    range: Annotated[list[Finite | None], Field(min_length=2, max_length=2)] | None = Field(
        default=None, description="[low, high] of plausible scores; null for an open side")
    unit_family: Literal[METRIC_UNIT_FAMILIES] | None = Field(default=None, description="what the value measures")
    task: _text(100) | None = Field(default=None, description='main task, or "general"')
    generic: bool = Field(default=False, description="a vague word (performance): used only as a last resort")
    examples: Examples = Field(description="sentences in which the metric must be found")
    not_examples: NotExamples = Field(default=[], description="sentences in which it must not be found")

    @model_validator(mode="after")
    def _range_ordered(self):
        if self.range is not None and None not in self.range and self.range[0] > self.range[1]:
            raise ValueError("range: low is above high")
        return self


class DatasetRule(Rule):
    name: Name = Field(description="canonical name written to the table's dataset column")
    aliases: Aliases = Field(default=[], description="surfaces matched case-sensitively")
    aliases_ci: Aliases = Field(default=[], description="surfaces matched case-insensitively")
    splits: Annotated[list[_text(100)], Field(max_length=MAX_LIST)] = Field(default=[], description="split names")
    task: _text(100) | None = Field(default=None, description="main task")
    examples: Examples = Field(description="sentences in which the dataset must be found")
    not_examples: NotExamples = Field(default=[], description="sentences in which it must not be found")


class UnitExample(Strict):
    text: Sentence
    value: Finite
    unit: _text(40)


class UnitRule(Rule):
    id: str = Field(pattern=UNIT_ID_PATTERN, description="lower-case ASCII words joined by single _")
    symbol: _text(20) = Field(description="symbol written to the table's unit column")
    family: Literal[tuple(f for f in NUMBER_FAMILIES if f not in ("any", "none"))] = Field(
        description="unit family patterns select on")
    pint: _text(60) | None = Field(default=None, description="pint unit name, for normalized values")
    prefix: bool = Field(default=False, description="printed before the number ($)")
    surfaces: Annotated[list[Regex], Field(min_length=1, max_length=MAX_LIST)] = Field(
        description="regexes of the printed forms")
    examples: Annotated[list[UnitExample], Field(min_length=1, max_length=MAX_EXAMPLES)] = Field(
        description="{text, value, unit} the number grammar must read")


class Yield(Strict):
    """One record a pattern example must produce (compared on the keys given)."""

    value: Finite
    kind: Literal[RESULT_KINDS] | None = None
    role: Literal[ROLES] | None = None
    metric: _text(200) | None = None
    dataset: _text(200) | None = None
    method: _text(200) | None = None
    task: _text(100) | None = None
    unit: _text(40) | None = None
    unit_norm: _text(40) | None = None
    value_norm: Finite | None = None
    higher_is_better: bool | None = None
    rule: _text(200) | None = None


class PatternExample(Strict):
    text: Sentence
    yields: Annotated[list[Yield], Field(max_length=50)] = []


class ExcludeRule(Rule):
    kind: Literal[RESULT_KINDS] | None = Field(default=None, description="unused by exclude")
    units: Annotated[list[Literal[NUMBER_FAMILIES]], Field(min_length=1, max_length=20)] = Field(
        default=["any"], description="unit families the pattern applies to")
    left: Regex | None = Field(default=None, description="regex ending where the number starts")
    right: Regex | None = Field(default=None, description="regex starting where the number (and unit) ends")
    sign: Literal[SIGNS] | None = Field(default=None, description="explicit sign the number must carry")
    near: Literal[NEAR] | None = Field(default=None, description="lexicon mention that must be adjacent")
    gap: Regex | None = Field(default=None, description="regex the text between that mention and the number fully matches")
    metric: _text(200) | None = Field(default=None, description="fixed metric name")
    role: Literal[ROLES] | None = Field(default=None, description="role of the numbers it accepts")
    confidence: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = Field(
        default=0.8, description="in [0, 1]")
    why: _text(500) | None = Field(default=None, description="the reason, shown by rules explain")
    examples: Annotated[list[PatternExample], Field(min_length=1, max_length=MAX_EXAMPLES)] = Field(
        description="{text, yields: [{value, kind, ...}]}; yields: [] for none")

    @model_validator(mode="after")
    def _has_a_cue(self):
        if self.left is None and self.right is None and self.sign is None and self.near is None:
            raise ValueError("a pattern needs left, right, sign or near")
        if self.gap is not None and self.near is None:
            raise ValueError("gap: only meaningful with near")
        return self


class AcceptRule(ExcludeRule):
    kind: Literal[RESULT_KINDS] = Field(description="kind given to the numbers it accepts")


class FragmentRule(Strict):
    id: str = Field(pattern=FRAGMENT_ID_PATTERN, description="name used as {{NAME}} in left, right, gap")
    regex: Regex = Field(description="the regex put in place of {{NAME}}")
    examples: Annotated[list[Sentence], Field(max_length=MAX_EXAMPLES)] = Field(default=[], description="optional")


class WordExample(PatternExample):
    title: _text(300) = Field(default="Example", description="the paper's title (the method can come from it)")


class WordListRule(Rule):
    use: Literal[VOCABULARY_USES] = Field(description="the attach step's vocabulary the words join")
    words: Aliases = Field(min_length=1, description="the words (names case-sensitive, the others lower-case)")
    why: _text(500) = Field(description="what the list is for")
    examples: Annotated[list[WordExample], Field(min_length=1, max_length=MAX_EXAMPLES)] = Field(
        description="{text, title, yields: [{value, ...}]}: sentences the list decides")


class SettingExample(Strict):
    """A sentence, the number in it (its first occurrence), and the setting it must get."""

    text: Sentence
    number: _text(40) = Field(description="the number as printed in text (its first occurrence)")
    setting: _text(200) | None = Field(description="the setting detected for that number; null for none")


class SettingRule(Rule):
    group: _text(40) = Field(description="what the setting is about (shots, supervision, attack...); one per group")
    pattern: Regex = Field(description="regex of the cue, matched case-insensitively; named groups fill `setting`")
    setting: _text(200) = Field(description="the setting written, with {group} filled from the match ('{k}-shot')")
    examples: Annotated[list[SettingExample], Field(min_length=1, max_length=MAX_EXAMPLES)] = Field(
        description="{text, number, setting}; setting: null where the rule must not fire")


class BenchmarkMetric(Strict):
    metric: Name = Field(description="canonical metric of the benchmark")
    aliases: Aliases = Field(default=[], description="metric names that mean it on this dataset only")


class BenchmarkExample(Strict):
    dataset: Name
    metric: Name
    benchmark: Annotated[list[Name], Field(min_length=2, max_length=2)] = Field(
        description="[dataset, metric] the row's benchmark must be")


class BenchmarkRule(Rule):
    dataset: Name = Field(description="canonical dataset of the benchmark")
    aliases: Aliases = Field(default=[], description="dataset names that are the same benchmark (case-insensitive)")
    splits: Annotated[list[_text(40)], Field(max_length=MAX_LIST)] = Field(
        default=[], description="split words that may follow the name ('val', 'test-dev')")
    task: _text(100) | None = Field(default=None, description="the task of the benchmark")
    metrics: Annotated[list[BenchmarkMetric], Field(max_length=MAX_LIST)] = Field(
        default=[], description="metric aliases scoped to this dataset ({metric, aliases})")
    examples: Annotated[list[BenchmarkExample], Field(min_length=1, max_length=MAX_EXAMPLES)] = Field(
        description="{dataset, metric, benchmark: [dataset, metric]}")


# The one registry of rule-file kinds: top-level key -> model of one entry.
KINDS: dict[str, type[BaseModel]] = {
    "units": UnitRule,
    "metrics": MetricRule,
    "datasets": DatasetRule,
    "fragments": FragmentRule,
    "exclude": ExcludeRule,
    "accept": AcceptRule,
    "words": WordListRule,
    "settings": SettingRule,
    "benchmarks": BenchmarkRule,
}


def _type_name(ann) -> str:
    """A readable type for the reference table."""
    origin, args = get_origin(ann), get_args(ann)
    if origin is Annotated:
        return _type_name(args[0])
    if origin is Literal:
        return " / ".join(str(a) for a in args)
    if origin is list:
        inner = _type_name(args[0])
        return f"list of ({inner})" if " or " in inner else f"list of {inner}"
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_type_name(a) for a in rest) + " or null"
    if origin is list and get_origin(args[0]) not in (None, Annotated):
        return f"list of ({_type_name(args[0])})"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return "{" + ", ".join(ann.model_fields) + "}"
    return {str: "string", bool: "true/false", float: "number", int: "integer"}.get(ann, str(ann))


def _limits(ann, metadata=()) -> str:
    """Length, range and pattern constraints of a field (and of its list items)."""
    parts, origin, args = [], get_origin(ann), get_args(ann)
    metadata = list(metadata)
    if origin is Annotated:
        metadata += list(args[1:])
        ann, origin, args = args[0], get_origin(args[0]), get_args(args[0])
    for m in list(metadata):
        metadata += list(getattr(m, "metadata", ()))  # a Field(...) inside Annotated
    for m in metadata:
        for attr, fmt in (("min_length", "at least {}"), ("max_length", "at most {}"), ("ge", ">= {}"),
                          ("le", "<= {}"), ("pattern", "`{}`")):
            v = getattr(m, attr, None)
            if v is not None:
                parts.append(fmt.format(v))
        if getattr(m, "allow_inf_nan", None) is False:
            parts.append("finite")
    if origin is list:
        inner = _limits(args[0])
        if inner:
            parts.append(f"each: {inner}")
    elif args and type(None) in args:
        parts += [x for a in args if a is not type(None) and (x := _limits(a))]
    return ", ".join(parts)


def reference_tables() -> str:
    """The rule format as Markdown tables, one per kind (README, `lbx rules schema`)."""
    out = []
    for key, model in KINDS.items():
        out += [f"### `{key}`", "", "| key | type | required | limits | meaning |", "|---|---|---|---|---|"]
        for name, f in model.model_fields.items():
            limits = _limits(f.annotation, f.metadata).replace("|", "\\|")
            out.append(f"| `{name}` | {_type_name(f.annotation)} | {'yes' if f.is_required() else 'no'} | "
                       f"{limits} | {(f.description or '').replace('|', '/')} |")
        out.append("")
    return "\n".join(out)
