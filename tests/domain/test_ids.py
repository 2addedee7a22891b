"""CCCD / CMND rules from DOMAIN.md "CCCD" (structure PPP G YY NNNNNN, Excel damage, CMND)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddss import issues as iss
from ddss.ids import (
    CCCD_STATUSES,
    PROVINCE_CODES,
    cccd_birth_year_expr,
    cccd_clean_expr,
    cccd_cross_check_expr,
    cccd_exprs,
    cccd_sex_expr,
    mask_cccd,
    mask_cccd_expr,
)


def _run(raw: str | None, sex: str | None = None, birth_year: int | None = None) -> dict:
    frame = pl.DataFrame(
        {"raw": [raw], "sex": [sex], "birth_year": [birth_year]},
        schema={"raw": pl.String, "sex": pl.String, "birth_year": pl.Int32},
    )
    return frame.select(cccd_exprs("raw", sex_col="sex", birth_year_col="birth_year")).row(0, named=True)


def test_province_codes_are_the_63_pre_2025_codes() -> None:
    # DOMAIN.md "CCCD": 63 pre-2025 codes with a leading 0, e.g. 001 Hà Nội, 079 TP HCM, 096 Cà Mau.
    assert len(PROVINCE_CODES) == 63
    assert {"001", "031", "038", "040", "079", "089", "096"} <= PROVINCE_CODES
    assert "003" not in PROVINCE_CODES and "097" not in PROVINCE_CODES


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("079 085 001 234", "079085001234"),  # spaces typed into the number
        ("079.085.001.234", "079085001234"),  # dots
        ("079-085-001-234", "079085001234"),  # dashes
        ("'079085001234", "079085001234"),  # leading apostrophe (text marker in Excel)
        ("79085001234.0", "79085001234"),  # number cell read back as a float
        ("   ", None),
        (None, None),
    ],
)
def test_clean_strips_separators(raw: str | None, cleaned: str | None) -> None:
    # DOMAIN.md "CCCD": "also spaces, dots, dashes, a leading apostrophe".
    out = pl.DataFrame({"raw": [raw]}, schema={"raw": pl.String}).select(cccd_clean_expr("raw")).item()
    assert out == cleaned


@pytest.mark.parametrize(
    ("raw", "cccd", "cmnd", "status", "issues"),
    [
        # structurally valid: 079 TP HCM, G=0 (male, 1900s), YY=85
        ("079085001234", "079085001234", None, "valid", []),
        # G=3: female born 2000s; YY=05 -> 2005, in the past
        ("001305001234", "001305001234", None, "valid", []),
        # separators removed, still valid
        ("079 085 001 234", "079085001234", None, "valid", [iss.CCCD_SEPARATORS_REMOVED]),
        ("'079085001234", "079085001234", None, "valid", []),
        # Excel lost the leading 0: 11 digits that become a valid CCCD -> repaired
        ("79085001234", "079085001234", None, "repaired", [iss.CCCD_LOST_LEADING_ZERO]),
        # PPP 001-008: a number cell drops both leading zeros (10 digits)
        ("1085001234", "001085001234", None, "repaired", [iss.CCCD_LOST_LEADING_ZERO]),
        ("6207235869.0", "006207235869", None, "repaired", [iss.CCCD_LOST_LEADING_ZERO]),
        # 10 digits starting 0 cannot have lost two zeros (PPP 000 does not exist)
        ("0790850012", None, None, "invalid", [iss.CCCD_BAD_LENGTH]),
        # 11 digits whose padded form is not a CCCD (PPP 009 unknown): not repaired
        ("90850012345", None, None, "invalid", [iss.CCCD_BAD_LENGTH]),
        # scientific notation: digits lost for good, flag and never repair
        ("7.90850E+10", None, None, "invalid", [iss.CCCD_SCIENTIFIC_NOTATION]),
        ("1.23457E+11", None, None, "invalid", [iss.CCCD_SCIENTIFIC_NOTATION]),
        ("1,23457E+11", None, None, "invalid", [iss.CCCD_SCIENTIFIC_NOTATION]),
        ("1.23457e11", None, None, "invalid", [iss.CCCD_SCIENTIFIC_NOTATION]),
        # old CMND: 9 digits
        ("023456789", None, "023456789", "legacy_cmnd", [iss.CCCD_LEGACY_CMND]),
        # 9-digit CMND that lost its leading 0
        ("23456789", None, "023456789", "legacy_cmnd", [iss.CCCD_LOST_LEADING_ZERO, iss.CCCD_LEGACY_CMND]),
        # 12 digits, unknown PPP but sound G/YY: old 12-digit CMND, not a CCCD
        ("250085001234", None, "250085001234", "legacy_cmnd", [iss.CCCD_LEGACY_CMND]),
        # G outside 0-5
        ("079685001234", None, None, "invalid", [iss.CCCD_BAD_CENTURY]),
        # G=4 -> 2100s: not a plausible birth year yet
        ("079485001234", None, None, "invalid", [iss.CCCD_BAD_CENTURY]),
        # G=2, YY=95 -> 2095: in the future
        ("079295001234", None, None, "invalid", [iss.CCCD_BAD_CENTURY]),
        # unknown PPP and bad G
        ("003985001234", None, None, "invalid", [iss.CCCD_BAD_PROVINCE, iss.CCCD_BAD_CENTURY]),
        ("0790850012345", None, None, "invalid", [iss.CCCD_BAD_LENGTH]),
        ("CCCD 0790", None, None, "invalid", [iss.CCCD_SEPARATORS_REMOVED, iss.CCCD_NOT_DIGITS]),
        ("không có", None, None, "invalid", [iss.CCCD_SEPARATORS_REMOVED, iss.CCCD_NOT_DIGITS]),
        (None, None, None, "missing", [iss.CCCD_MISSING]),
        ("", None, None, "missing", [iss.CCCD_MISSING]),
    ],
)
def test_cccd_status(raw: str | None, cccd: str | None, cmnd: str | None, status: str, issues: list) -> None:
    out = _run(raw)
    assert out == {"cccd": cccd, "cmnd": cmnd, "cccd_status": status, "cccd_issues": issues}
    assert out["cccd_status"] in CCCD_STATUSES


@pytest.mark.parametrize(
    ("raw", "sex", "birth_year", "issues"),
    [
        # G=0 male 1900s, YY=85: agrees with M/1985
        ("079085001234", "M", 1985, []),
        # G=0 male but the row says F: typo or someone else's number, status stays valid
        ("079085001234", "F", 1985, [iss.CCCD_SEX_MISMATCH]),
        # YY=85 but the row says 1986
        ("079085001234", "M", 1986, [iss.CCCD_BIRTH_YEAR_MISMATCH]),
        # G=3 female 2000s, YY=05
        ("001305001234", "F", 2005, []),
        # a 1905 birth year does not match 2005 (century from G)
        ("001305001234", "F", 1905, [iss.CCCD_BIRTH_YEAR_MISMATCH]),
        # unknown sex / year: nothing to compare
        ("079085001234", None, None, []),
        # repaired numbers are checked too
        ("79185001234", "M", 1985, [iss.CCCD_LOST_LEADING_ZERO, iss.CCCD_SEX_MISMATCH]),
    ],
)
def test_cross_check_with_row(raw: str, sex: str | None, birth_year: int | None, issues: list) -> None:
    # DOMAIN.md "CCCD": a CCCD can be checked against the stated sex and birth year.
    out = _run(raw, sex, birth_year)
    assert out["cccd_issues"] == issues
    assert out["cccd_status"] in {"valid", "repaired"}


def test_cross_check_expr_alone() -> None:
    frame = pl.DataFrame({"c": ["079185001234", None], "s": ["M", "M"], "y": [1984, 1984]})
    out = frame.select(cccd_cross_check_expr("c", sex_col="s", birth_year_col="y")).to_series().to_list()
    assert out == [[iss.CCCD_SEX_MISMATCH, iss.CCCD_BIRTH_YEAR_MISMATCH], []]


@pytest.mark.parametrize(
    ("cccd", "sex", "year"),
    [
        ("079085001234", "M", 1985),  # G=0: male, 1900s
        ("079185001234", "F", 1985),  # G=1: female, 1900s
        ("079203001234", "M", 2003),  # G=2: male, 2000s
        ("079303001234", "F", 2003),  # G=3: female, 2000s
        ("079403001234", "M", 2103),  # G=4: male, 2100s
        ("079503001234", "F", 2103),  # G=5: female, 2100s
        ("079603001234", None, None),  # G=6: undefined
        ("12345", None, None),
        (None, None, None),
    ],
)
def test_sex_and_year_from_cccd(cccd: str | None, sex: str | None, year: int | None) -> None:
    # DOMAIN.md "CCCD": G is century and sex; YY the last two digits of the birth year.
    frame = pl.DataFrame({"c": [cccd]}, schema={"c": pl.String})
    out = frame.select(cccd_sex_expr("c").alias("s"), cccd_birth_year_expr("c").alias("y")).row(0)
    assert out == (sex, year)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("079012345612", "0790******12"),  # DOMAIN.md "Personal data": mask as 0790******12
        ("023456789", "0234***89"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_mask(value: str, masked: str) -> None:
    assert mask_cccd(value) == masked
    assert pl.DataFrame({"v": [value]}).select(mask_cccd_expr("v")).item() == masked


def test_no_value_escapes_in_errors_on_odd_input() -> None:
    # Non-strict parsing: odd text never raises (a strict cast's error message would print values).
    frame = pl.DataFrame({"raw": ["０７９", "0x1F", "+84", "1e", "E+11"]})
    out = frame.select(cccd_exprs("raw"))
    assert out["cccd_status"].to_list() == ["invalid"] * 5


_codes = st.sampled_from(sorted(PROVINCE_CODES))


@settings(max_examples=25, deadline=None)
@given(ppp=_codes, g=st.integers(0, 3), yy=st.integers(0, 99), rest=st.integers(0, 999_999))
def test_property_valid_and_lost_zero(ppp: str, g: int, yy: int, rest: int) -> None:
    # DOMAIN.md "CCCD": PPP G YY NNNNNN; a number typed as a number loses its leading 0.
    number = f"{ppp}{g}{yy:02d}{rest:06d}"
    year = 1900 + (g // 2) * 100 + yy
    sex = "M" if g % 2 == 0 else "F"
    frame = pl.DataFrame({"raw": [number, number[1:]]})
    out = frame.select(cccd_exprs("raw"))
    if year > date.today().year:  # a future birth year is not a CCCD
        assert out["cccd_status"].to_list() == ["invalid", "invalid"]
        return
    assert out["cccd"].to_list() == [number, number]
    assert out["cccd_status"].to_list() == ["valid", "repaired"]
    derived = frame.select(cccd_sex_expr("raw").alias("s"), cccd_birth_year_expr("raw").alias("y")).row(0)
    assert derived == (sex, year)


@settings(max_examples=25, deadline=None)
@given(value=st.text(alphabet="0123456789", min_size=7, max_size=14))
def test_property_mask_keeps_only_ends(value: str) -> None:
    # DOMAIN.md "Personal data": only the first 4 and last 2 characters stay readable.
    masked = mask_cccd(value)
    assert len(masked) == len(value)
    assert masked[:4] == value[:4] and masked[-2:] == value[-2:]
    assert set(masked[4:-2]) <= {"*"}
