"""Row sums of match weights are reproducible: a rerun on the same input gives the same bits."""

import numpy as np
import polars as pl

from ddss.frames import ordered_sum


def _weights() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    return pl.DataFrame({f"mw_{i}": rng.normal(0, 10, 200_000) for i in range(12)})


def test_ordered_sum_is_the_left_to_right_sum_every_time() -> None:
    frame = _weights()
    expected = np.zeros(frame.height)
    for column in frame.columns:
        expected = expected + frame.get_column(column).to_numpy()
    for _ in range(10):  # polars' sum_horizontal moves the last bit of many rows across runs
        got = frame.select(ordered_sum(frame.columns)).to_series().to_numpy()
        assert np.array_equal(got, expected)


def test_ordered_sum_counts_a_null_as_zero() -> None:
    frame = pl.DataFrame({"a": [1.5, None, None], "b": [2.0, 3.0, None]})
    assert frame.select(ordered_sum(["a", pl.col("b")])).to_series().to_list() == [3.5, 3.0, 0.0]
