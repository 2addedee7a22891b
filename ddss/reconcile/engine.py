"""Search-path scoring with the deduplication engine (`ddss.linkage.compare` / `score`).

When the run has trained linkage settings (from `link_members`), member↔citizen pairs are
scored by the very comparisons and m/u weights that deduplicate members, so a score means
the same thing in both places; only the prior differs (a candidate citizen is a different
population from a candidate duplicate: 1/N for N citizens). Without trained settings
`scoring.score_pairs` is used. Labels shown to stewards are translated here; compared values never appear.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from ddss.frames import by_distinct_value
from ddss.linkage import level_labels, prepare_records, score
from ddss.linkage.comparisons import compare_sides, gathered
from ddss.linkage.records import (
    FOLD_COLUMNS,
    FULL_NAME,
    TF_COUNT,
    record_side,
    required_columns,
    tf_tables,
)
from ddss.linkage.settings import NAME_MARKED, LinkageSettings
from ddss.names import split_name_exprs
from ddss.reconcile.codes import CITIZEN_CODE, MEMBER_CODE, find_sorted
from ddss.reconcile.exact import own_evidence_exprs
from ddss.reconcile.scoring import ReconcileSettings

_ID = "_rid"
NAME_CODE = "_n"
# Name parts, their folds (records keep ddss.names' `name_key` as their `name_fold`) and
# whether the name carries diacritics: derived once per distinct name, not per chunk.
_NAME_PARTS = (
    "surname",
    "middle_name",
    "given_name",
    *(c for c in FOLD_COLUMNS if c != "name_fold"),
    NAME_MARKED,
)
# the fields `_records` reads as they are (besides keys and names: a record's name is its
# parts, their folds and `name_key`, the whole name is never compared, so never gathered)
_FIELDS = ("birth_date", "birth_year", "sex", "province_code", "commune_code")
_FIELD_LABELS = {
    "given_name": "Tên",
    "surname": "Họ",
    "middle_name": "Tên đệm",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "cccd": "CCCD",
    "commune": "Địa bàn",
    "phone": "Số điện thoại",
}
_LEVEL_LABELS = {
    "null": "thiếu",
    "exact": "trùng",
    "diacritic-insensitive": "trùng (bỏ dấu)",
    "phonetic": "trùng cách đọc",
    "day-month swapped": "đảo ngày/tháng",
    "one digit off": "lệch một chữ số",
    "transposition": "đảo hai chữ số",
    "year agrees": "cùng năm (thiếu ngày tháng)",
    "same year, other date": "cùng năm, khác ngày",
    "year within 1": "lệch một năm",
    "same province": "cùng tỉnh",
    "else": "khác",
}


def engine_ready(settings: ReconcileSettings) -> bool:
    return settings.linkage is not None and settings.linkage.is_trained


def _records(
    frame: pl.DataFrame, cccd: pl.Expr, guessed: dict[str, str], names: list[pl.Expr]
) -> pl.DataFrame:
    """`frame` (with `_ID`) as linkage records: a value flagged in `guessed` is unknown."""
    value = {
        c: pl.when(pl.col(guessed[c]).fill_null(False)).then(None).otherwise(pl.col(c))
        if guessed.get(c) in frame.columns
        else pl.col(c)
        for c in _FIELDS
    }
    return frame.select(
        _ID,
        *[v.alias(c) for c, v in value.items()],
        "given_key",
        "surname_key",
        pl.col("name_key").alias("name_fold"),
        cccd.cast(pl.String).alias("cccd"),
        pl.lit(None, dtype=pl.String).alias("phone"),
        *names,
    )


def _member_records(side: pl.DataFrame, pairs: pl.DataFrame, linkage: LinkageSettings) -> pl.DataFrame:
    """One record per member of `pairs`, keyed by its row in `side` (`MEMBER_CODE`).

    A member's own usable CCCD (one that led nowhere or to someone else) is evidence: a
    candidate one keystroke away is likely the typo'd citizen, a far one likely not. A
    guessed sex or birth year (`exact.guess_flags`) is unknown, neither for nor against."""
    rows = side.with_row_index(_ID).filter(pl.col(_ID).is_in(pairs.get_column(MEMBER_CODE).implode()))
    own = rows.select(own_evidence_exprs(rows.columns))
    names = _name_parts(rows.get_column("full_name"), linkage)
    frame = pl.concat([rows, own.select(pl.all().name.prefix("_own_")), names], how="horizontal")
    guessed = {"sex": "_own_sex_guessed", "birth_year": "_own_year_guessed"}
    return _records(frame, pl.col("_own_cccd"), guessed, [pl.col(c) for c in names.columns])


def _name_parts(full_name: pl.Series, linkage: LinkageSettings) -> pl.DataFrame:
    """`_NAME_PARTS` of each full name, split and folded once per distinct name (a chunk's
    members hold ~0.4 distinct names per row; folding is the costliest per-record step).
    The name's own fold is the member's `name_key` (`_records`), not derived here."""

    def parts(distinct: pl.DataFrame) -> pl.DataFrame:
        unfolded = pl.lit(None, pl.String).alias("name_fold")
        split = distinct.with_columns(*split_name_exprs(full_name.name), unfolded)
        prepared = prepare_records(split, linkage)
        return prepared.select(c for c in _NAME_PARTS if c in prepared.columns)

    return pl.DataFrame(by_distinct_value(full_name.to_frame(), full_name.name, parts))


def _citizen_records(citizens: pl.DataFrame, codes: pl.Series, reference: pl.DataFrame) -> pl.DataFrame:
    """The records of the citizens `codes` name (`CITIZEN_CODE`, their rows in `citizens`),
    in that order, their name parts and folds fetched from `reference` by `NAME_CODE`."""
    read = [*_FIELDS, "given_key", "surname_key", "name_key", "cccd", NAME_CODE]
    frame = citizens.select(pl.col(read).gather(codes)).with_columns(codes.alias(_ID))
    parts = [c for c in _NAME_PARTS if c in reference.columns]
    frame = frame.hstack(reference.select(pl.col(parts).gather(frame.get_column(NAME_CODE))))
    return _records(frame, pl.col("cccd"), {}, [pl.col(c) for c in parts])


def with_name_codes(citizens: pl.DataFrame, reference: pl.DataFrame) -> pl.DataFrame:
    """`citizens` plus `NAME_CODE`, the row of its full name in `reference` (`name_reference`,
    already split and folded): names are split and folded once per distinct name, not again
    for every chunk's candidates; 4 bytes per citizen instead of six name columns."""
    rows = reference.select("full_name").with_row_index(NAME_CODE)
    code = citizens.select("full_name").join(rows, on="full_name", how="left", maintain_order="left")
    return citizens.with_columns(code.get_column(NAME_CODE))


