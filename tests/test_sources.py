"""The input readers, on the bundled daily-papers copies and on small made-up files."""
from __future__ import annotations

import gzip
import io
import json
import re
import sys
import types
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extractor.sources as sources
from extractor.sources import FORMATS, InputError, read_papers, title_id
from extractor.sources.daily_papers import is_chrome, is_title_line

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
GOLD = ROOT / "data" / "gold"
ABSTRACT = ("We propose a method for the problem at hand and study it in depth. "
            "It reaches 91.5% accuracy on ImageNet, 3.2 points above the baseline, "
            "while training twice as fast as comparable methods on the same hardware.")
SNAPSHOT = {
    "id": "0704.0001", "title": "Calculation of prompt diphoton production\n  at Tevatron and LHC",
    "abstract": "  A fully differential calculation is\npresented.  It works.\n",
    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                 {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}],
    "update_date": "2008-11-13",
}


def norm(title: str) -> str:  # the gold's normalization
    return re.sub(r"[^0-9a-z]+", "", title.lower())


def gold_titles(*names: str) -> list[str]:
    return [norm(json.loads(line)["title"]) for n in names
            for line in (GOLD / f"gold_{n}.jsonl").read_text().splitlines() if line.strip()]


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(p)


def collect(path: str, **kw) -> tuple[list, list[InputError]]:
    bad: list[InputError] = []
    return list(read_papers(path, on_bad=bad.append, **kw)), bad


# --- daily-papers page copies ------------------------------------------------

@pytest.mark.parametrize("name,count,first,line,gold", [
    ("daily_papers_a.txt", 353, "Mastering Atari, Go, Chess and Shogi by Planning with a Learned Model", 3,
     ("D1", "D2")),
    ("daily_papers_b.txt", 111, "Training the Untrainable: Introducing Inductive Bias via Representational Alignment",
     11, ("D3",)),
])
def test_daily_bundled_copies(name, count, first, line, gold):
    papers = list(read_papers(str(SAMPLE / name)))
    assert len(papers) == count
    assert papers[0].title == first  # in copy a, "Subscribe" was glued to it
    assert papers[0].location == f"{SAMPLE / name}:{line}"
    assert papers[0].source == f"daily:{name}"
    assert papers[0].paper_id == title_id(first)
    assert [norm(p.title) for p in papers] == gold_titles(*gold)
    assert all(p.abstract and len(p.abstract.split()) > 50 for p in papers)
    for p in papers:  # no chrome line ever becomes a title
        assert not is_chrome(p.title) and not p.title.startswith("Subscribe")
        assert "trending papers" not in p.title and p.title not in ("new", "Daily Papers")


def test_daily_gold_evidence_lies_in_the_abstracts():
    papers = [p for n in ("a", "b") for p in read_papers(str(SAMPLE / f"daily_papers_{n}.txt"))]
    by_title = {norm(p.title): p.abstract for p in papers}
    for n in ("D1", "D2", "D3"):
        for line in (GOLD / f"gold_{n}.jsonl").read_text().splitlines():
            record = json.loads(line)
            for result in record["results"]:
                assert result["evidence"] in by_title[norm(record["title"])]


def test_daily_title_without_abstract_is_kept_not_merged(tmp_path):
    text = "\n".join(["Daily Papers", "Paper One: A Method", ABSTRACT, "Paper Two Has No Abstract",
                      "Paper Three: Another", ABSTRACT, "Paper Four At The End"])
    papers = list(read_papers(write(tmp_path, "d.txt", text)))
    assert [(p.title, p.abstract) for p in papers] == [
        ("Paper One: A Method", ABSTRACT), ("Paper Two Has No Abstract", None),
        ("Paper Three: Another", ABSTRACT), ("Paper Four At The End", None)]
    assert [p.location.rsplit(":", 1)[1] for p in papers] == ["2", "4", "5", "7"]


def test_daily_blank_separated_with_chrome_and_dates(tmp_path):
    text = ("new\n\nGet trending papers in your email inbox once a day!\n\nSubscribeQ-Learning at Scale\n\n"
            f"{ABSTRACT}\n\nMar 14\n\nSubmitted by akhaliq\n\n42\n\nUpvote\n\nMar 14, 2024\n\n"
            f"Subscriber Churn Prediction with Graphs\n\n{ABSTRACT}\n\n   \n\n{ABSTRACT}\n\nIs It a Title?\n")
    papers = list(read_papers(write(tmp_path, "d.txt", text)))
    assert [p.title for p in papers] == ["Q-Learning at Scale", "Subscriber Churn Prediction with Graphs",
                                         "Is It a Title?"]
    assert [p.published for p in papers] == [None, "2024-03-14", "2024-03-14"]
    # a second abstract paragraph continues the first; a trailing title has no abstract
    assert [p.abstract for p in papers] == [ABSTRACT, f"{ABSTRACT} {ABSTRACT}", None]


