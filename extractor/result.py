"""The record the engine produces for one reported number.

Field names and meanings match the Parquet schema in `extractor/table.py`, which
documents each field; this class only carries them from the engine to the writer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("score", "delta", "ratio")
ROLES = ("proposed", "baseline")


@dataclass(slots=True)
class Result:
    paper_id: str
    title: str
    source: str
    published: str | None
    method: str | None
    role: str  # one of ROLES
    task: str | None
    dataset: str | None
    metric: str | None
    kind: str  # one of KINDS
    value: float  # the number as printed, never rescaled ("26.90%" -> 26.9)
    value_text: str  # the surface of the number with its unit, exactly as in the abstract
    unit: str | None
    value_norm: float | None
    unit_norm: str | None
    higher_is_better: bool | None
    evidence: str  # the sentence, copied exactly from the abstract
    start: int  # span of the number in the abstract (Python slice indices)
    end: int
    rule: str  # id of the rule that accepted the number
    confidence: float
    extractor_version: str
    url: str | None = None  # link to the paper (source's url, or arXiv from the id)
    # The names as printed in the abstract, beside the canonical ones above ("top-1 acc."
    # beside "top-1 accuracy"; "IN-1k" beside "ImageNet"): users search for either.
    metric_text: str | None = None
    dataset_text: str | None = None
    method_text: str | None = None
    setting: str | None = None  # the evaluation setting ("5-shot", "linear probe"): extractor/settings.py
    notes: list[str] = field(default_factory=list)  # why fields were chosen (for `lbx rules explain`)
