"""Sex rules (DOMAIN.md "Spreadsheet layouts", "CCCD" G digit, "Names" Văn/Thị)."""

from __future__ import annotations

import polars as pl
import pytest

from ddss import issues as iss
from ddss.sex import only_female_column_expr, sex_exprs, sex_struct_expr, stated_sex_expr

COLS = ("sex", "female_mark", "male_mark", "bd_male", "bd_female", "cccd_sex", "middle")


def _run(**values: str | None) -> tuple:
    frame = pl.DataFrame({c: [values.get(c)] for c in COLS}, schema=dict.fromkeys(COLS, pl.String))
    return frame.select(
        sex_exprs(
            sex_col="sex",
            female_mark_col="female_mark",
            male_mark_col="male_mark",
            birth_date_male_col="bd_male",
            birth_date_female_col="bd_female",
            cccd_sex_col="cccd_sex",
            middle_name_col="middle",
        )
    ).row(0)


@pytest.mark.parametrize(
    ("raw", "sex"),
    [
        # "Giới tính" column spellings
        ("Nam", "M"),
        ("nam", "M"),
        ("NAM", "M"),
        ("Nữ", "F"),
        ("nữ", "F"),
        ("NỮ", "F"),
        ("Nu\u031b\u0303", "F"),  # NFD "Nữ" from a Mac
        ("nu", "F"),
        ("M", "M"),
        ("F", "F"),
        ("male", "M"),
        ("Female", "F"),
        (" Nữ. ", "F"),
        ("x", None),
        ("1", None),
        (None, None),
    ],
)
def test_stated_sex(raw: str | None, sex: str | None) -> None:
    assert pl.DataFrame({"s": [raw]}, schema={"s": pl.String}).select(stated_sex_expr("s")).item() == sex


@pytest.mark.parametrize(
    ("values", "sex", "issues"),
    [
        ({"sex": "Nữ"}, "F", []),
        # an "x" mark column "Nữ" (x, X, 1, v)
        ({"female_mark": "x"}, "F", []),
        ({"female_mark": "X"}, "F", []),
        ({"female_mark": "1"}, "F", []),
        ({"female_mark": "v"}, "F", []),
        ({"male_mark": "x"}, "M", []),
        # date written under the "Nam" / "Nữ" sub-column
        ({"bd_male": "12/05/1985"}, "M", [iss.SEX_FROM_DATE_COLUMN]),
        ({"bd_female": "1985"}, "F", [iss.SEX_FROM_DATE_COLUMN]),
        # CCCD G digit when the sheet says nothing
        ({"cccd_sex": "F"}, "F", [iss.SEX_FROM_CCCD]),
        # stated sex wins over the CCCD (the mismatch is cccd_sex_mismatch, raised in ids)
        ({"sex": "Nam", "cccd_sex": "F"}, "M", []),
        # Thị / Văn only as a weak hint when nothing else; Vân is not Văn
        ({"middle": "Thị"}, "F", [iss.SEX_HINT_FROM_MIDDLE_NAME]),
        ({"middle": "Văn"}, "M", [iss.SEX_HINT_FROM_MIDDLE_NAME]),
        ({"middle": "Thị Thu"}, "F", [iss.SEX_HINT_FROM_MIDDLE_NAME]),
        ({"middle": "Vân"}, None, [iss.SEX_MISSING]),
        ({"middle": "Thị", "cccd_sex": "M"}, "M", [iss.SEX_FROM_CCCD]),
        ({"middle": "Văn", "sex": "Nữ"}, "F", []),
        # conflicts among what the sheet states
        ({"sex": "Nam", "female_mark": "x"}, "M", [iss.SEX_CONFLICT]),
        ({"female_mark": "x", "male_mark": "x"}, None, [iss.SEX_CONFLICT, iss.SEX_MISSING]),
        ({"bd_male": "1985", "bd_female": "1985"}, None, [iss.SEX_CONFLICT, iss.SEX_MISSING]),
        ({"sex": "Nữ", "bd_male": "1985"}, "F", [iss.SEX_CONFLICT]),
        # unreadable or missing
        ({"sex": "abc"}, None, [iss.SEX_INVALID, iss.SEX_MISSING]),
        ({"sex": "abc", "cccd_sex": "M"}, "M", [iss.SEX_INVALID, iss.SEX_FROM_CCCD]),
        ({}, None, [iss.SEX_MISSING]),
    ],
)
def test_sex(values: dict, sex: str | None, issues: list) -> None:
    assert _run(**values) == (sex, issues)


