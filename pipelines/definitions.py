"""The one Definitions object of ddss (`dagster dev` loads it through pyproject.toml)."""

from __future__ import annotations

import dagster as dg

from assets import decisions, dedupe, ingest, normalise, population, publish, reconcile
from checks.conservation import rows_are_conserved
from checks.contract import CONTRACT_CHECKS
from checks.metrics import METRIC_CHECKS
from pipelines.jobs import monthly_snapshot_job, nightly_cleaning_job, org_refresh_job
from pipelines.resources import default_resources
from pipelines.schedules import monthly_snapshot_schedule, nightly_cleaning_schedule
from pipelines.sensors import new_member_files_sensor

ASSET_MODULES = [ingest, normalise, population, decisions, dedupe, reconcile, publish]


def build_definitions(data_dir: str = "", as_of: str = "") -> dg.Definitions:
    """All assets, checks, jobs, schedules and sensors over one data folder."""
    assets = dg.load_assets_from_modules(ASSET_MODULES)
    return dg.Definitions(
        assets=assets,
        asset_checks=[rows_are_conserved, *CONTRACT_CHECKS, *METRIC_CHECKS],
        jobs=[nightly_cleaning_job, org_refresh_job, monthly_snapshot_job],
        schedules=[nightly_cleaning_schedule, monthly_snapshot_schedule],
        sensors=[new_member_files_sensor],
        resources=default_resources(data_dir, as_of),
    )


defs = build_definitions()
