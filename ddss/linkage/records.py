"""Per-record preparation for pair comparison: which columns the comparisons read, the keys
and flags derived from them, and term-frequency tables, all computed once per record (or per
reference frame) rather than per pair.

`ddss.linkage.comparisons` turns two such records into comparison levels; dedupe's pair
pipeline builds every record's side once and gathers it for each slice of pairs.
"""

from __future__ import annotations

import polars as pl

from ddss import issues
from ddss.linkage.settings import ComparisonSpec, LinkageSettings
from ddss.linkage.similarity import digit_code_exprs
from ddss.text import ascii_fold_expr

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


def similarity_text_columns(settings: LinkageSettings) -> list[str]:
    """The name columns Jaro-Winkler reads (besides equality): `compare_sides` takes them as
    codes into a list of values."""
    return list(
        dict.fromkeys(
            s.fold_column or s.column for s in settings.comparisons if s.kind == "name" and s.thresholds
        )
    )


def equality_columns(settings: LinkageSettings) -> list[str]:
    """Record columns the comparisons only test for equality or null (names, phonetic keys,
    places, exact fields, the folded full name, IDs: their digits are read from
    `record_side`'s codes), never as text (Jaro-Winkler sources, dates): a caller may hand
    them to `compare_sides` as integer codes (one injective mapping per column, nulls
    kept), which gather at a fraction of a string's cost."""
    cols: list[str | None] = [settings.full_name_tf]
    text: set[str | None] = set(similarity_text_columns(settings))
    for spec in settings.comparisons:
        if spec.kind == "name":
            cols += [spec.column, spec.fold_column, spec.phonetic_column]
        elif spec.kind == "date":
            text.update((spec.column, spec.year_column))
        else:
            cols += [spec.column, spec.parent_column]
    return [c for c in dict.fromkeys(cols) if c and c not in text]


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


def tf_u_exact(right: pl.DataFrame, spec: ComparisonSpec) -> float:
    """Chance that two random records agree on this field: sum of squared frequencies."""
    key = spec.fold_column or spec.column
    # sorted counts: a fixed summation order, so a rerun gives bit-identical weights
    counts = right.get_column(key).drop_nulls().value_counts(sort=True).get_column("count")
    total = counts.sum()
    return float(((counts / total) ** 2).sum()) if total else 0.0


def _tf_keys(settings: LinkageSettings) -> dict[str, str]:
    """Term-frequency table name -> the record column it is looked up by."""
    keys = {s.name: s.fold_column or s.column for s in settings.comparisons if s.tf_adjust}
    return keys | ({FULL_NAME: settings.full_name_tf} if settings.full_name_tf else {})


def record_side(
    records: pl.DataFrame,
    cols: list[str],
    settings: LinkageSettings,
    suffix: str,
    tf: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """One side's compared columns, suffixed, plus what is computed once per record rather
    than per pair: digit codes as integers and, from `tf` (the left side's), frequencies
    (`tf_<name>`, unsuffixed). Row-wise, so a caller may build it once for every record
    and gather its rows for each slice of pairs (`compare_sides`)."""
    ids = list(dict.fromkeys(s.column for s in settings.comparisons if s.kind == "id"))
    side = records.select(*cols, *[e for c in ids for e in digit_code_exprs(c)])
    freqs = [
        side.select(key)
        .join(tf[name], left_on=key, right_on="_v", how="left", maintain_order="left")
        .get_column(f"tf_{name}")
        for name, key in (_tf_keys(settings).items() if tf is not None else ())
    ]
    return side.rename(lambda c: f"{c}{suffix}").with_columns(freqs)


def tf_columns(settings: LinkageSettings) -> list[str]:
    """The `tf_<name>` frequency columns `record_side` adds to the left side."""
    return [f"tf_{name}" for name in _tf_keys(settings)]