def test_unmarked_row_in_a_female_only_mark_sheet_is_male() -> None:
    # DOMAIN.md: 'an "x" mark column "Nữ"': in a sheet with only that column, blank means male.
    frame = pl.DataFrame(
        {
            "sheet": ["a", "a", "b"],
            "female_mark": ["x", None, None],
            "sex": [None, None, None],
        },
        schema={"sheet": pl.String, "female_mark": pl.String, "sex": pl.String},
    )
    out = frame.select(sex_exprs(sex_col="sex", female_mark_col="female_mark", sheet_cols=["sheet"]))
    assert out.rows() == [("F", []), ("M", [iss.SEX_FROM_UNMARKED_COLUMN]), (None, [iss.SEX_MISSING])]


@pytest.mark.parametrize(
    ("org", "cccd_sex", "middle", "sex", "issues"),
    [
        # Women's Union charter: members are women
        ("hoi-phu-nu", None, None, "F", [iss.SEX_FROM_ORG]),
        ("hoi-phu-nu", None, "Văn", "F", [iss.SEX_FROM_ORG]),  # org beats the weak middle-name hint
        ("hoi-phu-nu", "M", None, "M", [iss.SEX_FROM_CCCD]),  # the CCCD's G digit comes first
        ("doan-thanh-nien", None, None, None, [iss.SEX_MISSING]),
    ],
)
def test_sex_from_org(
    org: str, cccd_sex: str | None, middle: str | None, sex: str | None, issues: list
) -> None:
    frame = pl.DataFrame(
        {"org": [org], "cccd_sex": [cccd_sex], "middle": [middle], "sex": [None]},
        schema=dict.fromkeys(("org", "cccd_sex", "middle", "sex"), pl.String),
    )
    out = frame.select(
        sex_exprs(sex_col="sex", cccd_sex_col="cccd_sex", middle_name_col="middle", org_col="org")
    )
    assert out.row(0) == (sex, issues)


def test_unmarked_row_yields_to_the_cccd() -> None:
    # A blank "Nữ" cell may be a forgotten mark: the CCCD's G digit wins over it.
    frame = pl.DataFrame(
        {"sheet": ["a", "a"], "female_mark": ["x", None], "cccd_sex": [None, "F"], "sex": [None, None]},
        schema=dict.fromkeys(("sheet", "female_mark", "cccd_sex", "sex"), pl.String),
    )
    out = frame.select(
        sex_exprs(sex_col="sex", female_mark_col="female_mark", cccd_sex_col="cccd_sex", sheet_cols=["sheet"])
    )
    assert out.rows() == [("F", []), ("F", [iss.SEX_FROM_CCCD])]


def test_optional_columns_absent() -> None:
    frame = pl.DataFrame({"sex": ["Nam", None]})
    out = frame.select(sex_exprs(sex_col="sex"))
    assert out.rows() == [("M", []), (None, [iss.SEX_MISSING])]


def test_precomputed_sheet_flag_gives_what_the_sheet_window_gives() -> None:
    # `ddss.normalise` takes the sheet-wide flag first, then evaluates sex per distinct input.
    frame = pl.DataFrame(
        {
            "sheet": ["a", "a", "b", "b", "c"],
            "female_mark": ["x", None, None, "x", None],
            "male_mark": [None, None, "x", None, None],
            "sex": [None, None, None, None, "Nữ"],
        },
        schema=dict.fromkeys(("sheet", "female_mark", "male_mark", "sex"), pl.String),
    )
    marks = {"sex_col": "sex", "female_mark_col": "female_mark", "male_mark_col": "male_mark"}
    windowed = frame.select(sex_exprs(**marks, sheet_cols=["sheet"]))
    flag = only_female_column_expr("female_mark", "male_mark", ["sheet"])
    assert frame.select(flag).to_series().to_list() == [True, True, False, False, False]
    parsed = sex_struct_expr(**marks, only_female_column_col=flag)
    flagged = frame.select(parsed.struct.field("sex"), parsed.struct.field("sex_codes"))
    assert flagged["sex"].to_list() == windowed["sex"].to_list() == ["F", "M", "M", "F", "F"]
    assert frame.select(only_female_column_expr("female_mark", "male_mark", ())).item(0, 0) is False
