"""The search path prepared once and scored in parts (the fan-out unit): any split of the
members, and a prepared search saved and loaded in another place, give the same pairs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_engine import _trained

from ddss.linkage.records import tf_tables
from ddss.reconcile import ReconcileSettings
from ddss.reconcile.engine import _tf_for, name_reference, sorted_tf_tables
from ddss.reconcile.exact import member_side
from ddss.reconcile.search import (
    PAIR_KEY,
    PreparedSearch,
    candidate_pairs,
    prepare_search,
    score_search,
    search_pairs,
    search_rules,
)

NO_PAIRS = pl.DataFrame(schema={"row_id": pl.String, "candidate_cccd": pl.String})


def _settings(engine: bool) -> ReconcileSettings:
    return ReconcileSettings(linkage=_trained()) if engine else ReconcileSettings()


def _vouched(side: pl.DataFrame) -> pl.DataFrame:
    """A cluster's citizen for two members (one the blocking rules would not reach)."""
    rows = side.get_column("row_id").head(2).to_list()
    return pl.DataFrame({"row_id": rows, "candidate_cccd": ["079170000008", "001085000001"]})


@pytest.mark.parametrize("engine", [False, True])
def test_parts_scored_apart_equal_the_whole(members, population, engine: bool) -> None:
    settings, side = _settings(engine), member_side(members)
    prepared = prepare_search(side, population, settings, _vouched(side))
    whole = score_search(prepared, side, NO_PAIRS, settings)
    assert whole.height > 3
    some = pl.int_range(pl.len()) % 3 == 1  # not contiguous, and scored in reverse order
    parts = [side.filter(~some), side.filter(some)]
    split = pl.concat([score_search(prepared, part, NO_PAIRS, settings) for part in reversed(parts)])
    assert_frame_equal(split.sort(PAIR_KEY), whole.sort(PAIR_KEY))
    # contiguous slices in order give the whole row for row; search_pairs is exactly that
    sliced = pl.concat([score_search(prepared, side.slice(i, 2), NO_PAIRS, settings) for i in range(0, 9, 2)])
    assert_frame_equal(sliced, whole)
    chunked = search_pairs(side, population, NO_PAIRS, settings, vouched=_vouched(side), chunk_rows=2)
    assert_frame_equal(chunked, whole)
    assert_frame_equal(score_search(prepared, side.clear(), NO_PAIRS, settings), whole.clear())


@pytest.mark.parametrize("engine", [False, True])
def test_saved_and_loaded_search_scores_the_same(members, population, engine: bool, tmp_path: Path) -> None:
    settings, side = _settings(engine), member_side(members)
    prepared = prepare_search(side, population, settings, _vouched(side))
    prepared.save(tmp_path / "search")
    loaded = PreparedSearch.load(tmp_path / "search")
    assert loaded.size == prepared.size and loaded.tf.keys() == prepared.tf.keys()
    assert loaded.index.frame.schema == prepared.index.frame.schema  # categorical keys survive
    rejected = score_search(prepared, side, NO_PAIRS, settings).select(PAIR_KEY).head(1)
    for excluded in (NO_PAIRS, rejected):
        want = score_search(prepared, side, excluded, settings)
        assert want.height > 0
        assert_frame_equal(score_search(loaded, side, excluded, settings), want)
    assert score_search(prepared, side, rejected, settings).join(rejected, on=PAIR_KEY).is_empty()


def test_tf_rows_picked_by_binary_search_equal_a_join(members, population) -> None:
    linkage = _trained()
    reference = name_reference(population, linkage)
    unknown = reference.head(2).with_columns(pl.col(pl.String) + "~")  # values no citizen holds
    left = pl.concat([reference.head(3), unknown, reference.head(1)])
    picked = _tf_for(left, sorted_tf_tables(reference, linkage), linkage)
    for name, table in tf_tables(reference, linkage).items():
        key = next((s.fold_column or s.column for s in linkage.comparisons if s.name == name), "name_fold")
        want = table.filter(pl.col("_v").is_in(left.get_column(key).implode())).sort("_v")
        assert picked[name].height > 0
        assert_frame_equal(picked[name].sort("_v"), want)


def test_vouched_pairs_follow_their_member_into_any_part(members, population) -> None:
    side = member_side(members)
    prepared = prepare_search(side, population, ReconcileSettings(), _vouched(side))
    vouched_key = len(search_rules())  # after the last rule (refinements included)
    for part, want in (
        (side, [("m1", "079170000008"), ("m2", "001085000001")]),
        (side.slice(1), [("m2", "001085000001")]),
    ):
        pairs = candidate_pairs(part, prepared.index, prepared.vouched, fields=False)
        assert pairs.filter(pl.col("match_key") == vouched_key).select(PAIR_KEY).rows() == want
