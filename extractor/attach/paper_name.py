"""The paper's own method: the name its title or abstract gives it ("FooNet: ...",
"we propose BarNet", "Draft-and-Verify (DAV)"), its other names, and the short
forms that name a task or a concept rather than a method.

What is found here is asked once per abstract (`paper_method`, `paper_names`,
`concept_short_forms`, `long_form`); whose each number is, is `attach/owner.py`'s."""
from __future__ import annotations

import functools
import re

import regex

from extractor.attach.dataset import introduced_datasets
from extractor.rules.vocabulary import Vocabulary
from extractor.text.abbreviations import find_definitions
from extractor.text.phrases import matches_at, word_starts

_TITLE_NAME = regex.compile(r"^\s*([^:]{1,48}?)\s*:\s+\S")
_NAMED = regex.compile(
    r"\b(?:called|named|dubbed|termed|coined|abbreviated\s+as)\s+[\"']?([A-Z][\w\-+^]*(?:[\s-][A-Z][\w\-+^]*)?)")
_PROPOSE_NAME = regex.compile(
    r"\b(?:propose|present|introduce|develop|design|release)s?\s+([A-Z][a-z]*[A-Z][\w\-+^]*|[A-Z]{2,}[\w\-+^]*)\b")
_OURS = regex.compile(r"\b([A-Z][\w\-+^]*)\s*\(ours\)")
_NAMED_OPENS = ("called", "named", "dubbed", "termed", "coined", "abbreviated")  # what each match starts with
_PROPOSE_OPENS = ("propose", "present", "introduce", "develop", "design", "release")
_INNER_CAPS = regex.compile(r"^[\w\-+^.]*(?:[a-z0-9][A-Z]|[A-Z]{2,}|\d)[\w\-+^.]*$")


def method_from_title(title: str) -> str | None:
    """"ViTPose++: Simple ..." -> "ViTPose++"; "Depth Any Canopy: ..." -> "Depth Any Canopy"."""
    m = _TITLE_NAME.match(title)
    if not m:
        return None
    paren = _PAREN_NAME.search(m.group(1))
    if paren:
        return paren.group(1)  # "PRompt Optimization in Multi-Step Tasks (PROMST): ..."
    words = m.group(1).split()
    if len(words) == 1:
        return words[0]
    named = [w for w in words if _INNER_CAPS.match(w)]
    if len(words) <= 4 and all(w[:1].isupper() or w[:1].isdigit() for w in words) and not named:
        return m.group(1)
    if named:
        return named[0]
    return None


# Name-like tokens: mixed case or capitals ("FedKA", "PredFormer", "SLEDGE", "GPT-GNN",
# "ViTPose++"), optionally with a second part ("GC ViT").
_NAME_TOKEN = regex.compile(
    r"(?<![\w\-])((?:[A-Z][a-z0-9]*[A-Z][\w]*|[A-Z]{2,}[\w]*|[a-z]+[A-Z][\w]*)(?:[\-+^][\w+]+)*\+*"
    r"(?:\s(?:ViT|Net|[A-Z]{2,}[\w]*))?)(?![\w\-])")

# As the subject of a clause ("Whisper-Lite obtains ..."), a capitalized hyphenated
# compound is a name too; elsewhere such compounds are mostly ordinary words.
SUBJECT_TOKEN = regex.compile(_NAME_TOKEN.pattern.replace(
    r"[a-z]+[A-Z][\w]*)", r"[a-z]+[A-Z][\w]*|[A-Z][a-z0-9]+(?=-[A-Z0-9]))", 1))
_PAREN_NAME = regex.compile(r"\(([A-Z][\w\-+^]*)\)")
_CAPITALIZED_LONG_FORM = regex.compile(r"[A-Z][\w\-]*\s+[A-Z][\w\-]*\s*\($")
_LETTERS = regex.compile(r"[A-Za-z]+")
_TITLE_WORDS = regex.compile(r"[\w+^]+(?:-[\w+^]+)*")
_PLURAL_FAMILY = regex.compile(r"[A-Z][\w]*[A-Z][a-z]*s|[A-Z]{2,}s")

# What introduces the paper's own name: a verb of introducing ("we propose a
# simple method, X"), or "our <kind of thing>" directly before it ("our framework,
# X", "our model (X)", "our method, called X"); not "our model outperforms X".
_INTRO = regex.compile(
    r"(?:(?:propose|present|introduce|develop|design|establish|release|call|name|term|dub|coin)\w*"
    r"[\s,:]+(?:(?:a|an|the|our|new|novel|simple|first)\s+)*(?:[\w\-]+[\s,]+){0,6}?|"
    r"\bour\s+(?:[\w\-]+\s+){0,2}?(?:framework|method|model|approach|architecture|system|algorithm|agent|"
    r"network|technique|pipeline|module|policy|encoder|decoder|detector|planner|tokenizer|optimizer|verifier|"
    r"retriever|controller|solver|estimator|classifier|generator|recipe|strategy|scheme|loss|objective)s?"
    r"(?:\s*[,:(]\s*|\s+(?:called|named|dubbed|termed|coined)\s+))$",
    regex.IGNORECASE)
