"""Scoring: level weights looked up per gamma."""

from __future__ import annotations

import math
import random

import numpy as np
import polars as pl

from ddss.linkage import LevelWeight, default_settings, level_labels, score
from ddss.linkage.scoring import prior_weight


def _trained():
    """Random m/u per level (a level left out weighs 0), no term-frequency adjustment."""
    rng = random.Random(3)
    base = default_settings()
    weights = [
        LevelWeight(spec.name, gamma, label, rng.uniform(0.01, 0.9), rng.uniform(0.01, 0.9))
        for spec in base.comparisons
        for gamma, label in level_labels(spec).items()
        if gamma != 1
    ]
    return base.with_training(weights=tuple(weights), prior=1e-4, threshold=0.9, tf_u=())


def test_weights_are_the_levels_log_ratios() -> None:
    settings = _trained()
    rng = np.random.default_rng(5)
    n = 50_000
    gammas = {
        f"gamma_{s.name}": rng.integers(min(level_labels(s)), max(level_labels(s)) + 1, n).astype(np.int8)
        for s in settings.comparisons
    }
    frame = pl.DataFrame(gammas).with_columns(
        pl.lit(None, pl.Float64).alias(f"tf_{s.name}") for s in settings.comparisons if s.tf_adjust
    )
    out = score(frame, settings)
    ratio = {(w.comparison, w.gamma): math.log2(w.m / w.u) for w in settings.weights}
    for spec in settings.comparisons:
        want = np.array([ratio.get((spec.name, int(g)), 0.0) for g in gammas[f"gamma_{spec.name}"]])
        assert np.array_equal(out.get_column(f"mw_{spec.name}").to_numpy(), want)
    total = out.select(pl.sum_horizontal(pl.col("^mw_.*$"))).to_series().to_numpy()
    assert np.allclose(out.get_column("match_weight").to_numpy(), prior_weight(settings.prior) + total)
