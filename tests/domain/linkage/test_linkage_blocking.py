"""Blocking: union of strict key rules, never all pairs, capped blocks reported."""

from __future__ import annotations

import polars as pl
from linkage_data import synthetic

from ddss.linkage import BlockingRule, block_pairs, default_settings, prepare_records


def test_blocking_is_not_all_pairs_and_every_pair_shares_a_key() -> None:
    members = prepare_records(synthetic(400).drop("person"), default_settings())
    rules = default_settings().blocking_rules
    pairs, stats = block_pairs(members, rules, id_column="row_id", max_block_size=500)
    n = members.height
    assert 0 < pairs.height < n * (n - 1) // 2 // 10
    assert (pairs.get_column("row_id_l") < pairs.get_column("row_id_r")).all()
    assert pairs.select("row_id_l", "row_id_r").is_unique().all()
    # counts per rule: new pairs add up to the union
    assert sum(s.new_pairs for s in stats) == pairs.height


def test_pair_found_by_two_rules_keeps_the_first() -> None:
    frame = pl.DataFrame({"row_id": ["a", "b"], "x": ["1", "1"], "y": ["2", "2"]})
    rules = (BlockingRule("by_x", ("x",)), BlockingRule("by_y", ("y",)))
    pairs, stats = block_pairs(frame, rules, id_column="row_id")
    assert pairs.to_dicts() == [{"row_id_l": "a", "row_id_r": "b", "match_key": "by_x"}]
    assert [s.new_pairs for s in stats] == [1, 0]
    assert [s.candidate_pairs for s in stats] == [1, 1]


def test_nulls_never_block_together() -> None:
    frame = pl.DataFrame({"row_id": ["a", "b", "c"], "cccd": [None, None, ""]})
    pairs, _ = block_pairs(frame, (BlockingRule("cccd", ("cccd",)),), id_column="row_id")
    assert pairs.height == 0


def test_without_window_a_huge_block_is_skipped_and_reported() -> None:
    # window None: the old full self-join, where one very common key value (e.g. Nguyễn,
    # DOMAIN.md 38 %) is skipped rather than exploding the pairs
    frame = pl.DataFrame({"row_id": [str(i) for i in range(30)], "k": ["big"] * 25 + ["s"] * 5})
    rule = (BlockingRule("k", ("k",)),)
    pairs, stats = block_pairs(frame, rule, id_column="row_id", max_block_size=10, window=None)
    assert pairs.height == 10  # only the 5-row block: 5*4/2
    assert (stats[0].skipped_key_values, stats[0].skipped_rows) == (1, 25)
    assert (stats[0].windowed_blocks, stats[0].windowed_rows) == (0, 0)


def test_incremental_blocking_only_touches_new_rows() -> None:
    frame = pl.DataFrame({"row_id": ["a", "b", "c"], "k": ["1", "1", "1"]})
    new = pl.Series([False, False, True])
    pairs, _ = block_pairs(frame, (BlockingRule("k", ("k",)),), id_column="row_id", new_mask=new)
    assert sorted(pairs.select("row_id_l", "row_id_r").rows()) == [("a", "c"), ("b", "c")]