_DATASET_TITLE = regex.compile(r"\b(?:dataset|corpus|benchmark|test\s?bed|suite|challenge|leaderboard)s?\b",
                               regex.IGNORECASE)
DATASET_NEXT = regex.compile(r"[\s-]+(?:dataset|benchmark|corpus|data|test|split|suite)s?\b", regex.IGNORECASE)

# Where a name token can start: every one holds an ASCII capital, and the run of
# letters and digits it starts has one (see `name_tokens`).
_CAPITAL_RUN = regex.compile(r"[A-Z][A-Za-z0-9]*")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")


def name_tokens(text: str, pattern: regex.Pattern = _NAME_TOKEN, pos: int = 0, endpos: int | None = None) -> list:
    """The matches of `pattern` (`_NAME_TOKEN` or `SUBJECT_TOKEN`) in
    text[pos:endpos], the ones `pattern.finditer` finds, but tried only where a
    token can start. The regex module tries a pattern at every character, and
    on prose that costs more than the rest of the name search: a token starts
    either at a capital that starts a run of letters and digits, or at the
    lowercase run just before such a capital ("mBERT"); any other start is
    preceded by a letter or digit, which the pattern's look-behind refuses."""
    endpos = len(text) if endpos is None else endpos
    out, last = [], pos
    for run in _CAPITAL_RUN.finditer(text, pos, endpos):
        cap = start = run.start()
        while start > pos and text[start - 1] in _LOWER:
            start -= 1
        for q in ((start, cap) if start < cap else (cap,)):
            if q >= last:
                m = pattern.match(text, q, endpos)
                if m is not None:
                    out.append(m)
                    last = m.end()
    return out


# The words an `_INTRO` match starts with, lowercased; `re`, not `regex`: a plain
# search for lowercase letters means the same in both, and `re` runs it faster.
_INTRO_STEMS = ("our", "present", "propose", "introduce", "develop", "design", "establish", "release", "call",
                "name", "term", "dub", "coin")
_ANY_INTRO_STEM = re.compile("|".join(_INTRO_STEMS))


def _introduces(before: str) -> bool:
    """`_INTRO.search(before)`, tried only where a match can start: at one of
    its first words. It runs for every name-like token, and a search tries the
    long pattern at every character. Ignoring case, U+017F matches "s" but
    lowercases to itself, and U+0130 lowercases to two characters (positions
    would shift): text with either gets the plain search."""
    low = before.lower()
    if _ANY_INTRO_STEM.search(low) is None and "\u017f" not in before and "\u0130" not in before:
        return False
    if len(low) != len(before) or "\u017f" in before:
        return _INTRO.search(before) is not None
    for w in _INTRO_STEMS:
        i = low.find(w)
        while i >= 0:
            if _INTRO.match(before, i) is not None:
                return True
            i = low.find(w, i + 1)
    return False


def _name_candidates(title: str, abstract: str, known: set[str], vocab: Vocabulary) -> list[tuple[int, str]]:
    """Name-like tokens scored by how the text presents them: defined in
    parentheses, introduced by "we propose", printed in the title, repeated."""
    scores: dict[str, int] = {}
    presented: set[str] = set()
    tasks: set[str] = set()  # short forms of tasks: never the paper's method unless it introduces them
    for m in name_tokens(abstract):
        name = m.group(1)
        if is_generic(name, known, vocab) or DATASET_NEXT.match(abstract, m.end()):
            continue
        score = scores.get(name, 0) + 1
        before = abstract[max(0, m.start() - 80):m.start()]
        if before.endswith("(") and abstract[m.end():m.end() + 1] == ")" and vocab.task_tail.search(before):
            tasks.add(name)
            continue  # "Aspect-based Sentiment Analysis (ABSA)" names a task, not a method
        if before.endswith("(") and abstract[m.end():m.end() + 1] == ")" and \
                _CAPITALIZED_LONG_FORM.search(before):
            # "Federated Knowledge Alignment (FedKA)"; a lowercase long form defines a
            # task or a concept ("referring video object segmentation (RVOS)")
            score += 3
            presented.add(name)
        if _introduces(before):
            score += 3
            presented.add(name)
        scores[name] = score
    for name in tasks:
        scores.pop(name, None)
    _score_definitions(title, abstract, known, scores, presented, vocab)
    _score_introduced_phrases(abstract, scores, presented, vocab)
    prefix = _TITLE_NAME.match(title)
    title_names = set(_TITLE_WORDS.findall(title)) | {m.group(1) for m in name_tokens(title)}
    for name in list(scores):
        if name in title_names:
            scores[name] += 2
            presented.add(name)
        if prefix and abbreviates(name, prefix.group(1)) and not vocab.task_tail.search(prefix.group(1) + " ("):
            scores[name] += 4  # "Nested Hierarchical Transformer: ..." and NesT in the abstract
            presented.add(name)
    return sorted(((v, k) for k, v in scores.items() if k in presented), reverse=True)


