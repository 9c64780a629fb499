"""Throughput and memory of `lbx extract` on two corpora, each against floors measured in the same run.

    python benchmarks/throughput.py                      # dense and typical, 50,000 abstracts each
    python benchmarks/throughput.py --n 200000           # bigger corpora
    python benchmarks/throughput.py --input papers.jsonl # your own JSON Lines (e.g. the arXiv snapshot)
    python benchmarks/throughput.py --memory 100000 1000000   # peak RSS as the input grows
    python benchmarks/throughput.py --only stages        # where one worker's time goes, per step

The corpora, as JSON Lines, each repeated to N with a unique arXiv-style id per
copy and publication dates spread over 2015-2025 (so year partitions are exercised):

- *dense*: the abstracts with at least one gold result: the seeds (data/sample,
  read by lbx's reader, gold in data/gold/gold_D1-D3.jsonl) and the ICLR dev
  papers of ../shared/gold/gold_D4.jsonl (inputs in ../shared/corpus/iclr2021_dev.jsonl),
  matched to their gold by title. Every abstract here reaches the engine's
  second pass: the speed that matters for the papers lbx is for.
- *typical*: ../shared/corpus/iclr2021.jsonl, a whole conference's abstracts,
  most of which report no number at all.

Without ../shared the dense corpus is the seeds alone and the typical one is skipped.
Printed for each corpus, in one run:

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
- the bars of issue 11: 1 worker at least 1/10 of floor 2 on the dense corpus
  and 1/6 on the typical one; all cores (2 here) at least 1.7x one worker.

After each corpus, where one worker's time goes (`stages`): microseconds per
abstract of floor 2 and of the engine's steps in-process, against what the bar
allows.

Then the pathological abstracts of issue 11 (100,000 characters each: one
number repeated with and without spaces, full-width digits, one word or one
name repeated, 10,000 numbers, dense results), timed in-process: each must take
under 1 s.

--memory N... runs lbx (all cores) on generated corpora of N abstracts and reports
the same peaks: memory should not grow with N (the bar: 1,000,000 abstracts
under 500 MB summed over processes).
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
SHARED = REPO.parent / "shared"
SEED_GOLD = sorted((REPO / "data" / "gold").glob("gold_D[1-3].jsonl"))
D4_GOLD, D4_INPUT = SHARED / "gold" / "gold_D4.jsonl", SHARED / "corpus" / "iclr2021_dev.jsonl"
TYPICAL = SHARED / "corpus" / "iclr2021.jsonl"
BARS = {"dense": 10, "typical": 6}  # 1 worker at least 1/N of floor 2
SPEEDUP_BAR = 1.7
NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*")
# Runs a command and prints the peak RSS (KiB) of the largest process in its tree:
# a process's reaped children's peaks propagate to it, so this covers the workers.
_MAXRSS = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def _use_shared(shared: Path) -> None:
    global SHARED, D4_GOLD, D4_INPUT, TYPICAL
    SHARED = shared
    D4_GOLD, D4_INPUT = shared / "gold" / "gold_D4.jsonl", shared / "corpus" / "iclr2021_dev.jsonl"
    TYPICAL = shared / "corpus" / "iclr2021.jsonl"


def _title_key(title: str) -> str:
    return " ".join((title or "").lower().split())


def _with_gold(golds: list[Path]) -> set[str]:
    """Titles of the papers with at least one gold result."""
    keys = set()
    for g in golds:
        for line in g.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line) if line.strip() else {}
            if rec.get("results"):
                keys.add(_title_key(rec.get("title")))
    return keys


def sample_papers() -> list[tuple[str, str]]:
    """(title, abstract) of the bundled sample, read by lbx's own reader."""
    sys.path.insert(0, str(REPO))
    from extractor.sources import read_papers

    return [(p.title, p.abstract) for f in SAMPLE for p in read_papers(str(f)) if p.abstract]


def dense_papers() -> list[tuple[str, str]]:
    """The seeds' and D4's abstracts that have at least one gold result."""
    seeds = _with_gold(SEED_GOLD)
    papers = [(t, a) for t, a in sample_papers() if _title_key(t) in seeds]
    if D4_GOLD.exists() and D4_INPUT.exists():
        d4 = _with_gold([D4_GOLD])
        for line in D4_INPUT.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if _title_key(rec.get("title")) in d4 and rec.get("abstract"):
                papers.append((rec["title"], rec["abstract"]))
    else:
        print(f"(no {SHARED}: the dense corpus is the seeds alone)")
    return papers


def typical_papers() -> list[tuple[str, str]] | None:
    if not TYPICAL.exists():
        print(f"(no {TYPICAL}: the typical corpus is skipped)")
        return None
    return [(r["title"], r["abstract"]) for r in map(json.loads, TYPICAL.read_text(encoding="utf-8").splitlines())
            if r.get("abstract")]


