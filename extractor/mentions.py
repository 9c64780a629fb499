"""The metric and dataset names of one abstract, found in one pass.

The abstract is tokenized once and each lexicon runs once over all its words;
a sentence then takes its mentions from that result by position (two
bisections) instead of tokenizing and looking up its words again. The first
pass of the engine asks for a sentence's names only where a number survives
the grammar, the second pass for the whole abstract: both read this one result.

A sentence's slice is what a look-up of the sentence alone would find, as long
as no word and no mention straddles its bounds: then the words inside are the
same and no longest match can run past the end. Where one does (a sentence cut
inside a run of text without a space, which the splitter does not do, or a
mention that would run on across the boundary), that sentence is looked up on
its own, so the output never depends on which way the names were found.
"""
from __future__ import annotations

import bisect

from extractor.rules.lexicon import Lexicon, Mention, Tokens, tokenize


class AbstractMentions:
    """Tokens and lexicon mentions of a whole text, sliced per sentence."""

    __slots__ = ("text", "tokens", "_metrics", "_datasets", "_lexicons")

    def __init__(self, text: str, metrics: Lexicon, datasets: Lexicon):
        self.text = text
        self.tokens: Tokens = tokenize(text)
        self._lexicons = (metrics, datasets)
        self._metrics = _Found(metrics.find(text, tokens=self.tokens))
        self._datasets = _Found(datasets.find(text, tokens=self.tokens))

    @property
    def metrics(self) -> list[Mention]:
        return self._metrics.mentions

    @property
    def datasets(self) -> list[Mention]:
        """Lexicon datasets only (names by shape or by phrase are the caller's)."""
        return self._datasets.mentions

    def in_sentence(self, start: int, end: int) -> tuple[list[Mention], list[Mention]]:
        """(metrics, lexicon datasets) of text[start:end], as a look-up of that span alone finds them."""
        if self._straddles(start) or self._straddles(end) or self._metrics.crosses(start, end) \
                or self._datasets.crosses(start, end):
            words = tokenize(self.text, start, end)
            metrics, datasets = self._lexicons
            return metrics.find(self.text, start, end, words), datasets.find(self.text, start, end, words)
        return self._metrics.between(start, end), self._datasets.between(start, end)

    def _straddles(self, pos: int) -> bool:
        """A word of the text begins before `pos` and ends after it."""
        starts, spans = self.tokens.starts, self.tokens.spans
        i = bisect.bisect_left(starts, pos) - 1
        return i >= 0 and spans[i][1] > pos


class LazyMentions:
    """An abstract's `AbstractMentions`, made when a sentence first asks for its
    names: most abstracts never do (no number of theirs survives the grammar)."""

    __slots__ = ("_text", "_lexicons", "_found")

    def __init__(self, text: str, metrics: Lexicon, datasets: Lexicon):
        self._text, self._lexicons, self._found = text, (metrics, datasets), None

    def get(self) -> AbstractMentions:
        if self._found is None:
            self._found = AbstractMentions(self._text, *self._lexicons)
        return self._found


class _Found:
    """Mentions in text order, with their starts for bisection."""

    __slots__ = ("mentions", "_starts", "_longest")

    def __init__(self, mentions: list[Mention]):
        self.mentions = mentions
        self._starts = [m.start for m in mentions]
        self._longest = max((m.end - m.start for m in mentions), default=0)

    def between(self, start: int, end: int) -> list[Mention]:
        lo, hi = bisect.bisect_left(self._starts, start), bisect.bisect_left(self._starts, end)
        return self.mentions[lo:hi]

    def crosses(self, start: int, end: int) -> bool:
        """Some mention overlaps a bound of [start, end) without lying inside it."""
        ms, starts = self.mentions, self._starts
        for pos in (start, end):
            i = bisect.bisect_left(starts, pos - self._longest)
            while i < len(ms) and ms[i].start < pos:
                if ms[i].end > pos:
                    return True
                i += 1
        return False
