"""Clustering: connected components over accepted edges, then split incoherent ones.

Connected components alone chain strangers: A~B and B~C put A and C together even when A
and C hold two different CCCDs. So each component is checked for coherence (at most one
valid CCCD, one sex, birth years within the allowed gap, no cannot-link pair inside such as
a veto, a steward "split" or a strongly negative score). An incoherent component is rebuilt
greedily from its strongest edges, refusing any merge that would create a conflict, so the
weak bridge that joined two people is the edge left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass
class _Cluster:
    ids: set[str] = field(default_factory=set)
    sexes: set[str] = field(default_factory=set)
    year_min: int | None = None
    year_max: int | None = None


def components(n_groups: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n_groups, n_groups))
    return connected_components(graph, directed=False)[1]


def _conflict(a: _Cluster, b: _Cluster, gap: int) -> bool:
    if a.ids and b.ids and a.ids != b.ids:
        return True
    if a.sexes and b.sexes and a.sexes != b.sexes:
        return True
    if a.year_min is not None and b.year_min is not None:
        return max(a.year_max, b.year_max) - min(a.year_min, b.year_min) > gap  # type: ignore[type-var]
    return False


def _merge(a: _Cluster, b: _Cluster) -> _Cluster:
    years = [y for y in (a.year_min, a.year_max, b.year_min, b.year_max) if y is not None]
    return _Cluster(
        a.ids | b.ids,
        a.sexes | b.sexes,
        min(years) if years else None,
        max(years) if years else None,
    )


def _rebuild(
    groups: pl.DataFrame, edges: pl.DataFrame, cannot: set[tuple[int, int]], gap: int
) -> dict[int, int]:
    """Greedy constrained union (strongest edge first) for one or more incoherent components.

    Python here runs once per edge of an incoherent component only (a small share).
    """
    parent = {g: g for g in groups.get_column("group").to_list()}
    info = {
        row["group"]: _Cluster(set(row["ids"]), set(row["sexes"]), row["year_min"], row["year_max"])
        for row in groups.iter_rows(named=True)
    }
    banned: dict[int, set[int]] = {g: set() for g in parent}
    for a, b in cannot:
        if a in banned and b in banned:
            banned[a].add(b)
            banned[b].add(a)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, forced in (
        edges.sort("weight", descending=True).select("group_l", "group_r", "forced").iter_rows()
    ):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if not forced and (rb in banned[ra] or _conflict(info[ra], info[rb], gap)):
            continue
        parent[rb] = ra
        info[ra] = _merge(info[ra], info[rb])
        banned[ra] = (banned[ra] | banned.pop(rb)) - {ra, rb}  # a forced merge may join banned pairs
        for other in list(banned[ra]):
            banned.setdefault(other, set()).discard(rb)
            banned[other].add(ra)
    return {g: find(g) for g in parent}


def cluster_groups(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    cannot_link: pl.DataFrame,
    *,
    max_year_gap: int = 2,
) -> pl.DataFrame:
    """Cluster label per node.

    nodes: `node` (int), `group` (int, initial cluster: the node itself, or an existing
    member), `id_value`, `sex`, `year` (coherence attributes, may be null).
    edges: `node_l`, `node_r`, `weight`, `forced` (steward confirm: never refused).
    cannot_link: `node_l`, `node_r` (vetoes, steward splits, strongly negative pairs).
    Returns `node`, `cluster` (int; the smallest group number in the cluster).
    """
    n_groups = int(nodes.get_column("group").max() or 0) + 1
    # node -> group as an array lookup: millions of cannot-link pairs, no hash joins
    lookup = np.full(int(nodes.get_column("node").max() or 0) + 1, -1, dtype=np.int64)
    lookup[nodes.get_column("node").to_numpy()] = nodes.get_column("group").to_numpy()

    def _as_groups(frame: pl.DataFrame) -> pl.DataFrame:
        ends = {}
        for side in ("l", "r"):
            node = frame.get_column(f"node_{side}").to_numpy()
            inside = node < lookup.size
            ends[f"group_{side}"] = np.where(inside, lookup[np.where(inside, node, 0)], -1)
        return (
            frame.with_columns(pl.Series(k, v) for k, v in ends.items())
            .filter((pl.col("group_l") >= 0) & (pl.col("group_r") >= 0))
            .filter(pl.col("group_l") != pl.col("group_r"))
        )

    g_edges = _as_groups(edges)
    comp = components(
        n_groups,
        g_edges.get_column("group_l").to_numpy(),
        g_edges.get_column("group_r").to_numpy(),
    )
    comp_of = pl.DataFrame({"group": np.arange(n_groups), "component": comp})
    # only components of two or more groups can be incoherent: checking the rest (most of
    # them, singletons) grouped every node's CCCD string for nothing
    shared = np.bincount(comp)[comp] > 1
    g_nodes = nodes.join(comp_of.filter(pl.Series(shared)), on="group", how="inner")
    cannot_groups = _as_groups(cannot_link)
    c_l = comp[cannot_groups.get_column("group_l").to_numpy()]
    c_r = comp[cannot_groups.get_column("group_r").to_numpy()]
    g_cannot = cannot_groups.with_columns(c_l=pl.Series(c_l)).filter(pl.Series(c_l == c_r))
    stats = g_nodes.group_by("component").agg(
        (
            (pl.col("id_value").drop_nulls().n_unique() > 1)
            | (pl.col("sex").drop_nulls().n_unique() > 1)
            | ((pl.col("year").max() - pl.col("year").min()) > max_year_gap).fill_null(False)
        ).alias("incoherent")
    )
    bad = set(stats.filter(pl.col("incoherent")).get_column("component").to_list()) | set(
        g_cannot.get_column("c_l").to_list()
    )
    labels = comp_of.with_columns(cluster=pl.col("group").min().over("component"))
    if bad:
        bad_groups = (
            g_nodes.filter(pl.col("component").is_in(list(bad)))
            .group_by("group")
            .agg(
                pl.col("id_value").drop_nulls().unique().alias("ids"),
                pl.col("sex").drop_nulls().unique().alias("sexes"),
                pl.col("year").min().alias("year_min"),
                pl.col("year").max().alias("year_max"),
            )
        )
        bad_edges = g_edges.with_columns(
            component=pl.Series(comp[g_edges.get_column("group_l").to_numpy()])
        ).filter(pl.col("component").is_in(list(bad)))
        cannot = {(a, b) for a, b in g_cannot.select("group_l", "group_r").iter_rows()}
        roots = _rebuild(bad_groups, bad_edges, cannot, max_year_gap)
        fixed = pl.DataFrame(
            {"group": list(roots), "_root": list(roots.values())},
            schema={"group": comp_of.schema["group"], "_root": comp_of.schema["group"]},
        ).with_columns(_cl=pl.col("group").min().over("_root"))
        labels = (
            labels.join(fixed.select("group", "_cl"), on="group", how="left")
            .with_columns(cluster=pl.coalesce("_cl", "cluster"))
            .drop("_cl")
        )
    return (
        nodes.select("node", "group")
        .join(labels.select("group", "cluster"), on="group", how="left")
        .select("node", "cluster")
    )
