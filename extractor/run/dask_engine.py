"""`lbx extract --engine dask [--scheduler ADDRESS]`: the same extraction over Dask partitions.

    JSON Lines  dd.read_json(path, lines=True, blocksize=...)  (blocks of raw lines)
    Parquet     dd.read_parquet(path, columns=[the mapped ones])
    other       lbx's own readers, in this process, into dd.from_pandas partitions
    then        .map_partitions(extract_partition)  -> one row a partition
    and         the partitions' rows written here, in order, through `Output`

Why the JSON Lines blocks reach the partition function as raw lines rather than
pandas-parsed columns: the partition function then runs lbx's own JSON Lines
reader (`read_jsonl`, `paper_from_record`), so ids, dates, cleaned text and the
handling of bad records are exactly the local engine's (pandas would, for
instance, turn an integer id column with a gap into floats).

Why the results come back to the client instead of going out through
`to_parquet`: the client writes them with the local engine's `Output`, so both
engines write the same schema, metadata, papers table, partition layout and row
order, atomically; and the output path needs to exist only where lbx runs, not
on a file system shared by every worker. A partition's result is small (an Arrow
IPC stream of its rows, a few MB for 64 MB of abstracts), and at most
`2 x workers` partitions are in flight.

Workers need lbx installed, and the rule packs given with --rules at the same
path; each worker process loads the rules once (`_worker_rules`) and checks that
their hash is the client's, so a worker with another lbx version cannot mix rows
from other rules into the table. Without --scheduler a LocalCluster with one
single-threaded worker process per core is started and stopped.
"""
from __future__ import annotations

import io
import json
import os
from collections import Counter, deque

import pyarrow as pa

from extractor.run.batches import NoInputRead, RunStats
from extractor.run.budget import extract_within
from extractor.run.output import Output
from extractor.run.papers import abstract_sha1, papers_table
from extractor.run.workers import default_workers
from extractor.sources import display_name, format_for
from extractor.sources.errors import InputError

_RULES: dict[tuple, object] = {}  # per worker process: rule dirs -> RuleSet
PAPER_COLUMNS = ["paper_id", "title", "abstract", "source", "published", "url"]


def _worker_rules(rule_dirs: tuple[str, ...], rules_hash: str):
    if rule_dirs not in _RULES:
        from extractor.rules.loader import load_rules

        _RULES[rule_dirs] = load_rules(extra_dirs=list(rule_dirs))
    rules = _RULES[rule_dirs]
    if rules.hash != rules_hash:
        raise RuntimeError(f"a Dask worker loaded rules with hash {rules.hash}, the client {rules_hash}: "
                           "run the same lbx version, with the same rule packs, on every worker")
    return rules


def _lines_frame(f, orient=None, lines=None, **_):
    """A `read_json` engine that does not parse: the block's lines, one a row."""
    text = f.read()
    lines = text.split("\n")  # not splitlines(): JSON strings may hold U+2028 and friends
    if lines and lines[-1] == "":
        lines.pop()
    return _pd().DataFrame({"line": _pd().Series(lines, dtype=object)})


def _pd():
    import pandas as pd

    return pd


def _ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def _items(df, kind: str, path: str, source: str, columns: dict | None, where: str):
    from extractor.sources.columns import FieldMap, paper_from_record
    from extractor.sources.records import read_jsonl

    if kind == "jsonl":
        yield from read_jsonl(enumerate(df["line"].tolist(), 1), FieldMap(columns, where), source, where)
    elif kind == "parquet":
        from extractor.sources.records import arrow_records

        fields = FieldMap(columns, path).resolve_header(list(df.columns), path)
        records = arrow_records(pa.Table.from_pandas(df, preserve_index=False))
        for i, rec in enumerate(records, 1):
            yield paper_from_record(rec, fields, source, where, i)
    else:
        from extractor.sources.paper import Paper

        for row in df[PAPER_COLUMNS].itertuples(index=False, name=None):
            yield Paper(*map(_missing_to_none, row))


def _missing_to_none(value):
    """None for a missing value however pandas spells it (None, NaN, pd.NA: Dask
    may turn object columns into pyarrow strings, whose gaps are pd.NA, and
    `pd.NA != pd.NA` has no truth value)."""
    if value is None or value is _pd().NA or (isinstance(value, float) and value != value):
        return None
    return value


def extract_partition(df, kind: str, path: str, source: str, columns: dict | None, rule_dirs: tuple[str, ...],
                      rules_hash: str, skip_bad: bool, paper_timeout: float | None = None, partition_info=None):
    """One input partition -> a one-row frame: its results and papers as Arrow IPC, and its counts."""
    from extractor.table import results_to_table

    rules = _worker_rules(rule_dirs, rules_hash)
    number = (partition_info or {}).get("number", 0)
    where = f"{path} (block {number})" if kind == "jsonl" else path
    stats = {"read": 0, "skipped": Counter(), "cut": Counter(), "error": None}
    results, ids, sha1s, counts, abstracts = [], [], [], [], []
    for item in _items(df, kind, path, source, columns, where):
        if isinstance(item, InputError):
            if not skip_bad:
                stats["error"] = [item.path, item.message, item.line, item.reason]
                break
            stats["skipped"][item.reason] += 1
            continue
        stats["read"] += 1
        if item.abstract is None:
            stats["skipped"]["no abstract"] += 1
            continue
        found, reason, cut = extract_within(item, rules, paper_timeout)  # timed and guarded: a skip, not an error
        if reason is not None:
            stats["skipped"][reason] += 1
            continue
        if cut is not None:
            stats["cut"][cut] += 1
        results.extend(found)
        ids.append(item.paper_id)
        sha1s.append(abstract_sha1(item.abstract))
        abstracts.append(item.abstract)
        counts.append(len(found))
    row = {"results": [_ipc(results_to_table(results))],
           "papers": [_ipc(papers_table(ids, sha1s, rules_hash, counts, abstracts))],
           "stats": [json.dumps(stats)]}
    return _pd().DataFrame(row)


