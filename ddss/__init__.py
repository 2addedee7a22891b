"""ddss: pure domain library (no Dagster) for cleaning and reconciling member records."""
