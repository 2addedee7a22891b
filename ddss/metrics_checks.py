"""Consistency rules for a metrics snapshot, shared by the asset checks and the tests."""

from __future__ import annotations

import polars as pl

from ddss.metrics import COUNT_COLUMNS


def rollup_mismatches(snapshot: pl.DataFrame) -> list[dict[str, str]]:
    """Where a level's counts do not add up to the level above (counts only; no personal data).

    Sum over provinces == national; sum over communes == their province (communes with a known
    code only roll into provinces when every member of the province has a commune, so only the
    national and org rollups are strict); sum over orgs == org '*'.
    """
    counts = [c for c in COUNT_COLUMNS if c in snapshot.columns]
    problems: list[dict[str, str]] = []
    national = snapshot.filter(pl.col("level") == "national")
    by_province = snapshot.filter(pl.col("level") == "province").group_by("org").agg(pl.col(counts).sum())
    joined = national.select("org", *counts).join(by_province, on="org", suffix="_sum", how="left")
    for col in counts:
        bad = joined.filter(pl.col(col) != pl.col(f"{col}_sum").fill_null(0))
        problems += [{"rule": "provinces_sum_to_national", "org": o, "column": col} for o in bad["org"]]
    per_org = national.filter(pl.col("org") != "*").select(pl.col(counts).sum())
    star = national.filter(pl.col("org") == "*").select(counts)
    if star.height == 1 and per_org.height == 1:
        for col in counts:
            if per_org[col][0] != star[col][0]:
                problems.append({"rule": "orgs_sum_to_star", "org": "*", "column": col})
    return problems
