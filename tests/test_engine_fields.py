"""How the engine attaches metric, dataset and method, on sentences written the
way abstracts write them (none of them from the dev gold)."""
from __future__ import annotations

import pytest

from extractor.extract import extract_paper
from extractor.rules.loader import load_rules
from extractor.sources.paper import Paper

RULES = load_rules()


def records(abstract: str, title: str = "A Study"):
    return [(r.value, r.kind, r.metric, r.dataset, r.method, r.role)
            for r in extract_paper(Paper("p", title, abstract, "test"), RULES)]


def test_respectively_pairs_with_datasets_of_the_previous_sentence():
    out = records("We compare PODNet with three models on three datasets: CIFAR100, ImageNet100, and "
                  "ImageNet1000. PODNet shows accuracy gains of 12.10, 6.51, and 2.85 percentage points, respectively.")
    assert [(v, d) for v, _, _, d, _, _ in out] == [(12.10, "CIFAR-100"), (6.51, "ImageNet-100"),
                                                     (2.85, "ImageNet-1K")]


def test_split_lists_pair_with_numbers():
    out = records("On LibriSpeech test-clean and test-other, Whisper-Lite obtains 2.9% and 6.8% WER, respectively.")
    assert [(v, m, d, who) for v, _, m, d, who, _ in out] == [
        (2.9, "word error rate", "LibriSpeech test-clean", "Whisper-Lite"),
        (6.8, "word error rate", "LibriSpeech test-other", "Whisper-Lite")]


def test_a_dataset_named_with_its_metric_wins_over_a_later_one():
    out = records("StepWise improves GSM8K accuracy from 56.8% to 71.2% for Llama 2 70B and pass@1 on "
                  "HumanEval by 8.5 points.", title="StepWise: Prompting Step by Step")
    assert out == [(56.8, "score", "accuracy", "GSM8K", "baseline", "baseline"),
                   (71.2, "score", "accuracy", "GSM8K", "StepWise", "proposed"),
                   (8.5, "delta", "pass@1", "HumanEval", "StepWise", "proposed")]


def test_a_gain_over_the_previous_best_belongs_to_the_paper():
    out = records("SwinV3 reaches 58.7 box AP on COCO test-dev, surpassing the previous best by +2.1 box AP.",
                  title="SwinV3: Hierarchical Transformers")
    assert out == [(58.7, "score", "box AP", "COCO test-dev", "SwinV3", "proposed"),
                   (2.1, "delta", "box AP", "COCO test-dev", "SwinV3", "proposed")]


def test_former_state_of_the_art_is_a_baseline():
    out = records("We surpass the former state-of-the-art performance of 26.90% word error rate on LRS3.")
    assert out[0][4:] == ("prior state of the art", "baseline")


@pytest.mark.parametrize("text,metric", [
    ("It reduces the number of function evaluations from 1000 to 20.", "number of function evaluations"),
    ("We reduce the size of a BERT model by 40%.", "size of a BERT model"),
    ("The distilled model is 8 times smaller.", "size"),
    ("Test-time adaptation reduces these violations by up to 68.7%.", "violations"),
])
def test_metrics_named_by_the_sentence(text, metric):
    assert records(text)[-1][2] == metric


def test_parallel_deltas_stay_deltas():
    out = records("GRAPHIX-T5 outperforms T5-large by 5.7% on exact match accuracy and 6.6% on execution accuracy.")
    assert [(v, k) for v, k, *_ in out] == [(5.7, "delta"), (6.6, "delta")]


def test_the_share_of_a_quality_kept_names_its_metric():
    out = records("The student retains 97% of its language understanding capabilities while being 60% faster.")
    assert [(v, m) for v, _, m, *_ in out] == [(97.0, "language understanding capabilities"), (60.0, "speed")]


def test_a_dataset_after_another_measurement_is_not_this_numbers():
    out = records("LongRet improves nDCG@10 on BEIR by 4.2 points on average and recall@100 from 71.3 to 78.9 "
                  "on MS MARCO.", title="LongRet: Long Retrieval")
    assert [(v, m, d) for v, _, m, d, *_ in out] == [(4.2, "nDCG@10", "BEIR"), (71.3, "R@100", "MS MARCO"),
                                                     (78.9, "R@100", "MS MARCO")]


