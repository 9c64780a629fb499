"""Whose number it is: the paper's method (named in its title or abstract, else
"(ours)") or a baseline (after "than", "vs.", "from ... to", "previous best")."""
from __future__ import annotations

import functools
import re

import regex

from extractor.rules.vocabulary import Vocabulary
from extractor.text.abbreviations import find_definitions
from extractor.text.phrases import matches_at, may_hold, noun_phrase, word_starts

_TITLE_NAME = regex.compile(r"^\s*([^:]{1,48}?)\s*:\s+\S")
_NAMED = regex.compile(
    r"\b(?:called|named|dubbed|termed|coined|abbreviated\s+as)\s+[\"']?([A-Z][\w\-+^]*(?:[\s-][A-Z][\w\-+^]*)?)")
_PROPOSE_NAME = regex.compile(
    r"\b(?:propose|present|introduce|develop|design|release)s?\s+([A-Z][a-z]*[A-Z][\w\-+^]*|[A-Z]{2,}[\w\-+^]*)\b")
_OURS = regex.compile(r"\b([A-Z][\w\-+^]*)\s*\(ours\)")
_NAMED_OPENS = ("called", "named", "dubbed", "termed", "coined", "abbreviated")  # what each match starts with
_PROPOSE_OPENS = ("propose", "present", "introduce", "develop", "design", "release")
_INNER_CAPS = regex.compile(r"^[\w\-+^.]*(?:[a-z0-9][A-Z]|[A-Z]{2,}|\d)[\w\-+^.]*$")
_BASELINE_PRIOR = regex.compile(
    r"\b(?:previous|prior|former|existing|current|best\s+previous|state[\s-]of[\s-]the[\s-]art|SOTA|SoTA|record)\b",
    regex.IGNORECASE)
_PRIOR_NEAR = regex.compile(
    r"\b(?:former|previous|prior|existing|earlier|old)\s+(?:state[\s-]of[\s-]the[\s-]art|SOTA|SoTA|best|record)"
    r"(?:\s+(?:performance|result|results|accuracy|score|error|method|model))?\s+(?:of|at|is|was|with)?\s*"
    r"(?:(?!(?:by|over|than|to|from)\b)[\w\-]+\s+){0,2}?(?:of\s+)?(?:only\s+|about\s+|around\s+)?$",
    regex.IGNORECASE)
# matched at the number's end (so no "^": it would only match at the start of the text)
_NAME_AFTER = regex.compile(r"\s*(?:%|\w+)?\s*(?:by|of|for|from)\s+([A-Z][\w\-+.^/]*[A-Za-z0-9])")
_SUBJECT_BASELINE = regex.compile(r"\b(?:baselines?|previous|prior|former|existing|competing|recent|humans?)\b[^,;]*$",
                                  regex.IGNORECASE)
# Each list below: words every match of the pattern above it holds (see `may_hold`).
_BASELINE_PRIOR_WORDS = ("previous", "prior", "former", "existing", "current", "state", "sota", "record")
_PRIOR_NEAR_WORDS = ("former", "previous", "prior", "existing", "earlier", "old")
_SUBJECT_BASELINE_WORDS = ("baseline", "previous", "prior", "former", "existing", "competing", "recent", "human")
# The words that name a reference without a proper name, as printed: "a strong
# baseline", "a recent transformer-based approach", "human performance",
# "previous fingerprints" ("an AUC of 0.63 by previous fingerprints").
_REFERENCE_AFTER = regex.compile(r"\s*(?:%|\w+)?\s*(?:by|of|for|from)\s+(?:the\s+)?")
OURS = "(ours)"


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
_SUBJECT_TOKEN = regex.compile(_NAME_TOKEN.pattern.replace(
    r"[a-z]+[A-Z][\w]*)", r"[a-z]+[A-Z][\w]*|[A-Z][a-z0-9]+(?=-[A-Z0-9]))", 1))
