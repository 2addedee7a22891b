"""Jobs: the full nightly clean, one org's refresh, and the monthly snapshot freeze.

Every step of every job retries on failure with exponential backoff: the failures worth a retry
here are transient (a DuckDB file briefly locked by an analyst's tool, a network share blinking),
and a deterministic data error simply fails again after two short waits with the same message.
"""

import dagster as dg

TRANSIENT_RETRY = dg.RetryPolicy(
    max_retries=2,
    delay=5,
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)
"""Two retries, about 5 s then 10 s apart (± jitter so parallel steps do not retry in lockstep)."""

_ALL_BUT_SNAPSHOT = dg.AssetSelection.all() - dg.AssetSelection.assets("metrics_monthly_snapshot")

nightly_cleaning_job = dg.define_asset_job(
    name="nightly_cleaning_job",
    selection=_ALL_BUT_SNAPSHOT,
    description="Ingest, normalise, deduplicate, reconcile and publish every organisation.",
    op_retry_policy=TRANSIENT_RETRY,
)

org_refresh_job = dg.define_asset_job(
    name="org_refresh_job",
    selection=_ALL_BUT_SNAPSHOT,
    description="Re-read one organisation's files (one partition) and republish everything downstream.",
    op_retry_policy=TRANSIENT_RETRY,
)

monthly_snapshot_job = dg.define_asset_job(
    name="monthly_snapshot_job",
    selection=dg.AssetSelection.assets("metrics_monthly_snapshot"),
    description="Freeze this month's metrics for the report due on the 25th.",
    op_retry_policy=TRANSIENT_RETRY,
)
