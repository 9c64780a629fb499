"""Normalization, sentence splitting and the number grammar on abstract text."""
from __future__ import annotations

import pytest

from extractor.rules.loader import load_rules
from extractor.text.normalize import normalize
from extractor.text.numbers import find_numbers
from extractor.text.sentences import split_sentences

UNITS = load_rules().units


def numbers(s: str):
    text, _ = normalize(s)
    return [(m.value, m.unit) for m in find_numbers(text, UNITS)
            if not (m.glued_name or m.shape or m.year or m.glued_right)]


@pytest.mark.parametrize("raw,expected", [
    ("15\u00d7 faster", "15x faster"),
    ("a \u22123.2 drop", "a -3.2 drop"),
    ("91.5\u2009% and 3\u00a0ms", "91.5 % and 3 ms"),
    (r"by 4.9\% accuracy", "by 4.9% accuracy"),
    (r"is 8$\times$ faster", "is 8x faster"),
    ("requires 500times less storage", "requires 500x less storage"),
    ("an additional 10sim100times speed-up", "an additional 10-100x speed-up"),
    ("40% sim 60%", "40%-60%"),
    ("AstroM$^3$: a model", "AstroM^3: a model"),
    ("95.8 pm 1.2", "95.8 ± 1.2"),
    ("over 10^{5} times", "over 10^5 times"),
])
def test_normalize_rewrites(raw, expected):
    assert normalize(raw)[0] == expected


@pytest.mark.parametrize("raw", [
    r"SLEDGE requires 500times less storage to set up (<4GB) and 8$\times$ less \% of $\times$ time.",
    "Gains of 10sim100times and 40% sim 60%, AstroM$^3$ reaches 95.8 pm 1.2 \u2212 over 10^{5} times.",
])
def test_offset_map_points_back_to_the_original(raw):
    text, omap = normalize(raw)
    for m in find_numbers(text, UNITS):
        if m.glued_name:
            continue  # "AstroM^3": inside a rewritten name, never a result
        a, b = omap.to_original(m.num_start), omap.to_original(m.num_end)
        digits = raw[a:b].rstrip("}$")
        assert digits and digits[0].isdigit() and digits[-1].isdigit(), (m.text, raw[a:b])


def test_sentences_do_not_break_on_decimals_or_abbreviations():
    text = ("We compare e.g. ResNet et al. and ViT, i.e. two families. It reaches 91.5% vs. 80.2% "
            "on ImageNet (Fig. 2). Next sentence!")
    sents = [text[a:b] for a, b in split_sentences(text)]
    assert sents == ["We compare e.g. ResNet et al. and ViT, i.e. two families.",
                     "It reaches 91.5% vs. 80.2% on ImageNet (Fig. 2).", "Next sentence!"]


@pytest.mark.parametrize("sentence,expected", [
    ("an accuracy of 91.5% on the test set", [(91.5, "%")]),
    ("a gain of +3.2 mAP", [(3.2, None)]),
    ("a BLEU of 1,234.5", [(1234.5, None)]),
    ("reaches 95.8 \u00b1 1.2 AUROC", [(95.8, None)]),
    ("gains ranging from 3.36% to 7.21%", [(3.36, "%"), (7.21, "%")]),
    ("improves by 8%-11%", [(8.0, "%"), (11.0, "%")]),
    ("gains of 3.07, 3.3, and 7.93 points", [(3.07, None), (3.3, None), (7.93, "points")]),
    ("up by 2.5 percentage points", [(2.5, "pp")]),
    ("15x faster and a 3.5-fold speedup, three times smaller", [(15.0, "x"), (3.5, "x"), (3.0, "x")]),
    ("over 10^5 times more efficient", [(100000.0, "x")]),
    ("an error of 1.5e-3", [(0.0015, None)]),
    ("in 30 ms, 2 seconds and 15 minutes", [(30.0, "ms"), (2.0, "s"), (15.0, "min")]),
    ("costs $1.30 and runs at 22 fps", [(1.3, "$"), (22.0, "FPS")]),
])
def test_number_grammar(sentence, expected):
    assert numbers(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "We evaluate on CIFAR-10 and LRS3 with GPT-4 and Llama 2 as judges in 2023.",
    "The top-5 predictions of ViT-B/16 at 2560x2048 resolution with 3D inputs.",
    "Our contributions are two-fold: a dataset and a model.",
])
def test_numbers_inside_names_shapes_and_years_are_flagged(sentence):
    assert numbers(sentence) == []


def test_ranges_and_lists_are_linked():
    text, _ = normalize("accuracy from 84.6% to 91.5%, and gains of 12.10, 6.51, and 2.85 points")
    ms = find_numbers(text, UNITS)
    assert ms[0].range_id is not None and ms[0].range_id == ms[1].range_id
    assert ms[2].list_id is not None and ms[2].list_id == ms[3].list_id == ms[4].list_id


def test_a_tilde_glued_between_two_numbers_joins_a_range():
    """"3.72%~6.68%" is a range, not "about 6.68%"; a spaced "~2%" stays "about"."""
    text, _ = normalize("gains of 3.72%~6.68%, about ~2% more than before")
    ms = find_numbers(text, UNITS)
    assert [(m.value, m.sign, text[m.start:m.end]) for m in ms] == [(3.72, None, "3.72%"), (6.68, None, "6.68%"),
                                                                     (2.0, "~", "~2%")]
    assert ms[0].range_id is not None and ms[0].range_id == ms[1].range_id and ms[2].range_id is None


def test_a_decimal_split_by_a_stray_space_is_no_value():
    """"2 .03%" is 2.03 with a typo: reading 2 or 0.03 would put a wrong number on a board."""
    def broken(sentence):
        text, _ = normalize(sentence)
        return [(m.value, "broken" in m.flags) for m in find_numbers(text, UNITS)]

    assert broken("robust accuracy rises by 2 .03% and latency is 12 .5 ms") == [
        (2.0, True), (0.03, True), (12.0, True), (0.5, True)]
    assert broken("a batch of 1 000 images, then .5 ms") == [(1.0, False), (0.0, False), (0.5, False)]


@pytest.mark.parametrize("sentence", ["The error is only 1/6 of the baseline's.", "It trains 1/5 of the parameters.",
                                      "Weights take 0/1 values.", "Attacks use epsilon = 8/255."])
def test_fractions_written_a_b_are_no_values(sentence):
    text, _ = normalize(sentence)
    assert all("fraction" in m.flags for m in find_numbers(text, UNITS))