def name_reference(population: pl.LazyFrame | pl.DataFrame, linkage: LinkageSettings) -> pl.DataFrame:
    """Citizens counted per distinct full name, split into name parts and keyed for
    `linkage` (once per run, not per chunk): the term-frequency reference of the search
    path (how common a given, middle or surname is in the whole population, not among the
    candidates, who all share a blocking key)."""
    counts = population.lazy().group_by("full_name").agg(pl.len().alias(TF_COUNT)).collect()
    return prepare_records(counts.with_columns(split_name_exprs("full_name")), linkage)


def sorted_tf_tables(reference: pl.DataFrame, linkage: LinkageSettings) -> dict[str, pl.DataFrame]:
    """`compare`'s term-frequency tables of `reference` (`tf_tables`), built once per run and
    sorted by value, so a chunk picks its members' values by binary search (`_tf_for`)
    instead of joining tables that grow with the extract (a row per distinct full name)."""
    return {name: table.sort(_TF_VALUE) for name, table in tf_tables(reference, linkage).items()}


_TF_VALUE = "_v"  # the value column of a `tf_tables` table


def _tf_for(
    left: pl.DataFrame, tables: dict[str, pl.DataFrame], linkage: LinkageSettings
) -> dict[str, pl.DataFrame]:
    """The rows of `tables` (`sorted_tf_tables`) for the values `left` holds: `compare`
    looks frequencies up by the left record's value, so these rows give the same result."""
    keys = {s.name: s.fold_column or s.column for s in linkage.comparisons if s.tf_adjust}
    if linkage.full_name_tf:
        keys[FULL_NAME] = linkage.full_name_tf
    picked = {}
    for name, key in keys.items():
        table = tables[name]
        if table.is_empty():
            picked[name] = table
            continue
        sorted_values = table.get_column(_TF_VALUE)
        at, found = find_sorted(
            sorted_values, left.get_column(key).drop_nulls().unique().cast(sorted_values.dtype)
        )
        picked[name] = table.select(pl.all().gather(at.filter(found)))
    return picked


