"""Field mapping and value cleaning shared by the record readers.

A record (a JSON object, a CSV row, a Parquet row) names its fields in its own
way; `FieldMap` says which key holds our title, abstract, id, date and url, and
`paper_from_record` turns the raw values into a `Paper` with cleaned text, an
ISO date and a url. Everything here is per record and cheap, because the arXiv
snapshot has 2.7M of them.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from extractor.sources.errors import InputError
from extractor.sources.paper import Paper, title_id

FIELDS = ("title", "abstract", "id", "date", "url")

# Where each field is looked for when the caller gives no mapping, first
# non-empty wins. "published" comes from the arXiv API and Hugging Face dumps;
# the arXiv metadata snapshot has "update_date" (and "versions", see below).
DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract", "summary"),
    "id": ("id", "paper_id", "arxiv_id"),
    "date": ("published", "update_date", "date", "publishedAt"),
    "url": ("url",),
}

# Hugging Face's daily-papers API nests the arXiv metadata (id, summary,
# publishedAt) under "paper"; fields missing at the top are looked for there.
NESTED_KEY = "paper"

# The arXiv snapshot's "update_date" is the last revision; the first version's
# "created" stamp is the publication date, so it outranks update_date.
VERSIONS_KEY = "versions"

_ARXIV_NEW = re.compile(r"\d{4}\.\d{4,5}(?:v\d+)?")          # 2101.00001, 0704.0001v2
_ARXIV_OLD = re.compile(r"[A-Za-z][A-Za-z.\-]*/\d{7}(?:v\d+)?")  # hep-th/9901001, math.GT/0309136
_ARXIV_PREFIX = re.compile(r"(?i)^arxiv:\s*")

_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
# Date spellings seen in paper metadata; month names are matched by hand rather
# than with strptime("%b") so that the result does not depend on the locale.
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")                         # 2008-11-13[T...]
_SLASHED = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")                     # 2008/11/13
_DAY_MONTH_YEAR = re.compile(r"(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


class FieldMap:
    """Which input keys hold which of our fields, candidates in order."""

    def __init__(self, columns: Mapping[str, str] | None, path: str):
        columns = dict(columns or {})
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise InputError(path, f"unknown field(s) {', '.join(unknown)} in the column mapping "
                             f"(known: {', '.join(FIELDS)})", reason="bad column mapping")
        self.keys = {f: (columns[f],) if f in columns else DEFAULT_KEYS[f] for f in FIELDS}
        self.explicit = frozenset(columns)
        # An explicit date column is taken as given; only the default looks at versions.
        self.use_versions = "date" not in columns

    def lookup(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The raw value of each field in `record` (None where absent or empty).

        "date" is a list of candidates, best first, so that an unparseable
        stamp falls back to the next one instead of losing the date.
        """
        out = {f: _first(record, self.keys[f]) for f in FIELDS}
        nested = record.get(NESTED_KEY)
        if isinstance(nested, Mapping):
            for f in FIELDS:
                if out[f] is None:
                    out[f] = _first(nested, self.keys[f])
            # Dates and versions below: the top level first, then the nested record.
            record = {**nested, **{k: v for k, v in record.items() if v is not None}}
        dates = [record.get(k) for k in self.keys["date"]]
        if self.use_versions and VERSIONS_KEY in record:
            # After "published" (already a v1 date), before "update_date".
            at = 1 if self.keys["date"][:1] == ("published",) else 0
            dates.insert(at, _first_version_date(record[VERSIONS_KEY]))
        out["date"] = dates
        return out

    def resolve_header(self, names: Iterable[str], path: str) -> "FieldMap":
        """For a table with a header: a FieldMap naming the actual columns.

        Raises InputError when no title or no abstract column is found, since a
        whole table of papers without either is a wrong mapping, not data; and
        when a column the caller named is not there (a typo, most likely).
        """
        names = list(names)
        folded = {}
        for n in names:
            folded.setdefault(str(n).strip().casefold(), n)
        resolved = FieldMap(None, path)
        for f in FIELDS:
            hits = [n for n in self.keys[f] if n in names]
            hits += [folded[k.casefold()] for k in self.keys[f]
                     if k not in names and k.casefold() in folded]
            if not hits and (f in ("title", "abstract") or f in self.explicit):
                wanted = " or ".join(repr(k) for k in self.keys[f])
                raise InputError(path, f"no {f} column: looked for {wanted} among "
                                 f"{', '.join(map(repr, names)) or 'no columns'}", line=1,
                                 reason="missing column")
            resolved.keys[f] = tuple(dict.fromkeys(hits))
        resolved.use_versions = self.use_versions and VERSIONS_KEY in names
        return resolved

    def wanted_columns(self) -> list[str]:
        """The columns to read from a table (after `resolve_header`)."""
        cols = [k for f in FIELDS for k in self.keys[f]]
        if self.use_versions:
            cols.append(VERSIONS_KEY)
        return list(dict.fromkeys(cols))

    def missing_title_message(self, record: Mapping[str, Any]) -> str:
        keys = ", ".join(map(str, list(record)[:12])) or "none"
        wanted = " or ".join(repr(k) for k in self.keys["title"])
        return f"record has no title (looked for {wanted}; keys: {keys})"


