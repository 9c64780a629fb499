"""The text stage's shortcuts (issue 11) read what the plain regexes read.

Each shortcut replaces a regex the grammar used to run as is with a cheaper way
to the same answer: rewrites searched one by one instead of as one alternation,
unit surfaces sharing their optional leading space, a reverse search for the word
before a period, and a test of the character next to a number before each
context regex. Each test here compares a shortcut with the plain form it
replaced, on texts built to hit the corners (spaces of every kind, newlines
where `$` also matches, ties between rewrites).
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import regex
import yaml

from extractor.rules import units as unit_module
from extractor.rules.units import Unit, UnitTable
from extractor.text import normalize as norm
from extractor.text import numbers as num
from extractor.text import sentences as sent

UNITS_YAML = Path(unit_module.__file__).with_name("units.yaml")
SPACES = [" ", "  ", "\n", "\t", "\u00a0", "\u2009", "\u2028", "\u3000", "\x1c", "\x85", "\u180e", "\u200b"]


def _texts(pieces: list[str], n: int, seed: int, longest: int = 20) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, longest))) for _ in range(n)]


LATEX = ["\\", "%", "$", "$", "times", "\\times", "sim", "\\sim", "pm", "\\pm", "approx", "\\approx", "^", "{", "}",
         "1", "23", "-4", "x", "a", "textrm", "mathrm", "\\textrm{", "ms}", *SPACES]


def test_rewrites_searched_one_by_one_match_as_their_alternation():
    alternation = regex.compile("|".join(f"(?:{p})" for p, _, _ in norm._REWRITES), regex.V0)
    every = list(range(len(norm._REWRITES)))
    for text in _texts(LATEX, 4000, seed=1) + ["95.8 pm 1.2, 10sim100times, 40% sim 60%, 10^{5}, AstroM$^3$"]:
        for lo, hi in ((0, len(text)), (len(text) // 3, len(text) - len(text) // 4)):
            expected = [m.span() for m in alternation.finditer(text, lo, hi)]
            assert [m.span() for m in norm._rewrite_matches(text, lo, hi, every)] == expected, (text, lo, hi)
            present = [i for i in every if norm._REWRITES[i][2] in text]
            assert [m.span() for m in norm._rewrite_matches(text, lo, hi, present)] == expected, (text, lo, hi)


def test_every_rewrite_match_holds_its_clue():
    for text in _texts(LATEX, 4000, seed=2):
        for pattern, (_, _, clue) in zip(norm._SINGLE, norm._REWRITES):
            for m in pattern.finditer(text):
                assert clue in m.group(), (pattern.pattern, text)


def _tables(entries: list[dict]) -> tuple[UnitTable, regex.Pattern]:
    """A unit table, and its surfaces as the plain alternation they were."""
    units = [Unit(u["id"], u["symbol"], u["family"], u.get("pint"), bool(u.get("prefix"))) for u in entries]
    table = UnitTable(units, {u["id"]: list(u["surfaces"]) for u in entries})
    parts = [(len(s), f"(?P<{u['id']}__{i}>{s})") for u in entries if not u.get("prefix")
             for i, s in enumerate(u["surfaces"])]
    parts.sort(key=lambda p: -p[0])
    return table, regex.compile("(?:" + "|".join(p for _, p in parts) + ")")


BUILT_IN = yaml.safe_load(UNITS_YAML.read_text(encoding="utf-8"))["units"]
UNIT_PIECES = ["%", "percent", "percentage", " points", "pp", "p.p.", "x", "X", "times", "fold", "-", "faster", "ms",
               "msec", "s", "sec", "min", "h", "hours", "GPU", "days", "GB", "MiB", "tok/s", "img/s", "fps", "FPS",
               "W", "mW", "dB", "kg", "CO2", "US", "dollars", "USD", "TFLOPS", "µs", "us", "accuracy", "a", "3",
               ".", "/", *SPACES]
# Surfaces that may begin with a space after their own `\s?`: sharing that `\s?`
# with their neighbours would change which of them matches.
SPACY = [{"id": f"u{i}", "symbol": f"u{i}", "family": "f", "surfaces": [s]} for i, s in enumerate(
    ["\\s?ab", "\\s?\\sab", "\\s?(?: a|b)c", "\\s?a?\\sb", "\\s?b", "\\s?[ a]c", "\\s?a*b", "\\s?a|\\sc", "\\s?c"])]


@pytest.mark.parametrize("entries,pieces", [(BUILT_IN, UNIT_PIECES), (SPACY, ["a", "b", "c", " ", "\t"])])
def test_units_sharing_their_leading_space_read_what_the_plain_alternation_reads(entries, pieces):
    table, plain = _tables(entries)
    for text in _texts(pieces, 20000, seed=3, longest=8):
        m = plain.match(text)
        unit = None if not m or m.end() == m.start() else table.units[m.lastgroup.split("__")[0]]
        expected = unit and (unit.symbol, unit.family, m.start(), m.end())
        got = table.match_after(text, 0)
        assert (got and (got.symbol, got.family, got.start, got.end)) == expected, text


@pytest.mark.parametrize("pattern,safe", [
    ("ms\\b", True), ("[Kk]Bs?", True), ("[TGP]FLOP/s", True), ("(?:µs|μs|us)\\b", True), ("%", True),
    ("x*a", False),  # may begin with "a" or with what follows
    ("(?:US\\s)?dollars?", False),  # erring towards False: an optional first item
    ("(?:a|\\sb)", False), ("a|b", False), ("[\\s]", False), ("[^a]", False), ("(?i:a)", False),
    ("(?!p)a", False), (".a", False), ("\\p{L}", False), ("", False),
])
def test_a_surface_is_shared_only_when_it_cannot_begin_with_a_space(pattern, safe):
    assert unit_module._no_leading_space(pattern) is safe


CONTEXT = ["Table", "table", "TABLE", "Llama", "GPT", "=", "n", "\\beta", "α", "_{ij}", "x", "-", "/", "2019", "14",
           "3", "5.5", "(", ")", "www.", "http://", "a://", "A", "a", "_", "^", "#", "@", "v", "V", "B", "7", ".",
           "'s", *SPACES]


def test_a_context_regex_skipped_by_its_character_test_could_not_have_matched():
    for text in _texts(CONTEXT, 6000, seed=4, longest=12):
        for pos in range(len(text) + 1):
            if not num._after_capitalized_word(text, pos):
                assert not num._VERSION_LEFT.search(text, max(0, pos - 30), pos), (text, pos)
            if not num._after_equals(text, pos):
                assert not num._SETTING_LEFT.search(text, max(0, pos - 14), pos), (text, pos)
            probe = text[max(0, pos - 12):pos]
            if text[pos - 1:pos] not in num._NAME_LAST:
                assert not (num._NAME_LEFT.search(probe) or num._GLUED_LEFT.search(probe)), (text, pos)
            if text[pos - 1:pos] not in num._YEAR_DASH:
                assert not num._YEAR_BEFORE.search(text, max(0, pos - 5), pos), (text, pos)
            assert num._x_before(text, pos) == (probe.rstrip().endswith("x") and num._X_BEFORE.search(probe) is not None)


def test_a_character_no_space_test_lets_through_every_regex_space():
    space = regex.compile(r"\s")
    for c in map(chr, range(0x3100)):
        if space.match(c):
            assert num._maybe_space(c), hex(ord(c))


def test_the_word_before_a_period_is_the_one_a_forward_search_finds():
    forward = regex.compile(r"(\S+)$")
    for text in _texts(["a", "B", ".", "e.g", "(", "1", *SPACES], 6000, seed=5):
        for dot in range(len(text) + 1):
            a = forward.search(text, max(0, dot - 20), dot)
            b = sent._WORD_BEFORE.search(text, max(0, dot - 20), dot)
            assert (a and (a.span(), a.group(1))) == (b and (b.span(), b.group(1))), (text, dot)