_PAREN_NAME = regex.compile(r"\(([A-Z][\w\-+^]*)\)")
_CAPITALIZED_LONG_FORM = regex.compile(r"[A-Z][\w\-]*\s+[A-Z][\w\-]*\s*\($")
_LETTERS = regex.compile(r"[A-Za-z]+")
_TITLE_WORDS = regex.compile(r"[\w+^]+(?:-[\w+^]+)*")
_PLURAL_FAMILY = regex.compile(r"[A-Z][\w]*[A-Z][a-z]*s|[A-Z]{2,}s")
_WE = regex.compile(r"\b(?:we|our|ours|us)\b", regex.IGNORECASE)
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
_DATASET_NEXT = regex.compile(r"[\s-]+(?:dataset|benchmark|corpus|data|test|split|suite)s?\b", regex.IGNORECASE)
# Where a name token can start: every one holds an ASCII capital, and the run of
# letters and digits it starts has one (see `name_tokens`).
_CAPITAL_RUN = regex.compile(r"[A-Z][A-Za-z0-9]*")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")


def name_tokens(text: str, pattern: regex.Pattern = _NAME_TOKEN, pos: int = 0, endpos: int | None = None) -> list:
    """The matches of `pattern` (`_NAME_TOKEN` or `_SUBJECT_TOKEN`) in
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
        if _generic(name, known, vocab) or _DATASET_NEXT.match(abstract, m.end()):
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
        if prefix and _abbreviates(name, prefix.group(1)) and not vocab.task_tail.search(prefix.group(1) + " ("):
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
        if not _NAME_TOKEN.fullmatch(name) or _generic(name, known - {name}, vocab) or _DATASET_NEXT.match(abstract, d.end + 1):
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


_INTRODUCED_AS_DATA = regex.compile(
    r"\s*(?:\([^()]{1,20}\)\s*)?,?\s*(?:(?:a|an|the|our)\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:benchmark|dataset|data\s+set|corpus|suite|test\s?bed|leaderboard|collection)s?\b", regex.IGNORECASE)


def _score_introduced_phrases(abstract: str, scores: dict, presented: set, vocab: Vocabulary) -> None:
    # Tried only after one of its first words, each match reads at most four words on: no timeout needed
    # (one costs more than the match), where a search over the whole abstract had one.
    for m in matches_at(_INTRODUCED, abstract, word_starts(abstract, ("we", "We", "paper", "work"))):
        name = m.group(1)
        if name.split()[0] in _CAPITALIZED_WORDS or _generic(name, frozenset(), vocab) or _INTRODUCED_AS_DATA.match(abstract, m.end()):
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


def _abbreviates(name: str, phrase: str) -> bool:
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


def _generic(name: str, known: set[str], vocab: Vocabulary) -> bool:
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
    if name and _DATASET_TITLE.search(title.split(":", 1)[-1]):
        known = set(known) | {name}  # "CAMS: An Annotated Corpus for ...": a dataset, not a method
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
        if m and not _generic(m.group(1), known, vocab):
            return m.group(1)
    return None


_SUBJECT_VERB = regex.compile(
    r"\b(?:achiev|outperform|reach|obtain|surpass|improv|attain|yield|boost|reduc|get|score|set|lead|beat|"
    r"exceed|perform|match|bring|deliver|increas|decreas|drop|los|run|infer|process|requir|is|was|are)\w*\b")


@functools.lru_cache(maxsize=32)
def _verb_spans(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in _SUBJECT_VERB.finditer(text, start, end))


def _first_verb(ctx, pos: int, endpos: int) -> tuple[int, int] | None:
    """The span of `_SUBJECT_VERB.search(ctx.text, pos, endpos)`, read off the
    sentence's verbs, found once for all its numbers. A match is one whole
    word starting with a verb stem, so a later search from inside the sentence
    finds the first of them that starts at or after `pos`; only a word that
    `endpos` cuts needs the search itself."""
    for a, b in _verb_spans(ctx.text, ctx.start, ctx.end):
        if a < pos:
            continue
        if b <= endpos:
            return (a, b)
        if a >= endpos:
            return None
        m = _SUBJECT_VERB.search(ctx.text, pos, endpos)
        return m.span() if m is not None else None
    return None


# What follows a name that is the subject: a verb (maybe after an adverb), or a possessive.
_ACTS = regex.compile(r"(?:'s?|\s+(?:model|models|variant|framework|method)?\s*(?:\w+ly\s+)?(?:achiev|outperform|reach|obtain|"
                      r"surpass|improv|attain|yield|boost|reduc|gets|scores|sets|leads|beats|exceed|performs|"
                      r"matches|brings|delivers|increas|decreas|drops|runs|infers|process|requir|is|was|are|"
                      r"can|shows|demonstrat|establish|rival|trail|lag|remain|stay|show|record|hit|top)\w*\b)")


_POSSESSIVE = regex.compile(r"\b([A-Z][\w\-+]*)(?:'s|')\s+(?:[\w\-]+\s+){0,2}?"
                            r"(?:accuracy|performance|score|error|F1|AP|mAP|BLEU|results?|speed)\b")
_CAPITALIZED_WORDS = {"Our", "The", "This", "Its", "Their", "It", "We", "Model", "Method"}


def subject_name(ctx, mention, known: set[str]) -> str | None:
    """A name-like token that is the subject of the clause holding the number:
    "On Moving MNIST, PredFormer achieves ..." -> PredFormer."""
    text = ctx.text
    clause_start = max(ctx.start, text.rfind(";", ctx.start, mention.start) + 1)
    verb = _first_verb(ctx, clause_start, mention.start)
    if verb is None:
        return None
    subject = text[clause_start:verb[0]]
    if _WE.search(subject):
        return None
    owner = _POSSESSIVE.search(text, clause_start, mention.start)
    if owner and not _generic(owner.group(1), known, ctx.vocab) and owner.group(1) not in _CAPITALIZED_WORDS:
        return owner.group(1)  # "Twins' accuracy dropping from ...", "RveRNet's F1 score was ..."
    names = [m.group(1) for m in name_tokens(text, _SUBJECT_TOKEN, clause_start, verb[1])
             if not _generic(m.group(1), known, ctx.vocab) and not _DATASET_NEXT.match(text, m.end())
             and _ACTS.match(text, m.end())]
    return names[-1] if names else None


def attach_method(mention, decision, ctx, paper_name: str | None):
    """Return (method, role, how it was found, span of the name as printed or None)."""
    method, role, why = _whose(mention, decision, ctx, paper_name)
    if role == "baseline" and method in ("baseline", "prior state of the art"):
        span = _reference_words(mention, ctx)
        if span is not None:  # the canonical name stays, for leaderboards; the words go to method_text
            return method, role, why, span
    return method, role, why, _name_span(method, ctx, mention)


def _reference_words(mention, ctx) -> tuple[int, int] | None:
    """Where the clause names an unnamed reference in so many words: right after
    the number ("by previous dense retrievers"), else the last time before it
    ("a strong baseline that achieves ..."). The words run from a reference
    word to the end of its noun phrase."""
    text = ctx.text
    after = _REFERENCE_AFTER.match(text, mention.end, ctx.end)
    if after:
        m = ctx.vocab.reference_start.match(text, after.end(), ctx.end)
        if m:
            return _phrase_from(text, m.start(), ctx.end, ctx.vocab)
    clause_start = max(ctx.start, text.rfind(";", ctx.start, mention.start) + 1)
    start, prev_end = None, -2
    for m in ctx.vocab.reference_start.finditer(text, clause_start, mention.start, timeout=1.0):
        if m.start() - prev_end > 1:  # "prior state-of-the-art": one run of reference words
            start = m.start()
        prev_end = m.end()
    return _phrase_from(text, start, mention.start, ctx.vocab) if start is not None else None


def _phrase_from(text: str, start: int, end: int, vocab: Vocabulary) -> tuple[int, int]:
    span = noun_phrase(text, start, end, vocab.closed_class, max_words=5)
    return span if span is not None else (start, start)


def _name_span(name: str | None, ctx, mention) -> tuple[int, int] | None:
    """Where the sentence prints `name`: the last time before the number, else the
    first after it."""
    if not name or name in (OURS, "baseline", "prior state of the art"):
        return None
    text = ctx.text
    i = text.rfind(name, ctx.start, mention.start)
    if i < 0:
        i = text.find(name, mention.end, ctx.end)
    return (i, i + len(name)) if i >= 0 else None


_REFERENCE_CUE = regex.compile(r"\b(?:compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|than|versus|vs\.?|"
                               r"relative\s+to|against)(?=\W)", regex.IGNORECASE)
_REFERENCE_CUE_WORDS = ("compared", "comparison", "than", "versus", "vs", "relative", "against")
_GAP_BREAK = regex.compile(r"[,;:()\d]")
_BOUND_GAP = regex.compile(r"\s*(?:[~<>$\\]|about|around|approximately|only|just|nearly|\s)*")
_CLAUSE_VERB = regex.compile(r"\b(?:achiev|obtain|reach|attain|improv|outperform|surpass|yield|boost|get|gets|scor|set|"
                             r"lead|beat|exceed|deliver|rais|increas|reduc|decreas|lower|cut)\w*\b", regex.IGNORECASE)


_FOR_NAME = regex.compile(r"\s*(?:[\w-]+\s+){0,2}?for\s+(?:the\s+)?"
                          r"([A-Z][\w.+^-]*[A-Z0-9][\w.+^-]*|[A-Z][a-z]+[A-Z][\w]*)(?![\w-])")
_NAME_BEFORE_PAREN = regex.compile(r"(?<![\w-])([A-Z][\w.+^-]*[A-Z0-9][\w.+^-]*)\s+\(\s*$")
# "Compared to FooNet, which scores 55.5%", "a strong baseline that achieves 42.9 F1":
# the number of a relative clause belongs to the name the clause hangs on.
_RELATIVE_OWNER = regex.compile(
    r"(?<![\w-])([A-Z][\w.\-+]*(?:[\s-][A-Z0-9][\w.\-+]*){0,3}|(?:a|an|the)\s+[a-z][\w\s-]{2,40}?),?\s+"
    r"(?:which|that|who)\s+(?:\w+ly\s+)?(?:only\s+)?(?:achiev|obtain|reach|scor|gets?|attain|yield|perform|is\s+at)\w*\s+"
    r"(?:(?:an?|the)\s+)?(?:[\w@-]+\s+){0,3}?(?:of\s+|at\s+)?(?:only\s+|about\s+|around\s+|nearly\s+)?$")


def _in_reference_clause(ctx, mention) -> bool:
    """A score after "compared to / than / vs. / relative to" with no result verb
    between is the reference's ("..., compared to an MRR of 0.33 by X")."""
    text = ctx.text
    clause_start = max(ctx.start, text.rfind(";", ctx.start, mention.start) + 1)
    last = None
    if may_hold(text, clause_start, mention.start, _REFERENCE_CUE_WORDS):
        for m in _REFERENCE_CUE.finditer(text, clause_start, mention.start, timeout=1.0):
            last = m
    # "less than 5%", "more than 80%": a bound on the number, not a reference
    # a comma or another number between: a new clause, or a list the cue does not govern
    return last is not None and mention.start - last.end() <= 60 and \
        not _GAP_BREAK.search(text, last.end(), mention.start) and \
        not _BOUND_GAP.fullmatch(text, last.end(), mention.start) and \
        not _CLAUSE_VERB.search(text, last.end(), mention.start)


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
        if d.long.lower() == name.lower() or d.short == name or _abbreviates(d.short, name):
            names.update((d.short, d.long))
    for m in _defined_after(name).finditer(abstract):
        names.add(m.group(1))  # "Draft-and-Verify (DAV)": one hyphenated word is no Schwartz-Hearst long form
    return frozenset(names)


