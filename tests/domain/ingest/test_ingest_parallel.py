"""Parallel ingest: any worker count gives the same sorted output; every file is parsed once."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from ingest_corpus import STANDARD_GRID, write_csv, write_xls, write_xlsx
from polars.testing import assert_frame_equal

from ddss import issues
from ddss.ingest import ingest_tree
from ddss.ingest.batch import FILE_COLUMN, Loaded, parse_batch
from ddss.ingest.parse import load_bytes


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


def _load(path: Path) -> Loaded:
    try:
        return load_bytes(path.read_bytes(), path.suffix.lower())
    except Exception as exc:  # as the reader stage does
        return exc


def test_a_batch_parses_each_file_as_if_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Stacking sheets of many files must not leak anything between them: widths, delimiters,
    # quoted newlines, a header-less file, a corrupt file, legacy encodings, one per file.
    wide = [*STANDARD_GRID[:4], ["1", "Lê Văn A", "1980", "Nam", "", "Kinh", "x", "extra", "more"]]
    paths = [
        write_xlsx(tmp_path / "a.xlsx", {"A": STANDARD_GRID, "B": STANDARD_GRID[:6]}),
        write_csv(tmp_path / "b.csv", STANDARD_GRID),
        write_csv(tmp_path / "c.csv", STANDARD_GRID, delimiter=";"),
        write_csv(tmp_path / "d.csv", wide),
        write_csv(tmp_path / "e.csv", [*STANDARD_GRID[:5], ["2", "Trần\nBình", "1970"]]),
        write_csv(tmp_path / "f.csv", [["chỉ một dòng", "không tiêu đề"]]),
        write_csv(tmp_path / "g.csv", [["Họ và tên", "Năm sinh"], ["NguyÔn V¨n Hïng", "1980"]]),
        write_xls(tmp_path / "h.xls", {"A": STANDARD_GRID}),
    ]
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    paths.append(tmp_path / "broken.xlsx")
    (tmp_path / "open.csv").write_text('Họ và tên,Năm sinh\n"Lê B,1980\n')
    paths.append(tmp_path / "open.csv")
    # CRLF with blank lines (a record per line, none spanning), and a vertical tab inside a
    # line (a line break for `str.splitlines`, not for the csv reader).
    (tmp_path / "crlf.csv").write_bytes("Họ và tên,Năm sinh\r\n\r\nLê C,1990\r\n,\r\n".encode())
    (tmp_path / "vt.csv").write_bytes("Họ và tên,Năm sinh\nLê\x0bD,1991,x\nLê E,1992\n".encode())
    paths += [tmp_path / "crlf.csv", tmp_path / "vt.csv"]
    items = [_load(p) for p in paths]
    together = parse_batch(items)
    assert "retried" not in caplog.text  # the batch itself went through, not file by file
    for i, item in enumerate(items):
        alone = parse_batch([item])
        assert type(together.outcomes[i]) is type(alone.outcomes[0])
        if not isinstance(alone.outcomes[0], Exception):
            assert together.outcomes[i] == alone.outcomes[0]
        for name in ("rows", "sheets"):
            mine = getattr(together, name).filter(pl.col(FILE_COLUMN) == i).drop(FILE_COLUMN)
            assert_frame_equal(mine, getattr(alone, name).drop(FILE_COLUMN))
    assert together.rows.height > 0
