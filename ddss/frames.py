"""Shared polars settings for ddss's batch-sized queries, and frames handed between processes."""

import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import fields
from functools import reduce
from pathlib import Path
from typing import TypeVar

import polars as pl

T = TypeVar("T")

ENGINE = "in-memory"
"""Engine for `LazyFrame.collect` on one batch (an ingest batch of a few MB, one org's rows):
polars 2.1 otherwise picks the streaming engine, whose set-up costs more than such a query
(a 256-file ingest batch took ~25 % longer; normalise ~13 % more CPU)."""


def ordered_sum(terms: Iterable[pl.Expr | str]) -> pl.Expr:
    """Row-wise sum of float columns added left to right, a null counting as 0 (as
    `pl.sum_horizontal`). polars 2.1's `sum_horizontal` on floats is not reproducible run to
    run with several threads (the last bit of 1 in 3 sums moves); match weights must be, so a
    rerun on the same input gives the same output."""
    exprs = [pl.col(t) if isinstance(t, str) else t for t in terms]
    return reduce(operator.add, (e.fill_null(0.0) for e in exprs))


def contiguous(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every column in one chunk, rebuilt one column at a time, so a frame
    nothing else holds is never copied whole. đối soát fetches citizens by position, and
    gathering from a column of many chunks costs far more than from one (1M × 3M, 48
    chunks: 0.34 s against 0.007 s per 100k pairs, paid by every search chunk); and the
    citizen index, a view of the extract when its columns' chunks line up, is otherwise a
    copy (10M: +3.3 GiB held through the search). So the population loader returns it so."""
    for name in frame.columns:
        frame = frame.with_columns(frame.get_column(name).rechunk())
    return frame


def distinct_rows(values: pl.Series, distinct: pl.Series) -> pl.Series:
    """Each value's row in `distinct` (its distinct values, null included).

    Joined on the values' 64-bit hashes, 3-4x cheaper than on the text (3M names: 0.35 s
    with the check, 1.1 s), and checked against the values themselves: should two distinct
    values ever share a hash, the join on the values decides instead."""
    at = _hash_rows(values, distinct)
    if at.len() == values.len() and distinct.gather(at).equals(values):
        return at
    return (
        values.to_frame()
        .join(
            distinct.to_frame().with_row_index("_at"),
            on=values.name,
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .get_column("_at")
    )


def _hash_rows(values: pl.Series, distinct: pl.Series) -> pl.Series:
    """`distinct_rows` by hash alone: right unless two distinct values share a hash."""
    rows = distinct.hash().to_frame("_h").with_row_index("_at")
    return (
        values.hash().to_frame("_h").join(rows, on="_h", how="left", maintain_order="left").get_column("_at")
    )


def by_distinct_value(
    frame: pl.DataFrame, col: str, derive: Callable[[pl.DataFrame], pl.DataFrame]
) -> list[pl.Series]:
    """`derive` run once on the distinct values of `col` and gathered back to every row,
    for values that repeat (birth dates, names): at 3M citizens the join that finds each
    row's distinct value costs 0.5 s for the birth dates where parsing every row costs
    1.6 s, and the saving grows with the repeats."""
    values = frame.get_column(col)
    distinct = values.unique()
    return derive(distinct.to_frame()).select(pl.all().gather(distinct_rows(values, distinct))).get_columns()


def save_frames(obj: object, folder: Path) -> None:
    """Write a dataclass of frames and scalars to `folder` (one parquet per frame, the rest
    as JSON), so a step in another process can pick up where this one stopped."""
    folder.mkdir(parents=True, exist_ok=True)
    scalars = {}
    for field in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, field.name)
        if isinstance(value, pl.DataFrame):
            value.write_parquet(folder / f"{field.name}.parquet", compression="lz4")
        else:
            scalars[field.name] = value
    (folder / "scalars.json").write_text(json.dumps(scalars))


def load_frames(cls: type[T], folder: Path) -> T:
    """The dataclass `save_frames` wrote (a missing frame file means the field was None)."""
    scalars = json.loads((folder / "scalars.json").read_text())
    values = {
        f.name: scalars[f.name] if f.name in scalars else pl.read_parquet(folder / f"{f.name}.parquet")
        for f in fields(cls)  # type: ignore[arg-type]
    }
    return cls(**values)
