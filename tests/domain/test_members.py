"""assemble_members: one row per normalised row, whatever order links and matches come in."""

from __future__ import annotations

import polars as pl
import pytest

from ddss import members as members_module
from ddss.members import MEMBER_COLUMNS, _merged_lists, assemble_members


def _normalised() -> pl.DataFrame:
    n = 6
    return pl.DataFrame(
        {
            "row_id": [f"r{i}" for i in range(n)],
            "source_file": ["org/a.csv"] * 3 + ["org/b.csv"] * 3,
            "source_sheet": [None] * n,
            "source_row": [1, 2, 3, 1, 2, 3],
            "org": ["org"] * n,
            "province_code": ["79"] * n,
            "commune_code": ["26734"] * n,
            "full_name": [f"Tên {i}" for i in range(n)],
            "surname_key": ["x"] * n,  # a normalised-only column: not in members
            "birth_date": [None] * n,
            "birth_year": [1980 + i for i in range(n)],
            "sex": ["M"] * n,
            "cccd": [f"0790800000{i:02d}" for i in range(n)],
            "cccd_status": ["valid"] * n,
            "issues": [["name_case_fixed"], [], ["b"], [], ["a", "c"], []],
        },
        schema_overrides={"source_sheet": pl.String, "birth_date": pl.Date},
    )


def _links(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row_id": ids,
            "member_id": [f"m{r}" for r in ids],
            "person_id": [f"p{r}" for r in ids],
            "is_duplicate": [r == "r4" for r in ids],
            "duplicate_issues": [["c"] if r == "r4" else [] for r in ids],
        }
    )


def _matches(ids: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row_id": ids,
            "match_status": ["matched"] * len(ids),
            "matched_cccd": [None] * len(ids),
            "match_score": [0.1234567] * len(ids),
            "match_issues": [["a"] if r == "r4" else [] for r in ids],
        },
        schema_overrides={"matched_cccd": pl.String},
    )


def test_rows_line_up_by_row_id_and_come_out_in_provenance_order():
    normalised = _normalised()
    shuffled = ["r5", "r2", "r0", "r3", "r1", "r4"]
    members = assemble_members(normalised.reverse(), _links(shuffled), _matches(shuffled[::-1]))
    assert members.columns[: len(MEMBER_COLUMNS)] == list(MEMBER_COLUMNS)
    assert "surname_key" not in members.columns
    assert members["row_id"].to_list() == [f"r{i}" for i in range(6)]
    assert (members["member_id"] == "m" + members["row_id"]).all()
    assert members.filter(pl.col("row_id") == "r4")["issues"].to_list() == [
        ["a", "c"]
    ]  # merged, unique, sorted
    assert members["match_score"].to_list() == [0.123457] * 6


def test_a_row_id_twice_is_an_error():
    ids = [f"r{i}" for i in range(6)]
    with pytest.raises(pl.exceptions.ComputeError):
        assemble_members(_normalised(), _links([*ids, "r1"]), _matches(ids))


def _issue_sources(n: int = 500) -> list[tuple[pl.Series, pl.Series | None]]:
    """Three list columns: one in the rows' own order (with nulls), two elsewhere, reached
    through positions (a reversed order; a null position = a missing row, a null list)."""
    codes = ["b", "a", "c", "a"]
    own = pl.Series("x", [None if i % 13 == 0 else codes[: i % 5] for i in range(n)])
    reversed_ = pl.Series("y", [codes[(n - 1 - i) % 3 :: 2] for i in range(n)])
    elsewhere = pl.Series(
        "z", [None if i % 17 == 0 else [] if i % 7 else [f"k{i % 11}", "a"] for i in range(n)]
    )
    back = pl.Series(list(range(n - 1, -1, -1)), dtype=pl.get_index_type())
    holes = pl.Series([None if i % 19 == 0 else i for i in range(n)], dtype=pl.get_index_type())
    return [(own, None), (reversed_, back), (elsewhere, holes)]


def _merge_every_row(sources: list[tuple[pl.Series, pl.Series | None]]) -> pl.Series:
    lists = pl.DataFrame([v if at is None else v.gather(at).fill_null([]) for v, at in sources])
    return lists.select(pl.concat_list(pl.all()).list.eval(pl.element().unique().sort())).to_series()


def test_merged_issue_lists_match_a_merge_of_every_row():
    """Lists are merged once per distinct combination (found by hashes of the lists where
    they lie): same result as gathering every row's lists and merging each row."""
    sources = _issue_sources()
    merged = _merged_lists(sources)
    assert merged.equals(_merge_every_row(sources))
    assert merged[3].to_list() == ["a", "b", "c"]
    assert merged[0] is None  # a null list of the rows' own stays null, as a direct merge gives


def test_a_hash_collision_merges_every_row(monkeypatch):
    """Should two combinations share the first hash, every row is merged directly."""
    sources = _issue_sources()
    real = members_module._combo_hash
    monkeypatch.setattr(
        members_module,
        "_combo_hash",
        lambda s, seed: real(s, seed) if seed else pl.Series("h", [0] * 500, dtype=pl.UInt64),
    )
    assert _merged_lists(sources).equals(_merge_every_row(sources))


def test_a_missing_match_row_comes_out_null():
    ids = [f"r{i}" for i in range(6)]
    members = assemble_members(_normalised(), _links(ids), _matches(ids[1:]))
    assert members.filter(pl.col("row_id") == "r0")["match_status"].to_list() == [None]
    assert members.filter(pl.col("row_id") == "r1")["match_status"].to_list() == ["matched"]
