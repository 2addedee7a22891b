"""Run the pipeline's domain stages without Dagster on one data folder (benchmarks, tuning).

    python -m bench.stages DATA_DIR        # prints quality against DATA_DIR/truth

The Dagster assets call exactly these functions; this runner only strings them together.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.ingest import ingest_tree
from ddss.linkage import link_members
from ddss.members import assemble_members
from ddss.normalise import normalise_members
from ddss.reconcile import load_population
from ddss.reconcile.linked import reconcile_linked
from ddss.synth.score import (
    conservation,
    load_truth,
    match_quality,
    normalisation_accuracy,
    pairwise_f1,
    with_truth,
)


@dataclass
class StageOutputs:
    member_rows: pl.DataFrame
    rejected_rows: pl.DataFrame
    normalised: pl.DataFrame
    members: pl.DataFrame
    seconds: dict[str, float]


def run_stages(data_dir: Path) -> StageOutputs:
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    ingested = ingest_tree(data_dir / "raw")
    seconds["ingest"] = time.perf_counter() - t
    t = time.perf_counter()
    normalised = normalise_members(ingested.member_rows).frame
    seconds["normalise"] = time.perf_counter() - t
    t = time.perf_counter()
    linked = link_members(normalised, id_secret=b"bench-secret")
    seconds["dedupe"] = time.perf_counter() - t
    t = time.perf_counter()
    pop_files = sorted(
        p for p in (data_dir / "raw" / "population").glob("*") if p.suffix in {".parquet", ".csv"}
    )
    population = load_population(pop_files).collect()
    matched = reconcile_linked(
        normalised, linked.links, population, linkage_model=linked.settings.to_dict(), decisions=None
    )
    seconds["reconcile"] = time.perf_counter() - t
    members = assemble_members(normalised, linked.links, matched.matches)
    return StageOutputs(ingested.member_rows, ingested.rejected_rows, normalised, members, seconds)


def quality_report(data_dir: Path, out: StageOutputs) -> dict[str, dict]:
    truth = load_truth(data_dir)
    joined = with_truth(out.members, truth)
    return {
        "conservation": conservation(out.members, out.rejected_rows, truth),
        "normalisation": normalisation_accuracy(joined),
        "dedupe_within_org": pairwise_f1(joined, "member_id", "true_true_member_key"),
        "link_across_orgs": pairwise_f1(joined, "person_id", "true_person_id"),
        "reconcile": match_quality(joined),
        "seconds": out.seconds,
    }


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    for section, figures in quality_report(folder, run_stages(folder)).items():
        print(section, {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()})
