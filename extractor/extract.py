"""The engine: one paper in, its reported results out.

    normalize -> sentences -> numbers -> classify (rules) -> attach fields -> Result

Pure: no I/O, no printing. Spans are found on the normalized text and mapped back
to the abstract as given, so `abstract[start:end]` is the number as printed and
`evidence` is the sentence copied from the abstract.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from extractor import __version__
from extractor.attach.dataset import dataset_from_title, introduced_datasets, shaped_datasets, usable_datasets
from extractor.attach.fields import Fields, attach_all, is_efficiency
from extractor.attach.paper_name import concept_short_forms, long_form, paper_method, paper_names
from extractor.classify import Decision, classify, grammar_reject
from extractor.confidence import row_confidence
from extractor.mentions import LazyMentions
from extractor.quantities import normalize_value
from extractor.result import Result
from extractor.rules.cues import CueIndex, required_strings
from extractor.rules.lexicon import Entry, Mention, Spans
from extractor.rules.loader import RuleSet
from extractor.settings import SentenceSettings
from extractor.shared_decisions import (continue_parallel_deltas, continue_parallel_results, link_parenthesized_lists,
                                        share_within_groups)
from extractor.sources.paper import Paper
from extractor.text.normalize import normalize
from extractor.text.numbers import MAX_NUMBERS, NumberMention, find_numbers
from extractor.text.sentences import split_sentences

MAX_ABSTRACT_CHARS = 100_000  # longer "abstracts" are cut here: no real abstract is this long
# Why an abstract was read only in part: the run counts these by reason and says so.
CUT_AT_CHARS = f"longer than {MAX_ABSTRACT_CHARS:,} characters, the rest not read"
CUT_AT_NUMBERS = f"{MAX_NUMBERS:,} numbers or more, any after the {MAX_NUMBERS:,}th not read"
_DATASET_PHRASE = regex.compile(
    r"\b(?:on|in|for|at|over|across)\s+(?:the\s+)?((?:[A-Z][\w\-.+]*[\s-]){0,3}[A-Z][\w\-.+]*)\s+"
    r"(?:dataset|benchmark|corpus|suite|challenge|leaderboard)s?\b")
_HEAD_CUT = regex.compile(r"[-\s]")  # a name's first word: "ResNet-50" -> "ResNet"
_PHRASE_CUES = required_strings(_DATASET_PHRASE.pattern) or frozenset({""})


class Context:
    """A sentence as the rules see it: the normalized text of the whole abstract,
    the sentence bounds, and the lexicon mentions inside the sentence.

    The mentions are taken on first use from the abstract's one pass over the
    lexicons (`extractor.mentions`), itself run on the first use in the abstract:
    a sentence whose numbers the exclude patterns or the cue patterns settle never
    needs them, and that pass is the costliest step of the engine."""

    __slots__ = ("text", "start", "end", "known_names", "previous_datasets", "own_name", "own_names", "vocab", "_rules",
                 "_names", "_metrics", "_datasets", "_cues")

    def __init__(self, text: str, start: int, end: int, rules: RuleSet, names: LazyMentions):
        self.text, self.start, self.end, self._rules, self._names = text, start, end, rules, names
        self._metrics: list[Mention] | None = None
        self._datasets: list[Mention] | None = None
        self._cues: CueIndex | None = None
        self.known_names: set[str] = set()  # surfaces of metrics and datasets: never a method
        self.previous_datasets: list[Mention] = []  # of the sentence before ("on A, B and C. ... respectively")
        self.own_name: str | None = None  # the paper's method: never its dataset
        self.own_names: frozenset[str] = frozenset()  # its short and long forms too
        self.vocab = rules.vocab  # the attach step's word lists (rules/attach.yaml)

    def _look_up(self) -> None:
        self._metrics, lexicon_datasets = self._names.get().in_sentence(self.start, self.end)
        self._datasets = _datasets_in(self.text, self.start, self.end, self._rules, lexicon_datasets, self._metrics)

    @property
    def cues(self) -> CueIndex:
        """Where the patterns' cue words occur: a pattern whose cues are not near a
        number is not tried on it."""
        if self._cues is None:
            self._cues = CueIndex(self.text, self.start, self.end)
        return self._cues

    @property
    def metrics(self) -> list[Mention]:
        if self._metrics is None:
            self._look_up()
        return self._metrics

    @property
    def datasets(self) -> list[Mention]:
        if self._datasets is None:
            self._look_up()
        return self._datasets


@dataclass
class Explained:
    """One number with its decision and, when accepted, its record (for explain)."""

    mention: NumberMention
    decision: Decision
    result: Result | None
    notes: list[str]


@dataclass(frozen=True, slots=True)
class Reading:
    """What a run needs of one paper: its results, and why only part of its
    abstract was read (None: all of it), so the run can count such papers."""

    results: list[Result]
    cut: str | None = None  # CUT_AT_CHARS or CUT_AT_NUMBERS


def extract_paper(paper: Paper, rules: RuleSet) -> list[Result]:
    return read_paper(paper, rules).results


def read_paper(paper: Paper, rules: RuleSet) -> Reading:
    explained, cut = _explain(paper, rules)
    return Reading([e.result for e in explained if e.result is not None], cut)


def explain_paper(paper: Paper, rules: RuleSet) -> list[Explained]:
    """Every number of the abstract with what the rules made of it."""
    return _explain(paper, rules)[0]


def _explain(paper: Paper, rules: RuleSet) -> tuple[list[Explained], str | None]:
    abstract = paper.abstract
    if not abstract:
        return [], None
    cut = CUT_AT_CHARS if len(abstract) > MAX_ABSTRACT_CHARS else None
    abstract = abstract[:MAX_ABSTRACT_CHARS]
    text, omap = normalize(abstract)
    # First pass: numbers and decisions, sentence by sentence. Lexicon look-ups only
    # where a number survives the grammar: most sentences of most abstracts have none.
    numbers = find_numbers(text, rules.units)
    if cut is None and len(numbers) >= MAX_NUMBERS:
        cut = CUT_AT_NUMBERS
    return _explain_numbers(paper, rules, abstract, text, omap, numbers), cut


def _explain_numbers(paper: Paper, rules: RuleSet, abstract: str, text: str, omap, numbers) -> list[Explained]:
    link_parenthesized_lists(text, numbers)
    early_all = [grammar_reject(m) for m in numbers]
    if all(d is not None for d in early_all):  # no number could be a result: done, no sentence split
        return [Explained(m, d, None, []) for m, d in zip(numbers, early_all)]
    sentences = []
    names = LazyMentions(text, rules.metrics, rules.datasets)
    starts = [m.start for m in numbers]
    spans = split_sentences(text, numbers)  # long ones in pieces that never cut a number
    for k, (s, e) in enumerate(spans):
        lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
        mentions, early = numbers[lo:hi], early_all[lo:hi]
        if not mentions:
            continue
        if all(d is not None for d in early):
            sentences.append((k, s, e, mentions, early, None))
            continue
        ctx = Context(text, s, e, rules, names)
        decisions = [d or classify(m, ctx, rules) for m, d in zip(mentions, early)]
        share_within_groups(mentions, decisions)
        if continue_parallel_results(text, mentions, decisions):
            share_within_groups(mentions, decisions)  # the continuation's own range or list
        continue_parallel_deltas(text, mentions, decisions)
        sentences.append((k, s, e, mentions, decisions, ctx))
    # Second pass, only for abstracts with results: what the whole abstract says
    # (the paper's method name, its one dataset) and the fields of each result.
    if not any(d.accepted for *_, decisions, _ in sentences for d in decisions):
        return [Explained(m, d, None, []) for _, _, _, ms, ds, _ in sentences for m, d in zip(ms, ds)]
    found = names.get()  # only abstracts with results get here
    all_metrics = found.metrics
    all_datasets = _datasets_in(text, 0, len(text), rules, found.datasets, all_metrics)
    own_datasets = introduced_datasets(text)  # "we present FooQA, a question answering dataset": not a method
    known = {m.text for m in all_datasets if not m.entry.id.startswith("shape:")} | {m.text for m in all_metrics} \
        | concept_short_forms(paper.title, text, rules.vocab) | set(own_datasets) \
        | {w for name in own_datasets for w in name.split()[1:]}  # "Hard FooSet": FooSet is no method either
    own_name = paper_method(paper.title, text, known, rules.vocab)
    # a name known only by its shape that is the paper's method is not its benchmark
    own_names = paper_names(own_name, text)
    not_own = [m for m in all_datasets if not (m.entry.id.startswith("shape:") and m.entry.name in own_names)]
    only = {m.entry.name for m in not_own}
    default_dataset = next(iter(only)) if len(only) == 1 else \
        dataset_from_title(paper.title) or next(iter(own_datasets), None)
    own_long = long_form(own_name, text)
    out: list[Explained] = []
    for k, s, e, mentions, decisions, ctx in sentences:
        if ctx is None:
            out.extend(Explained(m, d, None, []) for m, d in zip(mentions, decisions))
            continue
        ctx.known_names, ctx.own_name, ctx.own_names = known, own_name, own_names
        if k > 0:
            ps, pe = spans[k - 1]
            ctx.previous_datasets = [d for d in all_datasets if ps <= d.start and d.end <= pe]
        fields = attach_all(mentions, decisions, ctx, own_name, own_long)
        inherited, why = default_dataset, "the only dataset the abstract names"
        if inherited is None and k > 0:
            inherited, why = _dataset_of_previous_sentence(not_own, spans, k), "the dataset of the sentence before"
        named_here = {d.entry.name for d in usable_datasets(ctx)}
        if len(named_here) == 1:  # "... 63.63% and 67.92%, for ..., on the CIFAR-10 dataset, respectively"
            _fill_missing_datasets(fields, next(iter(named_here)), "the only dataset the sentence names")
        if inherited and not ctx.datasets:
            _fill_missing_datasets(fields, inherited, why)
        cues = None  # the sentence's setting cues, searched once for all its results
        for mention, decision, f in zip(mentions, decisions, fields):
            result = None
            if decision.accepted:
                if cues is None:
                    cues = SentenceSettings(abstract, omap.to_original(s), omap.to_original(e), rules)
                result = _result(paper, rules, abstract, omap, mention, decision, s, e, f, cues)
            out.append(Explained(mention, decision, result, f.notes if f is not None else []))
    return out


def _fill_missing_datasets(fields, name: str, why: str) -> None:
    """Results that found no dataset of their own take `name` (never cost numbers)."""
    for f in fields:
        if f is not None and f.dataset is None and not is_efficiency(f):
            f.dataset, f.notes[1] = name, why


def _dataset_of_previous_sentence(all_datasets, spans, k: int) -> str | None:
    """The one dataset the sentence before names ("We evaluate on X. It reaches
    N%"): a sentence without a dataset of its own continues the one before."""
    ps, pe = spans[k - 1]
    names = {d.entry.name for d in all_datasets if ps <= d.start and d.end <= pe}
    return next(iter(names)) if len(names) == 1 else None


def _datasets_in(text: str, s: int, e: int, rules: RuleSet, lexicon_datasets: list[Mention],
                 metrics=()) -> list[Mention]:
    """The lexicon's datasets in text[s:e] (`lexicon_datasets`) plus names the sentence
    itself calls a dataset or benchmark, and name-shaped objects of "on / in / across"
    that are not metrics."""
    found = list(lexicon_datasets)
    taken = Spans([(d.start, d.end) for d in found] + [(m.start, m.end) for m in metrics])
    sentence = text[s:e].casefold()  # the phrase's kind word ("dataset", "benchmark"...) first: the regex costs more
    phrases = _DATASET_PHRASE.finditer(text, s, e, timeout=1.0) if any(w in sentence for w in _PHRASE_CUES) else ()
    for m in phrases:
        a, b = m.span(1)
        if not taken.overlaps(a, b):
            entry = Entry("phrase:" + m.group(1), m.group(1), "dataset", "text", {})
            found.append(Mention(entry, a, b, m.group(1)))
    not_names = lambda name: _not_a_dataset_name(name, rules.vocab)  # noqa: E731
    for a, b, name, prep in shaped_datasets(text, s, e, not_names, rules.vocab.not_dataset_next,
                                            [d.end for d in found]):
        if not taken.overlaps(a, b):
            taken.add(a, b)
            found.append(Mention(Entry("shape:" + name, name, "dataset", "text", {"prep": prep}), a, b, name))
    found.sort(key=lambda d: d.start)
    return found


def _not_a_dataset_name(name: str, vocab) -> bool:
    """Models, organisations and kinds of things have dataset-like shapes too."""
    head = _HEAD_CUT.split(name, maxsplit=1)[0]
    return name in vocab.not_names or head in vocab.not_names


def _result(paper, rules, abstract, omap, mention, decision, s, e, f: Fields, cues: SentenceSettings) -> Result:
    start, end = omap.to_original(mention.start), omap.to_original(mention.end)

    def printed(span):  # a field's words as the abstract prints them
        return abstract[omap.to_original(span[0]):omap.to_original(span[1])] if span else None

    value_norm, unit_norm = normalize_value(mention.value, mention.multiplier, mention.unit, rules.units)
    info = f.entry.info if f.entry is not None else {}
    hib = info.get("higher_is_better")
    return Result(
        paper_id=paper.paper_id, title=paper.title, source=paper.source, published=paper.published,
        method=f.method, role=f.role or "proposed", task=info.get("task"), dataset=f.dataset, metric=f.metric,
        kind=decision.kind, value=mention.value, value_text=abstract[start:end], unit=mention.unit,
        value_norm=value_norm, unit_norm=unit_norm, higher_is_better=hib,
        evidence=abstract[omap.to_original(s):omap.to_original(e)], start=start, end=end,
        rule=decision.rule, extractor_version=__version__,
        confidence=row_confidence(decision, mention.unit, f.metric, f.dataset, f.method, f.entry, f.notes, paper.title),
        url=paper.url,
        metric_text=printed(f.metric_span), dataset_text=printed(f.dataset_span),
        method_text=printed(f.method_span) or f.method_long,
        setting=cues.setting_of(start, end),
        notes=f.notes,
    )
