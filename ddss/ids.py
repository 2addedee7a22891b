"""CCCD / CMND cleaning and structure checks (vectorised polars expressions).

DOMAIN.md "CCCD": a CCCD is 12 digits `PPP G YY NNNNNN`; PPP is one of the 63 pre-2025
province codes, G encodes century and sex, YY the last two digits of the birth year. An old
CMND has 9 (or 12) digits and is not a CCCD. Excel damages numbers typed as numbers: a lost
leading 0 (11 or 10 digits, repairable) or scientific notation `1.23457E+11` (digits lost for good).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from ddss import issues as iss
from ddss.text import IntoExpr, _expr

__all__ = [
    "CCCD_FIELDS",
    "CCCD_STATUSES",
    "PROVINCE_CODES",
    "cccd_birth_year_expr",
    "cccd_clean_expr",
    "cccd_cross_check_codes_expr",
    "cccd_cross_check_expr",
    "cccd_exprs",
    "cccd_sex_expr",
    "cccd_struct_expr",
    "codes_to_list_expr",
    "issue_codes_expr",
    "issue_list_expr",
    "mask_cccd",
    "mask_cccd_expr",
    "struct_outputs",
]

# DOMAIN.md "CCCD": PPP uses the pre-2025 63-province codes with a leading 0; the merger of
# 2025 does not change numbers already issued (ddss/data/cccd_provinces.csv holds the same list).
# fmt: off
PROVINCE_CODES: frozenset[str] = frozenset((
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
    "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
    "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
    "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
    "089", "091", "092", "093", "094", "095", "096",
))
# fmt: on

VALID = "valid"
MISSING = "missing"
INVALID = "invalid"
REPAIRED = "repaired"
LEGACY_CMND = "legacy_cmnd"
# CONTRACT.md `cccd_status` domain, exactly.
CCCD_STATUSES: tuple[str, ...] = (VALID, MISSING, INVALID, REPAIRED, LEGACY_CMND)
CCCD_FIELDS: tuple[str, ...] = ("cccd", "cmnd", "cccd_status", "cccd_issues")

_CURRENT_YEAR = date.today().year
# Spaces, dots, dashes and apostrophes (straight and typographic) typed inside or around numbers.
_SEPARATORS = r"[\s.\-'‘’`_]"
# Excel scientific notation, with a decimal point or (Vietnamese locale) a decimal comma.
_SCIENTIFIC = r"^\s*'?[0-9]+(?:[.,][0-9]+)?\s*[eE]\s*[+\-]?[0-9]+\s*$"
_PROVINCE_LIST = sorted(PROVINCE_CODES)
_EMPTY_CODES = pl.lit([], pl.List(pl.String))


def issue_codes_expr(conditional_codes: list[pl.Expr]) -> pl.Expr:
    """Comma-joined codes whose `pl.when(cond).then(pl.lit(code))` fired ("" when none).

    Stages keep issue codes as this string and build lists once at the end: on polars 2.1
    `concat_list`, `list.drop_nulls` and `list.sort` cost ~10x more per row (measured on 1M
    rows). Codes never contain a comma.
    """
    return pl.concat_str(conditional_codes, separator=",", ignore_nulls=True)


def codes_to_list_expr(codes: IntoExpr) -> pl.Expr:
    """list[str] from an `issue_codes_expr` string (empty list for "" or null)."""
    text = _expr(codes)
    return pl.when(text != "").then(text).str.split(",").fill_null(_EMPTY_CODES)


def issue_list_expr(conditional_codes: list[pl.Expr]) -> pl.Expr:
    """list[str] of the codes that fired, in the given order."""
    return codes_to_list_expr(issue_codes_expr(conditional_codes))


def struct_outputs(parsed: pl.Expr, fields: tuple[str, ...]) -> list[pl.Expr]:
    """Output columns of a staged parse struct; `x_issues` is built from its `x_codes` field."""
    return [
        codes_to_list_expr(parsed.struct.field(name.removesuffix("_issues") + "_codes")).alias(name)
        if name.endswith("_issues")
        else parsed.struct.field(name).alias(name)
        for name in fields
    ]


def cccd_clean_expr(col: IntoExpr) -> pl.Expr:
    """Digits as typed, minus separators, a leading apostrophe and a float's trailing `.0`.

    Empty results become null so that "missing" is one test later on.
    """
    cleaned = (
        _expr(col)
        .cast(pl.String)
        .str.strip_chars()
        .str.replace(r"\.0+$", "")  # `79123456789.0`: a number cell read as float
        .str.replace_all(_SEPARATORS, "")
    )
    return pl.when(cleaned.str.len_chars() > 0).then(cleaned)


def _century_base(g: pl.Expr) -> pl.Expr:
    # DOMAIN.md "CCCD": G 0/1 -> 1900s, 2/3 -> 2000s, 4/5 -> 2100s.
    return pl.lit(1900, pl.Int32) + (g // 2) * 100


def _digit_int(digits: pl.Expr, offset: int, length: int) -> pl.Expr:
    return digits.str.slice(offset, length).str.to_integer(strict=False).cast(pl.Int32)


def cccd_sex_expr(cccd_col: IntoExpr) -> pl.Expr:
    """'M'/'F' encoded by G (even male, odd female; DOMAIN.md "CCCD"); null unless 12 digits, G <= 5."""
    digits = _expr(cccd_col)
    g = _digit_int(digits, 3, 1)
    ok = digits.str.contains(r"^[0-9]{12}$") & (g <= 5)
    return pl.when(ok).then(pl.when(g % 2 == 0).then(pl.lit("M")).otherwise(pl.lit("F")))


def cccd_birth_year_expr(cccd_col: IntoExpr) -> pl.Expr:
    """Birth year encoded by G and YY (DOMAIN.md "CCCD"); null unless 12 digits, G <= 5."""
    digits = _expr(cccd_col)
    g = _digit_int(digits, 3, 1)
    ok = digits.str.contains(r"^[0-9]{12}$") & (g <= 5)
    return pl.when(ok).then(_century_base(g) + _digit_int(digits, 4, 2)).cast(pl.Int32)


def _cross_check_codes(cccd: pl.Expr, sex: pl.Expr | None, birth_year: pl.Expr | None) -> list[pl.Expr]:
    codes: list[pl.Expr] = []
    if sex is not None:
        differs = cccd_sex_expr(cccd) != sex
        codes.append(pl.when(differs).then(pl.lit(iss.CCCD_SEX_MISMATCH)))
    if birth_year is not None:
        differs = cccd_birth_year_expr(cccd) != birth_year.cast(pl.Int32)
        codes.append(pl.when(differs).then(pl.lit(iss.CCCD_BIRTH_YEAR_MISMATCH)))
    return codes


def cccd_cross_check_expr(
    cccd_col: IntoExpr, *, sex_col: IntoExpr | None = None, birth_year_col: IntoExpr | None = None
) -> pl.Expr:
    """Mismatch codes between a CCCD and the row's sex / birth year (list[str], maybe empty).

    DOMAIN.md "CCCD": the number can be checked against the stated sex and birth year, which
    catches typos and numbers belonging to someone else. Stewards decide, so the status stays.
    """
    codes = _cross_check_codes(
        _expr(cccd_col),
        None if sex_col is None else _expr(sex_col),
        None if birth_year_col is None else _expr(birth_year_col),
    )
    return issue_list_expr(codes) if codes else _EMPTY_CODES


def cccd_cross_check_codes_expr(
    cccd_col: IntoExpr, *, sex_col: IntoExpr | None = None, birth_year_col: IntoExpr | None = None
) -> pl.Expr:
    """`cccd_cross_check_expr` as an `issue_codes_expr` string (for stages that merge codes)."""
    codes = _cross_check_codes(
        _expr(cccd_col),
        None if sex_col is None else _expr(sex_col),
        None if birth_year_col is None else _expr(birth_year_col),
    )
    return issue_codes_expr(codes) if codes else pl.lit("")


def _f(name: str) -> pl.Expr:
    return pl.field(name)


def cccd_struct_expr(
    raw_col: IntoExpr, *, sex_col: IntoExpr | None = None, birth_year_col: IntoExpr | None = None
) -> pl.Expr:
    """One struct: `cccd`, `cmnd`, `cccd_status`, `cccd_codes` (see `issue_codes_expr`) and intermediates.

    Staged with `struct.with_fields` so the cleaned digits are computed once, not once per
    rule. Materialise it as a column and take the fields by name.
    """
    inputs = {"raw": _expr(raw_col).cast(pl.String)}
    if sex_col is not None:
        inputs["row_sex"] = _expr(sex_col)
    if birth_year_col is not None:
        inputs["row_birth_year"] = _expr(birth_year_col)
    stage = pl.struct(**inputs).struct.with_fields(
        digits=cccd_clean_expr(_f("raw")),
        scientific=_f("raw").str.contains(_SCIENTIFIC).fill_null(False),
        stripped=_f("raw").str.strip_chars().str.strip_chars_start("'‘’").str.replace(r"\.0+$", ""),
    )
    digits = _f("digits")
    stage = stage.struct.with_fields(
        n=digits.str.len_chars(),
        is_digits=digits.str.contains(r"^[0-9]+$"),
        province_ok=digits.str.slice(0, 3).is_in(_PROVINCE_LIST),
        g=_digit_int(digits, 3, 1),
        yy=_digit_int(digits, 4, 2),
        # The digits with the lost leading zeros put back (DOMAIN.md "CCCD": Excel damage; a
        # number cell drops every leading 0, so PPP 001-008 lose two).
        padded=digits.str.zfill(12),
    )
    stage = stage.struct.with_fields(
        padded_province_ok=_f("padded").str.slice(0, 3).is_in(_PROVINCE_LIST),
        padded_g=_digit_int(_f("padded"), 3, 1),
        padded_yy=_digit_int(_f("padded"), 4, 2),
    )
    stage = stage.struct.with_fields(
        # G in 0-5 and the encoded birth year not in the future (DOMAIN.md "CCCD").
        century_ok=((_f("g") <= 5) & (_century_base(_f("g")) + _f("yy") <= _CURRENT_YEAR)).fill_null(False),
        padded_century_ok=(
            (_f("padded_g") <= 5) & (_century_base(_f("padded_g")) + _f("padded_yy") <= _CURRENT_YEAR)
        ).fill_null(False),
        is12=(_f("is_digits") & (_f("n") == 12)).fill_null(False),
        lost_zeros=(_f("is_digits") & _f("n").is_in([10, 11])).fill_null(False),
        cmnd9=(_f("is_digits") & (_f("n") == 9)).fill_null(False),
        # DOMAIN.md "CCCD": an old CMND has 9 digits; 8 digits is one that lost its leading 0.
        cmnd8=(_f("is_digits") & (_f("n") == 8)).fill_null(False),
    )
    stage = stage.struct.with_fields(
        valid12=_f("is12") & _f("province_ok") & _f("century_ok"),
        # The 12-digit CMND of 2012-2016 shares the G YY layout; one whose PPP is not a CCCD
        # province code but whose G/YY part is sound is taken as a CMND, not a broken CCCD.
        cmnd12=_f("is12") & ~_f("province_ok") & _f("century_ok"),
        repaired=_f("lost_zeros") & _f("padded_province_ok") & _f("padded_century_ok"),
    )
    sci = _f("scientific")
    legacy = _f("cmnd12") | _f("cmnd9") | _f("cmnd8")
    stage = stage.struct.with_fields(
        cccd_status=pl.when(digits.is_null())
        .then(pl.lit(MISSING))
        .when(sci)
        .then(pl.lit(INVALID))
        .when(_f("valid12"))
        .then(pl.lit(VALID))
        .when(_f("repaired"))
        .then(pl.lit(REPAIRED))
        .when(legacy)
        .then(pl.lit(LEGACY_CMND))
        .otherwise(pl.lit(INVALID)),
        cccd=pl.when(sci).then(None).when(_f("valid12")).then(digits).when(_f("repaired")).then(_f("padded")),
        cmnd=pl.when(sci)
        .then(None)
        .when(_f("cmnd12") | _f("cmnd9"))
        .then(digits)
        .when(_f("cmnd8"))
        .then("0" + digits),
    )
    bad_structure = _f("is12") & ~_f("valid12") & ~_f("cmnd12")
    found = [
        pl.when(digits.is_null()).then(pl.lit(iss.CCCD_MISSING)),
        pl.when(sci).then(pl.lit(iss.CCCD_SCIENTIFIC_NOTATION)),
        pl.when(~sci & _f("stripped").str.contains(_SEPARATORS)).then(pl.lit(iss.CCCD_SEPARATORS_REMOVED)),
        pl.when(~sci & ~_f("is_digits")).then(pl.lit(iss.CCCD_NOT_DIGITS)),
        pl.when(~sci & (_f("repaired") | _f("cmnd8"))).then(pl.lit(iss.CCCD_LOST_LEADING_ZERO)),
        pl.when(~sci & legacy).then(pl.lit(iss.CCCD_LEGACY_CMND)),
        pl.when(bad_structure & ~_f("province_ok")).then(pl.lit(iss.CCCD_BAD_PROVINCE)),
        pl.when(bad_structure & ~_f("century_ok")).then(pl.lit(iss.CCCD_BAD_CENTURY)),
        pl.when(
            ~sci & _f("is_digits") & (_f("n") != 12) & ~_f("repaired") & ~_f("cmnd9") & ~_f("cmnd8")
        ).then(pl.lit(iss.CCCD_BAD_LENGTH)),
        *_cross_check_codes(
            _f("cccd"),
            None if sex_col is None else _f("row_sex"),
            None if birth_year_col is None else _f("row_birth_year"),
        ),
    ]
    return stage.struct.with_fields(cccd_codes=issue_codes_expr(found))


def cccd_exprs(
    raw_col: IntoExpr, *, sex_col: IntoExpr | None = None, birth_year_col: IntoExpr | None = None
) -> list[pl.Expr]:
    """`cccd`, `cmnd`, `cccd_status`, `cccd_issues` from the raw cell text.

    `sex_col` / `birth_year_col` (the row's own values) add the mismatch checks; leave them
    None when those columns are computed later and use `cccd_cross_check_expr` then. Each
    output re-evaluates the parse: on big frames materialise `cccd_struct_expr` once instead.
    """
    parsed = cccd_struct_expr(raw_col, sex_col=sex_col, birth_year_col=birth_year_col)
    return struct_outputs(parsed, CCCD_FIELDS)


def mask_cccd(value: str) -> str:
    """`079012345612` -> `0790******12`: what a person may see in passing (DOMAIN.md "Personal data")."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_cccd_expr(col: IntoExpr) -> pl.Expr:
    """Vectorised `mask_cccd`: first 4 and last 2 characters kept, the rest starred."""
    s = _expr(col).cast(pl.String)
    n = s.str.len_chars()
    middle = s.str.slice(4, (n - 6).clip(lower_bound=0)).str.replace_all(r".", "*")
    return (
        pl.when(n > 6)
        .then(pl.concat_str([s.str.slice(0, 4), middle, s.str.slice(-2, 2)]))
        .otherwise(s.str.replace_all(r".", "*"))
    )
