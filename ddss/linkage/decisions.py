"""Pair decisions: threshold, review band, hard vetoes and steward overrides.

Vetoes stop a merge whatever the score: two different valid CCCDs (a CCCD is one person,
DOMAIN.md "CCCD"), incompatible sex, birth years too far apart. A CCCD one digit off or
transposed is a typo, not a different person, only when everything else agrees: then it is
not vetoed and the score decides (two people's random 6-digit serials are almost never one
keystroke apart, DOMAIN.md "CCCD"); clustering treats the two numbers as one.
"""

from __future__ import annotations

import math

import polars as pl

from ddss.linkage.comparisons import NULL_GAMMA, level_labels
from ddss.linkage.settings import LinkageSettings

ACCEPT = "accept"
REVIEW = "review"
REJECT = "reject"
VETO = "veto"
CONFIRM = "confirm"
SPLIT = "split"
ACCEPTED = (ACCEPT, CONFIRM)


def _others_agree(settings: LinkageSettings, except_name: str) -> pl.Expr:
    """Every other comparison with data sits at one of its two strongest levels."""
    conds = []
    for spec in settings.comparisons:
        if spec.name == except_name:
            continue
        labels = level_labels(spec)
        g = pl.col(f"gamma_{spec.name}")
        # a year-only date agreeing on the year is missing detail, not a disagreement
        floor = next((k for k, v in labels.items() if v == "year agrees"), max(labels) - 1)
        conds.append((g == NULL_GAMMA) | (g >= floor))
    return pl.all_horizontal(conds) if conds else pl.lit(True)


def veto_expr(settings: LinkageSettings) -> pl.Expr:
    """`veto`, `review` (near-identical CCCDs otherwise agreeing) or null."""
    specs = {s.name: s for s in settings.comparisons}
    vetoes: list[pl.Expr] = []
    review = pl.lit(False)
    if settings.veto_id and settings.veto_id in specs:
        g = pl.col(f"gamma_{settings.veto_id}")
        near = g.is_between(1, max(level_labels(specs[settings.veto_id])) - 1)
        others = _others_agree(settings, settings.veto_id)
        vetoes += [g == 0, near & ~others]
        review = near & others
    if settings.veto_sex and settings.veto_sex in specs:
        differs = pl.col(f"gamma_{settings.veto_sex}") == 0
        if settings.sex_guessed:
            guessed = [
                pl.col(f"{settings.sex_guessed}_{side}").cast(pl.Boolean, strict=False).fill_null(False)
                for side in "lr"
            ]
            differs = differs & ~(guessed[0] | guessed[1])
        vetoes.append(differs)
    if settings.veto_year:
        y_l = pl.col(f"{settings.veto_year}_l").cast(pl.Int32)
        y_r = pl.col(f"{settings.veto_year}_r").cast(pl.Int32)
        vetoes.append((y_l - y_r).abs() > settings.max_birth_year_gap)
    is_veto = pl.any_horizontal([v.fill_null(False) for v in vetoes]) if vetoes else pl.lit(False)
    return (
        pl.when(is_veto)
        .then(pl.lit(VETO))
        .when(review.fill_null(False))
        .then(pl.lit(REVIEW))
        .otherwise(pl.lit(None, pl.String))
        .alias("veto")
    )


def birth_conflict_expr(settings: LinkageSettings) -> pl.Expr:
    """Both birth dates known and different beyond a typo (not a day/month swap, not one digit
    off), with no identical CCCD to vouch for the pair: never merged automatically.

    A date or year recorded twice is the strongest evidence after the CCCD that two namesakes
    are two people (DOMAIN.md "Names": namesakes are common); measured on the hard profile,
    such pairs above the threshold were almost all false merges. They go to review.
    """
    specs = {s.name: s for s in settings.comparisons}
    date = next((s for s in settings.comparisons if s.kind == "date"), None)
    if date is None or not settings.veto_year:  # birth rules are on only with the year veto
        return pl.lit(False)
    labels = level_labels(date)
    floor = next((k for k, v in labels.items() if v == "year agrees"), None)
    if floor is None:
        return pl.lit(False)
    g = pl.col(f"gamma_{date.name}")
    conflict = (g >= 0) & (g < floor)
    if settings.veto_id and settings.veto_id in specs:
        conflict = conflict & (
            pl.col(f"gamma_{settings.veto_id}") != max(level_labels(specs[settings.veto_id]))
        )
    return conflict.fill_null(False)


def _ordered(frame: pl.DataFrame, uid: str) -> pl.DataFrame:
    lo = pl.min_horizontal(f"{uid}_l", f"{uid}_r")
    hi = pl.max_horizontal(f"{uid}_l", f"{uid}_r")
    return frame.with_columns(lo.alias(f"{uid}_l"), hi.alias(f"{uid}_r"))


def decide(
    scored: pl.DataFrame,
    settings: LinkageSettings,
    decisions: pl.DataFrame | None = None,
    *,
    id_column: str | None = None,
) -> pl.DataFrame:
    """Add `veto` and `decision`: steward confirm/split, veto, accept, review or reject.

    A pair is accepted at `settings.accept_probability` (the trained threshold, never below
    the false-merge-cost floor); one above it whose birth dates conflict
    (`birth_conflict_expr`) is reviewed, not accepted."""
    accept_at = settings.accept_probability
    if accept_at is None:
        raise ValueError("settings have no threshold")
    uid = id_column or settings.unique_id
    t_weight = math.log2(accept_at / (1 - accept_at))
    out = scored.with_columns(veto_expr(settings))
    if decisions is not None and decisions.height:
        steward = (
            _ordered(decisions.select(f"{uid}_l", f"{uid}_r", "decision"), uid)
            .unique([f"{uid}_l", f"{uid}_r"], keep="last")
            .rename({"decision": "_steward"})
        )
        out = out.join(steward, on=[f"{uid}_l", f"{uid}_r"], how="left")
    else:
        out = out.with_columns(pl.lit(None, pl.String).alias("_steward"))
    veto_review = pl.col("veto") == REVIEW
    decision = (
        pl.when(pl.col("_steward").is_in([CONFIRM, SPLIT]))
        .then(pl.col("_steward"))
        .when(pl.col("veto") == VETO)
        .then(pl.lit(VETO))
        .when(veto_review & (pl.col("match_weight") < t_weight - settings.review_band))
        .then(pl.lit(REJECT))
        .when((pl.col("match_probability") >= accept_at) & ~birth_conflict_expr(settings))
        .then(pl.lit(ACCEPT))
        .when(pl.col("match_weight") >= t_weight - settings.review_band)
        .then(pl.lit(REVIEW))
        .otherwise(pl.lit(REJECT))
    )
    return out.with_columns(decision=decision).drop("_steward")


def steward_pairs(decisions: pl.DataFrame, uid: str, value: str) -> pl.DataFrame:
    """Steward-decided pairs of one kind, ordered `_l < _r`."""
    return _ordered(
        decisions.filter(pl.col("decision") == value).select(f"{uid}_l", f"{uid}_r"), uid
    ).unique()
