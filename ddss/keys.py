"""Stable keys: the provenance key of an input row."""

from __future__ import annotations

import polars as pl

ROW_ID_SEPARATOR = "|"


def row_id_expr() -> pl.Expr:
    """`source_file|source_sheet|source_row`: unique per input row, stable across runs, no personal data."""
    return pl.concat_str(
        [pl.col("source_file"), pl.col("source_sheet"), pl.col("source_row").cast(pl.String)],
        separator=ROW_ID_SEPARATOR,
    ).alias("row_id")
