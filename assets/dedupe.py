"""Deduplicate within each org (member_id) and link the same person across orgs (person_id)."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets._metadata import counts_json, stage_metadata
from assets.settings import DdssSettings
from ddss.linkage import link_members


@dg.multi_asset(
    outs={
        "member_links": dg.AssetOut(
            description="One row per accepted input row: member_id (same person in the same org), "
            "person_id (same person across orgs), whether the row is a duplicate.",
            kinds={"polars"},
        ),
        "linkage_model": dg.AssetOut(
            description="The trained comparison model (m/u per level, prior, thresholds) as JSON: "
            "numbers and column names only; đối soát scores with it too.",
            kinds={"json"},
        ),
        "linkage_pairs": dg.AssetOut(
            description="One row per scored candidate pair: blocking rule, comparison levels, "
            "weights, match probability and decision (the explanation of every link).",
            kinds={"polars"},
        ),
    },
    group_name="dedupe",
)
def member_linkage(
    settings: DdssSettings, members_normalised: pl.DataFrame, steward_decisions: pl.DataFrame
) -> Iterator[dg.Output]:
    duplicate_decisions = steward_decisions.filter(pl.col("kind") == "duplicate")
    result = link_members(members_normalised, id_secret=settings.id_secret(), decisions=duplicate_decisions)
    yield dg.Output(
        result.links,
        "member_links",
        metadata=stage_metadata(result.links, extra={"summary": counts_json(result.summary)}),
    )
    yield dg.Output(result.settings.to_dict(), "linkage_model")
    yield dg.Output(result.pairs, "linkage_pairs", metadata=stage_metadata(result.pairs))
