"""The Python API: extraction from a string or a DataFrame, no files involved.

    import extractor
    results = extractor.extract_text("Our model reaches 64.2 AP on COCO.", title="X")
    frame = extractor.extract_frame(df)          # one row per result, the table's schema

The same engine and rules as `lbx extract`: `extract_frame(df)` equals
`pd.read_parquet` of what `lbx extract` writes for the same papers (same
columns, same dtypes), apart from `source`, which names the DataFrame.

Rules load once per process (about a second for the built-in ones) and are
cached per set of rule packs, so calling `extract_text` in a loop costs the
extraction only.
"""
from __future__ import annotations

import functools
import math
import os
from typing import TYPE_CHECKING, Sequence

from extractor.extract import extract_paper
from extractor.result import Result
from extractor.sources.paper import Paper, title_id

if TYPE_CHECKING:
    import pandas as pd

    from extractor.rules.loader import RuleSet

SOURCE = "python"  # the `source` of rows from the API: no reader, no file


@functools.lru_cache(maxsize=8)
def _load(packs: tuple[str, ...]) -> "RuleSet":
    from extractor.rules.loader import load_rules

    return load_rules(extra_dirs=list(packs))


def rules(packs: str | os.PathLike | Sequence[str | os.PathLike] | None = None) -> "RuleSet":
    """The built-in rules plus the rule packs `packs` (a directory, a file, or a
    list of them, as `lbx extract --rules`), loaded once per process."""
    if packs is None:
        packs = ()
    elif isinstance(packs, (str, os.PathLike)):
        packs = (packs,)
    return _load(tuple(os.path.abspath(os.fspath(p)) for p in packs))


def _ruleset(given) -> "RuleSet":
    from extractor.rules.loader import RuleSet

    return given if isinstance(given, RuleSet) else rules(given)


def extract_text(abstract: str, title: str = "", rules=None, *, paper_id: str | None = None,
                 published: str | None = None, url: str | None = None) -> list[Result]:
    """Every reported result in `abstract`, as `Result` records (the fields of a
    table row; `abstract[r.start:r.end] == r.value_text`).

    `title` helps name the paper's method and gives the id (`t:` + a hash of the
    normalized title, as the readers make) when `paper_id` is not given.
    `rules`: None for the built-in rules, a rule-pack path or list of paths to
    add, or a `RuleSet` from `extractor.rules.loader.load_rules`."""
    if not isinstance(abstract, str):
        raise TypeError(f"abstract must be a str, not {type(abstract).__name__}")
    from extractor.sources.columns import arxiv_url

    title = title or ""
    paper_id = paper_id or title_id(title or abstract)
    paper = Paper(paper_id=paper_id, title=title, abstract=abstract, source=SOURCE, published=published,
                  url=url or arxiv_url(paper_id))  # the link a reader gives an arXiv id
    return extract_paper(paper, _ruleset(rules))


def _text(value) -> str | None:
    """A DataFrame cell as text: None for a missing value (None, NaN, pd.NA, NaT)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def _date(value) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if hasattr(value, "date"):  # a Timestamp or datetime
        return value.date().isoformat()
    return text[:10]


def extract_frame(df: "pd.DataFrame", title_col: str = "title", abstract_col: str = "abstract",
                  id_col: str | None = None, *, date_col: str | None = None, url_col: str | None = None,
                  rules=None) -> "pd.DataFrame":
    """One row per result of every abstract in `df`, in the table's schema with
    the dtypes `pd.read_parquet` gives for an `lbx extract` output. Rows without
    an abstract (missing or empty) give no results; the engine reads an abstract's
    first 100,000 characters, as in `lbx extract`. `id_col` names the
    paper ids (else the title's hash, as the readers make); `date_col` and
    `url_col` fill `published` and `url`."""
    from extractor.table import results_to_table, table_to_frame

    for name in (title_col, abstract_col, id_col, date_col, url_col):
        if name is not None and name not in df.columns:
            raise KeyError(f"no column {name!r} in the DataFrame (columns: {', '.join(map(str, df.columns))})")
    ruleset = _ruleset(rules)
    found: list[Result] = []
    cols = [c for c in (title_col, abstract_col, id_col, date_col, url_col)]
    for values in zip(*(df[c] if c is not None else [None] * len(df) for c in cols)):
        title, abstract, pid, date, url = values
        abstract = _text(abstract)
        if not abstract:
            continue
        title = _text(title) or ""
        found += extract_text(abstract, title, ruleset, paper_id=_text(pid),
                              published=_date(date), url=_text(url))
    return table_to_frame(results_to_table(found))
