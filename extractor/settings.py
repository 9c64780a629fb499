"""The evaluation setting of a result: "5-shot", "linear probe", "semi-supervised;
250 labels", "adversarial (AutoAttack); ε=8/255", "label noise 40%".

Two numbers of one benchmark are comparable only under one setting: a CIFAR-10
accuracy with 250 labels, one under PGD attack and a fully supervised one are
three leaderboards. The cues are rule data (`extractor/rules/settings.yaml`, one
`settings` entry per cue, overridable by rule packs); this module only decides
where a cue counts for a number:

1. in the number's own clause (its sentence cut at ';', ', ', ' and ', ' while ',
   ' whereas ', ' but '): "45.0% in the one-shot setting, and 61.3% in the 5-shot";
2. else anywhere in the sentence, from a clause that holds no other number of
   its own ("With 4,000 labels, X reaches 95.7%": the 95.7% has its labels), or
   from after the sentence's last number: a final modifier applies to every
   number before it ("93.6% on CIFAR-10 and 66.4% on CIFAR-100 under 80% label
   noise"), and rows wrongly given a setting go to a board of their own, while
   rows wrongly left without one would mix with the plain board. A cue between
   other numbers ("X reaches 95.1% with 250 labels, and Y 96.0% with 4,000
   labels") stays with its clause, unless it ends the clause joined to the
   number's by "and" ("93.6% on A and 66.4% on B under 80% label noise").
   Numbers in a parenthetical aside do not make a clause their own.

A result gets at most one setting per `group` (the first rule of the group, in
file order, that matches), joined with "; " in the file's group order.
"""
from __future__ import annotations

import regex

from extractor.rules.cues import required_strings
from extractor.rules.safe_regex import static_check

__all__ = ["detect_setting", "compiled_settings", "SentenceSettings"]

REGEX_TIMEOUT = 0.05  # seconds per search: cue regexes come from rule packs
_CLAUSE_CUT = regex.compile(r";|,\s|\s(?:and|while|whereas|but)\s", regex.IGNORECASE)
_PAREN = regex.compile(r"\([^()]{0,400}\)")
# A number standing on its own ("4,000", "40%"), not part of a name ("CIFAR-10", "ViT-H/14")
# nor a LaTeX fraction's part ("${8}/{255}$": a budget, not a result)
_NUMBER = regex.compile(r"(?<![\w.\-/{])\d[\d.,]*(?:\s*%)?(?![\w\-/}])")
_WORD_NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "eight": "8",
                 "ten": "10", "sixteen": "16", "twenty": "20", "thirty-two": "32"}
_cache: dict[int, tuple[object, list]] = {}


class _Cue:
    __slots__ = ("id", "group", "regex", "template", "need")

    def __init__(self, item: dict):
        static_check(item["pattern"])  # the loader already refused packs that fail it; cheap to repeat
        self.id, self.group, self.template = item["id"], item["group"], item["setting"]
        self.regex = regex.compile(item["pattern"], regex.IGNORECASE | regex.V0)
        # words every match contains ("shot", "label"): a sentence without one is not searched
        self.need = required_strings(item["pattern"])

    def setting(self, m) -> str:
        values = {}
        for name, value in m.groupdict().items():
            value = (value or "").strip()
            value = _WORD_NUMBERS.get(value.lower(), value)
            values[name] = value.replace(",", "") if regex.fullmatch(r"\d{1,3}(?:,\d{3})+", value) else value
        out = self.template
        for name, value in values.items():
            out = out.replace("{" + name + "}", value)
        return " ".join(out.split())


def compiled_settings(rules) -> list[_Cue]:
    """The setting cues of a RuleSet, compiled once per RuleSet."""
    hit = _cache.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    cues = [_Cue(item) for item in (getattr(rules, "raw", {}) or {}).get("settings", [])]
    if len(_cache) > 8:
        _cache.clear()
    _cache[id(rules)] = (rules, cues)
    return cues


def _clauses(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], list[str]]:
    """The clauses' spans, and the cut before each ("" for the first)."""
    out, cuts, pos, cut = [], [], start, ""
    for m in _CLAUSE_CUT.finditer(text, start, end):
        out.append((pos, m.start()))
        cuts.append(cut)
        pos, cut = m.end(), m.group().strip().lower()
    out.append((pos, end))
    cuts.append(cut)
    return out, cuts


