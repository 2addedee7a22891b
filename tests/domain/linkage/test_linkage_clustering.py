"""Clustering must not chain strangers through one weak link."""

from __future__ import annotations

import polars as pl

from ddss.linkage.clustering import cluster_groups


def _nodes(ids: list[str | None], years: list[int | None] | None = None) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame(
        {"node": range(n), "group": range(n), "id_value": ids, "sex": ["F"] * n, "year": years or [1980] * n},
        schema={
            "node": pl.Int64,
            "group": pl.Int64,
            "id_value": pl.String,
            "sex": pl.String,
            "year": pl.Int32,
        },
    )


def _edges(rows: list[tuple[int, int, float]], forced: bool = False) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "node_l": [a for a, _, _ in rows],
            "node_r": [b for _, b, _ in rows],
            "weight": [w for _, _, w in rows],
            "forced": [forced] * len(rows),
        },
        schema={"node_l": pl.Int64, "node_r": pl.Int64, "weight": pl.Float64, "forced": pl.Boolean},
    )


NO_CANNOT = pl.DataFrame(schema={"node_l": pl.Int64, "node_r": pl.Int64})


def _partition(result: pl.DataFrame) -> list[list[int]]:
    return sorted(result.group_by("cluster").agg(pl.col("node").sort()).get_column("node").to_list())


def test_conflicting_cccds_are_split_at_the_weak_bridge() -> None:
    # A-B strong, B-C weaker, A and C hold different CCCDs: C must not join A
    nodes = _nodes(["001180000001", None, "079180000002"])
    result = cluster_groups(nodes, _edges([(0, 1, 20.0), (1, 2, 12.0)]), NO_CANNOT)
    assert _partition(result) == [[0, 1], [2]]


def test_cannot_link_pair_is_split() -> None:
    nodes = _nodes([None, None, None])
    cannot = pl.DataFrame({"node_l": [0], "node_r": [2]}, schema=NO_CANNOT.schema)
    result = cluster_groups(nodes, _edges([(0, 1, 10.0), (1, 2, 15.0)]), cannot)
    assert _partition(result) == [[0], [1, 2]]


def test_birth_years_far_apart_do_not_chain() -> None:
    nodes = _nodes([None, None, None], years=[1980, 1982, 1984])
    result = cluster_groups(nodes, _edges([(0, 1, 10.0), (1, 2, 15.0)]), NO_CANNOT)
    assert _partition(result) == [[0], [1, 2]]


def test_coherent_component_is_kept_whole() -> None:
    nodes = _nodes(["001180000001", None, "001180000001", None])
    result = cluster_groups(nodes, _edges([(0, 1, 5.0), (1, 2, 5.0)]), NO_CANNOT)
    assert _partition(result) == [[0, 1, 2], [3]]


def test_forced_edge_overrides_conflict() -> None:
    nodes = _nodes(["001180000001", "079180000002"])
    result = cluster_groups(nodes, _edges([(0, 1, float("inf"))], forced=True), NO_CANNOT)
    assert _partition(result) == [[0, 1]]


def test_forced_edge_across_a_cannot_link_then_more_merges() -> None:
    # steward confirms a pair the engine vetoed; later edges must still respect other bans
    nodes = _nodes([None, None, None, "079180000002"])
    cannot = pl.DataFrame({"node_l": [0, 0], "node_r": [1, 3]}, schema=NO_CANNOT.schema)
    edges = pl.concat([_edges([(0, 1, float("inf"))], forced=True), _edges([(1, 2, 9.0), (2, 3, 8.0)])])
    result = cluster_groups(nodes, edges, cannot)
    assert _partition(result) == [[0, 1, 2], [3]]
