"""The unit every reader yields and the engine consumes: one paper."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Paper:
    """A title and its abstract, with where they came from.

    `abstract` is None for a title the source printed without an abstract: such a
    paper is kept (and counted) rather than merged into its neighbour.
    `location` is "file:line" of the record, for messages.
    """

    paper_id: str
    title: str
    abstract: str | None
    source: str
    published: str | None = None  # ISO date (YYYY-MM-DD) where the source gives one
    url: str | None = None
    location: str = ""


def normalize_title(title: str) -> str:
    """Fold case, accents' compatibility forms and punctuation, so that the same
    title printed twice (daily page vs arXiv snapshot) hashes to the same id."""
    t = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"[\W_]+", " ", t).strip()


def title_id(title: str) -> str:
    """Stable id for a paper whose source has none: a hash of the normalized title."""
    digest = hashlib.sha1(normalize_title(title).encode("utf-8")).hexdigest()
    return "t:" + digest[:16]
