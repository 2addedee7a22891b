"""Legacy encodings (DOMAIN.md "Names": TCVN3/ABC, VNI, VIQR) and the shared text helpers."""

from __future__ import annotations

import polars as pl
import pytest

from ddss import issues
from ddss.legacy_encodings import (
    encode_tcvn3,
    encode_viqr,
    encode_vni,
    vietnamese_letters,
)
from ddss.names import normalise_name
from ddss.text import ascii_fold_expr, decode_legacy_columns, decode_legacy_expr, detect_legacy_encoding


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Lương "
    "Lâm Mai Đoàn Tạ Quách Thái Hà Cao Lưu Triệu Ưng Khổng Kiều Thân Âu Ông Ứng Ân Đàm Lã Mạc"
)
MIDDLES = _words(
    "Văn Thị Hữu Đức Minh Ngọc Thanh Quốc Thu Kim Xuân Thùy Mỹ Bảo Gia Quỳnh Phương Hoài "
    "Khánh Tường Ánh Ý Uyên Thế Đình Công Diệu Trọng Ỷ"
)
GIVENS = _words(
    "Hùng Đào Hoa Lan Tuấn Dũng Hưng Thư Như Phước Trường Hương Nguyệt Tuyết Quyên Khuê Yến "
    "Ngọc Hòa Thúy Khỏe Quý Thuận Ẩn Ước Ổn Ớt Ửng Ỷ Ý Ấn Ánh Ân Ẫn Ậu Ắt Ặc Ằn Ẳn Ẵn Ì Ỉ Ĩ Í Ị "
    "Ế Ề Ể Ễ Ệ Ò Ó Ỏ Õ Ọ Ồ Ố Ổ Ỗ Ộ Ờ Ớ Ở Ỡ Ợ Ù Ú Ủ Ũ Ụ Ừ Ứ Ử Ữ Ự Ỳ Ỹ Ỵ Ể Ẹ Ẻ Ẽ É È "
    "Tâm Sơn Hải Yên Nhung Oanh Huệ Quế Loan Luận Hiếu Nghĩa Trí Kỷ Mỵ Tĩnh Ngữ Nhựt Dự Bửu Thọ "
    "Khiết Thoại Xoan Toản Ngoãn Khoẻ Quỳ Huy Thuỷ Ưu"
)
# ~200 real-looking names covering every tone on every vowel, ư, ơ, đ and word-initial capitals.
NAMES = [
    f"{SURNAMES[i % len(SURNAMES)]} {MIDDLES[(i * 7) % len(MIDDLES)]} {GIVENS[(i * 13) % len(GIVENS)]}"
    for i in range(200)
]
LETTERS = vietnamese_letters()
LOWER = "".join(LETTERS[:67])
UPPER = "".join(LETTERS[67:])

ENCODERS = {"tcvn3": encode_tcvn3, "vni": encode_vni, "viqr": encode_viqr}


def _decode(values: list[str], encoding: str) -> list[str]:
    return pl.DataFrame({"v": values}).select(decode_legacy_expr("v", encoding))["v"].to_list()


def test_tables_cover_all_134_letters() -> None:
    assert len(LETTERS) == len(set(LETTERS)) == 134


@pytest.mark.parametrize("encoding", ["vni", "viqr"])
def test_every_letter_round_trips(encoding: str) -> None:
    # VNI and VIQR encode all 134 letters, both cases.
    text = " ".join(LETTERS)
    assert _decode([ENCODERS[encoding](text)], encoding) == [text]


def test_tcvn3_letters_round_trip() -> None:
    # DOMAIN.md: .VnTime holds lowercase letters + the 7 modified capitals; .VnTimeH reuses the
    # lowercase codes for capitals.
    lower = " ".join(LOWER) + " Ă Â Ê Ô Ơ Ư Đ"
    assert _decode([encode_tcvn3(lower), "a"], "tcvn3")[0] == lower
    upper = " ".join("X" + letter for letter in UPPER)
    assert _decode([encode_tcvn3(upper, caps_font=True)], "tcvn3") == [upper]


