"""Ingest one file or a whole raw/ tree into frame 1 plus the quarantine tables."""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

import polars as pl

from ddss.frames import ENGINE
from ddss.ingest.batch import FILE_COLUMN, ROWS_SCHEMA, SHEETS_SCHEMA, Loaded, parse_batch
from ddss.ingest.cache import DIGEST, ParseCache
from ddss.ingest.discover import Kind, member_files, org_of, relative_name
from ddss.ingest.parse import exception_reason
from ddss.ingest.places import PlaceHints, hints_from_folders
from ddss.ingest.pool import Job, map_batches, read_job
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
    cache = ParseCache(cache_dir) if cache_dir is not None else None
    job = read_job(path, cache=cache, max_file_bytes=max_file_bytes, max_sheet_rows=max_sheet_rows)
    done = _run_batch([job], raw_dir, cache)
    reason = done.rejected_files[0][1] if done.rejected_files else None
    return FileResult(
        relative_name(path, raw_dir),
        org_of(path, raw_dir),
        done.member_rows,
        done.rejected_rows,
        done.sheet_counts,
        reason,
        job.digest,
        done.files_cached == 1,
    )


@dataclass(frozen=True)
class _Done:
    member_rows: pl.DataFrame
    rejected_rows: pl.DataFrame
    sheet_counts: pl.DataFrame
    rejected_files: list[tuple[str, str, str]]
    files_read: int
    files_cached: int


def _outcomes(
    jobs: list[Job], cache: ParseCache | None
) -> tuple[list[Job], pl.DataFrame, pl.DataFrame, list[str | None]]:
    """Rows, sheet counts (both with `_file`) and the refusal reason of every job's file; jobs
    whose cache pack could not be read come back as fresh."""
    rows: list[pl.DataFrame] = []
    sheets: list[pl.DataFrame] = []
    reasons: list[str | None] = [None] * len(jobs)
    hits = [i for i, job in enumerate(jobs) if job.cached]
    loaded = cache.load([jobs[i].digest for i in hits]) if cache is not None and hits else None
    if hits and loaded is None:  # an unreadable pack: parse those files again
        jobs = [replace(job, cached=False, loaded=reload(job)) if job.cached else job for job in jobs]
        hits = []
    if loaded is not None and cache is not None:
        owners = pl.DataFrame(
            {FILE_COLUMN: hits, DIGEST: [jobs[i].digest for i in hits]},
            schema={FILE_COLUMN: pl.Int32(), DIGEST: pl.String()},
        )
        rows.append(owners.join(loaded[0], on=DIGEST).drop(DIGEST))
        sheets.append(owners.join(loaded[1], on=DIGEST).drop(DIGEST))
        for i in hits:
            reasons[i] = cache.reason(jobs[i].digest)
    for i, job in enumerate(jobs):
        if job.parsed is not None:
            file_id = pl.lit(i, pl.Int32).alias(FILE_COLUMN)
            rows.append(job.parsed.rows.select(file_id, pl.all()))
            sheets.append(job.parsed.sheets.select(file_id, pl.all()))
            reasons[i] = job.parsed.reason
    fresh = [i for i, job in enumerate(jobs) if job.parsed is None and not job.cached]
    parsed = parse_batch([jobs[i].loaded for i in fresh]) if fresh else None  # type: ignore[misc]
    if parsed is not None:
        index = pl.col(FILE_COLUMN).replace_strict(list(range(len(fresh))), fresh, return_dtype=pl.Int32)
        rows.append(parsed.rows.with_columns(index))
        sheets.append(parsed.sheets.with_columns(index))
        for k, outcome in enumerate(parsed.outcomes):
            job = jobs[fresh[k]]
            if isinstance(outcome, Exception):
                name = type(outcome).__name__
                outcome = exception_reason(outcome, job.kind or Kind.UNKNOWN, job.path.suffix.lower())
                log.warning("file rejected: %s (%s, %s)", job.path.name, outcome, name)
            reasons[fresh[k]] = outcome
    return jobs, _concat(rows, ROWS_SCHEMA), _concat(sheets, SHEETS_SCHEMA), reasons


def reload(job: Job) -> Loaded:
    """A cached file read again without the cache (its pack could not be read)."""
    return read_job(job.path, cache=None, max_file_bytes=2**62, max_sheet_rows=job.max_sheet_rows).loaded


@lru_cache(maxsize=4096)
def _folder_hints(folders: tuple[str, ...]) -> PlaceHints:
    """Folder hints, once per folder (a province folder holds hundreds of files)."""
    return hints_from_folders(list(folders))


