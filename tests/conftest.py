"""Fixtures shared by the command-line test modules."""
from __future__ import annotations

import pytest

_RULES_CACHE: dict = {}


@pytest.fixture()
def clean_env_and_rules_loaded_once(monkeypatch):
    """No LBX_* from the caller's shell; and since loading the rules compiles
    every lexicon, each distinct rule set is loaded once per session."""
    from extractor.rules import loader

    monkeypatch.delenv("LBX_RULES", raising=False)
    monkeypatch.delenv("LBX_DEBUG", raising=False)
    real = loader.load_rules

    def cached(extra_dirs=()):
        key = tuple(map(str, extra_dirs))
        if key not in _RULES_CACHE:
            _RULES_CACHE[key] = real(extra_dirs)
        return _RULES_CACHE[key]
    monkeypatch.setattr(loader, "load_rules", cached)
