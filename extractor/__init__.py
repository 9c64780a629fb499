"""lbx, the leaderboard extractor.

The package is laid out as the pipeline it runs:
sources (readers) -> text (normalize, sentences, numbers) -> rules (data files and
their loader) -> extract (the engine) -> table (schema, Parquet).
"""

__version__ = "0.1.0"
