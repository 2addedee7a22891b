"""The nightly job on the multiprocess executor, configured from deploy/run_config.multiprocess.yaml.

Each step runs in its own process (how a larger single server spreads the work over its cores);
frames cross process boundaries through the parquet IO manager, so this also proves no asset
depends on in-process state. đối soát's search path fans out over batches of org × province
units, one step each, and must give the members table of a run that does it in one step.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster._core.definitions.reconstruct import ReconstructableRepository

from ddss.config import DataPaths
from pipelines.runner import run_pipeline

from ._support import ROOT, copy_demo

ORGS = ["cong-doan", "hoi-nong-dan"]


def test_nightly_job_on_the_multiprocess_executor(
    demo_source: Path, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = copy_demo(demo_source, tmp_path / "data", orgs=ORGS)
    monkeypatch.setenv("DDSS_DATA_DIR", str(data_dir))  # child processes load `defs` from the env
    instance.add_dynamic_partitions("org", ORGS)
    run_config = yaml.safe_load((ROOT / "deploy" / "run_config.multiprocess.yaml").read_text())
    # small batches, so the demo's search path splits into several steps
    run_config["resources"] = {"settings": {"config": {"search_batch_rows": 40}}}
    job = ReconstructableRepository.for_module(
        "pipelines.definitions", "defs", working_directory=str(ROOT)
    ).get_reconstructable_job("nightly_cleaning_job")

    with dg.execute_job(
        job,
        instance=instance,
        run_config=run_config,
        tags={"dagster/asset_partition_range_start": ORGS[0], "dagster/asset_partition_range_end": ORGS[-1]},
    ) as result:
        assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
        events = result.all_events
        pids = {e.pid for e in events if e.is_step_start}
        batch_pids = {
            e.pid
            for e in events
            if e.is_step_start and e.step_key.startswith("member_reconciliation.reconcile_batch[")
        }
        run_id = result.run_id

    assert len(pids) > 1, "steps did not run in separate processes"
    assert len(batch_pids) > 2, "đối soát did not fan out over batches"
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
    paths = DataPaths.from_env(data_dir)
    # ids are keyed by each data folder's own secret; everything else must be equal
    members_sql = (
        "select * exclude (member_id, person_id) from members order by source_file, source_sheet, source_row"
    )
    with duckdb.connect(str(paths.members_db), read_only=True) as con:
        assert [r[0] for r in con.execute("select distinct org from members order by 1").fetchall()] == ORGS
        fanned = con.sql(members_sql).pl()
    assert not (paths.stages / "_reconcile" / run_id).exists(), "the plan hand-over was not removed"

    one_step = copy_demo(demo_source, tmp_path / "one_step", orgs=ORGS)
    assert run_pipeline(one_step, instance=instance).success
    with duckdb.connect(str(DataPaths.from_env(one_step).members_db), read_only=True) as con:
        assert con.sql(members_sql).pl().equals(fanned)
