"""Per-stage measurement: wall and CPU seconds, rows/s and the stage's own peak RSS.

Peak RSS per stage comes from the kernel: writing "5" to /proc/self/clear_refs resets the
process's high-water mark (VmHWM) to its current RSS, so VmHWM read after the stage is the
peak *during* that stage (polars and DuckDB allocate in-process, so both are counted). Where
clear_refs is not writable the figure falls back to the process peak so far, and says so.
CPU seconds are reported beside wall seconds: on a shared machine wall time also measures the
neighbours, CPU time does not.
"""

from __future__ import annotations

import gc
import re
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def _reset_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def start_memory_guard(limit_mib: float, on_breach: Callable[[float], None], every_s: float = 0.2) -> None:
    """Sample RSS in a daemon thread; call `on_breach(rss_mib)` once if it passes the limit.

    The machine is shared: a run that outgrows it must stop itself, not wake the OOM killer,
    which may pick someone else's process.
    """

    def watch() -> None:
        while True:
            rss = _status_kib("VmRSS") / 1024
            if rss > limit_mib:
                on_breach(rss)
                return
            time.sleep(every_s)

    threading.Thread(target=watch, name="memory-guard", daemon=True).start()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class StageRecord:
    """One stage's figures; `rows` is the stage's input rows (what rows/s divides by)."""

    stage: str
    rows: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mib: float = 0.0
    rss_before_mib: float = 0.0
    peak_is_stage_own: bool = True
    note: str = ""
    batches: int = 1

    def merge(self, later: StageRecord) -> None:
        """Add a later batch of the same stage: times and rows add up, the peak is the max."""
        self.rows += later.rows
        self.wall_s = round(self.wall_s + later.wall_s, 3)
        self.cpu_s = round(self.cpu_s + later.cpu_s, 3)
        self.peak_rss_mib = max(self.peak_rss_mib, later.peak_rss_mib)
        self.peak_is_stage_own = self.peak_is_stage_own and later.peak_is_stage_own
        self.batches += 1

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s > 0 else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"rows_per_s": round(self.rows_per_s)}


@dataclass
class Recorder:
    """Collects StageRecords in run order; a stage entered again (one org at a time) adds to its
    first record, so a batched stage still reports one row comparable with an unbatched run."""

    records: list[StageRecord] = field(default_factory=list)
    current: str = ""

    @contextmanager
    def stage(self, name: str, rows: int = 0, note: str = "") -> Iterator[StageRecord]:
        """Measure the body; set `record.rows` inside when the count is only known there."""
        gc.collect()
        record = StageRecord(name, rows=rows, note=note)
        self.current = name
        record.rss_before_mib = _status_kib("VmRSS") / 1024
        record.peak_is_stage_own = _reset_peak()
        cpu, wall = _cpu_seconds(), time.perf_counter()
        try:
            yield record
        finally:
            record.wall_s = round(time.perf_counter() - wall, 3)
            record.cpu_s = round(_cpu_seconds() - cpu, 3)
            record.peak_rss_mib = round(_status_kib("VmHWM") / 1024, 1)
            record.rss_before_mib = round(record.rss_before_mib, 1)
            earlier = next((r for r in self.records if r.stage == name), None)
            if earlier is None:
                self.records.append(record)
            else:
                earlier.merge(record)
            print(
                f"  [{record.stage}] {record.rows:,} rows, {record.wall_s:.1f} s wall, "
                f"{record.cpu_s:.1f} s CPU, peak {record.peak_rss_mib:,.0f} MiB",
                file=sys.stderr,
                flush=True,
            )

    def total(self, names: list[str] | None = None) -> StageRecord:
        """Sum of wall/CPU over the named stages (all when None); peak is the max of peaks."""
        chosen = [r for r in self.records if names is None or r.stage in names]
        return StageRecord(
            "total",
            rows=chosen[0].rows if chosen else 0,
            wall_s=round(sum(r.wall_s for r in chosen), 3),
            cpu_s=round(sum(r.cpu_s for r in chosen), 3),
            peak_rss_mib=max((r.peak_rss_mib for r in chosen), default=0.0),
        )
