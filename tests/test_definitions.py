"""The Definitions load, and the asset graph is what users expect to see in the lineage view."""

import dagster as dg

from pipelines.definitions import defs

EXPECTED_ASSETS = [
    "cccd_corrections",
    "ddss_metrics",
    "ingest_rejected_files",
    "ingest_rejected_rows",
    "ingest_sheet_counts",
    "linkage_model",
    "linkage_pairs",
    "match_candidates",
    "member_links",
    "member_matches",
    "member_rows",
    "members",
    "members_normalised",
    "metrics_monthly_snapshot",
    "population",
    "rejected_files",
    "rejected_rows",
    "steward_decisions",
    "steward_workbooks",
]


def test_definitions_are_loadable() -> None:
    dg.Definitions.validate_loadable(defs)


def test_asset_graph_snapshot() -> None:
    """An accidental change to the graph shows up here in review (as DOP's snapshot test)."""
    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    assert keys == EXPECTED_ASSETS


def test_lineage_runs_from_files_to_metrics() -> None:
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey("ddss_metrics")).parent_keys
    assert dg.AssetKey("members") in upstream
    members_parents = {k.to_user_string() for k in graph.get(dg.AssetKey("members")).parent_keys}
    assert {"members_normalised", "member_links", "member_matches"} <= members_parents
    assert dg.AssetKey("population") in graph.get(dg.AssetKey("member_matches")).parent_keys


def test_jobs_schedules_and_sensors_resolve() -> None:
    for name in ("nightly_cleaning_job", "org_refresh_job", "monthly_snapshot_job"):
        assert defs.resolve_job_def(name).name == name
    schedule = defs.resolve_schedule_def("nightly_cleaning_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    assert defs.resolve_schedule_def("monthly_snapshot_schedule").cron_schedule == "0 6 25 * *"
    assert defs.resolve_sensor_def("new_member_files_sensor").name == "new_member_files_sensor"


def test_every_check_targets_an_existing_asset() -> None:
    graph = defs.resolve_asset_graph()
    assets = set(graph.get_all_asset_keys())
    check_keys = list(graph.asset_check_keys)
    assert {c.name for c in check_keys} >= {
        "rows_are_conserved",
        "members_matches_contract",
        "metrics_are_sane",
        "metric_rollups_add_up",
        "metrics_hold_no_personal_data",
    }
    assert all(c.asset_key in assets for c in check_keys)
