"""The Python API (`extractor.extract_text`, `extractor.extract_frame`) on real text."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import extractor
from extractor import api
from extractor.result import Result
from extractor.rules import loader

REPO = Path(__file__).resolve().parent.parent
PACK = REPO / "data" / "rule_packs" / "graph_edit_distance"
GED = "GraphSim predicts a mean graph edit distance of 1.42 on AIDS700nef."


def test_extract_text_returns_results_whose_spans_point_into_the_text():
    text = "FooDet reaches 64.2 AP on COCO test-dev, 15x faster than DETR."
    results = extractor.extract_text(text, title="FooDet: fast detection")
    assert results and all(isinstance(r, Result) for r in results)
    by_value = {r.value_text: r for r in results}
    assert by_value["64.2"].metric == "AP" and by_value["64.2"].dataset.startswith("COCO")
    assert by_value["64.2"].method == "FooDet"
    for r in results:
        assert text[r.start:r.end] == r.value_text and r.evidence in text and r.source == "python"


def test_a_sentence_without_results_gives_none():
    assert extractor.extract_text("We collected 1,200 images in 2019.") == []
    assert extractor.extract_text("") == []
    with pytest.raises(TypeError):
        extractor.extract_text(None)


def test_rules_load_once_and_packs_are_added(monkeypatch):
    api._load.cache_clear()
    calls = []
    real = loader.load_rules
    monkeypatch.setattr(loader, "load_rules", lambda extra_dirs=(): calls.append(list(extra_dirs)) or real(extra_dirs))
    for _ in range(3):
        extractor.extract_text("It reaches 64.2 AP on COCO.")
    assert extractor.extract_text(GED) == []  # the built-ins lack the metric
    with_pack = extractor.extract_text(GED, rules=PACK)
    extractor.extract_text(GED, rules=[str(PACK)])
    assert calls == [[], [str(PACK)]]
    assert [(r.metric, r.dataset, r.value) for r in with_pack] == [("graph edit distance", "AIDS700nef", 1.42)]
    ruleset = real([PACK])
    assert extractor.extract_text(GED, rules=ruleset)[0].metric == "graph edit distance"


def test_extract_frame_equals_the_cli_on_the_same_papers(tmp_path):
    frame = pd.DataFrame({
        "name": ["FooDet: fast detection", "A speech model", "Nothing here", "No abstract"],
        "text": ["FooDet reaches 64.2 AP on COCO test-dev.", "Our WER is 3.1% on LibriSpeech test-clean.",
                 "We collected 1,200 images.", None],
        "pid": ["p1", "p2", "p3", "p4"],
    })
    src = tmp_path / "in.csv"
    frame.to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    res = subprocess.run([sys.executable, "-m", "extractor", "extract", str(src), "-o", str(out), "-q", "--skip-bad",
                          "--title-col", "name", "--abstract-col", "text", "--id-col", "pid"],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr
    cli = pd.read_parquet(out)
    df = extractor.extract_frame(frame, title_col="name", abstract_col="text", id_col="pid")
    assert len(df) == len(cli) == 2
    assert df.dtypes.to_dict() == cli.dtypes.to_dict()
    assert df.drop(columns="source").equals(cli.drop(columns="source"))


def test_extract_frame_names_a_missing_column():
    with pytest.raises(KeyError, match="no column 'abstract'"):
        extractor.extract_frame(pd.DataFrame({"title": ["x"]}))


def test_import_extractor_stays_light():
    """The console entry point imports `extractor` before its signal handlers: no engine, no pandas."""
    code = "import sys, extractor; print('pandas' in sys.modules, 'extractor.extract' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.split() == ["False", "False"]
