"""Parsed files cached by content hash, so an unchanged file is never parsed twice.

The cache holds only path-independent frames (rows keyed by sheet and row number); the
source path, org and folder hints are attached after loading, so a moved file still hits.
Entries live in the owner-only stage area (they hold personal data, ARCHITECTURE.md).

Each batch writes one pack (rows, sheet counts, and an index of its digests with their
refusal reasons), so a run over thousands of small files writes and reads a few dozen files,
not three per input file. A pack's index is written last: a pack without one is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import polars as pl

from ddss.frames import ENGINE
from ddss.ingest.result import PARSED_SCHEMA, PARSED_SHEETS_SCHEMA

# Bump when parsing rules change, so old entries are ignored instead of trusted.
PARSER_VERSION = 2
DIGEST = "_digest"
_ROWS = {DIGEST: pl.String(), **PARSED_SCHEMA}
_SHEETS = {DIGEST: pl.String(), **PARSED_SHEETS_SCHEMA}


def _writer() -> str:
    """Unique per process and thread: two runs writing the same pack never share a temp file."""
    return f"{os.getpid()}-{threading.get_ident()}"


class ParseCache:
    """The packs under `cache_dir`: which digests they hold and where."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = cache_dir / f"v{PARSER_VERSION}"
        self.entries: dict[str, tuple[str, str | None]] = {}  # digest -> (pack, reason)
        if not self.root.is_dir():
            return
        for index in sorted(self.root.glob("*.index.json")):
            try:
                listed = json.loads(index.read_text())
            except (OSError, ValueError):
                continue
            pack = index.name.removesuffix(".index.json")
            for digest, reason in listed.items():
                self.entries.setdefault(digest, (pack, reason))

    def __contains__(self, digest: str) -> bool:
        return digest in self.entries

    def reason(self, digest: str) -> str | None:
        return self.entries[digest][1]

    def load(self, digests: list[str]) -> tuple[pl.DataFrame, pl.DataFrame] | None:
        """Rows and sheet counts of these digests (column `_digest`), or None when a pack is
        unreadable (the caller parses the files again)."""
        by_pack: dict[str, list[str]] = {}
        for digest in dict.fromkeys(digests):
            by_pack.setdefault(self.entries[digest][0], []).append(digest)
        rows, sheets = [], []
        try:
            for pack, wanted in by_pack.items():
                keep = pl.col(DIGEST).is_in(wanted)
                rows.append(pl.scan_parquet(self.root / f"{pack}.rows.parquet").filter(keep))
                sheets.append(pl.scan_parquet(self.root / f"{pack}.sheets.parquet").filter(keep))
            got_rows, got_sheets = pl.collect_all([pl.concat(rows), pl.concat(sheets)], engine=ENGINE)
        except (OSError, pl.exceptions.PolarsError):
            return None
        if got_rows.schema != pl.Schema(_ROWS) or got_sheets.schema != pl.Schema(_SHEETS):
            return None
        return got_rows, got_sheets

    def store(self, rows: pl.DataFrame, sheets: pl.DataFrame, reasons: dict[str, str | None]) -> None:
        """One pack for a batch's fresh files: frames first, the index last, each atomically."""
        if not reasons:
            return
        pack = hashlib.sha256("".join(sorted(reasons)).encode()).hexdigest()[:32]
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for frame, suffix in ((rows.select(_ROWS.keys()), "rows"), (sheets.select(_SHEETS.keys()), "sheets")):
            path = self.root / f"{pack}.{suffix}.parquet"
            tmp = path.with_name(f"{path.name}.{_writer()}.tmp")
            frame.write_parquet(tmp)
            os.replace(tmp, path)
        index = self.root / f"{pack}.index.json"
        tmp = index.with_name(f"{index.name}.{_writer()}.tmp")
        tmp.write_text(json.dumps(reasons))
        os.replace(tmp, index)
        for digest, reason in reasons.items():
            self.entries.setdefault(digest, (pack, reason))