def write_corpus(papers: list[tuple[str, str]], n: int, path: Path) -> Path:
    """`n` abstracts: `papers` repeated, with unique ids and spread dates."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            title, abstract = papers[i % len(papers)]
            rec = {"id": f"{15 + i % 11:02d}{1 + i % 12:02d}.{i:07d}", "title": title, "abstract": abstract,
                   "update_date": f"{2015 + i % 11}-{1 + i % 12:02d}-{1 + i % 28:02d}"}
            f.write(json.dumps(rec) + "\n")
    return path


def build_corpus(n: int, path: Path) -> Path:
    """The sample's abstracts repeated to `n` (for --memory)."""
    return write_corpus(sample_papers(), n, path)


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


def throughput(name: str, corpus: Path, workdir: Path, repeat: int, bar: int | None) -> None:
    n_cores = cores()
    fl = floors(corpus)
    n = fl["n"]
    size = corpus.stat().st_size / 2**20
    print(f"\n[{name}] {n:,} abstracts, {size:,.1f} MB of JSON Lines; machine: {n_cores} cores")
    print(f"floor 1: read + JSON-parse only                     {fl['parse']:>10,.0f} abstracts/s")
    print(f"floor 2: read + parse + one number regex            {fl['regex']:>10,.0f} abstracts/s"
          f"   (the regex alone: {fl['regex_only']:,.0f}/s)")
    rates = {}
    for w in sorted({1, n_cores}):
        runs = [run_lbx(corpus, workdir / f"out-{name}-{w}.parquet", w) for _ in range(repeat)]
        r = min(runs, key=lambda x: x["wall"])
        rates[w] = n / r["wall"]
        print(f"lbx extract, {w} worker{'s' if w > 1 else ' '} (read, extract, write Parquet) {rates[w]:>8,.0f} abstracts/s"
              f"   1/{fl['regex'] / rates[w]:.1f} of floor 2, {r['wall']:.1f} s (best of {repeat}), "
              f"peak RSS {mb(r['tree_peak'])} (process tree), {mb(r['largest'])} (largest process)")
    ratio = rates[1] / fl["regex"]
    if bar:
        print(f"bar: 1 worker >= 1/{bar} of floor 2: {'yes' if ratio >= 1 / bar else 'NO'} (1/{1 / ratio:.1f}; "
              f"1/{fl['regex_only'] / rates[1]:.1f} of the regex alone)")
    if n_cores > 1:
        speedup = rates[n_cores] / rates[1]
        print(f"bar: {n_cores} workers >= {SPEEDUP_BAR}x 1 worker: {'yes' if speedup >= SPEEDUP_BAR else 'NO'} "
              f"({speedup:.2f}x)")
    stages(name, corpus, bar)


def stages(name: str, corpus: Path, bar: int | None, limit: int = 5_000) -> None:
    """Where one worker's time goes: microseconds per abstract of the floor and of the
    engine's steps, in-process (best of 3 over the corpus's first `limit` abstracts),
    against the per-abstract time the bar allows (floor 2 times the bar's N).

    The steps up to the lexicon look-ups are what any engine on these rules must do
    before its first decision (normalize, find the numbers, cut sentences, cut words,
    look the names up); the rest is deciding and attaching fields."""
    sys.path.insert(0, str(REPO))
    from extractor.extract import extract_paper
    from extractor.rules.lexicon import tokenize
    from extractor.rules.loader import load_rules
    from extractor.sources.paper import Paper
    from extractor.text.normalize import normalize
    from extractor.text.numbers import find_numbers
    from extractor.text.sentences import split_sentences

    rules = load_rules()
    lines, seen = [], set()  # each distinct abstract once: repeats would time warm caches
    with open(corpus, "rb") as f:
        for line in f:
            abstract = json.loads(line).get("abstract") or ""
            if abstract not in seen:
                seen.add(abstract)
                lines.append(line)
                if len(lines) == limit:
                    break
    recs = [json.loads(line) for line in lines]
    papers = [Paper(r["id"], r.get("title") or "", r.get("abstract") or "", "bench") for r in recs]
    texts = [normalize(p.abstract)[0] for p in papers]
    numbers = [find_numbers(t, rules.units) for t in texts]
    tokens = [tokenize(t) for t in texts]

    def us(step) -> float:
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            step()
            best = min(best, time.process_time() - t)
        return 1e6 * best / len(papers)

    floor2 = us(lambda: [NUMBER.findall(json.loads(line).get("abstract") or "") for line in lines])
    steps = {
        "normalize": us(lambda: [normalize(p.abstract) for p in papers]),
        "find numbers": us(lambda: [find_numbers(t, rules.units) for t in texts]),
        "cut sentences": us(lambda: [split_sentences(t, n) for t, n in zip(texts, numbers)]),
        "cut words": us(lambda: [tokenize(t) for t in texts]),
        "look names up": us(lambda: [(rules.metrics.find(t, tokens=w), rules.datasets.find(t, tokens=w))
                                     for t, w in zip(texts, tokens)]),
    }
    before = sum(steps.values())
    engine = us(lambda: [extract_paper(p, rules) for p in papers])
    found = [p for p in papers if extract_paper(p, rules)]
    none = [p for p in papers if not extract_paper(p, rules)]
    with_results = us(lambda: [extract_paper(p, rules) for p in found]) * len(papers) / max(1, len(found))
    without = us(lambda: [extract_paper(p, rules) for p in none]) * len(papers) / max(1, len(none))
    allowed = floor2 * bar if bar else None
    of_bar = lambda t: f"  ({t / allowed:.0%} of what the bar allows)" if allowed else ""  # noqa: E731
    print(f"[{name}] where one worker's time goes, in-process, us per abstract ({len(papers):,} abstracts, best of 3):")
    print(f"  floor 2 (parse + one number regex) {floor2:8.1f}")
    if allowed:
        print(f"  the bar allows (1/{bar} of floor 2)    {allowed:8.1f}  for everything: engine, reading, writing")
    for step, t in steps.items():
        print(f"  {step:34s} {t:8.1f}")
    print(f"  = the text and name steps          {before:8.1f}" + of_bar(before)
          + "  (the engine cuts words and looks names up only where a number survives the grammar)")
    print(f"  the whole engine (extract_paper)   {engine:8.1f}" + of_bar(engine))
    print(f"    an abstract with results ({len(found) / len(papers):.0%})  {with_results:8.1f}" + of_bar(with_results))
    print(f"    an abstract without ({len(none) / len(papers):.0%})        {without:8.1f}" + of_bar(without))


