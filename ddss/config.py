"""Where ddss reads and writes, derived from one data folder (`$DDSS_DATA_DIR`, default `./data`)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "DDSS_DATA_DIR"
ID_SECRET_ENV = "DDSS_ID_SECRET"


@dataclass(frozen=True)
class DataPaths:
    """The folders and files of one ddss data folder, as CONTRACT.md names them."""

    root: Path

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike[str] | None = None) -> DataPaths:
        return cls(Path(data_dir or os.environ.get(DATA_DIR_ENV) or "data").resolve())

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def population(self) -> Path:
        return self.raw / "population"

    @property
    def targets(self) -> Path:
        return self.raw / "targets"

    @property
    def decisions(self) -> Path:
        """Filled-in steward review workbooks are dropped here (đối soát decisions)."""
        return self.root / "decisions"

    @property
    def clean(self) -> Path:
        return self.root / "clean"

    @property
    def stages(self) -> Path:
        """Intermediate parquet between assets; holds personal data, owner-only."""
        return self.clean / ".stages"

    @property
    def ingest_cache(self) -> Path:
        return self.clean / ".ingest_cache"

    @property
    def members_db(self) -> Path:
        return self.clean / "members.duckdb"

    @property
    def metrics_db(self) -> Path:
        return self.clean / "metrics.duckdb"

    @property
    def report_html(self) -> Path:
        return self.clean / "report.html"

    @property
    def report_xlsx(self) -> Path:
        return self.clean / "report.xlsx"

    @property
    def review(self) -> Path:
        """Steward review workbooks (personal data: stewards only)."""
        return self.clean / "review"

    @property
    def exports(self) -> Path:
        """Cadre member lists (personal data: stewards only)."""
        return self.clean / "exports"

    def orgs(self) -> list[str]:
        """Organisation slugs: the first-level folders of raw/, except the reference inputs."""
        if not self.raw.is_dir():
            return []
        reserved = {"population", "targets"}
        return sorted(
            p.name
            for p in self.raw.iterdir()
            if p.is_dir() and p.name not in reserved and not p.name.startswith(".")
        )


def private_dir(path: Path) -> Path:
    """Create a folder only its owner can read (personal data lives there)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def load_id_secret(paths: DataPaths) -> bytes:
    """Secret for keyed-hash ids: `$DDSS_ID_SECRET`, else one generated once per data folder.

    A plain hash of a 12-digit CCCD is trivially brute-forced, so ids are HMACs with this key;
    the generated key file is owner-only and never leaves the data folder.
    """
    env = os.environ.get(ID_SECRET_ENV)
    if env:
        return env.encode()
    key_file = private_dir(paths.clean) / ".id_secret"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()
