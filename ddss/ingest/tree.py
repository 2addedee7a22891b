"""Ingest one file or a whole raw/ tree into frame 1 plus the quarantine tables."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection
from pathlib import Path

import polars as pl

from ddss import issues
from ddss.ingest import cache
from ddss.ingest.discover import member_files, org_of, relative_name, sniff
from ddss.ingest.parse import ParsedFile, exception_reason, parse_bytes, rejected
from ddss.ingest.places import hints_from_folders
from ddss.ingest.readers import DEFAULT_MAX_SHEET_ROWS
from ddss.ingest.result import (
    MEMBER_ROWS_SCHEMA,
    REJECTED_FILES_SCHEMA,
    REJECTED_ROWS_SCHEMA,
    SHEET_COUNTS_SCHEMA,
    FileResult,
    IngestResult,
    empty,
)
from ddss.keys import row_id_expr

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_BYTES = 200 * 1024**2
_SORT = ["source_file", "source_sheet", "source_row"]


def ingest_file(
    path: Path,
    raw_dir: Path,
    *,
    cache_dir: Path | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS,
) -> FileResult:
    """Read one member file; never raises for bad content (it becomes a reason code)."""
    source_file, org = relative_name(path, raw_dir), org_of(path, raw_dir)
    if path.stat().st_size > max_file_bytes:
        return _attach(source_file, org, path, raw_dir, rejected(issues.FILE_TOO_LARGE))
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    parsed = cache.load(cache_dir, digest) if cache_dir is not None else None
    from_cache = parsed is not None
    if parsed is None:
        try:
            parsed = parse_bytes(data, path.suffix.lower(), max_sheet_rows=max_sheet_rows)
        except Exception as exc:  # the one file boundary: any reader failure is a reason
            reason = exception_reason(exc, sniff(data), path.suffix.lower())
            log.warning("file rejected: %s (%s, %s)", source_file, reason, type(exc).__name__)
            parsed = rejected(reason)
        if cache_dir is not None:
            try:
                cache.store(cache_dir, digest, parsed)
            except OSError as exc:  # a full or read-only cache only costs speed next run
                log.warning("cache not written for %s (%s)", source_file, type(exc).__name__)
    return _attach(source_file, org, path, raw_dir, parsed, digest=digest, from_cache=from_cache)


def _attach(
    source_file: str,
    org: str,
    path: Path,
    raw_dir: Path,
    parsed: ParsedFile,
    *,
    digest: str = "",
    from_cache: bool = False,
) -> FileResult:
    """Add provenance and folder hints to a path-independent parse."""
    folders = list(path.relative_to(raw_dir).parts[1:-1])
    folder = hints_from_folders(folders)
    rows = parsed.rows.with_columns(
        pl.lit(source_file).alias("source_file"),
        pl.lit(org).alias("org"),
        pl.coalesce("title_province_hint", pl.lit(folder.province, pl.String)).alias("province_hint"),
        pl.coalesce("title_commune_hint", pl.lit(folder.commune, pl.String)).alias("commune_hint"),
    ).with_columns(row_id_expr())
    accepted = rows.filter(pl.col("reject_reason").is_null()).select(MEMBER_ROWS_SCHEMA.keys())
    refused = rows.filter(pl.col("reject_reason").is_not_null()).select(
        "source_file", "source_sheet", "source_row", "org", pl.col("reject_reason").alias("reason"), "raw"
    )
    sheets = parsed.sheets.with_columns(pl.lit(source_file).alias("source_file")).select(
        SHEET_COUNTS_SCHEMA.keys()
    )
    return FileResult(source_file, org, accepted, refused, sheets, parsed.reason, digest, from_cache)


def ingest_tree(
    raw_dir: Path,
    *,
    orgs: Collection[str] | None = None,
    cache_dir: Path | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS,
) -> IngestResult:
    """Every member file under raw/<org>/ (population/ and targets/ skipped; only `orgs` when
    given), sorted output."""
    results = [
        ingest_file(
            path,
            raw_dir,
            cache_dir=cache_dir,
            max_file_bytes=max_file_bytes,
            max_sheet_rows=max_sheet_rows,
        )
        for path in member_files(raw_dir, orgs)
    ]
    files = pl.DataFrame(
        [(r.source_file, r.reason, r.org) for r in results if r.reason is not None],
        schema=REJECTED_FILES_SCHEMA,
        orient="row",
    )
    log.info(
        "ingested %d files (%d from cache, %d rejected)",
        len(results),
        sum(r.from_cache for r in results),
        files.height,
    )
    return IngestResult(
        member_rows=_concat([r.member_rows for r in results], MEMBER_ROWS_SCHEMA).sort(_SORT),
        rejected_rows=_concat([r.rejected_rows for r in results], REJECTED_ROWS_SCHEMA).sort(_SORT),
        rejected_files=files.sort("source_file"),
        sheet_counts=_concat([r.sheet_counts for r in results], SHEET_COUNTS_SCHEMA).sort(
            ["source_file", "source_sheet"]
        ),
        files_read=sum(not r.from_cache for r in results),
        files_cached=sum(r.from_cache for r in results),
    )


def _concat(frames: list[pl.DataFrame], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else empty(schema)
