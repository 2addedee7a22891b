"""Fast paths that must give exactly what the plain computation gives (scaling changes)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddss import issues
from ddss.linkage.blocking import _sorted_blocks
from ddss.linkage.clustering import cluster_groups
from ddss.linkage.records import id_suspect_expr, sex_guessed_expr


def _reference_blocks(rows: pl.DataFrame, cols: list[str], rank: str) -> pl.DataFrame:
    ordered = rows.sort([*cols, rank])
    changed = pl.any_horizontal([pl.col(c) != pl.col(c).shift(1) for c in cols]).fill_null(True)
    return ordered.select("id", (changed.cum_sum() - 1).alias("_blk"))


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), min_size=1, max_size=60), st.booleans())
@settings(max_examples=50, deadline=None)
def test_packed_sort_key_orders_as_the_columns_do(keys: list[tuple[int, int]], wide: bool) -> None:
    # wide: codes too large to pack into 64 bits, so the column-by-column sort runs instead
    scale = 2**40 if wide else 1
    rows = pl.DataFrame(
        {
            "id": range(len(keys)),
            "a": [a * scale for a, _ in keys],
            "b": [b * scale for _, b in keys],
            "_order0": np.random.default_rng(len(keys)).permutation(len(keys)),
        },
        schema_overrides={"a": pl.UInt64, "b": pl.UInt64, "_order0": pl.UInt32},
    )
    got = _sorted_blocks(rows, ["a", "b"], "_order0").select("id", "_blk")
    assert got.equals(_reference_blocks(rows, ["a", "b"], "_order0"))


@pytest.mark.parametrize(
    ("codes", "suspect", "guessed"),
    [
        (None, None, None),
        ([], False, False),
        ([issues.CCCD_SEX_MISMATCH], True, False),
        ([issues.SEX_FROM_UNMARKED_COLUMN, "other"], False, True),
    ],
)
def test_issue_flags(codes: list[str] | None, suspect: bool | None, guessed: bool | None) -> None:
    frame = pl.DataFrame({"issues": [codes]}, schema={"issues": pl.List(pl.String)})
    got = frame.select(id_suspect_expr().alias("s"), sex_guessed_expr().alias("g")).row(0)
    assert got == (suspect, guessed)


def test_a_lone_incoherent_group_is_left_as_it_is() -> None:
    # group 0 holds two CCCDs already (a steward confirm), but no edge touches it
    nodes = pl.DataFrame(
        {
            "node": [0, 1, 2, 3],
            "group": [0, 0, 2, 3],
            "id_value": ["a", "b", None, None],
            "sex": None,
            "year": None,
        },
        schema_overrides={"sex": pl.String, "year": pl.Int32},
    )
    edges = pl.DataFrame(
        {"node_l": [2], "node_r": [3], "weight": [5.0], "forced": [False]},
        schema_overrides={"node_l": pl.Int64},
    )
    cannot = pl.DataFrame({"node_l": [], "node_r": []}, schema={"node_l": pl.Int64, "node_r": pl.Int64})
    got = cluster_groups(nodes, edges, cannot).sort("node").get_column("cluster").to_list()
    assert got == [0, 0, 2, 2]
