"""Tests for ddss.units: the shipped 2025 unit tables, place keys and the place resolver."""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddss import issues
from ddss.units import (
    _clean_text,
    cccd_provinces,
    communes,
    old_units,
    place_key_expr,
    provinces,
    resolve_places,
)

# DOMAIN.md "CCCD": the 63 pre-2025 province codes used as PPP.
# fmt: off
CCCD_CODES = [
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
    "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
    "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
    "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
    "089", "091", "092", "093", "094", "095", "096",
]
# fmt: on


# --- shipped tables ---------------------------------------------------------------------------
def test_province_and_commune_counts() -> None:
    # DOMAIN.md: since 2025-07-01, 34 provinces and 3,321 communes (2,621 xã, 687 phường, 13 đặc khu).
    assert provinces().height == 34
    assert provinces()["province_code"].n_unique() == 34
    assert communes().height == 3321
    assert communes()["commune_code"].n_unique() == 3321
    by_type = dict(communes().group_by("commune_type").len().iter_rows())
    assert by_type == {"xã": 2621, "phường": 687, "đặc khu": 13}


def test_commune_type_matches_name() -> None:
    # the source package's own type field is wrong for 4 units (ddss/data/SOURCES.md)
    prefix = communes()["commune_name"].str.extract(r"^(Xã|Phường|Đặc khu) ").str.to_lowercase()
    assert (prefix == communes()["commune_type"]).all()


def test_codes_are_text_with_leading_zeros() -> None:
    assert provinces()["province_code"].str.len_chars().unique().to_list() == [2]
    assert communes()["commune_code"].str.contains(r"^\d{5}$").all()
    assert communes()["province_code"].is_in(provinces()["province_code"].implode()).all()
    hanoi = provinces().filter(pl.col("province_code") == "01").row(0, named=True)
    assert hanoi == {"province_code": "01", "province_name": "Thành phố Hà Nội", "short_name": "Hà Nội"}


def test_cccd_provinces_match_domain_list() -> None:
    # DOMAIN.md "CCCD": PPP uses the 63 pre-2025 codes; each now lies in one 2025 province.
    table = cccd_provinces()
    assert sorted(table["cccd_code"]) == CCCD_CODES
    assert table["new_province_code"].is_in(provinces()["province_code"].implode()).all()
    new_of = dict(table.select("cccd_code", "new_province_code").iter_rows())
    # 001 Hà Nội, 038 Thanh Hóa, 079 TP HCM keep theirs; Bình Dương 074 and Bà Rịa-Vũng Tàu 077
    # joined TP HCM; Kiên Giang 091 joined An Giang (91), An Giang 089 too.
    assert new_of["001"] == "01" and new_of["038"] == "38" and new_of["079"] == "79"
    assert new_of["074"] == "79" and new_of["077"] == "79"
    assert new_of["089"] == "91" and new_of["091"] == "91"


def test_old_units_cover_every_new_commune() -> None:
    # DOMAIN.md: old communes map to new ones; some were split (several rows for one old unit).
    table = old_units()
    assert table["new_commune_code"].is_in(communes()["commune_code"].implode()).all()
    assert table["new_commune_code"].n_unique() == 3321
    split = table.group_by("old_province_name", "old_district_name", "old_commune_name").agg(
        pl.col("new_commune_code").n_unique()
    )
    assert split.filter(pl.col("new_commune_code") > 1).height > 0


# --- place keys -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("TP. Hồ Chí Minh", "Hồ Chí Minh"),  # prefix and punctuation dropped
        ("Thành phố Hồ Chí Minh", "ho chi minh"),  # no diacritics, lower case
        ("TPHCM", "Sài Gòn"),  # common aliases of the same city
        ("tp hcm", "HCM"),
        ("Phường 01", "phường 1"),  # leading zeros in numbered wards
        ("P.1", "Phường 1"),  # abbreviated prefix
        ("XÃ AN PHÚ", "An Phú"),  # capitals
        (unicodedata.normalize("NFD", "Xã An Phú"), "Xã An Phú"),  # DOMAIN.md "Names": NFD
        ("Thừa Thiên Huế", "Huế"),  # renamed 2025-01-01
        ("Ðông Anh", "Đông Anh"),  # DOMAIN.md "Names": eth instead of Đ
        ("Xã Thuận Hoà", "Xã Thuận Hòa"),  # DOMAIN.md "Names": two tone-mark placements
        ("Xã Quan Sơn", "Quan Sơn"),  # a name starting with a type-like word keeps it
    ],
)
def test_place_key_equivalences(left: str, right: str) -> None:
    frame = pl.DataFrame({"a": [left], "b": [right]})
    out = frame.select(place_key_expr("a"), place_key_expr("b")).row(0)
    assert out[0] == out[1]


