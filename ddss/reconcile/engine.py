"""Search-path scoring with the deduplication engine (`ddss.linkage.compare` / `score`).

When the run has trained linkage settings (from `link_members`), member↔citizen pairs are
scored by the very comparisons and m/u weights that deduplicate members, so a score means
the same thing in both places; only the prior differs (a candidate citizen is a different
population from a candidate duplicate: 1/N for N citizens). Without trained settings
`scoring.score_pairs` is used. Labels shown to stewards are translated here; compared values never appear.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from ddss.linkage import compare, level_labels, score
from ddss.linkage.comparisons import TF_COUNT
from ddss.linkage.settings import LinkageSettings
from ddss.names import split_name_exprs
from ddss.reconcile.scoring import ReconcileSettings

_ID = "_rid"
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


def _records(pairs: pl.DataFrame, suffix: str, key: str) -> pl.DataFrame:
    """One record per member (`_l`) or citizen (`_r`) in `pairs`, named as linkage expects."""
    cols = ("full_name", "birth_date", "birth_year", "sex", "province_code", "commune_code")
    # A member's own usable CCCD (one that led nowhere or to someone else) is evidence: a
    # candidate one keystroke away is likely the typo'd citizen, a far one likely not.
    own = pl.col("cccd_l") if suffix == "_l" and "cccd_l" in pairs.columns else pl.lit(None, pl.String)
    # A guessed sex or birth year (`exact.guess_flags`) is unknown, neither for nor against.
    guessed = {"sex": "sex_guessed_l", "birth_year": "year_guessed_l"} if suffix == "_l" else {}
    value = {
        c: pl.when(pl.col(guessed[c]).fill_null(False)).then(None).otherwise(pl.col(f"{c}{suffix}"))
        if guessed.get(c) in pairs.columns
        else pl.col(f"{c}{suffix}")
        for c in cols
    }
    frame = pairs.select(
        pl.col(key).alias(_ID),
        *[v.alias(c) for c, v in value.items()],
        pl.col(f"given_key{suffix}").alias("given_key"),
        pl.col(f"surname_key{suffix}").alias("surname_key"),
        pl.col(f"name_key{suffix}").alias("name_fold"),
        (pl.col(key) if suffix == "_r" else own).cast(pl.String).alias("cccd"),
        pl.lit(None, dtype=pl.String).alias("phone"),
    ).unique(_ID)
    return frame.with_columns(split_name_exprs("full_name"))


def name_reference(population: pl.LazyFrame) -> pl.DataFrame:
    """Citizens counted per distinct full name, split into name parts: the term-frequency
    reference of the search path (how common a given, middle or surname is in the whole
    population, not among the candidates, who all share a blocking key)."""
    counts = population.group_by("full_name").agg(pl.len().alias(TF_COUNT)).collect()
    return counts.with_columns(split_name_exprs("full_name"))


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


def explain_expr(settings: ReconcileSettings) -> pl.Expr:
    """`explanation` as steward labels, from the gamma digits `engine_score` keeps."""
    linkage = settings.linkage
    assert linkage is not None  # engine_ready() checked by the caller
    if not _compact(linkage):
        return pl.col("explanation")
    digit = lambda i, _: pl.col("explanation").str.slice(i, 1).cast(pl.Int64, strict=False) - 1  # noqa: E731
    return _label_expr(linkage, digit).alias("explanation")


def engine_score(
    pairs: pl.DataFrame, settings: ReconcileSettings, reference: pl.DataFrame, population_size: int
) -> pl.DataFrame:
    """`pairs` plus `match_weight`, `match_probability`, `explanation` from the linkage engine.

    The m/u weights are the deduplication model's; only the prior is re-based to this
    population (`search_prior`) and name frequencies come from `reference` (`name_reference`),
    including the whole-name frequency that replaces the parts' (`full_name_tf`): agreeing
    on a full name that many citizens share is weak evidence, on a rare one strong
    (DOMAIN.md "Names"; hard profile, 100k rows: false matches 0.08 -> 0.05 % at the same bars).
    """
    linkage = settings.linkage
    assert linkage is not None  # engine_ready() checked by the caller
    tuned = replace(linkage, prior=search_prior(population_size), unique_id=_ID)
    left = _records(pairs, "_l", "row_id")
    right = _records(pairs, "_r", "candidate_cccd")
    candidates = pairs.select(pl.col("row_id").alias(f"{_ID}_l"), pl.col("candidate_cccd").alias(f"{_ID}_r"))
    scored = score(compare(left, right, candidates, tuned, id_column=_ID, tf_reference=reference), tuned)
    result = scored.select(
        pl.col(f"{_ID}_l").alias("row_id"),
        pl.col(f"{_ID}_r").alias("candidate_cccd"),
        pl.col("match_weight").cast(pl.Float64),
        pl.col("match_probability").cast(pl.Float64),
        # the fields' own log2 Bayes factor, before any prior: what the records say
        (pl.col("match_weight") - math.log2(tuned.prior / (1.0 - tuned.prior)))
        .cast(pl.Float64)
        .alias("evidence"),
        (
            pl.concat_str([(pl.col(f"gamma_{c.name}") + 1).cast(pl.String) for c in tuned.comparisons])
            if _compact(tuned)
            else _label_expr(tuned, lambda _, name: pl.col(f"gamma_{name}").cast(pl.Int64))
        ).alias("explanation"),
    )
    return pairs.drop("match_weight", "match_probability", "evidence", "explanation", strict=False).join(
        result, on=["row_id", "candidate_cccd"], how="left"
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
    total = odds.sum().over("row_id")
    post = in_population * odds / ((1.0 - in_population) + in_population * total)
    weight = (post / (1.0 - post).clip(lower_bound=1e-300)).log(2)
    return scored.with_columns(
        match_probability=post.clip(0.0, 1.0), match_weight=weight.clip(-1000.0, 1000.0)
    )
