"""lbx, the leaderboard extractor.

The package is laid out as the pipeline it runs:
sources (readers) -> text (normalize, sentences, numbers) -> rules (data files and
their loader) -> extract (the engine) -> table (schema) -> run (batches, workers,
output targets).

The distribution is `lbx` (`pip install lbx`, the `lbx` command); the import
name is `extractor`. Its Python API, from `extractor.api`:

    import extractor
    extractor.extract_text("We reach 64.2 AP on COCO.", title="...")  # -> list[Result]
    extractor.extract_frame(df, title_col="title", abstract_col="abstract")  # -> DataFrame

They are imported on first use, not here: `import extractor` must stay cheap,
because the console entry point imports it before it installs its signal
handlers (see `extractor.exits`).
"""

__version__ = "0.1.0"

__all__ = ["__version__", "extract_text", "extract_frame", "rules"]


def __getattr__(name: str):
    if name in ("extract_text", "extract_frame", "rules"):
        from extractor import api

        return getattr(api, name)
    raise AttributeError(f"module 'extractor' has no attribute {name!r}")
