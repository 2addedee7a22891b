"""Vietnamese phone numbers to one national form (vectorised polars expressions).

Mobile numbers are 10 digits `0[35789]xxxxxxxx` since the 2018 renumbering, which moved the
11-digit `01xx` mobile prefixes to 3-digit ones (MIC Decision 798/QĐ-BTTTT, 2018; done
2018-09-15). Landlines are 11 digits `02x...` since 2017. Excel drops the leading 0 of a
number typed as a number, and people write the country code as +84, 84 or 0084.
"""

from __future__ import annotations

import polars as pl

from ddss import issues as iss
from ddss.ids import issue_codes_expr, struct_outputs
from ddss.text import IntoExpr, _expr

__all__ = ["OLD_MOBILE_PREFIXES", "PHONE_FIELDS", "phone_exprs", "phone_struct_expr"]

PHONE_FIELDS: tuple[str, ...] = ("phone", "phone_issues")

# 2018 renumbering of 11-digit mobile prefixes (Viettel, MobiFone, VinaPhone, Vietnamobile, Gmobile).
OLD_MOBILE_PREFIXES: dict[str, str] = {
    **{f"016{d}": f"03{d}" for d in "23456789"},  # Viettel 0162-0169 -> 032-039
    "0120": "070",  # MobiFone
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",
    "0123": "083",  # VinaPhone
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",
    "0186": "056",  # Vietnamobile
    "0188": "058",
    "0199": "059",  # Gmobile
}
_MOBILE = r"^0[35789][0-9]{8}$"
_LANDLINE = r"^02[0-9]{9}$"


def _f(name: str) -> pl.Expr:
    return pl.field(name)


def phone_struct_expr(raw_col: IntoExpr) -> pl.Expr:
    """One struct: `phone`, `phone_codes` (comma-joined issue codes) and intermediates; see `phone_exprs`."""
    text = _expr(raw_col).cast(pl.String).str.strip_chars()
    stage = pl.struct(text=text).struct.with_fields(
        # Several numbers in one cell ("0912... / 0987..."): the first one is kept.
        first=_f("text")
        .str.extract(r"^([^,;/|\n]*)", 1)
        .str.replace(r"\.0+$", "")
        .str.replace_all(r"[\s.\-()'‘’]", ""),
    )
    stage = stage.struct.with_fields(
        blank=(_f("text").str.len_chars() == 0).fill_null(True),
        plus=_f("first").str.starts_with("+"),
        digits=_f("first").str.strip_chars_start("+"),
    )
    d = _f("digits")
    n = d.str.len_chars()
    stage = stage.struct.with_fields(
        national=pl.when(~d.str.contains(r"^[0-9]+$"))
        .then(None)
        .when(d.str.starts_with("0084"))
        .then("0" + d.str.slice(4))
        .when(d.str.starts_with("84") & (_f("plus") | (n >= 11)))
        .then("0" + d.str.slice(2))
        .otherwise(d),
    )
    nat = _f("national")
    m = nat.str.len_chars()
    stage = stage.struct.with_fields(
        # Lost leading 0: 9-digit mobiles, 10-digit old 01xx mobiles and 02x landlines.
        national=pl.when(
            ((m == 9) & nat.str.contains(r"^[35789]")) | ((m == 10) & nat.str.contains(r"^[12]"))
        )
        .then("0" + nat)
        .otherwise(nat)
    )
    stage = stage.struct.with_fields(
        new_prefix=pl.when(nat.str.len_chars() == 11).then(
            nat.str.slice(0, 4).replace_strict(OLD_MOBILE_PREFIXES, default=None, return_dtype=pl.String)
        ),
    )
    stage = stage.struct.with_fields(
        national=pl.when(_f("new_prefix").is_not_null())
        .then(_f("new_prefix") + nat.str.slice(4))
        .otherwise(nat),
    )
    stage = stage.struct.with_fields(
        phone=pl.when(nat.str.contains(_MOBILE) | nat.str.contains(_LANDLINE)).then(nat),
    )
    found = [
        pl.when(_f("phone").is_not_null() & (_f("phone") != _f("text"))).then(pl.lit(iss.PHONE_NORMALISED)),
        pl.when(_f("phone").is_not_null() & _f("new_prefix").is_not_null()).then(
            pl.lit(iss.PHONE_OLD_PREFIX)
        ),
        pl.when(~_f("blank") & _f("phone").is_null()).then(pl.lit(iss.PHONE_INVALID)),
    ]
    return stage.struct.with_fields(phone_codes=issue_codes_expr(found))


def phone_exprs(raw_col: IntoExpr) -> list[pl.Expr]:
    """`phone` (10-digit mobile `0xxxxxxxxx` or 11-digit `02x` landline, else null) and `phone_issues`.

    A missing phone raises nothing (the field is optional). On big frames materialise
    `phone_struct_expr` once instead.
    """
    parsed = phone_struct_expr(raw_col)
    return struct_outputs(parsed, PHONE_FIELDS)
