"""Dagster wiring for ddss: the one Definitions, resources, jobs, schedules, sensors and the CLI."""
