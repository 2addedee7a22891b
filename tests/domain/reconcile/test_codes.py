"""Integer-coded search blocking gives exactly the pairs of the plain string-key joins.

The search path joins members and citizens by 64-bit key hashes and 4-byte row codes
(`ddss.reconcile.codes`); these tests hold it to the union of per-rule string joins it
replaced, including a CCCD listed twice in the extract and hash collisions.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from reconcile_data import CITIZENS, citizens_frame, make_members, members_frame

from ddss.reconcile import codes
from ddss.reconcile.accept import _position_in_member
from ddss.reconcile.exact import member_side
from ddss.reconcile.population import normalise_population
from ddss.reconcile.search import BLOCKING_RULES, UNDATED_RULES, candidate_pairs, search_index

# The first citizen listed again with another name: its first record speaks for the CCCD,
# but the second still blocks with its own keys (as a plain join on the extract does).
_TWICE = ("001085000001", "Đặng Thị Hạnh", "1970-02-03", "F", "79", "26734", "alive")


def _population() -> pl.DataFrame:
    return normalise_population(citizens_frame([*CITIZENS, _TWICE]).lazy()).collect()


def _side() -> pl.DataFrame:
    extra = [
        {"row_id": "x1", "full_name": "Đặng Thị Hạnh", "birth_year": 1970},
        {"row_id": "x2", "full_name": "Võ Thị Giang", "birth_date": "1990-11-12", "sex": "F"},
        {"row_id": "x3", "full_name": "Phạm Thị Dung", "commune_code": "26734"},
    ]
    return member_side(pl.concat([members_frame(), make_members(extra)], how="diagonal_relaxed"))


def _string_join_pairs(side: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """The former algorithm: string-key joins per rule, first rule per pair."""
    population = population.with_columns(pl.col(pl.Categorical).cast(pl.String))
    undated = side.filter(pl.col("birth_year").is_null())
    rules = [(side, r) for r in BLOCKING_RULES] + [(undated, r) for r in UNDATED_RULES]
    found = [
        who.select("row_id", *rule)
        .join(population.select("cccd", *rule), on=list(rule), nulls_equal=False)
        .select("row_id", pl.col("cccd").alias("candidate_cccd"), pl.lit(i, dtype=pl.Int8).alias("match_key"))
        for i, (who, rule) in enumerate(rules)
    ]
    return pl.concat(found).group_by("row_id", "candidate_cccd").agg(pl.col("match_key").min())


def _coded_pairs(side: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    pairs = candidate_pairs(side, search_index(population, side))
    return pairs.select("row_id", "candidate_cccd", "match_key")


@pytest.mark.parametrize("collide", [False, True])
def test_coded_pairs_equal_string_joins(collide: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if collide:  # every key hashes alike: only the check against real values tells them apart
        monkeypatch.setattr(codes, "_key_hash", lambda rule: pl.lit(7, dtype=pl.UInt64).alias(codes._HASH))
    side, population = _side(), _population()
    want = _string_join_pairs(side, population).sort("row_id", "candidate_cccd")
    got = _coded_pairs(side, population).sort("row_id", "candidate_cccd")
    assert want.height > 10
    assert_frame_equal(got, want)


def test_listed_twice_speaks_with_its_first_record() -> None:
    side, population = _side(), _population()
    pairs = candidate_pairs(side, search_index(population, side))
    hanh = pairs.filter((pl.col("row_id") == "x1") & (pl.col("candidate_cccd") == _TWICE[0]))
    # found through the second record's keys, compared with the first record's fields
    assert hanh.select("full_name_r", "birth_year_r").rows() == [("Nguyễn Văn An", 1985)]


def test_index_keeps_only_keys_members_hold() -> None:
    side, population = _side(), _population()
    full = search_index(population)
    held = search_index(population, side.head(1))
    assert sum(b.height for b in held.rows.values()) < sum(b.height for b in full.rows.values())


def test_position_in_member_equals_the_window() -> None:
    frame = pl.DataFrame({"row_id": ["a", "a", "b", "c", "c", "c"], "w": [3, 2, 5, 1, 1, 0]})
    got = frame.select(_position_in_member().alias("p"))["p"].to_list()
    assert got == frame.select(pl.int_range(pl.len()).over("row_id"))["literal"].to_list()
