"""Name normalisation, issue codes, splitting and comparison keys (DOMAIN.md "Names")."""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddss import issues
from ddss.legacy_encodings import vietnamese_letters
from ddss.names import (
    TONE_STYLE_MAP,
    combine_name_parts_expr,
    given_key_expr,
    name_issues_expr,
    name_key_expr,
    normalise_name,
    normalise_name_expr,
    phonetic_key_expr,
    split_name_exprs,
    surname_key_expr,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # DOMAIN.md: hoà/hòa, thuý/thúy, khoẻ/khỏe, Hoá/Hóa: one style (traditional) by rule.
        ("hoà", "Hòa"),
        ("thuý", "Thúy"),
        ("khoẻ", "Khỏe"),
        ("HOÁ", "Hóa"),
        ("xoè", "Xòe"),
        ("Thuỵ", "Thụy"),
        ("Lê Thị Loã", "Lê Thị Lõa"),
        ("Hoàng", "Hoàng"),  # tone before a final consonant stays on the second vowel
        ("Quý", "Quý"),  # qu: u belongs to the consonant
        ("QUỲNH", "Quỳnh"),
        ("Qúy", "Quý"),
        ("Thuyết", "Thuyết"),
        ("Toán", "Toán"),
        ("Ngoài", "Ngoài"),  # oai: tone on a in both styles
        ("Hòang", "Hoàng"),  # misplaced before a consonant
        ("Hùynh", "Huỳnh"),
        ("Hoà-Bình", "Hòa-Bình"),
        # DOMAIN.md: Ð (eth) appears instead of Đ.
        ("ÐÀO", "Đào"),
        ("Ðặng Văn ðức", "Đặng Văn Đức"),
        # Proper case that respects Vietnamese capitals.
        ("NGUYỄN THỊ ĐÀO", "Nguyễn Thị Đào"),
        ("trần ưng ước", "Trần Ưng Ước"),
        ("ỨNG ẨN Ỷ", "Ứng Ẩn Ỷ"),
        # Spaces: NBSP, zero width, tabs, doubles.
        ("  Nguyễn\u00a0\u00a0Văn\tAn ", "Nguyễn Văn An"),
        ("Lê\u200bThị\ufeff Hà", "Lê Thị Hà"),
        # Stray characters.
        ("Nguyễn Văn An (đã chuyển) 12", "Nguyễn Văn An"),
        ("Nguyễn.Văn.An", "Nguyễn Văn An"),
        ("*Phạm Thị Lan*", "Phạm Thị Lan"),
        ("H'Hen Niê", "H'Hen Niê"),  # ethnic-minority apostrophes stay
        ("Y\u2019Moan", "Y'Moan"),
        # No diacritics stay without diacritics.
        ("nguyen van hoa", "Nguyen Van Hoa"),
        ("", None),
        ("  ", None),
        ("123", None),
        (None, None),
    ],
)
def test_normalise_name(raw: str | None, expected: str | None) -> None:
    assert normalise_name(raw) == expected


def test_nfd_input() -> None:
    # DOMAIN.md: files contain NFD text from Mac and web forms.
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    assert normalise_name(nfd) == "Nguyễn Thị Hòa"
    assert unicodedata.is_normalized("NFC", normalise_name(nfd) or "")


def test_tone_map_covers_every_cluster_and_tone() -> None:
    # Generated: 3 clusters x 5 tones, word end moved to the first vowel.
    word_end = {k: v for k, v in TONE_STYLE_MAP.items() if k.endswith(" ") and not k.startswith("q")}
    assert len(word_end) == 15
    assert word_end["oà "] == "òa " and word_end["uỹ "] == "ũy " and word_end["oẹ "] == "ọe "


def _issues(raw: str | None) -> list[str]:
    frame = pl.DataFrame({"raw": [raw]}, schema={"raw": pl.String})
    return (
        frame.with_columns(norm=normalise_name_expr("raw"))
        .select(name_issues_expr("raw", "norm"))
        .item()
        .to_list()
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nguyễn Thị Hòa", []),
        (unicodedata.normalize("NFD", "Nguyễn Thị Hòa"), [issues.NAME_NFD]),
        ("Nguyễn Thị Hoà", [issues.NAME_TONE_STYLE]),
        ("Lê Thuý Quý", [issues.NAME_TONE_STYLE]),  # thuý changes, quý does not
        ("Lê Quý Hoàng", []),
        ("Lê Qúy", [issues.NAME_TONE_STYLE]),
        ("Ðặng Văn Nam", [issues.NAME_ETH_D]),
        ("NGUYỄN VĂN NAM", [issues.NAME_CASE_FIXED]),
        (" Nguyễn  Văn Nam", [issues.NAME_SPACES_FIXED]),
        ("Nguyễn\u00a0Văn Nam", [issues.NAME_SPACES_FIXED]),
        ("Nguyen Van Nam", [issues.NAME_NO_DIACRITICS]),
        ("Nam", [issues.NAME_NO_DIACRITICS, issues.NAME_SINGLE_WORD]),
        ("Nguyễn Văn Nam 2", [issues.NAME_INVALID_CHARS]),
        (None, [issues.NAME_MISSING]),
        ("  ", [issues.NAME_MISSING, issues.NAME_SPACES_FIXED]),
    ],
)
def test_name_issues(raw: str | None, expected: list[str]) -> None:
    assert sorted(_issues(raw)) == sorted(expected)


