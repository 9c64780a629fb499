"""Metric and dataset lexicons: names, aliases and what is known about each.

An alias is matched on word boundaries; a space or hyphen inside it also matches
a space, a hyphen or nothing ("top-1 accuracy", "top1 accuracy"). Where two
aliases start at the same place the longest wins, so "box AP" beats "AP" and
"CIFAR-100" beats "CIFAR-10".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import regex

_SEP = regex.compile(r"[\s\-]+")


@dataclass(frozen=True, slots=True)
class Entry:
    """One metric or dataset. `info` holds the rest of its rule (direction, task...)."""

    id: str
    name: str
    kind: str  # "metric" or "dataset"
    source: str  # file the entry came from
    info: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Mention:
    entry: Entry
    start: int
    end: int
    text: str


def alias_pattern(alias: str, plural: bool = False) -> str:
    """Regex for one alias: flexible inner separators, hard outer boundaries, and
    for case-insensitive word aliases an optional plural ("error rates")."""
    pieces = [regex.escape(p) for p in _SEP.split(alias.strip()) if p]
    body = r"[\s\-]?".join(pieces)
    if plural and alias[-1:].isalpha() and alias[-1:].islower():
        body += "(?:s|es)?"
    return rf"(?<![\p{{L}}\p{{N}}]){body}(?![\p{{L}}\p{{N}}])"


class Lexicon:
    """All surfaces of a set of entries, compiled into (at most) two regexes."""

    def __init__(self, entries: list[Entry], surfaces: list[tuple[str, Entry, bool]]):
        """`surfaces` is (alias, entry, case_sensitive)."""
        self.entries = {e.id: e for e in entries}
        self._by_key: dict[tuple[str, bool], Entry] = {}
        groups: dict[bool, list[str]] = {True: [], False: []}
        for alias, entry, cs in surfaces:
            key = (_fold(alias, cs), cs)
            self._by_key.setdefault(key, entry)
            groups[cs].append(alias)
        self._regexes = []
        for cs, aliases in groups.items():
            if not aliases:
                continue
            aliases = sorted(set(aliases), key=len, reverse=True)
            pattern = "|".join(alias_pattern(a, plural=not cs) for a in aliases)
            flags = regex.V1 if cs else regex.V1 | regex.IGNORECASE
            self._regexes.append((regex.compile(pattern, flags), cs))

    def find(self, text: str, lo: int = 0, hi: int | None = None) -> list[Mention]:
        """Non-overlapping mentions in text[lo:hi], longest first where they overlap."""
        hi = len(text) if hi is None else hi
        found: list[Mention] = []
        for rx, cs in self._regexes:
            for m in rx.finditer(text, lo, hi, overlapped=False, timeout=2.0):
                entry = self._by_key.get((_fold(m.group(), cs), cs))
                if entry is None and not cs:  # the plural form of an alias
                    entry = self._by_key.get((_fold(regex.sub(r"e?s$", "", m.group()), cs), cs)) or \
                        self._by_key.get((_fold(m.group()[:-1], cs), cs))
                if entry is not None:
                    found.append(Mention(entry, m.start(), m.end(), m.group()))
        found.sort(key=lambda x: (x.start, -(x.end - x.start)))
        kept: list[Mention] = []
        for mention in found:
            if kept and mention.start < kept[-1].end:
                continue
            kept.append(mention)
        return kept


def _fold(alias: str, case_sensitive: bool) -> str:
    key = _SEP.sub("", alias)
    return key if case_sensitive else key.casefold()
