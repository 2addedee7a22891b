"""Splink 5 (DuckDB backend) baseline on the same normalised fields as ddss, for the side-by-side.

Both tasks use the fields ddss uses, folded the same way (`ddss.names.name_key_expr`, then split
into surname / middle / given words), and blocking rules close to ddss's own:

* dedupe: `dedupe_only` over every member row; person clusters at `CLUSTER_THRESHOLD`; a
  within-org member is (person cluster, org), which is how ddss derives member_id too.
* population matching: `link_only` members → citizens; each member keeps its single most
  probable citizen at or above `MATCH_THRESHOLD`.

Training as Splink's docs recommend: the prior from a deterministic CCCD rule, u by random
sampling, m by EM on two blocking rules that each leave the other fields free.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.names import name_key_expr

CLUSTER_THRESHOLD = 0.9
MATCH_THRESHOLD = 0.9
U_MAX_PAIRS = 1e6
# Share of true pairs the CCCD rule alone finds (about a third of members lack a usable CCCD).
CCCD_RECALL = 0.65
SPLINK_MEMORY = "8GB"


@dataclass(frozen=True)
class SplinkRun:
    """Result frames plus counts; `pairs` is the number of scored candidate pairs."""

    frame: pl.DataFrame
    pairs: int


def splink_fields(frame: pl.DataFrame, uid: str) -> pl.DataFrame:
    """The comparison fields, identical for members and citizens."""
    key = name_key_expr("full_name")
    words = key.str.split(" ")
    return frame.select(
        pl.col(uid).alias("uid"),
        pl.col("org") if "org" in frame.columns else pl.lit(None, pl.String).alias("org"),
        key.alias("name_fold"),
        words.list.first().alias("surname_fold"),
        words.list.last().alias("given_fold"),
        words.list.slice(1, words.list.len() - 2).list.join(" ").alias("middle_fold"),
        pl.col("birth_date").cast(pl.String),
        pl.col("birth_year").cast(pl.Int32),
        "sex",
        pl.col("cccd").cast(pl.String),
        pl.col("commune_code").cast(pl.String),
        pl.col("province_code").cast(pl.String),
    )


def _comparisons() -> list:
    import splink.comparison_library as cl

    return [
        cl.JaroWinklerAtThresholds("given_fold", [0.95, 0.88]).configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("surname_fold", [0.95, 0.88]).configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("middle_fold", [0.9]),
        cl.LevenshteinAtThresholds("birth_date", [1, 2]),
        cl.ExactMatch("sex"),
        cl.ExactMatch("cccd"),
        cl.ExactMatch("commune_code"),
    ]


def _linker(frames: list[pl.DataFrame], link_type: str, blocking: list):
    from splink import DuckDBAPI, Linker, SettingsCreator

    logging.getLogger("splink").setLevel(logging.ERROR)
    import duckdb

    # Bounded like ddss's own stages: DuckDB's default limit (80 % of RAM) would spill late and
    # crowd the shared machine; SPLINK_MEMORY lets it spill to disk instead.
    # Spill files go to the system temp folder, not DuckDB's default `.tmp` in the working tree.
    spill = Path(tempfile.gettempdir()) / "ddss-bench-splink"
    config = {"memory_limit": SPLINK_MEMORY, "threads": 2, "temp_directory": str(spill)}
    db_api = DuckDBAPI(duckdb.connect(config=config))
    tables = [db_api.register(f.to_arrow(), table_name=f"t{i}") for i, f in enumerate(frames)]
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="uid",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    return Linker(tables if len(tables) > 1 else tables[0], settings, log_level=logging.ERROR)


def _train(linker, em_rules: list) -> None:
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match([block_on("cccd")], recall=CCCD_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


def _to_polars(splink_frame, columns: str) -> pl.DataFrame:
    return pl.from_arrow(splink_frame.as_duckdbpyrelation().select(columns).to_arrow_table())  # type: ignore[return-value]


def _rules(rules: list[tuple[str, ...]], place: bool) -> list:
    """`block_on` rules; with `place`, province_code joins every rule whose key has a fixed
    domain (the same change `bench.run_all --blocking place` makes to ddss)."""
    from splink import block_on

    linear = {"cccd", "commune_code", "province_code", "phone"}
    return [block_on(*r) if not place or linear & set(r) else block_on(*r, "province_code") for r in rules]


def splink_dedupe(members: pl.DataFrame, *, place: bool = False) -> SplinkRun:
    """Person clusters over all rows; returns (row_id, org, person_cluster, member_cluster)."""
    data = splink_fields(members, "row_id")
    blocking = _rules(
        [
            ("cccd",),
            ("org", "given_fold", "birth_year"),
            ("birth_date", "commune_code"),
            ("surname_fold", "given_fold", "birth_year"),
            ("given_fold", "birth_date"),
            ("name_fold", "commune_code"),
        ],
        place,
    )
    linker = _linker([data], "dedupe_only", blocking)
    _train(
        linker, _rules([("given_fold", "surname_fold", "birth_year"), ("birth_date", "commune_code")], place)
    )
    pred = linker.inference.predict(threshold_match_probability=0.5)
    pairs = pred.as_duckdbpyrelation().aggregate("count(*)").fetchall()[0][0]
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, CLUSTER_THRESHOLD)
    out = _to_polars(clusters, "uid, cluster_id").rename({"uid": "row_id", "cluster_id": "person_cluster"})
    out = out.join(members.select("row_id", "org"), on="row_id").with_columns(
        member_cluster=pl.format("{}|{}", "org", "person_cluster")
    )
    return SplinkRun(out, int(pairs))


def splink_match(members: pl.DataFrame, population: pl.DataFrame, *, place: bool = False) -> SplinkRun:
    """Best citizen per member at or above MATCH_THRESHOLD; returns (row_id, matched_cccd, p)."""
    left = splink_fields(members, "row_id")
    right = splink_fields(population.with_columns(pl.col("cccd").alias("_uid")), "_uid")
    blocking = _rules(
        [
            ("cccd",),
            ("name_fold", "birth_date"),
            ("name_fold", "birth_year", "sex"),
            ("given_fold", "surname_fold", "birth_date"),
            ("given_fold", "birth_date", "commune_code"),
        ],
        place,
    )
    linker = _linker([left, right], "link_only", blocking)
    _train(linker, _rules([("cccd",), ("name_fold", "birth_year")], place))
    pred = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD)
    scored = _to_polars(pred, "uid_l, uid_r, match_probability, source_dataset_l")
    pairs = scored.height
    # uid_l is the member when the left table is the members' (Splink orders sources by name)
    members_left = scored.filter(pl.col("source_dataset_l") == "t0")
    best = (
        members_left.sort("match_probability", descending=True)
        .unique("uid_l", keep="first")
        .select(pl.col("uid_l").alias("row_id"), pl.col("uid_r").alias("matched_cccd"), "match_probability")
    )
    return SplinkRun(best, pairs)
