"""Guessed member values count as unknown on the search path, not as disagreements.

DOMAIN.md "CCCD": digits 4-6 encode century+sex and the birth year, so a number that
contradicts its row is likely someone else's (a relative's, a neighbour's); a sex or year
read off such a number, or guessed from an unmarked column, is no evidence either.
"""

from __future__ import annotations

import polars as pl
import pytest
from reconcile_data import make_members, population_lf
from test_engine import _trained

from ddss import issues
from ddss.reconcile import ReconcileSettings, reconcile_members
from ddss.reconcile.engine import engine_score, name_reference, sorted_tf_tables, with_name_codes
from ddss.reconcile.exact import member_side
from ddss.reconcile.search import candidate_pairs, search_index

# Phạm Thị Dung (079185000004) typed with Hoàng Văn Em's number (G digit 0 = male, she is F).
_DUNG = {
    "row_id": "d1",
    "full_name": "Phạm Thị Dung",
    "birth_date": "1985-07-08",
    "sex": "F",
    "cccd": "079085000005",
    "cccd_status": "valid",
}
_TRUE = "079185000004"


def _pairs(row: dict) -> pl.DataFrame:
    pairs = candidate_pairs(member_side(make_members([row])), search_index(population_lf()))
    return pairs.filter(pl.col("candidate_cccd") == _TRUE)


def _evidence(row: dict, settings: ReconcileSettings) -> float:
    """The engine's evidence for the member's pair with the true citizen."""
    side, index = member_side(make_members([row])), search_index(population_lf())
    ref = name_reference(population_lf(), settings.linkage)
    pairs = _pairs(row)
    citizens = with_name_codes(index.frame, ref)
    tf = sorted_tf_tables(ref, settings.linkage)
    return engine_score(pairs, side, citizens, settings, ref, 8, tf)["evidence"].item()


@pytest.mark.parametrize(
    ("row_issues", "own_cccd"),
    [
        ([issues.CCCD_SEX_MISMATCH], None),  # fails its own cross-check: unknown
        ([issues.CCCD_BIRTH_YEAR_MISMATCH], None),
        ([], "079085000005"),  # a coherent number stays evidence
        (None, "079085000005"),  # no issues column at all: nothing is guessed
    ],
)
def test_suspect_cccd_is_unknown(row_issues, own_cccd):
    row = _DUNG if row_issues is None else _DUNG | {"issues": row_issues}
    assert _pairs(row)["cccd_l"].to_list() == [own_cccd]


@pytest.mark.parametrize(
    "code",
    [issues.CCCD_SEX_MISMATCH, issues.SEX_FROM_UNMARKED_COLUMN],
)
def test_guesses_do_not_count_against_the_true_citizen(code):
    """A suspect number, or a sex guessed from an unmarked column that disagrees, weighs
    less against the member's true citizen than the same values recorded for sure."""
    settings = ReconcileSettings(linkage=_trained())
    row = _DUNG | ({"sex": "M"} if code == issues.SEX_FROM_UNMARKED_COLUMN else {})
    assert _evidence(row | {"issues": [code]}, settings) > _evidence(row | {"issues": []}, settings)


def test_suspect_number_still_finds_the_member():
    settings = ReconcileSettings(linkage=_trained())
    members = make_members([_DUNG | {"issues": [issues.CCCD_SEX_MISMATCH]}])
    matches = reconcile_members(members, population_lf(), settings=settings).matches
    assert matches.select("match_status", "matched_cccd").row(0) == ("matched_fuzzy", _TRUE)
