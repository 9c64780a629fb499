"""Inline LaTeX read as math, not money: `$` pairing, the plain-text form of math,
and spans that still point into the abstract as printed. Sentences are our own."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.extract import extract_paper
from extractor.rules.loader import load_rules
from extractor.sources.paper import Paper
from extractor.text.latex import find_math
from extractor.text.normalize import normalize
from extractor.text.numbers import find_numbers

RULES = load_rules()


def read(sentence: str):
    """(value, unit, span as printed) of each number the grammar keeps."""
    text, omap = normalize(sentence)
    out = []
    for m in find_numbers(text, RULES.units):
        if m.glued_name or m.shape or m.year or m.glued_right:
            continue
        out.append((m.value, m.unit, sentence[omap.to_original(m.start):omap.to_original(m.end)]))
    return out


@pytest.mark.parametrize("sentence,expected", [
    (r"Our sampler is $3$-$4\times$ faster than the baseline.",
     [(3.0, "x", "$3$"), (4.0, "x", r"$4\times$")]),
    (r"Error drops from 5$\%$ to 7$\%$ of the runs.", [(5.0, "%", r"5$\%$"), (7.0, "%", r"7$\%$")]),
    (r"It needs $16$ times more memory.", [(16.0, "x", "$16$ times")]),
    (r"The method is $\sim$10x cheaper.", [(10.0, "x", r"$\sim$10x")]),
    (r"It uses $2 \times$ fewer parameters.", [(2.0, "x", r"$2 \times$")]),
    (r"We obtain a $48.6\%$ faster schedule.", [(48.6, "%", r"$48.6\%$")]),
    (r"a reduction of 0.25\%/0.13\% in error", [(0.25, "%", r"0.25\%"), (0.13, "%", r"0.13\%")]),
    (r"with a learning rate of $10^{-3}$", [(0.001, None, "$10^{-3}$")]),
    (r"a score of $95.1 \pm 0.3$ overall", [(95.1, None, r"$95.1 \pm 0.3$")]),
    (r"samples come $10 \times$ to $50 \times$ faster", [(10.0, "x", r"$10 \times$"), (50.0, "x", r"$50 \times$")]),
    (r"natural images reach $65\pm5\%$ here", [(65.0, "%", r"$65\pm5\%$")]),
    (r"a corpus of $10\,000$ images", [(10000.0, None, r"$10\,000$")]),
    (r"renting a GPU costs $3 per hour", [(3.0, "$", "$3")]),
    (r"renting a GPU costs \$3 per hour", [(3.0, "$", r"\$3")]),
    (r"between $20 and $30 per experiment", [(20.0, "$", "$20"), (30.0, "$", "$30")]),
    (r"the whole study cost 450 dollars", [(450.0, "$", "450 dollars")]),
])
def test_latex_numbers_read_with_their_units_and_map_back(sentence, expected):
    assert read(sentence) == expected


@pytest.mark.parametrize("sentence", [
    r"We combine $k$NN-MT with $F_2$-XEnDec under an $\ell_2$ or $\ell_p$ bound.",
    r"a $2^{nd}$ order solver with $\mathcal{O}(n)$ cost",
    r"attacks with $\epsilon=16/255$ and $8/255$ budgets",
    "attacks with \u03b5 = 16/255 perturbations",
    r"the mapping $x \rightarrow y$ on $\mathbb{R}^d$",
    r"robust under PGD $l_{\infty}$-8 attacks",
    r"the solver with $n=1$ and $\beta=0.5$ is no slower",
])
def test_math_symbols_are_not_numbers(sentence):
    assert read(sentence) == []


@pytest.mark.parametrize("text,pairs", [
    ("$3$-$4$", [(0, 3), (4, 7)]),
    ("costs $20 and $30 per run", []),  # a closing `$` has no space before it
    ("from $5 to $10$ later", [(11, 15)]),  # "$5 to $" would close before a space
    (r"$ \approx 0.2$ and $$x^2$$", [(0, 14), (19, 26)]),
    (r"an escaped \$3 and $x$", [(19, 22)]),
    ("$16$0 and $", []),  # a closing `$` is never followed by a digit
])
def test_dollar_pairing(text, pairs):
    assert [(s.start, s.end) for s in find_math(text)] == pairs


def test_epsilon_fraction_never_ranks_as_a_score():
    """The ImageNet accuracy of "255" from an epsilon of 16/255 (issue 9)."""
    abstract = (r"Trained against attacks with $\epsilon=16/255$, our model reaches 45.2% accuracy "
                r"on ImageNet, and with $\epsilon=8/255$ and $4/255$ it reaches 61.0% accuracy.")
    results = extract_paper(Paper("p", "FooNet: robust models", abstract, "test"), RULES)
    assert sorted(r.value for r in results) == [45.2, 61.0]


def test_rules_explain_names_the_fraction_as_no_result():
    """The CLI the user runs: `lbx rules explain` on an epsilon sentence."""
    out = subprocess.run([sys.executable, "-m", "extractor", "rules", "explain",
                          r"with $\epsilon=16/255$ our model reaches 45.2% accuracy on ImageNet"],
                         capture_output=True, text=True, check=True).stdout
    blocks = {b.split()[0]: b for b in re.split(r"\n(?=\S)", out) if b.strip()}
    assert "not a result" in blocks["16"] and "not a result" in blocks["255"]
    assert "result (score" in blocks["45.2%"]


FRAGMENTS = st.sampled_from([
    "$", "$$", "\\$", "\\%", "$\\times$", "\\times", "$\\sim$", "\\sim ", "\\approx", "\\pm ", "$3$",
    "$16$ times", "5$\\%$", "$3$-$4\\times$ faster", "$k$NN", "$F_2$", "$\\ell_p$", "$\\epsilon=16/255$",
    "^{", "^{-3}", "_{", "{", "}", "\\mathrm{", "\\text{ms}", "\\mathbf{x}", "\\frac{1}{2}", "\\frac{",
    "\\rightarrow", "$10^{-3}$", "$\\mathcal{O}(n)$", "$2^{nd}$", "\\,", "\\\\", " ", "12.5", "%", "x",
    " accuracy of ", " on ImageNet ", " costs ", ". ", "-", "/", "7", "\u00d7",
])
LATEX_TEXT = st.lists(st.one_of(FRAGMENTS, st.text(alphabet="$\\{}^_ 0123456789.%x", max_size=8)),
                      max_size=30).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LATEX_TEXT)
def test_offset_map_is_monotone_and_spans_keep_their_digits(raw):
    text, omap = normalize(raw)
    points = [omap.to_original(i) for i in range(len(text) + 1)]
    assert points == sorted(points) and points[0] == 0 and points[-1] == len(raw)
    assert all(0 <= p <= len(raw) for p in points)
    for m in find_numbers(text, RULES.units):
        a, b = omap.to_original(m.start), omap.to_original(m.end)
        printed = re.sub(r"[${}\\,]", "", raw[a:b])  # the original minus what normalizing removes
        digits = text[m.num_start:m.num_end].split("^")[0].replace(",", "")
        assert digits in printed, (raw, text, m.text, raw[a:b])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LATEX_TEXT)
def test_every_record_from_latex_points_back_into_its_abstract(raw):
    for r in extract_paper(Paper("p", "FooNet: a title", raw, "test"), RULES):
        assert raw[r.start:r.end] == r.value_text and r.value_text in r.evidence
        # a dollar is printed with the number, or with the second side of its range ("3-$4") that lends its unit
        assert r.unit != "$" or "$" in r.value_text or "dollar" in r.value_text or "USD" in r.value_text \
            or "$" in raw[r.end:r.end + 10]
