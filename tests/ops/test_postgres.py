"""The production instance (deploy/dagster.postgres.yaml) against a real PostgreSQL server.

A throwaway cluster from Debian's `postgresql` package (`make system-deps`) is created in tmp
with initdb, started with pg_ctl on a free localhost port (as the `postgres` user when we are
root), used for one real nightly run, and stopped and deleted at teardown.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from ._support import ROOT, copy_demo

_PG_BINS = glob.glob("/usr/lib/postgresql/*/bin")
PG_BIN = Path(max(_PG_BINS, key=lambda p: int(Path(p).parent.name), default="/usr/bin"))


@dataclass(frozen=True)
class PgServer:
    port: int
    user: str
    password: str
    db: str

    def env(self) -> dict[str, str]:
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_DB": self.db,
            "DAGSTER_PG_USERNAME": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
        }

    def connect(self):
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, password=self.password, dbname=self.db
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` user the package created."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PgServer]:
    assert (PG_BIN / "initdb").exists(), "PostgreSQL server binaries missing: run `make system-deps`"
    root = Path(tempfile.mkdtemp(prefix="ddss-pg-"))
    data, pwfile = root / "data", root / "pw"
    server = PgServer(port=_free_port(), user="dagster", password="s3cret-for-tests", db="dagster")
    pwfile.write_text(server.password)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(pwfile, "postgres")
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                server.user,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        **run,
    )
    options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    subprocess.run(
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        ),
        **run,
    )
    try:
        with contextlib.closing(
            psycopg2.connect(
                host="127.0.0.1",
                port=server.port,
                user=server.user,
                password=server.password,
                dbname="postgres",
            )
        ) as con:
            con.autocommit = True
            con.cursor().execute(f"create database {server.db}")
        yield server
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_instance(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dg.DagsterInstance]:
    """DagsterInstance.from_config on deploy/dagster.postgres.yaml, credentials from the env."""
    for key, value in pg_server.env().items():
        monkeypatch.setenv(key, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def test_wrong_password_is_refused(pg_server: PgServer) -> None:
    """The server really checks the credentials the YAML reads from the environment."""
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(
            host="127.0.0.1", port=pg_server.port, user=pg_server.user, password="wrong", dbname=pg_server.db
        ).close()


def test_nightly_run_is_recorded_in_postgres(
    pg_server: PgServer,
    pg_instance: dg.DagsterInstance,
    demo_source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.runner import run_pipeline

    assert type(pg_instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(pg_instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    orgs = ["cong-doan", "hoi-phu-nu"]
    data_dir = copy_demo(demo_source, tmp_path / "data", orgs=orgs)
    monkeypatch.setenv("DDSS_DATA_DIR", str(data_dir))

    result = run_pipeline(data_dir, instance=pg_instance)
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]

    # Read the server directly, not through Dagster: the run, its events and the partitions are there.
    with contextlib.closing(pg_server.connect()) as con, con.cursor() as cur:
        cur.execute("select pipeline_name, status from runs where run_id = %s", (result.run_id,))
        assert cur.fetchone() == ("nightly_cleaning_job", "SUCCESS")
        cur.execute(
            "select count(*) from event_logs "
            "where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
            (result.run_id,),
        )
        assert cur.fetchone()[0] >= 10
        cur.execute("select partition from dynamic_partitions where partitions_def_name = 'org' order by 1")
        assert [r[0] for r in cur.fetchall()] == orgs
    # Nothing fell back to sqlite under DAGSTER_HOME.
    home = Path(os.environ["DAGSTER_HOME"])
    assert not list(home.rglob("*.db"))
