"""Birth dates from whatever a cadre typed (vectorised polars expressions, non-strict parsing).

DOMAIN.md "Spreadsheet layouts": dates arrive as text (`'12/05/1985`), as Excel serial numbers,
as `d/m/yy`, or as a year only; the birth date may sit under a "Nam" or "Nữ" sub-column.
Every form is parsed with regexes and `str.to_date(strict=False)`: an impossible date becomes
null and is flagged, and no error message can carry a value.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from ddss import issues as iss
from ddss.ids import issue_codes_expr, struct_outputs
from ddss.text import IntoExpr, _expr

__all__ = [
    "BIRTH_DATE_FIELDS",
    "MAX_MEMBER_AGE",
    "MIN_MEMBER_AGE",
    "birth_date_exprs",
    "birth_date_struct_expr",
    "coalesce_birth_date_raw_expr",
]

_TODAY = date.today()
_CURRENT_YEAR = _TODAY.year
# Members of the mass organisations are adults or teenagers (Youth Union from 16); 14-110 is
# the plausible window. Outside it the date is kept but flagged.
MIN_MEMBER_AGE = 14
MAX_MEMBER_AGE = 110
_MIN_YEAR = 1800
BIRTH_DATE_FIELDS: tuple[str, ...] = ("birth_date", "birth_year", "birth_date_issues")

# Excel day 0: 1899-12-30 in the 1900 system (absorbs Excel's fictitious 1900-02-29),
# 1904-01-01 in the 1904 system (old Mac workbooks).
_EXCEL_BASE_1900 = date(1899, 12, 30)
_EXCEL_BASE_1904 = date(1904, 1, 1)

_SEP = r"\s*[-/.]\s*"
_TIME = r"(?:[ t]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
# yyyy-mm-dd (real date cells, with or without a midnight time) and yyyy/mm/dd.
_YMD = rf"^([0-9]{{4}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{1,2}}){_TIME}$"
# dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, d/m/yy.
_DMY = rf"^([0-9]{{1,2}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{4}}|[0-9]{{2}}){_TIME}$"
# mm/yyyy: only the year is usable.
_MY = rf"^[0-9]{{1,2}}{_SEP}([0-9]{{4}})$"
_SERIAL = r"^([0-9]{1,5})(?:\.[0-9]+)?$"


def coalesce_birth_date_raw_expr(
    birth_date_col: IntoExpr = "birth_date",
    male_col: IntoExpr = "birth_date_male",
    female_col: IntoExpr = "birth_date_female",
) -> pl.Expr:
    """The one birth-date text of a row, whichever of the three columns holds it.

    DOMAIN.md "Spreadsheet layouts": the birth date is often split under "Nam" / "Nữ"
    sub-columns, written in the column of the person's sex.
    """
    cols = [_expr(c).cast(pl.String).str.strip_chars() for c in (birth_date_col, male_col, female_col)]
    return pl.coalesce([pl.when(c.str.len_chars() > 0).then(c) for c in cols])


def _normalised_text(raw: pl.Expr) -> pl.Expr:
    """Lower-case text with the Vietnamese words turned into separators.

    "ngày 12 tháng 5 năm 1985" -> "12/5/1985"; "năm 1985" -> "1985"; "'1985" -> "1985".
    """
    return (
        raw.cast(pl.String)
        .str.normalize("NFC")
        .str.to_lowercase()
        .str.strip_chars()
        .str.strip_chars_start("'‘’`")
        .str.replace_all(r"^(?:sinh\s+)?(?:ngày|ngay)\s*", "")
        .str.replace_all(r"\s*(?:tháng|thang|năm|nam|sinh)\s*", "/")
        .str.strip_chars(" /")
    )


def _to_date(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Date from integer parts, null when impossible (31/02, month 13): never raises.

    `pl.date` raises on impossible parts (and would print them), so the parts are checked
    arithmetically first and only safe placeholders reach it on the rows that are nulled.
    """
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    days_in_month = (
        pl.when(m == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(m.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    ok = ((y >= 1) & (y <= 9999) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= days_in_month)).fill_null(False)
    safe = pl.date(
        pl.when(ok).then(y).otherwise(2000),
        pl.when(ok).then(m).otherwise(1),
        pl.when(ok).then(d).otherwise(1),
    )
    return pl.when(ok).then(safe)


def _int(text: pl.Expr) -> pl.Expr:
    return text.str.to_integer(strict=False).cast(pl.Int32)


def _two_digit_century(yy: pl.Expr) -> pl.Expr:
    """yy -> yyyy: 2000s unless that makes the member younger than MIN_MEMBER_AGE, then 1900s.

    The plain rule (yy above the current two-digit year -> 1900s) is tightened by the member
    age window: a "d/m/15" member is far likelier 1915 than a child of 2015.
    """
    in_2000s = yy + 2000
    return pl.when(in_2000s <= _CURRENT_YEAR - MIN_MEMBER_AGE).then(in_2000s).otherwise(yy + 1900)


def _f(name: str) -> pl.Expr:
    return pl.field(name)


def birth_date_struct_expr(raw_col: IntoExpr, *, date_system_col: IntoExpr | None = None) -> pl.Expr:
    """One struct: `birth_date`, `birth_year`, `birth_date_codes` (joined issue codes), intermediates.

    The parse is staged with `struct.with_fields` so every intermediate is evaluated once;
    plain nested expressions would repeat the regex work in every output. Materialise the
    struct as a column, then take the fields by name (polars does not share a struct
    expression between several outputs).
    """
    is_1904 = pl.lit(False)
    if date_system_col is not None:
        is_1904 = (_expr(date_system_col).cast(pl.String).str.strip_chars() == "1904").fill_null(False)
    t = _f("t")
    stage = pl.struct(t=_normalised_text(_expr(raw_col)), is_1904=is_1904)
    stage = stage.struct.with_fields(
        blank=t.is_null() | (t.str.len_chars() == 0),
        ymd=t.str.extract_groups(_YMD),
        dmy=t.str.extract_groups(_DMY),
        four=_int(t.str.extract(r"^([0-9]{4})$", 1)),
        two=_int(t.str.extract(r"^([0-9]{2})$", 1)),
        month_year=_int(t.str.extract(_MY, 1)),
        serial=_int(t.str.extract(_SERIAL, 1)),
    )
    stage = stage.struct.with_fields(
        y_text=pl.coalesce(_f("ymd").struct.field("1"), _f("dmy").struct.field("3")),
        day=_int(pl.coalesce(_f("ymd").struct.field("3"), _f("dmy").struct.field("1"))),
        month=_int(pl.coalesce(_f("ymd").struct.field("2"), _f("dmy").struct.field("2"))),
        year_only_four=pl.when((_f("four") >= _MIN_YEAR) & (_f("four") <= _CURRENT_YEAR)).then(_f("four")),
        year_only_two=_two_digit_century(_f("two")),
    )
    stage = stage.struct.with_fields(
        has_parts=_f("y_text").is_not_null(),
        two_digit=_f("y_text").str.len_chars() == 2,
        year=pl.when(_f("y_text").str.len_chars() == 2)
        .then(_two_digit_century(_int(_f("y_text"))))
        .otherwise(_int(_f("y_text"))),
    )
    stage = stage.struct.with_fields(
        # "00/00/1985", "0/5/1985": the cadre knew only the year.
        zero_part=_f("has_parts") & ((_f("day") == 0) | (_f("month") == 0)),
        as_written=_to_date(_f("year"), _f("month"), _f("day")),
    )
    stage = stage.struct.with_fields(
        # Day and month swapped (US order): only when unambiguous, i.e. the month slot holds
        # a number above 12 and the day slot one that can be a month.
        swapped_date=pl.when(
            _f("as_written").is_null() & (_f("month") > 12) & (_f("day") >= 1) & (_f("day") <= 12)
        ).then(_to_date(_f("year"), _f("day"), _f("month"))),
        # Year only: "1985", "năm 1985", "05/1985", "00/00/1985" or a two-digit "85".
        year_only=pl.coalesce(
            _f("year_only_four"),
            _f("year_only_two"),
            _f("month_year"),
            pl.when(_f("zero_part")).then(_f("year")),
        ).cast(pl.Int32),
    )
    stage = stage.struct.with_fields(
        text_date=pl.when(~_f("zero_part")).then(pl.coalesce(_f("as_written"), _f("swapped_date"))),
        # Excel serial: a bare number that is not a year (DOMAIN.md: "as Excel serial numbers").
        serial_date=pl.when(_f("year_only").is_null() & (_f("serial") >= 1)).then(
            pl.when(_f("is_1904")).then(pl.lit(_EXCEL_BASE_1904)).otherwise(pl.lit(_EXCEL_BASE_1900))
            + pl.duration(days=_f("serial"))
        ),
    )
    stage = stage.struct.with_fields(birth_date=pl.coalesce(_f("text_date"), _f("serial_date")))
    # An impossible full date still tells its year when that is a sane 4-digit year.
    year_of_invalid = pl.when(
        _f("has_parts")
        & _f("birth_date").is_null()
        & ~_f("two_digit")
        & (_f("year") >= _MIN_YEAR)
        & (_f("year") <= _CURRENT_YEAR)
    ).then(_f("year"))
    stage = stage.struct.with_fields(
        birth_year=pl.coalesce(
            _f("birth_date").dt.year().cast(pl.Int32), _f("year_only"), year_of_invalid
        ).cast(pl.Int32)
    )
    age = pl.lit(_CURRENT_YEAR, pl.Int32) - _f("birth_year")
    found = [
        pl.when(_f("blank")).then(pl.lit(iss.BIRTH_DATE_MISSING)),
        pl.when(~_f("blank") & _f("birth_date").is_null() & _f("year_only").is_not_null()).then(
            pl.lit(iss.BIRTH_DATE_YEAR_ONLY)
        ),
        pl.when(_f("serial_date").is_not_null() & _f("text_date").is_null()).then(
            pl.lit(iss.BIRTH_DATE_EXCEL_SERIAL)
        ),
        pl.when(
            (_f("has_parts") & _f("two_digit"))
            | (_f("year_only_two").is_not_null() & _f("year_only_four").is_null())
        ).then(pl.lit(iss.BIRTH_DATE_TWO_DIGIT_YEAR)),
        pl.when(_f("swapped_date").is_not_null() & ~_f("zero_part")).then(
            pl.lit(iss.BIRTH_DATE_DAY_MONTH_SWAPPED)
        ),
        pl.when(~_f("blank") & _f("birth_date").is_null() & _f("year_only").is_null()).then(
            pl.lit(iss.BIRTH_DATE_INVALID)
        ),
        pl.when((age < MIN_MEMBER_AGE) | (age > MAX_MEMBER_AGE) | (_f("birth_date") > pl.lit(_TODAY))).then(
            pl.lit(iss.BIRTH_DATE_IMPLAUSIBLE)
        ),
    ]
    return stage.struct.with_fields(birth_date_codes=issue_codes_expr(found))


def birth_date_exprs(raw_col: IntoExpr, *, date_system_col: IntoExpr | None = None) -> list[pl.Expr]:
    """`birth_date` (Date), `birth_year` (Int32) and `birth_date_issues` (list[str]).

    `date_system_col` holds the workbook's date system ("1900" / "1904") for Excel serials.
    Each output re-evaluates the parse; on big frames select `birth_date_struct_expr` once and
    unnest it instead (as `ddss.normalise` does).
    """
    parsed = birth_date_struct_expr(raw_col, date_system_col=date_system_col)
    return struct_outputs(parsed, BIRTH_DATE_FIELDS)
