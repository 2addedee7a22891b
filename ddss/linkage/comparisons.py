"""Comparisons: each field's ordered levels `(label, condition)` become one `gamma_<name>`.

As in Splink, the first level that holds wins, a null gives no evidence (gamma -1) and the
last level is "else" (gamma 0). Similarities (Jaro-Winkler, digit edits) come from
`ddss.linkage.similarity`, only for the pairs that reach their levels.
"""

from __future__ import annotations

import polars as pl

from ddss.linkage.records import prepare_records, record_side, required_columns, tf_columns, tf_tables
from ddss.linkage.settings import ComparisonSpec, LinkageSettings
from ddss.linkage.similarity import first_similarity_level, similarity_columns

NULL_GAMMA = -1


def _l(col: str) -> pl.Expr:
    return pl.col(f"{col}_l")


def _r(col: str) -> pl.Expr:
    return pl.col(f"{col}_r")


def _both(col: str) -> tuple[pl.Expr, pl.Expr]:
    return _l(col), _r(col)


def _is_null(col: str) -> pl.Expr:
    left, right = _both(col)
    return left.is_null() | right.is_null()


def _name_levels(spec: ComparisonSpec) -> list[tuple[str, pl.Expr]]:
    left, right = _both(spec.column)
    levels = [("null", _is_null(spec.column)), ("exact", left == right)]
    if spec.fold_column:
        folded = _l(spec.fold_column) == _r(spec.fold_column)
        if spec.marked_column:
            # DOMAIN.md "Names": tone styles are unified upstream, so two rows both written
            # with diacritics that differ only in marks (Hoa / Hóa / Hòa) hold two names
            marked = [c.cast(pl.Boolean, strict=False).fill_null(False) for c in _both(spec.marked_column)]
            folded = folded & ~(marked[0] & marked[1])
        levels.append(("diacritic-insensitive", folded))
    if spec.phonetic_column:
        levels.append(("phonetic", _l(spec.phonetic_column) == _r(spec.phonetic_column)))
    levels += [(f"Jaro-Winkler >= {t}", pl.col(f"_sim_{spec.name}") >= t) for t in spec.thresholds]
    return [*levels, ("else", pl.lit(True))]


def _date_levels(spec: ComparisonSpec) -> list[tuple[str, pl.Expr]]:
    date_l, date_r = _both(spec.column)
    year = spec.year_column or spec.column
    year_l, year_r = _both(year)
    swapped = (
        (date_l.dt.year() == date_r.dt.year())
        & (date_l.dt.day() == date_r.dt.month())
        & (date_l.dt.month() == date_r.dt.day())
    )
    # A year-only row (DOMAIN.md: "Ngày sinh / Năm sinh", dates "or year only") agreeing on
    # the year lacks detail; two full dates in the same year that differ disagree. They are
    # separate levels so each gets its own weight.
    both_dates = date_l.is_not_null() & date_r.is_not_null()
    return [
        ("null", year_l.is_null() | year_r.is_null()),
        ("exact", date_l == date_r),
        ("day-month swapped", swapped),
        ("one digit off", pl.col(f"_lev_{spec.name}") == 1),
        ("year agrees", (year_l == year_r) & ~both_dates),
        ("same year, other date", year_l == year_r),
        ("year within 1", (year_l.cast(pl.Int32) - year_r.cast(pl.Int32)).abs() <= 1),
        ("else", pl.lit(True)),
    ]


def _id_levels(spec: ComparisonSpec) -> list[tuple[str, pl.Expr]]:
    left, right = _both(spec.column)
    # edits exist only for two digit codes of one length (`similarity_columns`)
    lev, osa = pl.col(f"_lev_{spec.name}"), pl.col(f"_osa_{spec.name}")
    return [
        ("null", _is_null(spec.column)),
        ("exact", left == right),
        ("one digit off", lev == 1),
        ("transposition", (osa == 1) & (lev == 2)),
        ("else", pl.lit(True)),
    ]


def _place_levels(spec: ComparisonSpec) -> list[tuple[str, pl.Expr]]:
    left, right = _both(spec.column)
    levels = [("null", _is_null(spec.column)), ("exact", left == right)]
    if spec.parent_column:
        levels.append(("same province", _l(spec.parent_column) == _r(spec.parent_column)))
    return [*levels, ("else", pl.lit(True))]