_CONTENT_WORD = regex.compile(r"[A-Za-z][\w\-]*")


def _title_overlap(long_form: str, title: str) -> float:
    """Share of the long form's words that the title prints ("smooth adversarial
    training (SAT)" under the title "Smooth Adversarial Training")."""
    words = [w.lower() for w in _CONTENT_WORD.findall(long_form) if len(w) > 2]
    if not words:
        return 0.0
    in_title = {w.lower() for w in _CONTENT_WORD.findall(title)}
    return sum(w in in_title for w in words) / len(words)


def _titles_it(long_form: str, title: str, vocab: Vocabulary) -> bool:
    """The title names what the long form names: it starts with it ("Smooth
    Adversarial Training: ..."), or the long form is most of the title. A long
    form that only shares words with the title names its topic ("... on Temporal
    Knowledge Graphs"), and titles name their task too ("... for Few-Shot
    Classification")."""
    if title.lower().startswith(long_form.lower()):
        return True
    if vocab.task_tail.search(long_form + " ("):
        return False
    title_words = len(_CONTENT_WORD.findall(title))
    return _title_overlap(long_form, title) >= 0.6 and len(long_form.split()) * 2 >= title_words


def _score_definitions(title: str, abstract: str, known: set[str], scores: dict, presented: set,
                       vocab: Vocabulary) -> None:
    """A short form the paper defines for what it introduces ("we propose
    low-rank adaptive label smoothing (LORAS)") or for its title's phrase is the
    paper's name, whatever the case of its long form and even where a lexicon
    knows the letters for something else."""
    for d, intro, overlap in _read_definitions(title, abstract, vocab):
        name = d.short
        if not _NAME_TOKEN.fullmatch(name) or is_generic(name, known - {name}, vocab) or DATASET_NEXT.match(abstract, d.end + 1):
            continue
        if intro or overlap:
            scores[name] = scores.get(name, 0) + 3 + 2 * intro + 2 * overlap
            presented.add(name)


@functools.lru_cache(maxsize=16)
def _read_definitions(title: str, abstract: str, vocab: Vocabulary) -> tuple:
    """Each definition of the abstract, with whether the text introduces it
    ("we propose ... (X)") and whether the title names it: both the concept
    short forms and the method's name ask, for the same abstract."""
    return tuple((d, _introduces(abstract[max(0, d.start - 90):d.start] + " "), _titles_it(d.long, title, vocab))
                 for d in find_definitions(abstract))


def concept_short_forms(title: str, abstract: str, vocab: Vocabulary) -> set[str]:
    """Short forms the abstract defines for a task or a concept, not for what it
    introduces: "zero-shot learning (ZSL)", "Semi-Supervised Object Detection (SS-OD)", "Neural
    Architecture Search (NAS)". They are never a method's name."""
    out = set()
    for d, intro, titled in _read_definitions(title, abstract, vocab):
        if intro or titled:
            continue
        close = abstract.find(")", d.end)
        if vocab.task_tail.search(d.long + " (") or (close >= 0 and _NAMES_A_TASK.match(abstract, close + 1)):
            out.add(d.short)  # "... (ZSL)", "learning with noisy labels (LNL) task"
    return out


_NAMES_A_TASK = regex.compile(r"\s*(?:task|problem|setting|scenario|paradigm|regime|field|domain)s?\b",
                              regex.IGNORECASE)


# Capitalized phrase right after an introducing verb: "we introduce Unbiased
# Teacher, a simple ...", "we propose COMET, a meta-learning method".
_INTRODUCED = regex.compile(
    r"\b(?:we|We|paper|work)\s+(?:first\s+|then\s+|further\s+|also\s+)?(?:propose|present|introduce|develop|design|call|name|dub)s?"
    r"\s+(?:(?:a|an|the|our|new|novel)\s+)*"
    r"([A-Z][\w\-+]*(?:\s+[A-Z][\w\-+]*){0,3})(?=\s*(?:[,(:]|\s(?:that|which|to|for|as|in|with)\b))")


