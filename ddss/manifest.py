"""Fingerprints of the member files per org, so a sensor can tell new or changed files apart."""

from __future__ import annotations

import hashlib
from pathlib import Path

MEMBER_FILE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt"})


def org_fingerprints(raw_dir: Path, orgs: list[str]) -> dict[str, str]:
    """One digest per org over its member files' relative paths, sizes and modification times.

    Cheap (no file is read), so it can run every sensor tick; the ingest itself re-checks
    content hashes before reusing a cached parse.
    """
    result: dict[str, str] = {}
    for org in orgs:
        digest = hashlib.sha256()
        for path in sorted((raw_dir / org).rglob("*")):
            if path.is_file() and path.suffix.lower() in MEMBER_FILE_SUFFIXES:
                stat = path.stat()
                rel = path.relative_to(raw_dir).as_posix()
                digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        result[org] = digest.hexdigest()[:16]
    return result