def _exact_levels(spec: ComparisonSpec) -> list[tuple[str, pl.Expr]]:
    left, right = _both(spec.column)
    return [("null", _is_null(spec.column)), ("exact", left == right), ("else", pl.lit(True))]


_BUILDERS = {
    "name": _name_levels,
    "date": _date_levels,
    "id": _id_levels,
    "place": _place_levels,
    "exact": _exact_levels,
}


def comparison_levels(spec: ComparisonSpec) -> list[tuple[str, pl.Expr]]:
    """Ordered `(label, condition)` levels: null first, strongest agreement next, else last."""
    return _BUILDERS[spec.kind](spec)


def level_labels(spec: ComparisonSpec) -> dict[int, str]:
    """gamma value -> human label (null is -1, else is 0, exact is the highest)."""
    labels = [label for label, _ in comparison_levels(spec)]
    top = len(labels) - 2
    return {NULL_GAMMA: labels[0], **{top - i: lab for i, lab in enumerate(labels[1:])}}


def _chain(levels: list[tuple[str, pl.Expr]], top: int, first: int, otherwise: pl.Expr) -> pl.Expr:
    """`when` chain over `levels`, the spec's levels from position `first` on (0 is null)."""
    values = [
        pl.lit(NULL_GAMMA if i == 0 else top - i + 1, pl.Int8) for i in range(first, first + len(levels))
    ]
    chain = None
    for (_, cond), value in zip(levels, values, strict=True):
        chain = pl.when(cond).then(value) if chain is None else chain.when(cond).then(value)
    return otherwise if chain is None else chain.otherwise(otherwise)


def gamma_expr(spec: ComparisonSpec) -> pl.Expr:
    """One `when` chain over the levels -> `gamma_<name>` (Int8)."""
    levels = comparison_levels(spec)
    return _chain(levels[:-1], len(levels) - 2, 0, pl.lit(0, pl.Int8)).alias(f"gamma_{spec.name}")


def _split_gamma(spec: ComparisonSpec) -> tuple[pl.Expr, pl.Expr]:
    """`gamma_expr` in two: the levels before the first similarity level (null where none
    holds, the pairs that need the similarity), then the rest for those pairs."""
    levels = comparison_levels(spec)
    top, cut = len(levels) - 2, first_similarity_level(levels)
    head = _chain(levels[:cut], top, 0, pl.lit(None, pl.Int8))
    return head, _chain(levels[cut:-1], top, cut, pl.lit(0, pl.Int8))


def _suspect_id_no_evidence(settings: LinkageSettings) -> pl.Expr | None:
    """`gamma_<veto_id>` with "different" turned into "no evidence" when one side's ID is
    suspect and the pair agrees on folded full name, sex and birth date (the same full date,
    or the same year where one side has a year only, DOMAIN.md "Ngày sinh / Năm sinh"): a
    typed-in number of a relative or neighbour must not veto two otherwise identical records."""
    specs = {s.name: s for s in settings.comparisons}
    date = next((s for s in settings.comparisons if s.kind == "date"), None)
    sex = specs.get(settings.veto_sex or "")
    if not (settings.id_suspect and settings.veto_id in specs and settings.full_name_tf and date and sex):
        return None
    flag = [
        pl.col(f"{settings.id_suspect}_{side}").cast(pl.Boolean, strict=False).fill_null(False)
        for side in "lr"
    ]
    same = [pl.col(f"{c}_l") == pl.col(f"{c}_r") for c in (settings.full_name_tf, sex.column)]
    year = date.year_column or date.column
    one_year_only = pl.col(f"{date.column}_l").is_null() ^ pl.col(f"{date.column}_r").is_null()
    same.append(
        (pl.col(f"{date.column}_l") == pl.col(f"{date.column}_r"))
        | (one_year_only & (pl.col(f"{year}_l") == pl.col(f"{year}_r")))
    )
    g = pl.col(f"gamma_{settings.veto_id}")
    soften = (g == 0) & (flag[0] | flag[1]) & pl.all_horizontal(same).fill_null(False)
    return pl.when(soften).then(pl.lit(NULL_GAMMA, pl.Int8)).otherwise(g).alias(g.meta.output_name())


