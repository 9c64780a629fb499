"""Which data set or benchmark a number was measured on.

"8.8% and 3.5% in Digit-Five and Office-Caltech10, respectively" pairs in order;
otherwise the dataset named right after the number ("on COCO") wins, then one
named earlier in the sentence ("On Moving MNIST, PredFormer ..."), else none.
A split word printed after the name ("test-dev", "validation") is kept with it.
"""
from __future__ import annotations

import functools

import regex

from extractor.text.phrases import matches_at, word_starts

RIGHT_REACH = 70
_BLOCK = regex.compile(r"[;]|\bwhereas\b|\bthan\b")
# "ImageNet-trained model", "COCO-style AP": the name describes something else.
_COMPOUND = regex.compile(r"-(?:trained|pretrained|pre-trained|based|style|like|scale|sized|level|specific|only)\b")
# What may stand between a number and the dataset it was measured on: "on", "in the",
# "AP on the challenging", "% top-1 accuracy on", an aside in parentheses or the ")"
# closing the number's own ("600 flips (vs. 175 flips) on X") ... but no clause break.
_LEADS_TO = regex.compile(r"[^,;()]{0,50}?(?:\([^()]{0,40}\)\s*|\)\s*)?\b(?:on|in|for|at|across|over|of|from|using)\s+(?:the\s+)?"
                          r"(?:[\w\-]+\s+){0,3}?|\s*(?:\(\s*)?", regex.IGNORECASE)
# Another number between a number and a dataset: the dataset is that number's ("by 4.2
# points on average and recall from 71.3 to 78.9 on MS MARCO"). "top-1" is not a number here.
_OTHER_NUMBER = regex.compile(r"(?<![\w@-])\d+(?:\.\d+)?(?![\w-])")  # not the 10 of "nDCG@10"


def _another_measurement(ctx, lo: int, hi: int) -> bool:
    """Another number with a metric of its own stands between lo and hi, in a
    clause of its own ("by 4.2 points on average and recall from 71.3 to 78.9 on
    X"). Coordinated measurements share the dataset ("82.2% accuracy and 58.6%
    robustness on X"): a plain "and" before the other number does not separate."""
    if not (_OTHER_NUMBER.search(ctx.text, lo, hi) and any(lo <= m.start and m.end <= hi for m in ctx.metrics)):
        return False
    return not (_COORDINATED.fullmatch(ctx.text, lo, hi) or _COMPARISON_ASIDE.fullmatch(ctx.text, lo, hi))


# "N metric and M metric on": one more number and its metric, joined by "and" / ","
_COORDINATED = regex.compile(r"\s*(?:[\w@-]+\s+){0,3}?(?:,\s*|\s*and\s+|,\s*and\s+)[-+~]?\d[\d.,]*\s*%?\s*"
                             r"(?:[\w@-]+\s+){0,3}?(?:on|in|across|for)\s+(?:the\s+)?")
# "600 flips (vs. < 200 flips) on X": the reference value in parentheses is measured on X too
_COMPARISON_ASIDE = regex.compile(r"\s*(?:[\w@-]+\s+){0,3}?\(\s*(?:vs\.?|versus|compared\s+to|against)\s[^()]{1,40}\)\s*"
                                  r"(?:on|in|across|for)\s+(?:the\s+)?", regex.IGNORECASE)
_PAREN_OPEN = regex.compile(r"\s*\(\s*(?:[~≈]\s*)?")
_JUST_BEFORE = regex.compile(r"\s+(?:by|of)\s+(?:(?:up\s+to|about|around|over|nearly|almost|only|roughly)\s+)?",
                            regex.IGNORECASE)
_SPLIT_WORD = r"(?:test[\s-]dev|test[\s-]std|test[\s-]clean|test[\s-]other|dev[\s-]clean|dev[\s-]other|validation|val|test|dev|train)"
# "the nuScenes validation and test split(s)", "LibriSpeech test-clean and test-other"
_SPLIT_LIST = regex.compile(rf"[\s-]*({_SPLIT_WORD}(?:\s*,\s*{_SPLIT_WORD})*\s*,?\s+(?:and|&)\s+{_SPLIT_WORD})\b"
                            r"(?:\s+(?:splits?|sets?))?", regex.IGNORECASE)
_SPACES = regex.compile(r"\s+")
_SPLIT_WORD_RE = regex.compile(_SPLIT_WORD, regex.IGNORECASE)
_SPLIT = regex.compile(r"[\s-]*(test[\s-]dev|test[\s-]std|test[\s-]clean|test[\s-]other|dev[\s-]clean|"
                       r"dev[\s-]other|validation|val|test|dev)\b(?:\s+(?:split|set))?", regex.IGNORECASE)
