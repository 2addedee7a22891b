"""Exact path of đối soát: a member with a usable CCCD is looked up by that number.

Then the citizen's name, birth date/year and sex are compared with the member's using the
same levels as the search path. Disagreement means a typo in the CCCD or someone else's
number (DOMAIN.md, CCCD), so it is reported as `mismatch`, never silently accepted.
"""

from __future__ import annotations

import polars as pl

from ddss import issues
from ddss.linkage.records import id_suspect_expr, sex_guessed_expr, year_from_suspect_id_expr
from ddss.reconcile._names import with_name_keys
from ddss.reconcile.scoring import BIRTH_AGREES, NAME_AGREES, PAIR_FIELDS, ReconcileSettings, score_pairs

# CONTRACT.md cccd_status: `valid` and `repaired` numbers are 12-digit CCCDs worth looking up.
USABLE_CCCD_STATUSES = ("valid", "repaired")

MATCH_COLUMNS = {
    "row_id": pl.String,
    "match_status": pl.String,
    "matched_cccd": pl.String,
    "match_score": pl.Float64,
    "match_issues": pl.List(pl.String),
}

CITIZEN_COLUMNS = ("cccd", *PAIR_FIELDS, "status", "updated_at")
# Member values the normaliser guessed or that point at someone else (`guess_flags`).
GUESS_FLAGS = ("cccd_suspect", "sex_guessed", "year_guessed")


def guess_flags(frame: pl.DataFrame) -> list[pl.Expr]:
    """`GUESS_FLAGS` from the row's `issues` (all false without them), the same rules as
    the deduplication (`ddss.linkage.comparisons`): a CCCD whose encoded sex or birth year
    contradicts the row (DOMAIN.md "CCCD": G encodes century and sex, YY the year) is likely
    someone else's number; a sex read off such a number, off an unmarked column or a
    Văn/Thị middle name, and a year read off such a number, are guesses. The search path
    scores them as unknown, not as a disagreement (`engine._records`)."""
    if "issues" not in frame.columns:
        return [pl.lit(False).alias(c) for c in GUESS_FLAGS]
    exprs = (id_suspect_expr(), sex_guessed_expr(), year_from_suspect_id_expr())
    return [e.fill_null(False).alias(c) for e, c in zip(exprs, GUESS_FLAGS, strict=True)]


def member_side(members: pl.DataFrame) -> pl.DataFrame:
    """Member fields needed for comparison, keyed by the same name rules as citizens."""
    frame = with_name_keys(members)
    defaults = {
        "org": pl.String,
        "member_id": pl.String,
        "province_code": pl.String,
        "commune_code": pl.String,
        "person_id": pl.String,
    }
    frame = frame.with_columns(
        pl.lit(None, dtype=dtype).alias(c) for c, dtype in defaults.items() if c not in frame.columns
    )
    return frame.select(
        "row_id",
        "org",
        pl.coalesce("member_id", "row_id").alias("claimant"),
        # Rows judged to be one person (person_id across orgs, else member_id): `person`
        # shares evidence between them (search.cluster_pairs); null when unlinked.
        pl.coalesce("person_id", "member_id").alias("person"),
        pl.col("cccd").cast(pl.String),
        pl.col("cccd_status").cast(pl.String),
        *[c for c in PAIR_FIELDS if c not in ("birth_date", "birth_year")],
        pl.col("birth_date").cast(pl.Date, strict=False),
        pl.col("birth_year").cast(pl.Int32, strict=False),
        *guess_flags(frame),
    )


def own_evidence_exprs(columns: list[str], suffix: str = "") -> list[pl.Expr]:
    """A member's own values as search-path evidence: `cccd` (its usable number, null when it
    fails its own cross-check) and the `GUESS_FLAGS` for sex and year (all from
    `member_side`; a side without them guesses nothing).

    A number failing its own cross-check (DOMAIN.md "CCCD") is likely someone else's: it
    says nothing against a candidate (hard profile, 100k rows: 677 of 677 such member
    numbers "different" from a candidate's were the member's true citizen's)."""
    own = usable_cccd_expr() & ~pl.col("cccd_suspect") if "cccd_suspect" in columns else usable_cccd_expr()
    flags = [pl.col(c).alias(f"{c}{suffix}") for c in GUESS_FLAGS if c != "cccd_suspect" and c in columns]
    return [pl.when(own).then(pl.col("cccd")).alias(f"cccd{suffix}"), *flags]


def usable_cccd_expr() -> pl.Expr:
    return pl.col("cccd").is_not_null() & pl.col("cccd_status").is_in(USABLE_CCCD_STATUSES)


