"""Comparisons: each field's ordered levels `(label, condition)` become one `gamma_<name>`.

As in Splink, the first level that holds wins, a null gives no evidence (gamma -1) and the
last level is "else" (gamma 0). Fuzzy scores are computed with `rapidfuzz.process.cpdist`
over the unique value pairs of a whole column, never pair by pair.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from ddss import issues
from ddss.linkage.settings import ComparisonSpec, LinkageSettings
from ddss.text import ascii_fold_expr

NULL_GAMMA = -1
GUESSED_SEX_CODES = (issues.SEX_FROM_UNMARKED_COLUMN, issues.SEX_HINT_FROM_MIDDLE_NAME)
SUSPECT_ID_CODES = (issues.CCCD_SEX_MISMATCH, issues.CCCD_BIRTH_YEAR_MISMATCH)
# values the normaliser read off the CCCD itself (DOMAIN.md "CCCD": G encodes sex, YY the year)
SEX_FROM_ID = issues.SEX_FROM_CCCD
YEAR_FROM_ID = issues.BIRTH_YEAR_FROM_CCCD
FULL_NAME = "full_name"  # name of the whole-name term-frequency adjustment (tf_/mw_tf_ columns)
TF_COUNT = "_tf_count"  # optional row count of a pre-aggregated term-frequency reference
FOLD_COLUMNS = {
    "given_fold": "given_name",
    "surname_fold": "surname",
    "middle_fold": "middle_name",
    "name_fold": "full_name",
}


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
    lev, osa = pl.col(f"_lev_{spec.name}"), pl.col(f"_osa_{spec.name}")
    same_length = left.str.len_chars() == right.str.len_chars()
    return [
        ("null", _is_null(spec.column)),
        ("exact", left == right),
        ("one digit off", (lev == 1) & same_length),
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


def gamma_expr(spec: ComparisonSpec) -> pl.Expr:
    """One `when` chain over the levels -> `gamma_<name>` (Int8)."""
    levels = comparison_levels(spec)
    top = len(levels) - 2
    chain = pl.when(levels[0][1]).then(pl.lit(NULL_GAMMA, pl.Int8))
    for i, (_, cond) in enumerate(levels[1:-1]):
        chain = chain.when(cond).then(pl.lit(top - i, pl.Int8))
    return chain.otherwise(pl.lit(0, pl.Int8)).alias(f"gamma_{spec.name}")


def required_columns(settings: LinkageSettings) -> list[str]:
    """Record columns the comparisons read (without suffix)."""
    cols: list[str] = []
    for spec in settings.comparisons:
        for col in (
            spec.column,
            spec.fold_column,
            spec.phonetic_column,
            spec.year_column,
            spec.parent_column,
            spec.marked_column,
        ):
            if col and col not in cols:
                cols.append(col)
    for extra in (settings.full_name_tf, settings.sex_guessed, settings.id_suspect):
        if extra and extra not in cols:
            cols.append(extra)
    return cols


def _has(codes: list[str] | tuple[str, ...]) -> pl.Expr:
    """Whether the row's `issues` hold any of `codes` (null without a list): one membership
    test per code, 3-6x cheaper than intersecting every row's list with the codes."""
    issues_ = pl.col("issues").cast(pl.List(pl.String))
    return pl.any_horizontal(issues_.list.contains(code) for code in codes)


def sex_guessed_expr() -> pl.Expr:
    """True where the normaliser guessed the sex and asked for a check (a blank "Nữ" cell
    read as male, a Văn/Thị middle name), or read it off a CCCD that fails its own cross-check
    (likely someone else's number, `id_suspect_expr`): evidence for scoring, too weak for a
    hard veto."""
    return _has(GUESSED_SEX_CODES) | (_has([SEX_FROM_ID]) & id_suspect_expr())