def test_place_key_handles_nfd_input() -> None:
    # DOMAIN.md "Names": files contain NFD text from Mac and some web forms.
    frame = pl.DataFrame({"a": ["Thành phố Hà Nội"]}).with_columns(b=pl.col("a").str.normalize("NFD"))
    assert frame.select(place_key_expr("a"), place_key_expr("b")).row(0) == ("ha noi", "ha noi")


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(communes()["commune_name"].to_list()), st.booleans(), st.booleans())
def test_place_key_ignores_case_and_normal_form(name: str, upper: bool, nfd: bool) -> None:
    frame = pl.DataFrame({"a": [name]})
    variant = pl.col("a").str.to_uppercase() if upper else pl.col("a")
    variant = variant.str.normalize("NFD") if nfd else variant
    out = frame.select(place_key_expr("a"), place_key_expr(variant).alias("v")).row(0)
    assert out[0] == out[1]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Xã Thuận Hoà", "xã thuận hòa"),  # DOMAIN.md "Names": hoà / hòa
        ("Khoẻ", "khỏe"),
        ("Thuý", "thúy"),
        ("Quý Hoàng", "quý hoàng"),  # qu is one consonant; "oà" inside a word stays
        ("Phường 01", "phường 1"),
        ("TP. Hồ  Chí-Minh", "tp hồ chí minh"),
    ],
)
def test_clean_text_unifies_tone_style(raw: str, clean: str) -> None:
    assert pl.select(_clean_text(pl.lit(raw))).item() == clean


# --- resolution -------------------------------------------------------------------------------
def _resolve(rows: list[dict[str, str | None]]) -> list[dict[str, object]]:
    frame = pl.DataFrame(rows, schema={c: pl.String for c in ("province", "commune", "title", "folder")})
    out = resolve_places(
        frame,
        province_sources=["province", "title", "folder"],
        commune_sources=["commune", "title", "folder"],
    )
    return out.select(
        "province_code", "commune_code", "place_issues", "province_source", "commune_source"
    ).to_dicts()


def _row(**kwargs: str) -> dict[str, str | None]:
    return {c: kwargs.get(c) for c in ("province", "commune", "title", "folder")}


RESOLVE_CASES = [
    # new names, in the row's own columns
    (_row(province="Hà Nội", commune="Phường Hoàn Kiếm"), ("01", "00070", [])),
    (_row(province="TP. Hồ Chí Minh", commune="Đặc khu Côn Đảo"), ("79", "26732", [])),
    # accented names decide where folding collides (Văn Lang / Văn Lăng, both Thái Nguyên)
    (_row(province="Thái Nguyên", commune="Xã Văn Lăng"), ("19", "05665", [])),
    (_row(province="Thái Nguyên", commune="Xã Văn Lang"), ("19", "02143", [])),
    (_row(province="Thai Nguyen", commune="xa van lang"), ("19", None, [issues.COMMUNE_AMBIGUOUS])),
    # a commune name in three provinces, province unknown: flagged, not guessed
    (
        _row(commune="Xã An Phú"),
        (None, None, [issues.PROVINCE_UNKNOWN, issues.COMMUNE_AMBIGUOUS]),
    ),
    (_row(province="An Giang", commune="Xã An Phú"), ("91", "30337", [])),
    # a current name wins, but an old Xã Hưng Đạo (Cao Bằng city) went to another unit, so a
    # steward is asked to check (in a pre-2025 file it would mean that unit)
    (_row(province="Cao Bằng", commune="Xã Hưng Đạo"), ("04", "01351", [issues.COMMUNE_NAME_ALSO_OLD])),
    # ... and an old-style address (with its district) means the old unit
    (
        _row(commune="Xã Hưng Đạo, Thành phố Cao Bằng, Tỉnh Cao Bằng"),
        ("04", "01273", [issues.COMMUNE_FROM_OLD_NAME]),
    ),
    # a pre-2025 province name (Hải Dương, now in Hải Phòng) marks an old address
    (
        _row(province="Hải Phòng", commune="Phường Nguyễn Trãi"),
        ("31", "10552", [issues.COMMUNE_NAME_ALSO_OLD]),
    ),
    (
        _row(province="Tỉnh Hải Dương", commune="Phường Nguyễn Trãi"),
        ("31", "10507", [issues.COMMUNE_FROM_OLD_NAME]),
    ),
    # the written type decides: Hải Phòng has a new Xã Trần Phú, but Phường Trần Phú was an
    # old ward (split); thị trấn and xã Mường Tè were two old units of one district
    (_row(province="Hải Phòng", commune="Phường Trần Phú"), ("31", None, [issues.COMMUNE_AMBIGUOUS])),
    (
        _row(province="Lai Châu", commune="Thị trấn Mường Tè, Huyện Mường Tè"),
        ("12", "03433", [issues.COMMUNE_FROM_OLD_NAME]),
    ),
    (_row(province="Lai Châu", commune="Xã Mường Tè, Huyện Mường Tè"), ("12", "03445", [])),
    # DOMAIN.md: old communes map to new ones; unique -> resolved and noted
    (
        _row(province="Thái Nguyên", commune="Xã Cúc Đường"),
        ("19", "05740", [issues.COMMUNE_FROM_OLD_NAME]),
    ),
    # ... and a split old commune is flagged for a steward
    (_row(province="Hà Nội", commune="Phường Cửa Đông"), ("01", None, [issues.COMMUNE_AMBIGUOUS])),
    # full address strings, old style with district, and NFD
    (
        _row(commune="Xã Cúc Đường, Huyện Võ Nhai, Tỉnh Thái Nguyên"),
        ("19", "05740", [issues.COMMUNE_FROM_OLD_NAME]),
    ),
    (_row(commune="Phường Bến Nghé, Quận 1, TP.HCM"), ("79", "26740", [issues.COMMUNE_FROM_OLD_NAME])),
    # numbered wards of old city districts, with leading zeros or abbreviations
    (_row(commune="Phường 01, Quận 3, TP. Hồ Chí Minh"), ("79", "27154", [issues.COMMUNE_FROM_OLD_NAME])),
    (_row(commune="P.1, Q.3, TPHCM"), ("79", "27154", [issues.COMMUNE_FROM_OLD_NAME])),
    # a title row with no commas (DOMAIN.md "Spreadsheet layouts": the commune in the titles)
    (
        _row(title="HỘI LHPN XÃ CÚC ĐƯỜNG HUYỆN VÕ NHAI TỈNH THÁI NGUYÊN"),
        ("19", "05740", [issues.COMMUNE_FROM_OLD_NAME]),
    ),
    (
        _row(commune=unicodedata.normalize("NFD", "Phường Hoàn Kiếm, Thành phố Hà Nội")),
        ("01", "00070", []),
    ),
    # a bare province name in a commune column is not read as the ward of that name
    (_row(commune="Lào Cai"), (None, None, [issues.PROVINCE_UNKNOWN, issues.COMMUNE_UNKNOWN])),
    (_row(commune="Phường Lào Cai"), ("15", "02647", [])),
    # unknown
    (_row(province="Hà Nội", commune="Xã Không Có"), ("01", None, [issues.COMMUNE_UNKNOWN])),
    (_row(province="Atlantis"), (None, None, [issues.PROVINCE_UNKNOWN, issues.COMMUNE_UNKNOWN])),
    (_row(), (None, None, [issues.PROVINCE_UNKNOWN, issues.COMMUNE_UNKNOWN])),
]


