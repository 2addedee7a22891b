"""Run the whole pipeline in-process against a real Dagster instance (what `ddss run` does)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.partitions import ORG_PARTITIONS
from ddss.config import DATA_DIR_ENV, DataPaths
from ddss.guard import assert_data_not_tracked

REPO_ROOT = Path(__file__).resolve().parent.parent


def ensure_dagster_home() -> Path:
    """`$DAGSTER_HOME`, else `.dagster_home/` beside the repo with the repo's dagster.yaml in it."""
    home = Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and (REPO_ROOT / "dagster.yaml").exists():
        config.symlink_to(REPO_ROOT / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run_pipeline(
    data_dir: Path, *, as_of: str = "", instance: dg.DagsterInstance | None = None, quiet: bool = True
) -> dg.ExecuteInProcessResult:
    """Register every org folder as a partition, then run the nightly job over all of them."""
    from pipelines.definitions import build_definitions

    os.environ[DATA_DIR_ENV] = str(data_dir.resolve())
    paths = DataPaths.from_env(data_dir)
    assert_data_not_tracked(REPO_ROOT, [paths.raw, paths.clean])
    orgs = paths.orgs()
    if not orgs:
        raise SystemExit(f"no organisation folders under {paths.raw}: nothing to run")
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    known = set(instance.get_dynamic_partitions(ORG_PARTITIONS.name))
    missing = [o for o in orgs if o not in known]
    if missing:
        instance.add_dynamic_partitions(ORG_PARTITIONS.name, missing)
    defs = build_definitions(str(paths.root), as_of)
    job = defs.resolve_job_def("nightly_cleaning_job")
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING" if quiet else "INFO"}}}}
    return job.execute_in_process(
        instance=instance,
        run_config=run_config,
        tags={
            "dagster/asset_partition_range_start": orgs[0],
            "dagster/asset_partition_range_end": orgs[-1],
        },
        raise_on_error=False,
    )
