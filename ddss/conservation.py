"""Row conservation: every data row found is either accepted or rejected, exactly once."""

from __future__ import annotations

import polars as pl

_KEY = ["source_file", "source_sheet"]
_ROW_KEY = [*_KEY, "source_row"]


def conservation_by_sheet(
    sheet_counts: pl.DataFrame, accepted: pl.DataFrame, rejected: pl.DataFrame
) -> pl.DataFrame:
    """Per sheet: data rows the reader found vs rows accepted + rejected, counted independently.

    Returns one row per sheet with `data_rows`, `accepted`, `rejected`, `in_both` and
    `conserved`; a row counted twice or lost makes `conserved` false.
    """
    acc = accepted.group_by(_KEY).agg(pl.len().alias("accepted"))
    rej = rejected.group_by(_KEY).agg(pl.len().alias("rejected"))
    both = (
        accepted.select(_ROW_KEY)
        .join(rejected.select(_ROW_KEY), on=_ROW_KEY, how="inner")
        .group_by(_KEY)
        .agg(pl.len().alias("in_both"))
    )
    found = sheet_counts.select(*_KEY, "data_rows")
    return (
        found.join(acc, on=_KEY, how="full", coalesce=True)
        .join(rej, on=_KEY, how="full", coalesce=True)
        .join(both, on=_KEY, how="left")
        .with_columns(pl.col("data_rows", "accepted", "rejected", "in_both").fill_null(0))
        .with_columns(
            conserved=(pl.col("data_rows") == pl.col("accepted") + pl.col("rejected"))
            & (pl.col("in_both") == 0)
        )
        .sort(_KEY)
    )
