"""Incremental linkage: link a new file's rows to existing members without redoing old pairs.

Only pairs touching at least one new row are blocked and scored (with the trained weights
of the earlier run, so scores are the same as in a full run); existing members and persons
enter clustering as ready-made groups. Ids are recomputed from anchors, so members that did
not change keep their ids.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from ddss.linkage.link import (
    LinkageResult,
    _candidate_pairs,
    _cluster_all,
    _duplicate_issues,
    _finish,
    _steward_nodes,
)
from ddss.linkage.pair_pipeline import NODE, score_pairs
from ddss.linkage.records import prepare_records
from ddss.linkage.settings import LinkageSettings


def link_incremental(
    existing_members: pl.DataFrame,
    existing_links: pl.DataFrame,
    new_rows: pl.DataFrame,
    *,
    settings: LinkageSettings,
    id_secret: bytes,
    decisions: pl.DataFrame | None = None,
    keep_all_pairs: bool = False,
) -> LinkageResult:
    """Links for existing + new rows; `pairs` holds only the newly scored pairs (those worth
    keeping, or all of them with `keep_all_pairs`, as in `link_members`)."""
    if not settings.is_trained:
        raise ValueError("incremental linkage needs trained settings (LinkageResult.settings)")
    uid = settings.unique_id
    new_ids = new_rows.get_column(uid).implode()
    records = (
        prepare_records(pl.concat([existing_members, new_rows], how="diagonal_relaxed"), settings)
        .unique(uid, keep="last", maintain_order=True)
        .with_row_index(NODE)
        .join(existing_links.select(uid, "member_id", "person_id"), on=uid, how="left")
    )
    is_new = records.get_column(uid).is_in(new_ids)
    pairs, stats = _candidate_pairs(records, settings, new_mask=is_new)
    steward = _steward_nodes(decisions, records, uid)
    scored, settings, _ = score_pairs(records, pairs, settings, steward, keep_all=keep_all_pairs)

    def groups(col: str) -> pl.Series:
        node = pl.col(NODE).cast(pl.Int64)
        return records.select(
            pl.when(pl.col(col).is_null()).then(node).otherwise(node.min().over(col))
        ).to_series()

    clusters = _cluster_all(
        records,
        scored,
        settings,
        steward,
        member_groups=groups("member_id"),
        person_groups=groups("person_id"),
    )
    result = _finish(
        records.drop("member_id", "person_id"), scored, settings, clusters, id_secret, stats, None
    )
    result.summary["mode"] = "incremental"
    result.summary["new_rows"] = int(is_new.sum())
    if "duplicate_review" not in existing_links.columns:
        return result
    # review pairs among old rows were not rescored: keep their flag
    old_flag = existing_links.select(uid, pl.col("duplicate_review").alias("_old"))
    links = (
        result.links.join(old_flag, on=uid, how="left")
        .with_columns(duplicate_review=pl.col("duplicate_review") | pl.col("_old").fill_null(False))
        .with_columns(duplicate_issues=_duplicate_issues())
        .drop("_old")
    )
    return replace(result, links=links)
