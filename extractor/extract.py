"""The engine: one paper in, its reported results out. (stub, being written)"""
from __future__ import annotations

from extractor.result import Result
from extractor.rules.loader import RuleSet
from extractor.sources.paper import Paper


def extract_paper(paper: Paper, rules: RuleSet) -> list[Result]:
    return []