def test_parallel_lists_pair_with_the_datasets_before_them():
    out = records("Our system obtains 31.2 BLEU on WMT14 En-De and 43.9 BLEU on WMT14 En-Fr, improvements of "
                  "+1.4 and +0.9 over the Transformer big model.")
    assert [(v, k, d) for v, k, _, d, *_ in out] == [(31.2, "score", "WMT14 En-De"), (43.9, "score", "WMT14 En-Fr"),
                                                     (1.4, "delta", "WMT14 En-De"), (0.9, "delta", "WMT14 En-Fr")]


def test_a_baseline_whose_name_contains_the_papers_name_is_not_the_paper():
    """The paper's method found inside another word is not that method: the
    paper names its method MR (a short form) and compares with MRGAN."""
    out = records("We propose multi-resolution reweighting (MR) for image synthesis. On CelebA, MR obtains an FID "
                  "of 7.1; in contrast, MRGAN obtains an FID of 9.4.", title="MR: multi-resolution reweighting")
    assert [(v, who, role) for v, _, _, _, who, role in out] == [(7.1, "MR", "proposed"), (9.4, "MRGAN", "baseline")]
    variant = records("We propose MR for image synthesis. On CelebA, MR-L obtains an FID of 6.5.",
                      title="MR: multi-resolution reweighting")
    assert [(v, who, role) for v, _, _, _, who, role in variant] == [(6.5, "MR", "proposed")]


@pytest.mark.parametrize("text, owners", [
    # a coordinated clause with its own subject owns its numbers
    ("On ImageNet, KiteNet reaches 81.2% top-1 accuracy, while LoomNet reaches 79.5% top-1 accuracy.",
     ["KiteNet", "LoomNet"]),
    ("On ImageNet, KiteNet improves top-1 accuracy by 2.1%, whereas LoomNet improves it by 0.4%.",
     ["KiteNet", "LoomNet"]),
    # one without a subject of its own keeps the sentence's
    ("On ImageNet, KiteNet reaches 81.2% top-1 accuracy while reducing latency by 35%.", ["KiteNet", "KiteNet"]),
])
def test_a_clause_with_its_own_subject_owns_its_numbers(text, owners):
    assert [who for _, _, _, _, who, _ in records(text, title="KiteNet: fast kites")] == owners


@pytest.mark.parametrize("text, names", [
    ("In this paper we present ChartHop (CH): a challenging chart reasoning dataset with 9,000 questions.",
     ("ChartHop", "CH")),
    ("We introduce TidePool, a large-scale benchmark of coastal imagery.", ("TidePool",)),
    ("We release a new corpus, WikiVerbs, of annotated verb senses.", ("WikiVerbs",)),
    ("From these findings we build a harder reading dataset, which we call Tough TideSet.", ("Tough TideSet",)),
    # a method trained on a data set is not one
    ("We present KiteNet, a network trained on a new dataset of kites.", ()),
    ("We propose KiteNet and evaluate it on three benchmarks.", ()),
])
def test_the_data_sets_an_abstract_introduces(text, names):
    from extractor.attach.dataset import introduced_datasets

    assert introduced_datasets(text) == names


def test_a_papers_own_data_set_is_its_results_data_set_and_never_its_method():
    out = records("We present ChartHop (CH): a challenging chart reasoning dataset. Our model, "
                  "StepReader, reaches an accuracy of 61.5%, while humans reach 93.0%.",
                  title="ChartHop: reasoning over charts")
    assert [(v, d, who) for v, _, _, d, who, _ in out][0] == (61.5, "ChartHop", "StepReader")
    assert all(who != "ChartHop" for *_, who, _ in out)


