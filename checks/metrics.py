"""Checks on the analyst database: sane percentages, rollups that add up, no personal data."""

import dagster as dg
import duckdb
import polars as pl

from assets.settings import DdssSettings
from checks.contract import _validation_summary
from checks.schemas import Metric
from ddss.metrics_checks import rollup_mismatches
from ddss.privacy import scan_for_personal_data


def _latest(settings: DdssSettings) -> pl.DataFrame:
    con = duckdb.connect(str(settings.paths.metrics_db), read_only=True)
    try:
        return con.sql("select * from ddss_metrics_latest").pl()
    finally:
        con.close()


@dg.asset_check(
    asset="ddss_metrics",
    name="metrics_are_sane",
    blocking=True,
    description="Percentages in 0–100, members ≤ rows_entered, levels and codes as CONTRACT.md says.",
)
def metrics_are_sane(settings: DdssSettings) -> dg.AssetCheckResult:
    passed, metadata = _validation_summary(Metric, _latest(settings))
    return dg.AssetCheckResult(passed=passed, metadata=metadata)


@dg.asset_check(
    asset="ddss_metrics",
    name="metric_rollups_add_up",
    blocking=True,
    description="Sum over provinces = national, sum over communes = province, sum over orgs = org '*'.",
)
def metric_rollups_add_up(settings: DdssSettings) -> dg.AssetCheckResult:
    mismatches = rollup_mismatches(_latest(settings))
    return dg.AssetCheckResult(
        passed=not mismatches, metadata={"mismatches": dg.MetadataValue.json(mismatches)}
    )


@dg.asset_check(
    asset="ddss_metrics",
    name="metrics_hold_no_personal_data",
    blocking=True,
    description="No column of any table in metrics.duckdb holds a name, CCCD, phone or birth date.",
)
def metrics_hold_no_personal_data(settings: DdssSettings) -> dg.AssetCheckResult:
    findings = scan_for_personal_data(settings.paths.metrics_db)
    return dg.AssetCheckResult(
        passed=not findings,
        metadata={"findings": dg.MetadataValue.json([f.__dict__ for f in findings])},
    )


METRIC_CHECKS = [metrics_are_sane, metric_rollups_add_up, metrics_hold_no_personal_data]