def _first(record: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value is not None and value != "" and not _is_nan(value):
            return value
    return None


def _is_nan(value: Any) -> bool:
    # pandas-written tables use NaN for missing text.
    return isinstance(value, float) and value != value


def _first_version_date(versions: Any) -> Any:
    """The "created" stamp of v1 in an arXiv snapshot "versions" list."""
    if not isinstance(versions, (list, tuple)) or not versions:
        return None
    for v in versions:
        if isinstance(v, Mapping) and v.get("version") == "v1":
            return v.get("created")
    first = versions[0]
    return first.get("created") if isinstance(first, Mapping) else None


def clean_text(value: Any) -> str | None:
    """Strip and collapse whitespace runs (arXiv abstracts carry hard line wraps).

    Nothing else is changed: the extractor reports character spans into this text.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(type(value).__name__)
    text = str(value)
    if not _is_clean(text):
        text = " ".join(text.split())
    return text or None


_ASCII_SPACES_BUT_SPACE = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.split() also splits on in ASCII


def _is_clean(text: str) -> bool:
    """Would `" ".join(text.split())` give `text` back? Answered for ASCII text by a
    few scans in C, about a third of the split and join's cost (most metadata is
    clean: single spaces, no wraps); anything else takes the split."""
    return (text.isascii() and "  " not in text and not text.startswith(" ") and not text.endswith(" ")
            and not any(c in text for c in _ASCII_SPACES_BUT_SPACE))


def _a_value(value: Any, type_name: str) -> str:
    """How a message names a value of the wrong type: "a list", "a boolean"..."""
    names = {list: "a list", tuple: "a list", dict: "an object", bool: "a boolean", bytes: "binary data"}
    return names.get(type(value), f"a {type_name}")


def _has_surrogate(text: str) -> bool:
    """A lone surrogate (JSON allows "\\ud800"): not Unicode text, and no UTF-8
    writer, Parquet's included, accepts it. ASCII, the common case, is one check."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def iso_date(value: Any) -> str | None:
    """YYYY-MM-DD from the date spellings found in paper metadata, else None."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    s = value.strip()
    for pattern, order in ((_ISO, "ymd"), (_SLASHED, "ymd"),
                           (_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        m = pattern.match(s)
        if m:
            parts = dict(zip(order, m.groups()))
            month = parts["m"]
            month = int(month) if month.isdigit() else _MONTHS.get(month[:3].lower())
            try:
                return dt.date(int(parts["y"]), month or 0, int(parts["d"])).isoformat()
            except ValueError:
                return None
    return None


def arxiv_url(paper_id: str) -> str | None:
    """The abstract page of an arXiv id (old or new style), else None."""
    bare = _ARXIV_PREFIX.sub("", paper_id)
    if _ARXIV_NEW.fullmatch(bare) or _ARXIV_OLD.fullmatch(bare):
        return f"https://arxiv.org/abs/{bare}"
    return None


def paper_from_record(record: Mapping[str, Any], fields: FieldMap, source: str,
                      path: str, line: int) -> Paper | InputError:
    """A Paper, or the InputError that says why this record is not one."""
    raw = fields.lookup(record)
    cleaned = {}
    for name in ("title", "abstract", "url"):
        try:
            cleaned[name] = clean_text(raw[name])
        except TypeError as e:
            return InputError(path, f"the {name} is {_a_value(raw[name], str(e))}, not text", line=line,
                              reason="bad field")
    title, abstract, url = cleaned["title"], cleaned["abstract"], cleaned["url"]
    if title is None:
        return InputError(path, fields.missing_title_message(record), line=line, reason="no title")
    pid = raw["id"]
    pid = " ".join(str(pid).split()) if pid is not None and not isinstance(pid, (dict, list)) else ""
    for name, text in (("title", title), ("abstract", abstract), ("id", pid), ("url", url)):
        if text and _has_surrogate(text):
            return InputError(path, f"the {name} holds a lone surrogate (an escape such as \\ud800 that is not "
                              "a character), not Unicode text", line=line, reason="not unicode")
    return Paper(
        paper_id=pid or title_id(title),
        title=title,
        abstract=abstract,
        source=source,
        published=next(filter(None, map(iso_date, raw["date"])), None),
        url=url or (arxiv_url(pid) if pid else None),
        location=f"{path}:{line}",
    )
