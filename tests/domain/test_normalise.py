"""members_normalised on a small hand-built member_rows frame (docs/ARCHITECTURE.md frame 2)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ddss import issues as iss
from ddss.ids import CCCD_STATUSES
from ddss.normalise import MEMBERS_NORMALISED_SCHEMA, _with_issue_lists, issue_counts, normalise_members

_ROWS = [
    # row_id, full_name, surname_part, given_part, birth_date, bd_male, bd_female, sex, female_mark,
    # cccd, phone, commune, province, province_hint, issues, reject_reason
    ("a", "nguyễn thị  hoà", None, None, "12/05/1985", None, None, "Nữ", None,
     "79185001234", "912345678", None, "TP Hồ Chí Minh", None, [], None),
    ("b", None, "Lê Thị", "Hồng", None, None, "31234", None, None,
     "079185001234", None, None, None, "Hà Nội", [iss.NAME_LEGACY_TCVN3], None),
    ("c", "Trần Văn Nam", None, None, "1985", None, None, None, None,
     "1.23457E+11", "01689123456", None, None, None, [], None),
    ("d", "Phạm Minh Tuấn", None, None, "05/25/1990", None, None, "Nam", None,
     "001190001234", None, None, None, None, [], None),
    ("e2", "Đỗ Văn Hải", None, None, None, None, None, "Nam", None,
     "038072001234", None, None, None, None, [], None),
    ("e", "Bỏ Qua", None, None, None, None, None, None, None,
     None, None, None, None, None, [], "row_no_name"),
]  # fmt: skip
_COLUMNS = [
    "row_id", "full_name", "surname_part", "given_part", "birth_date", "birth_date_male",
    "birth_date_female", "sex", "female_mark", "cccd", "phone", "commune", "province",
    "province_hint", "issues", "reject_reason",
]  # fmt: skip


@pytest.fixture(scope="module")
def result():
    rows = pl.DataFrame(_ROWS, schema=_COLUMNS, orient="row").with_columns(
        source_file=pl.lit("hoi-nong-dan/ha-noi/ds.xlsx"),
        source_sheet=pl.lit("Sheet1"),
        source_row=pl.int_range(pl.len()).cast(pl.Int64) + 8,
        org=pl.lit("hoi-nong-dan"),
        date_system=pl.lit("1900"),
    )
    return normalise_members(rows)


def _row(result, row_id: str) -> dict:
    return result.frame.filter(pl.col("row_id") == row_id).row(0, named=True)


def test_schema_and_rejected_rows_dropped(result) -> None:
    assert result.frame.schema == pl.Schema(MEMBERS_NORMALISED_SCHEMA)
    assert result.frame["row_id"].to_list() == ["a", "b", "c", "d", "e2"]  # input order, accepted only
    assert set(result.frame["cccd_status"]) <= set(CCCD_STATUSES)


def test_row_a_names_cccd_phone(result) -> None:
    row = _row(result, "a")
    # DOMAIN.md "Names": one tone style (hòa), proper case, single spaces
    assert row["full_name"] == "Nguyễn Thị Hòa"
    assert (row["surname"], row["middle_name"], row["given_name"]) == ("Nguyễn", "Thị", "Hòa")
    assert row["name_key"] == "nguyen thi hoa"
    # DOMAIN.md "CCCD": 11 digits -> leading zero restored; G=1 female, YY=85 agrees with the row
    assert (row["cccd"], row["cccd_status"]) == ("079185001234", "repaired")
    assert (row["sex"], row["birth_date"], row["birth_year"]) == ("F", date(1985, 5, 12), 1985)
    assert row["phone"] == "0912345678"
    assert row["province_code"] == "79"
    for code in (iss.CCCD_LOST_LEADING_ZERO, iss.PHONE_NORMALISED, iss.NAME_TONE_STYLE, iss.NAME_CASE_FIXED):
        assert code in row["issues"]
    assert iss.CCCD_SEX_MISMATCH not in row["issues"]


def test_row_b_split_name_serial_under_female_column(result) -> None:
    row = _row(result, "b")
    # "Họ và tên đệm" + "Tên" sheets are combined
    assert row["full_name"] == "Lê Thị Hồng"
    # DOMAIN.md: a serial written under the "Nữ" sub-column gives both date and sex
    assert (row["birth_date"], row["sex"]) == (date(1985, 7, 6), "F")
    assert row["province_code"] == "01"  # from the title/folder hint
    assert {iss.BIRTH_DATE_EXCEL_SERIAL, iss.SEX_FROM_DATE_COLUMN, iss.PLACE_FROM_TITLE} <= set(row["issues"])
    assert iss.NAME_LEGACY_TCVN3 in row["issues"]  # ingest issues are kept


def test_row_c_scientific_cccd_year_only_old_phone(result) -> None:
    row = _row(result, "c")
    assert (row["cccd"], row["cccd_status"]) == (None, "invalid")  # never repaired
    assert (row["birth_date"], row["birth_year"]) == (None, 1985)
    assert row["phone"] == "0389123456"  # Viettel 0168 -> 038
    assert row["sex"] == "M"  # Văn: weak hint only
    assert {
        iss.CCCD_SCIENTIFIC_NOTATION,
        iss.BIRTH_DATE_YEAR_ONLY,
        iss.PHONE_OLD_PREFIX,
        iss.SEX_HINT_FROM_MIDDLE_NAME,
    } <= set(row["issues"])


def test_row_d_cross_checks(result) -> None:
    row = _row(result, "d")
    # DOMAIN.md "CCCD": G=1 is female and YY=90 matches; the row says Nam -> mismatch, status valid
    assert row["cccd_status"] == "valid"
    assert row["birth_date"] == date(1990, 5, 25)
    assert iss.CCCD_SEX_MISMATCH in row["issues"]
    assert iss.CCCD_BIRTH_YEAR_MISMATCH not in row["issues"]
    assert iss.BIRTH_DATE_DAY_MONTH_SWAPPED in row["issues"]


def test_birth_year_from_cccd_when_no_date(result) -> None:
    row = _row(result, "e2")
    # DOMAIN.md "CCCD": G=0 (1900s) and YY=72 give 1972 when the sheet has no birth date
    assert (row["birth_date"], row["birth_year"], row["cccd_status"]) == (None, 1972, "valid")
    assert {iss.BIRTH_DATE_MISSING, iss.BIRTH_YEAR_FROM_CCCD} <= set(row["issues"])
    assert iss.CCCD_BIRTH_YEAR_MISMATCH not in row["issues"]


def test_issues_sorted_unique_and_counted(result) -> None:
    for codes in result.frame["issues"].to_list():
        assert codes == sorted(set(codes))
        assert "" not in codes
    assert result.issue_counts == issue_counts(result.frame)
    assert result.issue_counts[iss.PHONE_NORMALISED] == 2
    assert sum(result.issue_counts.values()) == result.frame["issues"].list.len().sum()


def test_minimal_frame_without_optional_columns() -> None:
    rows = pl.DataFrame({"row_id": ["x"], "full_name": ["Nguyễn Văn An"], "issues": [[]]})
    out = normalise_members(rows).frame
    assert out.height == 1
    assert out["issues"].to_list()[0] == sorted(out["issues"].to_list()[0])
    assert iss.CCCD_MISSING in out["issues"].to_list()[0]


def test_repeated_and_missing_names_keep_row_order() -> None:
    """Name columns are computed once per distinct raw name and joined back in row order."""
    rows = pl.DataFrame(
        {
            "row_id": ["p", "q", "r", "s"],
            "full_name": ["lê thị hồng", None, None, "lê thị hồng"],
            "surname_part": [None, "lê thị", None, None],
            "given_part": [None, "hồng", None, None],
            "issues": [[], [], [], []],
        }
    )
    out = normalise_members(rows).frame
    assert out["row_id"].to_list() == ["p", "q", "r", "s"]
    name_cols = ["full_name", "surname", "middle_name", "given_name", "name_key", "given_key", "surname_key"]
    p, q, r, s = out.select(name_cols).rows()
    assert p == q == s
    assert p[:4] == ("Lê Thị Hồng", "Lê", "Thị", "Hồng")
    assert r == (None,) * len(name_cols)
    assert iss.NAME_MISSING in out["issues"][2].to_list()
    assert iss.NAME_MISSING not in out["issues"][0].to_list()


def test_issue_lists_from_code_strings() -> None:
    """Codes are split, deduplicated and sorted; a row without codes gets an empty list."""
    frame = pl.DataFrame(
        {c: [None, None, None] for c in MEMBERS_NORMALISED_SCHEMA if c != "issues"}
        | {"_codes": ["b,a,,b", "", "a,b"]}
    )
    out = _with_issue_lists(frame)
    assert out["issues"].to_list() == [["a", "b"], [], ["a", "b"]]
    assert out.columns == list(MEMBERS_NORMALISED_SCHEMA)


def test_whitespace_runs_collapse_like_any_whitespace() -> None:
    """The cheaper pattern gives exactly what collapsing every `\\s+` gives."""
    from ddss.normalise import WHITESPACE_RUNS

    values = pl.Series(
        ["a b", "a  b", "a\tb", "a \t b", " a\u00a0b ", "a\u3000\u3000b", "ab", "", None, "\n"]
    )
    assert (
        values.str.replace_all(WHITESPACE_RUNS, " ").to_list()
        == values.str.replace_all(r"\s+", " ").to_list()
    )
    assert values.str.replace_all(WHITESPACE_RUNS, " ")[3] == "a b"


def test_fields_computed_per_distinct_value_keep_their_row_context() -> None:
    """Birth dates, sex, branches and villages are computed once per distinct input: what
    else decides them (date system, the sheet's mark columns) must stay part of the key."""
    rows = pl.DataFrame(
        {
            "row_id": ["a1", "a2", "b1", "b2"],
            "source_file": ["org/a.xlsx", "org/a.xlsx", "org/b.xlsx", "org/b.xlsx"],
            "source_sheet": ["S", "S", "S", "S"],
            "full_name": ["Lê Hồng", "Lê Hồng", "Lê Hồng", "Lê Hồng"],
            "birth_date": ["31234", "31234", "31234", "31234"],
            "date_system": ["1900", "1900", "1904", "1904"],
            "female_mark": ["x", None, None, None],
            "branch": ["  Chi  hội 1 ", "Chi hội 1", "  Chi  hội 1 ", " "],
            "issues": [[], [], [], []],
        }
    )
    out = normalise_members(rows).frame
    assert out["row_id"].to_list() == ["a1", "a2", "b1", "b2"]
    assert out["birth_date"].to_list() == [date(1985, 7, 6)] * 2 + [date(1989, 7, 7)] * 2
    # Sheet a marks "Nữ" only, so its unmarked row is a man; sheet b has no mark column filled.
    assert out["sex"].to_list() == ["F", "M", None, None]
    assert iss.SEX_FROM_UNMARKED_COLUMN in out["issues"][1].to_list()
    assert iss.SEX_MISSING in out["issues"][3].to_list()
    assert out["branch"].to_list() == ["Chi hội 1", "Chi hội 1", "Chi hội 1", None]
