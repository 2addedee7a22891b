"""CCCD correction suggestions: a typed number one keystroke away from the right citizen.

A 12-digit number that is not in the population file, or belongs to someone whose details
disagree, is often one wrong digit or two swapped neighbours away from the member's real
CCCD (DOMAIN.md, CCCD: typos are caught by comparing details). Suggestions are never applied
automatically: a steward confirms them in the review workbook.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ddss.reconcile.exact import details_agree_expr, suffixed
from ddss.reconcile.scoring import PAIR_FIELDS, ReconcileSettings, score_pairs

CCCD_LENGTH = 12

CORRECTION_COLUMNS = {
    "row_id": pl.String,
    "current_cccd": pl.String,
    "suggested_cccd": pl.String,
    "edit": pl.String,
    "score": pl.Float64,
    "explanation": pl.String,
}


_POWERS = 10 ** np.arange(CCCD_LENGTH - 1, -1, -1, dtype=np.int64)


def variant_numbers(bad: pl.DataFrame) -> pl.DataFrame:
    """`row_id`, `cccd`, `variant_num` (the variant as an integer), `edit` for every
    one-digit substitution (12 × 9) and adjacent transposition (≤ 11) of `cccd`.

    Arithmetic on the number as a 64-bit integer over an (n × 131) array, so the look-up
    against the population is an integer join: vectorised, no row loop. Variants
    equal to the number itself (same digit, equal neighbours) are dropped; the rest are
    distinct by construction.
    """
    bad = bad.filter(pl.col("cccd").str.contains(r"^\d{12}$"))
    digits = np.frombuffer("".join(bad["cccd"].to_list()).encode("ascii"), dtype=np.uint8)
    digits = digits.reshape(-1, CCCD_LENGTH).astype(np.int64) - ord("0")
    base = digits @ _POWERS
    # Put digit d at position k: add (d - digit_k) * 10^(11-k).
    subs = (np.arange(10)[None, None, :] - digits[:, :, None]) * _POWERS[None, :, None]
    # Swap positions k, k+1: add (digit_k+1 - digit_k) * 9 * 10^(10-k).
    swaps = (digits[:, 1:] - digits[:, :-1]) * 9 * _POWERS[None, 1:]
    variants = base[:, None] + np.concatenate([subs.reshape(len(base), -1), swaps], axis=1)
    n_edits = variants.shape[1]
    frame = bad.select("row_id", "cccd")[np.repeat(np.arange(bad.height), n_edits)].with_columns(
        pl.Series("variant_num", variants.reshape(-1)),
        pl.Series("_edit", np.tile(np.arange(n_edits, dtype=np.int16), bad.height)),
    )
    return (
        frame.filter(pl.col("variant_num") != pl.col("cccd").cast(pl.Int64))
        .with_columns(
            pl.when(pl.col("_edit") < CCCD_LENGTH * 10)
            .then(pl.lit("one_digit"))
            .otherwise(pl.lit("transposition"))
            .alias("edit")
        )
        .drop("_edit")
    )


def _as_cccd(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.zfill(CCCD_LENGTH)


def cccd_variants(bad: pl.DataFrame) -> pl.DataFrame:
    """`variant_numbers` with the variant as 12-digit text (`variant`)."""
    return variant_numbers(bad).with_columns(_as_cccd("variant_num").alias("variant")).drop("variant_num")


def suggest_corrections(
    side: pl.DataFrame,
    population: pl.LazyFrame,
    rows: pl.DataFrame,
    settings: ReconcileSettings | None = None,
) -> pl.DataFrame:
    """Suggested CCCD fixes for `rows` (row_id of not_found / mismatch members).

    A suggestion needs a citizen whose name, birth date/year and sex agree with the member.
    """
    bad = side.join(rows.select("row_id"), on="row_id", how="semi").select("row_id", "cccd")
    if bad.is_empty():
        return pl.DataFrame(schema=CORRECTION_COLUMNS)
    variants = variant_numbers(bad)
    wanted = variants.select(pl.col("variant_num").unique())
    citizens = (
        population.select("cccd", *PAIR_FIELDS)
        .with_columns(pl.col("cccd").cast(pl.Int64, strict=False).alias("variant_num"))
        .join(wanted.lazy(), on="variant_num", how="semi")
        .collect()
        .unique("cccd", keep="first")
    )
    pairs = (
        variants.join(citizens.select(suffixed("_r", ("variant_num",))), on="variant_num")
        .with_columns(_as_cccd("variant_num").alias("variant"))
        .join(side.select(suffixed("_l", ("row_id",))), on="row_id")
    )
    scored = score_pairs(pairs, settings)
    return (
        scored.filter(details_agree_expr() & pl.col("gamma_birth").is_in(("date", "year")))
        .sort(["row_id", "match_weight"], descending=[False, True])
        .select(
            "row_id",
            pl.col("cccd").alias("current_cccd"),
            pl.col("variant").alias("suggested_cccd"),
            "edit",
            pl.col("match_probability").alias("score"),
            "explanation",
        )
        .cast(CORRECTION_COLUMNS)
    )
