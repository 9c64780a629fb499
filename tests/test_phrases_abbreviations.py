"""The general mechanisms of attribution on sentences written for these tests:
abbreviation definitions (Schwartz-Hearst), noun-phrase cuts by closed-class
words, and the open-vocabulary metric and method they give the engine."""
import pytest

from extractor.extract import extract_paper
from extractor.rules.loader import load_rules
from extractor.sources.paper import Paper
from extractor.text.abbreviations import find_definitions
from extractor.text.phrases import noun_phrase, quality_noun

RULES = load_rules()


@pytest.mark.parametrize("text, long, short", [
    ("Here we describe gated residual fusion (GRF), a module that", "gated residual fusion", "GRF"),
    ("We present Sparse Token Routing (STR) for long inputs.", "Sparse Token Routing", "STR"),
    ("our latent flow priors (LFPs) generalize", "latent flow priors", "LFP"),
    ("a Bidirectional Memory Cache (BiMC), which", "Bidirectional Memory Cache", "BiMC"),
])
def test_definitions_found(text, long, short):
    defs = find_definitions(text)
    assert [(d.long, d.short) for d in defs] == [(long, short)]
    d = defs[0]
    assert text[d.start:d.start + len(d.long)] == d.long


@pytest.mark.parametrize("text", [
    "accuracy rises (91.2%) on the test split",
    "as shown before (see Section 3)",
    "the results (ours) are better",
    "with a toy model (TM) only",  # letters T, M are not the start of enough words? "toy model" is
])
def test_no_definition_where_none(text):
    defs = find_definitions(text)
    assert all(d.short != "ours" and not d.short[0].isdigit() for d in defs)
    if "toy model" in text:
        assert [(d.long, d.short) for d in defs] == [("toy model", "TM")]


@pytest.mark.parametrize("text, start, phrase", [
    ("uses 47% fewer tokens than the baseline", 15, "tokens"),
    ("a lower mean absolute error on the test set", 8, "mean absolute error"),
    ("with the best robust accuracy", 5, None),  # starts with a determiner
    ("fewer GPU hours, while matching", 6, "GPU hours"),
])
def test_noun_phrase_cut(text, start, phrase):
    span = noun_phrase(text, start, len(text), RULES.vocab.closed_class)
    assert (text[span[0]:span[1]] if span else None) == phrase


@pytest.mark.parametrize("adjective, noun", [
    ("accurate", "accuracy"), ("efficient", "efficiency"), ("parameter-efficient", "parameter efficiency"),
    ("robust", "robustness"), ("stable", "stability"), ("tokens", None),
])
def test_quality_noun(adjective, noun):
    assert quality_noun(adjective) == noun


def _extract(title, abstract):
    return extract_paper(Paper(paper_id="t1", title=title, abstract=abstract, source="test"), RULES)


def test_open_vocabulary_metrics():
    rows = _extract("Lean retrieval for long documents",
                    "We study retrieval. Our retriever needs 6x fewer queries than dense baselines. "
                    "It is also 12x more efficient at inference.")
    got = {(r.value, r.metric) for r in rows}
    assert (6.0, "queries") in got
    assert (12.0, "efficiency") in got


def test_defined_long_form_names_the_method():
    rows = _extract("Calibrated Label Mixing for Structured Prediction",
                    "Soft targets help calibration. We propose calibrated label mixing (CLM), a simple method "
                    "for structured outputs. On two parsing benchmarks it reduces calibration error by 41% "
                    "compared to label smoothing.")
    assert rows and all(r.method == "CLM" for r in rows)
    assert rows[0].method_text == "calibrated label mixing"


