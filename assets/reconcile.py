"""Đối soát: link each member to the population file by CCCD, or by search where it has none."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets._metadata import counts_json, stage_metadata
from ddss.reconcile.linked import reconcile_linked


@dg.multi_asset(
    outs={
        "member_matches": dg.AssetOut(
            description="One row per accepted input row: match_status, matched_cccd, match_score "
            "and the fields that disagree with the citizen's record.",
            kinds={"polars"},
        ),
        "match_candidates": dg.AssetOut(
            description="Up to three candidate citizens per member not matched for sure, for stewards.",
            kinds={"polars"},
        ),
        "cccd_corrections": dg.AssetOut(
            description="Suggested CCCD corrections (one digit or one transposition away from a "
            "citizen whose details agree); never applied without a steward.",
            kinds={"polars"},
        ),
    },
    group_name="reconcile",
)
def member_reconciliation(
    members_normalised: pl.DataFrame,
    member_links: pl.DataFrame,
    linkage_model: dict,
    population: pl.DataFrame,
    steward_decisions: pl.DataFrame,
) -> Iterator[dg.Output]:
    result = reconcile_linked(
        members_normalised,
        member_links,
        population,
        linkage_model=linkage_model,
        decisions=steward_decisions,
    )
    statuses = dict(result.matches.group_by("match_status").len().iter_rows())
    yield dg.Output(
        result.matches,
        "member_matches",
        metadata={
            **stage_metadata(result.matches, extra={"summary": counts_json(result.summary)}),
            "match_status": counts_json(statuses),
        },
    )
    yield dg.Output(result.candidates, "match_candidates", metadata=stage_metadata(result.candidates))
    yield dg.Output(result.corrections, "cccd_corrections", metadata=stage_metadata(result.corrections))
