"""Evidence from the member's own cluster, chunked search, and the not-found rule.

DOMAIN.md "Spreadsheet layouts": the same person is sent in several rows and orgs, dates
often year only or blank, so one row may hold the CCCD another lacks. DOMAIN.md "CCCD": a
well-formed number the extract lacks points to someone outside it (a typo is one keystroke
away and becomes a correction suggestion instead).
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from reconcile_data import make_members, population_lf

from ddss.reconcile import ReconcileSettings, reconcile_members
from ddss.reconcile.accept import sure_pairs
from ddss.reconcile.exact import member_side
from ddss.reconcile.search import cluster_pairs, search_pairs

# Two citizens share name, date and commune (079190000006/7 differ by commune only); this
# one is the only "Đặng Thị Hạnh" born 1970 in commune 26734.
HANH = {"full_name": "Đặng Thị Hạnh", "sex": "F", "province_code": "79", "commune_code": "26734"}


@pytest.mark.parametrize(
    ("anchors", "expected"),
    [
        # the person's other row is matched to one citizen: that citizen is a candidate
        ([("p1", "079170000008")], [("r2", "079170000008")]),
        # anchored to two citizens: the cluster contradicts itself, no evidence
        ([("p1", "079170000008"), ("p1", "079185000004")], []),
        # another person's anchor says nothing about this row
        ([("p9", "079170000008")], []),
    ],
)
def test_cluster_pairs(anchors: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    side = pl.DataFrame({"row_id": ["r2", "r3"], "person": ["p1", None]})
    frame = pl.DataFrame(anchors, schema={"person": pl.String, "matched_cccd": pl.String}, orient="row")
    got = cluster_pairs(side, frame).sort("row_id")
    want = pl.DataFrame(expected, schema={"row_id": pl.String, "candidate_cccd": pl.String}, orient="row")
    assert_frame_equal(got, want)


def _person_rows(with_anchor: bool) -> pl.DataFrame:
    """Row a: CCCD and full date (matched exactly); row b: same person, another org, year only."""
    rows = [
        {"row_id": "b", "org": "doan-thanh-nien", "birth_year": 1970, "person_id": "p1", **HANH},
    ]
    if with_anchor:
        rows.append(
            {
                "row_id": "a",
                "birth_date": "1970-02-03",
                "cccd": "079170000008",
                "cccd_status": "valid",
                "person_id": "p1",
                **HANH,
            }
        )
    return make_members(rows)


@pytest.mark.parametrize("with_anchor", [True, False])
def test_matched_row_vouches_for_the_same_persons_other_row(with_anchor: bool) -> None:
    # A strict bar, so name + year + commune alone cannot link row b by score or uniqueness.
    settings = ReconcileSettings(accept_probability=0.999999, unique_accept_probability=0.999999)
    matches = reconcile_members(_person_rows(with_anchor), population_lf(), settings=settings).matches
    row_b = matches.filter(pl.col("row_id") == "b").row(0, named=True)
    if with_anchor:
        assert (row_b["match_status"], row_b["matched_cccd"]) == ("matched_fuzzy", "079170000008")
    else:
        assert (row_b["match_status"], row_b["matched_cccd"]) == ("no_cccd", None)


def test_vouched_link_still_needs_agreeing_fields() -> None:
    # The cluster says p1 is citizen ...008 (born 1970), but row b says 1990: no link.
    rows = _person_rows(True).with_columns(
        pl.when(pl.col("row_id") == "b").then(1990).otherwise(pl.col("birth_year")).alias("birth_year")
    )
    matches = reconcile_members(rows, population_lf()).matches
    assert matches.filter(pl.col("row_id") == "b")["matched_cccd"].to_list() == [None]


def test_chunked_search_equals_one_pass(members: pl.DataFrame, population: pl.LazyFrame) -> None:
    side = member_side(members)
    no_pairs = pl.DataFrame(schema={"row_id": pl.String, "candidate_cccd": pl.String})
    settings = ReconcileSettings()
    whole = search_pairs(side, population, no_pairs, settings).sort("row_id", "candidate_cccd")
    chunked = search_pairs(side, population, no_pairs, settings, chunk_rows=1).sort(
        "row_id", "candidate_cccd"
    )
    assert whole.height > 0
    assert_frame_equal(whole, chunked)


@pytest.mark.parametrize(("not_found", "sure"), [([], 1), (["m1"], 0)])
def test_unique_namesake_not_taken_when_own_cccd_is_unknown(not_found: list[str], sure: int) -> None:
    side = member_side(make_members([{"row_id": "m1", "birth_year": 1970, **HANH}]))
    scored = pl.DataFrame(
        {
            "row_id": ["m1"],
            "candidate_cccd": ["079170000008"],
            "match_weight": [9.0],
            "match_probability": [0.998],
            "evidence": [15.0],
        }
    )
    vouched = pl.DataFrame(schema={"row_id": pl.String, "candidate_cccd": pl.String})
    ids = pl.DataFrame({"row_id": not_found}, schema={"row_id": pl.String})
    got = sure_pairs(scored, side, population_lf(), ReconcileSettings(), vouched=vouched, not_found=ids)
    assert got.height == sure
