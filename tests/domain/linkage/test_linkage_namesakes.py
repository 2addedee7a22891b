"""Namesakes: one term-frequency adjustment on the whole name, and birth-date conflicts."""

from __future__ import annotations

import math

import polars as pl
import pytest
from linkage_data import make_members

from ddss.linkage import LevelWeight, compare, default_settings, level_labels, link_members, score
from ddss.linkage.decisions import REVIEW, decide, veto_expr

BASE = ("x", "hpn", "Nguyễn", "Thị", "Lan", "1980-05-12", "F", None, None, "01", "00004")


def _trained(**changes: object):
    """Hand-set m/u so the tests do not depend on EM: top level strong, else strong against."""
    base = default_settings()
    weights = []
    for spec in base.comparisons:
        labels = level_labels(spec)
        top = max(labels)
        for gamma, label in labels.items():
            if gamma == -1:
                continue
            m, u = (0.9, 0.01) if gamma >= top - 1 else (0.02, 0.9) if gamma == 0 else (0.3, 0.1)
            weights.append(LevelWeight(spec.name, gamma, label, m, u))
    trained = base.with_training(weights=tuple(weights), prior=1e-4, threshold=0.9, tf_u=())
    return trained.__class__(**{**trained.__dict__, **changes})


def _frame(copies_of_name: int, right: dict | None = None) -> pl.DataFrame:
    """Pair l/r plus `copies_of_name` other people sharing the full name (other org, year)."""
    rows = [("l", *BASE[1:]), ("r", *BASE[1:])]
    if right:
        cols = ["org", "surname", "middle_name", "given_name", "birth_date", "sex", "cccd", "phone"]
        r = dict(zip(cols, BASE[1:9], strict=True)) | right
        rows[1] = ("r", *(r[c] for c in cols), *BASE[9:])
    rows += [
        (f"o{i}", "ccb", "Nguyễn", "Thị", "Lan", "1950-01-01", "F", None, None, "02", "00999")
        for i in range(copies_of_name)
    ]
    # unrelated names so that frequencies are relative to a population
    rows += [
        (f"z{i}", "ccb", "Trần", "Văn", f"Tên{i}", "1960-01-01", "M", None, None, "02", "00998")
        for i in range(50)
    ]
    return make_members(rows)


def _scored(frame: pl.DataFrame, **changes: object) -> pl.DataFrame:
    settings = _trained(**changes)
    pairs = pl.DataFrame({"row_id_l": ["l"], "row_id_r": ["r"]})
    return score(compare(frame, frame, pairs, settings), settings)


def test_full_name_adjustment_replaces_the_parts_adjustments():
    out = _scored(_frame(0), full_name_tf_max_bits=30.0)
    # DOMAIN.md "Names": gendered middle/given names; the parts are not counted separately
    assert out["mw_tf_given_name"].item() == 0.0
    assert out["mw_tf_surname"].item() == 0.0
    assert out["mw_tf_middle_name"].item() == 0.0
    # u of each part's two top levels (0.01 + 0.01), three parts; the name is held by 1 other
    n = out["tf_full_name"].item()
    assert n == pytest.approx(1 / 52)
    assert out["mw_tf_full_name"].item() == pytest.approx(3 * math.log2(0.02) - math.log2(n))


@pytest.mark.parametrize(("common", "rare"), [(30, 0), (4, 1)])
def test_a_common_full_name_weighs_less_than_a_rare_one(common: int, rare: int):
    wide = {"full_name_tf_max_bits": 30.0}
    assert (
        _scored(_frame(common), **wide)["match_weight"].item()
        < _scored(_frame(rare), **wide)["match_weight"].item()
    )


def test_full_name_adjustment_off_keeps_the_parts():
    out = _scored(_frame(5), full_name_tf=None)
    assert "mw_tf_full_name" not in out.columns


