"""End to end: generated messy spreadsheets → the real Dagster job → both DuckDB files, scored
against the generator's truth. Fails when quality drops below the floors recorded here."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from ddss.synth import generate
from ddss.synth.score import (
    conservation,
    load_truth,
    match_quality,
    normalisation_accuracy,
    pairwise_f1,
    with_truth,
)
from pipelines.runner import run_pipeline

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-25"


@dataclass(repr=False)  # never print member data in a failure report
class Run:
    data: Path
    result: dg.ExecuteInProcessResult
    members: pl.DataFrame
    rejected_rows: pl.DataFrame
    rejected_files: pl.DataFrame
    metrics: pl.DataFrame
    truth: pl.DataFrame


def _read(db: Path, query: str) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(query).pl()
    finally:
        con.close()


def _snapshot(data: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    members_db, metrics_db = data / "clean" / "members.duckdb", data / "clean" / "metrics.duckdb"
    return (
        _read(members_db, "select * from members order by source_file, source_sheet, source_row"),
        _read(members_db, "select * from rejected_rows order by source_file, source_sheet, source_row"),
        _read(members_db, "select * from rejected_files order by source_file"),
        _read(metrics_db, "select * from ddss_metrics_latest"),
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    data = tmp_path_factory.mktemp("e2e")
    generate(data, members=4000, seed=20261125, profile="standard")
    instance = dg.DagsterInstance.local_temp(str(tmp_path_factory.mktemp("dagster_home")))
    result = run_pipeline(data, as_of=AS_OF, instance=instance)
    members, rejected_rows, rejected_files, metrics = _snapshot(data)
    yield Run(data, result, members, rejected_rows, rejected_files, metrics, load_truth(data))
    instance.dispose()


def test_run_succeeds_with_every_check_passing(run: Run) -> None:
    assert run.result.success
    evaluations = [
        e.event_specific_data for e in run.result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert len(evaluations) >= 7
    assert [ev.check_name for ev in evaluations if not ev.passed] == []


def test_outputs_keep_to_the_contract(run: Run) -> None:
    checker = ROOT.parent / "shared" / "tools" / "check_contract.py"
    out = subprocess.run([sys.executable, str(checker), str(run.data)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_every_written_row_is_accepted_or_rejected_exactly_once(run: Run) -> None:
    figures = conservation(run.members, run.rejected_rows, run.truth)
    assert figures["lost"] == 0
    assert figures["in_both"] == 0
    assert figures["accepted_not_in_truth"] == 0


def test_broken_files_are_quarantined_with_their_reason(run: Run) -> None:
    expected = pl.read_parquet(run.data / "truth" / "rejected_files.parquet")
    got = run.rejected_files.select("source_file", "reason")
    assert (
        expected.select("source_file", "reason")
        .sort("source_file")
        .equals(got.join(expected.select("source_file"), on="source_file", how="semi").sort("source_file"))
    )


def test_normalisation_against_truth(run: Run) -> None:
    acc = normalisation_accuracy(with_truth(run.members, run.truth))
    assert acc["name"] >= 0.995
    assert acc["birth_date"] >= 0.995
    assert acc["birth_year"] >= 0.995
    assert acc["sex"] >= 0.99
    assert acc["cccd_recoverable"] == 1.0
    assert acc["cccd_unrecoverable_repaired"] == 0


def test_rows_entered_per_org_equal_truth(run: Run) -> None:
    truth_rows = run.truth.group_by("org").len().rename({"len": "rows_entered"}).sort("org")
    national = run.metrics.filter((pl.col("level") == "national") & (pl.col("org") != "*"))
    got = national.select("org", pl.col("rows_entered").cast(pl.UInt32)).sort("org")
    assert got.equals(truth_rows)


def test_headline_counts_equal_an_independent_count(run: Run) -> None:
    """members and with_cccd recomputed from the members table with plain SQL."""
    star = run.metrics.filter((pl.col("level") == "national") & (pl.col("org") == "*")).row(0, named=True)
    counts = (
        pl.SQLContext(m=run.members)
        .execute(
            """select count(*) as rows_entered,
                  count(distinct org || member_id) as members,
                  count(distinct case when cccd_status in ('valid', 'repaired') then org || member_id end)
                      as with_cccd
           from m""",
            eager=True,
        )
        .row(0, named=True)
    )
    assert star["rows_entered"] == counts["rows_entered"]
    assert star["members"] == counts["members"]
    assert star["with_cccd"] == counts["with_cccd"]
    assert star["pct_with_cccd"] == round(100 * counts["with_cccd"] / counts["members"], 2)


def test_share_with_cccd_is_close_to_truth(run: Run) -> None:
    truth_members = run.truth.group_by("org", "true_member_key").agg(
        pl.col("cccd_status").is_in(["valid", "repaired"]).any().alias("has")
    )
    truth_pct = 100 * truth_members["has"].mean()
    star = run.metrics.filter((pl.col("level") == "national") & (pl.col("org") == "*"))
    assert abs(star["pct_with_cccd"][0] - truth_pct) < 1.5


def test_deduplication_and_linkage_against_truth(run: Run) -> None:
    joined = with_truth(run.members, run.truth)
    within = pairwise_f1(joined, "member_id", "true_true_member_key")
    across = pairwise_f1(joined, "person_id", "true_person_id")
    # Floors a little under today's figures on this seed (0.996 / 0.993 F1, precision 1.0).
    assert within["precision"] >= 0.99 and within["f1"] >= 0.98
    assert across["precision"] >= 0.99 and across["f1"] >= 0.975


def test_reconcile_against_truth(run: Run) -> None:
    quality = match_quality(with_truth(run.members, run.truth))
    assert quality["precision"] >= 0.999
    assert quality["false_match_rate"] <= 0.001
    assert quality["recall"] >= 0.97


def test_rerun_on_the_same_input_gives_identical_tables(run: Run, tmp_path: Path) -> None:
    instance = dg.DagsterInstance.local_temp(str(tmp_path))
    again = run_pipeline(run.data, as_of=AS_OF, instance=instance)
    assert again.success
    members, rejected_rows, rejected_files, metrics = _snapshot(run.data)
    assert _differing_columns(members, run.members) == []
    assert _differing_columns(rejected_rows, run.rejected_rows) == []
    assert _differing_columns(rejected_files, run.rejected_files) == []
    assert _differing_columns(metrics, run.metrics) == []


def _differing_columns(a: pl.DataFrame, b: pl.DataFrame) -> list[str]:
    """Names of columns whose values differ (a failure report must not print member data)."""
    if a.columns != b.columns or a.height != b.height:
        return ["<shape>"]
    return [c for c in a.columns if not a[c].equals(b[c])]
