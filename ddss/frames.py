"""Shared polars settings for ddss's batch-sized queries, and frames handed between processes."""

import json
import operator
from collections.abc import Iterable
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
