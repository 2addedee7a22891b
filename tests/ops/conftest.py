"""Shared set-up for the operations tests: a small generated data set and a real Dagster instance.

Every test gets its own copy of the data and its own DAGSTER_HOME in tmp, so runs, event logs
and dynamic partitions never leak between tests or into the developer's `.dagster_home`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from ._support import DEMO_MEMBERS, DEMO_SEED, ROOT, copy_demo


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated demo set (raw/ and truth/) per session; tests copy it before running on it."""
    from ddss.synth import generate

    out = tmp_path_factory.mktemp("demo_source")
    generate(out, members=DEMO_MEMBERS, seed=DEMO_SEED)
    return out


@pytest.fixture
def data_dir(demo_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo set, set as $DDSS_DATA_DIR for this test only."""
    path = copy_demo(demo_source, tmp_path / "data")
    monkeypatch.setenv("DDSS_DATA_DIR", str(path))
    return path


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DAGSTER_HOME holding the repo's dagster.yaml (the single-machine set-up)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    """A real, persistent DagsterInstance (sqlite run/event storage under the tmp home)."""
    with dg.DagsterInstance.from_config(str(dagster_home)) as inst:
        yield inst
