"""Schedules and the new-file sensor, evaluated against a real instance (no daemon needed).

The nightly clean fires at 02:00 Vietnam time over every registered org; the snapshot freezes on
the 25th; the sensor asks for one org's run when that org's files are new or changed, and its
run key makes the same input never run twice (Dagster drops a run request whose key it has seen).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator

from pipelines.jobs import TRANSIENT_RETRY
from pipelines.schedules import monthly_snapshot_schedule, nightly_cleaning_schedule
from pipelines.sensors import new_member_files_sensor

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ORGS = ["hoi-nong-dan", "cong-doan", "hoi-phu-nu"]
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def _fire_times(schedule: dg.ScheduleDefinition, start: dt.datetime, n: int) -> list[dt.datetime]:
    it = cron_string_iterator(start.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
    return [next(it) for _ in range(n)]


def test_nightly_schedule_fires_at_two_in_vietnam_over_every_org(instance: dg.DagsterInstance) -> None:
    instance.add_dynamic_partitions("org", ORGS)
    when = dt.datetime(2026, 11, 26, 2, 0, tzinfo=VN)
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
    data = nightly_cleaning_schedule.evaluate_tick(context)
    [request] = data.run_requests
    assert request.run_key == "nightly-2026-11-26"  # one run per night, even if the tick repeats
    assert request.tags[RANGE_START] == "cong-doan" and request.tags[RANGE_END] == "hoi-phu-nu"
    assert nightly_cleaning_schedule.job_name == "nightly_cleaning_job"
    # 02:00 in Hanoi is 19:00 UTC the day before, every day.
    fires = _fire_times(nightly_cleaning_schedule, dt.datetime(2026, 11, 26, 3, 0, tzinfo=VN), 3)
    assert [f.astimezone(VN).strftime("%d %H:%M") for f in fires] == ["27 02:00", "28 02:00", "29 02:00"]
    assert fires[0].astimezone(dt.UTC).strftime("%d %H:%M") == "26 19:00"


def test_nightly_schedule_skips_when_no_org_is_registered(instance: dg.DagsterInstance) -> None:
    when = dt.datetime(2026, 1, 1, 2, 0, tzinfo=VN)
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
    data = nightly_cleaning_schedule.evaluate_tick(context)
    assert not data.run_requests and data.skip_message


def test_monthly_snapshot_schedule_fires_on_the_25th(instance: dg.DagsterInstance) -> None:
    assert monthly_snapshot_schedule.job_name == "monthly_snapshot_job"
    assert monthly_snapshot_schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    fires = _fire_times(monthly_snapshot_schedule, dt.datetime(2026, 11, 26, tzinfo=VN), 3)
    days = [f.astimezone(VN).strftime("%Y-%m-%d") for f in fires]
    assert days == ["2026-12-25", "2027-01-25", "2027-02-25"]
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=fires[0])
    assert len(monthly_snapshot_schedule.evaluate_tick(context).run_requests) == 1


def test_jobs_retry_transient_failures_with_backoff() -> None:
    from pipelines.definitions import defs

    for name in ("nightly_cleaning_job", "org_refresh_job", "monthly_snapshot_job"):
        job = defs.resolve_job_def(name)
        assert job.op_retry_policy == TRANSIENT_RETRY, name
    assert TRANSIENT_RETRY.max_retries >= 1 and TRANSIENT_RETRY.backoff == dg.Backoff.EXPONENTIAL


# ---- the new-file sensor ---------------------------------------------------------------------


@pytest.fixture
def memory_instance() -> dg.DagsterInstance:
    """In-memory instance: real dynamic-partition storage without a sqlite set-up per test."""
    return dg.DagsterInstance.ephemeral()


@pytest.fixture
def raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """raw/ with two orgs (the sensor only looks at names, sizes and times, never contents)."""
    root = tmp_path / "data"
    for org in ("cong-doan", "hoi-phu-nu"):
        _write(root / "raw" / org / "An Giang" / "DS hoi vien.xlsx", b"v1")
    _write(root / "raw" / "population" / "population.parquet", b"not an org")
    monkeypatch.setenv("DDSS_DATA_DIR", str(root))
    return root / "raw"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = new_member_files_sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def _settled(instance: dg.DagsterInstance) -> str:
    """The cursor after a first tick has seen the current files (and its partitions applied)."""
    first = _tick(instance, None)
    assert sorted(r.partition_key for r in first.run_requests) == ["cong-doan", "hoi-phu-nu"]
    for request in first.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return first.cursor


def test_new_org_folder_adds_a_partition_and_runs_that_org_only(
    memory_instance: dg.DagsterInstance, raw: Path
) -> None:
    cursor = _settled(memory_instance)
    _write(raw / "hoi-nong-dan" / "Tỉnh Quảng Ngãi" / "danh_sach.csv", b"a,b\n")
    result = _tick(memory_instance, cursor)
    [add] = result.dynamic_partitions_requests
    assert isinstance(add, dg.AddDynamicPartitionsRequest)
    assert add.partitions_def_name == "org" and list(add.partition_keys) == ["hoi-nong-dan"]
    [run] = result.run_requests
    assert run.partition_key == "hoi-nong-dan" and run.job_name in (None, "org_refresh_job")
    assert run.run_key.startswith("hoi-nong-dan-")
    assert "hoi-nong-dan" in json.loads(result.cursor)


def test_unchanged_files_request_no_run(memory_instance: dg.DagsterInstance, raw: Path) -> None:
    cursor = _settled(memory_instance)
    result = _tick(memory_instance, cursor)
    assert result.run_requests == [] and result.dynamic_partitions_requests == []
    assert result.cursor == cursor


def test_changed_file_runs_that_org_once(memory_instance: dg.DagsterInstance, raw: Path) -> None:
    cursor = _settled(memory_instance)
    changed = raw / "hoi-phu-nu" / "An Giang" / "DS hoi vien.xlsx"
    changed.write_bytes(b"version 2")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    result = _tick(memory_instance, cursor)
    [run] = result.run_requests
    assert run.partition_key == "hoi-phu-nu"
    assert result.dynamic_partitions_requests == []  # a known org: no new partition
    # The next tick from the new cursor asks for nothing; replaying the old cursor (a tick lost
    # before its cursor was saved) asks again with the same run key, which Dagster de-duplicates.
    assert _tick(memory_instance, result.cursor).run_requests == []
    [again] = _tick(memory_instance, cursor).run_requests
    assert again.run_key == run.run_key
    # Another change gives a new key: new input does run.
    changed.write_bytes(b"version 3, longer")
    [third] = _tick(memory_instance, result.cursor).run_requests
    assert third.run_key != run.run_key and third.partition_key == "hoi-phu-nu"


def test_files_outside_an_org_folder_are_ignored(memory_instance: dg.DagsterInstance, raw: Path) -> None:
    cursor = _settled(memory_instance)
    _write(raw / "population" / "population_2.parquet", b"x")
    _write(raw / "stray.xlsx", b"x")
    _write(raw / "hoi-phu-nu" / "~$DS hoi vien.xlsx", b"lock")  # Excel lock file: not member data
    result = _tick(memory_instance, cursor)
    assert [r.partition_key for r in result.run_requests] in ([], ["hoi-phu-nu"])