@pytest.mark.parametrize("abstract, expected", [
    ("ZetaLM reaches 71.2% accuracy on FooBench-Hard and 55.0% on MathArena.",
     {(71.2, "FooBench-Hard"), (55.0, "MathArena")}),
    ("It scores 45.3% on AIME 2025 and 62.1% on GPQA Diamond.", {(45.3, "AIME 2025"), (62.1, "GPQA Diamond")}),
    ("Experiments on HellaSwag, WinoGrande and ArcLite show gains of 2.1, 1.4 and 3.3 points, respectively.",
     {(2.1, "HellaSwag"), (1.4, "WinoGrande"), (3.3, "ArcLite")}),
])
def test_open_vocabulary_datasets_by_shape(abstract, expected):
    rows = _extract("A study of new benchmarks", abstract)
    assert {(r.value, r.dataset) for r in rows} == expected


@pytest.mark.parametrize("abstract", [
    "Our detector reaches 52.1 AP when trained on GPT-4 outputs.",  # a model, not a data set
    "Implemented in PyTorch, the model runs at 40 FPS on RTX GPUs.",
])
def test_shaped_names_that_are_not_datasets(abstract):
    rows = _extract("Some title", abstract)
    assert rows and all(r.dataset in (None,) for r in rows), [(r.value, r.dataset) for r in rows]


def test_cost_numbers_take_no_abstract_default_dataset():
    rows = _extract("Fast sparse attention",
                    "We evaluate on ImageNet only. Our model reaches 81.2% top-1 accuracy. "
                    "It is also 3.1x faster than dense attention.")
    by_value = {r.value: r for r in rows}
    assert by_value[81.2].dataset == "ImageNet"
    assert by_value[3.1].dataset is None


def test_unnamed_reference_keeps_its_printed_words():
    rows = _extract("Sharper retrieval",
                    "Our retriever reaches an MRR of 0.41, compared to an MRR of 0.33 by previous dense retrievers.")
    ref = next(r for r in rows if r.value == 0.33)
    assert ref.role == "baseline" and ref.method == "baseline"
    assert ref.method_text == "previous dense retrievers"


def test_task_short_forms_are_not_the_method():
    rows = _extract("Better priors for few-shot classification",
                    "We study few-shot image classification (FSIC) under domain shift. Our prior improves FSIC "
                    "accuracy by 3.1% over the strongest baseline.")
    assert rows and all(r.method != "FSIC" for r in rows), [(r.value, r.method) for r in rows]


def test_parenthesized_lists_pair_numbers_with_their_names():
    rows = _extract("Deeper nets", "Sufficiently deep nets reach 91% (CIFAR-100) and 41% (ImageNet, top-1) accuracy.")
    assert {(r.value, r.dataset, r.metric) for r in rows} == {
        (91.0, "CIFAR-100", "top-1 accuracy"), (41.0, "ImageNet", "top-1 accuracy")}


def test_member_with_a_change_cue_gives_the_list_its_kind():
    rows = _extract("Better decoding", "The decoder yields gains of up to 2~3 BLEU over beam search.")
    assert sorted((r.value, r.kind) for r in rows) == [(2.0, "delta"), (3.0, "delta")]


def test_relative_clause_gives_the_number_to_its_owner():
    rows = _extract("Budgeted reasoning",
                    "Our controller reaches 60.1% on MathArena. Compared to QuillMath-7B, which scores 52.4% on "
                    "MathArena, it is also faster. A strong baseline that achieves 48.0% is far behind.")
    by_value = {r.value: r for r in rows}
    assert (by_value[52.4].method, by_value[52.4].role) == ("QuillMath-7B", "baseline")
    assert by_value[48.0].role == "baseline" and by_value[48.0].method_text == "strong baseline"
    assert by_value[60.1].role == "proposed"


def test_on_dataset_by_points_binds_each_dataset_to_its_number():
    rows = _extract("Lean reasoning", "It improves accuracy on GPQA-Diamond by 3.8 points and on MathArena by 2.1 points.")
    assert {(r.value, r.dataset_text) for r in rows} == {(3.8, "GPQA-Diamond"), (2.1, "MathArena")}


