"""Đối soát: link each member to the population file by CCCD, or by search where it has none.

The search path fans out: the plan step runs the exact path and saves what every batch
needs, one step per batch of org × province units scores its members (in its own process
on the multiprocess executor, its own pod on Kubernetes), and the finish step resolves
conflicts over all of them. The result is the one-process result (tests/domain/reconcile/
test_plan.py); the batches are what a larger deployment spreads over machines.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

from assets._metadata import counts_json, stage_metadata
from assets.settings import DdssSettings
from ddss.config import private_dir
from ddss.frames import load_frames, save_frames
from ddss.reconcile import (
    ReconcilePlan,
    batch_numbers,
    batch_side,
    prepare_plan_search,
    search_batches,
    search_plan,
)
from ddss.reconcile.linked import finish_linked, linked_settings, plan_linked
from ddss.reconcile.search import PreparedSearch

_PLAN = "plan"
_SEARCH = "search"
_BATCHES = "batches.parquet"


def _run_dir(settings: DdssSettings, run_id: str) -> Path:
    """Per-run hand-over folder (owner-only: the plan holds personal data)."""
    return private_dir(settings.paths.stages / "_reconcile") / run_id


@dg.op(
    out={"plan_dir": dg.Out(str), "batch": dg.DynamicOut(int)},
    description="Exact path by CCCD, the members left to search for, and their org × province batches.",
)
def reconcile_plan(
    context: dg.OpExecutionContext,
    settings: DdssSettings,
    members_normalised: pl.DataFrame,
    member_links: pl.DataFrame,
    linkage_model: dict,
    population: pl.LazyFrame,
    steward_decisions: pl.DataFrame,
) -> Iterator[dg.Output | dg.DynamicOutput]:
    plan = plan_linked(
        members_normalised, member_links, population, linkage_model=linkage_model, decisions=steward_decisions
    )
    folder = _run_dir(settings, context.run_id)
    save_frames(plan, folder / _PLAN)
    # the citizen index is built once here; batches only read it
    prepare_plan_search(plan, population, settings=linked_settings(linkage_model)).save(folder / _SEARCH)
    batches = search_batches(plan, settings.search_batch_rows)
    batches.write_parquet(folder / _BATCHES)
    context.log.info(
        f"đối soát plan: {plan.search_side.height} rows to search in {batches.height} org × province "
        f"units, {batches['batch'].n_unique()} batches"
    )
    yield dg.Output(str(folder), "plan_dir", metadata={"units": batches.height})
    for batch in batch_numbers(batches):
        yield dg.DynamicOutput(int(batch), output_name="batch", mapping_key=f"batch_{batch:04d}")


@dg.op(description="Search-path pairs for one batch of org × province units, scored.")
def reconcile_batch(
    context: dg.OpExecutionContext,
    settings: DdssSettings,
    plan_dir: str,
    batch: int,
    linkage_model: dict,
) -> str:
    folder = Path(plan_dir)
    plan = load_frames(ReconcilePlan, folder / _PLAN)
    prepared = PreparedSearch.load(folder / _SEARCH)
    batches = pl.read_parquet(folder / _BATCHES)
    members = batch_side(plan, batches, batch)
    units = batches.filter(pl.col("batch") == batch)
    context.log.info(
        f"batch {batch}: {members.height} rows, units {units.select('org', 'province_code').rows()}"
    )
    scored = search_plan(plan, prepared, members, settings=linked_settings(linkage_model))
    path = folder / f"scored_{batch:04d}.parquet"
    scored.write_parquet(path)
    return str(path)


@dg.op(
    out={
        "member_matches": dg.Out(pl.DataFrame),
        "match_candidates": dg.Out(pl.DataFrame),
        "cccd_corrections": dg.Out(pl.DataFrame),
    },
    description="Conflicts between claimants, candidates for stewards, CCCD corrections, decisions.",
)
def reconcile_finish(
    plan_dir: str, scored: list[str], linkage_model: dict, population: pl.LazyFrame
) -> Iterator[dg.Output]:
    folder = Path(plan_dir)
    plan = load_frames(ReconcilePlan, folder / _PLAN)
    pairs = pl.concat([pl.read_parquet(p) for p in scored])  # batch_numbers: never empty
    result = finish_linked(plan, pairs, population, linkage_model=linkage_model)
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
    shutil.rmtree(folder)  # after the outputs are stored: a failed store can be retried


@dg.graph_multi_asset(
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
):
    plan_dir, batches = reconcile_plan(
        members_normalised, member_links, linkage_model, population, steward_decisions
    )
    scored = batches.map(lambda b: reconcile_batch(plan_dir, b, linkage_model)).collect()
    matches, candidates, corrections = reconcile_finish(plan_dir, scored, linkage_model, population)
    return {"member_matches": matches, "match_candidates": candidates, "cccd_corrections": corrections}
