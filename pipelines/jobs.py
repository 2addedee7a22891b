"""Jobs: the full nightly clean, one org's refresh, and the monthly snapshot freeze."""

import dagster as dg

nightly_cleaning_job = dg.define_asset_job(
    name="nightly_cleaning_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets("metrics_monthly_snapshot"),
    description="Ingest, normalise, deduplicate, reconcile and publish every organisation.",
)

org_refresh_job = dg.define_asset_job(
    name="org_refresh_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets("metrics_monthly_snapshot"),
    description="Re-read one organisation's files (one partition) and republish everything downstream.",
)

monthly_snapshot_job = dg.define_asset_job(
    name="monthly_snapshot_job",
    selection=dg.AssetSelection.assets("metrics_monthly_snapshot"),
    description="Freeze this month's metrics for the report due on the 25th.",
)
