"""Batches of files, parsed `workers` batches at once in threads.

A batch's task reads its files (bytes, hash, cache lookup, sniffing, calamine for workbooks)
and parses them; polars releases the GIL, so one batch's parse runs beside another's calamine
read, which holds it (a lazy sheet all along). Threads, not processes: a fresh worker costs
0.25-0.3 CPU-s of imports (fastexcel, pyarrow) plus shipping Arrow tables back, and measured
on 2 cores, workers reading the workbooks were no faster at 100k rows and slower at 1M (the
parent's polars work already fills the second core); a forked one inherits polars' thread
pool without its threads and can hang. Batches are bounded in files and bytes, so memory
beyond the output does not grow with the file count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ddss import issues
from ddss.ingest.batch import Loaded
from ddss.ingest.cache import ParseCache
from ddss.ingest.discover import Kind, sniff
from ddss.ingest.parse import ParsedFile, load_bytes, rejected
from ddss.ingest.readers import DEFAULT_MAX_SHEET_ROWS

T = TypeVar("T")
# A batch closes at this many files or this many bytes on disk, whatever the format (weighting
# workbooks by their inflated size made one-workbook batches, a third more CPU per row);
# small enough that big files are read while the previous batch is parsed.
BATCH_FILES = 256
BATCH_BYTES = 4 * 1024**2


@dataclass(frozen=True)
class Job:
    """One file read: its digest and sniffed kind, and either a known result (in the cache,
    or refused for its size) or what `load_bytes` made of it (or the exception it raised)."""

    path: Path
    digest: str
    kind: Kind | None
    parsed: ParsedFile | None = None
    loaded: Loaded | None = None
    cached: bool = False
    max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS


def read_job(path: Path, *, cache: ParseCache | None, max_file_bytes: int, max_sheet_rows: int) -> Job:
    """Read the bytes once (hash and parse share them) and look the content up in the cache."""
    if path.stat().st_size > max_file_bytes:
        return Job(path, "", None, rejected(issues.FILE_TOO_LARGE))
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if cache is not None and digest in cache:
        return Job(path, digest, None, cached=True, max_sheet_rows=max_sheet_rows)
    kind = sniff(data)
    try:
        loaded: Loaded = load_bytes(data, path.suffix.lower(), kind=kind, max_sheet_rows=max_sheet_rows)
    except Exception as exc:  # the caller turns it into a reason code
        loaded = exc
    return Job(path, digest, kind, None, loaded, max_sheet_rows=max_sheet_rows)


def _groups(paths: Iterable[Path]) -> Iterator[list[Path]]:
    group: list[Path] = []
    size = 0
    for path in paths:
        group.append(path)
        size += path.stat().st_size
        if len(group) >= BATCH_FILES or size >= BATCH_BYTES:
            yield group
            group, size = [], 0
    if group:
        yield group


def map_batches(paths: Iterable[Path], task: Callable[[list[Path]], T], *, workers: int) -> list[T]:
    """`task` over batches of paths, in path order; `workers` batches at once in threads.

    A task reads its own files, so at most `workers` batches of file contents are held.
    """
    if workers <= 1:
        return [task(group) for group in _groups(paths)]
    with ThreadPoolExecutor(workers, thread_name_prefix="ddss-ingest") as pool:
        return list(pool.map(task, _groups(paths)))