def test_daily_text_before_any_title_is_a_bad_record(tmp_path):
    path = write(tmp_path, "d.txt", f"Subscribe\n{ABSTRACT}\nA Title\n{ABSTRACT}\n")
    with pytest.raises(InputError, match=r"d\.txt:2: abstract text with no title") as err:
        list(read_papers(path))
    assert err.value.line == 2 and err.value.reason == "no title"
    papers, bad = collect(path)
    assert [p.title for p in papers] == ["A Title"] and [e.line for e in bad] == [2]


@pytest.mark.parametrize("line,title", [
    ("Mastering Atari, Go, Chess and Shogi by Planning with a Learned Model", True),
    ("Revisiting Transformation Invariant Geometric Deep Learning: Are Initial Representations All You Need?", True),
    ("Don't Stop Pretraining. Adapt Language Models to Domains and Tasks", True),
    ("Look-ups are not (yet) all you need for deep learning inference", True),
    ("Attention Is All You Need...", True),
    (ABSTRACT, False),
    ("We study the problem of learning from very few labelled examples.", False),
    ("We do this. It works.", False),
    ("Mind vs. Machine: A Study.", True),
    ("word " * 31, False),
])
def test_is_title_line(line, title):
    assert is_title_line(line) is title


@pytest.mark.parametrize("line", ["Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
                                  "by AK and the research community", "new", "Mar 14", "Mar 14, 2024",
                                  "Submitted by akhaliq", "42", "· 3 authors", "Published on Jan 2, 2023"])
def test_chrome_lines(line):
    assert is_chrome(line)


# --- record formats ------------------------------------------------------------

