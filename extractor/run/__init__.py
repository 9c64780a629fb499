"""Running an extraction at scale: the orchestration around the pure engine.

    batches.py      inputs -> bounded batches of papers (and what a run counts)
    workers.py      batches -> results, here or in a process pool, in input order
    targets.py      the one output interface (Target) and its files: Parquet, CSV, JSON Lines
    output.py       results + papers table -> OUT, atomically, as one pair
    dataset.py      the Hive-partitioned dataset directory (year=YYYY/)
    papers.py       the papers table: which papers OUT covers, with which rules
    incremental.py  --update: skip what OUT holds, checkpoint, resume, merge
    local.py        the local engine: the pipeline of the above
    dask_engine.py  the same extraction over Dask partitions, on a cluster

Library code: nothing here prints; the CLI reports through `local.Hooks`.
"""
