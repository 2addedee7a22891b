"""assemble_members: one row per normalised row, whatever order links and matches come in."""

from __future__ import annotations

import polars as pl
import pytest

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


def test_merged_issue_lists_match_a_merge_of_every_row():
    """Lists are merged once per distinct combination: same result as merging each row."""
    codes = ["b", "a", "c", "a"]
    n = 500
    lists = pl.DataFrame(
        {
            "x": [codes[: i % 5] for i in range(n)],
            "y": [codes[i % 3 :: 2] for i in range(n)],
            "z": [[] if i % 7 else [f"k{i % 11}", "a"] for i in range(n)],
        }
    )
    direct = lists.select(pl.concat_list(pl.all()).list.eval(pl.element().unique().sort()))
    merged = lists.select(_merged_lists(lists).alias("x"))
    assert merged.equals(direct)
    assert merged["x"][3].to_list() == ["a", "b", "c"]


def test_a_missing_match_row_comes_out_null():
    ids = [f"r{i}" for i in range(6)]
    members = assemble_members(_normalised(), _links(ids), _matches(ids[1:]))
    assert members.filter(pl.col("row_id") == "r0")["match_status"].to_list() == [None]
    assert members.filter(pl.col("row_id") == "r1")["match_status"].to_list() == ["matched"]
