"""The new-file sensor: a new or changed file under raw/<org>/ requests a run for that org only."""

import json

import dagster as dg

from assets.partitions import ORG_PARTITIONS
from ddss.config import DataPaths
from ddss.manifest import org_fingerprints
from pipelines.jobs import org_refresh_job


@dg.sensor(
    name="new_member_files_sensor",
    job=org_refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def new_member_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """The cursor holds each org's fingerprint; the run key is org + fingerprint, so nothing runs twice."""
    paths = DataPaths.from_env()
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = org_fingerprints(paths.raw, paths.orgs())
    changed = sorted(org for org, fp in current.items() if seen.get(org) != fp)
    known = set(ORG_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    new_orgs = [org for org in changed if org not in known]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"{org}-{current[org]}", partition_key=org) for org in changed],
        dynamic_partitions_requests=[ORG_PARTITIONS.build_add_request(new_orgs)] if new_orgs else [],
        cursor=json.dumps(current, sort_keys=True),
    )
