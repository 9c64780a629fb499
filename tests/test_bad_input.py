"""The bad-input matrix: each hostile input with the behaviour it must get.

Expected, always: either a clean run, or one error line "lbx: error: FILE[:LINE]:
..." and exit 2; never a traceback, never a hang, never a partial or clobbered
output. With --skip-bad the bad records are counted in the summary instead.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from extractor.cli import cli

GOOD = {"title": "FooDet: Fast Detection", "abstract": "FooDet reaches 64.2 AP on COCO test-dev, 15x faster than DETR."}


def jsonl(*records) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")


# name -> (file name, bytes, expectation); expectation is "ok", or ("error", text the
# one error line must contain), or ("skip", reason counted with --skip-bad).
MATRIX = {
    "empty file": ("empty.jsonl", b"", ("error", "empty")),
    "binary file": ("blob.jsonl", bytes(range(256)) * 64, ("error", "blob.jsonl")),
    "latin-1 file": ("latin1.jsonl", jsonl(GOOD) + '{"title": "Caf\u00e9", "abstract": "r\u00e9sum\u00e9 12% better."}\n'
                     .encode("latin-1"), ("error", ":2")),
    "utf-16 file": ("utf16.jsonl", jsonl(GOOD).decode().encode("utf-16"), ("error", "utf16.jsonl")),
    "bom": ("bom.jsonl", b"\xef\xbb\xbf" + jsonl(GOOD), "ok"),
    "crlf line ends": ("crlf.jsonl", jsonl(GOOD, GOOD).replace(b"\n", b"\r\n"), "ok"),
    "json line cut in half": ("cut.jsonl", jsonl(GOOD) + jsonl(GOOD)[:30] + b"\n" + jsonl(GOOD),
                              ("skip", "malformed json")),
    "record without title": ("notitle.jsonl", jsonl(GOOD, {"abstract": "It gains 12%."}), ("skip", "no title")),
    "record without abstract": ("noabs.jsonl", jsonl(GOOD, {"title": "Only a title"}), "ok"),
    "control characters and rtl": ("ctl.jsonl", jsonl({"title": "T\u202eX", "abstract":
                                   "We\x01 reach\u200f 91.5%\x07 accuracy \u202eon ImageNet\u202c."}), "ok"),
    "5 MB abstract": ("huge.jsonl", jsonl({"title": "Huge", "abstract": "We reach 91.5% accuracy. " * 200_000}), "ok"),
    "100,000-digit number": ("digits.jsonl", jsonl({"title": "D", "abstract": "Accuracy of " + "7" * 100_000 + "%."}),
                             "ok"),
}


def run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.mark.parametrize("case", list(MATRIX))
def test_bad_input_matrix(tmp_path, case):
    name, data, expect = MATRIX[case]
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out.parquet"
    out.write_bytes(b"an earlier good table")  # must survive any failure byte for byte
    result = run(["extract", str(path), "-o", str(out), "--quiet"])
    assert "Traceback" not in result.output
    if expect == "ok":
        assert result.exit_code == 0, result.output
        pq.read_table(out)  # a whole, valid table
    elif expect[0] == "error":
        assert result.exit_code == 2, result.output
        lines = [l for l in result.output.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith("lbx: error: ") and str(path) in lines[0], lines
        assert expect[1] in lines[0], lines
        assert out.read_bytes() == b"an earlier good table"
    else:
        assert result.exit_code == 2 and out.read_bytes() == b"an earlier good table", result.output
        skipped = run(["extract", str(path), "-o", str(out), "--skip-bad"])
        assert skipped.exit_code == 0, skipped.output
        assert expect[1] in skipped.output
        pq.read_table(out)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_parquet_input_with_another_schema(tmp_path):
    pq.write_table(pa.table({"name": ["x"], "text": ["y"]}), tmp_path / "other.parquet")
    result = run(["extract", str(tmp_path / "other.parquet"), "-o", str(tmp_path / "out.parquet")])
    assert result.exit_code == 2 and "no title column" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.parquet").exists()


def test_output_in_a_missing_directory(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(jsonl(GOOD))
    result = run(["extract", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "nope" / "out.parquet")])
    assert result.exit_code == 2 and "lbx: error:" in result.output and "nope" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_output_in_a_read_only_directory(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(jsonl(GOOD))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        result = run(["extract", str(tmp_path / "in.jsonl"), "-o", str(ro / "out.parquet")])
        assert result.exit_code == 2 and "lbx: error:" in result.output
    finally:
        ro.chmod(0o700)


def test_an_over_long_abstract_is_read_in_part_and_counted(tmp_path):
    (tmp_path / "huge.jsonl").write_bytes(jsonl({"title": "Huge", "abstract": "We reach 91.5% accuracy. " * 200_000}))
    result = run(["extract", str(tmp_path / "huge.jsonl"), "-o", str(tmp_path / "out.parquet")])
    assert result.exit_code == 0, result.output
    assert "read 1 abstract in part (longer than 100,000 characters, the rest not read: 1)" in result.output
    # one per sentence within the cut, up to the numbers an abstract is read for (issue 11)
    from extractor.text.numbers import MAX_NUMBERS
    assert pq.read_table(tmp_path / "out.parquet").num_rows == min(4000, MAX_NUMBERS)


def test_an_abstract_with_too_many_numbers_is_read_in_part_and_counted(tmp_path):
    """A table pasted into an abstract: its numbers after the cap are not read, and
    the run says how many papers that happened to (and only to them)."""
    from extractor.text.numbers import MAX_NUMBERS

    table = " ".join(f"Run {i} reaches {50 + i / 100:.2f}% accuracy." for i in range(MAX_NUMBERS + 100))
    papers = [{"id": "dump", "title": "A table dump", "abstract": table},
              {"id": "fine", "title": "A normal paper", "abstract": "We reach 91.5% accuracy on CIFAR-10."}]
    (tmp_path / "in.jsonl").write_bytes(b"".join(jsonl(p) for p in papers))
    for workers in ("1", "2"):  # counted in this process and sent back by worker processes alike
        out = tmp_path / f"out{workers}.parquet"
        result = run(["extract", str(tmp_path / "in.jsonl"), "-o", str(out), "--workers", workers])
        assert result.exit_code == 0, result.output
        assert f"read 1 abstract in part ({MAX_NUMBERS} numbers or more, any after the {MAX_NUMBERS}th not read: 1)" \
            in result.output
        rows = pq.read_table(out).to_pylist()
        assert sum(r["paper_id"] == "fine" for r in rows) == 1
        assert 0 < sum(r["paper_id"] == "dump" for r in rows) <= MAX_NUMBERS
