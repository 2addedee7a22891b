"""Explanations: Splink-style waterfall of one score, as a long table.

For each pair: the prior, then each comparison's level (label, m, u, log2 Bayes factor),
then term-frequency adjustments, with a running total that ends at the match weight.
Labels and numbers only: no compared values, so the table can be shown to any steward.
"""

from __future__ import annotations

import math

import polars as pl

from ddss.linkage.comparisons import NULL_GAMMA, level_labels
from ddss.linkage.records import FULL_NAME
from ddss.linkage.scoring import prior_weight
from ddss.linkage.settings import LinkageSettings


def _level_table(settings: LinkageSettings) -> pl.DataFrame:
    rows = [(w.comparison, w.gamma, w.label, w.m, w.u) for w in settings.weights]
    rows += [(s.name, NULL_GAMMA, level_labels(s)[NULL_GAMMA], None, None) for s in settings.comparisons]
    return pl.DataFrame(
        rows,
        schema={
            "comparison": pl.String,
            "gamma": pl.Int8,
            "level": pl.String,
            "m": pl.Float64,
            "u": pl.Float64,
        },
        orient="row",
    )


def explain_pairs(pairs: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
    """Long table: `<id>_l, <id>_r, step, comparison, gamma, level, m, u, log2_bayes_factor,
    cumulative_weight`; the last cumulative value of a pair equals its `match_weight`."""
    uid = settings.unique_id
    ids = [f"{uid}_l", f"{uid}_r"]
    if settings.prior is None:
        raise ValueError("settings are not trained")
    names = [s.name for s in settings.comparisons]
    tf_names = [s.name for s in settings.comparisons if s.tf_adjust and f"mw_tf_{s.name}" in pairs.columns]
    if f"mw_tf_{FULL_NAME}" in pairs.columns:
        tf_names.append(FULL_NAME)
    steps = (
        [(0, "prior", None)]
        + [(i + 1, n, f"mw_{n}") for i, n in enumerate(names)]
        + [(len(names) + 1 + i, f"tf_{n}", f"mw_tf_{n}") for i, n in enumerate(tf_names)]
    )
    parts = [
        pairs.select(
            *ids,
            pl.lit(0, pl.Int16).alias("step"),
            pl.lit("prior").alias("comparison"),
            pl.lit(None, pl.Int8).alias("gamma"),
            pl.lit("prior").alias("level"),
            pl.lit(prior_weight(settings.prior)).alias("log2_bayes_factor"),
        )
    ]
    for step, name, col in steps[1:]:
        base = name if name in names else name[3:]
        gamma = pl.col(f"gamma_{base}") if f"gamma_{base}" in pairs.columns else pl.lit(None, pl.Int8)
        parts.append(
            pairs.select(
                *ids,
                pl.lit(step, pl.Int16).alias("step"),
                pl.lit(name).alias("comparison"),
                gamma.cast(pl.Int8).alias("gamma"),
                pl.lit("term frequency" if name not in names else None, pl.String).alias("level"),
                pl.col(col).cast(pl.Float64).alias("log2_bayes_factor"),
            )
        )
    long = pl.concat(parts)
    levels = _level_table(settings)
    out = long.join(levels, on=["comparison", "gamma"], how="left", suffix="_lv").with_columns(
        level=pl.coalesce("level", "level_lv")
    )
    return (
        out.sort([*ids, "step"])
        .with_columns(cumulative_weight=pl.col("log2_bayes_factor").cum_sum().over(ids))
        .with_columns(cumulative_probability=1.0 / (1.0 + (-pl.col("cumulative_weight") * math.log(2)).exp()))
        .select(
            *ids,
            "step",
            "comparison",
            "gamma",
            "level",
            "m",
            "u",
            "log2_bayes_factor",
            "cumulative_weight",
            "cumulative_probability",
        )
    )


def explain_cluster(result: object, member_id: str, *, level: str = "member") -> pl.DataFrame:
    """Waterfall rows of every scored pair inside one member's (or person's) cluster."""
    links: pl.DataFrame = result.links  # type: ignore[attr-defined]
    settings: LinkageSettings = result.settings  # type: ignore[attr-defined]
    uid = settings.unique_id
    key = "member_id" if level == "member" else "person_id"
    rows = links.filter(pl.col(key) == member_id).get_column(uid).implode()
    pairs = result.pairs.filter(  # type: ignore[attr-defined]
        pl.col(f"{uid}_l").is_in(rows) & pl.col(f"{uid}_r").is_in(rows)
    )
    return explain_pairs(pairs, settings)
