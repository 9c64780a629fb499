"""The engine's output on the dev sets, as a snapshot: what a speed-up must not change.

Issue 11 made the engine faster under one condition: the same rules give the same
rows. `tests/test_engine_snapshot.py` holds it by comparing every row the engine
extracts from the dev sets with the rows recorded here:

- `seeds.jsonl`: the bundled sample (data/sample), row by row, readable, so a
  diff shows what changed;
- `d4.sha1`, `iclr.sha1`: one SHA-1 per row for the ICLR dev set and the whole
  ICLR 2021 corpus in ../shared (not ours to ship: the digests carry no text).

A change that is meant to change rows (a new rule, a better mechanism) refreshes
the snapshot in the same commit:

    .venv/bin/python tests/snapshots/engine.py            # rewrite all three
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SHARED = REPO.parent / "shared"
SEEDS = sorted((REPO / "data" / "sample").glob("*.txt"))
CORPORA = {"d4": SHARED / "corpus" / "iclr2021_dev.jsonl", "iclr": SHARED / "corpus" / "iclr2021.jsonl"}
# every field the engine decides; not the version, the source file or the paper's own metadata
FIELDS = ("paper_id", "start", "end", "value_text", "value", "unit", "value_norm", "unit_norm", "kind", "metric",
          "dataset", "method", "role", "task", "higher_is_better", "setting", "rule", "confidence", "metric_text",
          "dataset_text", "method_text", "evidence", "notes")


def rows(papers, rules) -> list[dict]:
    """The engine's rows for `papers`, as plain JSON values, in input order."""
    from extractor.extract import extract_paper

    out = []
    for paper in papers:
        for r in extract_paper(paper, rules):
            row = {f: getattr(r, f) for f in FIELDS}
            row["confidence"] = round(row["confidence"], 6)
            row["notes"] = list(row["notes"] or [])
            out.append(row)
    return out


def digest(row: dict) -> str:
    return hashlib.sha1(json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def seed_papers():
    from extractor.sources import read_papers

    return [p for f in SEEDS for p in read_papers(str(f))]


def corpus_papers(name: str):
    from extractor.sources import read_papers

    return list(read_papers(str(CORPORA[name])))


def main() -> None:
    sys.path.insert(0, str(REPO))
    from extractor.rules.loader import load_rules

    rules = load_rules()
    seeds = rows(seed_papers(), rules)
    (HERE / "seeds.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in seeds), "utf-8")
    print(f"seeds.jsonl: {len(seeds)} rows")
    for name, path in CORPORA.items():
        if not path.exists():
            print(f"{name}.sha1: not refreshed ({path} is missing)")
            continue
        digests = [digest(r) for r in rows(corpus_papers(name), rules)]
        (HERE / f"{name}.sha1").write_text("".join(d + "\n" for d in digests), "utf-8")
        print(f"{name}.sha1: {len(digests)} rows")


if __name__ == "__main__":
    main()