def test_other_given_name_gets_no_full_name_adjustment():
    out = _scored(_frame(5, {"given_name": "Hoa"}))
    assert out["mw_tf_full_name"].item() == 0.0


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        # two full birth dates, same year, different day: two namesakes, never auto-merged
        ({"birth_date": "1980-09-23"}, REVIEW),
        ({"birth_date": "1981-02-03"}, REVIEW),
        # ... unless an identical CCCD vouches for the pair (DOMAIN.md "CCCD": one person)
        ({"birth_date": "1980-09-23", "cccd": "001180001234", "_l_cccd": "001180001234"}, "accept"),
        # a one-digit typo or a day/month swap is the same date mistyped
        ({"birth_date": "1980-05-13"}, "accept"),
        ({"birth_date": "1980-12-05"}, "accept"),
    ],
)
def test_birth_date_conflict_goes_to_review(right: dict, expected: str):
    left_cccd = right.pop("_l_cccd", None)
    frame = _frame(0, right)
    if left_cccd:
        frame = frame.with_columns(
            cccd=pl.when(pl.col("row_id") == "l").then(pl.lit(left_cccd)).otherwise("cccd")
        )
    settings = _trained(threshold=1e-6)  # any score is above the threshold
    pairs = pl.DataFrame({"row_id_l": ["l"], "row_id_r": ["r"]})
    decided = decide(score(compare(frame, frame, pairs, settings), settings), settings)
    assert decided["decision"].item() == expected


@pytest.mark.parametrize(
    ("codes_r", "expected"),
    [
        ([], "veto"),  # two recorded sexes that differ: a hard veto
        # a sex guessed from a blank "Nữ" cell or a Văn/Thị middle name is flagged for checking
        # by the normaliser (DOMAIN.md "Names": gendered middle names): it scores, never vetoes
        (["sex_from_unmarked_column"], None),
        (["sex_hint_from_middle_name"], None),
        (["sex_from_cccd"], "veto"),  # read from the CCCD itself: trusted
    ],
)
def test_guessed_sex_does_not_veto(codes_r: list[str], expected: str | None):
    frame = _frame(0, {"sex": "M"}).with_columns(
        issues=pl.when(pl.col("row_id") == "r")
        .then(pl.lit(codes_r, dtype=pl.List(pl.String)))
        .otherwise(pl.lit([], dtype=pl.List(pl.String)))
    )
    settings = _trained()
    pairs = pl.DataFrame({"row_id_l": ["l"], "row_id_r": ["r"]})
    assert compare(frame, frame, pairs, settings).select(veto_expr(settings)).item() == expected


@pytest.mark.parametrize(
    ("codes_l", "merged"),
    [
        ([], False),  # two different valid CCCDs: two people (DOMAIN.md "CCCD")
        # the left number contradicts its own row (encoded birth year, DOMAIN.md "CCCD"):
        # someone else's number; name, full date and sex agree, so the rows are one person
        (["cccd_birth_year_mismatch"], True),
    ],
)
def test_suspect_cccd_does_not_split_an_otherwise_identical_pair(codes_l: list[str], merged: bool):

    frame = (
        _frame(0)
        .with_columns(
            cccd=pl.when(pl.col("row_id") == "l")
            .then(pl.lit("001190001234"))
            .when(pl.col("row_id") == "r")
            .then(pl.lit("001180005678")),
            phone=pl.when(pl.col("row_id").is_in(["l", "r"])).then(pl.lit("0912345678")),
            issues=pl.when(pl.col("row_id") == "l")
            .then(pl.lit(codes_l, dtype=pl.List(pl.String)))
            .otherwise(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns(
            cccd_status=pl.when(pl.col("cccd").is_null()).then(pl.lit("missing")).otherwise(pl.lit("valid"))
        )
    )
    links = link_members(frame, settings=_trained(), id_secret=b"t").links
    ids = links.filter(pl.col("row_id").is_in(["l", "r"]))["member_id"]
    assert (ids.n_unique() == 1) is merged