def _meta():
    pd = _pd()
    return pd.DataFrame({"results": pd.Series([], dtype=object), "papers": pd.Series([], dtype=object),
                         "stats": pd.Series([], dtype=object)})


def _input_frame(path: str, fmt: str | None, columns: dict | None, blocksize, batch_papers: int, on_bad=None):
    """(kind, dask DataFrame) for one input. `on_bad` (with --skip-bad) receives the
    bad records of the formats read here rather than on the workers."""
    import dask.dataframe as dd

    if path == "-":
        raise InputError("<stdin>", "the Dask engine reads files, not standard input", reason="unreadable")
    if not os.path.exists(path) and "://" not in path:
        raise InputError(path, "no such file", reason="unreadable")
    kind = format_for(path, fmt)
    if kind == "jsonl":
        gz = path.endswith(".gz")
        ddf = dd.read_json(path, lines=True, blocksize=None if gz else blocksize, sample=False,
                           engine=_lines_frame, meta=_pd().DataFrame({"line": _pd().Series([], dtype=object)}),
                           compression="gzip" if gz else None)
        return kind, ddf
    if kind == "parquet":
        from extractor.sources.columns import FieldMap

        import pyarrow.parquet as pq

        from extractor.sources.records import check_column_types

        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as e:
            raise InputError(path, f"not a readable Parquet file ({e})", reason="unreadable") from None
        fields = FieldMap(columns, path).resolve_header(schema.names, path)
        check_column_types(schema, fields, path)
        return kind, dd.read_parquet(path, columns=fields.wanted_columns())
    # Not splittable by bytes: read here with lbx's readers (the whole input in memory).
    from extractor import sources

    papers = list(sources.read_papers(path, fmt=fmt, columns=columns, on_bad=on_bad))
    frame = _pd().DataFrame([(p.paper_id, p.title, p.abstract, p.source, p.published, p.url) for p in papers],
                            columns=PAPER_COLUMNS, dtype=object)
    return "papers", dd.from_pandas(frame, npartitions=max(1, len(frame) // batch_papers), sort=False)


def _client(scheduler: str | None, workers: int):
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_dask(opts, rules, stats: RunStats, hooks=None, *, scheduler: str | None = None,
             blocksize="64MB") -> str:
    """Extract `opts.inputs` into `opts.out` on a Dask cluster; returns the path written."""
    client, cluster = _client(scheduler, opts.workers or default_workers())
    try:
        parts = []
        for path in opts.inputs:
            try:
                on_bad = hooks.on_bad if opts.skip_bad and hooks is not None else None
                kind, ddf = _input_frame(path, opts.fmt, opts.columns, blocksize, opts.batch_papers, on_bad)
            except InputError as e:
                if not opts.skip_bad:
                    raise
                stats.first_file_error = stats.first_file_error or e
                stats.files_skipped.append(str(e))
                continue
            source = f"{format_for(path, opts.fmt)}:{display_name(os.path.basename(path))}"
            out = ddf.map_partitions(extract_partition, kind, path, source, opts.columns,
                                     tuple(map(str, opts.rule_dirs)), rules.hash, opts.skip_bad,
                                     opts.paper_timeout, meta=_meta())
            parts += [(path, d) for d in out.to_delayed()]
            stats.files_read += 1
        if stats.files_read == 0:
            raise NoInputRead(stats.first_file_error, len(opts.inputs))
        window = 2 * max(1, sum(client.nthreads().values()))
        with Output(opts.out, rules_hash=rules.hash, inputs=opts.inputs) as sink:
            for path, frame in _in_order(client, parts, window):
                _write_partition(sink, frame, stats)
                if hooks is not None and hooks.on_progress is not None:
                    hooks.on_progress(stats)
        stats.written = sink.rows_written
        return sink.path
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _in_order(client, parts, window: int):
    """Compute the partitions with at most `window` in flight; yield them in input order."""
    pending: deque = deque()
    for path, delayed in parts:
        pending.append((path, client.compute(delayed)))
        if len(pending) >= window:
            path0, fut = pending.popleft()
            yield path0, fut.result()
    while pending:
        path0, fut = pending.popleft()
        yield path0, fut.result()


def _write_partition(sink: Output, frame, stats: RunStats) -> None:
    for results, papers, pstats in frame[["results", "papers", "stats"]].itertuples(index=False, name=None):
        pstats = json.loads(pstats)
        if pstats["error"] is not None:
            path, message, line, reason = pstats["error"]
            raise InputError(path, message, line=line, reason=reason)
        stats.papers_read += pstats["read"]
        stats.skipped.update(pstats["skipped"])
        stats.cut.update(pstats["cut"])
        stats.bad_records += sum(n for r, n in pstats["skipped"].items() if r != "no abstract")
        stats.results += sink.write_arrow(_from_ipc(results))
        papers = _from_ipc(papers)
        stats.extracted += papers.num_rows
        sink.write_papers(papers)
