"""Sex ('M' / 'F' / null) from whichever way a sheet records it (vectorised polars expressions).

DOMAIN.md "Spreadsheet layouts": sex appears as a "Giới tính" column, as an "x" mark in a
"Nữ" column, or implicitly, by writing the birth date under a "Nam" or "Nữ" sub-column.
DOMAIN.md "CCCD": the G digit of a CCCD encodes sex. DOMAIN.md "Names": Văn is a typical
male and Thị a typical female middle name, which is only a weak hint.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import polars as pl

from ddss import issues as iss
from ddss.ids import issue_codes_expr, struct_outputs
from ddss.text import IntoExpr, _expr

__all__ = [
    "SEX_FIELDS",
    "WOMEN_ONLY_ORGS",
    "filled_expr",
    "only_female_column_expr",
    "sex_exprs",
    "sex_struct_expr",
    "stated_sex_expr",
]

SEX_FIELDS: tuple[str, ...] = ("sex", "sex_issues")
# Organisations whose charter admits women only: the Women's Union (Hội LHPN Việt Nam; its
# charter: members are Vietnamese women aged 18 and over). Slugs as in CONTRACT.md "Inputs".
WOMEN_ONLY_ORGS: frozenset[str] = frozenset({"hoi-phu-nu"})

# Lower-case spellings of a "Giới tính" cell, with diacritics; NFD and diacritic-free forms
# are added below so the lookup is one hash probe per row instead of a fold per row.
_SEX_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(["nam", "m", "male", "trai", "con trai", "nam giới", "giới nam", "ông"], "M"),
    **dict.fromkeys(["nữ", "f", "female", "gái", "con gái", "nữ giới", "giới nữ", "bà", "w"], "F"),
}
# What cadres type to mark a row in a "Nữ" (or "Nam") column; the column's own word too.
_MARKS: list[str] = ["x", "v", "1", "+", "*", "có", "yes", "true", "\u2713", "\u2714", "\u2611", "\u2612"]


def _spellings(words: dict[str, str]) -> dict[str, str]:
    """Each spelling in NFC, NFD and without diacritics (NFD text comes from Macs; DOMAIN.md "Names")."""
    out: dict[str, str] = {}
    for word, value in words.items():
        nfd = unicodedata.normalize("NFD", word)
        bare = "".join(ch for ch in nfd if not unicodedata.combining(ch))
        for form in (word, nfd, bare):
            out.setdefault(form, value)
    return out


_SEX_WORDS = _spellings(_SEX_SPELLINGS)


def _lower(col: IntoExpr) -> pl.Expr:
    return _expr(col).cast(pl.String).str.to_lowercase().str.strip_chars(" .\t")


def stated_sex_expr(sex_col: IntoExpr) -> pl.Expr:
    """'M'/'F' from a "Giới tính" cell (Nam, Nữ, NỮ, nu, M, F, male, female...); null otherwise."""
    return _lower(sex_col).replace_strict(_SEX_WORDS, default=None, return_dtype=pl.String)


def _marked(col: IntoExpr | None, word: str) -> pl.Expr:
    if col is None:
        return pl.lit(False)
    return _lower(col).is_in(list(_spellings(dict.fromkeys([*_MARKS, word], "")))).fill_null(False)


def filled_expr(col: IntoExpr | None) -> pl.Expr:
    """True where the cell holds anything but blanks: all a birth-date sub-column says of sex."""
    if col is None:
        return pl.lit(False)
    text = _expr(col).cast(pl.String).str.strip_chars()
    return (text.str.len_chars() > 0).fill_null(False)


def _either(male: pl.Expr, female: pl.Expr) -> pl.Expr:
    return pl.when(male & ~female).then(pl.lit("M")).when(female & ~male).then(pl.lit("F"))


def _f(name: str) -> pl.Expr:
    return pl.field(name)


def only_female_column_expr(
    female_mark_col: IntoExpr | None, male_mark_col: IntoExpr | None, sheet_cols: Sequence[str]
) -> pl.Expr:
    """True on the rows of a sheet (`sheet_cols`) that marks "Nữ" somewhere and "Nam"
    nowhere: there unmarked rows are the men (the usual layout). False without `sheet_cols`."""
    if not sheet_cols or female_mark_col is None:
        return pl.lit(False)
    has_female_marks = _marked(female_mark_col, "nữ").any().over(list(sheet_cols))
    has_male_marks = _marked(male_mark_col, "nam").any().over(list(sheet_cols))
    return has_female_marks & ~has_male_marks


def sex_struct_expr(
    *,
    sex_col: IntoExpr | None,
    female_mark_col: IntoExpr | None = None,
    male_mark_col: IntoExpr | None = None,
    birth_date_male_col: IntoExpr | None = None,
    birth_date_female_col: IntoExpr | None = None,
    cccd_sex_col: IntoExpr | None = None,
    middle_name_col: IntoExpr | None = None,
    org_col: IntoExpr | None = None,
    sheet_cols: Sequence[str] = (),
    only_female_column_col: IntoExpr | None = None,
) -> pl.Expr:
    """One struct: `sex`, `sex_codes` (comma-joined issue codes) and intermediates; see `sex_exprs`.

    `only_female_column_col`, a boolean column from `only_female_column_expr`, stands in for
    `sheet_cols`: with it the struct depends on its row alone, so a caller can evaluate it
    once per distinct combination of inputs.
    """
    female_mark = _marked(female_mark_col, "nữ")
    male_mark = _marked(male_mark_col, "nam")
    if only_female_column_col is not None:
        only_female_column = _expr(only_female_column_col)
    else:
        only_female_column = only_female_column_expr(female_mark_col, male_mark_col, sheet_cols)
    middle = pl.lit(None, pl.String) if middle_name_col is None else _expr(middle_name_col).cast(pl.String)
    stage = pl.struct(
        raw_sex=pl.lit(None, pl.String) if sex_col is None else _expr(sex_col).cast(pl.String),
        mark_sex=_either(male_mark, female_mark),
        unmarked_sex=pl.when(only_female_column & ~female_mark & ~male_mark).then(pl.lit("M")),
        org_sex=pl.lit(None, pl.String)
        if org_col is None
        else pl.when(_expr(org_col).cast(pl.String).is_in(list(WOMEN_ONLY_ORGS))).then(pl.lit("F")),
        date_sex=_either(filled_expr(birth_date_male_col), filled_expr(birth_date_female_col)),
        both_marks=male_mark & female_mark,
        both_dates=filled_expr(birth_date_male_col) & filled_expr(birth_date_female_col),
        cccd_sex=pl.lit(None, pl.String) if cccd_sex_col is None else _expr(cccd_sex_col),
        middle=middle.str.to_lowercase(),
    )
    stage = stage.struct.with_fields(
        column_sex=stated_sex_expr(_f("raw_sex")),
        raw_filled=(_f("raw_sex").str.strip_chars().str.len_chars() > 0).fill_null(False),
        # DOMAIN.md "Names": Thị (female) / Văn (male) middle names; diacritics kept so that
        # Vân (a female middle name) is not read as Văn.
        hint_sex=pl.when(_f("middle").str.contains(r"(?:^|\s)thị(?:\s|$)"))
        .then(pl.lit("F"))
        .when(_f("middle").str.contains(r"(?:^|\s)văn(?:\s|$)"))
        .then(pl.lit("M")),
    )
    stated = pl.coalesce(_f("column_sex"), _f("mark_sex"), _f("date_sex"))
    stage = stage.struct.with_fields(
        stated=stated,
        conflict=_f("both_marks")
        | _f("both_dates")
        | (_f("column_sex") != _f("mark_sex")).fill_null(False)
        | (_f("column_sex") != _f("date_sex")).fill_null(False)
        | (_f("mark_sex") != _f("date_sex")).fill_null(False),
    )
    inferred = ("cccd_sex", "org_sex", "unmarked_sex", "hint_sex")
    stage = stage.struct.with_fields(sex=pl.coalesce(_f("stated"), *(_f(c) for c in inferred)))
    source = pl.coalesce(
        pl.when(_f("stated").is_not_null()).then(pl.lit("stated")),
        *(pl.when(_f(c).is_not_null()).then(pl.lit(c)) for c in inferred),
    )
    from_date = _f("column_sex").is_null() & _f("mark_sex").is_null() & _f("date_sex").is_not_null()
    found = [
        pl.when(_f("raw_filled") & _f("column_sex").is_null()).then(pl.lit(iss.SEX_INVALID)),
        pl.when(from_date).then(pl.lit(iss.SEX_FROM_DATE_COLUMN)),
        source.replace_strict(
            {
                "cccd_sex": iss.SEX_FROM_CCCD,
                "org_sex": iss.SEX_FROM_ORG,
                "unmarked_sex": iss.SEX_FROM_UNMARKED_COLUMN,
                "hint_sex": iss.SEX_HINT_FROM_MIDDLE_NAME,
            },
            default=None,
            return_dtype=pl.String,
        ),
        pl.when(_f("conflict")).then(pl.lit(iss.SEX_CONFLICT)),
        pl.when(_f("sex").is_null()).then(pl.lit(iss.SEX_MISSING)),
    ]
    return stage.struct.with_fields(sex_codes=issue_codes_expr(found))


def sex_exprs(
    *,
    sex_col: IntoExpr | None,
    female_mark_col: IntoExpr | None = None,
    male_mark_col: IntoExpr | None = None,
    birth_date_male_col: IntoExpr | None = None,
    birth_date_female_col: IntoExpr | None = None,
    cccd_sex_col: IntoExpr | None = None,
    middle_name_col: IntoExpr | None = None,
    org_col: IntoExpr | None = None,
    sheet_cols: Sequence[str] = (),
) -> list[pl.Expr]:
    """`sex` ('M'/'F'/null) and `sex_issues` (list[str]).

    Priority: what the sheet states (a "Giới tính" column, then x-marks, then the Nam/Nữ
    birth-date sub-column; disagreement among them is `sex_conflict`), then the CCCD's G
    digit (`sex_from_cccd`), then a women-only organisation (`sex_from_org`), then an
    unmarked row in a sheet whose only mark column is "Nữ" (`sex_from_unmarked_column`;
    needs `sheet_cols`, e.g. source_file, source_sheet), then Thị/Văn as a weak hint
    (`sex_hint_from_middle_name`). On big frames materialise `sex_struct_expr` once.
    """
    parsed = sex_struct_expr(
        sex_col=sex_col,
        female_mark_col=female_mark_col,
        male_mark_col=male_mark_col,
        birth_date_male_col=birth_date_male_col,
        birth_date_female_col=birth_date_female_col,
        cccd_sex_col=cccd_sex_col,
        middle_name_col=middle_name_col,
        org_col=org_col,
        sheet_cols=sheet_cols,
    )
    return struct_outputs(parsed, SEX_FIELDS)
