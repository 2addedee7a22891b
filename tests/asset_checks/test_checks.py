"""Each asset check fails on the bad data it exists to stop (called directly, as Dagster allows)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from checks.conservation import rows_are_conserved
from checks.contract import CONTRACT_CHECKS
from ddss.metrics_checks import rollup_mismatches

CHECKS = {
    c.check_specs_by_output_name[next(iter(c.check_specs_by_output_name))].name: c for c in CONTRACT_CHECKS
}


def _member(**overrides: object) -> dict:
    row = {
        "source_file": "hoi-phu-nu/a.xlsx",
        "source_sheet": "S1",
        "source_row": 8,
        "org": "hoi-phu-nu",
        "province_code": "01",
        "commune_code": "00004",
        "full_name": "Nguyễn Thị Hòa",
        "birth_date": dt.date(1990, 5, 1),
        "birth_year": 1990,
        "sex": "F",
        "cccd": "001190000001",
        "cccd_status": "valid",
        "member_id": "M1",
        "person_id": "P1",
        "match_status": "matched",
        "matched_cccd": "001190000001",
        "match_score": 1.0,
        "issues": [],
    }
    row.update(overrides)
    return row


def _members(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows)).with_columns(pl.col("birth_year").cast(pl.Int32))


def test_member_contract_passes_a_good_row() -> None:
    assert CHECKS["members_matches_contract"](_members(_member())).passed


def test_member_contract_rejects_values_outside_the_contract() -> None:
    bad = _members(_member(cccd_status="maybe"), _member(source_row=9, cccd="12345"))
    result = CHECKS["members_matches_contract"](bad)
    assert not result.passed
    assert result.metadata["failing_rows"].value >= 2


def test_member_contract_rejects_a_cccd_kept_with_an_unusable_status() -> None:
    assert not CHECKS["members_matches_contract"](_members(_member(cccd_status="invalid"))).passed


def test_member_contract_rejects_repeated_provenance() -> None:
    assert not CHECKS["members_matches_contract"](_members(_member(), _member(member_id="M2"))).passed


def test_contract_check_metadata_never_holds_values() -> None:
    bad = _members(_member(full_name="Nguyễn Thị Hòa", cccd="123"))
    text = str({k: v.value for k, v in CHECKS["members_matches_contract"](bad).metadata.items()})
    assert "123" not in text and "Hòa" not in text


def test_conservation_fails_when_a_row_is_lost_or_doubled() -> None:
    sheet = pl.DataFrame({"source_file": ["o/a.xlsx"], "source_sheet": ["S"], "data_rows": [3]})
    accepted = pl.DataFrame(
        {"source_file": ["o/a.xlsx"] * 2, "source_sheet": ["S"] * 2, "source_row": [5, 6]}
    )
    rejected = pl.DataFrame({"source_file": ["o/a.xlsx"], "source_sheet": ["S"], "source_row": [7]})
    assert rows_are_conserved(accepted, rejected, sheet).passed
    assert not rows_are_conserved(accepted.head(1), rejected, sheet).passed
    doubled = pl.DataFrame({"source_file": ["o/a.xlsx"], "source_sheet": ["S"], "source_row": [6]})
    assert not rows_are_conserved(accepted, doubled, sheet).passed


def test_rollup_rule_finds_provinces_that_do_not_add_up() -> None:
    snap = pl.DataFrame(
        {
            "org": ["a", "a", "a", "*", "*", "*"],
            "level": ["national", "province", "province"] * 2,
            "rows_entered": [10, 6, 4, 10, 6, 3],
            "members": [9, 5, 4, 9, 5, 4],
        }
    )
    problems = rollup_mismatches(snap)
    assert {"rule": "provinces_sum_to_national", "org": "*", "column": "rows_entered"} in problems
    assert all(p["org"] == "*" for p in problems)
