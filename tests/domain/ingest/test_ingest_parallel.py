"""Parallel ingest: any worker count gives the same sorted output; every file is parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_corpus import STANDARD_GRID, write_csv, write_xls, write_xlsx
from polars.testing import assert_frame_equal

from ddss import issues
from ddss.ingest import ingest_tree
from ddss.ingest.parse import ParsedFile, rejected
from ddss.ingest.pool import Job, parse_jobs


def _corpus(raw: Path) -> None:
    for i in range(5):
        write_xlsx(raw / "hoi-phu-nu" / f"x{i}.xlsx", {f"A{i}": STANDARD_GRID, "B": STANDARD_GRID[:6]})
    write_xls(raw / "hoi-nong-dan" / "b.xls", {"A": STANDARD_GRID})
    write_csv(raw / "cong-doan" / "d.csv", STANDARD_GRID, encoding="utf-16")
    (raw / "cong-doan" / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")


@pytest.mark.parametrize("workers", [2, 3])
def test_output_is_identical_for_any_worker_count(tmp_path: Path, workers: int) -> None:
    # Determinism: files finish in any order under threads; the output is sorted at the end.
    raw = tmp_path / "raw"
    _corpus(raw)
    one, many = ingest_tree(raw, workers=1), ingest_tree(raw, workers=workers)
    for name in ("member_rows", "rejected_rows", "rejected_files", "sheet_counts"):
        assert_frame_equal(getattr(one, name), getattr(many, name))
    assert one.rejected_files.rows() == [("cong-doan/broken.xlsx", issues.FILE_CORRUPT, "cong-doan")]
    assert one.member_rows.height > 0


def test_parallel_run_fills_and_reads_the_cache(tmp_path: Path) -> None:
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    _corpus(raw)
    first = ingest_tree(raw, cache_dir=cache, workers=2)
    second = ingest_tree(raw, cache_dir=cache, workers=2)
    assert (first.files_read, first.files_cached) == (8, 0)
    assert (second.files_read, second.files_cached) == (0, 8)
    assert_frame_equal(first.member_rows, second.member_rows)


@pytest.mark.parametrize("workers", [1, 2])
def test_parse_jobs_yields_each_job_once(tmp_path: Path, workers: int) -> None:
    known = rejected(issues.FILE_EMPTY)
    jobs = [Job(tmp_path / f"f{i}.csv", b"", "", known) for i in range(3)]
    jobs.append(Job(tmp_path / "bad.xlsx", b"PK\x03\x04", "d", None))  # zip magic, no zip
    jobs.append(Job(tmp_path / "ok.csv", "Họ và tên,Năm sinh\nLê B,1980\n".encode(), "e", None))
    out = {job.path.name: outcome for job, outcome in parse_jobs(jobs, workers=workers, max_sheet_rows=10)}
    assert sorted(out) == sorted(j.path.name for j in jobs)
    assert all(out[f"f{i}.csv"] is known for i in range(3))
    ok = out["ok.csv"]
    assert isinstance(ok, ParsedFile) and ok.rows.height == 1
    # A corrupt file comes back as its reader's outcome (a reason or an exception), never raises.
    bad = out["bad.xlsx"]
    assert isinstance(bad, Exception) or (isinstance(bad, ParsedFile) and bad.reason is not None)
