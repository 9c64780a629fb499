"""How the leaderboard API (what the dashboard calls) copes with a big table.

Builds a table of N rows (the sample results repeated with unique paper ids and
jittered values), then times load_results, benchmarks() and leaderboard() on the
most covered benchmark, and prints peak RSS.

    .venv/bin/python benchmarks/dashboard_scale.py --rows 1000000
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractor.leaderboard import benchmarks, leaderboard, load_results  # noqa: E402


def build(rows: int, out: Path) -> None:
    sample = REPO / "data" / "sample_results.parquet"
    if not sample.exists():
        subprocess.run([sys.executable, "-m", "extractor", "extract", *map(str, sorted((REPO / "data" / "sample").glob("*.txt"))),
                        "-o", str(sample), "--quiet"], check=True)
    base = pq.read_table(sample)
    reps = -(-rows // base.num_rows)
    table = pa.concat_tables([base] * reps).slice(0, rows)
    ids = pa.array([f"{p}#{i // base.num_rows}" for i, p in enumerate(table["paper_id"].to_pylist())])
    rng = np.random.default_rng(0)
    values = pa.array(np.asarray(table["value"]) * rng.uniform(0.9, 1.0, rows))
    table = table.set_column(table.schema.get_field_index("paper_id"), table.schema.field("paper_id"), ids)
    table = table.set_column(table.schema.get_field_index("value"), table.schema.field("value"), values)
    pq.write_table(table, out)


def measure(path: str) -> None:
    t = time.perf_counter()
    df = load_results(path)
    print(f"load_results: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    b = benchmarks(df)
    print(f"benchmarks(): {time.perf_counter() - t:.2f} s ({len(b)} benchmarks)")
    top = b.iloc[0]
    t = time.perf_counter()
    lb = leaderboard(df, top["dataset"], top["metric"])
    print(f"leaderboard({top['dataset']!r}, {top['metric']!r}): {time.perf_counter() - t:.2f} s ({len(lb)} methods)")
    print(f"peak RSS of the process that loaded and ranked: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.parquet"
        t = time.perf_counter()
        build(args.rows, path)
        print(f"built {args.rows:,} rows in {time.perf_counter() - t:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
        # measured in a fresh process, so that peak RSS is the dashboard's, not the builder's
        subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True)

if __name__ == "__main__":
    main()
