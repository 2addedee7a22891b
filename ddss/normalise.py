"""Stage 2: `member_rows` -> `members_normalised` (docs/ARCHITECTURE.md), one row per accepted row.

Names, CCCD, birth date, sex, phone and place are normalised by the field modules
(`ddss.names`, `ddss.ids`, `ddss.dates`, `ddss.sex`, `ddss.phone`, `ddss.units`); this module
only wires them into one lazy query and merges every field's issue codes into `issues`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import polars as pl

from ddss import issues as iss
from ddss.dates import birth_date_struct_expr, coalesce_birth_date_raw_expr
from ddss.frames import ENGINE
from ddss.ids import cccd_birth_year_expr, cccd_cross_check_codes_expr, cccd_sex_expr, cccd_struct_expr
from ddss.ingest.result import MEMBER_ROWS_SCHEMA
from ddss.names import (
    combine_name_parts_expr,
    given_key_expr,
    name_issues_expr,
    name_key_expr,
    normalise_name_expr,
    split_name_exprs,
    surname_key_expr,
)
from ddss.phone import phone_struct_expr
from ddss.sex import filled_expr, only_female_column_expr, sex_struct_expr
from ddss.units import resolve_places

__all__ = ["MEMBERS_NORMALISED_SCHEMA", "NormaliseResult", "issue_counts", "normalise_members"]

log = logging.getLogger(__name__)

MEMBERS_NORMALISED_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.String(),
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
    "org": pl.String(),
    "full_name": pl.String(),
    "surname": pl.String(),
    "middle_name": pl.String(),
    "given_name": pl.String(),
    "name_key": pl.String(),
    "given_key": pl.String(),
    "surname_key": pl.String(),
    "birth_date": pl.Date(),
    "birth_year": pl.Int32(),
    "sex": pl.String(),
    "cccd": pl.String(),
    "cmnd": pl.String(),
    "cccd_status": pl.String(),
    "phone": pl.String(),
    "province_code": pl.String(),
    "commune_code": pl.String(),
    "branch": pl.String(),
    "village": pl.String(),
    "issues": pl.List(pl.String()),
}

# CONTRACT.md "Where a member row sits": the row's own columns, then title rows / folders.
_PROVINCE_SOURCES = ["province", "province_hint"]
_COMMUNE_SOURCES = ["commune", "address", "village", "commune_hint"]
_HINT_SOURCES = ("province_hint", "commune_hint")
# Issue codes merged into `issues`: list columns, then comma-joined code strings.
_ISSUE_LISTS = ("issues", "_name_issues", "place_issues")
_ISSUE_CODES = (
    "cccd_codes",
    "_cccd_cross",
    "birth_date_codes",
    "_year_code",
    "sex_codes",
    "phone_codes",
    "_place_hint",
)
_CODES = "_codes"
# What the sex lookup and the last query read: the output's columns (`sex` still as typed),
# the issue codes made so far and the other inputs of sex.
_FIELDS_KEPT = (
    *MEMBERS_NORMALISED_SCHEMA,
    *("_name_issues", "place_issues", "cccd_codes", "birth_date_codes", "phone_codes", "_place_hint"),
    *("female_mark", "male_mark", "birth_date_male", "birth_date_female"),
)


@dataclass(frozen=True)
class NormaliseResult:
    """The normalised frame and how often each issue code was raised (counts only, no values)."""

    frame: pl.DataFrame
    issue_counts: dict[str, int]


def _with_inputs(member_rows: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows only, with every input column present (absent ones as nulls)."""
    # The input contract is ingest's MEMBER_ROWS_SCHEMA; a frame built by hand may omit columns.
    missing = [c for c in MEMBER_ROWS_SCHEMA if c not in member_rows.columns and c != "issues"]
    frame = member_rows.with_columns(pl.lit(None, MEMBER_ROWS_SCHEMA[c]).alias(c) for c in missing)
    if "issues" not in frame.columns:
        frame = frame.with_columns(pl.lit([], pl.List(pl.String)).alias("issues"))
    return frame.cast(MEMBER_ROWS_SCHEMA, strict=False).filter(pl.col("reject_reason").is_null())


def _raw_name_expr() -> pl.Expr:
    """The name as typed: the full-name cell, else the two split-name cells joined."""
    return pl.coalesce(_non_blank("full_name"), combine_name_parts_expr("surname_part", "given_part"))


def _name_columns(rows: pl.DataFrame) -> pl.DataFrame:
    """Stored name, parts, keys and name issues, once per distinct raw name.

    Names repeat (about a third of rows are distinct in an org of 380k), and the name
    expressions are the costliest in normalise; every one depends on the raw name only.
    """
    distinct = rows.lazy().select(_raw_name_expr().alias("_raw_name")).unique()
    return (
        distinct.with_columns(full_name=normalise_name_expr("_raw_name"))
        .with_columns(
            *split_name_exprs("full_name"),
            _name_issues=name_issues_expr("_raw_name", "full_name"),
            name_key=name_key_expr("full_name"),
            given_key=given_key_expr("full_name"),
            surname_key=surname_key_expr("full_name"),
        )
        .collect(engine=ENGINE)
    )


