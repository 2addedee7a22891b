"""Helpers the operations tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_MEMBERS = 1500
DEMO_SEED = 11


def copy_demo(source: Path, dest: Path, *, orgs: list[str] | None = None) -> Path:
    """Copy raw/ and truth/ of a demo set; with `orgs`, keep only those org folders."""
    shutil.copytree(source, dest)
    if orgs is not None:
        reserved = {"population", "targets"}
        for folder in (dest / "raw").iterdir():
            if folder.is_dir() and folder.name not in reserved and folder.name not in orgs:
                shutil.rmtree(folder)
    return dest


def ddss_cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the `ddss` command line as a steward would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
