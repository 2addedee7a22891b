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


_CHUNK_NUMBERS = 100_000  # numbers expanded at once (x 131 variants)
_POWERS = 10 ** np.arange(CCCD_LENGTH - 1, -1, -1, dtype=np.int64)


def known_numbers(population: pl.LazyFrame) -> pl.DataFrame:
    """The extract's CCCDs as integers (`variant_num`), sorted: the look-up `variant_numbers`
    tests every chunk against, built once per run. A hash set (`is_in`) of the whole extract
    would be rebuilt per chunk (30M citizens: ~6 CPU s each); sorted variants meet this
    column in a merge join (~0.2 s). Non-numeric numbers drop (no variant can equal them);
    a number listed twice stays twice (harmless to a membership test)."""
    cccd = pl.col("cccd").cast(pl.Int64, strict=False).alias("variant_num")
    return population.select(cccd).drop_nulls().sort("variant_num").collect()


def variant_numbers(
    bad: pl.DataFrame, id_col: str = "row_id", known: pl.DataFrame | None = None
) -> pl.DataFrame:
    """`id_col`, `variant_num` (the variant as an integer), `_swap` for every one-digit
    substitution (12 × 9) and adjacent transposition (≤ 11) of each 12-digit `cccd`.

    Arithmetic on the number as a 64-bit integer over an (n × 131) array, so the look-up
    against the population is an integer join: vectorised, no row loop. Variants
    equal to the number itself (same digit, equal neighbours) are dropped; the rest are
    distinct by construction. With `known` (`known_numbers`), only variants it holds are
    kept, tested on the bare array before any frame is built (1M members: 10M variants, 9k
    kept): the variants are sorted, merge-joined with `known`, and the few it holds picked
    out again. `_swap` marks transpositions (`_edit_expr` names the edit).
    """
    bad = bad.filter(pl.col("cccd").str.contains(r"^\d{12}$"))
    digits = np.frombuffer("".join(bad["cccd"].to_list()).encode("ascii"), dtype=np.uint8)
    digits = digits.reshape(-1, CCCD_LENGTH).astype(np.int64) - ord("0")
    base = digits @ _POWERS
    # Put digit d at position k: add (d - digit_k) * 10^(11-k).
    subs = (np.arange(10)[None, None, :] - digits[:, :, None]) * _POWERS[None, :, None]
    # Swap positions k, k+1: add (digit_k+1 - digit_k) * 9 * 10^(10-k).
    swaps = (digits[:, 1:] - digits[:, :-1]) * 9 * _POWERS[None, 1:]
    variants = np.concatenate([subs.reshape(len(base), -1), swaps], axis=1)
    del subs, swaps  # the (n × 131) array is the chunk's memory; summed in place, not copied
    variants += base[:, None]
    n_edits = variants.shape[1]
    keep = (variants != base[:, None]).reshape(-1)
    flat = variants.reshape(-1)
    if known is not None:
        # numpy's sort: one thread, half the CPU of polars' parallel sort of 13M numbers
        wanted = pl.Series("variant_num", np.sort(flat)).set_sorted().to_frame()
        held = wanted.join(known, on="variant_num").get_column("variant_num").unique()
        keep &= pl.Series(flat).is_in(held.implode()).to_numpy()
    at = np.flatnonzero(keep)
    return pl.DataFrame(
        {
            id_col: bad.get_column(id_col).gather(at // n_edits),
            "variant_num": flat[at],
            "_swap": at % n_edits >= CCCD_LENGTH * 10,
        }
    )


def _edit_expr() -> pl.Expr:
    return pl.when(pl.col("_swap")).then(pl.lit("transposition")).otherwise(pl.lit("one_digit")).alias("edit")


def _as_cccd(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.zfill(CCCD_LENGTH)


def cccd_variants(bad: pl.DataFrame) -> pl.DataFrame:
    """`variant_numbers` with the variant as 12-digit text (`variant`)."""
    numbers = variant_numbers(bad).select("row_id", _as_cccd("variant_num").alias("variant"), _edit_expr())
    return numbers.join(bad.select("row_id", "cccd"), on="row_id").select("row_id", "cccd", "variant", "edit")


def suggest_corrections(
    side: pl.DataFrame,
    population: pl.LazyFrame,
    rows: pl.DataFrame,
    settings: ReconcileSettings | None = None,
) -> pl.DataFrame:
    """Suggested CCCD fixes for `rows` (row_id of not_found / mismatch members).

    A suggestion needs a citizen whose name, birth date/year and sex agree with the member.
    """
    bad = (
        side.join(rows.select("row_id"), on="row_id", how="semi")
        .select("row_id", "cccd")
        .with_row_index("_i")
    )
    if bad.is_empty():
        return pl.DataFrame(schema=CORRECTION_COLUMNS)
    # Integer look-up (one column of the extract), in chunks of numbers: 131 variants each.
    known = known_numbers(population)
    variants = pl.concat(
        variant_numbers(bad.slice(start, _CHUNK_NUMBERS), "_i", known)
        for start in range(0, bad.height, _CHUNK_NUMBERS)
    )
    del known
    hits = variants.select("variant_num").unique()
    citizens = (
        population.select("cccd", *PAIR_FIELDS)
        .with_columns(pl.col("cccd").cast(pl.Int64, strict=False).alias("variant_num"))
        .join(hits.lazy().unique(), on="variant_num", how="semi")
        .collect()
        .unique("cccd", keep="first")
    )
    pairs = (
        variants.join(citizens.select(suffixed("_r", ("variant_num",))), on="variant_num")
        .join(bad, on="_i")
        .with_columns(_as_cccd("variant_num").alias("variant"), _edit_expr())
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