def _is_own(name: str, paper_name: str | None, ctx) -> bool:
    if not paper_name:
        return False
    return name in paper_name or paper_name in name or name in getattr(ctx, "own_names", ()) \
        or _abbreviates(name, paper_name)


def _whose(mention, decision, ctx, paper_name: str | None):
    text = ctx.text
    ours = paper_name or OURS
    baseline = decision.pattern is not None and decision.pattern.role == "baseline"
    near = max(ctx.start, mention.start - 90)
    if may_hold(text, near, mention.start, _PRIOR_NEAR_WORDS) and _PRIOR_NEAR.search(text, near, mention.start):
        return "prior state of the art", "baseline", "a previous result named just before the number"
    owner = _FOR_NAME.match(text, mention.end, ctx.end)  # "91.2% for BarNet"
    if owner is not None and not _generic(owner.group(1), ctx.known_names, ctx.vocab) \
            and not any(d.start < owner.end(1) and owner.start(1) < d.end for d in ctx.datasets):
        name = owner.group(1).rstrip(".")  # a sentence's full stop is not part of the name
        if _is_own(name, paper_name, ctx):
            return paper_name, "proposed", "the paper's method, named after 'for'"
        return name, "baseline", "named after the number ('N for X')"
    paren = _NAME_BEFORE_PAREN.search(text, max(ctx.start, mention.start - 60), mention.start)
    if paren is not None and decision.kind == "score" and not _generic(paren.group(1), ctx.known_names, ctx.vocab) \
            and not any(d.start < paren.end(1) and paren.start(1) < d.end for d in ctx.datasets):
        name = paren.group(1)  # "DeiT-B (81.8%)": the number of the name it stands beside
        if _is_own(name, paper_name, ctx):
            return paper_name, "proposed", "the paper's method, named beside the number"
        return name, "baseline", "named beside the number, in parentheses"
    lo = max(ctx.start, mention.start - 120)
    rel = _RELATIVE_OWNER.search(text, lo, mention.start, timeout=1.0) \
        if any(text.find(w, lo, mention.start) >= 0 for w in ("which", "that", "who")) else None
    if rel is not None:
        name = rel.group(1)
        if name[:1].isupper() and not _generic(name, ctx.known_names, ctx.vocab) and name not in _CAPITALIZED_WORDS:
            if _is_own(name, paper_name, ctx):
                return paper_name, "proposed", "the paper's method, owner of a relative clause"
            return name, "baseline", "owner of the relative clause holding the number ('X, which scores N')"
        if ctx.vocab.reference_start.search(name) and not _WE.search(name):
            return "baseline", "baseline", "unnamed owner of the relative clause holding the number"
    verb = _first_verb(ctx, ctx.start, mention.start)
    subject_end = verb[0] if verb else mention.start
    subject = text[ctx.start:subject_end]
    if not baseline and may_hold(text, ctx.start, subject_end, _SUBJECT_BASELINE_WORDS) \
            and _SUBJECT_BASELINE.search(subject) and not _WE.search(subject):
        if paper_name is None or paper_name not in subject:
            baseline = True
    if not baseline and decision.kind == "score" and _in_reference_clause(ctx, mention):
        baseline = True
    if not baseline:
        named = subject_name(ctx, mention, ctx.known_names)
        if named and named != ours:
            if _is_own(named, paper_name, ctx):
                return paper_name, "proposed", "the paper's method, named in the clause"
            return named, "proposed" if paper_name is None else "baseline", "named as the clause's subject"
        return ours, "proposed", "the paper's method"
    m = _NAME_AFTER.match(text, mention.end, ctx.end)
    if m and m.group(1) != paper_name:
        return m.group(1), "baseline", "baseline named after the number"
    lo = max(ctx.start, mention.start - 120)
    if may_hold(text, lo, mention.start, _BASELINE_PRIOR_WORDS) and _BASELINE_PRIOR.search(text, lo, mention.start):
        return "prior state of the art", "baseline", "previous/state-of-the-art cue"
    return "baseline", "baseline", "reference value of a comparison"
