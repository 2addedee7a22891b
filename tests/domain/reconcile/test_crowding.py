"""Crowded blocking keys (`search.CROWDED_KEY_CITIZENS`): a key more citizens hold than a
posterior can tell apart is searched within the member's commune, and a member who cannot be
told from the unscored namesakes is never linked automatically."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from reconcile_data import citizens_frame, make_members

from ddss.reconcile import search
from ddss.reconcile.accept import accept_links
from ddss.reconcile.codes import CROWD, CitizenIndex
from ddss.reconcile.exact import member_side
from ddss.reconcile.population import normalise_population
from ddss.reconcile.scoring import ReconcileSettings

YEAR_RULE = ("name_key", "birth_year", "sex", "province_code")
CAP = 3


def _citizens(dated: int, year_only: int = 0) -> pl.DataFrame:
    """`dated` namesakes born 1980 (Nguyễn Thị Hoa, province 79): the first in commune 26734,
    the others elsewhere; then `year_only` namesakes recorded with the year only."""
    rows = [
        (
            f"0791800{i:05d}",
            "Nguyễn Thị Hoa",
            f"1980-0{1 + i % 9}-1{i % 10}",
            "F",
            "79",
            "26734" if i == 0 else f"2{i:04d}",
            "alive",
        )
        for i in range(dated)
    ]
    rows += [
        (f"0791809{i:05d}", "Nguyễn Thị Hoa", "1980", "F", "79", f"3{i:04d}", "alive")
        for i in range(year_only)
    ]
    return normalise_population(citizens_frame(rows).lazy()).collect()


def _member(birth_date: str | None) -> pl.DataFrame:
    row = {"row_id": "m1", "full_name": "Nguyễn Thị Hoa", "birth_year": 1980, "sex": "F"}
    return member_side(make_members([row | {"birth_date": birth_date}]))


def _pairs(side: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    return search.candidate_pairs(side, search.search_index(population, side), fields=False)


@pytest.fixture
def cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(search, "CROWDED_KEY_CITIZENS", CAP)
    return CAP


def test_crowded_key_is_searched_within_the_commune(cap: int) -> None:
    population = _citizens(cap + 2)
    pairs = _pairs(_member(None), population)
    refined = [use[0] for use in search.search_rules()].index((*YEAR_RULE, "commune_code"))
    # only the namesake of the member's commune, found by the refined year rule; the member
    # keeps how many citizens held its key
    assert pairs.select("candidate_cccd", "match_key", CROWD).rows() == [("079180000000", refined, cap + 2)]


def test_key_of_exactly_the_cap_is_searched_whole(cap: int) -> None:
    pairs = _pairs(_member(None), _citizens(cap))
    assert pairs.height == cap
    assert pairs.get_column("match_key").max() < len(search.BLOCKING_RULES)
    assert pairs.get_column(CROWD).to_list() == [0] * cap


def test_year_only_citizens_stay_and_a_dated_member_is_not_blinded(cap: int) -> None:
    population = _citizens(cap + 2, year_only=2)
    dated = _pairs(_member("1980-05-05"), population)
    # the two recorded with the year only cannot be told apart by the date: still scored
    assert dated.filter(pl.col("candidate_cccd").str.starts_with("0791809")).height == 2
    assert dated.get_column(CROWD).to_list() == [0] * dated.height
    # a member with the year only cannot tell the unscored namesakes apart
    assert (_pairs(_member(None), population).get_column(CROWD) == cap + 4).all()


def test_crowded_keys_survive_save_and_load(cap: int, tmp_path: Path) -> None:
    side, population = _member(None), _citizens(cap + 2)
    index = search.search_index(population, side)
    index.save(tmp_path)
    loaded = CitizenIndex.load(tmp_path)
    assert list(loaded.keys) == list(index.keys)
    assert loaded.crowded[YEAR_RULE].equals(index.crowded[YEAR_RULE])
    assert search.candidate_pairs(side, loaded, fields=False).equals(
        search.candidate_pairs(side, index, fields=False)
    )


@pytest.mark.parametrize(("crowd", "linked"), [(0, True), (60, False)])
def test_crowded_member_is_never_linked_automatically(crowd: int, linked: bool) -> None:
    scored = pl.DataFrame(
        {
            "row_id": ["m1"],
            "candidate_cccd": ["079180000000"],
            "match_weight": [20.0],
            "match_probability": [0.999999],
            "org": ["hlhpn"],
            "claimant": ["m1"],
            CROWD: pl.Series([crowd], dtype=pl.UInt32),
        }
    )
    claims = pl.DataFrame(
        schema={
            "org": pl.String,
            "claimant": pl.String,
            "candidate_cccd": pl.String,
            "match_weight": pl.Float64,
        }
    )
    sure = scored.select("row_id", "candidate_cccd")
    for unique in (None, sure):  # neither by score nor as a sure pair (unique namesake, cluster)
        assert (accept_links(scored, claims, ReconcileSettings(), unique).height == 1) is linked
