"""Which leaderboard a row belongs on: (dataset, split, metric), from rule data only.

A row's `dataset` is the lexicon's canonical name with the split the paper gave
("ImageNet-1K validation"), its `metric` the metric lexicon's name. Two rows are
on one benchmark when the rule files say their names are one thing and in no
other case:
- the metric lexicon (metrics.yaml) and dataset lexicon (datasets.yaml): a name
  that is, whole, an alias of an entry is that entry ("top-1 acc" -> "top-1 accuracy");
- the benchmark file (benchmarks.yaml): a dataset alias is its benchmark's
  dataset (ImageNet-1K, ILSVRC-2012 -> ImageNet), and a metric alias of the
  entry is its metric *on that dataset only* ("accuracy" is "top-1 accuracy" on
  ImageNet, not on SST-2).
Names no rule relates stay apart, however alike they are spelled: guessing that
"MNIST" and "MNIST-M" are one benchmark is what this module does not do.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# The split words the engine writes after a dataset name (attach/dataset.py), longest first.
ENGINE_SPLITS = ("test-dev", "test-std", "test-clean", "test-other", "dev-clean", "dev-other", "validation",
                 "test", "dev")
_SPLIT_NAMES = {"val": "validation"}


@dataclass(frozen=True)
class Benchmark:
    dataset: str  # canonical dataset with its split: the leaderboard's name ("ImageNet validation")
    base: str  # canonical dataset without the split ("ImageNet")
    split: str | None
    metric: str  # canonical metric
    task: str | None  # the benchmark file's task, where it names one


class BenchmarkIndex:
    """The benchmark file and lexicons of one RuleSet, as look-up tables."""

    def __init__(self, rules):
        self.rules = rules
        self.by_alias: dict[str, dict] = {}
        self.splits: set[str] = set(ENGINE_SPLITS)
        for entry in rules.raw.get("benchmarks", []):
            for name in [entry["dataset"], *entry.get("aliases", [])]:
                self.by_alias[name.casefold()] = entry
            self.splits.update(s.lower() for s in entry.get("splits", []))
        self._splits = sorted(self.splits, key=len, reverse=True)

    @lru_cache(maxsize=65536)
    def lexicon_name(self, kind: str, name: str) -> str:
        """The lexicon entry `name` is, whole, an alias of; else `name` as it is."""
        lexicon = self.rules.metrics if kind == "metric" else self.rules.datasets
        text = name.strip()
        found = lexicon.find(text)
        if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
            return found[0].entry.name
        return text

    def split_of(self, dataset: str) -> tuple[str, str | None]:
        """("ImageNet-1K", "validation") of "ImageNet-1K validation"; a split word only after a space."""
        text = " ".join(dataset.split())
        low = text.lower()
        for split in self._splits:
            if low.endswith(" " + split) and len(low) > len(split) + 1:
                return text[:-len(split) - 1], _SPLIT_NAMES.get(split, split)
        return text, None

    @lru_cache(maxsize=65536)
    def identify(self, dataset: str, metric: str) -> Benchmark:
        base, split = self.split_of(str(dataset))
        canonical = self.lexicon_name("dataset", base)
        entry = self.by_alias.get(canonical.casefold()) or self.by_alias.get(base.casefold())
        metric_name = self.lexicon_name("metric", str(metric))
        task = None
        if entry is not None:
            canonical, task = entry["dataset"], entry.get("task")
            for scoped in entry.get("metrics", []):
                names = {scoped["metric"].casefold(), *(a.casefold() for a in scoped.get("aliases", []))}
                if metric_name.casefold() in names or str(metric).strip().casefold() in names:
                    metric_name = scoped["metric"]
                    break
        shown = f"{canonical} {split}" if split else canonical
        return Benchmark(shown, canonical, split, metric_name, task)


_indexes: dict[int, tuple[object, BenchmarkIndex]] = {}


def index_for(rules) -> BenchmarkIndex:
    """One BenchmarkIndex per RuleSet (kept while the RuleSet lives)."""
    hit = _indexes.get(id(rules))
    if hit is None or hit[0] is not rules:
        if len(_indexes) > 8:
            _indexes.clear()
        hit = _indexes[id(rules)] = (rules, BenchmarkIndex(rules))
    return hit[1]
