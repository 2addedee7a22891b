"""Assemble the contract table `members` from the normalised rows, linkage and đối soát results."""

from __future__ import annotations

import polars as pl

MEMBER_COLUMNS: tuple[str, ...] = (
    "source_file",
    "source_sheet",
    "source_row",
    "org",
    "province_code",
    "commune_code",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "cccd",
    "cccd_status",
    "member_id",
    "person_id",
    "match_status",
    "matched_cccd",
    "match_score",
    "issues",
)
"""Columns of `members.duckdb`.`members`, in the order CONTRACT.md lists them."""

EXTRA_COLUMNS: tuple[str, ...] = ("row_id", "branch", "village", "phone", "is_duplicate")
"""Kept beside the contract columns: metrics by branch, exports, and review need them."""


def assemble_members(normalised: pl.DataFrame, links: pl.DataFrame, matches: pl.DataFrame) -> pl.DataFrame:
    """One row per accepted input row: the contract columns, issue lists merged and sorted.

    Every normalised row must have exactly one link and one match row; a missing one is a
    programming error, so the joins validate 1:1 and the row count is asserted.
    """
    link_cols = ["row_id", "member_id", "person_id", "is_duplicate", *_optional(links, "duplicate_issues")]
    match_cols = [
        "row_id",
        "match_status",
        "matched_cccd",
        "match_score",
        "match_issues",
        *_optional(matches, "corrected_cccd"),
    ]
    joined = normalised.join(links.select(link_cols), on="row_id", how="left", validate="1:1").join(
        matches.select(match_cols), on="row_id", how="left", validate="1:1"
    )
    if joined.height != normalised.height:
        raise AssertionError("assemble_members changed the number of rows")
    issue_parts = [pl.col("issues"), pl.col("match_issues").fill_null([])]
    if "duplicate_issues" in joined.columns:
        issue_parts.append(pl.col("duplicate_issues").fill_null([]))
    merged_issues = pl.concat_list(issue_parts).list.unique().list.sort().alias("issues")
    if "corrected_cccd" in joined.columns:  # a steward's correction (đối soát decision) wins
        joined = joined.with_columns(
            pl.coalesce("corrected_cccd", "cccd").alias("cccd"),
            pl.when(pl.col("corrected_cccd").is_not_null())
            .then(pl.lit("valid"))
            .otherwise(pl.col("cccd_status"))
            .alias("cccd_status"),
        )
    keep = [c for c in (*MEMBER_COLUMNS, *EXTRA_COLUMNS) if c in joined.columns]
    return (
        # Scores are sums of floats aggregated in parallel; 6 decimals keep reruns identical.
        joined.with_columns(
            merged_issues, pl.col("is_duplicate").fill_null(False), pl.col("match_score").round(6)
        )
        .select(keep)
        .sort("source_file", "source_sheet", "source_row")
    )


def _optional(frame: pl.DataFrame, *names: str) -> list[str]:
    return [n for n in names if n in frame.columns]
