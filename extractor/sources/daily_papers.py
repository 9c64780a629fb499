"""Reader for text copies of the Hugging Face "Daily Papers" page.

A copy of the page is a run of lines: page chrome (banners, buttons, dates,
counts), then each paper's title followed by its abstract, one line each. Some
copies put a blank line between lines, some do not, so blank lines carry no
meaning here: each line is classified on its own as chrome, title or abstract
(`is_title_line`), and a paper is a title plus the abstract lines after it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from extractor.sources.columns import iso_date
from extractor.sources.errors import InputError
from extractor.sources.paper import Paper, title_id

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

# Page chrome: whole lines that are part of the page, never of a paper (matched
# case-insensitively against the line with its whitespace collapsed). Add new
# chrome here rather than special-casing it in the reader.
CHROME_PATTERNS: tuple[str, ...] = (
    r"get trending papers in your email inbox( once a day)?!?",
    r"subscribe",
    r"daily papers",
    r"by ak and the research community",
    r"new",
    r"(published|submitted)( on)? " + _MONTH + r" \d{1,2}(, \d{4})?",  # "Published on Mar 14"
    r"(submitted|upvoted) by .{1,80}",                                # "Submitted by akhaliq"
    r"(on )?" + _MONTH + r" \d{1,2}(st|nd|rd|th)?(,? \d{4})?",        # "Mar 14", "Mar 14, 2024"
    r"\d{4}-\d{2}-\d{2}",                                             # "2024-03-14"
    r"[·•]? ?\d+(\.\d+)?k?( (upvotes?|comments?|authors?))?",         # upvote and comment counts
    r"upvotes?|comments?|view arxiv page|view pdf|add to collection",
    r"(previous|next)( day| week| month)?|daily|weekly|monthly",
)
CHROME = re.compile("|".join(f"(?:{p})" for p in CHROME_PATTERNS), re.IGNORECASE)

# Chrome that a copy glues to the next line without a space
# ("SubscribeMastering Atari, ..."). Only taken off when a capital, digit or
# opening quote/bracket follows, so a title like "Subscriber churn" is kept.
GLUED_CHROME = re.compile(r"^(?:Subscribe)(?=[A-Z0-9\"'(\[$\u201c\u2018])")

# A date line with a year dates the papers listed under it.
_PAGE_DATE = re.compile(r"(?:(?:published|submitted)(?: on)? |on )?(" + _MONTH + r" \d{1,2}(?:st|nd|rd|th)?,? \d{4})",
                        re.IGNORECASE)

# Title or abstract? A title is short and does not read as prose; an abstract is
# a paragraph of sentences. In the bundled copies titles run 2-20 words (at most
# 143 characters) and abstracts 66-289 words (at least 498 characters), so the
# thresholds below sit far from both and matter only for unusual lines.
TITLE_MAX_WORDS = 30    # the longest real arXiv titles are about this long
TITLE_MAX_CHARS = 300
PROSE_MIN_WORDS = 8     # a line of this many words ending in a period is a sentence
# A sentence end inside the line: a word of two or more characters (not an
# abbreviation such as "vs." or "et al.") closed by . ! or ?, then a capital.
# Titles rarely hold two sentences; short abstracts do.
_SENTENCE_BREAK = re.compile(r"\w\w(?<!\bvs)(?<!\bal)(?<!\bDr)(?<!\bMr)(?<!\bSt)[.!?][\"')\]]? +[A-Z]")
_ELLIPSIS = ("...", "\u2026")


def is_chrome(line: str) -> bool:
    """Whether a (whitespace-collapsed) line is page chrome."""
    return CHROME.fullmatch(line) is not None


def is_title_line(line: str) -> bool:
    """Whether a non-chrome line is a paper title rather than abstract text.

    A line is an abstract when it is long (more than TITLE_MAX_WORDS words or
    TITLE_MAX_CHARS characters), or when it reads as prose: it ends with a
    period and has PROSE_MIN_WORDS words or more, or it ends with a period
    after a sentence break ("We do X. It works."). Everything else is a title;
    titles ending in "?" or "!" or holding a colon stay titles.
    """
    words = line.split()
    if not words:
        return False
    if len(words) > TITLE_MAX_WORDS or len(line) > TITLE_MAX_CHARS:
        return False
    ends_sentence = line.endswith(".") and not line.endswith(_ELLIPSIS)
    if ends_sentence and (len(words) >= PROSE_MIN_WORDS or _SENTENCE_BREAK.search(line)):
        return False
    return True


def read_daily(lines: Iterable[tuple[int, str]], source: str, path: str) -> Iterator[Paper | InputError]:
    """Papers from a daily-papers page copy, in page order.

    A title followed by another title is a paper with abstract=None, never
    merged into its neighbour. Abstract lines after the first are a
    continuation of the same abstract (joined with a space): a page copy that
    split an abstract is likelier than an abstract without a title. Text
    before the first title is a bad record.
    """
    title = title_line = title_date = None
    parts: list[str] = []
    page_date: str | None = None
    found = 0

    def paper() -> Paper:
        return Paper(paper_id=title_id(title), title=title,
                     abstract=" ".join(parts) or None, source=source,
                     published=title_date, location=f"{path}:{title_line}")

    for line, raw in lines:
        text = " ".join(raw.split())
        if not text:
            continue
        text = GLUED_CHROME.sub("", text)
        if is_chrome(text):
            dated = _PAGE_DATE.fullmatch(text)
            if dated:
                page_date = iso_date(dated.group(1)) or page_date
            continue
        if is_title_line(text):
            if title is not None:
                yield paper()
                found += 1
            title, title_line, title_date, parts = text, line, page_date, []
        elif title is None:
            yield InputError(path, "abstract text with no title before it "
                             f"({text[:40]!r}...); is this a daily-papers page?",
                             line=line, reason="no title")
        else:
            parts.append(text)
    if title is not None:
        yield paper()
        found += 1
    if not found:
        raise InputError(path, "no papers found (only page chrome)", reason="empty")
