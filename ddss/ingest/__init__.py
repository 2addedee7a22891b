"""Ingest member spreadsheets as organisations send them (frame 1 `member_rows`).

Finds files under raw/<org>/, reads every sheet as a raw grid, detects one- or two-row
headers, drops titles, blanks, totals and signatures, and quarantines what it cannot read
with a reason code from `ddss.issues`.
"""

from __future__ import annotations

from ddss.ingest.result import FileResult, IngestResult
from ddss.ingest.tree import DEFAULT_MAX_FILE_BYTES, ingest_file, ingest_tree

__all__ = ["DEFAULT_MAX_FILE_BYTES", "FileResult", "IngestResult", "ingest_file", "ingest_tree"]
