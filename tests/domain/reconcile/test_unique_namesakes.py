"""Uniqueness-based acceptance of a year-only member's lone candidate (search.unique_namesakes).

DOMAIN.md "Ngày sinh / Năm sinh": many members are recorded with a birth year only; DOMAIN.md
"Names": namesakes are common, so the name alone must never decide.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ddss.reconcile import ReconcileSettings
from ddss.reconcile.accept import accept_links, unique_namesakes
from ddss.reconcile.search import candidate_pairs, search_index

SETTINGS = ReconcileSettings()
KEY = {
    "name_key": "nguyen thi hoa",
    "full_name": "Nguyễn Thị Hoa",
    "birth_year": 1980,
    "commune_code": "00001",
}


def _population(extra: list[dict] | None = None) -> pl.LazyFrame:
    rows = [
        {"cccd": "001180000001", **KEY, "birth_date": dt.date(1980, 3, 4), "sex": "F"},
        # same name and commune, other year: does not break uniqueness on the three fields
        {"cccd": "001180000002", **KEY, "birth_year": 1990, "birth_date": dt.date(1990, 1, 1), "sex": "F"},
        *(extra or []),
    ]
    return pl.DataFrame(rows).lazy()


def _side(**over: object) -> pl.DataFrame:
    row = {"row_id": "m1", **KEY, "birth_date": None, "sex": "F", **over}
    return pl.DataFrame([row], schema_overrides={"birth_date": pl.Date})


def _scored(probabilities: list[float]) -> pl.DataFrame:
    cccds = ["001180000001", "001180000009"][: len(probabilities)]
    weights = [float(pl.Series([p / (1 - p)]).log(2)[0]) for p in probabilities]
    return pl.DataFrame(
        {
            "row_id": ["m1"] * len(probabilities),
            "candidate_cccd": cccds,
            "match_weight": weights,
            "match_probability": probabilities,
            "org": ["hlhpn"] * len(probabilities),
            "claimant": ["m1"] * len(probabilities),
        }
    )


@pytest.mark.parametrize(
    ("side", "probabilities", "extra", "accepted"),
    [
        # the only citizen with this name, year and commune; nothing disagrees
        (_side(), [0.997], None, True),
        # a second citizen with the same three: a namesake, left to a steward
        (_side(), [0.997], [{"cccd": "001180000003", **KEY, "birth_date": None, "sex": "F"}], False),
        # a second candidate above the steward floor: not a lone candidate
        (_side(), [0.997, 0.2], None, False),
        # the member's full date disagrees with the citizen's
        (_side(birth_date=dt.date(1980, 9, 9)), [0.997], None, False),
        # recorded sex disagrees
        (_side(sex="M"), [0.997], None, False),
        # the score itself is too weak
        (_side(), [0.9], None, False),
    ],
)
def test_unique_namesake_rule(side, probabilities, extra, accepted):
    unique = unique_namesakes(_scored(probabilities), side, _population(extra), SETTINGS)
    assert (unique.height == 1) is accepted


def test_unique_pair_passes_accept_links_below_threshold_but_not_a_claimed_citizen():
    scored = _scored([0.997])
    unique = unique_namesakes(scored, _side(), _population(), SETTINGS)
    empty = pl.DataFrame(
        schema={
            "org": pl.String,
            "claimant": pl.String,
            "candidate_cccd": pl.String,
            "match_weight": pl.Float64,
        }
    )
    assert accept_links(scored, empty, SETTINGS).is_empty()  # 0.997 < 0.999
    assert accept_links(scored, empty, SETTINGS, unique).height == 1
    # another member of the org already holds the citizen (exact path): one-to-one wins
    claims = pl.DataFrame(
        {"org": ["hlhpn"], "claimant": ["m2"], "candidate_cccd": ["001180000001"], "match_weight": [60.0]}
    )
    assert accept_links(scored, claims, SETTINGS, unique).is_empty()


@pytest.mark.parametrize(
    ("over", "extra", "accepted"),
    [
        # no birth year at all: the only citizen with this name in the commune is enough
        ({}, None, True),
        # a namesake born another year breaks uniqueness on name and commune alone
        ({}, [{"cccd": "001180000003", **KEY, "birth_year": 1990, "birth_date": None, "sex": "F"}], False),
        # a name typed without diacritics may fold from another citizen's name: exact name required
        ({"full_name": "Nguyen Thi Hoa"}, None, False),
        # recorded sex disagrees
        ({"sex": "M"}, None, False),
    ],
)
def test_undated_member_unique_on_name_and_commune(over, extra, accepted):
    """DOMAIN.md "Ngày sinh / Năm sinh": the date is often blank; "Names": namesakes are common."""
    population = pl.DataFrame(
        [{"cccd": "001180000001", **KEY, "birth_date": dt.date(1980, 3, 4), "sex": "F"}, *(extra or [])]
    ).lazy()
    side = _side(birth_year=None, **over).cast({"birth_year": pl.Int64})
    unique = unique_namesakes(_scored([0.997]), side, population, SETTINGS)
    assert (unique.height == 1) is accepted


def test_undated_member_needs_the_same_bar():
    population = pl.DataFrame([{"cccd": "001180000001", **KEY, "birth_date": None, "sex": "F"}]).lazy()
    side = _side(birth_year=None).cast({"birth_year": pl.Int64})
    assert unique_namesakes(_scored([0.9]), side, population, SETTINGS).is_empty()


def test_citizen_with_year_only_does_not_conflict_with_a_members_full_date():
    """DOMAIN.md "Ngày sinh / Năm sinh": either side may hold a year only; that is missing
    detail, not a disagreement."""
    population = pl.DataFrame(
        [{"cccd": "001180000001", **KEY, "birth_date": None, "sex": "F"}],
        schema_overrides={"birth_date": pl.Date},
    ).lazy()
    side = _side(birth_date=dt.date(1980, 3, 4))
    assert unique_namesakes(_scored([0.997]), side, population, SETTINGS).height == 1


@pytest.mark.parametrize(
    ("birth_year", "expected"),
    [
        # no birth year at all: the folded name within the commune is the only block left
        (None, 1),
        # a member with a year is blocked by the date/year rules only (another year here)
        (1999, 0),
    ],
)
def test_undated_member_gets_a_candidate_by_name_and_commune(birth_year, expected):
    """DOMAIN.md "Ngày sinh / Năm sinh": the birth date is often left blank."""

    fields = {
        "full_name": "Nguyễn Thị Hoa",
        "name_key": "nguyen thi hoa",
        "given_key": "hoa",
        "surname_key": "nguyen",
        "phonetic_key": "nguyen thi hoa",
        "sex": "F",
        "province_code": "01",
        "commune_code": "00001",
    }
    population = pl.DataFrame(
        [
            {
                "cccd": "001180000001",
                "status": "alive",
                **fields,
                "birth_date": dt.date(1980, 3, 4),
                "birth_year": 1980,
            }
        ]
    ).lazy()
    side = pl.DataFrame(
        [
            {
                "row_id": "m1",
                "org": "hlhpn",
                "claimant": "m1",
                "cccd": None,
                "cccd_status": "missing",
                **fields,
                "birth_date": None,
                "birth_year": birth_year,
            }
        ],
        schema_overrides={"birth_date": pl.Date, "birth_year": pl.Int64, "cccd": pl.String},
    )
    assert candidate_pairs(side, search_index(population)).height == expected
