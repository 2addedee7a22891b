"""đối soát fanned out by org × province gives the answer of one run (the plan survives a
trip through files, as it does between Dagster steps)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from ddss.frames import load_frames, save_frames
from ddss.ingest import ingest_tree
from ddss.linkage import LinkageSettings, link_members
from ddss.normalise import normalise_members
from ddss.reconcile import (
    ReconcilePlan,
    ReconcileSettings,
    batch_numbers,
    batch_side,
    finish_reconcile,
    load_population,
    plan_reconcile,
    prepare_plan_search,
    reconcile_members,
    search_batches,
    search_plan,
)
from ddss.reconcile.exact import usable_cccd_expr
from ddss.reconcile.search import PreparedSearch
from ddss.synth import generate


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame, ReconcileSettings]:
    """1,500 hard-profile members (several orgs and provinces), deduplicated, and their population."""
    data = tmp_path_factory.mktemp("synth")
    generate(data, members=1_500, seed=11, profile="hard", formats="csv")
    members = normalise_members(ingest_tree(data / "raw").member_rows).frame
    links = link_members(members, id_secret=b"k" * 32)
    with_ids = members.hstack(links.links.select("member_id", "person_id"))
    population = load_population(sorted((data / "raw" / "population").glob("*.csv")))
    population = population.collect() if isinstance(population, pl.LazyFrame) else population
    settings = ReconcileSettings(linkage=LinkageSettings.from_dict(links.settings.to_dict()))
    return with_ids, population, settings


def test_batches_pack_whole_org_province_units(linked):
    members, population, settings = linked
    plan = plan_reconcile(members, population, settings=settings)
    batches = search_batches(plan, max_rows=40)
    assert batches.select("org", "province_code").is_duplicated().sum() == 0  # a unit is in one batch
    assert batches["rows"].sum() == plan.search_side.height
    assert batches["batch"].n_unique() > 3
    assert batches["batch"].to_list() == sorted(batches["batch"].to_list())  # packed in key order
    one = search_batches(plan, max_rows=10**9)
    assert one["batch"].unique().to_list() == [0]


def test_fanned_out_run_equals_one_run(linked, tmp_path: Path):
    members, population, settings = linked
    whole = reconcile_members(members, population, settings=settings)

    plan = plan_reconcile(members, population, settings=settings)
    save_frames(plan, tmp_path / "plan")
    prepare_plan_search(plan, population, settings=settings).save(tmp_path / "search")
    plan = load_frames(ReconcilePlan, tmp_path / "plan")
    prepared = PreparedSearch.load(tmp_path / "search")
    batches = search_batches(plan, max_rows=60)
    scored = [
        search_plan(plan, prepared, batch_side(plan, batches, b), settings=settings)
        for b in reversed(batch_numbers(batches))  # any order
    ]
    fanned = finish_reconcile(plan, pl.concat(scored), population, settings=settings)

    assert whole.matches["match_status"].value_counts().height >= 3
    assert whole.candidates.height > 0
    assert fanned.matches.equals(whole.matches)
    assert fanned.candidates.equals(whole.candidates)
    assert fanned.corrections.equals(whole.corrections)
    assert fanned.summary == whole.summary


def test_nothing_to_search_still_runs_one_empty_batch(linked):
    members, population, settings = linked
    usable = members.filter(usable_cccd_expr())
    whole = reconcile_members(usable, population, settings=settings)
    plan = plan_reconcile(usable, population, settings=settings)
    plan = replace(plan, search_side=plan.search_side.clear(), vouched=plan.vouched.clear())
    batches = search_batches(plan, max_rows=60)

    assert batches.is_empty() and batch_numbers(batches) == [0]
    prepared = prepare_plan_search(plan, population, settings=settings)
    scored = search_plan(plan, prepared, batch_side(plan, batches, 0), settings=settings)
    finished = finish_reconcile(plan, scored, population, settings=settings)
    assert finished.matches.height == usable.height
    # only the search path is skipped: CCCD matches are those of the full run
    matched = pl.col("match_status") == "matched"
    assert finished.matches.filter(matched)["row_id"].equals(whole.matches.filter(matched)["row_id"])
