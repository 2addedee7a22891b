"""Org partitions: a backfill of every org from the CLI, then one org rerun on its own.

A steward reruns one organisation without touching the others: the other orgs' stage files
keep their bytes and their modification times, while everything downstream (which reads all
partitions) is republished with every org still in it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb

from ddss.config import DataPaths

from ._support import ROOT

PARTITIONED = [
    "member_rows",
    "ingest_rejected_rows",
    "ingest_rejected_files",
    "ingest_sheet_counts",
    "members_normalised",
]


def _stage_files(paths: DataPaths) -> dict[str, tuple[int, str]]:
    """Every per-org stage file: (mtime_ns, sha256) by path relative to .stages/."""
    out = {}
    for asset in PARTITIONED:
        for f in sorted((paths.stages / asset).glob("*.parquet")):
            out[f.relative_to(paths.stages).as_posix()] = (
                f.stat().st_mtime_ns,
                hashlib.sha256(f.read_bytes()).hexdigest(),
            )
    return out


def _orgs_in_store(paths: DataPaths) -> list[str]:
    with duckdb.connect(str(paths.members_db), read_only=True) as con:
        return [r[0] for r in con.execute("select distinct org from members order by 1").fetchall()]


def test_backfill_all_orgs_from_cli_then_refresh_one_org(
    data_dir: Path, instance: dg.DagsterInstance
) -> None:
    paths = DataPaths.from_env(data_dir)
    orgs = paths.orgs()
    assert len(orgs) >= 3
    instance.add_dynamic_partitions("org", orgs)

    # 1. Backfill: every org partition of the partitioned assets in one run (single-run policy).
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "pipelines.definitions",
            "--select",
            "group:ingest or group:normalise",
            "--partition-range",
            f"{orgs[0]}...{orgs[-1]}",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr[-3000:]
    [run] = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert (
        run.tags["dagster/asset_partition_range_start"],
        run.tags["dagster/asset_partition_range_end"],
    ) == (
        orgs[0],
        orgs[-1],
    )
    for asset in PARTITIONED:
        assert instance.get_materialized_partitions(dg.AssetKey(asset)) == set(orgs), asset
    before = _stage_files(paths)
    assert len(before) == len(PARTITIONED) * len(orgs)

    # 2. One org only, through the job the sensor triggers; downstream reads every partition.
    from pipelines.definitions import build_definitions

    target = orgs[1]
    job = build_definitions(str(data_dir)).resolve_job_def("org_refresh_job")
    result = job.execute_in_process(instance=instance, partition_key=target, raise_on_error=False)
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]

    after = _stage_files(paths)
    assert after.keys() == before.keys()
    rewritten = {k for k in after if after[k][0] != before[k][0]}
    assert rewritten == {f"{asset}/{target}.parquet" for asset in PARTITIONED}
    for key in after:  # the other orgs' files are byte-for-byte the same
        if target not in key:
            assert after[key] == before[key], key
    events = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    materialized = {(m.asset_key.to_user_string(), m.partition) for m in events if m.partition is not None}
    assert materialized == {(asset, target) for asset in PARTITIONED}
    assert _orgs_in_store(paths) == orgs  # members.duckdb republished with every org
