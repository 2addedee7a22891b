"""Ingest one file or a whole raw/ tree into frame 1 plus the quarantine tables."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Collection
from pathlib import Path

import polars as pl

from ddss import issues
from ddss.ingest import cache
from ddss.ingest.discover import member_files, org_of, relative_name, sniff
from ddss.ingest.parse import ParsedFile, exception_reason, rejected
from ddss.ingest.places import hints_from_folders
from ddss.ingest.pool import Job, Outcome, parse_jobs
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
_REFUSED_KEYS = ("source_file", "source_sheet", "source_row", "org")


def ingest_file(
    path: Path,
    raw_dir: Path,
    *,
    cache_dir: Path | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS,
) -> FileResult:
    """Read one member file; never raises for bad content (it becomes a reason code)."""
    job = _job(path, cache_dir, max_file_bytes)
    _, outcome = next(parse_jobs([job], workers=1, max_sheet_rows=max_sheet_rows))
    return _finish(job, outcome, raw_dir, cache_dir)


def _job(path: Path, cache_dir: Path | None, max_file_bytes: int) -> Job:
    """Read the bytes once (hash and parse share them) and look the content up in the cache."""
    if path.stat().st_size > max_file_bytes:
        return Job(path, b"", "", rejected(issues.FILE_TOO_LARGE))
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    cached = cache.load(cache_dir, digest) if cache_dir is not None else None
    return Job(path, b"" if cached is not None else data, digest, cached)


def _finish(job: Job, outcome: Outcome, raw_dir: Path, cache_dir: Path | None) -> FileResult:
    """Turn a parse (or its exception) into the file's result; store fresh parses in the cache."""
    source_file, org = relative_name(job.path, raw_dir), org_of(job.path, raw_dir)
    from_cache = job.parsed is not None and bool(job.digest)
    if isinstance(outcome, Exception):
        reason = exception_reason(outcome, sniff(job.data), job.path.suffix.lower())
        log.warning("file rejected: %s (%s, %s)", source_file, reason, type(outcome).__name__)
        outcome = rejected(reason)
    if job.parsed is None and cache_dir is not None:
        try:
            cache.store(cache_dir, job.digest, outcome)
        except OSError as exc:  # a full or read-only cache only costs speed next run
            log.warning("cache not written for %s (%s)", source_file, type(exc).__name__)
    return _attach(source_file, org, job.path, raw_dir, outcome, digest=job.digest, from_cache=from_cache)


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
    rows = (
        parsed.rows.lazy()
        .with_columns(
            pl.lit(source_file).alias("source_file"),
            pl.lit(org).alias("org"),
            pl.coalesce("title_province_hint", pl.lit(folder.province, pl.String)).alias("province_hint"),
            pl.coalesce("title_commune_hint", pl.lit(folder.commune, pl.String)).alias("commune_hint"),
        )
        .with_columns(row_id_expr())
    )
    # One collect_all for the three frames: this runs once per file.
    accepted, refused, sheets = pl.collect_all(
        [
            rows.filter(pl.col("reject_reason").is_null()).select(MEMBER_ROWS_SCHEMA.keys()),
            rows.filter(pl.col("reject_reason").is_not_null()).select(
                *_REFUSED_KEYS, pl.col("reject_reason").alias("reason"), "raw"
            ),
            parsed.sheets.lazy()
            .with_columns(pl.lit(source_file).alias("source_file"))
            .select(SHEET_COUNTS_SCHEMA.keys()),
        ]
    )
    return FileResult(source_file, org, accepted, refused, sheets, parsed.reason, digest, from_cache)


def ingest_tree(
    raw_dir: Path,
    *,
    orgs: Collection[str] | None = None,
    cache_dir: Path | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS,
    workers: int | None = None,
) -> IngestResult:
    """Every member file under raw/<org>/ (population/ and targets/ skipped; only `orgs` when
    given), sorted output. `workers` files are parsed at once, in threads (default: one per
    CPU; 1 = no threads); the output does not depend on it."""
    jobs = (_job(path, cache_dir, max_file_bytes) for path in member_files(raw_dir, orgs))
    parsed = parse_jobs(jobs, workers=workers or os.cpu_count() or 1, max_sheet_rows=max_sheet_rows)
    results = [_finish(job, outcome, raw_dir, cache_dir) for job, outcome in parsed]
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
