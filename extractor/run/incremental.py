"""`lbx extract --update OUT`: extract only what OUT does not already hold, resumably.

What is skipped: a paper whose (paper_id, SHA-1 of its abstract, rules hash,
lbx version) is in OUT's papers table (see `papers.py`), and a paper already extracted earlier
in the same run (the same abstract listed twice). Everything else is
extracted; a paper extracted again (its abstract or the rules changed) has its
old rows dropped. Papers in OUT but not in the inputs keep their rows, so a
table grows run after run over new crawls.

The new OUT is: OUT's rows that are kept, in their order, then the new rows in
input order; its papers table likewise. It replaces OUT atomically at the end.

Resuming: new rows go first to checkpoints, `seg-NNNNNN.parquet` plus its
papers table, in a work directory beside OUT (`.NAME.lbx-update/`), each
committed by renames every `checkpoint_papers` extracted papers. Ctrl-C, a
SIGTERM, a crash or a kill loses at most the checkpoint in progress: the next
`--update` run with the same OUT and the same rules takes the committed ones
over, skips their papers, and writes each paper once. A work directory made
against another OUT (its stamp changed) or other rules is deleted, not used.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from extractor import __version__
from extractor.run.batches import PaperBatch, RunStats
from extractor.run.dataset import dataset_files
from extractor.run.output import Output, work_dir_for
from extractor.run.papers import PAPERS_SCHEMA, KeySet, add_batch_keys, h64, iter_papers, paper_key, papers_path, stamp_of
from extractor.run.targets import output_format
from extractor.run.workers import BatchOut
from extractor.table import SCHEMA, OutputError

CHECKPOINT_PAPERS = 20_000
_STATE = "state.json"
_SEGMENT = re.compile(r"seg-\d{6}\.parquet")


def _result_files(out: str) -> list[str]:
    if os.path.isdir(out):
        return dataset_files(out)
    return [out] if os.path.isfile(out) else []


def write_batch(sink: "Output | Checkpoints", out: BatchOut, rules_hash: str | None = None) -> int:
    """Write one extracted batch's rows and papers through `sink` (a run's Output
    or an update's checkpoints, which take batches the same way); returns the row count."""
    return sink.write_batch(out)