def _run_batch(jobs: list[Job], raw_dir: Path, cache: ParseCache | None) -> _Done:
    """Parse the batch's new files, add provenance and folder hints, fill the cache."""
    jobs, rows, sheets, reasons = _outcomes(jobs, cache)
    files = []
    for i, job in enumerate(jobs):
        parts = job.path.relative_to(raw_dir).parts  # source_file, org and folders (CONTRACT.md)
        folder = _folder_hints(parts[1:-1])
        files.append((i, "/".join(parts), parts[0], folder.province, folder.commune))
    refused_files = [(files[i][1], r, files[i][2]) for i, r in enumerate(reasons) if r is not None]
    # A refused file keeps its sheet counts but no rows (as cached: the parse is all-or-nothing).
    ok = [i for i, r in enumerate(reasons) if r is None]
    rows = rows.filter(pl.col(FILE_COLUMN).is_in(ok))
    if cache is not None:
        _store(jobs, rows, sheets, reasons, cache)
    table = pl.DataFrame(
        files,
        schema={
            FILE_COLUMN: pl.Int32(),
            "source_file": pl.String(),
            "org": pl.String(),
            "_fp": pl.String(),
            "_fc": pl.String(),
        },
        orient="row",
    )
    attached = (
        rows.lazy()
        .join(table.lazy(), on=FILE_COLUMN, how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("title_province_hint", "_fp").alias("province_hint"),
            pl.coalesce("title_commune_hint", "_fc").alias("commune_hint"),
        )
        .with_columns(row_id_expr())
    )
    accepted, refused, counts = pl.collect_all(
        [
            attached.filter(pl.col("reject_reason").is_null()).select(MEMBER_ROWS_SCHEMA.keys()),
            attached.filter(pl.col("reject_reason").is_not_null()).select(
                *_REFUSED_KEYS, pl.col("reject_reason").alias("reason"), "raw"
            ),
            sheets.lazy()
            .join(table.lazy(), on=FILE_COLUMN, how="left", maintain_order="left")
            .select(SHEET_COUNTS_SCHEMA.keys()),
        ],
        engine=ENGINE,
    )
    cached = sum(job.cached for job in jobs)
    return _Done(accepted, refused, counts, refused_files, len(jobs) - cached, cached)


def _store(
    jobs: list[Job], rows: pl.DataFrame, sheets: pl.DataFrame, reasons: list[str | None], cache: ParseCache
) -> None:
    """Cache every freshly parsed file (refused ones too, with their reason) as one pack."""
    first: dict[str, int] = {}
    for i, job in enumerate(jobs):
        if job.parsed is None and not job.cached:
            first.setdefault(job.digest, i)
    if not first:
        return
    owners = pl.DataFrame(
        {FILE_COLUMN: list(first.values()), DIGEST: list(first)},
        schema={FILE_COLUMN: pl.Int32(), DIGEST: pl.String()},
    )
    try:
        cache.store(
            owners.join(rows, on=FILE_COLUMN).drop(FILE_COLUMN),
            owners.join(sheets, on=FILE_COLUMN).drop(FILE_COLUMN),
            {digest: reasons[i] for digest, i in first.items()},
        )
    except OSError as exc:  # a full or read-only cache only costs speed next run
        log.warning("cache not written for %d files (%s)", len(first), type(exc).__name__)


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
    given), sorted output. Files are read and parsed in batches, `workers` batches at once in
    threads (default: one per CPU; 1 = no threads); the output does not depend on either."""
    cache = ParseCache(cache_dir) if cache_dir is not None else None
    read = partial(read_job, cache=cache, max_file_bytes=max_file_bytes, max_sheet_rows=max_sheet_rows)
    paths = member_files(raw_dir, orgs)
    done = map_batches(
        paths,
        lambda group: _run_batch([read(p) for p in group], raw_dir, cache),
        workers=workers or os.cpu_count() or 1,
    )
    refused = [f for d in done for f in d.rejected_files]
    files = pl.DataFrame(refused, schema=REJECTED_FILES_SCHEMA, orient="row")
    files_cached = sum(d.files_cached for d in done)
    log.info("ingested %d files (%d from cache, %d rejected)", len(paths), files_cached, files.height)
    return IngestResult(
        member_rows=_sorted(_concat([d.member_rows for d in done], MEMBER_ROWS_SCHEMA), _SORT),
        rejected_rows=_sorted(_concat([d.rejected_rows for d in done], REJECTED_ROWS_SCHEMA), _SORT),
        rejected_files=files.sort("source_file"),
        sheet_counts=_concat([d.sheet_counts for d in done], SHEET_COUNTS_SCHEMA).sort(
            ["source_file", "source_sheet"]
        ),
        files_read=sum(d.files_read for d in done),
        files_cached=files_cached,
    )


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Sorted by `keys`. Batches come in path order, so the rows usually already are: a
    one-pass check spares sorting (and copying) a million rows."""
    if frame.height < 2:
        return frame
    ahead: pl.Expr = pl.lit(False)
    for key in reversed(keys):  # (a, b, c) > (a', b', c'), built from the last key outwards
        col, prev = pl.col(key), pl.col(key).shift(1)
        ahead = (col > prev) | ((col == prev) & ahead)
    if frame.select(ahead.slice(1).all()).item():
        return frame
    return frame.sort(keys)


def _concat(frames: list[pl.DataFrame], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Chunks side by side, not copied: the sort that follows makes the one copy."""
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else empty(schema)