_SPLIT_NAMES = {"val": "validation", "dev": "dev", "validation": "validation", "test": "test"}


def _split_name(split: str) -> str:
    split = _SPACES.sub("-", split.lower())
    return _SPLIT_NAMES.get(split, split)


def dataset_name(mention, text: str) -> str:
    """Canonical name, plus the split printed right after the mention."""
    name = mention.entry.name
    m = _SPLIT.match(text, mention.end, mention.end + 20)
    if m:
        split = _SPACES.sub("-", m.group(1).lower())
        name = f"{name} {_SPLIT_NAMES.get(split, split)}"
    return name


def dataset_span(mention, text: str) -> tuple[int, int]:
    """Span of the mention as printed, with the split printed right after it."""
    m = _SPLIT.match(text, mention.end, mention.end + 20)
    return (mention.start, m.end(1) if m else mention.end)


def name_and_span(mention, text: str) -> tuple[str, tuple[int, int]]:
    """`dataset_name` and `dataset_span` together, from one look for the split."""
    name, m = mention.entry.name, _SPLIT.match(text, mention.end, mention.end + 20)
    if m is None:
        return name, (mention.start, mention.end)
    split = _SPACES.sub("-", m.group(1).lower())
    return f"{name} {_SPLIT_NAMES.get(split, split)}", (mention.start, m.end(1))


def aligned_datasets(group: list, ctx) -> list | None:
    """For a list of numbers, the datasets to pair with them in order, if the
    sentence lists exactly as many after the first number ("respectively")."""
    if len(group) < 2:
        return None
    after = [d for d in ctx.datasets if d.start >= group[0].end]
    if not after:
        before = [d for d in ctx.datasets if d.end <= group[0].start]
        if "respectively" in ctx.text[ctx.start:ctx.end]:
            # "On LibriSpeech test-clean and test-other, it obtains 2.9% and 6.8% WER, respectively";
            # "... on three datasets: A, B, and C. ... gains of 12.1, 6.5, and 2.9 points, respectively"
            after = before or list(ctx.previous_datasets)
        elif len({d.entry.name for d in before}) == len(before) == len(group):
            # "31.2 BLEU on En-De and 43.9 BLEU on En-Fr, improvements of +1.4 and +0.9"
            after = before
    if len(after) == 1:
        listed = _SPLIT_LIST.match(ctx.text, after[0].end)
        if listed:  # "71.2% and 68.2% AMOTA on the nuScenes validation and test split, respectively"
            splits = _SPLIT_WORD_RE.findall(listed.group(1))
            if len(splits) == len(group):
                return [f"{after[0].entry.name} {_split_name(sp)}" for sp in splits]
    respectively = "respectively" in ctx.text[ctx.start:ctx.end]
    if len(after) >= len(group) and (respectively or len(after) == len(group)) and (
            after[0].end <= group[0].start or _one_list(ctx.text, after[: len(group)])):
        return after[: len(group)]
    return None


_NOT_IN_A_LIST = regex.compile(r"[\d;:]")


def _one_list(text: str, datasets: list) -> bool:
    """The data sets are printed as one list ("on A, B and C"): no number or clause
    break stands between two of them. The data sets after a list of numbers pair
    with it only then: in "17.0% and 18.1% on A, 9.3% and 17.4% on B" each list of
    numbers has its own data set, "respectively" or not."""
    return not any(_NOT_IN_A_LIST.search(text, a.end, b.start) for a, b in zip(datasets, datasets[1:]))


_PLURAL_ACRONYM = regex.compile(r"[A-Z]{2,}s")


def usable_datasets(ctx) -> list:
    """The sentence's dataset mentions that can be a number's dataset: not the head
    of a compound ("ImageNet-trained"), and, for names known only by their shape,
    not the paper's method, a concept the abstract defines ("ZSL") or a plural
    acronym ("BNNs")."""
    text, out = ctx.text, []
    for d in ctx.datasets:
        if _COMPOUND.match(text, d.end):
            continue
        if d.entry.id.startswith("shape:") and (
                d.text in getattr(ctx, "own_names", ()) or (ctx.own_name and d.text in ctx.own_name)
                or d.text in ctx.known_names or _PLURAL_ACRONYM.fullmatch(d.text)):
            continue
        out.append(d)
    return out