def id_suspect_expr() -> pl.Expr:
    """True where the CCCD's encoded sex or birth year contradicts the row (DOMAIN.md "CCCD":
    digits 4-6 encode sex and century, then the birth year): often someone else's number."""
    return _has(SUSPECT_ID_CODES)


def name_marked_expr(column: str = "full_name") -> pl.Expr:
    """True where the name is written with diacritics (it changes when folded); null when the
    name is missing. A name typed without any (DOMAIN.md "Names") gives no such signal."""
    name = pl.col(column).cast(pl.String)
    return name.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars() != ascii_fold_expr(name)


def year_from_suspect_id_expr() -> pl.Expr:
    """True where the birth year was read off a CCCD that fails its own cross-check: the year
    of whoever owns that number, so it must neither veto nor support a pair."""
    return _has([YEAR_FROM_ID]) & id_suspect_expr()


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


def prepare_records(frame: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
    """Add the derived key columns the settings need but the frame lacks.

    Folded keys come from `ddss.text.ascii_fold_expr`; a missing phonetic key falls back to
    the folded key so the engine also runs on frames without `ddss.names` keys (e.g. FEBRL).
    """
    wanted = set(required_columns(settings)) | {c for rule in settings.blocking_rules for c in rule.columns}
    if "name_fold" in wanted and "name_fold" not in frame.columns and "name_key" in frame.columns:
        frame = frame.with_columns(pl.col("name_key").alias("name_fold"))  # same fold (ddss.names)
    exprs = [
        ascii_fold_expr(source).alias(fold)
        for fold, source in FOLD_COLUMNS.items()
        if fold in wanted and fold not in frame.columns and source in frame.columns
    ]
    marked = {spec.marked_column for spec in settings.comparisons if spec.marked_column}
    exprs += [
        name_marked_expr().alias(c) for c in marked if c not in frame.columns and "full_name" in frame.columns
    ]
    if settings.sex_guessed and settings.sex_guessed not in frame.columns and "issues" in frame.columns:
        exprs.append(sex_guessed_expr().alias(settings.sex_guessed))
    if settings.id_suspect and settings.id_suspect not in frame.columns and "issues" in frame.columns:
        exprs.append(id_suspect_expr().alias(settings.id_suspect))
    year = settings.veto_year
    if year and year in frame.columns and "issues" in frame.columns:
        exprs.append(pl.when(year_from_suspect_id_expr()).then(None).otherwise(pl.col(year)).alias(year))
    out = frame.with_columns(exprs) if exprs else frame
    fallbacks = [
        pl.col(spec.fold_column or spec.column).alias(spec.phonetic_column)
        for spec in settings.comparisons
        if spec.phonetic_column and spec.phonetic_column not in out.columns
    ]
    out = out.with_columns(fallbacks) if fallbacks else out
    missing = [c for c in wanted if c not in out.columns]
    if missing:
        out = out.with_columns(pl.lit(None, pl.String).alias(c) for c in missing)
    untyped = [c for c, t in out.schema.items() if t == pl.Null]
    return out.with_columns(pl.col(untyped).cast(pl.String)) if untyped else out


def _unique_scores(pairs: pl.DataFrame, left: str, right: str, scorers: dict[str, object]) -> pl.DataFrame:
    """Score each distinct (left, right) value pair once with cpdist over whole columns."""
    uniq = pairs.select(pl.col(left), pl.col(right)).unique().drop_nulls()
    lv = uniq.get_column(left).cast(pl.String).to_list()
    rv = uniq.get_column(right).cast(pl.String).to_list()
    scored = {
        name: process.cpdist(lv, rv, scorer=scorer, workers=-1, dtype=np.float32)
        for name, scorer in scorers.items()
    }
    return uniq.with_columns(pl.Series(k, v) for k, v in scored.items())


def _digit_edits(pairs: pl.DataFrame, left: str, right: str, name: str) -> pl.DataFrame:
    """`_lev_`/`_osa_` for digit codes (CCCD, phone, dates) with integer arithmetic.

    Same length: distance = number of differing digits (one digit off = 1); an adjacent swap
    (12 <-> 21) is OSA 1 / Levenshtein 2. Different lengths count as far apart (9); a value
    with non-digits gets no distance (falls to "else").
    """
    # each distinct (left, right) value pair once; joined back below
    todo = pairs.select(left, right).drop_nulls().unique()
    width = min(int(todo.select(pl.col(left).str.len_chars().max()).item() or 0), 18)
    same_len = pl.col(left).str.len_chars() == pl.col(right).str.len_chars()
    as_int = {
        side: pl.when(pl.col(col).str.contains(r"^\d+$")).then(pl.col(col).cast(pl.Int64, strict=False))
        for side, col in (("l", left), ("r", right))
    }
    dl = [f"_d{i}_l" for i in range(width)]
    dr = [f"_d{i}_r" for i in range(width)]
    ints = todo.with_columns(as_int["l"].alias("_int_l"), as_int["r"].alias("_int_r"))
    digits = ints.with_columns(
        *[((pl.col("_int_l") // 10**i) % 10).cast(pl.Int8).alias(dl[i]) for i in range(width)],
        *[((pl.col("_int_r") // 10**i) % 10).cast(pl.Int8).alias(dr[i]) for i in range(width)],
    ).drop("_int_l", "_int_r")
    chars = [(pl.col(dl[i]) != pl.col(dr[i])).cast(pl.Int32) for i in range(width)]
    diff = pl.sum_horizontal(chars) if chars else pl.lit(0)
    swaps = [
        (pl.col(dl[i]) == pl.col(dr[i + 1]))
        & (pl.col(dl[i + 1]) == pl.col(dr[i]))
        & (pl.col(dl[i]) != pl.col(dr[i]))
        for i in range(width - 1)
    ]
    swapped = pl.any_horizontal(swaps) if swaps else pl.lit(False)
    hamming = pl.when(same_len).then(pl.col("_diff")).otherwise(9)
    scored = (
        digits.with_columns(diff.alias("_diff"), swapped.alias("_swap"))
        .drop(dl + dr)
        .with_columns(
            hamming.alias(f"_lev_{name}"),
            pl.when(same_len & (pl.col("_diff") == 2) & pl.col("_swap"))
            .then(1)
            .otherwise(hamming)
            .alias(f"_osa_{name}"),
        )
        .drop("_diff", "_swap")
    )
    return pairs.join(scored, on=[left, right], how="left", nulls_equal=False)


def _with_similarities(pairs: pl.DataFrame, spec: ComparisonSpec) -> pl.DataFrame:
    if spec.kind == "date":
        src = f"_s_{spec.name}"
        pairs = pairs.with_columns(
            pl.col(f"{spec.column}_l").dt.strftime("%Y%m%d").alias(f"{src}_l"),
            pl.col(f"{spec.column}_r").dt.strftime("%Y%m%d").alias(f"{src}_r"),
        )
        return _digit_edits(pairs, f"{src}_l", f"{src}_r", spec.name)
    if spec.kind == "id":
        return _digit_edits(pairs, f"{spec.column}_l", f"{spec.column}_r", spec.name)
    if spec.kind != "name" or not spec.thresholds:
        return pairs
    src = spec.fold_column or spec.column
    # only pairs not already equal need a fuzzy score
    todo = pairs.filter(pl.col(f"{src}_l") != pl.col(f"{src}_r"))
    scores = _unique_scores(
        todo, f"{src}_l", f"{src}_r", {f"_sim_{spec.name}": JaroWinkler.normalized_similarity}
    )
    return pairs.join(scores, on=[f"{src}_l", f"{src}_r"], how="left", nulls_equal=False)


def _tf_table(right: pl.DataFrame, key: str, name: str, *, leave_one_out: bool = False) -> pl.DataFrame:
    """Relative frequency of each value of `key` in the reference frame, `(_v, tf_<name>)`
    (rows counted, or summed from `TF_COUNT` when the reference is pre-aggregated).

    leave_one_out: count the value's *other* holders (n - 1, at least 1): the record being
    matched is itself in the reference, and for a rare value it would otherwise double
    the estimated chance that a stranger shares it.
    """
    count = pl.col(TF_COUNT).sum() if TF_COUNT in right.columns else pl.len()
    total = pl.col("_n").sum()
    share = ((pl.col("_n") - 1).clip(lower_bound=1) if leave_one_out else pl.col("_n")) / total
    return (
        right.select(pl.col(key).alias("_v"), *([TF_COUNT] if TF_COUNT in right.columns else []))
        .drop_nulls("_v")
        .group_by("_v")
        .agg(count.cast(pl.Float64).alias("_n"))
        .with_columns(share.alias(f"tf_{name}"))
        .drop("_n")
    )


def tf_tables(reference: pl.DataFrame, settings: LinkageSettings) -> dict[str, pl.DataFrame]:
    """Every term-frequency table `compare` joins, built once: a caller comparing pairs slice
    by slice passes them to each call, instead of regrouping the reference (which grows
    with the data) for every slice."""
    ref = prepare_records(reference, settings)
    tables = {
        s.name: _tf_table(ref, s.fold_column or s.column, s.name) for s in settings.comparisons if s.tf_adjust
    }
    if settings.full_name_tf:
        tables[FULL_NAME] = _tf_table(ref, settings.full_name_tf, FULL_NAME, leave_one_out=True)
    return tables


def _with_tf(pairs: pl.DataFrame, table: pl.DataFrame, key: str) -> pl.DataFrame:
    return pairs.join(table, left_on=f"{key}_l", right_on="_v", how="left").drop("_v", strict=False)


def tf_u_exact(right: pl.DataFrame, spec: ComparisonSpec) -> float:
    """Chance that two random records agree on this field: sum of squared frequencies."""
    key = spec.fold_column or spec.column
    # sorted counts: a fixed summation order, so a rerun gives bit-identical weights
    counts = right.get_column(key).drop_nulls().value_counts(sort=True).get_column("count")
    total = counts.sum()
    return float(((counts / total) ** 2).sum()) if total else 0.0


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
    and `tf_<name>` for term-frequency-adjusted comparisons, the value's frequency in
    `tf_reference` (default `right`; đối soát passes the whole population, never just the
    candidates, whose names are all alike by construction of the blocking), or from `tf`
    (`tf_tables` of that reference, built once), which then takes precedence.
    """
    uid = id_column or settings.unique_id
    left = prepare_records(left, settings)
    right = prepare_records(right, settings)
    cols = [uid, *[c for c in required_columns(settings) if c != uid]]
    pairs = candidate_pairs.join(
        left.select(cols).rename({c: f"{c}_l" for c in cols}), on=f"{uid}_l", how="left"
    ).join(right.select(cols).rename({c: f"{c}_r" for c in cols}), on=f"{uid}_r", how="left")
    if tf is None:
        tf = tf_tables(right if tf_reference is None else tf_reference, settings)
    for spec in settings.comparisons:
        pairs = _with_similarities(pairs, spec)
        if spec.tf_adjust:
            pairs = _with_tf(pairs, tf[spec.name], spec.fold_column or spec.column)
    if settings.full_name_tf:
        pairs = _with_tf(pairs, tf[FULL_NAME], settings.full_name_tf)
    pairs = pairs.with_columns(gamma_expr(spec) for spec in settings.comparisons)
    soften = _suspect_id_no_evidence(settings)
    if soften is not None:
        pairs = pairs.with_columns(soften)
    temp = ("_sim_", "_lev_", "_osa_", "_s_")
    return pairs.drop([c for c in pairs.columns if c.startswith(temp)])