def _search_all(cue: _Cue, text: str, start: int, end: int, folded: str | None = None):
    """Every match of the cue in text[start:end]; `folded` is that span case-folded,
    for the cue-word test that spares most sentences the regex."""
    if cue.need is not None and folded is not None and not any(w in folded for w in cue.need):
        return []
    try:
        return list(cue.regex.finditer(text, start, end, timeout=REGEX_TIMEOUT))
    except TimeoutError:
        return []


def detect_setting(text: str, sentence_start: int, sentence_end: int, number_start: int, number_end: int,
                   rules) -> str | None:
    """The setting of the number at text[number_start:number_end] in the sentence
    text[sentence_start:sentence_end]; None when no cue applies."""
    return SentenceSettings(text, sentence_start, sentence_end, rules).setting_of(number_start, number_end)


class SentenceSettings:
    """The setting cues of one sentence, searched once: every number of the
    sentence then asks which of them are its own (`setting_of`). Most sentences
    hold no cue at all, and then nothing else is computed."""

    __slots__ = ("text", "start", "end", "cues", "matches", "clauses", "cuts", "asides", "covered", "_numbers")

    def __init__(self, text: str, sentence_start: int, sentence_end: int, rules):
        self.text, self.start, self.end = text, sentence_start, sentence_end
        self.cues = compiled_settings(rules)
        folded = text[sentence_start:sentence_end].casefold()
        folded = folded if len(folded) == sentence_end - sentence_start else None  # else: no prefilter
        self.matches = {cue.id: _search_all(cue, text, sentence_start, sentence_end, folded) for cue in self.cues}
        if not any(self.matches.values()):
            return
        self.clauses, self.cuts = _clauses(text, sentence_start, sentence_end)
        self.asides = [(p.start(), p.end()) for p in _PAREN.finditer(text, sentence_start, sentence_end)]
        self.covered = [(m.start(), m.end()) for ms in self.matches.values() for m in ms]
        self._numbers = self.own_numbers(sentence_start, sentence_end)

    def own_numbers(self, a: int, b: int, cue=None) -> list[int]:
        """Starts of the numbers in text[a:b] that are not inside a cue ('4,000 labels')
        nor, for a cue outside it, inside a parenthetical aside."""
        skip = self.covered + [(s, e) for s, e in self.asides if cue is None or not s <= cue.start() < e]
        return [n.start() for n in _NUMBER.finditer(self.text, a, b)
                if not any(s <= n.start() and n.end() <= e for s, e in skip)]

    def setting_of(self, number_start: int, number_end: int) -> str | None:
        cues, matches = self.cues, self.matches
        if not cues or not any(matches.values()):
            return None
        clauses, cuts, own_numbers = self.clauses, self.cuts, self.own_numbers
        k = next((i for i, (a, b) in enumerate(clauses) if a <= number_start < max(b, a + 1)), 0)
        own = clauses[k]
        # "93.6% on A and 66.4% on B under 80% label noise": the clause joined to the number's by "and"
        joined = clauses[k + 1] if k + 1 < len(clauses) and cuts[k + 1] == "and" else None
        others = [p for p in self._numbers if not number_start <= p < number_end]
        last_number = max([number_start, *others])

        chosen: dict[str, str] = {}
        for pass_ in ("clause", "sentence"):
            for cue in cues:
                if cue.group in chosen:
                    continue
                for m in matches[cue.id]:
                    if number_start < m.end() and m.start() < number_end:
                        continue  # the number is the cue's own value ("40%" of "40% label noise")
                    if pass_ == "clause":
                        ok = own[0] <= m.start() and m.end() <= own[1]
                    else:
                        home = next(((a, b) for a, b in clauses if a <= m.start() < max(b, a + 1)), None)
                        ok = home is not None and home != own and (
                            not own_numbers(*home, cue=m) or m.start() > last_number
                            or (home == joined and m.start() > max(own_numbers(*home, cue=m))))
                    if ok:
                        chosen[cue.group] = cue.setting(m)
                        break
        if not chosen:
            return None
        order = list(dict.fromkeys(cue.group for cue in cues))
        return "; ".join(chosen[g] for g in order if g in chosen)