def attach_dataset(mention, ctx, metric_mention=None, group_end=None):
    """Return (dataset name or None, Entry or None, how it was found, span). `group_end`
    is where the number's list or range ends ("+5.3% and +11.0% top-1 ... on X")."""
    text = ctx.text
    tail = max(mention.end, group_end or 0)
    datasets = usable_datasets(ctx)
    if metric_mention is not None:
        for d in datasets:
            if 0 <= metric_mention.start - d.end <= 1:  # "GSM8K accuracy", "ImageNet top-1 accuracy"
                name, span = name_and_span(d, text)
                return name, d.entry, "dataset named with the metric", span
    for d in datasets:  # "ImageNet-C (+8.1%), Stylized-ImageNet (+6.7%)": the name the parenthesis hangs on
        if d.end <= mention.start and _PAREN_OPEN.fullmatch(text, d.end, mention.start):
            name, span = name_and_span(d, text)
            return name, d.entry, "dataset the parenthesis hangs on", span
    for d in datasets:  # "on GPQA by 3.8 points and on AIME by 2.1 points": each its own
        if d.end <= mention.start and _JUST_BEFORE.fullmatch(text, d.end, mention.start):
            name, span = name_and_span(d, text)
            return name, d.entry, "dataset named just before 'by N'", span
    for d in datasets:
        if mention.end <= d.start <= mention.end + RIGHT_REACH and not _BLOCK.search(text, mention.end, d.start) \
                and not _another_measurement(ctx, tail, d.start) \
                and _LEADS_TO.fullmatch(text, mention.end, d.start):
            name, span = name_and_span(d, text)
            return name, d.entry, "dataset named after the number", span
    # A name known only by its shape counts before the number only as "on / across X"
    # ("On FooBench, ..."): "in X" / "at X" there is as often a tool or a place.
    before = [d for d in datasets if d.end <= mention.start and not _BLOCK.search(text, d.end, mention.start)
              and d.entry.info.get("prep", "on") in ("on", "across", "over")]
    if before:
        d = before[-1]
        name, span = name_and_span(d, text)
        return name, d.entry, "dataset named earlier in the sentence", span
    return None, None, "no dataset in the sentence", None


_TITLE_DATASET = regex.compile(
    r"^\s*([^:]{1,40}?)\s*:\s+.*\b(?:dataset|corpus|benchmark|test\s?bed|suite|challenge)s?\b", regex.IGNORECASE)


def dataset_from_title(title: str) -> str | None:
    """"CAMS: An Annotated Corpus for ..." -> "CAMS": a paper that introduces a
    data set reports its numbers on it unless a sentence says otherwise."""
    m = _TITLE_DATASET.match(title)
    if m and len(m.group(1).split()) <= 3:
        return m.group(1)
    return None


# A name the abstract introduces as a data set or benchmark, in apposition:
# "we present FooQA (FQA): a challenging question answering dataset", "we
# introduce FooBench, a benchmark of ...", "we release a new corpus, FooText".
# The words between the article and the kind word are modifiers only: "we present
# FooNet, a network trained on a new dataset" introduces a network.
_INTRODUCING_STEMS = ("present", "introduc", "release", "propos", "buil", "creat", "collect", "construct", "curat",
                      "contribut", "develop", "design", "call", "name", "dub")
_INTRODUCING = r"\b(?:" + "|".join(_INTRODUCING_STEMS) + r")\w*\s+"
_ARTICLES = r"(?:(?:a|an|the|our|new|novel|first)\s+)*"
_INTRODUCED_NAME = r"([A-Z][\w\-+]*(?:\s+[A-Z][\w\-+]*){0,3})(?:\s*\(([A-Z][\w\-+.]*)\))?"
_MODIFIER = r"(?:(?!(?:on|of|for|with|from|in|by|to|that|which|who|trained|using|and|or|is|are|we|our|its|their)\b)[\w\-]+\s+)"
_KIND = r"(?:benchmark|dataset|data\s+set|corpus|suite|test\s?bed|leaderboard|collection)s?\b"
_NAME_THEN_KIND = regex.compile(_INTRODUCING + _ARTICLES + _INTRODUCED_NAME
                                + r"\s*[,:]?\s*(?i:" + _ARTICLES + _MODIFIER + "{0,5}?" + _KIND + ")")
