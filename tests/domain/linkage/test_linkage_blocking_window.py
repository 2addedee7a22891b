"""Sorted-neighbourhood blocking: pairs per row bounded by the window, small blocks complete.

Every blocking key has a fixed domain (names, dates, provinces: DOMAIN.md), so blocks grow
with the data; windowing keeps the candidate pairs linear in the rows.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linkage_data import synthetic

from ddss.linkage import BlockingRule, LinkageSettings, block_pairs, default_settings, prepare_records

RULE = (BlockingRule("k", ("k",)),)


def _frame(keys: list[str], names: list[str] | None = None) -> pl.DataFrame:
    names = names or [f"n{i % 7}" for i in range(len(keys))]
    return pl.DataFrame({"row_id": list(range(len(keys))), "k": keys, "name_fold": names})


def _set(pairs: pl.DataFrame) -> set[tuple[int, int]]:
    return set(pairs.select("row_id_l", "row_id_r").iter_rows())


@given(st.lists(st.sampled_from("abcdef"), min_size=0, max_size=40), st.integers(1, 8))
@settings(max_examples=40, deadline=None)
def test_blocks_within_the_window_are_paired_completely(keys: list[str], window: int) -> None:
    # a block of at most window + 1 rows yields all its pairs, as the full self-join does
    frame = _frame(keys)
    full, _ = block_pairs(frame, RULE, id_column="row_id", window=None, max_block_size=10**6)
    windowed, stats = block_pairs(frame, RULE, id_column="row_id", window=window, window_free=None)
    sizes = frame.group_by("k").len()
    small = set(sizes.filter(pl.col("len") <= window + 1).get_column("k"))
    ids_small = set(frame.filter(pl.col("k").is_in(list(small))).get_column("row_id"))
    expected = {p for p in _set(full) if p[0] in ids_small}
    assert {p for p in _set(windowed) if p[0] in ids_small} == expected
    assert _set(windowed) <= _set(full)  # windowing never pairs across blocks
    assert stats[0].windowed_blocks == sizes.filter(pl.col("len") > window + 1).height


@pytest.mark.parametrize(("rows", "window"), [(200, 3), (500, 6), (500, 10)])
def test_big_block_pairs_per_row_are_bounded(rows: int, window: int) -> None:
    # one key value shared by every row (a Nguyễn on one birth date nationwide)
    frame = _frame(["x"] * rows)
    pairs, stats = block_pairs(frame, RULE, id_column="row_id", window=window, window_free=None)
    assert pairs.height == window * rows - window * (window + 1) // 2
    assert (stats[0].windowed_blocks, stats[0].windowed_rows) == (1, rows)
    assert (stats[0].skipped_key_values, stats[0].skipped_rows) == (0, 0)


@given(st.lists(st.sampled_from("abc"), min_size=0, max_size=60), st.integers(0, 3), st.integers(1, 6))
@settings(max_examples=40, deadline=None)
def test_free_window_pairs_strangers_only_next_to_each_other(
    names: list[str], free: int, window: int
) -> None:
    # one big block: a row meets its next `free` rows whatever their name, farther ones
    # (up to the window) only when they share its full name, i.e. copies and namesakes
    frame = _frame(["x"] * len(names), names)
    pairs, _ = block_pairs(frame, RULE, id_column="row_id", window=window, window_free=free)
    full, _ = block_pairs(frame, RULE, id_column="row_id", window=window, window_free=None)
    ordered = frame.sort("name_fold", "row_id").get_column("row_id").to_list()
    at = {r: i for i, r in enumerate(ordered)}
    name = dict(zip(frame["row_id"], frame["name_fold"], strict=True))
    expected = {
        (a, b)
        for a, b in _set(full)
        if abs(at[a] - at[b]) <= free or len(names) <= free + 1 or name[a] == name[b]
    }
    assert _set(pairs) == expected


def test_free_window_keeps_pairs_per_row_flat_as_blocks_grow() -> None:
    # all strangers (every name different): pairs per row stay at `free`, not `window`
    for rows in (50, 500):
        frame = _frame(["x"] * rows, [f"name{i:04d}" for i in range(rows)])
        pairs, _ = block_pairs(frame, RULE, id_column="row_id", window=6, window_free=1)
        assert pairs.height == rows - 1


def test_free_window_leaves_keys_holding_the_name_whole() -> None:
    # a rule keyed on the full name has nothing left to share: its whole window is paired
    rule = (BlockingRule("name", ("k", "name_fold")),)
    frame = _frame(["x"] * 20, ["lan"] * 20)
    free, _ = block_pairs(frame, rule, id_column="row_id", window=3, window_free=1)
    whole, _ = block_pairs(frame, rule, id_column="row_id", window=3, window_free=None)
    assert free.equals(whole)


def test_neighbours_are_ordered_by_name() -> None:
    # copies of one person (same folded name) sit side by side inside a large block
    names = ["lan", "hoa", "mai", "lan", "hoa", "mai", "tuan", "lan"]
    pairs, _ = block_pairs(_frame(["x"] * 8, names), RULE, id_column="row_id", window=2)
    assert {(0, 3), (0, 7), (3, 7), (1, 4), (2, 5)} <= _set(pairs)


def test_pairs_do_not_depend_on_row_order() -> None:
    frame = _frame(["x"] * 30 + ["y"] * 4, [f"n{i % 5}" for i in range(34)])
    a, _ = block_pairs(frame, RULE, id_column="row_id", window=3)
    b, _ = block_pairs(frame.reverse(), RULE, id_column="row_id", window=3)
    assert a.equals(b)


def test_incremental_window_only_touches_new_rows() -> None:
    new = pl.Series([i % 4 == 0 for i in range(20)])
    pairs, _ = block_pairs(_frame(["x"] * 20), RULE, id_column="row_id", window=3, new_mask=new)
    assert pairs.height > 0
    assert all(new[a] or new[b] for a, b in _set(pairs))


def test_default_window_on_members_keeps_stats_consistent() -> None:
    members = prepare_records(synthetic(400).drop("person"), default_settings())
    s = default_settings()
    pairs, stats = block_pairs(
        members, s.blocking_rules, id_column="row_id", window=1, window_orders=s.window_orders
    )
    full, _ = block_pairs(members, s.blocking_rules, id_column="row_id", window=None)
    assert sum(x.new_pairs for x in stats) == pairs.height
    assert pairs.height < full.height
    assert any(x.windowed_blocks for x in stats)


def test_window_settings_survive_json() -> None:
    s = default_settings()
    back = LinkageSettings.from_json(s.to_json())
    assert (back.block_window, back.window_orders) == (s.block_window, s.window_orders)
    assert back.blocking_rules == s.blocking_rules


def test_positional_ids_give_the_same_pairs_whatever_the_file_order() -> None:
    # linkage blocks on row positions; the stable row id (last in the default order) breaks
    # ties, so shuffled input files give the same candidate pairs
    frame = pl.DataFrame(
        {"row_id": [f"r{i:02d}" for i in range(40)], "k": ["x"] * 40, "name_fold": ["lan"] * 40}
    )

    def by_row_id(rows: pl.DataFrame) -> set[tuple[str, str]]:
        rows = rows.with_row_index("node")
        pairs, _ = block_pairs(rows, RULE, id_column="node", window=3)
        ids = rows.get_column("row_id")
        return {tuple(sorted((ids[a], ids[b]))) for a, b in pairs.select("node_l", "node_r").iter_rows()}

    assert by_row_id(frame) == by_row_id(frame.sample(fraction=1.0, shuffle=True, seed=3))