def _score_introduced_phrases(abstract: str, scores: dict, presented: set, vocab: Vocabulary) -> None:
    # Tried only after one of its first words, each match reads at most four words on: no timeout needed
    # (one costs more than the match), where a search over the whole abstract had one.
    for m in matches_at(_INTRODUCED, abstract, word_starts(abstract, ("we", "We", "paper", "work"))):
        name = m.group(1)
        if name.split()[0] in CAPITALIZED_WORDS or is_generic(name, frozenset(), vocab) \
                or name in introduced_datasets(abstract):
            continue  # "we introduce FooBench, a benchmark of ...": the paper's data set, not its method
        repeated = abstract.count(name) > 1
        scores[name] = scores.get(name, 0) + 3 + 2 * repeated
        presented.add(name)


def long_form(name: str | None, abstract: str) -> str | None:
    """The long form the abstract defines for `name`, if any ("SAT" -> "smooth
    adversarial training")."""
    if not name:
        return None
    for d in find_definitions(abstract):
        if d.short == name:
            return d.long
    return None


def abbreviates(name: str, phrase: str) -> bool:
    """True when `name` reads as a short form of `phrase`: same first letter, its
    letters in order in the phrase, and more than one word of the phrase used."""
    letters = [c.lower() for c in name if c.isalpha()]
    words = _LETTERS.findall(phrase)
    if len(letters) < 2 or len(words) < 2 or letters[0] != words[0][0].lower():
        return False
    flat, i, used = phrase.lower(), 0, set()
    starts = {m.start() for m in _LETTERS.finditer(flat)}
    for c in letters:
        j = flat.find(c, i)
        if j < 0:
            return False
        used.add(max(s for s in starts if s <= j))
        i = j + 1
    return len(used) >= 2


def is_generic(name: str, known: set[str], vocab: Vocabulary) -> bool:
    """Kinds of things, not names: LLMs, PRMs, CNN (attach.yaml's lists); and names the lexicons know."""
    return (name in known or name in vocab.not_names
            or _PLURAL_FAMILY.fullmatch(name) is not None or "rightarrow" in name)  # ResNets, LLMs


def paper_method(title: str, abstract: str, known: set[str], vocab: Vocabulary) -> str | None:
    """The name of the paper's own method.

    A one-word title prefix ("ViTPose++: ...") is the name. Otherwise the best
    name-like token of the abstract, if the abstract presents it as the paper's
    (defined, introduced or repeated); then a capitalized title prefix
    ("Depth Any Canopy: ..."); then "called X" phrases.
    """
    name = method_from_title(title)
    if name and (_DATASET_TITLE.search(title.split(":", 1)[-1]) or name in known):
        # "CAMS: An Annotated Corpus for ...", or a name the abstract calls a metric
        # or a data set ("we present FooQA: a ... dataset"): not a method
        known = set(known) | {name}
        name = None
    if name and " " not in name and name not in known:
        return name
    cands = _name_candidates(title, abstract, known, vocab)
    if cands and cands[0][0] >= 3:
        return cands[0][1]
    if name and (" " not in name or name.lower() in abstract.lower()):  # a catchy title phrase is a name only if reused
        return name
    for rx, opens in ((_NAMED, _NAMED_OPENS), (_OURS, None), (_PROPOSE_NAME, _PROPOSE_OPENS)):
        # searched only where its first words are ("(ours)" for _OURS)
        if opens is None:
            m = rx.search(abstract) if "(ours)" in abstract else None
        else:
            m = next(matches_at(rx, abstract, word_starts(abstract, opens)), None)
        if m and not is_generic(m.group(1), known, vocab):
            return m.group(1)
    return None


CAPITALIZED_WORDS = {"Our", "The", "This", "Its", "Their", "It", "We", "Model", "Method"}


@functools.lru_cache(maxsize=64)
def _defined_after(name: str) -> regex.Pattern:
    """"Draft-and-Verify (DAV)": the short form printed after the name. Compiled
    once per name: `regex.finditer` with a string looks the pattern up in the
    module's cache on every call."""
    return regex.compile(rf"{regex.escape(name)}\s*\(([A-Z][\w\-+]*)\)")


def paper_names(name: str | None, abstract: str) -> frozenset[str]:
    """Every name the abstract gives the paper's method: the name, and its short
    or long form ("Draft-and-Verify" and "DAV")."""
    if not name:
        return frozenset()
    names = {name}
    for d in find_definitions(abstract):
        if d.long.lower() == name.lower() or d.short == name or abbreviates(d.short, name):
            names.update((d.short, d.long))
    for m in _defined_after(name).finditer(abstract):
        names.add(m.group(1))  # "Draft-and-Verify (DAV)": one hyphenated word is no Schwartz-Hearst long form
    return frozenset(names)