class Update:
    def __init__(self, out: str, rules_hash: str, inputs: list[str], checkpoint_papers: int = CHECKPOINT_PAPERS):
        self.out = out
        self.rules_hash = rules_hash
        self.inputs = inputs
        self.checkpoint_papers = max(1, checkpoint_papers)
        self.work = work_dir_for(out)
        self.base_files = _result_files(out)
        self.base_stamp = stamp_of(self.base_files[0]) if self.base_files else None
        self.base_papers = papers_path(out)
        self.base_index_valid = (self.base_stamp is not None and os.path.isfile(self.base_papers)
                                 and stamp_of(self.base_papers) == self.base_stamp
                                 and pq.read_schema(self.base_papers).names == PAPERS_SCHEMA.names)
        self.base_keys, self.base_ids = KeySet(), KeySet()  # what OUT holds
        self.resumed_keys = KeySet()  # extracted by an interrupted run
        self.run_keys = KeySet()  # extracted (or being extracted) by this run
        self.replaced = KeySet()  # ids of every paper extracted now: their old rows go
        self.segments: list[str] = []

    # -- before the run ---------------------------------------------------
    def prepare(self, stats: RunStats) -> None:
        if output_format(self.out) in ("csv", "jsonl"):
            raise OutputError(self.out, "--update needs a Parquet table or a dataset directory; a CSV or JSON "
                              "Lines output is written whole each time (drop --update, or give a .parquet OUT)")
        for f in self.base_files:
            try:
                schema = pq.read_schema(f)
            except (OSError, pa.ArrowException):
                raise OutputError(self.out, "is not a Parquet table; --update needs a table lbx wrote "
                                  "(give -o to write a new one)") from None
            if not schema.remove_metadata().equals(SCHEMA.remove_metadata(), check_metadata=False):
                raise OutputError(self.out, "was written with another table schema (an older lbx?); "
                                  "write a new table without --update")
        if self.base_index_valid:
            for batch in iter_papers(self.base_papers, keys_only=True):
                add_batch_keys(batch, self.base_keys, self.base_ids)
        stamp = self._work_state()
        state = self._read_state()
        if state is not None and state == stamp:
            self._take_over(stats)
        else:
            shutil.rmtree(self.work, ignore_errors=True)
            os.makedirs(self.work)
            with open(os.path.join(self.work, _STATE), "w", encoding="utf-8") as f:
                json.dump(stamp, f)

    def _work_state(self) -> dict:
        base = self.base_stamp
        if base is None and self.base_files:  # a Parquet file without an lbx stamp: its size and time
            st = os.stat(self.base_files[0])
            base = f"{st.st_size}:{st.st_mtime_ns}"
        return {"base": base, "rules_hash": self.rules_hash, "lbx": __version__}

    def _read_state(self) -> dict | None:
        try:
            with open(os.path.join(self.work, _STATE), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def _take_over(self, stats: RunStats) -> None:
        """Adopt the committed checkpoints of an interrupted run; drop the rest."""
        names = sorted(os.listdir(self.work))
        for name in names:
            path = os.path.join(self.work, name)
            if name == _STATE or name.endswith(".papers.parquet"):
                continue
            side = papers_path(path)
            stamp = stamp_of(path) if _SEGMENT.fullmatch(name) else None
            if stamp is None or not os.path.isfile(side) or stamp_of(side) != stamp:
                _remove(path)
                _remove(side)
                continue
            self.segments.append(path)
            for batch in iter_papers(side, keys_only=True):
                add_batch_keys(batch, self.resumed_keys, self.replaced)
                stats.resumed += batch.num_rows
        kept = {os.path.basename(p) for s in self.segments for p in (s, papers_path(s))}
        for name in names:
            if name != _STATE and name not in kept:
                _remove(os.path.join(self.work, name))

    # -- during the run ---------------------------------------------------
    def select(self, batches: Iterator[PaperBatch], stats: RunStats) -> Iterator[PaperBatch]:
        """The papers of each batch that need extracting."""
        for batch in batches:
            keys = [paper_key(p, s, self.rules_hash) for p, s in zip(batch.ids, batch.sha1s)]
            in_base = self.base_keys.contains(keys)
            in_resumed = self.resumed_keys.contains(keys)
            in_run = self.run_keys.contains(keys)
            keep = []
            seen = set()
            for k, b, r, n in zip(keys, in_base, in_resumed, in_run):
                if b:
                    stats.unchanged += 1
                elif r:
                    pass  # counted in stats.resumed
                elif n or k in seen:
                    stats.skipped["repeated in the input"] += 1
                else:
                    seen.add(k)
                    keep.append(True)
                    continue
                keep.append(False)
            chosen = batch.subset(keep) if not all(keep) else batch
            if not len(chosen):
                continue
            self.run_keys.add(k for k, x in zip(keys, keep) if x)
            ids = [h64(p) for p in chosen.ids]
            stats.changed += sum(self.base_ids.contains(ids))
            self.replaced.add(ids)
            yield chosen

    def checkpoints(self) -> "Checkpoints":
        return Checkpoints(self)

    # -- after the run ----------------------------------------------------
    def finish(self, stats: RunStats) -> Output:
        """Write the new OUT: kept old rows, then the checkpoints; then drop the work dir."""
        with Output(self.out, rules_hash=self.rules_hash, inputs=self.inputs) as sink:
            for f in self.base_files:
                for batch in pq.ParquetFile(f).iter_batches(batch_size=65_536):
                    kept = self._unreplaced(batch)
                    stats.kept_rows += sink.write_arrow(kept)
            if self.base_index_valid:
                for batch in iter_papers(self.base_papers):
                    sink.write_papers(self._unreplaced(batch))
            for seg in self.segments:
                for batch in pq.ParquetFile(seg).iter_batches(batch_size=65_536):
                    sink.write_arrow(pa.Table.from_batches([batch]))
                for batch in iter_papers(papers_path(seg)):
                    sink.write_papers(pa.Table.from_batches([batch]))
        shutil.rmtree(self.work, ignore_errors=True)
        return sink

    def _unreplaced(self, batch: pa.RecordBatch) -> pa.Table:
        gone = self.replaced.contains([h64(p) for p in batch.column("paper_id").to_pylist()])
        table = pa.Table.from_batches([batch])
        return table.filter(pa.array([not g for g in gone])) if any(gone) else table


class Checkpoints:
    """The run's new rows, committed to the work directory every N papers."""

    def __init__(self, update: Update):
        self.update = update
        self._sink: Output | None = None
        self._papers = 0
        # After the highest taken-over checkpoint, never over one of them.
        self._next = 1 + max((int(os.path.basename(p)[4:10]) for p in update.segments), default=0)

    def __enter__(self) -> "Checkpoints":
        return self

    def write_batch(self, out: BatchOut) -> int:
        if self._sink is None:
            path = os.path.join(self.update.work, f"seg-{self._next:06d}.parquet")
            self._next += 1
            self._sink = Output(path, rules_hash=self.update.rules_hash, inputs=self.update.inputs,
                                checkpoint=True).__enter__()
        n = self._sink.write_batch(out)
        self._papers += len(out.batch)
        if self._papers >= self.update.checkpoint_papers:
            self._commit()
        return n

    write = write_batch  # the name the local engine calls

    def _commit(self) -> None:
        sink, self._sink, self._papers = self._sink, None, 0
        if sink is not None:
            sink.__exit__(None, None, None)
            self.update.segments.append(sink.path)

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self._commit()
        elif self._sink is not None:
            sink, self._sink = self._sink, None
            sink.__exit__(exc_type, exc, tb)
        return False


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(path, ignore_errors=True)

