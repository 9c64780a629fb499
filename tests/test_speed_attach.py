"""The attach step's shortcuts find what the plain searches they replace find.

Each shortcut tries a pattern only where a match can start, or asks first
whether the words every match holds are there at all (extractor/attach/,
extractor/text/phrases.py). Speed is the only reason for them, so the check is
equality with the plain search: on the sample abstracts, at windows like the
engine's and at random ones, and on text made to hit the corner cases
(lowercase-led names, letters that match "i" and "s" ignoring case but
lowercase to something else, windows that cut a word).
"""
import random
from pathlib import Path

import pytest

from extractor.attach import owner as O
from extractor.attach import paper_name as N
from extractor.confidence import default_model
from extractor.rules.loader import load_rules
from extractor.sources import read_papers
from extractor.text.normalize import normalize
from extractor.text.phrases import matches_at, may_hold, word_starts

SAMPLES = sorted((Path(__file__).parent.parent / "data" / "sample").glob("*.txt"))
CORNERS = ["mBERT and xLSTM-7B beat GC ViT; X^Net, a-B and pre-BERT", "We İntroduce FooNet, our İ framework",
           "we propoſe BarNet", "our ſystem, BazNet", "iNat2021 ABCdef gHI aB Ab A", "", "x",
           "we present KELVIN-Net (KN), called Kelvin", "In this paper we propose Unbiased Teacher, a simple method"]


@pytest.fixture(scope="module")
def texts():
    papers = [p for f in SAMPLES for p in read_papers(str(f))][:300]
    raw = [t for p in papers for t in (p.abstract or "", p.title or "")]
    return raw + [normalize(t)[0] for t in raw] + CORNERS


def _windows(text, rnd, n=4):
    for _ in range(n):
        i = rnd.randrange(len(text) + 1)
        yield i, rnd.randrange(i, len(text) + 1)


def test_name_tokens_are_finditer(texts):
    rnd = random.Random(0)
    for t in texts:
        for pattern in (N._NAME_TOKEN, N.SUBJECT_TOKEN):
            assert [m.span() for m in N.name_tokens(t, pattern)] == [m.span() for m in pattern.finditer(t)]
            for i, j in _windows(t, rnd):
                assert [m.span() for m in N.name_tokens(t, pattern, i, j)] == \
                    [m.span() for m in pattern.finditer(t, i, j)], (t, i, j)


def test_introduces_is_intro_search(texts):
    rnd = random.Random(1)
    for t in texts:
        ends = [m.start() for m in N._NAME_TOKEN.finditer(t)] + [rnd.randrange(len(t) + 1) for _ in range(4)]
        for e in ends:
            for tail in ("", " "):
                window = t[max(0, e - 80):e] + tail
                assert N._introduces(window) == (N._INTRO.search(window) is not None), window


def test_opening_words_find_what_search_finds(texts):
    for t in texts:
        starts = word_starts(t, ("we", "We", "paper", "work"))
        assert [m.span() for m in matches_at(N._INTRODUCED, t, starts)] == [m.span() for m in N._INTRODUCED.finditer(t)]
        for rx, opens in ((N._NAMED, N._NAMED_OPENS), (N._PROPOSE_NAME, N._PROPOSE_OPENS)):
            first, plain = next(matches_at(rx, t, word_starts(t, opens)), None), rx.search(t)
            assert (first and first.span()) == (plain and plain.span()), t


@pytest.mark.parametrize("pattern, words", [
    (O._PRIOR_NEAR, O._PRIOR_NEAR_WORDS), (O._SUBJECT_BASELINE, O._SUBJECT_BASELINE_WORDS),
    (O._BASELINE_PRIOR, O._BASELINE_PRIOR_WORDS), (O._REFERENCE_CUE, O._REFERENCE_CUE_WORDS),
])
def test_may_hold_never_hides_a_match(texts, pattern, words):
    rnd = random.Random(2)
    for t in texts:
        for i, j in _windows(t, rnd, 8):
            if pattern.search(t, i, j) is not None:
                assert may_hold(t, i, j, words), (t[i:j], pattern.pattern)


def test_row_probability_is_probability_of_features():
    model, rnd = default_model(), random.Random(3)
    notes = [p for p, _ in model.notes] + ["a mechanism nobody wrote a prefix for", "the paper's method"]
    for _ in range(2000):
        row = dict(pattern_confidence=rnd.random(), rule=rnd.choice(["r1", "r1+list", None]),
                   kind=rnd.choice(["score", "delta", "ratio"]), unit=rnd.choice([None, "x", "%", "ms"]),
                   metric=rnd.choice([None, "accuracy"]), metric_in_lexicon=rnd.random() < 0.5,
                   dataset=rnd.choice([None, "COCO"]), method=rnd.choice([None, "(ours)", "baseline", "FooNet"]),
                   notes=rnd.sample(notes, 3), title=rnd.choice([None, "FooNet: a net"]))
        assert model.row_probability(**row) == model.probability(model.features(**row))


def test_rules_load():  # the vocabulary's cached not_names is the union it was
    v = load_rules().vocab
    assert v.not_names == v.known_models | v.organizations | v.generic_acronyms


def _best_long_form_by_char(short: str, candidate: str) -> str | None:
    """The plain Schwartz-Hearst walk, one character at a time: the reference."""
    s, l = len(short) - 1, len(candidate) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l >= 0 and (candidate[l].lower() != c or (s == 0 and l > 0 and candidate[l - 1].isalnum())):
            l -= 1
        if l < 0:
            return None
        l -= 1
        s -= 1
    start = candidate.rfind(" ", 0, l + 1) + 1
    return candidate[start:]


def test_long_form_by_rfind_is_by_char():
    from extractor.text.abbreviations import _best_long_form
    rnd = random.Random(4)
    alpha = "aAbBcC dD-eE1 xX" + "İΣσς"
    for _ in range(20000):
        short = "".join(rnd.choice(alpha) for _ in range(rnd.randrange(1, 5)))
        cand = "".join(rnd.choice(alpha[:16] if rnd.random() < 0.7 else alpha) for _ in range(rnd.randrange(0, 25)))
        assert _best_long_form(short, cand) == _best_long_form_by_char(short, cand), (short, cand)


def test_introduced_datasets_tried_at_opening_words_are_finditer(texts):
    """`introduced_datasets` tries its two patterns only at an introducing word."""
    from extractor.attach import dataset as D

    extra = ["We present FooQA (FQA): a question answering dataset.", "we introduce a benchmark, BarBench, for x",
             "We built a corpus we call Baz Text.", "Present FooQA, a dataset"]
    for text in texts + extra:
        plain: list[str] = []
        if any(w in text.lower() for w in D._KIND_WORDS):
            for rx in (D._NAME_THEN_KIND, D._KIND_THEN_NAME):
                for m in rx.finditer(text):
                    plain.extend(g for g in m.groups() if g and g not in plain)
        assert D.introduced_datasets.__wrapped__(text) == tuple(plain), text
