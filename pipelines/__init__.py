"""Dagster wiring for ddss: the one Definitions, resources, jobs, schedules, sensors and the CLI."""

import warnings

# Single-run backfills and partitioned checks are features ddss is built on; their beta and
# preview notices would otherwise print on every command. Set before any asset is defined.
warnings.filterwarnings("ignore", message=r".*(backfill_policy|partitions_def on an AssetCheckSpec).*")