@pytest.fixture(scope="module")
def resolved_cases() -> list[dict[str, object]]:
    # one resolve_places call for all cases (each call has a fixed cost); rows are independent
    return _resolve([row for row, _ in RESOLVE_CASES])


@pytest.mark.parametrize("case", range(len(RESOLVE_CASES)))
def test_resolve_places(case: int, resolved_cases: list[dict[str, object]]) -> None:
    got = resolved_cases[case]
    expected = RESOLVE_CASES[case][1]
    assert (got["province_code"], got["commune_code"], got["place_issues"]) == expected


def test_nfd_address_resolves() -> None:
    row = _row(commune=pl.Series(["Phường Cửa Nam, Hà Nội"]).str.normalize("NFD")[0])
    got = _resolve([row])[0]
    assert (got["province_code"], got["commune_code"]) == ("01", "00082")


def test_sources_are_tried_in_priority_order() -> None:
    # CONTRACT.md: the row's own columns, then the sheet's title, then the folder names.
    rows = [
        _row(province="Hà Nội", title="Cần Thơ", folder="Huế"),
        _row(title="Cần Thơ", folder="Huế"),
        _row(province="không rõ", folder="Huế"),
        _row(province="Hà Nội", commune="xyz", title="Phường Cửa Nam"),
        _row(province="Hà Nội", commune="Phường Hoàn Kiếm", title="Phường Cửa Nam"),
    ]
    got = _resolve(rows)
    assert [(g["province_code"], g["province_source"]) for g in got] == [
        ("01", "province"),
        ("92", "title"),
        ("46", "folder"),
        ("01", "province"),
        ("01", "province"),
    ]
    assert [(g["commune_code"], g["commune_source"]) for g in got[3:]] == [
        ("00082", "title"),
        ("00070", "commune"),
    ]


def test_commune_sets_unknown_province() -> None:
    # A commune name found in one province only fixes the province.
    got = _resolve([_row(commune="Xã Cúc Đường")])[0]
    assert (got["province_code"], got["commune_code"], got["province_source"]) == ("19", "05740", "commune")


def test_resolve_keeps_rows_and_order() -> None:
    rows = [_row(province=p) for p in ["Hà Nội", None, "Cà Mau", "Hà Nội", "x"]]
    got = _resolve(rows)
    assert [g["province_code"] for g in got] == ["01", None, "96", "01", None]
