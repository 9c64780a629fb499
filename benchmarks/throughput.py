"""Throughput and memory of `lbx extract`, against two floors measured in the same run.

    python benchmarks/throughput.py                      # 50,000 abstracts built from the sample
    python benchmarks/throughput.py --n 200000           # a bigger corpus
    python benchmarks/throughput.py --input papers.jsonl # your own JSON Lines (e.g. the arXiv snapshot)
    python benchmarks/throughput.py --memory 100000 1000000   # peak RSS as the input grows

The corpus is the bundled sample abstracts repeated to N, each copy with a unique
arXiv-style id and a publication date spread over 2015-2025 (so the year
partitions are exercised), as JSON Lines. Printed, in one run:

- floor 1: reading and JSON-parsing every line, nothing else;
- floor 2: the same plus one compiled number-finding regex over every abstract
  (the cheapest program that looks at every number), and that regex alone;
- lbx end to end (`lbx extract CORPUS -o OUT.parquet`, as a user runs it: process
  start, rules, read, extract, write Parquet) with 1 worker and with all cores,
  in abstracts per second (the fastest of --repeat runs, 2 by default: the
  machine is shared), with the peak RSS of the process tree (the sum over
  the main process and its workers, sampled every 0.1 s with psutil; forked
  workers share pages, so the sum overstates) and of its largest process
  (getrusage, exact);
- the bar of issue 5: 1 worker at least 1/10 of floor 2, and all cores (2 here)
  at least 1.6x the 1-worker rate.

--memory N... runs lbx (all cores) on generated corpora of N abstracts and reports
the same peaks: memory should not grow with N.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = sorted((REPO / "data" / "sample").glob("*.txt"))
NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*")
# Runs a command and prints the peak RSS (KiB) of the largest process in its tree:
# a process's reaped children's peaks propagate to it, so this covers the workers.
_MAXRSS = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def build_corpus(n: int, path: Path) -> Path:
    """`n` abstracts: the sample's, repeated, with unique ids and spread dates."""
    sys.path.insert(0, str(REPO))
    from extractor.sources import read_papers

    papers = [p for f in SAMPLE for p in read_papers(str(f)) if p.abstract]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            p = papers[i % len(papers)]
            rec = {"id": f"{15 + i % 11:02d}{1 + i % 12:02d}.{i:07d}", "title": p.title, "abstract": p.abstract,
                   "update_date": f"{2015 + i % 11}-{1 + i % 12:02d}-{1 + i % 28:02d}"}
            f.write(json.dumps(rec) + "\n")
    return path


def floors(path: Path) -> dict[str, float]:
    """Abstracts per second of the two floors and of the regex alone."""
    loads = json.loads
    t = time.perf_counter()
    with open(path, "rb") as f:
        n = sum(1 for line in f if loads(line) is not None)
    parse = n / (time.perf_counter() - t)
    abstracts = []
    t = time.perf_counter()
    with open(path, "rb") as f:
        for line in f:
            rec = loads(line)
            NUMBER.findall(rec.get("abstract") or "")
            abstracts.append(rec.get("abstract") or "")
    regex = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for a in abstracts:
        NUMBER.findall(a)
    regex_only = n / (time.perf_counter() - t)
    return {"n": n, "parse": parse, "regex": regex, "regex_only": regex_only}


def run_lbx(corpus: Path, out: Path, workers: int | None) -> dict[str, float]:
    """Wall time and peak memory of one `lbx extract` process (and its workers)."""
    cmd = [sys.executable, "-m", "extractor", "extract", str(corpus), "-o", str(out), "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    try:
        import psutil
    except ImportError:
        psutil = None
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _MAXRSS, *cmd], cwd=REPO, stdout=subprocess.PIPE, text=True)
    tree_peak = 0
    if psutil is not None:
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                procs = root.children(recursive=True)  # lbx and its workers, not the wrapper
                total = 0
                for q in procs:
                    try:
                        total += q.memory_info().rss
                    except psutil.Error:
                        pass
                tree_peak = max(tree_peak, total)
            except psutil.Error:
                pass
            time.sleep(0.1)
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"lbx failed (exit {proc.returncode}): {' '.join(cmd)}")
    largest = int(stdout.split()[-1]) * 1024  # ru_maxrss is in KiB on Linux
    return {"wall": wall, "tree_peak": tree_peak, "largest": largest}


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def mb(n: float) -> str:
    return "n/a" if n != n or not n else f"{n / 2**20:,.0f} MB"


def throughput(corpus: Path, workdir: Path, repeat: int) -> None:
    n_cores = cores()
    fl = floors(corpus)
    n = fl["n"]
    size = corpus.stat().st_size / 2**20
    print(f"corpus: {n:,} abstracts, {size:,.1f} MB of JSON Lines ({corpus}); machine: {n_cores} cores")
    print(f"floor 1: read + JSON-parse only                     {fl['parse']:>10,.0f} abstracts/s")
    print(f"floor 2: read + parse + one number regex            {fl['regex']:>10,.0f} abstracts/s"
          f"   (the regex alone: {fl['regex_only']:,.0f}/s)")
    rates = {}
    for w in sorted({1, n_cores}):
        runs = [run_lbx(corpus, workdir / f"out-{w}.parquet", w) for _ in range(repeat)]
        r = min(runs, key=lambda x: x["wall"])
        rates[w] = n / r["wall"]
        print(f"lbx extract, {w} worker{'s' if w > 1 else ' '} (read, extract, write Parquet) {rates[w]:>8,.0f} abstracts/s"
              f"   {r['wall']:.1f} s (best of {repeat}), peak RSS {mb(r['tree_peak'])} (process tree), {mb(r['largest'])} (largest process)")
    ratio = rates[1] / fl["regex"]
    print(f"bar: 1 worker >= 1/10 of floor 2: {'yes' if ratio >= 0.1 else 'NO'} (1/{1 / ratio:.1f}; "
          f"1/{fl['regex_only'] / rates[1]:.1f} of the regex alone)")
    if n_cores > 1:
        speedup = rates[n_cores] / rates[1]
        print(f"bar: {n_cores} workers >= 1.6x 1 worker: {'yes' if speedup >= 1.6 else 'NO'} ({speedup:.2f}x)")


def memory(sizes: list[int], workdir: Path) -> None:
    print(f"lbx extract (all {cores()} cores) on generated corpora; peak RSS should not grow with N")
    for n in sizes:
        corpus = build_corpus(n, workdir / f"corpus-{n}.jsonl")
        r = run_lbx(corpus, workdir / f"mem-{n}.parquet", None)
        print(f"{n:>10,} abstracts: {r['wall']:7.1f} s ({n / r['wall']:,.0f}/s), peak RSS {mb(r['tree_peak'])} "
              f"(process tree), {mb(r['largest'])} (largest process)", flush=True)
        corpus.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50_000, help="abstracts in the generated corpus (default 50,000)")
    ap.add_argument("--input", type=Path, help="use this JSON Lines file instead of a generated corpus")
    ap.add_argument("--memory", type=int, nargs="+", metavar="N", help="peak RSS for corpora of these sizes")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each lbx configuration; the fastest counts")
    ap.add_argument("--workdir", type=Path, help="where corpora and outputs go (default: a temporary directory)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lbx-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        if args.memory:
            memory(args.memory, workdir)
            return
        corpus = args.input or build_corpus(args.n, workdir / "corpus.jsonl")
        throughput(corpus, workdir, max(1, args.repeat))


if __name__ == "__main__":
    main()
