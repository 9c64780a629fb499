"""Whose number it is: the paper's method (named in its title or abstract, else
"(ours)") or a baseline (after "than", "vs.", "from ... to", "previous best",
a relative clause "X, which scores N", "N for X", "X (N%)").

Asked per number (`attach_method`); the paper's own names come from
`attach/paper_name.py`, found once per abstract."""
from __future__ import annotations

import functools

import regex

from extractor.attach.paper_name import (CAPITALIZED_WORDS, DATASET_NEXT, SUBJECT_TOKEN, abbreviates, is_generic,
                                         name_tokens)
from extractor.rules.vocabulary import Vocabulary
from extractor.text.phrases import may_hold, noun_phrase

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
_WE = regex.compile(r"\b(?:we|our|ours|us)\b", regex.IGNORECASE)


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


# Where a clause with a subject of its own may start inside a sentence: "A reaches
# N on X, while B reaches M", "..., whereas B ...", "..., but B ...", "...; B ...".
_COORDINATED_CLAUSE = regex.compile(r",\s+(?:while|whereas|but|yet|and)\s+|\b(?:while|whereas)\s+")
_NO_SUBJECT = object()  # the clause names no subject: its sentence's subject holds


def subject_name(ctx, mention, known: set[str]) -> str | None:
    """A name-like token that is the subject of the clause holding the number:
    "On Moving MNIST, PredFormer achieves ..." -> PredFormer; in "A reaches N,
    while B reaches M" M is B's. A coordinated clause without a subject of its own
    ("A reaches N while reducing cost by M") keeps the subject before it."""
    text = ctx.text
    clause_start = max(ctx.start, text.rfind(";", ctx.start, mention.start) + 1)
    breaks = [m.end() for m in _COORDINATED_CLAUSE.finditer(text, clause_start, mention.start)] \
        if may_hold(text, clause_start, mention.start, ("while", "whereas", "but", "yet", "and")) else []
    for start in reversed(breaks):
        name = _subject_from(ctx, mention, known, start)
        if name is not _NO_SUBJECT:
            return name
    name = _subject_from(ctx, mention, known, clause_start)
    return None if name is _NO_SUBJECT else name


def _subject_from(ctx, mention, known: set[str], clause_start: int):
    """The subject name of the clause starting at `clause_start`, None for "we",
    or _NO_SUBJECT where the clause names none."""
    text = ctx.text
    verb = _first_verb(ctx, clause_start, mention.start)
    if verb is None:
        return _NO_SUBJECT
    subject = text[clause_start:verb[0]]
    if _WE.search(subject):
        return None
    owner = _POSSESSIVE.search(text, clause_start, mention.start)
    if owner and not is_generic(owner.group(1), known, ctx.vocab) and owner.group(1) not in CAPITALIZED_WORDS:
        return owner.group(1)  # "Twins' accuracy dropping from ...", "RveRNet's F1 score was ..."
    names = [m.group(1) for m in name_tokens(text, SUBJECT_TOKEN, clause_start, verb[1])
             if not is_generic(m.group(1), known, ctx.vocab) and not DATASET_NEXT.match(text, m.end())
             and _ACTS.match(text, m.end())]
    return names[-1] if names else _NO_SUBJECT


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


def _is_own(name: str, paper_name: str | None, ctx) -> bool:
    """`name` is the paper's method: the same name, a variant of it or a part of it
    ("FooNet-L", "FooNet$^{full}$", "FooNet (large)" for FooNet), or a short form.
    Only as a whole word: RoBERTa is not BERT, nor DPSGD the paper's DP."""
    if not paper_name:
        return False
    return _contains_word(paper_name, name) or _contains_word(name, paper_name) \
        or name in getattr(ctx, "own_names", ()) or abbreviates(name, paper_name)


def _contains_word(text: str, part: str) -> bool:
    """`part` occurs in `text` with no letter glued to either side."""
    i = text.find(part)
    while i >= 0:
        j = i + len(part)
        if not (i > 0 and text[i - 1].isalpha()) and not (j < len(text) and text[j].isalpha()):
            return True
        i = text.find(part, i + 1)
    return False


def _whose(mention, decision, ctx, paper_name: str | None):
    text = ctx.text
    ours = paper_name or OURS
    baseline = decision.pattern is not None and decision.pattern.role == "baseline"
    near = max(ctx.start, mention.start - 90)
    if may_hold(text, near, mention.start, _PRIOR_NEAR_WORDS) and _PRIOR_NEAR.search(text, near, mention.start):
        return "prior state of the art", "baseline", "a previous result named just before the number"
    owner = _FOR_NAME.match(text, mention.end, ctx.end)  # "91.2% for BarNet"
    if owner is not None and not is_generic(owner.group(1), ctx.known_names, ctx.vocab) \
            and not any(d.start < owner.end(1) and owner.start(1) < d.end for d in ctx.datasets):
        name = owner.group(1).rstrip(".")  # a sentence's full stop is not part of the name
        if _is_own(name, paper_name, ctx):
            return paper_name, "proposed", "the paper's method, named after 'for'"
        return name, "baseline", "named after the number ('N for X')"
    paren = _NAME_BEFORE_PAREN.search(text, max(ctx.start, mention.start - 60), mention.start)
    if paren is not None and decision.kind == "score" and not is_generic(paren.group(1), ctx.known_names, ctx.vocab) \
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
        if name[:1].isupper() and not is_generic(name, ctx.known_names, ctx.vocab) and name not in CAPITALIZED_WORDS:
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
