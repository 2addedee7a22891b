"""Organisations are the unit of work: one dynamic partition per `raw/<org>/` folder."""

import dagster as dg

ORG_PARTITIONS = dg.DynamicPartitionsDefinition(name="org")
"""Partition keys are org slugs; the new-file sensor and `ddss run` register new ones."""

SINGLE_RUN = dg.BackfillPolicy.single_run()
"""A backfill over many orgs runs as one process that reads each file once."""

DUCKDB_WRITER_POOL = "duckdb_writer"
"""Concurrency pool: only one run at a time writes a DuckDB file (one writer per file)."""
