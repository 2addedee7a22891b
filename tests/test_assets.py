"""Assets materialised with `dg.materialize` on a temp folder: metadata counts and checks."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg

from assets.ingest import ingest
from assets.normalise import members_normalised
from checks.conservation import rows_are_conserved
from checks.contract import CONTRACT_CHECKS
from ddss.synth import generate
from pipelines.resources import default_resources


def test_ingest_and_normalise_one_org_partition(tmp_path: Path) -> None:
    data = tmp_path / "data"
    summary = generate(data, members=300, seed=5)
    org = "hoi-phu-nu"
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("org", [org])
    normalised_check = next(c for c in CONTRACT_CHECKS if "members_normalised" in str(c.check_keys))
    result = dg.materialize(
        [ingest, members_normalised, rows_are_conserved, normalised_check],
        instance=instance,
        partition_key=org,
        resources=default_resources(str(data)),
    )
    assert result.success
    rows = result.asset_materializations_for_node("ingest")
    by_key = {m.asset_key.to_user_string(): m.metadata for m in rows}
    accepted = by_key["member_rows"]["dagster/row_count"].value
    assert 0 < accepted < summary.member_rows  # one org of five
    assert by_key["member_rows"]["files_read"].value >= 1
    normalised = result.asset_materializations_for_node("members_normalised")[0].metadata
    assert normalised["dagster/row_count"].value == accepted
    assert "issues_by_code" in normalised
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["rows_are_conserved"].passed
    assert checks["rows_are_conserved"].metadata["rows_accepted"].value == accepted
    assert checks["members_normalised_matches_contract"].passed
    # metadata holds counts and codes, never a member's value (no CCCD/CMND-like digit runs)
    text = str({k: v.value for k, v in normalised.items()})
    assert not re.search(r"\d{9,}", text)