def pathological_cases() -> dict[str, str]:
    """Issue 11's hostile abstracts, 100,000 characters each."""
    cases = {
        '"1,000" repeated, no spaces': "1,000" * 20_000,
        '"3x faster " + "1," repeated': "3x faster " + "1," * 49_995,
        '"1,000 " repeated': "1,000 " * 16_667,
        "full-width digits": "\uff11\uff12\uff13 " * 25_000,
        '"ImageNet" repeated': "ImageNet " * 11_112,
        "one word repeated": "accuracy " * 11_112,
        "10,000 numbers": " ".join(f"{i % 97}.{i % 10}%" for i in range(10_000)),
        "results, one sentence": "accuracy of 91.5% on ImageNet, " * 3_226,
        "results, many sentences": "Our model reaches 91.5% top-1 accuracy on ImageNet. " * 1_924,
        '"by 1, " repeated': "by 1, " * 16_667,
    }
    return {k: v[:100_000] for k, v in cases.items()}


def pathological() -> None:
    """Per-abstract time of the hostile abstracts, in-process (the bar: under 1 s each)."""
    sys.path.insert(0, str(REPO))
    from extractor.extract import extract_paper
    from extractor.rules.loader import load_rules
    from extractor.sources.paper import Paper

    rules = load_rules()
    print("\n[pathological] 100,000-character abstracts, extract_paper in-process")
    worst = 0.0
    for name, text in pathological_cases().items():
        t = time.perf_counter()
        results = extract_paper(Paper("p", "FooNet: a title", text, "bench"), rules)
        took = time.perf_counter() - t
        worst = max(worst, took)
        print(f"{name:32s} {took:7.3f} s   {len(results):,} results")
    print(f"bar: every 100,000-character abstract under 1 s: {'yes' if worst < 1 else 'NO'} (worst {worst:.3f} s)")


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
    ap.add_argument("--n", type=int, default=50_000, help="abstracts in each generated corpus (default 50,000)")
    ap.add_argument("--input", type=Path, help="use this JSON Lines file instead of the generated corpora")
    ap.add_argument("--memory", type=int, nargs="+", metavar="N", help="peak RSS for corpora of these sizes")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each lbx configuration; the fastest counts")
    ap.add_argument("--only", choices=["dense", "typical", "pathological", "stages"], action="append",
                    help="run only these parts (repeatable; default all)")
    ap.add_argument("--workdir", type=Path, help="where corpora and outputs go (default: a temporary directory)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared gold and corpus directory (default ../shared)")
    args = ap.parse_args()
    _use_shared(args.shared)
    parts = args.only or ["dense", "typical", "pathological"]
    repeat = max(1, args.repeat)
    with tempfile.TemporaryDirectory(prefix="lbx-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        if args.memory:
            memory(args.memory, workdir)
            return
        if args.input:
            throughput("input", args.input, workdir, repeat, None)
            return
        if parts == ["stages"]:  # the in-process breakdown alone, without the lbx runs
            dense = write_corpus(dense_papers(), len(dense_papers()), workdir / "dense.jsonl")
            stages("dense", dense, BARS["dense"])
            if typical_papers():
                stages("typical", write_corpus(typical_papers(), len(typical_papers()), workdir / "typical.jsonl"),
                       BARS["typical"])
            return
        if "dense" in parts:
            papers = dense_papers()
            print(f"dense: {len(papers)} abstracts with gold results, repeated to {args.n:,}")
            throughput("dense", write_corpus(papers, args.n, workdir / "dense.jsonl"), workdir, repeat, BARS["dense"])
        if "typical" in parts:
            papers = typical_papers()
            if papers:
                print(f"typical: {len(papers):,} ICLR 2021 abstracts, repeated to {args.n:,}")
                throughput("typical", write_corpus(papers, args.n, workdir / "typical.jsonl"), workdir, repeat,
                           BARS["typical"])
        if "pathological" in parts:
            pathological()


if __name__ == "__main__":
    main()
