"""The evaluation setting of a result: "5-shot", "linear probe", "semi-supervised;
250 labels", "adversarial (AutoAttack); ε=8/255", "label noise 40%".

Two numbers of one benchmark are comparable only under one setting: a CIFAR-10
accuracy with 250 labels, one under PGD attack and a fully supervised one are
three leaderboards. The cues are rule data (`extractor/rules/settings.yaml`, one
`settings` entry per cue, overridable by rule packs); this module only decides
where a cue counts for a number:

1. in the number's own clause (its sentence cut at ';', ', ', ' and ', ' while ',
   ' whereas ', ' but '): "45.0% in the one-shot setting, and 61.3% in the 5-shot";
2. else anywhere in the sentence, but only from a clause that holds no other
   number of its own: "With 4,000 labels, X reaches 95.7%" gives the 95.7% its
   labels, while in "X reaches 95.1%, and 60.2% with 250 labels" the 250 labels
   belong to the 60.2%, not to the 95.1%.

A result gets at most one setting per `group` (the first rule of the group, in
file order, that matches), joined with "; " in the file's group order.
"""
from __future__ import annotations

import regex

from extractor.rules.safe_regex import static_check

__all__ = ["detect_setting", "compiled_settings"]

REGEX_TIMEOUT = 0.05  # seconds per search: cue regexes come from rule packs
_CLAUSE_CUT = regex.compile(r";|,\s|\s(?:and|while|whereas|but)\s", regex.IGNORECASE)
# A number standing on its own ("4,000", "40%"), not part of a name ("CIFAR-10", "ViT-H/14")
_NUMBER = regex.compile(r"(?<![\w.\-/])\d[\d.,]*(?:\s*%)?(?![\w\-/])")
_WORD_NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "eight": "8",
                 "ten": "10", "sixteen": "16", "twenty": "20", "thirty-two": "32"}
_cache: dict[int, tuple[object, list]] = {}


class _Cue:
    __slots__ = ("id", "group", "regex", "template")

    def __init__(self, item: dict):
        static_check(item["pattern"])  # the loader already refused packs that fail it; cheap to repeat
        self.id, self.group, self.template = item["id"], item["group"], item["setting"]
        self.regex = regex.compile(item["pattern"], regex.IGNORECASE | regex.V0)

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


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in _CLAUSE_CUT.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return out


def _search_all(cue: _Cue, text: str, start: int, end: int):
    try:
        return list(cue.regex.finditer(text, start, end, timeout=REGEX_TIMEOUT))
    except TimeoutError:
        return []


def detect_setting(text: str, sentence_start: int, sentence_end: int, number_start: int, number_end: int,
                   rules) -> str | None:
    """The setting of the number at text[number_start:number_end] in the sentence
    text[sentence_start:sentence_end]; None when no cue applies."""
    cues = compiled_settings(rules)
    if not cues:
        return None
    clauses = _clauses(text, sentence_start, sentence_end)
    own = next(((a, b) for a, b in clauses if a <= number_start < max(b, a + 1)), (sentence_start, sentence_end))
    matches = {cue.id: _search_all(cue, text, sentence_start, sentence_end) for cue in cues}
    covered = [(m.start(), m.end()) for ms in matches.values() for m in ms]

    def lone_clause(a: int, b: int) -> bool:
        """A clause without a number of its own (numbers inside cues, '4,000 labels', do not count)."""
        for n in _NUMBER.finditer(text, a, b):
            if not any(s <= n.start() and n.end() <= e for s, e in covered):
                return False
        return True

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
                    ok = home is not None and home != own and lone_clause(*home)
                if ok:
                    chosen[cue.group] = cue.setting(m)
                    break
    if not chosen:
        return None
    order = list(dict.fromkeys(cue.group for cue in cues))
    return "; ".join(chosen[g] for g in order if g in chosen)
