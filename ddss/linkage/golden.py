"""Golden record: the best value of each field per member (or person), with the rule used.

Rules, in order: a valid CCCD beats a repaired one; the value most rows agree on wins; a tie
goes to the more complete value (with diacritics, longer), then to the earliest row. Every
choice names its rule, and the source row ids are listed, so a steward can check it.
"""

from __future__ import annotations

import polars as pl

from ddss.text import ascii_fold_expr

GOLDEN_FIELDS = (
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "cccd",
    "phone",
    "province_code",
    "commune_code",
    "branch",
    "village",
)
RULE_ONLY = "only_value"
RULE_MAJORITY = "most_frequent"
RULE_TIE = "tie_most_complete"
RULE_NONE = "no_value"


def _quality(field: str) -> pl.Expr:
    """Tie-breaker: CCCD status, diacritics present, length (higher is better)."""
    text = pl.col(field).cast(pl.String)
    if field == "cccd":
        return (
            pl.when(pl.col("_status") == "valid")
            .then(2)
            .when(pl.col("_status") == "repaired")
            .then(1)
            .otherwise(0)
        )
    if field == "full_name":
        return (text != ascii_fold_expr(text)).cast(pl.Int32) * 1000 + text.str.len_chars()
    return text.str.len_chars().fill_null(0)


def _best(frame: pl.DataFrame, key: str, field: str, uid: str) -> pl.DataFrame:
    ranked = (
        frame.filter(pl.col(field).is_not_null())
        .group_by(key, field)
        .agg(pl.len().alias("n"), pl.col(uid).min().alias("_first"), _quality(field).max().alias("_q"))
        .sort([key, "n", "_q", "_first"], descending=[False, True, True, False])
    )
    rule = (
        pl.when(pl.len() == 1)
        .then(pl.lit(RULE_ONLY))
        .when(pl.col("n").first() > pl.col("n").slice(1, 1).first())
        .then(pl.lit(RULE_MAJORITY))
        .otherwise(pl.lit(RULE_TIE))
    )
    return ranked.group_by(key, maintain_order=True).agg(pl.col(field).first(), rule.alias(f"{field}_rule"))


def golden_records(
    members: pl.DataFrame, links: pl.DataFrame, *, level: str = "member", uid: str = "row_id"
) -> pl.DataFrame:
    """One row per `member_id` (level="member") or `person_id` (level="person")."""
    if level not in ("member", "person"):
        raise ValueError("level must be 'member' or 'person'")
    key = f"{level}_id"
    status = pl.col("cccd_status") if "cccd_status" in members.columns else pl.lit("valid")
    frame = members.with_columns(_status=status).join(links.select(uid, key), on=uid, how="inner")
    base = frame.group_by(key).agg(
        pl.col(uid).sort().alias("source_row_ids"),
        pl.col("org").unique().sort().alias("orgs"),
    )
    for field in (f for f in GOLDEN_FIELDS if f in members.columns):
        base = base.join(_best(frame, key, field, uid), on=key, how="left").with_columns(
            pl.col(f"{field}_rule").fill_null(RULE_NONE)
        )
    return base.sort(key)
