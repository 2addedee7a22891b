"""Shared polars settings for ddss's batch-sized queries."""

ENGINE = "in-memory"
"""Engine for `LazyFrame.collect` on one batch (an ingest batch of a few MB, one org's rows):
polars 2.1 otherwise picks the streaming engine, whose set-up costs more than such a query
(a 256-file ingest batch took ~25 % longer; normalise ~13 % more CPU)."""
