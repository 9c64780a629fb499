"""The one pass over the lexicons (issue 11): a sentence's names sliced from the
abstract's one look-up are what a look-up of the sentence alone finds, and the
lexicon's start filter skips only words where no match can start."""
from __future__ import annotations

import copy
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.mentions import AbstractMentions
from extractor.rules.loader import load_rules
from extractor.sources import read_papers
from extractor.text.normalize import normalize
from extractor.text.numbers import find_numbers
from extractor.text.sentences import split_sentences

RULES = load_rules()
REPO = Path(__file__).resolve().parent.parent
TEXTS = [normalize(p.abstract)[0] for f in sorted((REPO / "data" / "sample").glob("*.txt"))
         for p in read_papers(str(f)) if p.abstract]
# Pieces of names and the words around them, glued by what may or may not join an alias
PIECES = ["top", "1", "top-1", "top1", "accuracy", "accuracies", "error", "rates", "box", "AP", "mAP", "F1",
          "score", "ImageNet", "CIFAR", "10", "CIFAR-10", "CIFAR-100", "COCO", "val", "test", "set", "BLEU",
          "WMT14", "En-De", "(", ")", "on", "the", "of", "to", "a", "pre", "training", "word", "error", "rate"]
GLUE = [" ", "-", "", ", ", ". ", " (", ") ", "; ", "  ", "/"]


def _alone(text: str, s: int, e: int):
    return RULES.metrics.find(text, s, e), RULES.datasets.find(text, s, e)


def test_a_sentence_takes_what_its_own_look_up_finds():
    checked = 0
    for text in TEXTS:
        found = AbstractMentions(text, RULES.metrics, RULES.datasets)
        for s, e in split_sentences(text, find_numbers(text, RULES.units)):
            assert found.in_sentence(s, e) == _alone(text, s, e), text[s:e]
            checked += 1
    assert checked > 500


def test_any_span_even_one_that_cuts_a_word_or_a_name_takes_the_same():
    rng = random.Random(11)
    for text in TEXTS[:60]:
        found = AbstractMentions(text, RULES.metrics, RULES.datasets)
        for _ in range(20):
            s = rng.randrange(len(text))
            e = min(len(text), s + rng.randrange(1, 400))
            assert found.in_sentence(s, e) == _alone(text, s, e), (s, e, text[s:e])


class _Everywhere:
    """A start filter that lets every word through: the scan without the shortcut."""

    def __contains__(self, word) -> bool:
        return True


def _unfiltered(lexicon):
    plain = copy.copy(lexicon)
    plain._cs_first = plain._ci_first = _Everywhere()
    return plain


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(GLUE)), min_size=1, max_size=30))
def test_the_start_filter_finds_what_a_scan_from_every_word_finds(parts):
    text = "".join(p + g for p, g in parts)
    for lexicon in (RULES.metrics, RULES.datasets):
        assert lexicon.find(text) == _unfiltered(lexicon).find(text), text


def test_the_unfiltered_scan_is_a_real_reference():
    """It finds names (the comparison above is not between two empty lists)."""
    text = "Top-1 accuracy on CIFAR-100 and box AP on COCO test-dev."
    names = {m.entry.name for m in _unfiltered(RULES.metrics).find(text) + _unfiltered(RULES.datasets).find(text)}
    assert len(names) >= 3, names
