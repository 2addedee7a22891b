"""đối soát in pieces gives the same answer as in one piece (memory follows the piece)."""

from __future__ import annotations

import polars as pl

from ddss.reconcile._names import with_name_keys
from ddss.reconcile.codes import CITIZEN_CODE, CitizenIndex, vouched_codes
from ddss.reconcile.exact import exact_matches, member_side
from ddss.reconcile.linked import reconcile_linked
from ddss.reconcile.repair import known_numbers, variant_numbers
from ddss.reconcile.search import SEARCH_CHUNK_CELLS, _chunk_rows


def _side(members: pl.DataFrame) -> pl.DataFrame:
    return member_side(members.with_columns(row_id=pl.format("m{}", pl.int_range(pl.len()))))


def test_exact_matches_by_chunk_equal_one_pass(members, population):
    side = _side(members)
    whole = exact_matches(side, population).sort("row_id")
    assert whole.height == side.filter(pl.col("cccd").is_not_null()).height > 2
    for chunk_rows in (1, 2, 3):
        assert exact_matches(side, population, chunk_rows=chunk_rows).sort("row_id").equals(whole)


def test_exact_matches_lists_found_rows_before_not_found(members, population):
    got = exact_matches(_side(members), population, chunk_rows=1)
    not_found = (got["match_status"] == "not_found").to_list()
    assert any(not_found) and not_found == sorted(not_found)


def test_variants_filtered_by_known_numbers_equal_filtering_after():
    bad = pl.DataFrame({"_i": [0, 1], "cccd": ["001085000001", "079190000006"]})
    # a CCCD listed twice, a non-numeric one and a null stay harmless to the look-up
    extract = ["001085000002", "001085000010", "079190000060", "079190000007", "5"]
    extract += ["001085000002", "ABC", None]
    known = known_numbers(pl.LazyFrame({"cccd": extract}))
    assert known["variant_num"].is_sorted() and known.height == 6
    after = variant_numbers(bad, "_i").filter(pl.col("variant_num").is_in(known["variant_num"].implode()))
    got = variant_numbers(bad, "_i", known)
    assert got.height == 4 and got.equals(after)
    assert got.filter(pl.col("variant_num") == 79190000060)["_swap"].to_list() == [True]


def test_name_keys_by_position_equal_the_lazy_join():
    names = ["Huỳnh Văn An", None, "Võ Thị Giang", "Huỳnh Văn An"]
    frame = pl.DataFrame({"full_name": names, "i": [1, 2, 3, 4]})
    eager = with_name_keys(frame)
    assert eager.equals(with_name_keys(frame.lazy()).collect())
    assert eager["i"].to_list() == [1, 2, 3, 4] and eager["name_key"][0] == eager["name_key"][3]


def test_links_in_member_order_or_not_give_the_same_matches(members, population):
    frame = members.with_columns(row_id=pl.format("m{}", pl.int_range(pl.len())))
    links = frame.select(
        "row_id", pl.format("M{}", pl.int_range(pl.len())).alias("member_id"), pl.lit("P").alias("person_id")
    )
    aligned = reconcile_linked(frame, links, population, linkage_model=None, decisions=None)
    shuffled = reconcile_linked(frame, links.reverse(), population, linkage_model=None, decisions=None)
    assert aligned.matches.equals(shuffled.matches) and aligned.candidates.equals(shuffled.candidates)
    assert aligned.matches.height == frame.height


def test_search_chunks_shrink_as_the_extract_grows():
    # A member's candidates grow with the extract: fewer members per chunk keeps the pairs flat.
    assert _chunk_rows(250_000, 3_000_000) == 250_000
    assert _chunk_rows(250_000, 9_000_000) == SEARCH_CHUNK_CELLS // 9_000_000 < 250_000
    assert _chunk_rows(250_000, 10**12) == 10_000  # never below the floor
    assert _chunk_rows(1, 10**12) == 1  # an explicit small chunk stays


def test_vouched_codes_use_the_first_record_of_a_cccd_listed_twice():
    frame = pl.DataFrame(
        {"cccd": ["001", "002", "001", "003"], CITIZEN_CODE: pl.Series([0, 1, 0, 3], dtype=pl.UInt32)}
    )
    index = CitizenIndex(frame, {}, {})
    vouched = pl.DataFrame({"row_id": ["a", "b", "c"], "candidate_cccd": ["001", "009", "003"]})
    got = vouched_codes(vouched, index).sort("row_id")
    assert got.to_dict(as_series=False) == {"row_id": ["a", "c"], CITIZEN_CODE: [0, 3]}
