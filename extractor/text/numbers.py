"""The number grammar: every number in a sentence, with its unit and shape.

It finds the numbers; it does not judge them. Each `NumberMention` carries what
later rules need to accept or reject it: the printed value and unit, a ± spread,
the k/M/B suffix, whether the digits are glued into a name ("CIFAR-10",
"LRS3", "GPT-4"), whether it is a side of a "2560x2048" shape, a year, a word
("three times"), and the ranges ("3.36% to 7.21%", "8%-11%") and lists
("3.07, 3.3, and 7.93") it belongs to.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass, field

import re

import regex

from extractor.rules.units import UnitTable

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "a hundred": 100, "one hundred": 100, "a thousand": 1000, "thousand": 1000,
}
# Suffix letters are case-sensitive: "10M" is ten million, "10m" ten metres or
# minutes (a glued word, not a multiplier). Lower-case "b" is billion ("a 7b model").
SUFFIX_MULTIPLIERS = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "b": 1e9, "G": 1e9, "T": 1e12,
                      "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}

_DIGITS = r"""
  (?P<sign>[+\-~<>≥≤]|±\s?|&lt;)?
  (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
  (?:(?P<exp_e>[eE][-+]?\d{1,3})(?![\w])|\^\s?(?P<exp_pow>[-+]?\d{1,3}))?
"""
_WORDS = r"(?P<word>" + "|".join(sorted((regex.escape(w) for w in WORD_NUMBERS), key=len, reverse=True)) + r")"
_SUFFIX = r"(?P<suffix>(?-i:[kKMBGTb])(?![\w])|\s(?i:hundred|thousand|million|billion|trillion)\b)?"
_NEVER = "(?!x)x"  # an empty group, so that both regexes have the same named groups
# Digits are everywhere; number words count only before a unit ("three times"), so
# they get their own regex, tried only just before a unit word (scanning every word
# of every abstract for thirty number words would cost more than the digits).
_NUMBER_RE = regex.compile(
    r"(?<![\w.])(?:" + _DIGITS + r"|(?P<word>" + _NEVER + r"))" + _SUFFIX,
    regex.VERBOSE,  # case-insensitive only where it matters (suffix words): IGNORECASE halves the speed
)
_WORD_RE = regex.compile(
    r"(?<![\w.])(?P<sign>" + _NEVER + r")?(?P<num>" + _NEVER + r")?(?P<exp_e>" + _NEVER + r")?(?P<exp_pow>"
    + _NEVER + r")?\b" + _WORDS + r"\b" + _SUFFIX + r"[\s-]*$",
    regex.VERBOSE | regex.IGNORECASE,
)
_UNIT_WORDS = ("times", "fold", "percent", "per cent", "second", "minute", "hour", "day")
_UNIT_WORD_RE = re.compile(r"[\s-](?:times|fold|percent\w*|per\s?cent|seconds?|minutes?|hours?|days?)\b", re.I)
_X_BEFORE = regex.compile(r"\dx\s?$")  # "2560x" before "2048"
_YEAR = regex.compile(r"(?:19|20)\d\d")
_RANGE_LEFT = regex.compile(r"(?:[\d%x]|\d[kKMBGTb])$")  # what may stand before the "-" of a range
_SUFFIX_DASH = regex.compile(r"(?<=\d)[kKMBGTbx]-$")
_DECADE = regex.compile(r"'?s(?![\w])")  # "the 1960s", "1990's": a decade, not seconds
_YEAR_BEFORE = regex.compile(r"(?<![\w.])((?:19|20)\d\d)[-/]$")  # "2013-14", "2019/20"
# an integer fraction constant, "ε = 16/255", "$\epsilon=8/255$ and $16/255$": not a result
_FRACTION = regex.compile(r"(?<![\w.,/])(\d{1,4})/(\d{1,4})(?![\w,/%]|\.\d)")
_FRACTION_LEFT = regex.compile(r"(?:[=≤<]|ε|epsilon)\s*$")
_OF_AFTER = regex.compile(r"\s+of\b")  # "1/6 of ...": a share
# "2 .03%": a decimal split by a stray space, seen from either side
_BROKEN_AFTER = regex.compile(r" \.\d")
_BROKEN_BEFORE = regex.compile(r"\d $")
# a value given to a one-letter variable or a command, "$n=1$", "$\beta=0.5$": a setting
_SETTING_LEFT = regex.compile(r"(?:(?<![\w\\])[A-Za-zα-ωΑ-Ω](?:_\{?\w{1,3}\}?)?|\\[A-Za-z]+)\s?=\s?$")
_URL_START = regex.compile(r"[(\[<\"']?(?:[a-z][a-z0-9+.-]*://|www\.)", regex.IGNORECASE)
_NAME_LEFT = regex.compile(r"(?:[A-Za-z][\w]*[-_/^]|[A-Za-z]\s?[vV]|#|@|\^)$")  # CIFAR-10, ViT-B/16, v2
_VERSION_LEFT = regex.compile(r"(?<![.!?]\s|^)\b[A-Z][A-Za-z]*[a-z][A-Za-z]*\s$|\b[A-Z]{2,}[a-z]*\s$")
_GLUED_LEFT = regex.compile(r"[A-Za-z]$")  # LRS3, T5
_GLUED_RIGHT = regex.compile(r"(?:[A-Za-z]|-(?!fold\b|times\b)[A-Za-z])")  # 3D, 2nd, 5-shot
_SHAPE_NEXT = regex.compile(r"\s?x\s?\d")  # 2560x2048
_WORD_CUE = regex.compile(r"(?:\s+(?:\w+\s+)?(?:faster|slower|fewer|less|more|smaller|larger|higher|lower|"
                          r"better|cheaper|speed|reduction|improvement|increase|acceleration)|\s*[,.;)]|\s*$|\s+(?:on|in|per|of\s+(?:training|compute)))",
                          regex.IGNORECASE)
_ENUMERATION = regex.compile(r"(?:^|[\s(:;,])$")
_RANGE_SEP = regex.compile(r"\s?(?:-|to|~|–)\s?")
_LIST_SEP = regex.compile(r"\s?(?:,\s?(?:and\s|or\s)?|\s?and\s|\s?or\s|/)\s?")
_ASCII_LETTERS = frozenset(string.ascii_letters)
# The characters `_NAME_LEFT` or `_GLUED_LEFT` can end on ("$" also matches before
# a final newline), and those `_YEAR_BEFORE` can: numbers after others skip them.
_NAME_LAST = _ASCII_LETTERS | frozenset("-_/^#@\n")
_YEAR_DASH = frozenset("-/\n")
_GLUED_FIRST = _ASCII_LETTERS | {"-"}  # what `_GLUED_RIGHT` can start with
# The longest gaps `_RANGE_SEP` (" to ") and `_LIST_SEP` (" , and  ") can span.
_MAX_RANGE_GAP, _MAX_LIST_GAP = 4, 8


# Numbers read per abstract: real abstracts have tens (19 at most in ICLR 2021);
# a text of thousands is a table dump, and the cap bounds the work per abstract.
MAX_NUMBERS = 500


@dataclass(slots=True)
class NumberMention:
    start: int  # span of the whole mention (sign, digits, unit) in the normalized text
    end: int
    num_start: int  # span of the digits (or the number word) alone
    num_end: int
    value: float  # as printed: "26.90%" -> 26.9, "10^5" -> 100000
    text: str
    unit: str | None = None
    unit_family: str | None = None
    sign: str | None = None  # "+", "-", "~", "<", ">", ...
    suffix: str | None = None  # k / M / B / million ...
    spread: float | None = None  # the ± part
    word: bool = False
    glued_name: bool = False  # digits inside a name: CIFAR-10, LRS3, GPT-4, top-5
    glued_right: bool = False  # 3D, 2nd, 5-shot
    shape: bool = False  # a side of 2560x2048
    year: bool = False
    range_id: int | None = None  # mentions of one range share an id
    list_id: int | None = None  # mentions of one enumeration share an id
    flags: list[str] = field(default_factory=list)

    @property
    def multiplier(self) -> float:
        return SUFFIX_MULTIPLIERS.get((self.suffix or "").strip(), 1.0)


def find_numbers(text: str, units: UnitTable, lo: int = 0, hi: int | None = None) -> list[NumberMention]:
    """The number mentions in text[lo:hi] (the first MAX_NUMBERS), in order,
    with ranges and lists linked."""
    hi = len(text) if hi is None else hi
    mentions: list[NumberMention] = []
    for m in _matches(text, lo, hi):
        if len(mentions) >= MAX_NUMBERS:
            break
        mention = _read_mention(text, m, units, hi)
        if mention is None:
            continue
        if mentions and _is_spread(text, mentions[-1], mention):
            mentions[-1].spread = mention.value
            mentions[-1].end = mention.end
            continue
        mentions.append(mention)
    _link_groups(text, mentions)
    return mentions


def _matches(text: str, lo: int, hi: int):
    """Digit matches, and number-word matches just before a unit word, in order."""
    found = list(_NUMBER_RE.finditer(text, lo, hi, timeout=2.0))
    low = text[lo:hi].lower()
    if any(w in low for w in _UNIT_WORDS):
        words = []
        for u in _UNIT_WORD_RE.finditer(text, lo, hi):
            w = _WORD_RE.search(text, max(lo, u.start() - 16), u.start() + 1, timeout=1.0)
            if w is not None:
                words.append(w)
        if words:
            found = sorted(found + words, key=lambda m: m.start())
    return found


def _read_mention(text: str, m: regex.Match, units: UnitTable, hi: int) -> NumberMention | None:
    sign, raw_num, exp_e, exp_pow, word, suffix = m.group("sign", "num", "exp_e", "exp_pow", "word", "suffix")
    if word:
        value = float(WORD_NUMBERS[word.lower()])
        raw_num = ""
        num_start, num_end = m.span("word")
    else:
        raw = raw_num.replace(",", "")
        try:
            value = float(raw)
            if exp_e:
                value = float(raw + exp_e)
            elif exp_pow:
                value = float(raw) ** int(exp_pow)
        except (ValueError, OverflowError, ZeroDivisionError):  # "0^-3"
            return None
        if not math.isfinite(value):
            return None
        num_start = m.start("num")
        num_end = m.end("exp_e") if exp_e else m.end("exp_pow") if exp_pow else m.end("num")
    sign = (sign or "").strip() or None
    start = m.start()
    # a "-" right after a number ("8%-11%", "10-100x", "7B-70B") separates a range
    dash = start if sign == "-" else start - 1 if sign is None and text[start - 1:start] == "-" else -1
    range_dash = dash > 0 and _RANGE_LEFT.search(text, max(0, dash - 2), dash) is not None
    if range_dash and sign == "-":
        sign, start = None, m.start("num")
    year_digits = len(raw_num) == 4 and _YEAR.fullmatch(raw_num) is not None
    if suffix == "b" and year_digits:
        suffix = None  # "Yang et al., 2019b": a citation, not a billion
    end = m.end("suffix") if suffix else num_end
    decade = (not suffix and not exp_e and not exp_pow and year_digits
              and _DECADE.match(text, end, hi) is not None)
    unit = None if decade else units.match_after(text, end, hi)
    if word and (unit is None or not _WORD_CUE.match(text, unit.end, min(hi, unit.end + 30))):
        # number words count only when they state the value: "three times faster",
        # "under one second"; not "two-fold: A and B" or "one hour of data"
        return None
    mention = NumberMention(start=start, end=end, num_start=num_start, num_end=num_end,
                            value=value, text="", sign=sign, suffix=suffix, word=bool(word))
    if unit is not None:
        mention.unit, mention.unit_family, mention.end = unit.symbol, unit.family, unit.end
    else:
        prefix = units.match_before(text, start)  # currency, read only when no unit follows
        if prefix is not None:
            mention.unit, mention.unit_family, mention.start = prefix.symbol, prefix.family, prefix.start
    mention.text = text[mention.start:mention.end]
    # The context tests below are regexes anchored at the number; each is tried only
    # when the character next to the number lets it match (most numbers follow a
    # space and a lower-case word, where none can).
    if sign is None or sign in "+-":
        probe_end = num_start if sign is None else m.start()
        if text[probe_end - 1:probe_end] in _NAME_LAST:
            probe = text[max(0, probe_end - 12):probe_end]
            if range_dash:
                probe = _SUFFIX_DASH.sub("-", probe)  # "7B-70B", "10x-100x": the left side is a number, not a name
            mention.glued_name = bool(_NAME_LEFT.search(probe) or _GLUED_LEFT.search(probe))
    mention.glued_right = (unit is None and suffix is None and text[mention.end:mention.end + 1] in _GLUED_FIRST
                           and bool(_GLUED_RIGHT.match(text[mention.end:mention.end + 2])))
    mention.shape = ((text[num_end:num_end + 1] == "x" or _maybe_space(text[num_end:num_end + 1]))
                     and bool(_SHAPE_NEXT.match(text, num_end))) or _x_before(text, num_start)
    no_point = word or "." not in raw_num
    if unit is None and not word and text[mention.end:mention.end + 1] == ")" and value < 20 and \
            _ENUMERATION.search(text, max(0, start - 2), start) and no_point:
        mention.flags.append("enumeration")  # "1) inherent priors, 2) ..."
    if unit is None and suffix in (None, "b") and not word and sign is None and no_point \
            and _after_capitalized_word(text, start) and _VERSION_LEFT.search(text, max(0, start - 30), start):
        mention.glued_name = True  # "Llama 2", "Table 3", "Stable Diffusion 2"
    mention.year = not word and unit is None and year_digits
    if not word and unit is None and len(raw_num) == 2 and sign is None and text[start - 1:start] in _YEAR_DASH:
        prev = _YEAR_BEFORE.search(text, max(0, start - 5), start)
        first, second = (_as_int(prev.group(1)), _as_int(raw_num)) if prev else (None, None)
        if first is not None and second is not None and (first + 1) % 100 == second:
            mention.year = True  # the second year of "2013-14", "2019/20"
    if not word and unit is None and _is_fraction(text, num_start, num_end):
        mention.glued_name = True  # one token with its other side, as a URL's digits are
        mention.flags.append("fraction")
    elif not word and sign is None and _after_equals(text, start) and _SETTING_LEFT.search(text, max(0, start - 14), start):
        mention.glued_name = True  # "n=1": the value of a symbol, not a measured result
        mention.flags.append("setting")
    if not word and _in_url(text, num_start):
        mention.glued_name = True  # digits of a URL are part of a name
        mention.flags.append("url")
    if not word and (_BROKEN_AFTER.match(text, num_end) or (
            text.startswith(".", num_start) and _BROKEN_BEFORE.search(text, max(0, num_start - 2), num_start))):
        mention.flags.append("broken")  # "2 .03%": a decimal split by a stray space; neither side is the value
    return mention



def _maybe_space(c: str) -> bool:
    """c may be a regex `\\s`: it is not an ASCII character that is no space
    (`str.isspace` holds for every ASCII `\\s`; other characters are let through)."""
    return c != "" and (not c.isascii() or c.isspace())


def _x_before(text: str, num_start: int) -> bool:
    """The number is the right side of a "2560x2048" shape."""
    c = text[num_start - 1:num_start]
    if c != "x" and not c.isspace():
        return False  # then the text before, right-stripped, cannot end with "x"
    before = text[max(0, num_start - 12):num_start]
    return before.rstrip().endswith("x") and _X_BEFORE.search(before) is not None


def _after_capitalized_word(text: str, start: int) -> bool:
    """A necessary condition for `_VERSION_LEFT` (a capitalized word and one space
    before the number): one space, then ASCII letters that begin with a capital."""
    c = text[start - 1:start]
    if c == "\n" or (c and not c.isascii()):
        return True  # "$" also matches before a final newline; a non-ASCII space: let the regex decide
    if not c.isspace():
        return False
    lo, j = max(0, start - 30), start - 1
    while j > lo and text[j - 1] in _ASCII_LETTERS:
        j -= 1
    return j < start - 1 and "A" <= text[j] <= "Z"


def _after_equals(text: str, start: int) -> bool:
    """A necessary condition for `_SETTING_LEFT`: "=" and at most one space before the number."""
    c = text[start - 1:start]
    return c in ("=", "\n") or (_maybe_space(c) and text[start - 2:start - 1] == "=")


def _as_int(digits: str) -> int | None:
    """The digits as an int, or None when `int()` cannot read them.

    `regex`'s `\\d` follows a newer Unicode than Python's `int()` (digits such as
    U+10D40 match but do not convert), and "2019-.5" gives the two characters ".5":
    neither may abort the run, and neither is the second year of a "2013-14".
    """
    if not digits.isdecimal():
        return None
    try:
        return int(digits)
    except ValueError:
        return None


def _is_fraction(text: str, ns: int, ne: int) -> bool:
    """The digits at ns:ne are a side of an integer fraction: a constant ("ε =
    8/255"), a share ("only 1/6 of the error", "1/5 of the parameters") or a pair
    of values ("0/1 weights"). The guide counts no fraction written a/b."""
    lo, hi = max(0, ns - 5), min(len(text), ne + 6)
    if text.find("/", lo, hi) < 0:
        return False  # no fraction without its slash
    f = _FRACTION.search(text, lo, hi)
    if f is None or not (f.start() <= ns and ne <= f.end()):
        return False
    if f.group(1) == "0" or (int(f.group(1)) < int(f.group(2)) and _OF_AFTER.match(text, f.end())):
        return True
    return f.group(2) == "255" or _FRACTION_LEFT.search(text, max(0, f.start() - 10), f.start()) is not None



def _in_url(text: str, pos: int) -> bool:
    """pos lies in a whitespace-delimited token that is a URL ("https://...", "www.")."""
    window = max(0, pos - 2000)  # bounded: a long run without spaces costs no more than this
    space = text.rfind(" ", window, pos)
    start = space + 1 if space >= 0 else window
    # the shortest URL starts, "www." and "a://", have four characters
    return pos - start >= 4 and _URL_START.match(text, start, pos) is not None


def _is_spread(text: str, prev: NumberMention, cur: NumberMention) -> bool:
    """`cur` is the ± part of `prev` ("95.8 ± 1.2", "95.8±1.2%")."""
    if cur.sign == "±" and text[prev.end:cur.start].strip() == "":
        if cur.unit and prev.unit is None:
            prev.unit, prev.unit_family = cur.unit, cur.unit_family
        return True
    return False


def _link_groups(text: str, mentions: list[NumberMention]) -> None:
    """Mark ranges ("3.36% to 7.21%", "10-100x") and lists ("12.10, 6.51, and 2.85")."""
    next_id = 0
    for a, b in zip(mentions, mentions[1:]):
        if b.start - a.end > _MAX_LIST_GAP:
            continue  # too far apart for either separator
        gap = text[a.end:b.start]
        if not gap and b.sign == "~" and b.text.startswith("~"):
            # "3.72%~6.68%": a "~" glued to the number before joins a range; it is no "about"
            b.sign, b.start, b.text, gap = None, b.start + 1, b.text[1:], "~"
        if len(gap) <= _MAX_RANGE_GAP and _RANGE_SEP.fullmatch(gap) and not (a.glued_name or b.glued_name):
            # "10-100x": the first side borrows the unit of the second
            if a.unit is None and b.unit is not None and gap.strip() in ("-", "to", "~"):
                a.unit, a.unit_family = b.unit, b.unit_family
            if a.range_id is None:
                a.range_id = next_id
                next_id += 1
            b.range_id = a.range_id
        elif _LIST_SEP.fullmatch(gap) and (a.unit == b.unit or b.unit is None or a.unit is None):
            if a.list_id is None:
                a.list_id = next_id
                next_id += 1
            b.list_id = a.list_id
