"""Parse files in parallel threads: files are independent, and the heavy work (calamine's
xlsx/xls/ods parsing, polars expressions) runs in Rust with the GIL released.

Threads, not processes: a spawned worker costs about half a CPU-second of imports and an
`if __name__ == "__main__"` guard in every caller, and its frames must be pickled back; a
forked one inherits polars' thread pool without its threads and can hang.
At most `2 * workers` files are read ahead, so memory does not grow with the file count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from ddss.ingest.parse import ParsedFile, parse_bytes

_AHEAD_PER_WORKER = 2


@dataclass(frozen=True)
class Job:
    """One file: its bytes (read once) and digest; `parsed` is set when already known (cache)."""

    path: Path
    data: bytes
    digest: str
    parsed: ParsedFile | None = None


Outcome = ParsedFile | Exception


def _parse(job: Job, max_sheet_rows: int) -> Outcome:
    try:
        return parse_bytes(job.data, job.path.suffix.lower(), max_sheet_rows=max_sheet_rows)
    except Exception as exc:  # the caller turns it into a reason code
        return exc


def parse_jobs(jobs: Iterable[Job], *, workers: int, max_sheet_rows: int) -> Iterator[tuple[Job, Outcome]]:
    """(job, parsed file or the exception its reader raised) for every job; with workers > 1
    in finishing order (callers sort)."""
    if workers <= 1:
        for job in jobs:
            yield job, job.parsed if job.parsed is not None else _parse(job, max_sheet_rows)
        return
    flight: dict[Future[Outcome], Job] = {}
    with ThreadPoolExecutor(workers, thread_name_prefix="ddss-ingest") as pool:
        for job in jobs:
            if job.parsed is not None:
                yield job, job.parsed
                continue
            flight[pool.submit(_parse, job, max_sheet_rows)] = job
            while len(flight) >= _AHEAD_PER_WORKER * workers:
                yield from _finished(flight)
        while flight:
            yield from _finished(flight)


def _finished(flight: dict[Future[Outcome], Job]) -> Iterator[tuple[Job, Outcome]]:
    done, _ = wait(flight, return_when=FIRST_COMPLETED)
    for future in done:
        yield flight.pop(future), future.result()