def _per_distinct(
    frame: pl.DataFrame, keys: dict[str, pl.Expr], parsed: pl.Expr, fields: tuple[str, ...]
) -> pl.LazyFrame:
    """`fields` of the struct `parsed` (a function of the `keys` columns alone), one row per
    row of `frame`, computed once per distinct key combination: birth dates, branches and
    villages repeat across an org's rows, so their regexes run on a fraction of the rows.
    Only the wanted fields are kept (a parse struct carries every intermediate)."""
    distinct = frame.lazy().select(**keys).unique().with_columns(parsed.alias("_parsed"))
    # Fields under temporary names: a field may share its name with its key (`branch`).
    table = distinct.select(*keys, *(pl.col("_parsed").struct.field(f).alias(f"_out_{f}") for f in fields))
    found = _looked_up(frame, keys, table.collect(engine=ENGINE))
    return found.rename({f"_out_{f}": f for f in fields})


def _looked_up(frame: pl.DataFrame, keys: dict[str, pl.Expr], table: pl.DataFrame) -> pl.LazyFrame:
    """`table`'s other columns for each row of `frame` (matched on the `keys` columns, built
    from `frame`; nulls match too), in row order. Joined on the keys alone, to be set beside
    `frame`: joining the whole frame would copy every one of its columns."""
    found = (
        frame.lazy()
        .select(**keys)
        .join(table.lazy(), on=list(keys), how="left", nulls_equal=True, maintain_order="left")
    )
    return found.drop(list(keys))


def _sex(frame: pl.DataFrame) -> pl.LazyFrame:
    """`sex` and `sex_codes` per row of `frame`, once per distinct combination of what
    decides them (a few hundred in an org): the sheet-wide "Nữ column only" flag is taken
    first, and of the birth-date sub-columns only whether they are filled (as a mark)."""
    filled = {
        f"_{c}": pl.when(filled_expr(c)).then(pl.lit("x")) for c in ("birth_date_male", "birth_date_female")
    }
    keys = {
        **{c: pl.col(c) for c in ("sex", "female_mark", "male_mark", "middle_name", "org")},
        **filled,
        "_cccd_sex": cccd_sex_expr("cccd"),
        "_only_female": only_female_column_expr("female_mark", "male_mark", ("source_file", "source_sheet")),
    }
    parsed = sex_struct_expr(
        sex_col="sex",
        female_mark_col="female_mark",
        male_mark_col="male_mark",
        birth_date_male_col="_birth_date_male",
        birth_date_female_col="_birth_date_female",
        cccd_sex_col="_cccd_sex",
        middle_name_col="middle_name",
        org_col="org",
        only_female_column_col="_only_female",
    )
    return _per_distinct(frame, keys, parsed, ("sex", "sex_codes"))


def _non_blank(col: str) -> pl.Expr:
    """The cell as typed (the name checks need the raw text), null when blank."""
    return pl.when(pl.col(col).str.strip_chars().str.len_chars() > 0).then(pl.col(col))


WHITESPACE_RUNS = r"\s\s+|[^\S ]"
r"""Whitespace to collapse to one space: runs, and single non-space characters (tab, NBSP).
Same result as `\s+`, but a lone space (most gaps in a name) is not a match to replace:
half the CPU of `\s+` on 3M names."""


def _blank_to_null(col: str) -> pl.Expr:
    text = (
        pl.col(col)
        .cast(pl.String)
        .str.normalize("NFC")
        .str.replace_all(WHITESPACE_RUNS, " ")
        .str.strip_chars()
    )
    return pl.when(text.str.len_chars() > 0).then(text)


def _unnest(struct_col: str, fields: tuple[str, ...]) -> list[pl.Expr]:
    return [pl.col(struct_col).struct.field(f).alias(f) for f in fields]


def _all_codes() -> pl.Expr:
    """Every field's codes as one comma-joined string (cheap string work, no list sorting)."""
    parts = [pl.col(c).list.join(",") for c in _ISSUE_LISTS] + [pl.col(c) for c in _ISSUE_CODES]
    return pl.concat_str(parts, separator=",", ignore_nulls=True).fill_null("")