def gathered(ids: pl.Series, side: pl.DataFrame) -> pl.DataFrame:
    """The rows of `side` (keyed by its first column, unique) for `ids`, null where absent:
    one look-up of the ids, then every field gathered once (joining each side onto the
    pairs in turn copied the pairs' columns again with the second)."""
    key = side.columns[0]
    rows = side.select(pl.col(key).alias(ids.name)).with_row_index("_row")
    at = ids.to_frame().join(rows, on=ids.name, how="left", validate="m:1", maintain_order="left")
    return side.drop(key).select(pl.all().gather(at.get_column("_row")))


def _similar_specs(settings: LinkageSettings) -> list[ComparisonSpec]:
    return [
        s for s in settings.comparisons if s.kind in ("date", "id") or (s.kind == "name" and s.thresholds)
    ]


def _gammas(
    pairs: pl.DataFrame, settings: LinkageSettings, texts: dict[str, pl.Series] | None = None
) -> pl.DataFrame:
    """`pairs` with `gamma_<name>` per comparison: the levels that need no similarity first,
    then the similarities for the pairs none of those settles, then the remaining levels."""
    split = {s.name: _split_gamma(s) for s in _similar_specs(settings)}
    pairs = pairs.with_columns(head.alias(f"_pre_{name}") for name, (head, _) in split.items())
    pairs = pairs.with_columns(
        series
        for spec in _similar_specs(settings)
        for series in similarity_columns(pairs, spec, pl.col(f"_pre_{spec.name}").is_null(), texts)
    )
    return pairs.with_columns(
        pl.coalesce(f"_pre_{s.name}", split[s.name][1]).alias(f"gamma_{s.name}")
        if s.name in split
        else gamma_expr(s)
        for s in settings.comparisons
    )


def compare(
    left: pl.DataFrame,
    right: pl.DataFrame,
    candidate_pairs: pl.DataFrame,
    settings: LinkageSettings,
    *,
    id_column: str | None = None,
    tf_reference: pl.DataFrame | None = None,
    tf: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Comparison vectors for candidate pairs.

    `candidate_pairs` has `<id>_l`, `<id>_r` (and any extra columns such as `match_key`);
    `left`/`right` are records keyed by `<id>` (the same frame when deduplicating). Returns
    the pairs with the compared columns suffixed `_l`/`_r`, `gamma_<name>` per comparison
    and `tf_<name>` for term-frequency-adjusted comparisons, the left value's frequency in
    `tf_reference` (default `right`; đối soát passes the whole population, never just the
    candidates, whose names are all alike by construction of the blocking), or from `tf`
    (`tf_tables` of that reference, built once), which then takes precedence.
    """
    uid = id_column or settings.unique_id
    left = prepare_records(left, settings)
    right = prepare_records(right, settings)
    cols = [uid, *[c for c in required_columns(settings) if c != uid]]
    if tf is None:
        tf = tf_tables(right if tf_reference is None else tf_reference, settings)
    sides = [
        gathered(
            candidate_pairs.get_column(f"{uid}{sfx}"), record_side(records, cols, settings, sfx, side_tf)
        )
        for records, sfx, side_tf in ((left, "_l", tf), (right, "_r", None))
    ]
    return compare_sides(candidate_pairs, sides[0], sides[1], settings, id_column=uid)


def compare_sides(
    candidate_pairs: pl.DataFrame,
    left: pl.DataFrame,
    right: pl.DataFrame,
    settings: LinkageSettings,
    *,
    id_column: str,
    texts: dict[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """`compare` once each pair's records are at hand: `left`/`right` are `record_side`
    rows (without the id) in the order of `candidate_pairs`, the right one without `tf_`.

    `equality_columns` may hold integer codes instead of text, and so may the
    `similarity_text_columns` given in `texts` (column -> the values the codes index)."""
    # one chunk per column, as the gathered fields: mixed chunking is realigned by every later step
    pairs = pl.concat([candidate_pairs.rechunk(), left, right], how="horizontal")
    pairs = _gammas(pairs, settings, texts)
    soften = _suspect_id_no_evidence(settings)
    if soften is not None:
        pairs = pairs.with_columns(soften)
    cols = [c for c in required_columns(settings) if c != id_column]
    fields = [f"{c}{side}" for side in ("_l", "_r") for c in cols]
    tfs = tf_columns(settings)
    gammas = [f"gamma_{spec.name}" for spec in settings.comparisons]
    return pairs.select(*candidate_pairs.columns, *fields, *tfs, *gammas)
