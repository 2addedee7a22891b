"""Fuzz the ingest with hostile input: it never crashes, and every file and row is accounted for.

Bounded (small `max_examples`, no deadline) so the whole module stays well under 30 s; failing
examples are kept in the hypothesis database and replayed first on the next run.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

import openpyxl
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddss import issues
from ddss.conservation import conservation_by_sheet
from ddss.ingest import ingest_tree

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = [".xlsx", ".xls", ".csv", ".ods"]
HEADERS = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Địa chỉ", "Chi hội", "Ghi chú"]

HOSTILE = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(1)", "+1-1", "Tổng cộng", "Người lập"]
# Text that openpyxl can store (no XML control characters), including formula and CSV-injection
# starters, Vietnamese letters, legacy-encoding bytes and digit runs that look like IDs.
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("=+-@ĐđƯơ0123456789/"),
    max_size=24,
)
_cell = st.one_of(
    st.none(),
    _text,
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)),
)


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    """A small xlsx: random sheets of random cells, sometimes under a plausible header row."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for s in range(draw(st.integers(1, 3))):
        sheet = book.create_sheet(f"S{s}")
        if draw(st.booleans()):
            sheet.append(draw(st.lists(st.sampled_from(HEADERS), min_size=2, max_size=6, unique=True)))
        for row in draw(st.lists(st.lists(_cell, max_size=7), max_size=12)):
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@st.composite
def csv_texts(draw: st.DrawFn) -> bytes:
    """Delimited text with a plausible header and random, sometimes ragged, rows."""
    sep = draw(st.sampled_from([",", ";", "\t"]))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=2, max_size=6, unique=True))
    rows = draw(st.lists(st.lists(_text, max_size=8), max_size=12))
    text = "\n".join(sep.join(r) for r in [header, *rows])
    return text.encode(draw(st.sampled_from(["utf-8", "utf-16", "cp1258", "utf-8-sig"])), errors="replace")


_random_file = st.tuples(st.sampled_from(SUFFIXES), st.binary(max_size=2048))
_workbook_file = st.tuples(st.sampled_from([".xlsx", ".xlsx", ".xls", ".ods"]), workbooks())
_csv_file = st.tuples(st.sampled_from([".csv", ".csv", ".xlsx"]), csv_texts())


def _assert_accounted_for(files: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        names = []
        for i, (suffix, data) in enumerate(files):
            path = raw / "hoi-fuzz" / f"sub{i % 2}" / f"f{i}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            names.append(path.relative_to(raw).as_posix())

        result = ingest_tree(raw)  # must never raise

        rejected = set(result.rejected_files["source_file"])
        counted = set(result.sheet_counts["source_file"])
        assert rejected | counted == set(names), "a file was neither read nor rejected"
        # A rejected file may keep its per-sheet notes (why no header was found), but no rows.
        rejected_sheets = result.sheet_counts.filter(pl.col("source_file").is_in(list(rejected)))
        assert rejected_sheets["data_rows"].sum() == 0
        with_rows = set(result.member_rows["source_file"]) | set(result.rejected_rows["source_file"])
        assert not rejected & with_rows
        assert set(result.rejected_files["reason"]) <= set(issues.LABELS)
        counts = result.sheet_counts
        assert (counts["data_rows"] == counts["accepted"] + counts["rejected"]).all()
        # Counted independently from the row frames: no row lost, none counted twice.
        conserved = conservation_by_sheet(result.sheet_counts, result.member_rows, result.rejected_rows)
        assert conserved["conserved"].all()
        assert with_rows <= counted
        assert result.rejected_rows["reason"].is_not_null().all()
        assert result.member_rows.select(pl.col("org").unique()).to_series().to_list() in ([], ["hoi-fuzz"])


@FUZZ
@given(st.lists(_random_file, min_size=1, max_size=4))
def test_random_bytes_with_spreadsheet_names(files: list[tuple[str, bytes]]) -> None:
    _assert_accounted_for(files)


@FUZZ
@given(st.lists(st.one_of(_workbook_file, _csv_file), min_size=1, max_size=3))
def test_random_workbooks_and_csv(files: list[tuple[str, bytes]]) -> None:
    _assert_accounted_for(files)
