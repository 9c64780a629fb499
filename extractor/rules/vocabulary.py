"""The attach step's word lists, from `attach.yaml` (and rule packs), ready to use.

Each entry of a `words:` file names the vocabulary it joins (`use`); entries
with the same use add up, so a rule pack extends a list by adding an entry and
replaces one by reusing its id. The engine reads the lists only through a
`Vocabulary`, which the loader builds once per rule set.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import regex

USES = ("known_models", "organizations", "generic_acronyms", "closed_class", "reference_words",
        "task_tails", "change_nouns", "not_dataset_heads")


def _alternation(words) -> str:
    """Longest first, so "state of the art" wins over "state"; spaces and hyphens alike."""
    parts = sorted(set(words), key=len, reverse=True)
    return "|".join(regex.escape(w).replace(r"\ ", r"[\s-]").replace(r"\-", r"[\s-]") for w in parts) or "(?!)"


@dataclass(frozen=True)
class Vocabulary:
    known_models: frozenset[str] = frozenset()
    organizations: frozenset[str] = frozenset()
    generic_acronyms: frozenset[str] = frozenset()
    closed_class: frozenset[str] = frozenset()
    reference_words: frozenset[str] = frozenset()
    task_tails: frozenset[str] = frozenset()
    change_nouns: frozenset[str] = frozenset()
    not_dataset_heads: frozenset[str] = frozenset()
    # compiled from the lists above (see `build`)
    task_tail: regex.Pattern = field(default=None, compare=False)  # a long form ending in a task word, then "("
    reference_start: regex.Pattern = field(default=None, compare=False)  # a word naming an unnamed reference
    not_dataset_next: regex.Pattern = field(default=None, compare=False)  # "model", "GPUs"... after a name
    sources: dict = field(default_factory=dict, compare=False)  # word -> id of the entry that lists it

    @cached_property
    def not_names(self) -> frozenset[str]:
        """Tokens that are never a method's or a data set's name. Built once: the
        attach step asks about every name-like token, and the union of three
        lists of hundreds of words costs more than the look-up."""
        return self.known_models | self.organizations | self.generic_acronyms

    def source_of(self, word: str) -> str | None:
        """The id of the entry that lists `word`, for `lbx rules explain`."""
        return self.sources.get(word)


def build(entries) -> Vocabulary:
    lists: dict[str, set[str]] = {use: set() for use in USES}
    sources: dict[str, str] = {}
    for entry in entries:
        lists[entry["use"]].update(entry["words"])
        for w in entry["words"]:
            sources.setdefault(w, entry["id"])
    lower = {use: {w.lower() for w in lists[use]} for use in ("closed_class", "change_nouns")}
    return Vocabulary(
        known_models=frozenset(lists["known_models"]), organizations=frozenset(lists["organizations"]),
        generic_acronyms=frozenset(lists["generic_acronyms"]), closed_class=frozenset(lower["closed_class"]),
        reference_words=frozenset(lists["reference_words"]), task_tails=frozenset(lists["task_tails"]),
        change_nouns=frozenset(lower["change_nouns"]), not_dataset_heads=frozenset(lists["not_dataset_heads"]),
        task_tail=regex.compile(rf"\b(?:{_alternation(lists['task_tails'])})\s*\($", regex.IGNORECASE),
        reference_start=regex.compile(
            rf"(?<![\w-])(?<!\b(?:our|Our|we|We)\s+)(?:{_alternation(lists['reference_words'])})(?![\w-])",
            regex.IGNORECASE),
        not_dataset_next=regex.compile(rf"[\s-]+(?:{_alternation(lists['not_dataset_heads'])})\b", regex.IGNORECASE),
        sources=sources)
