"""The leaderboard API on hand-made tables: direction, ties, flags, merging."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extractor.leaderboard import (ResultsError, benchmarks, claims_for, flagged, leaderboard, load_results,
                                   paper_results)
from extractor.table import SCHEMA


def row(paper, method, dataset, metric, value, unit=None, kind="score", hib=None, start=0, published=None):
    return {"paper_id": paper, "title": f"Paper {paper}", "source": "test", "published": published,
            "url": None, "method": method, "role": "proposed", "task": None, "dataset": dataset,
            "metric": metric, "kind": kind, "value": value, "value_text": f"{value}{unit or ''}",
            "unit": unit, "value_norm": value, "unit_norm": None, "higher_is_better": hib,
            "evidence": f"{method} reaches {value}{unit or ''} {metric} on {dataset}.", "start": start,
            "end": start + 4, "rule": "test", "confidence": 0.9, "extractor_version": "test"}


@pytest.fixture()
def df():
    return pd.DataFrame([
        row("2101.00001", "Alpha", "LRS3", "word error rate", 26.3, "%"),
        row("p2", "Beta", "LRS3", "WER", 24.1, "%"),
        row("p2", "Beta", "LRS3", "WER", 25.0, "%", start=40),       # Beta's worse result
        row("p3", "Gamma", "LRS3", "word error rate", 24.1, "%"),     # ties with Beta
        row("p3", "Gamma", "LRS3", "word error rate", 3.2, "%", kind="delta"),
        row("p4", "Delta", "LRS3", "word error rate", 130.0, "%"),    # impossible percentage
        row("p5", "Eps", "ImageNet-1K", "Top-1 accuracy", 85.6, "%"),
        row("p6", "Zeta", "ImageNet-1K", "top-1 acc", 87.8, "%"),
        row("p7", "Eta", "ImageNet-1K", "top-1 accuracy", 86.0, "ms"),  # another unit
        row("p8", "(ours)", "CIFAR-10", "FID", 2.2),
        row("p9", "(ours)", "CIFAR-10", "FID", 3.1),
        row("p10", "Theta", "CIFAR-10", "FID", -1.0),                  # negative FID
    ])


def test_lower_is_better_ranks_ascending_with_shared_ranks(df):
    lb = leaderboard(df, "LRS3", "word error rate")
    assert list(zip(lb["rank"], lb["method"], lb["value"])) == [(1, "Beta", 24.1), (1, "Gamma", 24.1),
                                                                  (3, "Alpha", 26.3)]
    assert lb["higher_is_better"].iloc[0] is False or lb["higher_is_better"].iloc[0] == False  # noqa: E712
    assert lb.loc[lb.method == "Alpha", "url"].iloc[0] == "https://arxiv.org/abs/2101.00001"


def test_aliases_merge_and_higher_is_better_ranks_descending(df):
    lb = leaderboard(df, "ImageNet-1K", "top-1 accuracy")
    assert list(lb["method"]) == ["Zeta", "Eps"]
    names = benchmarks(df)
    imagenet = names[names.dataset == "ImageNet-1K"]
    assert len(imagenet) == 1 and imagenet["results"].iloc[0] == 3


def test_implausible_values_are_flagged_not_ranked(df):
    assert "Delta" not in set(leaderboard(df, "LRS3", "WER")["method"])
    assert set(flagged(df, "LRS3", "WER")["reason"]) == {"a percentage outside 0-100"}
    assert flagged(df, "ImageNet-1K", "top-1 accuracy")["reason"].iloc[0].startswith("mixed units")
    fid = flagged(df, "CIFAR-10", "FID")
    assert list(fid["method"]) == ["Theta"] and "negative" in fid["reason"].iloc[0]


def test_unnamed_methods_of_different_papers_stay_apart(df):
    lb = leaderboard(df, "CIFAR-10", "FID")
    assert list(lb["value"]) == [2.2, 3.1] and list(lb["paper_id"]) == ["p8", "p9"]


def test_deltas_are_claims_beside_the_rank(df):
    assert list(claims_for(df, "p3", "LRS3", "WER")["value"]) == [3.2]
    assert len(paper_results(df, "p2")) == 2


def test_benchmarks_sorted_by_coverage(df):
    b = benchmarks(df)
    assert list(b["results"]) == sorted(b["results"], reverse=True)
    assert b.iloc[0]["dataset"] == "LRS3"


def test_load_results_refuses_what_is_not_a_results_table(tmp_path):
    with pytest.raises(ResultsError, match="no such file"):
        load_results(tmp_path / "missing.parquet")
    (tmp_path / "text.parquet").write_text("not parquet")
    with pytest.raises(ResultsError, match="not a Parquet file"):
        load_results(tmp_path / "text.parquet")
    pq.write_table(pa.table({"a": [1]}), tmp_path / "other.parquet")
    with pytest.raises(ResultsError, match="not an lbx results table"):
        load_results(tmp_path / "other.parquet")


def test_load_results_round_trip(tmp_path, df):
    table = pa.Table.from_pandas(df.astype({"published": "object"}), schema=SCHEMA, preserve_index=False)
    pq.write_table(table, tmp_path / "r.parquet")
    back = load_results(tmp_path / "r.parquet")
    assert len(leaderboard(back, "LRS3", "WER")) == 3
