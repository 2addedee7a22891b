"""Header detection and the synonym table (DOMAIN.md "Spreadsheet layouts", "Header variants")."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_corpus import grid_of

from ddss.ingest.headers import ANY_HEADER_RX, HEADER_SYNONYMS, detect_header, field_of
from ddss.text import ascii_fold_expr


def key(text: str) -> str:
    folded = pl.select(ascii_fold_expr(pl.lit(text))).item()
    return pl.select(pl.lit(folded).str.replace_all(r"\(.*?\)", "").str.replace_all(r"[^a-z0-9]", "")).item()


@pytest.mark.parametrize(
    ("header", "field"),
    [
        # DOMAIN.md header variants, with and without diacritics, any case, breaks, spaces.
        ("STT", "stt"),
        ("Số TT", "stt"),
        ("Họ tên", "full_name"),
        ("Họ và tên", "full_name"),
        ("HỌ VÀ TÊN", "full_name"),
        ("ho va ten", "full_name"),
        ("Họ và tên\n(ghi đầy đủ)", "full_name"),
        ("Họ  và   tên hội viên", "full_name"),
        ("Họ và tên đệm", "surname_part"),
        ("Tên", "given_part"),
        ("Ngày sinh", "birth_date"),
        ("Năm sinh", "birth_date"),
        ("Ngày tháng năm sinh", "birth_date"),
        ("NGAY SINH", "birth_date"),
        ("Giới tính", "sex"),
        ("Nữ", "female_mark"),
        ("Số CCCD", "cccd"),
        ("CCCD", "cccd"),
        ("CMND", "cccd"),
        ("Số định danh cá nhân", "cccd"),
        ("CMND/CCCD", "cccd"),
        ("Số CMND-CCCD", "cccd"),
        ("Ngày cấp", "cccd_issue_date"),
        ("Dân tộc", "ethnicity"),
        ("Tôn giáo", "religion"),
        ("Năm vào Hội", "join_date"),
        ("Ngày vào Đoàn", "join_date"),
        ("Ngày vào hội", "join_date"),
        ("Chi hội", "branch"),
        ("Tổ hội", "branch"),
        ("Chi đoàn", "branch"),
        ("Chi bộ", "branch"),
        ("Thôn", "village"),
        ("Ấp", "village"),
        ("Bản", "village"),
        ("Tổ dân phố", "village"),
        ("Thôn/Ấp", "village"),
        ("Xã/Phường", "commune"),
        ("Xã", "commune"),
        ("Tỉnh", "province"),
        ("Địa chỉ", "address"),
        ("Nơi ở hiện nay", "address"),
        ("Quê quán", "address"),
        ("Số thẻ hội viên", "member_card"),
        ("Số điện thoại", "phone"),
        ("SĐT", "phone"),
        ("Điện thoại", "phone"),
        ("Ghi chú", None),
        ("Nghề nghiệp", None),
        ("Nơi cấp", None),
    ],
)
def test_header_synonyms(header: str, field: str | None) -> None:
    found = field_of(key(header))
    assert (found[0] if found else None) == field


def _fields(rows: list[list[str | None]]) -> tuple[int, int, dict[str, str]]:
    header = detect_header(grid_of(rows))
    assert header is not None
    return header.first_row, header.data_start, {c.label: c.field for c in header.columns}


def test_header_below_titles_and_motto() -> None:
    rows = [
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["Độc lập - Tự do - Hạnh phúc"],
        ["DANH SÁCH HỘI VIÊN"],
        [None],
        ["STT", "Họ và tên", "Năm sinh", "Ghi chú"],
        ["1", "Nguyễn Văn A", "1980", None],
    ]
    first, start, fields = _fields(rows)
    assert (first, start) == (4, 5)
    assert fields == {"Họ và tên": "full_name", "Năm sinh": "birth_date", "Ghi chú": None}


def test_two_row_header_with_parents_in_first_merged_column_only() -> None:
    # Merged parents are stored only in their first column: they are filled right.
    rows = [
        ["STT", "Họ và tên", "Ngày sinh", None, "CMND/CCCD", None, "Địa chỉ", None, None],
        [None, None, "Nam", "Nữ", "Số", "Ngày cấp", "Số nhà", "Thôn", "Xã"],
        ["1", "Nguyễn Văn A", "1980", None, "0791", None, "12", "Ấp 1", "An Phú"],
    ]
    first, start, fields = _fields(rows)
    assert (first, start) == (0, 2)
    assert fields == {
        "Họ và tên": "full_name",
        "Ngày sinh / Nam": "birth_date_male",
        "Ngày sinh / Nữ": "birth_date_female",
        "CMND/CCCD / Số": "cccd",
        "CMND/CCCD / Ngày cấp": "cccd_issue_date",
        "Địa chỉ / Số nhà": "address",
        "Địa chỉ / Thôn": "village",
        "Địa chỉ / Xã": "commune",
    }


def test_two_row_header_with_an_unknown_sub_header() -> None:
    rows = [
        ["STT", "Họ và tên", "Ngày sinh", None, "Thông tin khác", None],
        [None, None, "Nam", "Nữ", "Chức vụ", "Nghề nghiệp"],
        ["1", "Nguyễn Văn A", "1980", None, "Hội viên", "Nông dân"],
    ]
    first, start, fields = _fields(rows)
    assert (first, start) == (0, 2)
    assert fields["Ngày sinh / Nữ"] == "birth_date_female"
    assert fields["Thông tin khác / Chức vụ"] is None


def test_split_name_header() -> None:
    rows = [["TT", "Họ và tên đệm", "Tên", "Giới tính", "Nữ"], ["1", "Nguyễn Văn", "An", "Nam", None]]
    _, start, fields = _fields(rows)
    assert start == 1
    assert fields == {
        "Họ và tên đệm": "surname_part",
        "Tên": "given_part",
        "Giới tính": "sex",
        "Nữ": "female_mark",
    }


def test_group_row_above_a_full_header_is_not_a_parent() -> None:
    rows = [
        [None, "Thông tin cá nhân", None, "Thông tin hội"],
        ["STT", "Họ tên", "Ngày sinh", "Ngày vào hội"],
        ["1", "Lê Thị B", "1990", "2010"],
    ]
    first, start, fields = _fields(rows)
    assert (first, start) == (1, 2)
    assert fields["Ngày vào hội"] == "join_date"


def test_duplicate_fields_keep_the_better_synonym() -> None:
    rows = [["Họ tên", "Quê quán", "Nơi ở hiện nay"], ["Lê Thị B", "Hà Tĩnh", "Ấp 1"]]
    _, _, fields = _fields(rows)
    assert fields == {"Họ tên": "full_name", "Quê quán": None, "Nơi ở hiện nay": "address"}


@pytest.mark.parametrize(
    "rows",
    [
        [["DANH SÁCH"], ["Kinh"], ["Tày"]],
        [["Ngày sinh", "Dân tộc"], ["1980", "Kinh"]],  # no name column: not a member list
    ],
)
def test_no_header(rows: list[list[str | None]]) -> None:
    assert detect_header(grid_of(rows)) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeghiklmnopqrstuvxy0123456789", max_size=16))
def test_one_alternation_picks_the_first_synonym_that_matches(text: str) -> None:
    # The table is one regex alternation for speed; it must name the same field (and rank)
    # as trying the synonyms one by one, in table order (the first full match wins).
    expected = next(
        ((f, rank) for rank, (f, rx) in enumerate(HEADER_SYNONYMS) if re.fullmatch(rx, text)), None
    )
    assert field_of(text) == (expected if text else None)
    # The polars prefilter of the batch path lets every such key through.
    if expected is not None:
        assert pl.select(pl.lit(text).str.contains(ANY_HEADER_RX)).item()


@pytest.mark.parametrize(
    "text", ["hovaten", "ngaysinh", "socccd", "stt", "ten", "nu", "nam", "sott", "hotendem"]
)
def test_known_keys_keep_their_field_through_the_alternation(text: str) -> None:
    expected = next((f, rank) for rank, (f, rx) in enumerate(HEADER_SYNONYMS) if re.fullmatch(rx, text))
    assert field_of(text) == expected
