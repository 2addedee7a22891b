"""Hard vetoes and the review band."""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest
from linkage_data import COLUMNS, make_members

from ddss.linkage import compare, default_settings
from ddss.linkage.decisions import decide, veto_expr

BASE = ("x", "hpn", "Nguyễn", "Thị", "Lan", "1980-05-12", "F", "001180001234", "0912345678", "01", "00004")


def _veto(**right: object) -> str | None:
    r = dict(zip(COLUMNS, BASE, strict=True)) | right | {"row_id": "r"}
    frame = make_members([("l", *BASE[1:]), tuple(r[c] for c in COLUMNS)])
    pairs = pl.DataFrame({"row_id_l": ["l"], "row_id_r": ["r"]})
    settings = default_settings()
    return compare(frame, frame, pairs, settings).select(veto_expr(settings)).item()


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        ({}, None),
        # DOMAIN.md "CCCD": a CCCD identifies one person, two different valid ones veto
        ({"cccd": "079190555555"}, "veto"),
        # a one-digit typo with everything else agreeing is a typo: review, not veto
        ({"cccd": "001180001235"}, "review"),
        ({"cccd": "001180002134"}, "review"),
        # ... but not when the birth date also differs
        ({"cccd": "001180001235", "birth_date": "1981-02-03"}, "veto"),
        ({"sex": "M"}, "veto"),
        ({"birth_date": "1985-05-12"}, "veto"),  # birth years more than 2 apart
        ({"birth_date": "1982-05-12"}, None),
        ({"cccd": None, "sex": None}, None),  # missing values never veto
    ],
)
def test_vetoes(right: dict, expected: str | None) -> None:
    assert _veto(**right) == expected


@pytest.mark.parametrize(
    ("threshold", "cost", "probability", "decision"),
    [
        # the trained threshold decides when the false-merge-cost floor is lower
        (0.95, 6.0, 0.96, "accept"),
        # a data-chosen threshold of 0.7 is raised to 6/7: a 3-to-1 pair is not merged alone
        (0.7, 6.0, 0.8, "review"),
        (0.7, 6.0, 0.9, "accept"),
        (0.7, 0.0, 0.8, "accept"),  # floor off
        (0.7, 6.0, 0.01, "reject"),
    ],
)
def test_false_merge_cost_floor(threshold: float, cost: float, probability: float, decision: str) -> None:
    settings = replace(default_settings(), threshold=threshold, false_merge_cost=cost)
    frame = make_members([("l", *BASE[1:]), ("r", *BASE[1:])])
    pairs = compare(frame, frame, pl.DataFrame({"row_id_l": ["l"], "row_id_r": ["r"]}), settings)
    weight = math.log2(probability / (1 - probability))
    scored = pairs.with_columns(match_probability=pl.lit(probability), match_weight=pl.lit(weight))
    assert decide(scored, settings).get_column("decision").item() == decision
    assert settings.accept_probability == pytest.approx(max(threshold, cost / (1 + cost)))