def suffixed(suffix: str, keep: tuple[str, ...]) -> list[pl.Expr]:
    """Select expressions renaming the comparison fields with `_l`/`_r`, keeping `keep` as is."""
    return [*keep, *[pl.col(c).alias(f"{c}{suffix}") for c in PAIR_FIELDS]]


def field_issues_expr() -> pl.Expr:
    """Issue codes for the fields that disagree (a null on either side is no evidence)."""
    return pl.concat_list(
        pl.when(pl.col("gamma_name") == "else").then(pl.lit(issues.MATCH_NAME_DIFFERS)),
        pl.when(pl.col("gamma_birth").is_in(("swapped", "same_year", "else"))).then(
            pl.lit(issues.MATCH_BIRTH_DATE_DIFFERS)
        ),
        pl.when(pl.col("gamma_sex") == "else").then(pl.lit(issues.MATCH_SEX_DIFFERS)),
    ).list.drop_nulls()


def details_agree_expr() -> pl.Expr:
    """Name agrees, birth agrees or unknown, sex agrees or unknown."""
    return (
        pl.col("gamma_name").is_in(NAME_AGREES)
        & (pl.col("gamma_birth").is_in(BIRTH_AGREES) | (pl.col("gamma_birth") == "null"))
        & (pl.col("gamma_sex") != "else")
    )


# Members looked up at once: the pairs carry both sides' fields and the scoring adds level
# and label strings per pair, so memory follows the chunk, not the member count.
EXACT_CHUNK_ROWS = 1_000_000


def exact_matches(
    side: pl.DataFrame,
    population: pl.LazyFrame,
    settings: ReconcileSettings | None = None,
    chunk_rows: int = EXACT_CHUNK_ROWS,
) -> pl.DataFrame:
    """One `member_matches` row per member with a usable CCCD (see MATCH_COLUMNS), found
    first, then not found; members are looked up `chunk_rows` at a time (each row on its own)."""
    left = side.filter(usable_cccd_expr())
    # The extract is scanned once for every member's number, not once per chunk (10M
    # members against 30M citizens: ten scans of the whole extract otherwise).
    citizens = (
        population.select(CITIZEN_COLUMNS)
        .join(left.lazy().select("cccd").unique(), on="cccd", how="semi")
        .collect()
    )
    parts = [
        _exact_chunk(left.slice(start, chunk_rows), citizens, settings)
        for start in range(0, max(left.height, 1), chunk_rows)
    ]
    del citizens
    return pl.concat([*(found for found, _ in parts), *(missing for _, missing in parts)])


def _exact_chunk(
    left: pl.DataFrame, citizens: pl.DataFrame, settings: ReconcileSettings | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`exact_matches` of the members `left` (all with a usable CCCD) against `citizens`
    (the extract's records holding a member's number): (found, not found)."""
    pairs = left.select(suffixed("_l", ("row_id", "cccd"))).join(
        citizens.select(suffixed("_r", ("cccd", "status", "updated_at"))),
        on="cccd",
        how="inner",
        maintain_order="left",  # members' order, whatever the sizes of the two sides
    )
    if pairs.get_column("row_id").is_duplicated().any():  # sorting 1M pairs costs ~1 s: only if needed
        # A CCCD listed twice in the extract: the newest record speaks for the citizen.
        pairs = pairs.sort("updated_at", descending=True, nulls_last=True).unique("row_id", keep="first")
    scored = score_pairs(pairs, settings)
    agree = details_agree_expr()
    status = (
        pl.when(agree & (pl.col("status") == "deceased"))
        .then(pl.lit("deceased"))
        .when(agree)
        .then(pl.lit("matched"))
        .otherwise(pl.lit("mismatch"))
    )
    found = scored.select(
        "row_id",
        status.alias("match_status"),
        pl.when(agree).then(pl.col("cccd")).alias("matched_cccd"),
        pl.col("match_probability").alias("match_score"),
        pl.when(agree & (pl.col("status") == "deceased"))
        .then(pl.concat_list(field_issues_expr(), pl.lit([issues.MATCH_DECEASED])))
        .otherwise(field_issues_expr())
        .alias("match_issues"),
    )
    del scored
    not_found = left.join(found, on="row_id", how="anti").select(
        "row_id",
        pl.lit("not_found").alias("match_status"),
        pl.lit(None, dtype=pl.String).alias("matched_cccd"),
        pl.lit(None, dtype=pl.Float64).alias("match_score"),
        pl.lit([issues.MATCH_NOT_FOUND], dtype=pl.List(pl.String)).alias("match_issues"),
    )
    return found.cast(MATCH_COLUMNS), not_found.cast(MATCH_COLUMNS)