def test_domain_example_tcvn3() -> None:
    # DOMAIN.md: read as Latin-1 TCVN3 looks like `NguyÔn V¨n Hïng`.
    assert encode_tcvn3("Nguyễn Văn Hùng") == "NguyÔn V¨n Hïng"
    assert encode_vni("Nguyễn") == "Nguyeãn"
    assert encode_viqr("Nguyễn Việt") == "Nguye^~n Vie^.t"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viqr"])
def test_names_column_detects_and_round_trips(encoding: str) -> None:
    encoded = pl.Series([ENCODERS[encoding](name) for name in NAMES])
    assert detect_legacy_encoding(encoded) == encoding
    decoded = _decode(encoded.to_list(), encoding)
    if encoding == "tcvn3":
        # .VnTime has no toned capitals: they come back lowercase, and name normalisation
        # restores the case.
        assert [normalise_name(d) for d in decoded] == [normalise_name(n) for n in NAMES]
        exact = [
            i for i, n in enumerate(NAMES) if all(c.isascii() or c in "ĂÂÊÔƠƯĐ" for c in n if c.isupper())
        ]
        assert len(exact) > 50
        assert all(decoded[i] == NAMES[i] for i in exact)
    else:
        assert decoded == NAMES


def test_tcvn3_caps_font_column() -> None:
    # DOMAIN.md: .VnTimeH fonts reuse lowercase codes for capitals (Ư in caps included).
    upper = [n.upper() for n in NAMES]
    encoded = pl.Series([encode_tcvn3(n, caps_font=True) for n in NAMES])
    assert detect_legacy_encoding(encoded) == "tcvn3"
    assert _decode(encoded.to_list(), "tcvn3") == upper
    assert "TRƯƠNG" in " ".join(upper)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Trương Văn Hưng", "Trương Văn Hưng"),  # ơng after a lost ư; vowel-less Hng
        ("Dương Thị Thư", "Dương Thị Thư"),  # lone Th
        ("Lê Phước Thọ", "Lê Phước Thọ"),  # ơc
        ("Nguyễn Như Ý", "Nguyễn Như ý"),  # Nh; Ý has no capital code in .VnTime
    ],
)
def test_tcvn3_stripped_soft_hyphen_is_repaired(name: str, expected: str) -> None:
    # DOMAIN.md: ư is 0xAD, a soft hyphen that some tools strip.
    stripped = encode_tcvn3(name).replace("\xad", "")
    assert _decode([stripped, encode_tcvn3("Lê Văn Tám").replace("\xad", "")], "tcvn3")[0] == expected


def test_tcvn3_caps_font_with_stripped_soft_hyphen() -> None:
    names = ["TRƯƠNG VĂN HƯNG", "DƯƠNG THỊ THƯ", "LÊ PHƯỚC"]
    encoded = [encode_tcvn3(n, caps_font=True).replace("\xad", "") for n in names]
    assert detect_legacy_encoding(pl.Series(encoded)) == "tcvn3"
    assert _decode(encoded, "tcvn3") == names


@pytest.mark.parametrize(
    "values",
    [
        NAMES,  # Unicode names
        [n.upper() for n in NAMES],
        pl.Series(NAMES).str.normalize("NFD").to_list(),  # NFD Unicode
        ["Nguyen Van An", "Tran Thi Binh", "Le Hoang", "Pham Quoc Viet"],  # ASCII names
        ["12/05/1985", "1985", "01-02-2001", "2001-02-01", "31234"],  # dates
        ["079085012345", "1.23457E+11", "0912 345 678", "CMND-123"],  # IDs, phones
        ["A+", "O+", "AB+", "B-"],  # blood groups look like VIQR horns
        ["Hello (world)", "C++ code", "Café ©2020 ® µm", "What? Yes!", "e^x + 1", "x~y"],
        ["ÐÀO", "Ðặng Văn Ðức", "Đỗ"],  # eth for Đ is Unicode, not TCVN3 é
        ["Hoàng Anh", "Hòa", "Lê Hà", "Tiên", "Quân", "Ngô Yên"],  # Latin-1-only Unicode
        [None, "", "  "],
    ],
)
def test_detector_negatives(values: list[str | None]) -> None:
    assert detect_legacy_encoding(pl.Series(values, dtype=pl.String)) is None


