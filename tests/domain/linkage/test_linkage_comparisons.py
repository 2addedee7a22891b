"""Comparison levels per field (first matching level wins; null gives no evidence)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ddss.linkage import ComparisonSpec, default_settings, level_labels
from ddss.linkage.comparisons import compare
from ddss.linkage.records import name_marked_expr, prepare_records


def _level(spec_name: str, left: dict, right: dict) -> str:
    settings = default_settings()
    spec = next(s for s in settings.comparisons if s.name == spec_name)
    base = {
        "row_id": None,
        "org": "a",
        "surname": "Nguyễn",
        "middle_name": "Thị",
        "given_name": "Lan",
        "birth_date": dt.date(1980, 5, 12),
        "birth_year": 1980,
        "sex": "F",
        "cccd": "001180001234",
        "phone": None,
        "province_code": "01",
        "commune_code": "00004",
        "full_name": "Nguyễn Thị Lan",
    }
    frame = pl.DataFrame([{**base, **left, "row_id": "l"}, {**base, **right, "row_id": "r"}])
    pairs = pl.DataFrame({"row_id_l": ["l"], "row_id_r": ["r"]})
    gamma = compare(frame, frame, pairs, settings).get_column(f"gamma_{spec.name}")[0]
    return level_labels(spec)[gamma]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({}, {}, "exact"),
        # DOMAIN.md "Names": files without diacritics ("Nguyen Thi Lan") are the same name
        (
            {"given_name": "Lân", "full_name": "Nguyễn Thị Lân"},
            {"given_name": "Lan", "full_name": "Nguyen Thi Lan"},
            "diacritic-insensitive",
        ),
        # both written with diacritics (tone styles unified upstream): Lân and Lan are two
        # names, only their pronunciation key agrees
        ({"given_name": "Lân", "full_name": "Nguyễn Thị Lân"}, {}, "phonetic"),
        (
            {"given_name": "Hóa", "full_name": "Nguyễn Thị Hóa"},
            {"given_name": "Hoa", "full_name": "Nguyễn Thị Hoa"},
            "phonetic",
        ),
        ({"given_name": "Hương"}, {"given_name": "Hươn"}, "Jaro-Winkler >= 0.92"),
        ({"given_name": "Lan"}, {"given_name": "Hùng"}, "else"),
        ({"given_name": None}, {}, "null"),
    ],
)
def test_given_name_levels(left: dict, right: dict, expected: str) -> None:
    assert _level("given_name", left, right) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({}, {}, "exact"),
        # day and month swapped is a typical entry error (d/m vs m/d)
        ({"birth_date": dt.date(1980, 12, 5)}, {"birth_date": dt.date(1980, 5, 12)}, "day-month swapped"),
        ({"birth_date": dt.date(1980, 5, 13)}, {}, "one digit off"),
        # year-only rows: birth_date null, birth_year kept (DOMAIN.md "Dates ... or year only")
        ({"birth_date": None}, {}, "year agrees"),
        # two full dates in one year that differ disagree: not the same level as year-only
        ({"birth_date": dt.date(1980, 9, 30)}, {}, "same year, other date"),
        ({"birth_date": dt.date(1981, 9, 30), "birth_year": 1981}, {}, "year within 1"),
        ({"birth_date": dt.date(1990, 9, 30), "birth_year": 1990}, {}, "else"),
        ({"birth_date": None, "birth_year": None}, {}, "null"),
    ],
)
def test_birth_date_levels(left: dict, right: dict, expected: str) -> None:
    assert _level("birth_date", left, right) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({}, {}, "exact"),
        ({"cccd": "001180001235"}, {}, "one digit off"),
        ({"cccd": "001180002134"}, {}, "transposition"),
        ({"cccd": "079190555555"}, {}, "else"),
        ({"cccd": None}, {}, "null"),
    ],
)
def test_cccd_levels(left: dict, right: dict, expected: str) -> None:
    assert _level("cccd", left, right) == expected


@pytest.mark.parametrize(
    ("comparison", "left", "expected"),
    [
        ("sex", {}, "exact"),
        ("sex", {"sex": "M"}, "else"),
        ("sex", {"sex": None}, "null"),
        ("commune", {}, "exact"),
        ("commune", {"commune_code": "00007"}, "same province"),
        ("commune", {"commune_code": "99999", "province_code": "79"}, "else"),
        ("phone", {"phone": "0912345678"}, "null"),
    ],
)
def test_other_levels(comparison: str, left: dict, expected: str) -> None:
    assert _level(comparison, left, {}) == expected


def test_spec_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        ComparisonSpec("x", "fuzzy", "x")
    with pytest.raises(ValueError):
        ComparisonSpec("x", "name", "x", thresholds=(0.8, 0.9))


_SEX_MISMATCH = ["cccd_sex_mismatch"]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        # two different valid CCCDs: two people (DOMAIN.md "CCCD": one number per citizen)
        ({"issues": []}, {"cccd": "001180009999", "issues": []}, "else"),
        # one number contradicts its own row (encoded sex/year, DOMAIN.md "CCCD"): someone
        # else's number, no evidence when name, full date and sex all agree
        ({"issues": _SEX_MISMATCH}, {"cccd": "001180009999", "issues": []}, "null"),
        # a year-only row agreeing on the year (DOMAIN.md "Ngày sinh / Năm sinh") counts as agreeing
        ({"issues": _SEX_MISMATCH}, {"cccd": "001180009999", "issues": [], "birth_date": None}, "null"),
        # ... but still evidence when the birth dates differ
        (
            {"issues": _SEX_MISMATCH},
            {"cccd": "001180009999", "issues": [], "birth_date": dt.date(1980, 7, 1)},
            "else",
        ),
        # ... or when the names differ
        ({"issues": _SEX_MISMATCH}, {"cccd": "001180009999", "issues": [], "given_name": "Hoa"}, "else"),
    ],
)
def test_suspect_cccd_gives_no_evidence_only_when_all_else_agrees(
    left: dict, right: dict, expected: str
) -> None:
    if "given_name" in right:
        right = {**right, "full_name": f"Nguyễn Thị {right['given_name']}"}
    assert _level("cccd", left, right) == expected


@pytest.mark.parametrize(
    ("issues", "sex_guessed", "suspect", "year_kept"),
    [
        ([], False, False, True),
        # DOMAIN.md "CCCD": G encodes sex, YY the year; a number whose year contradicts the row
        # is likely someone else's, so a sex read off it is a guess, never a veto
        (["sex_from_cccd", "cccd_birth_year_mismatch"], True, True, True),
        (["sex_from_cccd"], False, False, True),
        # ... and a birth year read off a number whose sex contradicts the row is no evidence
        (["birth_year_from_cccd", "cccd_sex_mismatch"], False, True, False),
        (["birth_year_from_cccd"], False, False, True),
        (["sex_hint_from_middle_name"], True, False, True),
    ],
)
def test_values_read_off_a_suspect_cccd(
    issues: list, sex_guessed: bool, suspect: bool, year_kept: bool
) -> None:
    frame = pl.DataFrame(
        {
            "row_id": ["a"],
            "full_name": ["Nguyễn Thị Lan"],
            "surname": ["Nguyễn"],
            "middle_name": ["Thị"],
            "given_name": ["Lan"],
            "birth_year": [1980],
            "issues": [issues],
        },
        schema_overrides={"birth_year": pl.Int32},
    )
    out = prepare_records(frame, default_settings()).row(0, named=True)
    assert (out["sex_guessed"], out["cccd_suspect"]) == (sex_guessed, suspect)
    assert (out["birth_year"] == 1980) is year_kept


@pytest.mark.parametrize(
    ("name", "marked"),
    [
        ("Nguyễn Thị Lan", True),
        ("Đinh Lan", True),  # đ is a mark too (DOMAIN.md "Names")
        ("Nguyen Thi Lan", False),  # typed without diacritics
        ("NGUYEN  VAN  A", False),
        (None, None),
    ],
)
def test_name_marked(name: str | None, marked: bool | None) -> None:
    frame = pl.DataFrame({"full_name": [name]}, schema={"full_name": pl.String})
    assert frame.select(name_marked_expr()).item() == marked


def test_term_frequency_tables_built_once_give_the_same_comparisons() -> None:
    # slice-by-slice comparison reuses tables built once; they must equal the per-call ones
    from linkage_data import synthetic

    from ddss.linkage.records import tf_tables

    s = default_settings()
    records = prepare_records(synthetic(200).drop("person"), s)
    ids = records.get_column("row_id")
    pairs = pl.DataFrame({"row_id_l": ids.head(150), "row_id_r": ids.tail(150)})
    reference = records.head(120)  # not the compared frame: the tables come from the reference
    per_call = compare(records, records, pairs, s, tf_reference=reference)
    once = compare(records, records, pairs, s, tf=tf_tables(reference, s))
    assert once.equals(per_call)
    assert once.get_column("tf_given_name").null_count() < once.height
    other = compare(records, records, pairs, s, tf=tf_tables(records, s))
    assert not other.get_column("tf_given_name").equals(once.get_column("tf_given_name"))