def search_prior(population_size: int) -> float:
    """Prior that a member and one citizen are the same person: each member is at most one
    of the citizens, so 1/N (members absent from the extract only make it smaller)."""
    return 1.0 / max(population_size, 2)


def _label_expr(linkage: LinkageSettings, gamma_of: Callable[[int, str], pl.Expr]) -> pl.Expr:
    parts = []
    for i, spec in enumerate(linkage.comparisons):
        labels = {
            g: _LEVEL_LABELS.get(lab, "gần giống" if lab.startswith("Jaro") else lab)
            for g, lab in level_labels(spec).items()
        }
        field = _FIELD_LABELS.get(spec.name, spec.name)
        gamma = gamma_of(i, spec.name)
        parts.append(pl.lit(f"{field}: ") + gamma.replace_strict(labels, default="?", return_dtype=pl.String))
    return pl.concat_str(parts, separator="; ")


def _compact(linkage: LinkageSettings) -> bool:
    """Levels fit one digit each (gamma + 1, the null level being -1): a pair's explanation
    is kept as those digits (a short string stored inline, not ~150 bytes of labels per
    pair) and labelled for the steward's candidates only (`explain_expr`)."""
    return all(min(level_labels(spec)) >= -1 and max(level_labels(spec)) < 9 for spec in linkage.comparisons)


def _gamma_digits(linkage: LinkageSettings) -> pl.Expr:
    """The pair's gamma + 1 per comparison as one digit string (`_compact`; null with a null
    gamma): up to 18 comparisons, one number written out zero-padded, a quarter of the cost
    of concatenating a string per comparison."""
    plus_one = [pl.col(f"gamma_{c.name}").cast(pl.Int64) + 1 for c in linkage.comparisons]
    n = len(plus_one)
    if n > 18:  # beyond an Int64
        return pl.concat_str([d.cast(pl.String) for d in plus_one])
    number = functools.reduce(operator.add, [d * 10 ** (n - 1 - i) for i, d in enumerate(plus_one)])
    return number.cast(pl.String).str.zfill(n)


def explain_expr(settings: ReconcileSettings) -> pl.Expr:
    """`explanation` as steward labels, from the gamma digits `engine_score` keeps."""
    linkage = settings.linkage
    assert linkage is not None  # engine_ready() checked by the caller
    if not _compact(linkage):
        return pl.col("explanation")
    digit = lambda i, _: pl.col("explanation").str.slice(i, 1).cast(pl.Int64, strict=False) - 1  # noqa: E731
    return _label_expr(linkage, digit).alias("explanation")


