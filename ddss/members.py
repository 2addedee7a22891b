"""Assemble the contract table `members` from the normalised rows, linkage and đối soát results."""

from __future__ import annotations

import polars as pl

from ddss.store import PROVENANCE, in_order

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
    programming error, so the row ids must be unique and the row count is asserted. The link
    and match columns are gathered into the normalised rows' order and set beside them, so
    the normalised columns are never copied, and the final provenance sort costs no copy
    when the rows arrive sorted (as ingest emits them): at 10M rows each full copy of the
    frame is gigabytes (issue #10).
    """
    link_cols = ["member_id", "person_id", "is_duplicate", *_optional(links, "duplicate_issues")]
    match_cols = ["match_status", "matched_cccd", "match_score", "match_issues"]
    match_cols += _optional(matches, "corrected_cccd")
    own = [c for c in normalised.columns if c in (*MEMBER_COLUMNS, *EXTRA_COLUMNS)]
    joined = pl.concat(
        [
            normalised.select(own),
            _aligned(normalised, links, link_cols),
            _aligned(normalised, matches, match_cols),
        ],
        how="horizontal",
    )
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
    # Scores are sums of floats aggregated in parallel; 6 decimals keep reruns identical.
    members = joined.with_columns(
        merged_issues, pl.col("is_duplicate").fill_null(False), pl.col("match_score").round(6)
    ).select(keep)
    del joined
    return in_order(members, list(PROVENANCE))


def _aligned(normalised: pl.DataFrame, frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`frame`'s columns in the order of the normalised rows (null where a row is missing):
    a join of the row ids gives the positions, one gather moves only these columns."""
    at = (
        normalised.select("row_id")
        .join(
            frame.select("row_id").with_row_index("_at"),
            on="row_id",
            how="left",
            validate="1:1",
            maintain_order="left",
        )
        .get_column("_at")
    )
    if at.len() != normalised.height:
        raise AssertionError("assemble_members changed the number of rows")
    return frame.select(pl.col(columns).gather(at))


def _optional(frame: pl.DataFrame, *names: str) -> list[str]:
    return [n for n in names if n in frame.columns]
