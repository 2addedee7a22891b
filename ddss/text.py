"""Vietnamese text primitives shared by every stage (vectorised polars expressions).

Stored text keeps its diacritics; the folded keys built here are only for comparison.
"""

from __future__ import annotations

import polars as pl

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