def test_jsonl_arxiv_snapshot_record(tmp_path):
    rows = [SNAPSHOT,
            {"id": "hep-th/9901001", "title": "Old style", "abstract": "", "update_date": "1999-01-04"},
            {"id": 42, "title": "Numeric id", "summary": "From summary.", "date": "March 5, 2021",
             "url": "https://example.org/p"},
            {"title": "No id", "abstract": None, "published": "2023-03-14T12:00:00Z"},
            {"title": "Bad date", "abstract": "x", "published": "sometime"},
            {"title": "HF API", "paper": {"id": "2403.00001", "summary": "S.", "publishedAt": "2024-03-01T00:00:00Z"}}]
    path = write(tmp_path, "snap.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    p = list(read_papers(path))
    assert p[0].paper_id == "0704.0001" and p[0].published == "2007-04-02"  # v1, not update_date
    assert p[0].url == "https://arxiv.org/abs/0704.0001"
    assert p[0].title == "Calculation of prompt diphoton production at Tevatron and LHC"
    assert p[0].abstract == "A fully differential calculation is presented. It works."
    assert (p[0].source, p[0].location) == ("jsonl:snap.jsonl", f"{path}:1")
    assert (p[1].url, p[1].published, p[1].abstract) == ("https://arxiv.org/abs/hep-th/9901001", "1999-01-04", None)
    assert (p[2].paper_id, p[2].abstract, p[2].published, p[2].url) == (
        "42", "From summary.", "2021-03-05", "https://example.org/p")
    assert (p[3].paper_id, p[3].published, p[3].url, p[3].abstract) == (title_id("No id"), "2023-03-14", None, None)
    assert p[4].published is None
    assert (p[5].paper_id, p[5].abstract, p[5].published) == ("2403.00001", "S.", "2024-03-01")


def test_jsonl_bad_records_raise_or_are_skipped(tmp_path, monkeypatch):
    text = '{"title": "Good one", "abstract": "a"}\n{"title": \n\n[1, 2]\n{"name": "x"}\n{"title": "Good two"}\n'
    path = write(tmp_path, "r.jsonl", text)
    with pytest.raises(InputError, match=r"r\.jsonl:2: malformed JSON") as err:
        list(read_papers(path))
    assert err.value.reason == "malformed json"
    papers, bad = collect(path)
    assert [p.title for p in papers] == ["Good one", "Good two"]
    assert [(e.line, e.reason) for e in bad] == [(2, "malformed json"), (4, "not an object"), (5, "no title")]
    assert str(bad[2]).startswith(f"{path}:5: record has no title")
    monkeypatch.setattr(sources, "BAD_PREFIX_LIMIT", 3)  # a file that is all bad stops early
    with pytest.raises(InputError, match="first 3 records are all bad") as err:
        collect(write(tmp_path, "all_bad.jsonl", '{"name": "x"}\n' * 5))
    assert err.value.reason == "wrong format"


def test_jsonl_gzip_ndjson_bom_and_crlf(tmp_path):
    body = json.dumps(SNAPSHOT).encode() + b"\r\n" + b'{"title": "Two"}\r\n'
    for name, data in [("a.jsonl.gz", gzip.compress(body)), ("b.ndjson", b"\xef\xbb\xbf" + body)]:
        papers = list(read_papers(write(tmp_path, name, data)))
        assert [p.paper_id for p in papers] == ["0704.0001", title_id("Two")]


def test_json_array_streams_elements_with_their_lines(tmp_path):
    text = json.dumps([SNAPSHOT, {"title": "Second", "abstract": "b"}, "oops"], indent=2)
    papers, bad = collect(write(tmp_path, "a.json", text))
    assert [p.title.split()[0] for p in papers] == ["Calculation", "Second"]
    lines = text.splitlines()
    assert papers[1].location.endswith(f":{next(i for i, l in enumerate(lines, 1) if 'Second' in l) - 1}")
    assert [(e.reason, e.line) for e in bad] == [("not an object", len(lines) - 1)]
    assert list(read_papers(write(tmp_path, "e.json", " [ ] \n"))) == []
    assert len(list(read_papers(write(tmp_path, "l.json", '{"title": "A"}\n{"title": "B"}\n')))) == 2


@pytest.mark.parametrize("text,line", [('[{"title": "A"},\n {"title": "B"\n]\n', 3), ('[{"title": "A"}\n\n', 3),
                                       ('[{"title": "A"}]\nxyz\n', 2), ('[{"title": "A"} {"title": "B"}]', 1),
                                       ('[{"title": "A"},\n{"title": "B', 2)])
def test_json_array_that_is_not_json_raises(tmp_path, text, line):
    path = write(tmp_path, "bad.json", text)
    with pytest.raises(InputError, match="malformed JSON") as err:
        collect(path)  # even with on_bad: the file cannot be resynchronised
    assert (err.value.line, err.value.reason) == (line, "malformed json")
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_csv_custom_columns_multiline_bom_crlf(tmp_path):
    text = ('\ufeffarxiv_id,paper_title,summary,published\r\n2101.00001,First Paper,"Line one\r\n'
            'line two, with comma",2021-01-01\r\n\r\n,Second Paper,,\r\n2101.00003,,no title here,\r\n')
    path = write(tmp_path, "p.csv", text)
    cols = {"title": "paper_title", "abstract": "summary", "id": "arxiv_id", "date": "published"}
    papers, bad = collect(path, columns=cols)
    assert [(p.paper_id, p.title, p.abstract, p.published) for p in papers] == [
        ("2101.00001", "First Paper", "Line one line two, with comma", "2021-01-01"),
        (title_id("Second Paper"), "Second Paper", None, None)]
    assert papers[0].url == "https://arxiv.org/abs/2101.00001" and papers[0].source == "csv:p.csv"
    assert [p.location.rsplit(":", 1)[1] for p in papers] == ["2", "5"]
    assert [(e.line, e.reason) for e in bad] == [(6, "no title")]


def test_csv_header_is_matched_without_case_and_missing_columns_raise(tmp_path):
    papers = list(read_papers(write(tmp_path, "c.csv", "Title,Abstract\nA,b\n")))
    assert [(p.title, p.abstract) for p in papers] == [("A", "b")]
    path = write(tmp_path, "m.csv", "title,body\nA,b\n")
    with pytest.raises(InputError, match=r"m\.csv:1: no abstract column.*'body'") as err:
        list(read_papers(path))
    assert err.value.reason == "missing column"
    with pytest.raises(InputError, match="no id column: looked for 'arxiv'"):  # a named column must exist
        list(read_papers(path, columns={"abstract": "body", "id": "arxiv"}))


def test_parquet(tmp_path):
    path = str(tmp_path / "p.parquet")
    pq.write_table(pa.table({"name": ["P1", "P2", None], "text": ["An abstract.", None, "x"],
                             "arxiv_id": ["2101.00001", None, "1"]}), path, row_group_size=2)
    papers, bad = collect(path, columns={"title": "name", "abstract": "text"})
    assert [(p.paper_id, p.title, p.abstract, p.location) for p in papers] == [
        ("2101.00001", "P1", "An abstract.", f"{path}:1"), (title_id("P2"), "P2", None, f"{path}:2")]
    assert papers[0].source == "parquet:p.parquet"
    assert [(e.line, e.reason) for e in bad] == [(3, "no title")]
    with pytest.raises(InputError, match="no abstract column") as err:
        list(read_papers(path, columns={"title": "name"}))
    assert err.value.reason == "missing column"
    with pytest.raises(InputError, match="not a Parquet file"):
        list(read_papers(write(tmp_path, "x.pq", "title\n")))


def test_stdin(monkeypatch):
    stdin = types.SimpleNamespace(buffer=io.BytesIO(b'{"title": "From stdin", "abstract": "a"}\n'))
    monkeypatch.setattr(sys, "stdin", stdin)
    [paper] = read_papers("-")
    assert (paper.source, paper.location) == ("jsonl:-", "<stdin>:1")
    assert not stdin.buffer.closed
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(f"Daily Papers\nT\n{ABSTRACT}\n".encode())))
    assert [(p.title, p.source) for p in read_papers("-", fmt="daily")] == [("T", "daily:-")]
    table = io.BytesIO()
    pq.write_table(pa.table({"title": ["P"], "abstract": ["A."]}), table)
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(table.getvalue())))
    assert [(p.title, p.location) for p in read_papers("-", fmt="parquet")] == [("P", "<stdin>:1")]


