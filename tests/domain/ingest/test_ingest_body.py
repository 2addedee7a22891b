"""Body rules: blanks, totals, signatures, column-number rows, rejected rows (row conservation)."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_corpus import grid_of

from ddss import issues
from ddss.ingest.body import sheet_rows
from ddss.ingest.headers import detect_header
from ddss.ingest.places import hints_from_folders, hints_from_texts

HEADER = ["STT", "Họ và tên", "Năm sinh", "Chức vụ"]


def body_of(data: list[list[str | None]]) -> pl.DataFrame:
    grid = grid_of([HEADER, *data])
    header = detect_header(grid)
    assert header is not None
    return sheet_rows(grid, header, sheet="S", date_system="1900", province_hint=None, commune_hint=None)


def kept(data: list[list[str | None]]) -> list[tuple[int, str | None, str | None]]:
    return body_of(data).select("source_row", "full_name", "reject_reason").rows()


def test_blank_and_stt_only_rows_are_skipped() -> None:
    # DOMAIN.md: blank rows inside the table; templates pre-number empty lines.
    data = [
        ["1", "Nguyễn Văn A", "1980", None],
        [None] * 4,
        ["2", None, None, None],
        ["3", "Lê B", None, None],
    ]
    assert kept(data) == [(2, "Nguyễn Văn A", None), (5, "Lê B", None)]


def test_column_number_row_is_skipped() -> None:
    data = [["(1)", "(2)", "(3)", "(4)"], ["1", "Nguyễn Văn A", "1980", None]]
    assert kept(data) == [(3, "Nguyễn Văn A", None)]


@pytest.mark.parametrize("total", ["Tổng cộng", "TỔNG CỘNG:", "Cộng", "Tổng số", "Tong cong", "Tổng: 2"])
def test_totals_are_dropped(total: str) -> None:
    # DOMAIN.md: a "Tổng cộng" row; Tống (surname) and Công (given name) are members.
    data = [["1", "Nguyễn Văn A", "1980", None], [total, None, "2", None], ["2", "Tống Văn Công", None, None]]
    assert kept(data) == [(2, "Nguyễn Văn A", None), (4, "Tống Văn Công", None)]


@pytest.mark.parametrize(
    "signature",
    [
        [None, "Người lập biểu", None, "TM. BAN THƯỜNG VỤ"],
        [None, None, None, "An Phú, ngày 12 tháng 5 năm 2025"],
        [None, None, None, "Chủ tịch"],
        [None, "XÁC NHẬN CỦA UBND XÃ", None, None],
        [None, None, "ngày .... tháng .... năm 2025", None],
    ],
)
def test_signature_block_ends_the_table(signature: list[str | None]) -> None:
    # DOMAIN.md: signature block ("Người lập biểu", "Chủ tịch", date line) under the table;
    # the signer's name below it is not a member.
    data = [["1", "Nguyễn Văn A", "1980", None], signature, [None, "Phạm Thị Thu", None, None]]
    assert kept(data) == [(2, "Nguyễn Văn A", None)]


def test_repeated_header_rows_are_dropped() -> None:
    # Lists pasted page by page repeat the header inside the table.
    data = [["1", "Nguyễn Văn A", "1980", None], HEADER, ["2", "Lê B", None, None]]
    assert kept(data) == [(2, "Nguyễn Văn A", None), (4, "Lê B", None)]


def test_member_whose_position_is_chairwoman_is_kept() -> None:
    data = [["1", "Nguyễn Thị A", "1980", "Chủ tịch"], ["2", "Lê Thị B", "1985", None]]
    assert kept(data) == [(2, "Nguyễn Thị A", None), (3, "Lê Thị B", None)]


def test_row_without_name_is_rejected_with_raw_text() -> None:
    frame = body_of([["1", None, "1980", "Hội viên"]])
    assert frame.select("source_row", "reject_reason", "raw").rows() == [
        (2, issues.ROW_NO_NAME, "1 | 1980 | Hội viên")
    ]


def test_legacy_tcvn3_names_are_decoded_and_noted() -> None:
    # DOMAIN.md "Names": TCVN3 read as Latin-1 looks like "NguyÔn V¨n Hïng".
    frame = body_of([["1", "NguyÔn V¨n Hïng", "1980", None], ["2", "TrÇn ThÞ Lan", "1981", None]])
    names = frame.get_column("full_name").to_list()
    assert names == ["Nguyễn Văn Hùng", "Trần Thị Lan"]
    assert frame.get_column("issues").to_list() == [[issues.NAME_LEGACY_TCVN3]] * 2


@pytest.mark.parametrize(
    ("texts", "province", "commune"),
    [
        (["HỘI LHPN XÃ AN PHÚ"], None, "XÃ AN PHÚ"),
        (["ĐOÀN PHƯỜNG BẾN THÀNH", "DANH SÁCH ĐOÀN VIÊN"], None, "PHƯỜNG BẾN THÀNH"),
        (["TỈNH AN GIANG", "HỘI LHPN XÃ AN PHÚ, HUYỆN AN PHÚ"], "TỈNH AN GIANG", "XÃ AN PHÚ"),
        (["TỈNH ĐOÀN AN GIANG"], "TỈNH AN GIANG", None),
        (["PHƯỜNG MỸ BÌNH, THÀNH PHỐ LONG XUYÊN, TỈNH AN GIANG"], "TỈNH AN GIANG", "PHƯỜNG MỸ BÌNH"),
        (["Hội CCB Thành phố Hồ Chí Minh"], "Thành phố Hồ Chí Minh", None),
        (["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"], None, None),
        (["Hội Nông dân thị trấn Núi Sập"], None, "thị trấn Núi Sập"),
    ],
)
def test_place_hints_from_titles(texts: list[str], province: str | None, commune: str | None) -> None:
    hints = hints_from_texts(texts)
    assert (hints.province, hints.commune) == (province, commune)


@pytest.mark.parametrize(
    ("folders", "province", "commune"),
    [
        (["An Giang", "Xa An Phu"], "An Giang", "Xa An Phu"),
        (["Tinh An Giang"], "Tinh An Giang", None),
        (["An Giang", "An Phu"], "An Giang", "An Phu"),
        ([], None, None),
    ],
)
def test_place_hints_from_folders(folders: list[str], province: str | None, commune: str | None) -> None:
    hints = hints_from_folders(folders)
    assert (hints.province, hints.commune) == (province, commune)


@pytest.mark.parametrize(
    "cell",
    ["Họ và tên", "HỌ VÀ TÊN", "Ho va ten", "Họ và tên (*)", " họ  và tên "],
)
def test_repeated_header_in_any_case_or_accent_form_is_dropped(cell: str) -> None:
    # DOMAIN.md "Header variants": with/without diacritics, any case, extra spaces, remarks.
    data = [
        ["1", "Nguyễn Văn A", "1980", None],
        ["STT", cell, "Năm sinh", None],
        ["2", "Hà Văn Tân", None, None],
    ]
    assert kept(data) == [(2, "Nguyễn Văn A", None), (4, "Hà Văn Tân", None)]


@pytest.mark.parametrize("name", ["Hồ Văn Tên", "Hà Tên", "Họ Văn Tân", "Ho Ten"])
def test_members_whose_names_resemble_the_label_are_kept(name: str) -> None:
    # Only a cell whose compact key equals the label's is a repeated header.
    assert kept([["1", name, "1980", None]]) == [(2, name, None)]


def test_signature_in_the_stt_column_ends_the_table() -> None:
    # DOMAIN.md "Spreadsheet layouts": the signature block is often typed in column A (the
    # STT column, which maps to no field); the signer's name under it is not a member.
    data = [
        ["1", "Nguyễn Văn A", "1980", None],
        ["Người lập biểu", None, None, None],
        [None, "Trần Thị Ký", None, None],
    ]
    assert kept(data) == [(2, "Nguyễn Văn A", None)]


@pytest.mark.parametrize("rows", [5, 2100])
def test_repeated_header_is_dropped_on_short_and_long_sheets(rows: int) -> None:
    # Long sheets compare only names whose first letter folds like the label's (a cheaper
    # path above 2,000 rows); both paths drop the repeated header and keep every member.
    data = [[str(i), f"Nguyễn Văn {i}", "1980", None] for i in range(1, rows + 1)]
    data.insert(3, ["STT", "HỌ VÀ TÊN", "Năm sinh", None])
    got = kept(data)
    assert len(got) == rows
    assert all(name.startswith("Nguyễn") for _, name, _ in got)
