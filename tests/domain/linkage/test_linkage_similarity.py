"""Similarity columns (digit edits, Jaro-Winkler) computed only where a level can read them."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from rapidfuzz.distance import JaroWinkler

from ddss.linkage import default_settings, level_labels
from ddss.linkage.comparisons import compare
from ddss.linkage.similarity import date_digits_expr, jaro_winkler
from ddss.text import ascii_fold_expr


def _levels(name: str, left: dict, rights: list[dict]) -> list[str]:
    """The level of `left` against each of `rights`, all compared in one call."""
    settings = default_settings()
    spec = next(s for s in settings.comparisons if s.name == name)
    base = {
        "row_id": None,
        "surname": "Nguyễn",
        "middle_name": "Thị",
        "given_name": "Lan",
        "full_name": "Nguyễn Thị Lan",
        "birth_date": dt.date(1980, 5, 12),
        "birth_year": 1980,
        "sex": "F",
        "cccd": "001180001234",
        "phone": None,
        "province_code": "01",
        "commune_code": "00004",
    }
    rows = [{**base, **left, "row_id": "l"}] + [
        {**base, **r, "row_id": f"r{i}"} for i, r in enumerate(rights)
    ]
    frame = pl.DataFrame(rows, schema_overrides={"birth_year": pl.Int32, "phone": pl.String})
    pairs = pl.DataFrame({"row_id_l": ["l"] * len(rights), "row_id_r": [f"r{i}" for i in range(len(rights))]})
    gammas = compare(frame, frame, pairs, settings).get_column(f"gamma_{spec.name}")
    return [level_labels(spec)[g] for g in gammas]


def test_date_levels_in_one_call() -> None:
    # several pairs per call: each must get its own level, not its neighbour's
    rights = [
        {"birth_date": dt.date(1986, 5, 12), "birth_year": 1986},  # one digit of the year
        {"birth_date": dt.date(1980, 5, 21)},  # two digits of the day: same year only
        {"birth_date": dt.date(1980, 12, 5)},  # day and month swapped
        {"birth_date": dt.date(1980, 5, 12)},
        {"birth_date": dt.date(1989, 5, 12), "birth_year": 1989},  # one digit, year far apart
        {"birth_date": dt.date(1880, 5, 12), "birth_year": 1880},  # one digit (the century)
        {"birth_date": dt.date(1998, 5, 12), "birth_year": 1998},  # 8/9 swapped: not one digit
        {"birth_date": None, "birth_year": 1980},
        {"birth_date": dt.date(1980, 6, 12)},  # month one digit off
    ]
    assert _levels("birth_date", {}, rights) == [
        "one digit off",
        "same year, other date",
        "day-month swapped",
        "exact",
        "one digit off",
        "one digit off",
        "else",
        "year agrees",
        "one digit off",
    ]


def test_cccd_levels_in_one_call() -> None:
    rights = [
        {"cccd": "101180001234"},  # leading zero changed: digits, not numbers, are compared
        {"cccd": "010180001234"},  # first two digits swapped, one a leading zero
        {"cccd": "001180001243"},  # last two digits swapped
        {"cccd": "00118000123"},  # a digit dropped: lengths differ
        {"cccd": "0011800012345"},  # a digit added
        {"cccd": "00118000123X"},  # not digits: no distance
        {"cccd": "001180004321"},  # four digits reversed
        {"cccd": None},
        {"cccd": "001180001234"},
    ]
    assert _levels("cccd", {}, rights) == [
        "one digit off",
        "transposition",
        "transposition",
        "else",
        "else",
        "else",
        "else",
        "null",
        "exact",
    ]


def _edits(a: str, b: str) -> tuple[int, int]:
    """Reference: differing digits and OSA of two digit strings of one length."""
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    swap = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    return len(diff), 1 if swap else len(diff)


def test_digit_levels_match_a_reference_on_random_codes() -> None:
    rng = random.Random(7)
    base = "079185004321"
    rights = []
    for _ in range(300):
        code = list(base)
        kind = rng.choice(["one", "swap", "two", "same", "short"])
        i = rng.randrange(len(code) - 1)
        if kind == "one":
            code[i] = str((int(code[i]) + rng.randrange(1, 10)) % 10)
        elif kind == "swap":
            code[i], code[i + 1] = code[i + 1], code[i]
        elif kind == "two":
            j = rng.randrange(len(code))
            code[i], code[j] = str(rng.randrange(10)), str(rng.randrange(10))
        elif kind == "short":
            del code[i]
        rights.append("".join(code))
    got = _levels("cccd", {"cccd": base}, [{"cccd": c} for c in rights])
    for code, level in zip(rights, got, strict=True):
        if code == base:
            want = "exact"
        elif len(code) != len(base):
            want = "else"
        else:
            lev, osa = _edits(base, code)
            want = "one digit off" if lev == 1 else "transposition" if (osa, lev) == (1, 2) else "else"
        assert level == want, code


@pytest.mark.parametrize(
    ("day", "digits"),
    [(dt.date(1980, 5, 12), 19800512), (dt.date(2001, 12, 1), 20011201), (None, None)],
)
def test_date_digits(day: dt.date | None, digits: int | None) -> None:
    frame = pl.DataFrame({"d": [day]}, schema={"d": pl.Date})
    assert frame.select(date_digits_expr(pl.col("d"))).item() == digits


def test_jaro_winkler_levels_match_a_reference() -> None:
    # no phonetic key in the frame (it falls back to the fold): pairs whose folds differ are
    # placed by their own Jaro-Winkler score, however many pairs share a call
    given = ["Huong", "Huon", "Hung", "Lan", "Hương", "Hường", "Lam", "Huong", None, "Hoàng", "Huyen"]
    rights = [{"given_name": g, "full_name": f"Nguyen Thi {g}" if g else "Nguyen Thi"} for g in given]
    got = _levels("given_name", {"given_name": "Huong", "full_name": "Nguyen Thi Huong"}, rights)
    fold = pl.Series([g.lower() if g else None for g in given]).to_frame("g")
    folds = fold.select(ascii_fold_expr("g")).to_series().to_list()
    for g, f, level in zip(given, folds, got, strict=True):
        if g is None:
            want = "null"
        elif g == "Huong":
            want = "exact"
        elif f == "huong":
            want = "diacritic-insensitive"
        else:
            sim = JaroWinkler.normalized_similarity("huong", f)
            want = (
                "Jaro-Winkler >= 0.92" if sim >= 0.92 else "Jaro-Winkler >= 0.85" if sim >= 0.85 else "else"
            )
        assert level == want, g
    assert "Jaro-Winkler >= 0.85" in got and "else" in got


def test_jaro_winkler_on_codes_equals_on_text() -> None:
    """Codes into a list of values score as the values themselves, nulls and equal ones too."""
    text = pl.Series(["lan", "lam", "hoa", "hoang"])
    codes = pl.DataFrame(
        {"a_l": [0, 0, 2, None, 3, 1], "a_r": [1, 0, 3, 2, 2, 0]}, schema={"a_l": pl.UInt8, "a_r": pl.UInt8}
    )
    words = pl.DataFrame({c: text.gather(codes.get_column(c)) for c in codes.columns})
    need = pl.lit(True)
    on_text = jaro_winkler(words, need, "a_l", "a_r", "s")
    on_codes = jaro_winkler(codes, need, "a_l", "a_r", "s", text)
    assert on_codes.equals(on_text) and on_text.null_count() == 2 and on_text[0] is not None
