"""Name comparison keys for đối soát, built by the rules of `ddss.names`.

Both sides (members and citizens) are keyed here from `full_name`, so a key computed by an
older normalise run can never make the two sides incomparable. Keys are computed once per
distinct name and joined back: names repeat a lot (DOMAIN.md, Names: Nguyễn 38 %, a few
dozen common middle and given names), so this does a fraction of the string work.
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from ddss.names import name_key_expr, phonetic_key_expr

NAME_KEY_COLUMNS = ("name_key", "given_key", "surname_key", "phonetic_key")
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def _keyed(names: Frame, col: str) -> Frame:
    """`names` plus `name_key`, `phonetic_key`, and its last/first word as `given_key`/`surname_key`.

    The phonetic rules of ddss.names are word-bounded, so the words of the full-name key
    equal the keys `given_key_expr`/`surname_key_expr` build from the words themselves. The
    words are read off the computed key (a second step), not off its expression, which
    would run the phonetic rule passes three times (1M members: 1.7 -> 0.7 s).
    """
    phonetic = pl.col("phonetic_key")
    return names.with_columns(
        name_key_expr(col).alias("name_key"), phonetic_key_expr(col).alias("phonetic_key")
    ).with_columns(
        phonetic.str.extract(r"(\S+)\s*$", 1).alias("given_key"),
        phonetic.str.extract(r"^\s*(\S+)\s+\S", 1).alias("surname_key"),
    )


def with_name_keys(frame: Frame, col: str = "full_name") -> Frame:
    """`frame` plus the name keys, computed per distinct `col` value (still vectorised).

    An in-memory frame gets the keys by position (one join of the names finds each row's
    distinct name, one gather per key column), not by a join carrying every column."""
    frame = frame.drop(NAME_KEY_COLUMNS, strict=False)
    keys = _keyed(frame.select(col).unique().drop_nulls(), col)
    if isinstance(frame, pl.LazyFrame):
        return frame.join(keys, on=col, how="left", nulls_equal=False, maintain_order="left")
    at = (
        frame.select(col)
        .join(keys.select(col).with_row_index("_at"), on=col, how="left", maintain_order="left")
        .get_column("_at")
    )
    return pl.concat([frame, keys.drop(col).select(pl.all().gather(at))], how="horizontal")
