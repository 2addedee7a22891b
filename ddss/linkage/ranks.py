"""Integer codes that stand for string columns in `link._ids`, without a second sort.

Sorting 10M row ids or CCCD strings is dear; the ids step needs one ordering of the row ids
(the other is its inverse) and CCCD codes only for equality (digit strings are numbers).
"""

from __future__ import annotations

import polars as pl


def inverse_permutation(order: pl.Series) -> pl.Series:
    """Each row's position in `order` (a permutation, e.g. an `arg_sort`): the ordinal rank
    without sorting the values a second time."""
    n = len(order)
    return pl.zeros(n, pl.UInt32, eager=True).scatter(order, pl.int_range(n, dtype=pl.UInt32, eager=True))


def equality_codes(values: pl.Series) -> pl.Series:
    """Integers equal exactly when the strings are (nulls stay null), in no useful order:
    digit strings of one length (CCCDs) are their own number, anything else is ranked."""
    held = values.drop_nulls()
    width = held.str.len_bytes()
    same_width = width.min() == width.max() and (width.max() or 0) <= 19
    if held.is_empty() or (same_width and held.str.contains(r"^\d+$").all()):
        return values.cast(pl.UInt64)
    return values.rank("dense").cast(pl.UInt64)
