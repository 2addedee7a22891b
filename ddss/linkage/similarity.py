"""The similarity columns comparison levels read (`_sim_`, `_lev_`, `_osa_`), pair by pair.

Why a module of its own: these are the costly part of comparing. Each is computed only for
the pairs no earlier level settles (the first level that holds wins, so the others' values
are never read), on a narrow frame of those pairs, and placed back by row position: joining
scores back onto the wide pair frame copied every compared field once per comparison.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from ddss.linkage.settings import ComparisonSpec

SIMILARITY_PREFIXES = ("_sim_", "_lev_", "_osa_")
MAX_DIGITS = 18  # an Int64 holds every 18-digit code; longer ones get no edit distance
DATE_DIGITS = 8  # YYYYMMDD
_A, _B = "_a", "_b"


def first_similarity_level(levels: list[tuple[str, pl.Expr]]) -> int:
    """Position of the first level that reads a similarity column (len(levels) if none): the
    first level that holds wins, so only pairs that none before it holds need the column."""
    for i, (_, cond) in enumerate(levels):
        if any(name.startswith(SIMILARITY_PREFIXES) for name in cond.meta.root_names()):
            return i
    return len(levels)


def _placed(values: pl.Series, at: pl.Series, height: int, name: str) -> pl.Series:
    """`values` at rows `at` of a column of `height` rows, null elsewhere."""
    return pl.repeat(None, height, dtype=values.dtype, eager=True).scatter(at, values).alias(name)


def rows_needing(pairs: pl.DataFrame, need: pl.Expr, *present: pl.Expr) -> pl.Series:
    """Positions of the pairs where `need` holds and every one of `present` is true."""
    ok = pairs.select(pl.all_horizontal(need, *present).fill_null(False)).to_series()
    return ok.arg_true()


def jaro_winkler(
    pairs: pl.DataFrame, need: pl.Expr, left: str, right: str, name: str, text: pl.Series | None = None
) -> pl.Series:
    """Jaro-Winkler similarity of `left`/`right` (Float32) where `need` holds, null elsewhere or
    where the values are equal; each distinct value pair scored once by `cpdist`.

    text: the values, when `left`/`right` hold positions in it (integer codes, cheaper to
    gather for every pair and to deduplicate than the strings)."""
    at = rows_needing(pairs, need, pl.col(left) != pl.col(right))
    ends = [pl.col(left).alias(_A), pl.col(right).alias(_B)]
    todo = pairs.select(ends if text is not None else [e.cast(pl.String) for e in ends])[at]
    uniq = todo.unique()
    words = [uniq.get_column(c) if text is None else text.gather(uniq.get_column(c)) for c in (_A, _B)]
    sim = process.cpdist(
        words[0].to_list(),
        words[1].to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
        dtype=np.float32,
    )
    scored = uniq.with_columns(pl.Series(name, sim))
    values = todo.join(scored, on=[_A, _B], how="left", maintain_order="left").get_column(name)
    return _placed(values, at, pairs.height, name)


def digit_code_exprs(column: str) -> list[pl.Expr]:
    """Per record: a digit code as an integer (null with non-digits or over `MAX_DIGITS`
    digits) and its length, so pairs compare numbers rather than re-parse strings."""
    text = pl.col(column).cast(pl.String)
    digits = text.str.contains(r"^[0-9]+$") & (text.str.len_bytes() <= MAX_DIGITS)
    return [
        pl.when(digits).then(text.cast(pl.Int64, strict=False)).alias(f"_int_{column}"),
        pl.when(digits).then(text.str.len_bytes().cast(pl.UInt8)).alias(f"_len_{column}"),
    ]


def date_digits_expr(date: pl.Expr) -> pl.Expr:
    """A date as the number YYYYMMDD (its digits as written), null outside years 0-9999."""
    year = date.dt.year()
    ymd = year.cast(pl.Int64) * 10_000 + date.dt.month().cast(pl.Int64) * 100 + date.dt.day().cast(pl.Int64)
    return pl.when(year.is_between(0, 9999)).then(ymd)


def date_digits(left: pl.Series, right: pl.Series) -> tuple[pl.Series, pl.Series]:
    """`date_digits_expr` of two date columns, computed once per day of the span they cover
    and looked up by day number: calendar arithmetic per pair cost more than the edits."""
    days = [s.cast(pl.Date).to_physical() for s in (left, right)]
    if left.is_empty():
        return days[0].cast(pl.Int64), days[1].cast(pl.Int64)
    first = min(d.min() for d in days)  # type: ignore[type-var]
    last = max(d.max() for d in days)  # type: ignore[type-var]
    span = pl.int_range(first, last + 1, dtype=pl.Int32, eager=True).cast(pl.Date).to_frame("d")  # type: ignore[operator]
    table = span.select(date_digits_expr(pl.col("d"))).to_series()
    return table.gather(days[0] - first), table.gather(days[1] - first)  # type: ignore[operator]


def digit_edits(a: pl.Series, b: pl.Series, width: int) -> tuple[pl.Series, pl.Series]:
    """Levenshtein and OSA distances of digit codes `a`, `b` (integers of `width` digits at
    most, both present, of one length).

    Levenshtein = number of differing digits (one digit off = 1); an adjacent swap
    (12 <-> 21) is OSA 1 / Levenshtein 2.
    """
    ab = pl.DataFrame([a.alias(_A), b.alias(_B)])
    digits = ab.select(
        *[((pl.col(_A) // 10**i) % 10).cast(pl.Int8).alias(f"a{i}") for i in range(width)],
        *[((pl.col(_B) // 10**i) % 10).cast(pl.Int8).alias(f"b{i}") for i in range(width)],
    )
    x, y = [pl.col(f"a{i}") for i in range(width)], [pl.col(f"b{i}") for i in range(width)]
    diff = pl.sum_horizontal([(p != q).cast(pl.Int32) for p, q in zip(x, y, strict=True)] or [pl.lit(0)])
    swaps = [(x[i] == y[i + 1]) & (x[i + 1] == y[i]) & (x[i] != y[i]) for i in range(width - 1)]
    swapped = pl.any_horizontal(swaps) if swaps else pl.lit(False)
    out = digits.select(diff.alias("lev"), swapped.alias("swap")).select(
        "lev", pl.when((pl.col("lev") == 2) & pl.col("swap")).then(1).otherwise(pl.col("lev")).alias("osa")
    )
    return out.get_column("lev"), out.get_column("osa")


def placed_edits(
    edits: tuple[pl.Series, pl.Series], at: pl.Series, height: int, name: str
) -> list[pl.Series]:
    """`_lev_<name>`, `_osa_<name>` for all pairs from the edits of the pairs at `at`."""
    return [
        _placed(e, at, height, f"{kind}{name}") for e, kind in zip(edits, ("_lev_", "_osa_"), strict=True)
    ]


def similarity_columns(
    pairs: pl.DataFrame, spec: ComparisonSpec, need: pl.Expr, texts: dict[str, pl.Series] | None = None
) -> list[pl.Series]:
    """The `_sim_`/`_lev_`/`_osa_` columns `spec`'s levels read, where `need` holds: names by
    Jaro-Winkler of their folds (codes into `texts[column]` when given there), dates and
    digit codes (`digit_code_exprs`) by digit edits."""
    if spec.kind == "name":
        src = spec.fold_column or spec.column
        text = (texts or {}).get(src)
        return [jaro_winkler(pairs, need, f"{src}_l", f"{src}_r", f"_sim_{spec.name}", text)]
    if spec.kind == "date":
        ends = (pl.col(f"{spec.column}_l"), pl.col(f"{spec.column}_r"))
        at = rows_needing(pairs, need, *(e.is_not_null() for e in ends))
        sub = pairs.select(ends)[at]
        edits = digit_edits(*date_digits(sub[:, 0], sub[:, 1]), DATE_DIGITS)
    else:
        code = (pl.col(f"_int_{spec.column}_l"), pl.col(f"_int_{spec.column}_r"))
        length = (pl.col(f"_len_{spec.column}_l"), pl.col(f"_len_{spec.column}_r"))
        at = rows_needing(pairs, need, length[0] == length[1])
        sub = pairs.select(code)[at]
        largest = int(sub.select(pl.max_horizontal(pl.all().max())).item() or 0)
        edits = digit_edits(sub[:, 0], sub[:, 1], len(str(largest)))
    return placed_edits(edits, at, pairs.height, spec.name)
