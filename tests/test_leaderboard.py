"""The leaderboard API on hand-made tables: direction, ties, flags, merging,
plausibility from the metric lexicon, and the confidence threshold."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extractor.leaderboard import (RANK_THRESHOLD, ResultsError, benchmarks, claims_for, flagged, leaderboard,
                                   load_results, paper_results, paper_table)
from extractor.table import SCHEMA


def row(paper, method, dataset, metric, value, unit=None, kind="score", hib=None, start=0, published=None,
        confidence=0.9, setting=None, role="proposed", method_text=None):
    """A table row as the engine writes it (value_norm: percentages as fractions)."""
    out = {name: None for name in SCHEMA.names}
    out.update({"paper_id": paper, "title": f"Paper {paper}", "source": "test", "published": published,
                "url": None, "method": method, "role": role, "setting": setting, "method_text": method_text, "task": None, "dataset": dataset,
                "metric": metric, "kind": kind, "value": value, "value_text": f"{value}{unit or ''}",
                "unit": unit, "value_norm": value / 100 if unit == "%" else value,
                "unit_norm": "fraction" if unit == "%" else unit, "higher_is_better": hib,
                "evidence": f"{method} reaches {value}{unit or ''} {metric} on {dataset}.", "start": start,
                "end": start + 4, "rule": "test", "confidence": confidence, "extractor_version": "test"})
    return out


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
    imagenet = names[names.dataset == "ImageNet"]  # rules/benchmarks.yaml: ImageNet-1K is ImageNet
    assert len(imagenet) == 1 and imagenet["results"].iloc[0] == 3


def test_implausible_values_are_flagged_not_ranked(df):
    assert "Delta" not in set(leaderboard(df, "LRS3", "WER")["method"])
    assert set(flagged(df, "LRS3", "WER")["reason"]) == {"130.0% is outside the range of word error rate (0-100%)"}
    assert flagged(df, "ImageNet-1K", "top-1 accuracy")["reason"].iloc[0] == \
        "mixed units: top-1 accuracy is a percentage, not ms"
    fid = flagged(df, "CIFAR-10", "FID")  # no range in the lexicon: a lower-is-better metric is not negative
    assert list(fid["method"]) == ["Theta"] and fid["reason"].iloc[0] == "negative value of a lower-is-better metric"


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


def test_an_accuracy_of_255_is_never_ranked_whatever_its_unit():
    df = pd.DataFrame([
        row("p1", "Eps", "ImageNet", "top-1 accuracy", 255.0),          # the "255" of an epsilon of 16/255
        row("p2", "Zeta", "ImageNet", "top-1 accuracy", 255.0, "%"),
        row("p3", "Eta", "ImageNet", "top-1 accuracy", 81.8, "%"),
        row("p4", "Iota", "ImageNet", "accuracy", -3.0),
    ])
    assert list(leaderboard(df, "ImageNet", "top-1 accuracy")["method"]) == ["Eta"]
    out = flagged(df, "ImageNet", "top-1 accuracy").set_index("method")["reason"]
    assert out["Eps"] == "255.0 is outside the range of top-1 accuracy (0-100%)"
    assert out["Zeta"] == "255.0% is outside the range of top-1 accuracy (0-100%)"
    # on ImageNet a plain "accuracy" is its top-1 accuracy (rules/benchmarks.yaml): one board
    assert out["Iota"] == "-3.0 is outside the range of top-1 accuracy (0-100%)"
    assert flagged(df, "ImageNet", "accuracy").equals(flagged(df, "ImageNet", "top-1 accuracy"))


def test_fractions_and_percentages_of_one_metric_rank_on_one_scale():
    df = pd.DataFrame([
        row("p1", "Alpha", "CIFAR-10", "accuracy", 0.931),     # a fraction, printed bare
        row("p2", "Beta", "CIFAR-10", "accuracy", 93.4, "%"),
        row("p3", "Gamma", "CIFAR-10", "accuracy", 92.0),      # percentage points, printed bare
        row("p4", "Delta", "CIFAR-10", "AUC", 93.1),           # a fraction-scale metric printed in points
        row("p5", "Eps", "CIFAR-10", "AUC", 0.95),
    ])
    lb = leaderboard(df, "CIFAR-10", "accuracy")
    assert list(zip(lb["rank"], lb["method"], lb["value"])) == [(1, "Beta", 93.4), (2, "Alpha", 0.931),
                                                                  (3, "Gamma", 92.0)]
    assert list(lb["value_norm"]) == pytest.approx([0.934, 0.931, 0.92])
    auc = leaderboard(df, "CIFAR-10", "AUC")
    assert list(auc["method"]) == ["Eps", "Delta"] and list(auc["value_norm"]) == pytest.approx([0.95, 0.931])


def test_low_confidence_rows_are_listed_not_ranked_unless_asked():
    df = pd.DataFrame([
        row("p1", "Alpha", "LRS3", "WER", 20.0, "%", confidence=0.3),   # would be #1
        row("p2", "Beta", "LRS3", "WER", 24.1, "%"),
        row("p3", "Gamma", "LRS3", "WER", 140.0, "%", confidence=0.2),  # implausible first, whatever its confidence
    ])
    assert list(leaderboard(df, "LRS3", "WER")["method"]) == ["Beta"]
    reasons = flagged(df, "LRS3", "WER").set_index("method")["reason"]
    assert reasons["Alpha"] == f"low confidence (0.30 < {RANK_THRESHOLD:g})"
    assert reasons["Gamma"].startswith("140.0% is outside the range")
    everything = leaderboard(df, "LRS3", "WER", include_low_confidence=True)
    assert list(everything["method"]) == ["Alpha", "Beta"]
    assert list(flagged(df, "LRS3", "WER", include_low_confidence=True)["method"]) == ["Gamma"]
    assert list(leaderboard(df, "LRS3", "WER", threshold=0.25)["method"]) == ["Alpha", "Beta"]


def test_raw_metrics_compare_across_units_of_one_family():
    df = pd.DataFrame([
        row("p1", "Fast", "COCO", "latency", 30.0, "ms"),
        row("p2", "Slow", "COCO", "latency", 0.05, "s"),
        row("p3", "Odd", "COCO", "latency", 12.0, "GB"),
    ])
    df.loc[0, ["value_norm", "unit_norm"]] = [0.03, "s"]
    df.loc[1, ["value_norm", "unit_norm"]] = [0.05, "s"]
    lb = leaderboard(df, "COCO", "latency")
    assert list(lb["method"]) == ["Fast", "Slow"]
    assert flagged(df, "COCO", "latency")["reason"].iloc[0] == "mixed units: the benchmark's values are in ms"


def test_a_raw_metric_printed_with_a_percent_sign_is_its_printed_number():
    df = pd.DataFrame([row("p1", "A", "WSJ0-2mix", "SI-SDR", 21.0, "%"), row("p2", "B", "WSJ0-2mix", "SI-SDR", 22.3),
                       row("p3", "C", "WSJ0-2mix", "SI-SDR", 128.0), row("p4", "D", "VCTK", "MOS", 6.1),
                       row("p5", "E", "VCTK", "MOS", 4.2)])
    lb = leaderboard(df, "WSJ0-2mix", "SI-SDR")  # a raw metric with the range [0, 100] in its lexicon entry
    assert list(lb["method"]) == ["B", "A"] and list(lb["value_norm"]) == [22.3, 21.0]
    assert flagged(df, "WSJ0-2mix", "SI-SDR")["reason"].iloc[0] == "128.0 is outside the range of SI-SDR (0-100)"
    assert list(leaderboard(df, "VCTK", "MOS")["method"]) == ["E"]
    assert flagged(df, "VCTK", "MOS")["reason"].iloc[0] == "6.1 is outside the range of MOS (1-5)"


def test_an_open_range_bounds_one_side(monkeypatch):
    """A lexicon range may leave one side open ([0, null] for FID): the loader's
    schema must allow it, and the bound that is there is applied."""
    from extractor import leaderboard as lb_module

    real = lb_module.metric_info.__wrapped__
    monkeypatch.setattr(lb_module, "metric_info", lambda name: real(name)[:3] + (1.0, None))
    df = pd.DataFrame([row("p1", "A", "WikiText-103", "perplexity", 0.5),
                       row("p2", "B", "WikiText-103", "perplexity", 18.3)])
    assert list(leaderboard(df, "WikiText-103", "perplexity")["method"]) == ["B"]
    assert flagged(df, "WikiText-103", "perplexity")["reason"].iloc[0] == \
        "0.5 is outside the range of perplexity (>= 1)"


# --- benchmark identity as data (rules/benchmarks.yaml) ---------------------------------

def _benchmark_examples():
    from extractor.leaderboard import _rules

    for entry in _rules().raw["benchmarks"]:
        for i, ex in enumerate(entry["examples"]):
            yield pytest.param(ex, id=f"{entry['id']}[{i}]")


@pytest.mark.parametrize("example", list(_benchmark_examples()))
def test_benchmark_file_examples(example):
    from extractor.leaderboard import identify, metric_info

    b = identify(example["dataset"], example["metric"])
    assert [b.dataset, metric_info(b.metric)[0]] == example["benchmark"]


def test_the_benchmark_file_merges_what_it_says_and_nothing_else():
    df = pd.DataFrame([
        row("p1", "A", "ImageNet", "top-1 accuracy", 81.0, "%"),
        row("p2", "B", "ImageNet-1K", "accuracy", 82.0, "%"),             # alias + scoped metric alias
        row("p3", "C", "ILSVRC-2012", "top-1 acc", 83.0, "%"),            # alias + lexicon alias
        row("p4", "D", "ImageNet-1K validation", "accuracy", 84.0, "%"),  # the split is its own board
        row("p5", "E", "SST-2", "accuracy", 95.0, "%"),                   # "accuracy" is not top-1 off ImageNet
        row("p6", "F", "MNIST-M", "accuracy", 70.0, "%"),                 # spelled like MNIST, not listed as it
        row("p7", "G", "MNIST", "accuracy", 99.0, "%"),
        row("p8", "H", "CIFAR10", "test accuracy", 96.0, "%"),
    ])
    b = benchmarks(df).set_index(["dataset", "metric"])
    assert b.loc[("ImageNet", "top-1 accuracy"), "papers"] == 3
    assert b.loc[("ImageNet validation", "top-1 accuracy"), "split"] == "validation"
    assert ("SST-2", "accuracy") in b.index and ("SST-2", "top-1 accuracy") not in b.index
    assert b.loc[("MNIST", "accuracy"), "papers"] == 1 and b.loc[("MNIST-M", "accuracy"), "papers"] == 1
    assert b.loc[("CIFAR-10", "accuracy"), "papers"] == 1
    assert len(b) == 6 and not b.index.duplicated().any()
    assert list(leaderboard(df, "ILSVRC-2012", "accuracy")["method"]) == ["C", "B", "A"]  # any name of it
    assert leaderboard(df, "ImageNet-1K", "accuracy")["dataset"].iloc[0] == "ImageNet"


def test_a_rule_pack_overrides_a_benchmark(tmp_path, monkeypatch):
    from extractor import leaderboard as lb
    from extractor.rules.loader import load_rules

    (tmp_path / "benchmarks.yaml").write_text(
        "benchmarks:\n  - id: imagenet\n    dataset: ImageNet\n    aliases: [ILSVRC-2012]\n"
        "    examples: [{dataset: ILSVRC-2012, metric: top-1 accuracy, benchmark: [ImageNet, top-1 accuracy]}]\n",
        encoding="utf-8")
    monkeypatch.setattr(lb, "_RULES", None)
    lb.use_rules(load_rules([tmp_path]))
    try:
        df = pd.DataFrame([row("p1", "A", "ImageNet", "top-1 accuracy", 81.0, "%"),
                           row("p2", "B", "ImageNet-1K", "top-1 accuracy", 82.0, "%"),
                           row("p3", "C", "ILSVRC-2012", "top-1 accuracy", 83.0, "%")])
        b = benchmarks(df)
        # the pack's entry replaces the built-in one: ImageNet-1K is no longer listed as ImageNet
        assert sorted(zip(b["dataset"], b["papers"])) == [("ImageNet", 2), ("ImageNet-1K", 1)]
    finally:
        lb.use_rules(None)


# --- settings: one board each -----------------------------------------------------------

def test_rows_of_different_settings_are_never_on_one_board():
    df = pd.DataFrame([
        row("p1", "Sup", "CIFAR-10", "accuracy", 96.5, "%"),
        row("p2", "FixA", "CIFAR-10", "accuracy", 94.9, "%", setting="semi-supervised; 250 labels"),
        row("p3", "FixB", "CIFAR-10", "accuracy", 95.2, "%", setting="semi-supervised; 250 labels"),
        row("p4", "Rob", "CIFAR-10", "accuracy", 60.4, "%", setting="adversarial (AutoAttack)"),
    ])
    b = benchmarks(df)
    assert sorted(b["setting"].fillna("")) == ["", "adversarial (AutoAttack)", "semi-supervised; 250 labels"]
    assert b.iloc[0]["setting"] == "semi-supervised; 250 labels"  # most papers first
    assert list(leaderboard(df, "CIFAR-10", "accuracy")["method"]) == ["Sup"]
    semi = leaderboard(df, "CIFAR-10", "accuracy", setting="semi-supervised; 250 labels")
    assert list(semi["method"]) == ["FixB", "FixA"] and set(semi["setting"]) == {"semi-supervised; 250 labels"}
    assert list(leaderboard(df, "CIFAR-10", "accuracy", setting="adversarial (AutoAttack)")["method"]) == ["Rob"]
    assert leaderboard(df, "CIFAR-10", "accuracy", setting="5-shot").empty


# --- who is ranked ----------------------------------------------------------------------

def test_anonymous_references_and_low_confidence_rows_are_listed_beneath_unless_all_is_asked():
    df = pd.DataFrame([
        row("p1", "RTE", "CIFAR-10", "accuracy", 93.6, "%"),
        row("p1", "prior state of the art", "CIFAR-10", "accuracy", 99.0, "%", role="baseline",
            method_text="previous state-of-the-art accuracies"),
        row("p2", "baseline", "CIFAR-10", "accuracy", 97.0, "%", role="baseline", method_text="a strong baseline"),
        row("p3", None, "CIFAR-10", "accuracy", 98.0, "%", role="baseline"),
        row("p4", "ResNet-50", "CIFAR-10", "accuracy", 94.0, "%", role="baseline"),   # a named baseline ranks
        row("p5", "(ours)", "CIFAR-10", "accuracy", 95.0, "%"),                       # the paper's own, unnamed
        row("p6", "Shaky", "CIFAR-10", "accuracy", 99.5, "%", confidence=0.2),
        row("p7", "Odd", "CIFAR-10", "accuracy", 255.0),
    ])
    assert list(leaderboard(df, "CIFAR-10", "accuracy")["method"]) == ["(ours)", "ResNet-50", "RTE"]
    reasons = flagged(df, "CIFAR-10", "accuracy").set_index("value")["reason"]
    assert reasons[99.0] == ("anonymous reference (previous state-of-the-art accuracies): a number the paper "
                             "quotes, not a named method")
    assert reasons[97.0].startswith("anonymous reference (a strong baseline)")
    assert reasons[98.0].startswith("anonymous reference (unnamed)")
    assert reasons[99.5] == f"low confidence (0.20 < {RANK_THRESHOLD:g})"
    assert reasons[255.0].startswith("255.0 is outside the range")
    everything = leaderboard(df, "CIFAR-10", "accuracy", include_all=True)
    assert list(everything["value"]) == [99.5, 99.0, 98.0, 97.0, 95.0, 94.0, 93.6]  # never the 255
    assert everything.set_index("value")["note"][99.0].startswith("anonymous reference")
    assert everything.set_index("value")["note"][95.0] == ""
    assert list(flagged(df, "CIFAR-10", "accuracy", include_all=True)["value"]) == [255.0]


def test_one_row_per_method_and_paper_with_its_best_value():
    df = pd.DataFrame([
        row("p1", "ResNet-50", "ImageNet", "top-1 accuracy", 76.1, "%", role="baseline"),
        row("p2", "ResNet-50", "ImageNet", "top-1 accuracy", 76.5, "%", role="baseline"),   # another paper's
        row("p2", "ResNet-50", "ImageNet", "top-1 accuracy", 75.0, "%", role="baseline", start=30),
        row("p2", "FooNet", "ImageNet", "top-1 accuracy", 79.0, "%"),
    ])
    lb = leaderboard(df, "ImageNet", "top-1 accuracy")
    assert list(zip(lb["method"], lb["paper_id"], lb["value"])) == [
        ("FooNet", "p2", 79.0), ("ResNet-50", "p2", 76.5), ("ResNet-50", "p1", 76.1)]


# --- a paper's results table ------------------------------------------------------------

def test_paper_table_has_a_row_per_method_and_a_column_per_metric():
    df = pd.DataFrame([
        row("p1", "FooDet", "COCO test-dev", "AP", 60.1, start=0),
        row("p1", "FooDet", "COCO test-dev", "AP", 58.0, start=5),       # the worse one of the same column
        row("p1", "FooDet", "COCO test-dev", "latency", 30.0, "ms", start=10),
        row("p1", "BarNet", "COCO test-dev", "AP", 57.2, start=20),
        row("p1", "FooDet", "LVIS", "AP", 40.0, start=30, setting="zero-shot"),
        row("p1", "FooDet", "COCO test-dev", "AP", 2.1, kind="delta", start=40),
        row("p2", "Other", "COCO test-dev", "AP", 50.0),
    ])
    df.loc[2, ["value_norm", "unit_norm"]] = [0.03, "s"]
    t = paper_table(df, "p1")
    assert list(t.columns) == ["method", "AP · COCO test-dev", "latency · COCO test-dev", "AP · LVIS (zero-shot)"]
    assert t.set_index("method").to_dict("index") == {
        "FooDet": {"AP · COCO test-dev": "60.1", "latency · COCO test-dev": "30.0ms", "AP · LVIS (zero-shot)": "40.0"},
        "BarNet": {"AP · COCO test-dev": "57.2", "latency · COCO test-dev": None, "AP · LVIS (zero-shot)": None}}


# --- dataset directories ----------------------------------------------------------------

def test_load_results_reads_a_dataset_directory_written_by_lbx_extract(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    papers = tmp_path / "papers.jsonl"
    papers.write_text(
        '{"id": "2101.00001", "title": "FooNet", "abstract": "FooNet reaches 81.2% top-1 accuracy on ImageNet.", '
        '"update_date": "2021-01-02"}\n'
        '{"id": "2201.00002", "title": "BarNet", "abstract": "BarNet reaches 82.4% top-1 accuracy on ImageNet-1K.", '
        '"update_date": "2022-03-04"}\n', encoding="utf-8")
    out = tmp_path / "ds"
    subprocess.run([sys.executable, "-m", "extractor", "extract", str(papers), "-o", f"{out}/", "-q"], check=True,
                   cwd=repo)
    assert sorted(p.name for p in out.iterdir()) == ["year=2021", "year=2022"]
    df = load_results(out)
    assert sorted(df["year"].astype(str)) == ["2021", "2022"]
    assert list(leaderboard(df, "ImageNet", "top-1 accuracy")["method"]) == ["BarNet", "FooNet"]
    with pytest.raises(ResultsError, match="not an lbx results table"):
        (tmp_path / "other").mkdir()
        pq.write_table(pa.table({"a": [1]}), tmp_path / "other" / "part-0.parquet")
        load_results(tmp_path / "other")