def test_split_name() -> None:
    # DOMAIN.md: order is surname, middle name(s), given name.
    frame = pl.DataFrame({"n": ["Nguyễn Thị Minh Khai", "Lê Lợi", "Hoa", None]})
    out = frame.select(split_name_exprs("n"))
    assert out.rows() == [
        ("Nguyễn", "Thị Minh", "Khai"),
        ("Lê", None, "Lợi"),
        (None, None, "Hoa"),
        (None, None, None),
    ]


def test_combine_name_parts() -> None:
    # DOMAIN.md layouts: "Họ và tên đệm" + "Tên" in two columns.
    frame = pl.DataFrame({"s": ["Nguyễn Văn", None, "Lê ", None], "g": ["An", "Hoa", None, None]})
    out = frame.select(normalise_name_expr(combine_name_parts_expr("s", "g"))).to_series()
    assert out.to_list() == ["Nguyễn Văn An", "Hoa", "Lê", None]


def _key(expr_fn, value: str) -> str:  # type: ignore[no-untyped-def]
    return pl.DataFrame({"v": [value]}).select(expr_fn("v")).item()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Huỳnh", "Hoàng"),  # DOMAIN.md: same surname, south/north
        ("Võ", "Vũ"),  # DOMAIN.md: same surname
        ("Dung", "Giung"),  # d/gi/r northern merge
        ("Dũng", "Rũng"),
        ("Giang", "Dang"),
        ("Trang", "Chang"),  # tr/ch
        ("Sương", "Xương"),  # s/x
        ("Lan", "Lang"),  # final n/ng
        ("Phát", "Phác"),  # final t/c
        ("Thuỳ", "Thuì"),  # i/y
        ("Mỹ", "Mĩ"),
        ("Nguyễn", "Nguyeen"),  # Telex residue
        ("Phương", "Fuong"),
        ("Kiên", "Ciên"),
        ("Nghĩa", "Ngĩa"),
        ("Đào", "Dao"),  # Đ typed as D
    ],
)
def test_phonetic_key_equivalences(a: str, b: str) -> None:
    assert _key(phonetic_key_expr, a) == _key(phonetic_key_expr, b)


@pytest.mark.parametrize(("a", "b"), [("Hải", "Hãy"), ("Lan", "Hoa"), ("Minh", "Mai"), ("Thu", "Thư Anh")])
def test_phonetic_key_keeps_different_names_apart(a: str, b: str) -> None:
    assert _key(phonetic_key_expr, a) != _key(phonetic_key_expr, b)


def test_name_keys() -> None:
    frame = pl.DataFrame({"n": ["Huỳnh Thị Thuỳ Trang", "Hoa"]})
    out = frame.select(
        name_key_expr("n").alias("k"), given_key_expr("n").alias("g"), surname_key_expr("n").alias("s")
    )
    assert out.rows() == [("huynh thi thuy trang", "chan", "hoan"), ("hoa", "hoa", None)]


# --- properties ------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()


# (canonical traditional form, the other style) pairs plus words without a tone-style choice.
_WORD_PAIRS = [
    ("Hòa", "Hoà"),
    ("Thúy", "Thuý"),
    ("Khỏe", "Khoẻ"),
    ("Hóa", "Hoá"),
    ("Thụy", "Thuỵ"),
    ("Xòe", "Xoè"),
    ("Lõa", "Loã"),
    ("Tỏa", "Toả"),
    ("Thủy", "Thuỷ"),
] + [
    (w, w)
    for w in _words(
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Vũ Võ Đặng Đỗ Dương Trương Văn Thị Hữu Đức Ngọc Quý Quỳnh "
        "Thuyết Ước Ưng Ánh Ý Đào Hương Nguyệt Toán Ngoài Huy Nam An Minh"
    )
]


@st.composite
def _name_variants(draw: st.DrawFn) -> tuple[str, str]:
    pairs = draw(st.lists(st.sampled_from(_WORD_PAIRS), min_size=1, max_size=4))
    canonical = " ".join(p[0] for p in pairs)
    words = [draw(st.sampled_from(p)) for p in pairs]
    sep = draw(st.sampled_from([" ", "  ", "\u00a0", " \t"]))
    variant = sep.join(words)
    variant = draw(st.sampled_from([str.upper, str.lower, str.title, str]))(variant)
    form = draw(st.sampled_from(["NFC", "NFD"]))
    variant = unicodedata.normalize(form, variant)
    if draw(st.booleans()):
        variant = variant.replace("Đ", "Ð").replace("đ", "ð")
    return canonical, variant


@settings(max_examples=150, deadline=None)
@given(_name_variants())
def test_variants_normalise_to_one_form(case: tuple[str, str]) -> None:
    canonical, variant = case
    assert normalise_name(variant) == canonical


_ALPHABET = st.sampled_from(
    [*vietnamese_letters(), *"abcdeghiklmnopqrstuvxyABCDEGHIKLMNOPQRSTUVXY", *" \u00a0'-.(),0123456789Ðð"]
)


@settings(max_examples=150, deadline=None)
@given(st.text(_ALPHABET, max_size=30))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once


@pytest.mark.parametrize("letter", vietnamese_letters()[:67])
def test_proper_case_handles_every_vietnamese_letter(letter: str) -> None:
    # polars' titlecase must capitalise each of the 67 letters at a word start only.
    assert normalise_name(f"{letter}n {letter}n".upper()) == f"{letter.upper()}n {letter.upper()}n"
