"""Tree-level behaviour: cache by content hash, folder hints, ordering, row conservation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from ingest_corpus import STANDARD_GRID, write_csv, write_ods, write_xls, write_xlsx

from ddss.ingest import ingest_tree


def _corpus(raw: Path) -> None:
    write_xlsx(raw / "hoi-phu-nu" / "An Giang" / "Xa An Phu" / "ds.xlsx", {"Ấp 1": STANDARD_GRID[3:]})
    write_xls(raw / "hoi-nong-dan" / "b.xls", {"A": STANDARD_GRID, "B": STANDARD_GRID})
    write_ods(raw / "doan-thanh-nien" / "c.ods", {"DS": STANDARD_GRID})
    write_csv(raw / "cong-doan" / "d.csv", STANDARD_GRID, encoding="utf-16")


def test_folder_hints_when_no_title(tmp_path: Path) -> None:
    # CONTRACT.md: place from the row, then the title rows, then the folder names.
    raw = tmp_path / "raw"
    _corpus(raw)
    rows = ingest_tree(raw).member_rows
    by_file = rows.group_by("source_file").agg(pl.col("province_hint", "commune_hint").first())
    hints = {r[0]: (r[1], r[2]) for r in by_file.rows()}
    assert hints["hoi-phu-nu/An Giang/Xa An Phu/ds.xlsx"] == ("An Giang", "Xa An Phu")
    assert hints["cong-doan/d.csv"] == (None, "XÃ AN PHÚ")


def test_rows_are_conserved_on_every_corpus_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _corpus(raw)
    result = ingest_tree(raw)
    accepted = result.member_rows.group_by("source_file", "source_sheet").len("n")
    refused = result.rejected_rows.group_by("source_file", "source_sheet").len("r")
    check = (
        result.sheet_counts.join(accepted, on=["source_file", "source_sheet"], how="left")
        .join(refused, on=["source_file", "source_sheet"], how="left")
        .fill_null(0)
    )
    assert check.height == 5
    assert (check["data_rows"] == check["n"] + check["r"]).all()
    assert (check["accepted"] == check["n"]).all() and (check["rejected"] == check["r"]).all()
    assert result.member_rows.get_column("row_id").is_unique().all()
    keys = ["source_file", "source_sheet", "source_row"]
    assert result.member_rows.select(keys).equals(result.member_rows.select(keys).sort(keys))


def test_unchanged_files_come_from_cache_and_changes_show(tmp_path: Path) -> None:
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    _corpus(raw)
    first = ingest_tree(raw, cache_dir=cache)
    assert (first.files_read, first.files_cached) == (4, 0)
    second = ingest_tree(raw, cache_dir=cache)
    assert (second.files_read, second.files_cached) == (0, 4)
    assert second.member_rows.equals(first.member_rows)
    assert second.sheet_counts.equals(first.sheet_counts)
    # A changed file is parsed again; a removed file disappears from the output.
    write_csv(raw / "cong-doan" / "d.csv", STANDARD_GRID[:5], encoding="utf-16")
    (raw / "doan-thanh-nien" / "c.ods").unlink()
    third = ingest_tree(raw, cache_dir=cache)
    assert (third.files_read, third.files_cached) == (1, 2)
    files = set(third.member_rows.get_column("source_file"))
    assert "doan-thanh-nien/c.ods" not in files
    assert third.member_rows.filter(pl.col("source_file") == "cong-doan/d.csv").height == 1


def test_a_batch_mixing_cached_and_new_files_gives_the_uncached_output(tmp_path: Path) -> None:
    # The cache is per file content: a second run where only some files are new parses only
    # those, and its output equals a run without any cache.
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    _corpus(raw)
    ingest_tree(raw, cache_dir=cache)
    write_csv(raw / "cong-doan" / "new.csv", STANDARD_GRID)
    write_csv(raw / "cong-doan" / "copy.csv", STANDARD_GRID, encoding="utf-16")  # same bytes as d.csv
    mixed = ingest_tree(raw, cache_dir=cache)
    assert (mixed.files_read, mixed.files_cached) == (1, 5)
    plain = ingest_tree(raw)
    for name in ("member_rows", "rejected_rows", "rejected_files", "sheet_counts"):
        assert getattr(mixed, name).equals(getattr(plain, name)), name


def test_an_unreadable_cache_pack_is_parsed_again(tmp_path: Path) -> None:
    # A damaged cache only costs speed: the files are parsed again, the output is unchanged.
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    _corpus(raw)
    first = ingest_tree(raw, cache_dir=cache)
    for pack in cache.rglob("*.rows.parquet"):
        pack.write_bytes(b"not parquet")
    second = ingest_tree(raw, cache_dir=cache)
    assert second.member_rows.equals(first.member_rows)
    assert second.sheet_counts.equals(first.sheet_counts)
