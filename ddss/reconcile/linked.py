"""Đối soát of deduplicated members, scored with the model the deduplication trained."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import polars as pl

from ddss.linkage import LinkageSettings
from ddss.reconcile import (
    RECONCILE_COLUMNS,
    ReconcilePlan,
    ReconcileResult,
    ReconcileSettings,
    finish_reconcile,
    plan_reconcile,
    search_all,
)


def linked_settings(linkage_model: dict[str, Any] | None) -> ReconcileSettings:
    """The search path uses the trained dedupe comparisons, so both stages judge people by one model."""
    return (
        ReconcileSettings(linkage=LinkageSettings.from_dict(linkage_model))
        if linkage_model
        else ReconcileSettings()
    )


def plan_linked(
    members: pl.DataFrame,
    links: pl.DataFrame,
    population: pl.LazyFrame | pl.DataFrame,
    *,
    linkage_model: dict[str, Any] | None,
    decisions: pl.DataFrame | None,
) -> ReconcilePlan:
    """`plan_reconcile` over members with their member_id/person_id: rows of one member may
    share a citizen (they are the same person)."""
    ids = [c for c in ("member_id", "person_id") if c in links.columns]
    # Only the columns đối soát reads: a join copies every column it carries.
    own = members.select(c for c in RECONCILE_COLUMNS if c in members.columns)
    if links.get_column("row_id").equals(own.get_column("row_id")):  # linkage keeps the row order
        with_ids = own.hstack(links.select(ids))
    else:
        with_ids = own.join(links.select("row_id", *ids), on="row_id", how="left", validate="1:1")
    return plan_reconcile(with_ids, population, settings=linked_settings(linkage_model), decisions=decisions)


def finish_linked(
    plan: ReconcilePlan,
    scored: pl.DataFrame,
    population: pl.LazyFrame | pl.DataFrame,
    *,
    linkage_model: dict[str, Any] | None,
) -> ReconcileResult:
    """`finish_reconcile`; a steward's corrected CCCD comes back on `matches` as `corrected_cccd`."""
    result = finish_reconcile(plan, scored, population, settings=linked_settings(linkage_model))
    updates = result.cccd_updates.select("row_id", pl.col("cccd").alias("corrected_cccd"))
    if updates.is_empty():  # the usual run: no join over every member (0.9 CPU s at 3M)
        corrected = result.matches.with_columns(pl.lit(None, pl.String).alias("corrected_cccd"))
    else:
        corrected = result.matches.join(updates, on="row_id", how="left", validate="1:1")
    return replace(result, matches=corrected)


def reconcile_linked(
    members: pl.DataFrame,
    links: pl.DataFrame,
    population: pl.LazyFrame | pl.DataFrame,
    *,
    linkage_model: dict[str, Any] | None,
    decisions: pl.DataFrame | None,
) -> ReconcileResult:
    """Plan, search and finish in one process (the fanned-out asset runs the same three)."""
    plan = plan_linked(members, links, population, linkage_model=linkage_model, decisions=decisions)
    scored = search_all(plan, population, settings=linked_settings(linkage_model))
    return finish_linked(plan, scored, population, linkage_model=linkage_model)
