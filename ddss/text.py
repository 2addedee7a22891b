"""Vietnamese text primitives shared by every stage (vectorised polars expressions).

Stored text keeps its diacritics; the folded keys built here are only for comparison.
"""

from __future__ import annotations

import re

import polars as pl

from ddss import issues
from ddss.legacy_encodings import (
    TCVN3_DECODE,
    TCVN3_SOFT_HYPHEN,
    VIQR_DECODE,
    VNI_DECODE,
    vietnamese_letters,
)

IntoExpr = str | pl.Expr


def _expr(col: IntoExpr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def ascii_fold_expr(col: IntoExpr) -> pl.Expr:
    """Lower-case, diacritic-free, single-spaced key ("Nguyễn  Thị Ðào" -> "nguyen thi dao").

    NFD then dropping combining marks removes tones and vowel marks; đ/Đ/Ð have no
    decomposition, so they are mapped explicitly (unidecode would do the same, per value).
    """
    return (
        _expr(col)
        .str.normalize("NFD")
        .str.replace_all(r"\p{M}", "")
        .str.replace_many(["đ", "Đ", "Ð", "ð"], ["d", "D", "D", "d"])
        .str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


# --- legacy encodings (TCVN3 / VNI / VIQR) ---------------------------------------------------
# DOMAIN.md "Names": government spreadsheets still hold text typed in TCVN3/ABC, VNI or VIQR.
# Detection works per column on encoding-specific signatures; conversion is one Aho-Corasick
# pass (`replace_many`, longest pattern first) over the whole column.

LEGACY_ENCODINGS = ("tcvn3", "vni", "viqr")
NAME_COLUMNS = ("full_name", "surname_part", "given_part")

# Characters only Unicode Vietnamese has (no legacy text read as Latin-1/cp1252 holds them):
# ă đ ĩ ũ ơ ư, the U+1EA0 block, and combining marks (NFD text).
UNICODE_VI_PATTERN = (
    "[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9\u0300-\u036f]"
)


def _char_class(chars: set[str]) -> str:
    return "[" + "".join(sorted(re.escape(c) for c in chars)) + "]"


def _tcvn3_signature() -> str:
    """TCVN3 codes that are neither VNI characters nor Unicode Vietnamese letters, next to a letter.

    Ð (0xD0, é in TCVN3) is left out: Unicode files use it as a wrong Đ (DOMAIN.md "Names").
    """
    vni_chars = {c for seq in VNI_DECODE for c in seq}
    unicode_letters = set(vietnamese_letters()) | {c.upper() for c in vietnamese_letters()}
    only = set(TCVN3_DECODE) - vni_chars - unicode_letters - {"Ð"}
    cls = _char_class(only)
    return f"[A-Za-z]{cls}|{cls}[A-Za-z]"


# VNI: an ASCII vowel followed by a mark character in a pair that is impossible both in Unicode
# Vietnamese and in TCVN3 text (e.g. `aø`, `eã`, `oâ`, `yø`, `öô`); pairs valid in Unicode
# such as `oà` (Hoàng) or in TCVN3 such as `uû` (thuỷ) and, in capitals, `YÕ` (TCVN3 Yến)
# are excluded.
_VNI_SIGNATURE = (
    "a[âêøûõùïàåãáäèúüéë]|e[âøûõùïàåãáä]|o[âøûõùïåä]|u[øõùï]|y[øûõù]|[öô][øûõùï]|öô"
    "|A[ÂÊØÛÕÙÏÀÅÃÁÄÈÚÜÉË]|E[ÂØÛÕÙÏÀÅÃÁÄ]|O[ÂØÛÕÙÅÄ]|U[ØÙÏ]|Y[ØÛÙ]|[ÖÔ][ØÛÕÙÏ]|ÖÔ"
)

# VIQR (ASCII only): a modifier or tone mark inside a word. ă and â never end a syllable, so
# `a(`/`a^` must be followed by a final; `O+`, `A+` (blood groups) and `x^2` do not match.
_VIQR_SIGNATURE = (
    r"[aA][(^][`?~'.]?[cmnptuyCMNPTUY]"
    r"|\p{L}[eEoO]\^|[eEoO]\^[`?~'.]?\p{L}"
    r"|\p{L}[oOuU]\+|[oOuU]\+[`?~'.]?\p{L}"
    r"|[aeiouyAEIOUY][`~]|[aeiouyAEIOUY]\?\p{L}"
    r"|(?:^|[^\p{L}])[dD][dD9][aeiouyAEIOUY]"
)

LEGACY_SIGNATURES = {"tcvn3": _tcvn3_signature(), "vni": _VNI_SIGNATURE, "viqr": _VIQR_SIGNATURE}
_DECODE_TABLES = {"tcvn3": TCVN3_DECODE, "vni": VNI_DECODE, "viqr": VIQR_DECODE}
# A column is in a legacy encoding when at least this share of its text cells (and 3x more
# cells than any other encoding) carry that encoding's signature.
_MIN_SHARE = 0.02
_DOMINANCE = 3


def _sorted_table(table: dict[str, str]) -> tuple[list[str], list[str]]:
    """Longest pattern first: polars' `leftmost=True` picks the first listed pattern."""
    keys = sorted(table, key=lambda k: (-len(k), k))
    return keys, [table[k] for k in keys]


def detect_legacy_encoding(values: pl.Series) -> str | None:
    """Name the column's legacy encoding ("tcvn3", "vni", "viqr") or None, from signature shares.

    Cells holding Unicode-only Vietnamese letters never count, so Unicode names, ASCII names,
    numbers, IDs and dates give None.
    """
    text = values.cast(pl.String, strict=False).to_frame("v")
    col = pl.col("v")
    unicode_vi = col.str.contains(UNICODE_VI_PATTERN)
    non_ascii = col.str.contains(r"[^\x00-\x7F]")
    counts = text.select(
        n=col.str.contains(r"\p{L}").sum(),
        tcvn3=(col.str.contains(LEGACY_SIGNATURES["tcvn3"]) & ~unicode_vi).sum(),
        vni=(col.str.contains(LEGACY_SIGNATURES["vni"]) & ~unicode_vi).sum(),
        viqr=(col.str.contains(LEGACY_SIGNATURES["viqr"]) & ~non_ascii).sum(),
    ).row(0, named=True)
    n = counts.pop("n") or 0
    ranked = sorted(counts.items(), key=lambda kv: -(kv[1] or 0))
    (best, best_count), (_, second) = ranked[0], ranked[1]
    best_count, second = best_count or 0, second or 0
    if best_count == 0 or best_count < _MIN_SHARE * n or best_count < _DOMINANCE * second:
        return None
    return best


def _tcvn3_repairs(col: pl.Expr, decoded: pl.Expr) -> pl.Expr:
    """Undo the two TCVN3-specific damages after a plain decode.

    - ư is 0xAD, a soft hyphen some tools strip (DOMAIN.md "Names"): ơ + ng/c/u with no ư
      before it is impossible in Vietnamese (only ương/ước/ươu exist), so the ư is restored;
      when the column holds no 0xAD at all, vowel-less words (`Hng`, `Th`) get it back too.
    - .VnTimeH caps fonts reuse the lowercase codes for capitals: when almost no cell has a
      lowercase ASCII letter, cells without one are upper-cased.
    """
    restored = decoded.str.replace_all("(^|[^ưƯ])([ơờởỡớợ](?i:ng|c|u))", "${1}ư${2}")
    vowelless = restored.str.replace_all(
        r"(?i)\b(th|nh|ch|kh|tr|ng|ph|[bcdđghklmnrstvx])(ng)\b", "${1}ư${2}"
    ).str.replace_all(r"\b([TtNn][Hh])(\s|$)", "${1}ư${2}")
    stripped = ~col.str.contains(TCVN3_SOFT_HYPHEN, literal=True).any()
    repaired = pl.when(stripped).then(vowelless).otherwise(restored)
    has_lower = col.str.contains("[a-z]")
    has_ascii = col.str.contains("[A-Za-z]")
    caps_font = has_lower.sum() < 0.05 * has_ascii.sum()
    return pl.when(caps_font & ~has_lower).then(repaired.str.to_uppercase()).otherwise(repaired)


def decode_legacy_expr(col: IntoExpr, encoding: str) -> pl.Expr:
    """Convert a column typed in `encoding` to NFC Unicode (one `replace_many` pass).

    Cells with Unicode-only letters are kept. In a column with many such cells (a mix of
    sources) only cells carrying the encoding's signature are converted, because a Latin-1
    Unicode name like `Hoàng` also reads as VNI `Hồng`.
    """
    if encoding not in _DECODE_TABLES:
        raise ValueError(f"unknown legacy encoding: {encoding!r}")
    source = _expr(col)
    patterns, replacements = _sorted_table(_DECODE_TABLES[encoding])
    decoded = source.str.replace_many(patterns, replacements, leftmost=True)
    if encoding == "tcvn3":
        decoded = _tcvn3_repairs(source, decoded)
    unicode_vi = source.str.contains(UNICODE_VI_PATTERN)
    signed = source.str.contains(LEGACY_SIGNATURES[encoding])
    mostly_legacy = unicode_vi.mean() < 0.05
    return (
        pl.when(unicode_vi.not_() & (signed | mostly_legacy))
        .then(decoded.str.normalize("NFC"))
        .otherwise(source)
    )


def legacy_issue_code(column: str, encoding: str) -> str:
    if column in NAME_COLUMNS:
        return {
            "tcvn3": issues.NAME_LEGACY_TCVN3,
            "vni": issues.NAME_LEGACY_VNI,
            "viqr": issues.NAME_LEGACY_VIQR,
        }[encoding]
    return issues.TEXT_LEGACY_ENCODING


def decode_legacy_columns(
    frame: pl.DataFrame, columns: list[str], issues_col: str = "issues"
) -> tuple[pl.DataFrame, dict[str, str]]:
    """Detect and convert each listed string column; note the conversion on changed rows.

    Returns the frame and `{column: encoding}` for the converted columns. Ingest calls this
    once per sheet, so detection sees the whole sheet's column.
    """
    found: dict[str, str] = {}
    for name in columns:
        if name in frame.columns and frame.schema[name] == pl.String:
            encoding = detect_legacy_encoding(frame.get_column(name))
            if encoding is not None:
                found[name] = encoding
    if issues_col not in frame.columns:
        frame = frame.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias(issues_col))
    if not found:
        return frame, found
    converted = {name: decode_legacy_expr(name, enc).alias(name) for name, enc in found.items()}
    notes = [
        pl.when(converted[name].ne_missing(pl.col(name))).then(pl.lit(legacy_issue_code(name, enc)))
        for name, enc in found.items()
    ]
    new_issues = (
        pl.concat_list([pl.col(issues_col).fill_null([]), *notes])
        .list.drop_nulls()
        .list.unique(maintain_order=True)
        .alias(issues_col)
    )
    return frame.with_columns(new_issues, *converted.values()), found
