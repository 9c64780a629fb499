"""The only place where the dashboard builds HTML, always from escaped pieces.

Everything in a results table that came from a paper (evidence sentences,
titles, method names, value surfaces) is untrusted text: an abstract may hold
`<script>`, an `<img onerror=...>`, Markdown links or `$...$` LaTeX. The views
therefore never hand such text to `st.markdown`; they either use components
that show raw text (`st.dataframe`, `st.text`, selectbox options) or HTML
built here, where every piece of text goes through `html.escape` and the only
tags are the few this module writes itself. Links are emitted only for
http(s) URLs, so a `javascript:` url from a source cannot become a link.
"""
from __future__ import annotations

import html
import math
import re
from urllib.parse import quote, urlencode, urlsplit

# Same shapes as arXiv's identifiers: 2401.01234(v2) and the old archive/0701234.
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_NUMBER = re.compile(r"[-+−]?\d[\d,]*(?:\.\d+)?")

# Page-wide styles for the HTML blocks below (st.html is not iframed, so one
# <style> block applies to all of them).
STYLE = """<style>
.lbx-rank { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
.lbx-rank th, .lbx-rank td { border-bottom: 1px solid rgba(128,128,128,.3); padding: .35rem .5rem;
  text-align: left; vertical-align: top; }
.lbx-rank td.num { text-align: right; white-space: nowrap; }
.lbx-ev mark, .lbx-rank mark { background: #ffe066; color: #000; padding: 0 .1em; border-radius: 2px; }
.lbx-claim { display: inline-block; margin: 0 .25rem .25rem 0; padding: 0 .35rem; border-radius: .6rem;
  background: rgba(64,128,255,.15); white-space: nowrap; }
.lbx-muted { opacity: .65; font-size: .85em; }
.lbx-setting { font-size: .7em; padding: .1rem .45rem; border-radius: .6rem; background: rgba(255,160,0,.2);
  vertical-align: middle; }
.lbx-note { font-size: .8em; color: #b35900; }
.lbx-paper h4 { margin: .2rem 0; }
.lbx-ev { margin: .3rem 0 .6rem 0; }
</style>"""


def esc(value) -> str:
    """Escaped text of any cell value; missing values (None, NaN, NA) become ''."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN, pd.NA raises TypeError below
            return ""
    except TypeError:
        return ""
    if isinstance(value, float) and math.isinf(value):
        return html.escape(str(value))
    return html.escape(str(value), quote=True)


def md_escape(text) -> str:
    """Text for a Streamlit call that reads Markdown (st.error, st.info...):
    every ASCII punctuation character backslash-escaped, as CommonMark allows,
    so that no link, emphasis, HTML or `$` math is interpreted."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text))


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA
        return True


def paper_url(paper_id, url=None) -> str | None:
    """The paper's link: its own http(s) url, else arXiv's page for an arXiv id."""
    if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    if isinstance(paper_id, str):
        pid = paper_id[6:] if paper_id.lower().startswith("arxiv:") else paper_id
        if _ARXIV_ID.match(pid):
            return f"https://arxiv.org/abs/{pid}"
    return None


def link(text, url) -> str:
    """`text` escaped, as a link when `url` is an http(s) URL."""
    label = esc(text)
    if not isinstance(url, str) or urlsplit(url).scheme.lower() not in ("http", "https"):
        return label
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a>'


def paper_view_href(paper_id: str) -> str:
    """Relative link that opens the paper view of this dashboard (a shareable URL)."""
    return html.escape("?view=paper&paper=" + quote(str(paper_id), safe=""), quote=True)


def board_href(view: str, dataset: str, metric: str, setting: str = "") -> str:
    """Relative link to a benchmark's board in another view (leaderboard, charts)."""
    params = {"view": view, "dataset": dataset, "metric": metric, **({"setting": setting} if setting else {})}
    return html.escape("?" + urlencode(params), quote=True)


def locate(evidence: str, value_text, value=None) -> tuple[int, int] | None:
    """Span of the number inside its evidence sentence.

    Rows store the number's span in the abstract, which the table does not
    keep, so the number is found again in the sentence: the exact surface
    first, not inside a longer number ('4.2' is not found in '64.2'), then its
    bare digits. The first occurrence wins when a sentence repeats it.
    """
    if not isinstance(evidence, str) or not evidence:
        return None
    candidates = []
    if isinstance(value_text, str) and value_text.strip():
        candidates.append(value_text.strip())
        m = _NUMBER.search(value_text)
        if m:
            candidates.append(m.group(0).lstrip("+"))
    if not is_missing(value):
        try:
            v = float(value)
            candidates.append(f"{v:g}")
        except (TypeError, ValueError):
            pass
    for text in candidates:
        pattern = r"(?<![\d.])" + re.escape(text) + (r"(?![\d])" if text[-1].isdigit() else "")
        m = re.search(pattern, evidence)
        if m:
            return m.start(), m.end()
    return None


def highlight(evidence, value_text, value=None) -> str:
    """The evidence sentence as escaped HTML, with its number inside <mark>."""
    if is_missing(evidence):
        return ""
    evidence = str(evidence)
    span = locate(evidence, value_text, value)
    if span is None:
        return esc(evidence)
    s, e = span
    return f"{esc(evidence[:s])}<mark>{esc(evidence[s:e])}</mark>{esc(evidence[e:])}"


def value_with_unit(value, unit, value_text=None) -> str:
    """'64.2 AP' / '3.1 %' as plain text: the printed surface where there is one."""
    if isinstance(value_text, str) and value_text.strip():
        return value_text.strip()
    if is_missing(value):
        return ""
    number = f"{float(value):g}"
    return f"{number} {unit}" if isinstance(unit, str) and unit else number


def date_text(value) -> str:
    if is_missing(value):
        return ""
    return str(value)[:10]
