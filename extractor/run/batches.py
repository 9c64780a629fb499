"""Reading the inputs as bounded batches of papers, and what a run counts.

Batches are what every later stage works on: a worker extracts a batch, the
writer writes its rows, the incremental filter tests its keys. A batch holds
`batch_papers` papers with an abstract (a few MB), so memory stays flat
however large the input. Papers travel to worker processes as plain tuples
(`PaperBatch.rows`): six strings a paper pickle several times faster than
dataclass instances, and the batch's abstract hashes stay in this process.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from extractor.run.papers import abstract_sha1
from extractor.sources.errors import InputError
from extractor.sources.paper import Paper

# What a worker needs of a paper, in this order (location is for messages only).
PaperRow = tuple[str, str, str, str, "str | None", "str | None"]


@dataclass
class RunStats:
    inputs: int = 0
    files_read: int = 0
    files_skipped: list[str] = field(default_factory=list)
    papers_read: int = 0
    skipped: Counter = field(default_factory=Counter)  # papers, by reason
    bad_records: int = 0
    results: int = 0
    extracted: int = 0  # papers handed to the engine
    # --update only
    unchanged: int = 0  # already in the table with the same abstract and rules: not extracted
    changed: int = 0  # in the table, extracted again (new abstract or new rules)
    resumed: int = 0  # extracted by an interrupted run, taken over from its checkpoints
    kept_rows: int = 0  # rows carried over from the previous table
    written: int = 0  # rows in the table written
    first_file_error: InputError | None = None
    cut: Counter = field(default_factory=Counter)  # papers whose abstract the engine read in part, by reason


@dataclass
class PaperBatch:
    rows: list[PaperRow]
    sha1s: list[str]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[str]:
        return [r[0] for r in self.rows]

    def subset(self, keep: Sequence[bool]) -> "PaperBatch":
        return PaperBatch([r for r, k in zip(self.rows, keep) if k], [s for s, k in zip(self.sha1s, keep) if k])


def to_paper(row: PaperRow) -> Paper:
    return Paper(paper_id=row[0], title=row[1], abstract=row[2], source=row[3], published=row[4], url=row[5])


def _papers(path: str, fmt: str | None, columns: dict | None, on_bad) -> Iterator[Paper]:
    """The reader's papers, with an OS error on the input reported as an InputError
    (the writer's own OS errors happen outside this generator and stay internal)."""
    from extractor import sources  # looked up at call time: tests may substitute a reader

    try:
        yield from sources.read_papers(path, fmt=fmt, columns=columns, on_bad=on_bad)
    except OSError as e:
        raise InputError(path, e.strerror or str(e), reason="unreadable file") from e


def read_batches(inputs: Sequence[str], fmt: str | None, columns: dict | None, *, stats: RunStats,
                 batch_papers: int, on_bad: Callable[[InputError], None] | None = None,
                 on_file_error: Callable[[InputError], None] | None = None,
                 on_file: Callable[[str, int], None] | None = None) -> Iterator[PaperBatch]:
    """Every paper with an abstract of every input, in input order, `batch_papers` at a time.

    Counts into `stats` as it goes. With `on_bad` (--skip-bad) a bad record goes
    to it, and an unreadable input to `on_file_error`, and reading goes on;
    without, the first InputError propagates. Raises the first input's error, or
    an InputError naming it, when no input at all could be read.
    """
    rows: list[PaperRow] = []
    sha1s: list[str] = []
    for i, path in enumerate(inputs, 1):
        if on_file is not None:
            on_file(path, i)
        try:
            for paper in _papers(path, fmt, columns, on_bad):
                stats.papers_read += 1
                abstract = paper.abstract
                if abstract is None:
                    stats.skipped["no abstract"] += 1
                    continue
                rows.append((paper.paper_id, paper.title, abstract, paper.source, paper.published, paper.url))
                sha1s.append(abstract_sha1(abstract))
                if len(rows) >= batch_papers:
                    yield PaperBatch(rows, sha1s)
                    rows, sha1s = [], []
        except InputError as e:
            if on_bad is None:
                raise
            stats.first_file_error = stats.first_file_error or e
            stats.files_skipped.append(str(e))
            if on_file_error is not None:
                on_file_error(e)
            continue
        stats.files_read += 1
    if stats.files_read == 0:
        raise NoInputRead(stats.first_file_error, len(inputs))
    if rows:
        yield PaperBatch(rows, sha1s)


class NoInputRead(Exception):
    """With --skip-bad, not one input could be read (the CLI words it)."""

    def __init__(self, first: InputError | None, n_inputs: int):
        self.first = first
        self.n_inputs = n_inputs
        super().__init__(f"none of the {n_inputs} inputs could be read (first: {first})")
