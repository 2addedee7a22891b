"""Birth-date parsing rules.

DOMAIN.md "Spreadsheet layouts": dates as text, as Excel serial numbers, d/m/yy, or year only.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ddss import issues as iss
from ddss.dates import birth_date_exprs, coalesce_birth_date_raw_expr

SERIAL = iss.BIRTH_DATE_EXCEL_SERIAL
YEAR_ONLY = iss.BIRTH_DATE_YEAR_ONLY
TWO_DIGIT = iss.BIRTH_DATE_TWO_DIGIT_YEAR


def _run(raw: str | None, system: str | None = "1900") -> tuple:
    frame = pl.DataFrame({"raw": [raw], "ds": [system]}, schema={"raw": pl.String, "ds": pl.String})
    return frame.select(birth_date_exprs("raw", date_system_col="ds")).row(0)


@pytest.mark.parametrize(
    ("raw", "birth_date", "birth_year", "issues"),
    [
        # date cells reach us as ISO text, sometimes with a midnight time
        ("1985-05-12", date(1985, 5, 12), 1985, []),
        ("1985-05-12 00:00:00", date(1985, 5, 12), 1985, []),
        ("1985/05/12", date(1985, 5, 12), 1985, []),
        # dates typed as text, Vietnamese day-first order ('12/05/1985)
        ("12/05/1985", date(1985, 5, 12), 1985, []),
        ("'12/05/1985", date(1985, 5, 12), 1985, []),
        ("2/5/1985", date(1985, 5, 2), 1985, []),
        ("12-05-1985", date(1985, 5, 12), 1985, []),
        ("12.05.1985", date(1985, 5, 12), 1985, []),
        ("12 / 05 / 1985", date(1985, 5, 12), 1985, []),
        ("12/05/1985 00:00:00", date(1985, 5, 12), 1985, []),
        ("ngày 12 tháng 5 năm 1985", date(1985, 5, 12), 1985, []),
        # d/m/yy: century inferred
        ("2/5/85", date(1985, 5, 2), 1985, [TWO_DIGIT]),
        ("2/5/05", date(2005, 5, 2), 2005, [TWO_DIGIT]),
        # 2015 would make a child member: 1915, then flagged as too old
        ("2/5/15", date(1915, 5, 2), 1915, [TWO_DIGIT, iss.BIRTH_DATE_IMPLAUSIBLE]),
        # Excel serials (1900 system: day 0 = 1899-12-30)
        ("31234", date(1985, 7, 6), 1985, [SERIAL]),
        ("31234.0", date(1985, 7, 6), 1985, [SERIAL]),
        # year only
        ("1985", None, 1985, [YEAR_ONLY]),
        ("'1985", None, 1985, [YEAR_ONLY]),
        ("năm 1985", None, 1985, [YEAR_ONLY]),
        ("Năm 1985", None, 1985, [YEAR_ONLY]),
        ("05/1985", None, 1985, [YEAR_ONLY]),
        ("00/00/1985", None, 1985, [YEAR_ONLY]),
        ("85", None, 1985, [YEAR_ONLY, TWO_DIGIT]),
        # impossible dates: flagged, year kept
        ("31/02/1990", None, 1990, [iss.BIRTH_DATE_INVALID]),
        ("13/13/1990", None, 1990, [iss.BIRTH_DATE_INVALID]),
        ("32/01/1990", None, 1990, [iss.BIRTH_DATE_INVALID]),
        # day/month swapped only when unambiguous (second number > 12, first <= 12)
        ("05/25/1990", date(1990, 5, 25), 1990, [iss.BIRTH_DATE_DAY_MONTH_SWAPPED]),
        ("02/30/1990", None, 1990, [iss.BIRTH_DATE_INVALID]),  # 30 Feb does not exist either way
        ("05/06/1990", date(1990, 6, 5), 1990, []),  # ambiguous: read day-first, never swapped
        # implausible member ages (14-110)
        ("01/01/2020", date(2020, 1, 1), 2020, [iss.BIRTH_DATE_IMPLAUSIBLE]),
        ("01/01/1890", date(1890, 1, 1), 1890, [iss.BIRTH_DATE_IMPLAUSIBLE]),
        ("2030", date(1905, 7, 22), 1905, [SERIAL, iss.BIRTH_DATE_IMPLAUSIBLE]),  # not a past year
        # missing / garbage
        (None, None, None, [iss.BIRTH_DATE_MISSING]),
        ("   ", None, None, [iss.BIRTH_DATE_MISSING]),
        ("không rõ", None, None, [iss.BIRTH_DATE_INVALID]),
        ("7", date(1900, 1, 6), 1900, [SERIAL, iss.BIRTH_DATE_IMPLAUSIBLE]),  # tiny serial: kept, flagged
    ],
)
def test_birth_date(raw: str | None, birth_date: date | None, birth_year: int | None, issues: list) -> None:
    assert _run(raw) == (birth_date, birth_year, issues)


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("1900", date(1985, 7, 6)),  # 1900 system: base 1899-12-30
        ("1904", date(1989, 7, 7)),  # 1904 system: base 1904-01-01, 1,462 days later
        (None, date(1985, 7, 6)),  # unknown: Excel's default 1900 system
    ],
)
def test_excel_serial_date_system(system: str | None, expected: date) -> None:
    assert _run("31234", system)[0] == expected


def test_no_date_system_column() -> None:
    frame = pl.DataFrame({"raw": ["31234"]})
    assert frame.select(birth_date_exprs("raw"))["birth_date"].item() == date(1985, 7, 6)


@pytest.mark.parametrize(
    ("plain", "male", "female", "expected"),
    [
        ("12/05/1985", None, None, "12/05/1985"),
        (None, "12/05/1985", None, "12/05/1985"),  # written under the "Nam" sub-column
        ("", " ", "12/05/1985", "12/05/1985"),  # under "Nữ"; blanks are not values
        (None, None, None, None),
    ],
)
def test_coalesce_raw(plain: str | None, male: str | None, female: str | None, expected: str | None) -> None:
    # DOMAIN.md: "Birth date split under Nam / Nữ sub-columns (the date is written in the
    # column of the person's sex)".
    frame = pl.DataFrame(
        {"birth_date": [plain], "birth_date_male": [male], "birth_date_female": [female]},
        schema={c: pl.String for c in ("birth_date", "birth_date_male", "birth_date_female")},
    )
    assert frame.select(coalesce_birth_date_raw_expr()).item() == expected


def test_output_types() -> None:
    out = pl.DataFrame({"raw": ["12/05/1985", None]}).select(birth_date_exprs("raw"))
    assert out.schema == pl.Schema(
        {"birth_date": pl.Date, "birth_year": pl.Int32, "birth_date_issues": pl.List(pl.String)}
    )
