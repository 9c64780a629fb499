"""One run's output: the results (a file or a dataset directory) and their papers table.

`Output` is what every engine writes through, so that the local engine, the
Dask engine and an incremental merge produce the same files with the same
schema, metadata and atomicity. Both parts are written to temporary names;
on a clean exit the results are renamed into place first, then the papers
table (see `extractor/run/papers.py` for why that order is the safe one); on
any exception, Ctrl-C included, both temporaries are deleted and whatever was
at OUT before is untouched.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

import pyarrow as pa

from extractor.result import Result
from extractor.run.dataset import DatasetWriter, check_dataset_path, is_dataset_path
from extractor.run.papers import PAPERS_SCHEMA, papers_path
from extractor.table import TableWriter, check_output_path


def check_output(out: str) -> str:
    """Check `-o OUT` before any work; returns the normalized path."""
    if is_dataset_path(out):
        path = check_dataset_path(out)
    else:
        path = check_output_path(out)
    check_output_path(papers_path(path))
    return path


class Output:
    def __init__(self, out: str, *, rules_hash: str, inputs: Sequence[str] = ()):
        self.dataset = is_dataset_path(out)
        # To the microsecond: both parts carry it, and it is what pairs them (papers.stamp_of).
        self.created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        kw = dict(rules_hash=rules_hash, inputs=inputs, created=self.created)
        self.results = DatasetWriter(out, **kw) if self.dataset else TableWriter(out, **kw)
        self.path = self.results.path
        self.papers = TableWriter(papers_path(self.path), schema=PAPERS_SCHEMA, **kw)

    @property
    def rows_written(self) -> int:
        return self.results.rows_written

    def __enter__(self) -> "Output":
        self.papers.__enter__()
        try:
            self.results.__enter__()
        except BaseException as e:
            self.papers.__exit__(type(e), e, e.__traceback__)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            self.results.__exit__(exc_type, exc, tb)
        except BaseException as e:
            self.papers.__exit__(type(e), e, e.__traceback__)
            raise
        self.papers.__exit__(exc_type, exc, tb)
        return False

    def write(self, results: Iterable[Result]) -> int:
        """Result objects (the serial path, which builds no Arrow table of its own)."""
        return self.results.write(results)

    def write_arrow(self, table: pa.Table) -> int:
        return self.results.write_arrow(table)

    def write_papers(self, table: pa.Table) -> None:
        self.papers.write_arrow(table)