_KIND_THEN_NAME = regex.compile(_INTRODUCING + r"(?i:" + _ARTICLES + _MODIFIER + "{0,4}?" + _KIND + r")"
                                + r"(?:\s*[,:]\s*(?:(?:which|that)\s+)?(?:we\s+)?(?:call|name|dub|term)(?:s|ed)?\s+|\s*[,:]\s*"
                                + r"|\s+(?:(?:which|that)\s+)?(?:we\s+)?(?:call|name|dub|term)(?:s|ed)?\s+)" + _INTRODUCED_NAME)
_KIND_WORDS = ("benchmark", "dataset", "data set", "corpus", "suite", "test bed", "testbed", "leaderboard",
               "collection")


@functools.lru_cache(maxsize=16)
def introduced_datasets(abstract: str) -> tuple[str, ...]:
    """The names (and short forms) of data sets or benchmarks the abstract
    introduces as its own: never the paper's method, and where no sentence names
    another, the data set its numbers are on. Asked by the paper's method and by
    the engine, for the same abstract."""
    low = abstract.lower()
    if not any(w in low for w in _KIND_WORDS):
        return ()
    names: list[str] = []
    starts = word_starts(abstract, _INTRODUCING_STEMS)  # each match starts at one: the regexes run only there
    for rx in (_NAME_THEN_KIND, _KIND_THEN_NAME):
        for m in matches_at(rx, abstract, starts, timeout=1.0):
            names.extend(g for g in m.groups() if g and g not in names)
    return tuple(names)


# Open vocabulary: benchmarks appear every month, so a name is also recognized by
# its shape where a sentence uses it as the object of "on / in / across / over":
# CamelCase ("HellaSwag"), capitals ("GPQA"), digits or versions ("AIME 2025",
# "CIFAR-10"), benchmark suffixes ("FooBench", "LongEval", "WikiQA", "-1K"),
# optionally a qualifier word printed after it ("Verified", "Hard", "test").
_SHAPED_TOKEN = (r"(?:[A-Z][a-z0-9]*[A-Z][\w]*|[A-Z]{2,}[\w]*|[A-Z][a-z]+\d[\w]*|[A-Z][a-z]+-[A-Z][\w]*(?![\w-])(?!\s+[A-Z][a-z])|"
                 r"[A-Za-z][\w]*(?:Bench|bench|Eval|QA|Arena|Gym))"
                 r"(?:[-.][\w]+)*")
_QUALIFIER = r"(?:\s(?:\d{4}|v\d+(?:\.\d+)*|Verified|Hard|Easy|Lite|Pro|Mini|Full|Plus|Diamond|Challenge|Test|test|val|dev))?"
_SHAPED = regex.compile(
    rf"\b(on|in|across|at)\s+(?:the\s+|both\s+|all\s+)?(?:(?:challenging|popular|standard|public|recent|"
    rf"widely[\s-]used|large[\s-]scale|real[\s-]world)\s+)?(?:[A-Z]{{2,4}}\s+(?=[A-Z]))?"  # "on ASR TEDLium": a task tag
    rf"((?<![\w-]){_SHAPED_TOKEN}{_QUALIFIER})(?![\w-])")
_SHAPED_NEXT = regex.compile(rf"\s*(?:\([^()]{{1,30}}\)\s*)?(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|&)\s+)"
                             rf"((?<![\w-]){_SHAPED_TOKEN}{_QUALIFIER})(?![\w-])")



def shaped_datasets(text: str, lo: int, hi: int, not_names, not_next, after=()) -> list[tuple[int, int, str, str]]:
    """(start, end, name, preposition) of name-shaped objects of "on / in / across /
    at" in text[lo:hi], with the names listed after them ("on A, B and C") or after
    a known dataset ending at one of `after`. `not_names` says whether a name is a
    known model, organisation or kind of thing; `not_next` matches the words after
    a name that make it a model or a tool ("backbone", "GPUs")."""
    out: list[tuple[int, int, str, str]] = []
    starts = [(m.span(2), m.group(1).lower()) for m in _SHAPED.finditer(text, lo, hi, timeout=1.0)]
    for end in after:  # the names listed after a known one: "on ImageNet-C (+8.1%), Stylized-ImageNet (+6.7%)"
        nxt = _SHAPED_NEXT.match(text, end, hi)
        if nxt is not None:
            starts.append((nxt.span(1), "on"))
    for (a, b), prep in starts:
        while True:
            name = text[a:b]
            if not not_names(name) and not not_next.match(text, b):
                out.append((a, b, name, prep))
            nxt = _SHAPED_NEXT.match(text, b, hi)
            if nxt is None:
                break
            a, b = nxt.span(1)
    return out