def _with_issue_lists(frame: pl.DataFrame) -> pl.DataFrame:
    """`issues` = sorted unique codes, computed once per distinct code string and joined back.

    A few thousand distinct combinations cover millions of rows. The lists are built by
    exploding and sorting plain rows, then aggregating: `list.sort` in polars 2.1 costs
    about 0.3 s per 10k lists, ten times the exploded route.
    """
    distinct = frame.select(pl.col(_CODES).unique())
    codes = (
        distinct.with_columns(code=pl.col(_CODES).str.split(","))
        .explode("code")
        .filter(pl.col("code") != "")
        .unique()
        .sort(_CODES, "code")
        .group_by(_CODES)
        .agg(issues="code")
    )
    no_codes = pl.lit([], pl.List(pl.String))
    lists = distinct.join(codes, on=_CODES, how="left").with_columns(pl.col("issues").fill_null(no_codes))
    # Joined on the code strings alone and set beside the frame (a join copies every column).
    issues = frame.select(_CODES).join(lists, on=_CODES, how="left", validate="m:1", maintain_order="left")
    return frame.with_columns(issues.get_column("issues")).select(MEMBERS_NORMALISED_SCHEMA.keys())


def normalise_members(member_rows: pl.DataFrame) -> NormaliseResult:
    """`members_normalised`: provenance, normalised fields, 2025 place codes and `issues`.

    Place names are resolved once per distinct combination (eagerly, inside
    `resolve_places`) and name columns once per distinct raw name (`_name_columns`);
    every other field is one lazy query collected once.
    """
    rows = _with_inputs(member_rows)
    placed = resolve_places(rows, province_sources=_PROVINCE_SOURCES, commune_sources=_COMMUNE_SOURCES)
    hint_used = pl.col("province_source").is_in(_HINT_SOURCES) | pl.col("commune_source").is_in(_HINT_SOURCES)
    looked_up = [
        _looked_up(placed, {"_raw_name": _raw_name_expr()}, _name_columns(placed)),
        _per_distinct(
            placed,
            {"_birth_raw": coalesce_birth_date_raw_expr(), "date_system": pl.col("date_system")},
            birth_date_struct_expr("_birth_raw", date_system_col="date_system"),
            ("birth_date", "birth_year", "birth_date_codes"),
        ),
        *(
            _per_distinct(placed, {c: pl.col(c)}, pl.struct(_blank_to_null(c).alias(c)), (c,))
            for c in ("branch", "village")
        ),
    ]
    own = placed.lazy().drop("full_name", "birth_date", "branch", "village")
    fields = (
        pl.concat([own, *looked_up], how="horizontal")
        .with_columns(
            _cccd=cccd_struct_expr("cccd"),
            _phone=phone_struct_expr("phone"),
            # ingest merges title and folder hints into one column, so "title" stands for both.
            _place_hint=pl.when(hint_used.fill_null(False)).then(pl.lit(iss.PLACE_FROM_TITLE)),
        )
        .with_columns(
            *_unnest("_cccd", ("cccd", "cmnd", "cccd_status", "cccd_codes")),
            *_unnest("_phone", ("phone", "phone_codes")),
        )
        # Only what the rest needs: the parse structs' intermediates and the raw cells stay out.
        .select(_FIELDS_KEPT)
        .collect(engine=ENGINE)
    )
    lf = (
        pl.concat([fields.lazy().drop("sex"), _sex(fields)], how="horizontal")
        .with_columns(
            # Sex from the CCCD agrees with it by construction, so comparing with the final
            # sex only flags rows whose sheet states the other sex.
            _cccd_cross=cccd_cross_check_codes_expr("cccd", sex_col="sex", birth_year_col="birth_year"),
            # DOMAIN.md "CCCD": G and YY give the birth year; used only when no year was written.
            _year_from_cccd=pl.when(pl.col("birth_year").is_null()).then(cccd_birth_year_expr("cccd")),
        )
        .with_columns(
            birth_year=pl.coalesce("birth_year", "_year_from_cccd"),
            _year_code=pl.when(pl.col("_year_from_cccd").is_not_null()).then(
                pl.lit(iss.BIRTH_YEAR_FROM_CCCD)
            ),
        )
        .with_columns(_all_codes().alias(_CODES))
        .select(*(c for c in MEMBERS_NORMALISED_SCHEMA if c != "issues"), _CODES)
    )
    # In-memory engine: at one org (~200k rows) it used ~13% less CPU than the streaming default.
    frame = _with_issue_lists(lf.collect(engine=ENGINE)).cast(MEMBERS_NORMALISED_SCHEMA, strict=False)
    counts = issue_counts(frame)
    log.info("normalised %d rows; %d distinct issue codes", frame.height, len(counts))
    return NormaliseResult(frame=frame, issue_counts=counts)


def issue_counts(frame: pl.DataFrame) -> dict[str, int]:
    """How many rows carry each code in `issues` (counts only: safe for metadata and logs)."""
    exploded = frame.select(pl.col("issues").explode().alias("code")).drop_nulls()
    counted = exploded.group_by("code").len().sort("code")
    return dict(zip(counted["code"].to_list(), counted["len"].to_list(), strict=True))