def test_a_benchmark_introduced_by_the_paper_is_not_its_method():
    rows = _extract("JudgeSuite: A Benchmark for Evaluating Judges",
                    "We introduce JudgeSuite, a benchmark of human-annotated comparisons. The best open model "
                    "agrees with humans in 58.9% of cases.")
    assert rows and all(r.method != "JudgeSuite" for r in rows)
    assert all(r.dataset == "JudgeSuite" for r in rows)


def test_explain_names_how_each_field_was_found():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "extractor", "rules", "explain",
                          "FooNet reaches 71.2% top-1 accuracy on BarBench-Hard."],
                         capture_output=True, text=True, timeout=120).stdout
    assert "metric: metric printed after the number (printed 'top-1 accuracy')" in out
    assert "dataset: dataset named after the number (printed 'BarBench-Hard')" in out
    assert "method: " in out


def test_parallel_continuation_shares_the_result_decision():
    rows = _extract("Graph kernels", "We see an error reduction of 6% on the ring dataset and 9% to 14% on the chain dataset.")
    assert sorted((r.value, r.kind) for r in rows) == [(6.0, "delta"), (9.0, "delta"), (14.0, "delta")]
    setup = _extract("Data splits", "We train on 20% of the data and test on 80% of it.")
    assert setup == []


def test_a_pack_extends_the_attach_word_lists():
    from pathlib import Path
    pack = Path(__file__).resolve().parents[1] / "data" / "rule_packs" / "known_models"
    text = "FooFormer reaches 88.1% accuracy after adapter tuning."
    paper = Paper(paper_id="t1", title="Cheap adapters", abstract=text, source="test")
    assert [r.method for r in extract_paper(paper, RULES)] == ["FooFormer"]
    with_pack = load_rules([pack])
    assert "FooFormer" in with_pack.vocab.known_models
    assert [r.method for r in extract_paper(paper, with_pack)] == ["(ours)"]


def test_short_form_printed_beside_the_title_name_is_the_paper_method():
    rows = _extract("Draft-and-Verify: Speculative Decoding with Learned Acceptance",
                    "We propose Draft-and-Verify (DAV). On MT-Bench, DAV achieves a win rate of 61.2% against Medusa, "
                    "and it raises acceptance length from 3.1 to 4.4 tokens.")
    by_value = {r.value: r for r in rows}
    assert (by_value[61.2].method, by_value[61.2].role, by_value[61.2].dataset) == \
        ("Draft-and-Verify", "proposed", "MT-Bench")
    assert by_value[3.1].role == "baseline" and by_value[4.4].kind == "score"


def test_bare_scores_continue_across_and():
    rows = _extract("Compact encoders", "TinyEnc scores 78.4 on MMBench and 1520 on MME.")
    assert {(r.value, r.dataset) for r in rows} == {(78.4, "MMBench"), (1520.0, "MME")}


def test_n_for_name_gives_the_number_to_the_name():
    rows = _extract("FooNet: fast nets", "Top-1 accuracy is 93.6% for FooNet and 91.2% for BarNet.")
    assert {(r.value, r.method, r.role) for r in rows} == {(93.6, "FooNet", "proposed"), (91.2, "BarNet", "baseline")}
    rows = _extract("FooNet: fast nets", "We obtain a test error of 2.46% for CIFAR-10 and 23.7% for ImageNet.")
    assert {(r.value, r.dataset, r.method) for r in rows} == {(2.46, "CIFAR-10", "FooNet"), (23.7, "ImageNet", "FooNet")}


def test_the_only_dataset_a_sentence_names_is_its_numbers_dataset():
    rows = _extract("Certified detectors", "Tests show a provable robust error below 63.6% and 67.9%, for 55.6% and "
                                           "66.4% natural error, for two radii on the CIFAR-10 dataset, respectively.")
    assert rows and all(r.dataset == "CIFAR-10" for r in rows), [(r.value, r.dataset) for r in rows]
    rows = _extract("Transfer", "Models trained this way reach 70% of an ImageNet-trained model on average.")
    assert all(r.dataset is None for r in rows)
