"""Memory-bounded linkage: sampled training is fixed and weighted right; the integer-keyed
id path and the coded term-frequency reference give what the string-keyed ones gave."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from linkage_data import synthetic
from polars.testing import assert_frame_equal

from ddss.linkage import cluster_ids, default_settings, link_members, prepare_records
from ddss.linkage.blocking import block_pair_codes
from ddss.linkage.link import ANCHOR_SEP, _cluster_all, _ids
from ddss.linkage.pair_pipeline import NODE, RULE, _tf_reference, score_pairs, training_sample
from ddss.linkage.records import TF_COUNT
from ddss.linkage.training import estimate_weights

SECRET = b"test-secret"


@pytest.fixture(scope="module")
def members() -> pl.DataFrame:
    return synthetic(300).drop("person")


def _blocked(members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    settings = default_settings()
    records = prepare_records(members, settings).with_row_index(NODE)
    pairs, _ = block_pair_codes(records, settings.blocking_rules, id_column=NODE, rule_column=RULE)
    return records, pairs


def _drawn(members: pl.DataFrame, size: int) -> set[tuple[str, str]]:
    records, pairs = _blocked(members)
    mask = training_sample(records, pairs, "row_id", size)
    assert mask is not None
    ids = records.get_column("row_id")
    chosen = pairs.filter(mask)
    a, b = ids.gather(chosen[f"{NODE}_l"]).to_list(), ids.gather(chosen[f"{NODE}_r"]).to_list()
    return {(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)}


def test_training_sample_is_fixed_sized_and_independent_of_row_order(members: pl.DataFrame) -> None:
    records, pairs = _blocked(members)
    assert training_sample(records, pairs, "row_id", pairs.height) is None  # small: train on all
    size = pairs.height // 3
    drawn = _drawn(members, size)
    assert 0.7 * size < len(drawn) < 1.3 * size
    assert _drawn(members.sample(fraction=1.0, shuffle=True, seed=7), size) == drawn


def test_sampled_training_is_deterministic_and_scores_every_pair(members: pl.DataFrame) -> None:
    records, pairs = _blocked(members)
    runs = [
        score_pairs(records, pairs, default_settings(), None, keep_all=True, train_pairs=pairs.height // 3)
        for _ in range(2)
    ]
    (one, s_one, t_one), (two, s_two, t_two) = runs
    assert s_one == s_two and t_one is not None and t_one.equals(t_two)
    assert one.scored == pairs.height == sum(one.counts.values()) == one.kept.height
    assert_frame_equal(one.edges, two.edges)
    full, s_full, _ = score_pairs(records, pairs, default_settings(), None)
    # the prior counts all candidates, not only the sampled third
    assert s_one.prior == pytest.approx(s_full.prior, rel=0.5)
    assert full.edges.height > 0


def test_pair_weight_stands_for_repeated_pairs(members: pl.DataFrame) -> None:
    settings = default_settings()
    records, pairs = _blocked(members)
    compared = score_pairs(records, pairs, settings, None, keep_all=True)[0].kept
    u = {s.name: np.full(8, 0.125) for s in settings.comparisons}
    total = records.height * (records.height - 1) / 2
    weighted = estimate_weights(compared, settings, u=u, total_pairs=total, pair_weight=3.0)
    repeated = estimate_weights(pl.concat([compared] * 3), settings, u=u, total_pairs=total)
    assert weighted[1] == pytest.approx(repeated[1], rel=1e-9)
    for a, b in zip(weighted[0], repeated[0], strict=True):
        assert a.m == pytest.approx(b.m, rel=1e-9)
    unweighted = estimate_weights(compared, settings, u=u, total_pairs=total)
    assert unweighted[1] < weighted[1]  # the weight reaches the prior


def test_tf_reference_counts_like_grouping_the_strings(members: pl.DataFrame) -> None:
    records = prepare_records(members, default_settings())
    ref = _tf_reference(records, default_settings())
    assert ref is not None
    keys = [c for c in ref.columns if c != TF_COUNT]
    plain = records.group_by(keys).agg(pl.len().alias(TF_COUNT))
    assert_frame_equal(ref.sort(keys, nulls_last=True), plain.sort(keys, nulls_last=True), check_dtypes=False)


def _string_keyed_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """The former implementation: anchors built per row from strings, then hashed."""

    def anchor(by: str, scope: str | None) -> pl.Series:
        per = frame.group_by(by).agg(
            pl.when(pl.col("_id").drop_nulls().n_unique() == 1)
            .then(pl.col("_id").drop_nulls().first())
            .alias("_cccd"),
            (pl.lit("row:") + pl.col("row_id").min()).alias("_row"),
        )
        keys = [scope, "_cccd"] if scope else ["_cccd"]
        rows = frame.select(by, *([scope] if scope else [])).join(
            per, on=by, how="left", maintain_order="left"
        )
        n = rows.unique([*keys, by]).group_by(keys).agg(pl.len().alias("_n"))
        rows = rows.join(n, on=keys, how="left", nulls_equal=True, maintain_order="left")
        own = (
            pl.when(pl.col("_cccd").is_null() | (pl.col("_n") > 1))
            .then("_row")
            .otherwise(pl.lit("cccd:") + pl.col("_cccd"))
        )
        return rows.select(pl.col(scope) + pl.lit(ANCHOR_SEP) + own if scope else own).to_series()

    return frame.select(
        "row_id",
        cluster_ids(anchor("member_cluster", "org"), SECRET, "M").alias("member_id"),
        cluster_ids(anchor("person_cluster", None), SECRET, "P").alias("person_id"),
        (pl.col("row_id") != pl.col("row_id").min().over("member_cluster")).alias("is_duplicate"),
    )


def test_integer_keyed_ids_equal_the_string_keyed_ones(members: pl.DataFrame) -> None:
    settings = default_settings()
    records, pairs = _blocked(members)
    scored, trained, _ = score_pairs(records, pairs, settings, None)
    clusters = _cluster_all(records, scored, trained, None)
    got = _ids(records, clusters, trained, SECRET).select("row_id", "member_id", "person_id", "is_duplicate")
    frame = records.select(NODE, "row_id", "org", pl.col("cccd").cast(pl.String).alias("_id")).join(
        clusters.rename({"node": NODE}), on=NODE
    )
    expected = _string_keyed_ids(frame)
    assert_frame_equal(got.sort("row_id"), expected.sort("row_id"))
    # the path under test merged something, and some cluster is anchored on its CCCD
    assert got.get_column("is_duplicate").any()
    links = link_members(members, id_secret=SECRET).links
    assert links.select("row_id", "member_id", "person_id").equals(got.sort("row_id").drop("is_duplicate"))
