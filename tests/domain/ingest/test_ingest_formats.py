"""Every supported format yields the same member rows with the row numbers Excel shows."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from ingest_corpus import (
    STANDARD_ACCEPTED,
    STANDARD_GRID,
    STANDARD_REJECTED,
    write_csv,
    write_ods,
    write_xls,
    write_xlsm_openpyxl,
    write_xlsx,
)

from ddss import issues
from ddss.ingest import ingest_file, ingest_tree
from ddss.ingest.discover import Kind
from ddss.ingest.readers import _xlsx_hidden, read_book


def _csv(encoding: str, delimiter: str = ","):
    def write(path: Path) -> Path:
        return write_csv(path, STANDARD_GRID, encoding=encoding, delimiter=delimiter)

    return write


# DOMAIN.md / issue #4: xlsx, xlsm, xls, ods, csv in UTF-8 (with/without BOM), UTF-16, cp1258.
WRITERS = {
    "a.xlsx": lambda p: write_xlsx(p, {"DS": STANDARD_GRID}),
    "a.xlsm": lambda p: write_xlsm_openpyxl(p, STANDARD_GRID, "DS"),
    "a.xls": lambda p: write_xls(p, {"DS": STANDARD_GRID}),
    "a.ods": lambda p: write_ods(p, {"DS": STANDARD_GRID}),
    "a.csv": _csv("utf-8"),
    "bom.csv": _csv("utf-8-sig"),
    "u16.csv": _csv("utf-16"),
    "u16le.txt": _csv("utf-16-le", "\t"),
    "legacy.csv": _csv("cp1258", ";"),
    "tab.txt": _csv("utf-8", "\t"),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_format_reads_the_standard_layout(tmp_path: Path, name: str) -> None:
    raw = tmp_path / "raw"
    path = WRITERS[name](raw / "hoi-phu-nu" / name)
    result = ingest_file(path, raw)
    assert result.reason is None
    got = result.member_rows.select("source_row", "full_name").rows()
    assert got == STANDARD_ACCEPTED
    assert result.rejected_rows.get_column("source_row").to_list() == STANDARD_REJECTED
    assert result.rejected_rows.get_column("reason").to_list() == [issues.ROW_NO_NAME]
    sheet = "" if name.endswith((".csv", ".txt")) else "DS"
    assert result.member_rows.get_column("source_sheet").unique().to_list() == [sheet]
    counts = result.sheet_counts.row(0, named=True)
    assert (counts["data_rows"], counts["accepted"], counts["rejected"]) == (3, 2, 1)
    first = result.member_rows.row(0, named=True)
    assert first["org"] == "hoi-phu-nu" and first["source_file"] == f"hoi-phu-nu/{name}"
    assert first["commune_hint"] == "XÃ AN PHÚ"
    assert first["sex"] == "Nữ" and first["ethnicity"] == "Kinh"


def test_typed_cells_become_shortest_text_and_iso_dates(tmp_path: Path) -> None:
    # DOMAIN.md "Excel damage": a CCCD typed as a number loses its leading 0 but its digits
    # must come through exactly; dates may be real date cells.
    grid = [
        ["Họ tên", "CCCD", "Ngày sinh", "Ghi chú"],
        ["Nguyễn Văn A", 79123456789, dt.date(1985, 5, 12), 1.5],
        ["Nguyễn Văn B", 123456789012, 31234, "'0791"],
    ]
    raw = tmp_path / "raw"
    result = ingest_file(write_xlsx(raw / "org" / "t.xlsx", {"S": grid}), raw)
    rows = result.member_rows.select("cccd", "birth_date", "extra").rows()
    assert rows == [
        ("79123456789", "1985-05-12", '{"Ghi chú":"1.5"}'),
        ("123456789012", "31234", '{"Ghi chú":"\'0791"}'),
    ]
    assert result.member_rows.get_column("date_system").to_list() == ["1900", "1900"]


def test_1904_workbook_is_flagged(tmp_path: Path) -> None:
    # Excel for Mac may count serials from 1904: serials in text columns need the flag.
    grid = [["Họ tên", "Ngày sinh"], ["Nguyễn Văn A", dt.date(1985, 5, 12)], ["Lê B", 30000]]
    raw = tmp_path / "raw"
    path = write_xlsx(raw / "org" / "mac.xlsx", {"S": grid}, date_1904=True)
    rows = ingest_file(path, raw).member_rows.select("birth_date", "date_system").rows()
    assert rows == [("1985-05-12", "1904"), ("30000", "1904")]


def test_every_sheet_is_read_and_empty_hidden_sheets_noted(tmp_path: Path) -> None:
    # DOMAIN.md: several sheets, one per village or branch.
    raw = tmp_path / "raw"
    lookup = [["Danh mục"], ["Kinh"], ["Tày"]]
    sheets = {"Ấp 1": STANDARD_GRID, "Trống": [], "Ấp 2": STANDARD_GRID, "DM": lookup}
    path = write_xlsx(raw / "org" / "multi.xlsx", sheets, hidden=frozenset({"Ấp 2"}))
    result = ingest_tree(raw)
    counts = result.sheet_counts.select("source_sheet", "hidden", "data_rows", "note").rows()
    assert counts == [
        ("DM", False, 0, issues.SHEET_NO_HEADER),
        ("Trống", False, 0, issues.SHEET_EMPTY),
        ("Ấp 1", False, 3, None),
        ("Ấp 2", True, 3, issues.SHEET_HIDDEN),
    ]
    assert result.member_rows.height == 4 and path.exists()
    assert result.rejected_files.height == 0


def test_merged_two_row_header_xlsx(tmp_path: Path) -> None:
    # DOMAIN.md: "Ngày sinh" over "Nam" | "Nữ" and "CMND/CCCD" over "Số" | "Ngày cấp".
    grid: list[list] = [
        ["HỘI LHPN XÃ AN PHÚ", None, None, None, None, None],
        ["STT", "Họ và tên", "Ngày sinh", None, "CMND/CCCD", None],
        [None, None, "Nam", "Nữ", "Số", "Ngày cấp"],
        ["1", "2", "3", "4", "5", "6"],
        [1, "Trần Văn Bình", "1970", None, "089070001234", "04/03/2021"],
        [2, "Nguyễn Thị Lan", None, dt.date(1985, 5, 12), 79185012345, None],
    ]
    merges = [(1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 1, 3), (1, 4, 1, 5)]
    raw = tmp_path / "raw"
    path = write_xlsx(raw / "org" / "two.xlsx", {"S": grid}, merges={"S": merges})
    frame = ingest_file(path, raw).member_rows
    cols = ["source_row", "full_name", "birth_date_male", "birth_date_female", "cccd", "cccd_issue_date"]
    assert frame.select(cols).rows() == [
        (5, "Trần Văn Bình", "1970", None, "089070001234", "04/03/2021"),
        (6, "Nguyễn Thị Lan", None, "1985-05-12", "79185012345", None),
    ]


def test_output_frames_have_contract_columns(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_xlsx(raw / "org" / "a.xlsx", {"DS": STANDARD_GRID})
    result = ingest_tree(raw)
    assert result.member_rows.columns[:5] == ["row_id", "source_file", "source_sheet", "source_row", "org"]
    assert result.member_rows.schema["issues"] == pl.List(pl.String)
    assert result.rejected_rows.columns == [
        "source_file",
        "source_sheet",
        "source_row",
        "org",
        "reason",
        "raw",
    ]
    assert result.rejected_rows.get_column("raw").to_list() == ["3 | 1990 | Nữ"]


def test_tcvn3_csv_is_kept_for_the_legacy_decoder(tmp_path: Path) -> None:
    # DOMAIN.md "Names": TCVN3 bytes read as Latin-1 look like "NguyÔn V¨n Hïng"; they must
    # not be taken for Windows-1258 text, so the legacy decoder can convert them.
    text = "HéI LHPN X· AN PHó\nHä vµ tªn,N¨m sinh\nNguyÔn V¨n Hïng,1980\nTrÇn ThÞ Lan,1981\n"
    raw = tmp_path / "raw"
    (raw / "org").mkdir(parents=True)
    (raw / "org" / "abc.csv").write_bytes(text.encode("cp1252"))
    frame = ingest_file(raw / "org" / "abc.csv", raw).member_rows
    assert frame.get_column("full_name").to_list() == ["Nguyễn Văn Hùng", "Trần Thị Lan"]
    assert frame.get_column("issues").to_list() == [[issues.NAME_LEGACY_TCVN3]] * 2
    assert frame.get_column("source_row").to_list() == [3, 4]


def test_row_numbers_count_leading_empty_rows_and_columns(tmp_path: Path) -> None:
    # CONTRACT.md: source_row is the row number Excel shows, even when the used range starts
    # below row 1 and right of column A (calamine trims it unless told not to).
    grid: list[list] = [[], [], [], [], [None, None, "Họ và tên", "Năm sinh"]]
    grid += [[None, None, "Nguyễn Văn A", 1980], [], [None, None, "Lê Thị B", 1985]]
    raw = tmp_path / "raw"
    for path in (
        write_xlsx(raw / "org" / "offset.xlsx", {"S": grid}),
        write_ods(raw / "org" / "offset.ods", {"S": grid}),
        write_xls(raw / "org" / "offset.xls", {"S": grid}),
    ):
        rows = ingest_file(path, raw).member_rows.select("source_row", "full_name").rows()
        assert rows == [(6, "Nguyễn Văn A"), (8, "Lê Thị B")], path.name


def _with_workbook_xml(path: Path, edit: Callable[[bytes], bytes]) -> bytes:
    """The xlsx's bytes with xl/workbook.xml rewritten by `edit`."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, edit(data) if info.filename == "xl/workbook.xml" else data)
    return out.getvalue()


