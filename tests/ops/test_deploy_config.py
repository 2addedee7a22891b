"""The production set-ups in deploy/ load: instance YAML against Dagster's schema (including the
Kubernetes run launcher's own config schema), and each executor's run config against the job.

No cluster and no broker here: this proves the files are valid, not that a cluster runs them
(the PostgreSQL and multiprocess set-ups are run for real in test_postgres.py and
test_executors.py).
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import dagster as dg
import pytest
import yaml
from dagster._config import validate_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config

from ._support import ROOT

DEPLOY = ROOT / "deploy"
INSTANCE_FILES = [ROOT / "dagster.yaml", *sorted(DEPLOY.glob("dagster.*.yaml"))]
ENV = {
    "DAGSTER_PG_HOST": "db.internal",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_DB": "dagster",
    "DAGSTER_PG_USERNAME": "dagster",
    "DAGSTER_PG_PASSWORD": "not-a-real-password",
    "DDSS_IMAGE": "registry.internal/ddss:1.0",
    "DDSS_CELERY_BROKER": "pyamqp://guest@broker//",
    "DDSS_CELERY_BACKEND": "rpc://",
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


def _load_instance_config(path: Path, tmp_path: Path) -> dict:
    shutil.copy(path, tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))
    return dict(config)


def test_every_deploy_variant_is_present() -> None:
    names = {p.name for p in INSTANCE_FILES}
    assert {"dagster.yaml", "dagster.postgres.yaml", "dagster.k8s.yaml", "dagster.celery.yaml"} <= names


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=lambda p: p.name)
def test_instance_config_validates(path: Path, tmp_path: Path) -> None:
    config = _load_instance_config(path, tmp_path)
    assert config["telemetry"]["enabled"] is False
    assert config["concurrency"]["pools"]["default_limit"] == 1  # one DuckDB writer at a time
    if path.name != "dagster.yaml":
        db = config["storage"]["postgres"]["postgres_db"]
        assert db["scheme"] == "postgresql+psycopg2"
        # Credentials are references to the environment, never literals in the file.
        raw = yaml.safe_load(path.read_text())["storage"]["postgres"]["postgres_db"]
        assert all(isinstance(raw[k], dict) and "env" in raw[k] for k in ("username", "password", "hostname"))


def test_kubernetes_run_launcher_config_matches_its_schema(tmp_path: Path) -> None:
    config = _load_instance_config(DEPLOY / "dagster.k8s.yaml", tmp_path)
    launcher = config["run_launcher"]
    cls = getattr(importlib.import_module(launcher["module"]), launcher["class"])
    result = validate_config(cls.config_type(), launcher["config"])
    assert result.success, [e.message for e in result.errors]


def test_a_broken_instance_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((DEPLOY / "dagster.postgres.yaml").read_text().replace("db_name:", "database:"))
    with pytest.raises(DagsterInvalidConfigError):
        _load_instance_config(bad, tmp_path)


def _location(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"deploy_{name}", DEPLOY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_config(name: str) -> dict:
    return yaml.safe_load((DEPLOY / f"run_config.{name}.yaml").read_text())


@pytest.mark.parametrize(
    ("location", "run_config", "executor"),
    [
        (None, "multiprocess", "multi_or_in_process_executor"),
        ("k8s_definitions", "k8s", "k8s"),
        ("celery_definitions", "celery", "celery"),
    ],
)
def test_executor_run_config_validates_against_the_nightly_job(
    location: str | None, run_config: str, executor: str
) -> None:
    if location is None:
        from pipelines.definitions import defs
    else:
        defs = _location(location).defs
    job = defs.resolve_job_def("nightly_cleaning_job")
    assert job.executor_def.name == executor
    dg.validate_run_config(job, _run_config(run_config))
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(job, {"execution": {"config": {"no_such_option": 1}}})
