"""Schedules: the nightly clean at 02:00 Vietnam time, and the monthly freeze on the 25th."""

import dagster as dg

from assets.partitions import ORG_PARTITIONS
from pipelines.jobs import monthly_snapshot_job, nightly_cleaning_job

TIMEZONE = "Asia/Ho_Chi_Minh"


@dg.schedule(
    name="nightly_cleaning_schedule",
    job=nightly_cleaning_job,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_cleaning_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """One run over every known org partition (a single-run backfill reads each file once)."""
    orgs = sorted(ORG_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    if not orgs:
        return dg.SkipReason("no organisation folders registered yet")
    date = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return dg.RunRequest(
        run_key=f"nightly-{date}",
        tags={
            "dagster/asset_partition_range_start": orgs[0],
            "dagster/asset_partition_range_end": orgs[-1],
        },
    )


monthly_snapshot_schedule = dg.ScheduleDefinition(
    name="monthly_snapshot_schedule",
    job=monthly_snapshot_job,
    cron_schedule="0 6 25 * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
