"""The papers table: which papers a results table covers, and with which rules.

Why a separate table rather than columns in the results: the results table has
one row per reported number, and most abstracts report none, so a paper with
zero results would leave no trace there and an incremental run (`--update`)
would extract it again every time. The papers table has one row per extracted
paper, results or not: `paper_id`, `abstract_sha1` (of the abstract as read),
`rules_hash` (of the rules that read it), `extractor_version` (of the lbx that
ran them: new engine code re-extracts as new rules do), `n_results`, and the
`abstract` itself, as read (before the engine's 100,000-character cut, which
only shortens it), so that every row's span can be shown again:
`abstract[start:end] == value_text` holds against the papers table whatever
became of the input. The results schema stays exactly what its readers know.

It sits beside the output as `<OUT stem>.papers.parquet` (`results.parquet` ->
`results.papers.parquet`, `arxiv/` -> `arxiv.papers.parquet`; a CSV or JSON
Lines output keeps its extension, `results.csv` -> `results.csv.papers.parquet`,
so that it never shares a papers table with a `results.parquet` beside it). It
is Parquet whatever the results' format: it is lbx's index for `--update` and
the abstracts are its bulk, which Parquet compresses. Outside a dataset
directory, because Dask's `read_parquet(DIR)` reads every `*.parquet` file under
DIR, whatever its name. Two files cannot be renamed as one, so both carry the
same `lbx.created` stamp (to the microsecond) in their metadata and are renamed
results first, papers second, in a window SIGINT and SIGTERM cannot split (see
`output.Output`). SIGKILL can: the next run over OUT finds the new papers table
under its temporary name and finishes the rename (`output.recover_commit`);
failing that, a papers table whose stamp differs from its results' is ignored,
with a warning (see `incremental.Update`): the worst is re-extracting, never a
wrong skip.

Membership sets hold 64-bit hashes in sorted NumPy arrays (`KeySet`): 8 bytes a
paper, so the 2.7M papers of arXiv cost about 22 MB instead of the ~500 MB of a
Python set of strings. A false match needs a 64-bit collision between two of a
few million keys (odds about 1e-7 for all of arXiv).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from extractor import __version__

PAPERS_SCHEMA = pa.schema([
    pa.field("paper_id", pa.string(), nullable=False),
    pa.field("abstract_sha1", pa.string(), nullable=False),
    pa.field("rules_hash", pa.string(), nullable=False),
    pa.field("extractor_version", pa.string(), nullable=False),
    pa.field("n_results", pa.int32(), nullable=False),
    pa.field("abstract", pa.string(), nullable=False),
])
# What identifies an extraction (see `paper_key`): read without the abstracts.
KEY_COLUMNS = PAPERS_SCHEMA.names[:4]
SUFFIX = ".papers.parquet"
_MERGE_AT = 200_000  # keys held in a Python set before they are merged into the sorted array


def papers_path(out: str | os.PathLike) -> str:
    """Where the papers table of the results at `out` lives."""
    out = os.fspath(out).rstrip("/" + os.sep) or os.fspath(out)
    stem = out[: -len(".parquet")] if out.endswith(".parquet") else out
    return stem + SUFFIX


def abstract_sha1(abstract: str) -> str:
    return hashlib.sha1(abstract.encode("utf-8", "surrogatepass")).hexdigest()


def h64(text: str) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def paper_key(paper_id: str, sha1: str, rules_hash: str, version: str = __version__) -> int:
    """The identity of one extraction: same paper, same abstract, same rules, same lbx."""
    return h64(f"{paper_id}\0{sha1}\0{rules_hash}\0{version}")


def papers_table(ids: list[str], sha1s: list[str], rules_hash: str, counts: Iterable[int],
                 abstracts: list[str]) -> pa.Table:
    n = len(ids)
    return pa.Table.from_arrays(
        [pa.array(ids, pa.string()), pa.array(sha1s, pa.string()), pa.array([rules_hash] * n, pa.string()),
         pa.array([__version__] * n, pa.string()), pa.array(list(counts), pa.int32()),
         pa.array(abstracts, pa.string())],
        schema=PAPERS_SCHEMA)


class KeySet:
    """A growing set of 64-bit keys, 8 bytes a key, tested a batch at a time."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def add(self, keys: Iterable[int]) -> None:
        self._recent.update(keys)
        if len(self._recent) >= _MERGE_AT:
            self._merge()

    def _merge(self) -> None:
        if self._recent:
            new = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
            self._sorted = np.union1d(self._sorted, new)
            self._recent = set()

    def contains(self, keys: list[int]) -> list[bool]:
        if not keys:
            return []
        found = [False] * len(keys)
        if len(self._sorted):
            arr = np.fromiter(keys, dtype=np.uint64, count=len(keys))
            idx = np.searchsorted(self._sorted, arr)
            idx[idx == len(self._sorted)] = 0
            found = (self._sorted[idx] == arr).tolist()
        recent = self._recent
        return [f or k in recent for f, k in zip(found, keys)]


def stamp_of(path: str) -> str | None:
    """The `lbx.created` stamp in the metadata of a Parquet file, else None."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    value = meta.get(b"lbx.created")
    return value.decode() if value else None


def iter_papers(path: str, batch_rows: int = 65_536, keys_only: bool = False) -> Iterator[pa.RecordBatch]:
    """The papers table at `path`, batch by batch (only `KEY_COLUMNS` with `keys_only`:
    the abstracts are most of its bytes and a membership test needs none)."""
    pf = pq.ParquetFile(path)
    yield from pf.iter_batches(batch_size=batch_rows, columns=KEY_COLUMNS if keys_only else PAPERS_SCHEMA.names)


def add_batch_keys(batch: pa.RecordBatch | pa.Table, keys: KeySet | None, ids: KeySet | None) -> None:
    """Add the extraction keys and/or the paper-id hashes of a papers batch."""
    pids = batch.column(0).to_pylist()
    if keys is not None:
        sha1s, hashes, versions = (batch.column(i).to_pylist() for i in (1, 2, 3))
        keys.add(paper_key(p, s, r, v) for p, s, r, v in zip(pids, sha1s, hashes, versions))
    if ids is not None:
        ids.add(h64(p) for p in pids)
