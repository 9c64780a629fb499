"""The `confidence` of a row: the estimated chance that the whole row is right.

"Right" is the full level of `lbx eval`: value, kind, metric, dataset and method
all match the gold. The accepting pattern's own confidence says only how sure
the rules are that the number is a result; most wrong rows are wrong in a
field (no dataset in the sentence, a metric guessed from the unit, an unnamed
"(ours)"), so the estimate reads how each field was found.

The model is a logistic regression over a few yes/no features of a row plus
the pattern's confidence. Its weights are data, in `rules/confidence.yaml`,
fitted on the dev gold by `benchmarks/calibration.py --write` (see the file's
header). How a field was found comes from the engine's notes ("metric printed
after the number", "no dataset in the sentence", ...): the file maps note
prefixes to features, and a note no prefix knows counts as `note_other`, so a
new attach mechanism changes the estimate only after a refit, never breaks it.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import yaml

WEIGHTS_FILE = Path(__file__).parent / "rules" / "confidence.yaml"
# Method names that are an anonymous reference, not anybody's method.
REFERENCE_METHODS = {"baseline", "prior state of the art"}
# Features computed from the row itself; the note features are named in the weights file.
ROW_FEATURES = ("pattern_confidence", "shared_decision", "kind_delta", "kind_ratio", "unit_bare",
                "unit_factor", "unit_other", "metric_missing", "metric_open", "dataset_missing",
                "method_ours", "method_reference", "method_in_title")
IGNORED = "-"  # the feature of a note that says nothing the row does not (the default method)
PATTERN_CENTER = 0.85  # pattern confidences are centred here so the bias stays readable


class ConfidenceModel:
    """Note prefixes -> features, and one weight per feature (plus `bias`)."""

    def __init__(self, notes: Sequence[tuple[str, str]], weights: Mapping[str, float]):
        # longest prefix first: "the paper's method, named in the clause" before "the paper's method"
        self.notes = sorted(((p.lower(), f) for p, f in notes), key=lambda n: -len(n[0]))
        self.weights = dict(weights)
        own = sorted({f for _, f in self.notes} - {IGNORED, *ROW_FEATURES})
        self.names = ["bias", *ROW_FEATURES, *own, "note_other"]
        self._seen: dict[str, str] = {}
        self._index = {n: i for i, n in enumerate(self.names)}  # a feature's place in `_feature_list`
        self._weight_list = [self.weights.get(n, 0.0) for n in self.names]

    def note_feature(self, note: str) -> str:
        found = self._seen.get(note)
        if found is None:
            low = note.lower()
            found = next((f for p, f in self.notes if low.startswith(p)), "note_other")
            if len(self._seen) < 10_000:  # notes are a few dozen fixed strings (plus names in a few)
                self._seen[note] = found
        return found

    def features(self, *, pattern_confidence: float, rule: str, kind: str, unit: str | None,
                 metric: str | None, metric_in_lexicon: bool, dataset: str | None, method: str | None,
                 notes: Iterable[str], title: str | None = None) -> dict[str, float]:
        """The row's features by name (for fitting and for reading them)."""
        v = self._feature_list(pattern_confidence, rule, kind, unit, metric, metric_in_lexicon, dataset, method,
                               notes, title)
        return dict(zip(self.names, v))

    def row_probability(self, *, pattern_confidence: float, rule: str, kind: str, unit: str | None,
                        metric: str | None, metric_in_lexicon: bool, dataset: str | None, method: str | None,
                        notes: Iterable[str], title: str | None = None) -> float:
        """`probability(features(...))` for one row, the engine's way: the same
        values summed in the same order (so the same float), without a dict of
        thirty features per row."""
        v = self._feature_list(pattern_confidence, rule, kind, unit, metric, metric_in_lexicon, dataset, method,
                               notes, title)
        z = sum(w * x for w, x in zip(self._weight_list, v))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def _feature_list(self, pattern_confidence, rule, kind, unit, metric, metric_in_lexicon, dataset, method,
                      notes, title) -> list[float]:
        """The features in the order of `names`: the one place they are defined."""
        v = [0.0] * len(self.names)
        ix = self._index
        v[ix["bias"]] = 1.0
        v[ix["pattern_confidence"]] = float(pattern_confidence) - PATTERN_CENTER
        v[ix["shared_decision"]] = float("+" in (rule or ""))  # took the decision of its list or range
        v[ix["kind_delta"]] = float(kind == "delta")
        v[ix["kind_ratio"]] = float(kind == "ratio")
        v[ix["unit_bare"]] = float(unit is None)
        v[ix["unit_factor"]] = float(unit == "x")
        v[ix["unit_other"]] = float(unit not in (None, "x", "%"))
        v[ix["metric_missing"]] = float(metric is None)
        v[ix["metric_open"]] = float(metric is not None and not metric_in_lexicon)  # words, not a lexicon entry
        v[ix["dataset_missing"]] = float(dataset is None)
        v[ix["method_ours"]] = float(method == "(ours)")
        v[ix["method_reference"]] = float(method in REFERENCE_METHODS)
        # a name the title also prints ("FooNet: ...") is the paper's own name, not a guess from the abstract
        v[ix["method_in_title"]] = float(bool(method) and method not in REFERENCE_METHODS and method != "(ours)"
                                         and method in (title or ""))
        for note in notes or ():
            feature = self.note_feature(note)
            if feature != IGNORED:
                v[ix[feature]] = 1.0  # presence, not count: a note can repeat
        return v

    def vector(self, x: Mapping[str, float]) -> list[float]:
        return [x[n] for n in self.names]

    def probability(self, x: Mapping[str, float]) -> float:
        z = sum(self.weights.get(n, 0.0) * v for n, v in x.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def load_model(path: str | Path = WEIGHTS_FILE) -> ConfidenceModel:
    """The model of a weights file (safe YAML: `notes` list and `weights` mapping)."""
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    notes = [(str(n["prefix"]), str(n["feature"])) for n in doc.get("notes", [])]
    weights = {str(k): float(v) for k, v in (doc.get("weights") or {}).items()}
    return ConfidenceModel(notes, weights)


@lru_cache(maxsize=1)
def default_model() -> ConfidenceModel:
    return load_model()


def row_confidence(decision, unit, metric, dataset, method, metric_entry, notes, title=None) -> float:
    """The engine's hook: the confidence written to the table (3 decimals)."""
    p = default_model().row_probability(
        pattern_confidence=decision.confidence, rule=decision.rule, kind=decision.kind, unit=unit, metric=metric,
        metric_in_lexicon=metric_entry is not None, dataset=dataset, method=method, notes=notes, title=title)
    return round(min(0.999, max(0.001, p)), 3)  # never 0 or 1: it is an estimate


def fit(rows: Sequence[Sequence[float]], labels: Sequence[int], names: Sequence[str],
        l2: float = 2.0, iterations: int = 50) -> dict[str, float]:
    """L2-regularized logistic regression by Newton's method (numpy only).

    The bias is not penalized. With a few hundred rows and twenty features the
    penalty is what keeps a feature seen on three rows from getting a weight
    that only those three rows support."""
    import numpy as np

    X = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    w = np.zeros(X.shape[1])
    penalty = np.full(X.shape[1], float(l2))
    penalty[list(names).index("bias")] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (p - y) + penalty * w
        hess = (X * (p * (1 - p))[:, None]).T @ X + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return {n: round(float(v), 4) for n, v in zip(names, w)}
