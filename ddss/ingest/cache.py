"""Parsed files cached by content hash, so an unchanged file is never parsed twice.

The cache holds only path-independent frames (rows keyed by sheet and row number); the
source path, org and folder hints are attached after loading, so a moved file still hits.
Entries live in the owner-only stage area (they hold personal data, ARCHITECTURE.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from ddss.ingest.parse import ParsedFile
from ddss.ingest.result import PARSED_SCHEMA, PARSED_SHEETS_SCHEMA

# Bump when parsing rules change, so old entries are ignored instead of trusted.
PARSER_VERSION = 1


def _paths(cache_dir: Path, digest: str) -> tuple[Path, Path, Path]:
    base = cache_dir / f"v{PARSER_VERSION}" / digest[:2]
    return base / f"{digest}.rows.parquet", base / f"{digest}.sheets.parquet", base / f"{digest}.json"


def load(cache_dir: Path, digest: str) -> ParsedFile | None:
    """The cached parse of this content, or None when absent or unreadable."""
    rows_path, sheets_path, meta_path = _paths(cache_dir, digest)
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        rows = pl.read_parquet(rows_path)
        sheets = pl.read_parquet(sheets_path)
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return None
    if rows.schema != pl.Schema(PARSED_SCHEMA) or sheets.schema != pl.Schema(PARSED_SHEETS_SCHEMA):
        return None
    return ParsedFile(rows, sheets, meta.get("reason"))


def store(cache_dir: Path, digest: str, parsed: ParsedFile) -> None:
    """Write frames first and the small json marker last, each atomically."""
    rows_path, sheets_path, meta_path = _paths(cache_dir, digest)
    rows_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for frame, path in ((parsed.rows, rows_path), (parsed.sheets, sheets_path)):
        tmp = path.with_suffix(".tmp")
        frame.write_parquet(tmp)
        os.replace(tmp, path)
    tmp = meta_path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"reason": parsed.reason}))
    os.replace(tmp, meta_path)
