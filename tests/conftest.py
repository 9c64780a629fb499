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


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of two worker processes, one per test module that asks."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c