@pytest.mark.parametrize("text, metrics", [
    ("KiteNet achieves 64.5% and 60.3% reductions in parameters and FLOPs, respectively.", ["parameters", "FLOPs"]),
    ("KiteNet reaches a precision and recall of 91.2% and 88.7%, respectively.", ["precision", "recall"]),
    # a list printed right after the numbers pairs without "respectively"
    ("KiteNet improves the baselines by 1.6, 1.2 and 0.9 in terms of BLEU, ROUGE-L and METEOR.",
     ["BLEU", "ROUGE-L", "METEOR"]),
    # "respectively" pairs the data sets here; the one metric is all the numbers'
    ("KiteNet reaches 91.2% and 88.7% accuracy on CIFAR-10 and CIFAR-100, respectively.", ["accuracy", "accuracy"]),
    # and here the methods, with the metric printed right after the numbers
    ("Smoothing helps precision and recall: +2.3% and +4.1% accuracy for KiteNet and LoomNet, respectively.",
     ["accuracy", "accuracy"]),
])
def test_respectively_pairs_numbers_with_a_list_of_metrics(text, metrics):
    assert [m for _, _, m, _, _, _ in records(text, title="KiteNet: fast kites")] == metrics


@pytest.mark.parametrize("text, metrics", [
    ("KiteNet outperforms the previous best by 9.5% for accuracy and 11.6% for robustness.",
     ["accuracy", "robustness"]),
    ("KiteNet gains 2.1% in accuracy and 3.4% in calibration error over the baseline.",
     ["accuracy", "calibration error"]),
])
def test_a_metric_printed_after_another_number_is_that_numbers(text, metrics):
    assert [m for _, _, m, _, _, _ in records(text, title="KiteNet: fast kites")] == metrics


def test_the_words_of_a_data_sets_name_are_no_method():
    out = records("From these findings we build a harder reading dataset, which we call Tough TideSet. Trained on "
                  "Tough TideSet, our reader answers 61.5% of the questions.", title="What makes reading hard?")
    assert [(v, who) for v, _, _, _, who, _ in out] == [(61.5, "(ours)")]


@pytest.mark.parametrize("tail", [").", " against PGD and CW attacks, respectively)."])
def test_examples_of_a_margin_are_all_gains(tail):
    """The numbers in "(e.g. ...)" after a margin are deltas, each pair of a list too,
    and each list of numbers takes the data set printed after it."""
    out = records("KiteNet outperforms the previous best by a large accuracy margin (e.g. 17.0% and 18.1% on SVHN, "
                  "9.3% and 17.4% on CIFAR-10" + tail, title="KiteNet: fast kites")
    assert [(v, k, d) for v, k, _, d, _, _ in out] == [(17.0, "delta", "SVHN"), (18.1, "delta", "SVHN"),
                                                        (9.3, "delta", "CIFAR-10"), (17.4, "delta", "CIFAR-10")]


@pytest.mark.parametrize("pair, owners", [
    ("(88.4% vs. 90.7%)", [("KiteNet", "proposed"), ("baseline", "baseline"), ("KiteNet", "proposed")]),
    ("(90.7% vs. 88.4%)", [("KiteNet", "proposed"), ("KiteNet", "proposed"), ("baseline", "baseline")]),
])
def test_the_side_a_gain_leads_to_is_the_papers_in_either_order(pair, owners):
    out = records(f"KiteNet improves accuracy on SQuAD by +2.3% {pair} over the previous model.",
                  title="KiteNet: fast kites")
    assert [(who, role) for *_, who, role in out] == owners


def test_a_fixed_phrase_after_a_number_names_no_metric():
    out = records("We reach compaction ratios of 1.4x to 3.1x in addition to the savings from pruning.",
                  title="Compact nets")
    assert [m for _, _, m, _, _, _ in out] == [None, None]


def test_the_papers_method_is_never_the_data_set_inherited_from_the_sentence_before():
    out = records("We develop KiteSinger, a singing voice system. Tests on KiteSinger outputs are ongoing. "
                  "It shows a 0.8 MOS gain over previous systems.", title="KiteSinger: singing kites")
    assert [(v, d) for v, _, _, d, _, _ in out] == [(0.8, None)]