def test_sheet_states_read_from_workbook_xml_match_calamine(tmp_path: Path) -> None:
    # Eager sheets carry no visibility: it comes from workbook.xml, and must agree with the
    # lazy sheets' (calamine's) for prefixed tags and "veryHidden" too.
    path = write_xlsx(tmp_path / "a.xlsx", {"A": STANDARD_GRID, "B": STANDARD_GRID, "C": STANDARD_GRID})

    def prefixed(xml: bytes) -> bytes:
        xml = xml.replace(b'name="B"', b'name="B" state="veryHidden"').replace(
            b'name="C"', b'name="C" state="hidden"'
        )
        return xml.replace(b"<sheet ", b"<x:sheet ").replace(b"<workbook ", b'<workbook xmlns:x="urn:x" ')

    for data in (path.read_bytes(), _with_workbook_xml(path, prefixed)):
        lazy = [str(fastexcel.read_excel(data).load_sheet(i).visible) != "visible" for i in range(3)]
        assert _xlsx_hidden(data, 3) == lazy
        assert [s.hidden for s in read_book(data, Kind.XLSX).sheets] == lazy
    assert _xlsx_hidden(data, 3) == [False, True, True]
    assert _xlsx_hidden(data, 2) is None  # counts disagree: the lazy path decides