# --- files that cannot be read ------------------------------------------------------

@pytest.mark.parametrize("name,data,reason,message,line", [
    ("empty.jsonl", b"", "empty", "file is empty", None),
    ("bom.csv", b"\xef\xbb\xbf", "empty", "file is empty", None),
    ("blank.txt", b"\n  \r\n\n", "empty", "file is empty", None),
    ("chrome.txt", b"Subscribe\nDaily Papers\nMar 14\n", "empty", "no papers found", None),
    ("bin.jsonl", b'{"title": "x"}\n\x00\x01\x02garbage', "binary", "binary data", 2),
    ("latin1.txt", "A Title\nCaf\u00e9 au lait abstract\n".encode("latin-1"), "not utf-8", "not UTF-8", 2),
    ("utf16.csv", "title\nx\n".encode("utf-16"), "not utf-8", "UTF-16", 1),
])
def test_unreadable_files(tmp_path, name, data, reason, message, line):
    path = write(tmp_path, name, data)
    with pytest.raises(InputError) as err:
        collect(path)
    assert (err.value.reason, err.value.line) == (reason, line)
    assert message in str(err.value)
    assert str(err.value).startswith(path + (f":{line}: " if line else ": "))


def test_latin1_and_truncated_gzip_name_the_line(tmp_path):
    path = write(tmp_path, "l.jsonl", '{"title": "ok"}\n{"title": "na\u00efve"}\n'.encode("latin-1"))
    with pytest.raises(InputError, match=r"l\.jsonl:2: not UTF-8: byte 0xef at column 14"):
        list(read_papers(path))
    data = gzip.compress(b'{"title": "t"}\n' * 50)[:-10]
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz:\d+: read error") as err:
        list(read_papers(write(tmp_path, "cut.jsonl.gz", data)))
    assert err.value.reason == "unreadable"


def test_missing_directory_unknown_extension_and_bad_options(tmp_path):
    cases = [(lambda: read_papers(str(tmp_path / "nope.jsonl")), "no such file"),
             (lambda: read_papers(str(tmp_path), fmt="jsonl"), "is a directory"),
             (lambda: read_papers(write(tmp_path, "x.xlsx", "t")), "cannot tell the format"),
             (lambda: read_papers("x.jsonl", fmt="xml"), "unknown format 'xml'"),
             (lambda: read_papers("x.jsonl", columns={"titel": "t"}), "unknown field")]
    for call, message in cases:
        with pytest.raises(InputError, match=message):
            list(call())


def test_permission_denied(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.jsonl", '{"title": "x"}\n')
    real_open = open  # chmod 0 would not stop root, so refuse the open itself

    def refuse(file, *args, **kwargs):
        if file == path:
            raise PermissionError(13, "Permission denied", file)
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(InputError, match=r"secret\.jsonl: permission denied") as err:
        list(read_papers(path))
    assert err.value.reason == "unreadable"


def test_format_detection():
    assert FORMATS == ("daily", "jsonl", "json", "csv", "parquet")
    assert [sources.format_for(p) for p in ["a.txt", "a.jsonl", "A.NDJSON", "a.json.gz", "a.csv.gz",
                                            "a.parquet", "a.pq", "-"]] == [
        "daily", "jsonl", "jsonl", "json", "csv", "parquet", "parquet", "jsonl"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "\n", "\t", "\r", "\x0b", "\x1f", "\xa0", "\u2009", "\u3000",
                                          "\x85", "\u200b", "a", "B", "é", "1", "."]), max_size=30))
def test_whitespace_cleaning_is_split_and_join_whatever_the_spaces(text):
    """The fast path for clean ASCII text gives what collapsing every whitespace run gives."""
    from extractor.sources.columns import clean_text

    assert clean_text(text) == (" ".join(text.split()) or None)