def engine_score(
    pairs: pl.DataFrame,
    side: pl.DataFrame,
    citizens: pl.DataFrame,
    settings: ReconcileSettings,
    reference: pl.DataFrame,
    population_size: int,
    tf: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    """`match_weight`, `match_probability`, `evidence`, `explanation` from the linkage engine
    for `pairs` (`MEMBER_CODE` rows of `side`, `CITIZEN_CODE` rows of `citizens`, i.e.
    `search.pair_codes`), which keep their columns other than compared `_l`/`_r` fields;
    `citizens` carry `NAME_CODE` (`with_name_codes`); rows come back in citizen order.
    A member's record is built once (its name split and folded once per distinct name) and
    gathered per pair; a citizen's is read per pair in extract order (`_citizen_records`).

    The m/u weights are the deduplication model's; only the prior is re-based to this
    population (`search_prior`) and name frequencies come from `tf` (`sorted_tf_tables` of
    `reference`, `name_reference`), including the whole-name frequency that replaces the
    parts' (`full_name_tf`): agreeing on a full name that many citizens share is weak
    evidence, on a rare one strong (DOMAIN.md "Names"; hard profile, 100k rows: false
    matches 0.08 -> 0.05 % at the same bars).
    """
    linkage = settings.linkage
    assert linkage is not None  # engine_ready() checked by the caller
    tuned = replace(linkage, prior=search_prior(population_size), unique_id=_ID)
    left = prepare_records(_member_records(side, pairs, tuned), tuned)
    # Every pair column that is not a compared field rides along through compare/score.
    extra = [c for c in pairs.columns if not c.endswith(("_l", "_r"))]
    extra = [c for c in extra if c not in ("match_weight", "match_probability", "evidence", "explanation")]
    # By citizen: each pair's citizen record is read from the extract in row order, once
    # per pair (a chunk meets a citizen in ~1.2 pairs), not per citizen then again per pair.
    candidates = pairs.select(
        pl.col(MEMBER_CODE).alias(f"{_ID}_l"), pl.col(CITIZEN_CODE).alias(f"{_ID}_r"), *extra
    ).sort(f"{_ID}_r")
    right = prepare_records(_citizen_records(citizens, candidates.get_column(f"{_ID}_r"), reference), tuned)
    cols = [c for c in required_columns(tuned) if c != _ID]
    member = gathered(
        candidates.get_column(f"{_ID}_l"),
        record_side(left, [_ID, *cols], tuned, "_l", _tf_for(left, tf, tuned)),
    )
    compared = compare_sides(candidates, member, record_side(right, cols, tuned, "_r"), tuned, id_column=_ID)
    scored = score(compared, tuned)
    return scored.select(
        *extra,
        pl.col("match_weight").cast(pl.Float64),
        pl.col("match_probability").cast(pl.Float64),
        # the fields' own log2 Bayes factor, before any prior: what the records say
        (pl.col("match_weight") - math.log2(tuned.prior / (1.0 - tuned.prior)))
        .cast(pl.Float64)
        .alias("evidence"),
        (
            _gamma_digits(tuned)
            if _compact(tuned)
            else _label_expr(tuned, lambda _, name: pl.col(f"gamma_{name}").cast(pl.Int64))
        ).alias("explanation"),
    )


def in_population_share(exact: pl.DataFrame) -> float:
    """Share of members with a usable CCCD whose number the extract holds: the data's own
    estimate of how likely a member is to be in the population at all (clamped)."""
    if exact.is_empty():
        return 0.9
    found = float((exact.get_column("match_status") != "not_found").mean() or 0.0)
    return min(max(found, 0.5), 0.99)


def competing_posterior(scored: pl.DataFrame, in_population: float) -> pl.DataFrame:
    """Re-weigh each member's candidates against each other and against "not in the extract".

    A member is one of the N citizens (prior π/N each) or none of them (1 - π); citizens
    outside the candidates have negligible likelihood. So P(citizen c) =
    π·odds_c / ((1 - π) + π·Σ odds) with odds_c the pair's 1/N-prior odds: a lone
    candidate gains, namesakes share the belief and none of them is taken for sure.
    """
    odds = (pl.col("match_weight") * math.log(2)).exp()
    total = odds.sum().over(MEMBER_CODE)  # one member per code within a chunk
    post = in_population * odds / ((1.0 - in_population) + in_population * total)
    weight = (post / (1.0 - post).clip(lower_bound=1e-300)).log(2)
    return scored.with_columns(
        match_probability=post.clip(0.0, 1.0), match_weight=weight.clip(-1000.0, 1000.0)
    )