def test_mixed_column_keeps_unicode_cells() -> None:
    # A Latin-1-only Unicode name (Hoàng) also reads as VNI "Hồng": in a column mixing sources
    # only cells carrying the VNI signature are converted.
    values = ["Nguyễn Văn Hùng", "Hoàng Anh", "Lê Thị Mỹ", "Đặng Hòa"] * 3 + [encode_vni("Trần Thị Đào")]
    assert detect_legacy_encoding(pl.Series(values)) == "vni"
    decoded = _decode(values, "vni")
    assert decoded[:-1] == values[:-1]
    assert decoded[-1] == "Trần Thị Đào"


def test_decode_legacy_columns_records_issues() -> None:
    frame = pl.DataFrame(
        {
            "full_name": [encode_tcvn3("Nguyễn Văn Hùng"), "Lan", None],
            "address": [encode_tcvn3("Hà Nội"), encode_tcvn3("Hải Phòng"), "Ha"],
            "cccd": ["001085012345", "x", None],
            "source_row": [1, 2, 3],
            "issues": [["sheet_no_header"], [], None],
        }
    )
    out, found = decode_legacy_columns(frame, ["full_name", "address", "cccd", "source_row", "nope"])
    assert found == {"full_name": "tcvn3", "address": "tcvn3"}
    assert out["full_name"].to_list() == ["Nguyễn Văn Hùng", "Lan", None]
    assert out["address"].to_list() == ["Hà Nội", "Hải Phòng", "Ha"]
    assert out["issues"].to_list() == [
        ["sheet_no_header", issues.NAME_LEGACY_TCVN3, issues.TEXT_LEGACY_ENCODING],
        [issues.TEXT_LEGACY_ENCODING],
        [],
    ]


@pytest.mark.parametrize(
    ("column", "encoding", "code"),
    [
        ("given_part", "vni", issues.NAME_LEGACY_VNI),
        ("surname_part", "viqr", issues.NAME_LEGACY_VIQR),
        ("village", "viqr", issues.TEXT_LEGACY_ENCODING),
    ],
)
def test_decode_legacy_columns_creates_issues(column: str, encoding: str, code: str) -> None:
    frame = pl.DataFrame({column: [ENCODERS[encoding](n) for n in NAMES[:20]] + ["An"]})
    out, found = decode_legacy_columns(frame, [column])
    assert found == {column: encoding}
    assert out[column].to_list() == [*NAMES[:20], "An"]
    assert out["issues"].to_list() == [[code]] * 20 + [[]]


def test_decode_legacy_columns_leaves_unicode_alone() -> None:
    frame = pl.DataFrame({"full_name": NAMES})
    out, found = decode_legacy_columns(frame, ["full_name"])
    assert found == {}
    assert out["full_name"].to_list() == NAMES
    assert out.schema["issues"] == pl.List(pl.String)
    assert out["issues"].to_list() == [[]] * len(NAMES)


def test_unknown_encoding_raises() -> None:
    with pytest.raises(ValueError, match="unknown legacy encoding"):
        decode_legacy_expr("v", "latin9")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Nguyễn  Thị Ðào", "nguyen thi dao"), ("ĐẶNG Văn Ước", "dang van uoc"), (" Hoà ", "hoa")],
)
def test_ascii_fold(raw: str, expected: str) -> None:
    # DOMAIN.md: Đ has no decomposition, so comparison keys map it explicitly.
    assert pl.select(ascii_fold_expr(pl.lit(raw))).item() == expected


@pytest.mark.parametrize("encoding", ["vni", "viqr"])
def test_all_caps_column_round_trips(encoding: str) -> None:
    # Member lists are often typed in capitals (HỌ VÀ TÊN); VNI uses capital marks there.
    upper = [n.upper() for n in NAMES]
    encoded = pl.Series([ENCODERS[encoding](n) for n in upper])
    assert detect_legacy_encoding(encoded) == encoding
    assert _decode(encoded.to_list(), encoding) == upper
