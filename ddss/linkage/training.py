"""Training: u from random record pairs, m from labelled pairs, then a constrained EM.

Why not a free EM over the candidate pairs: candidates agree on their blocking keys by
construction, so an unconstrained EM happily learns "same commune and same name" as the
match class (it did: birth-date disagreement came out as evidence *for* a match). Splink's
recipe is followed instead:

- u (chance a level occurs between two different people) from a deterministic sample of
  random record pairs, where almost every pair is a non-match;
- m (chance a level occurs between two records of the same person) from pairs that agree
  on a valid CCCD (a CCCD is one person, DOMAIN.md "CCCD"), for every other comparison;
- EM from there, with u fixed, learning m and the prior `P(two random records match)`;
  pairs the hard rules forbid (two valid CCCDs, sex, birth years far apart) are known
  non-matches and never count towards the match class. Left in, the look-alike namesakes
  among them taught EM that a different birth date or CCCD is common within one person.

The prior is over random pairs, so `score` gives the posterior of a pair with the full Bayes
factor of every field, blocking keys included.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from ddss.linkage.comparisons import NULL_GAMMA, level_labels
from ddss.linkage.decisions import VETO, veto_expr
from ddss.linkage.settings import ComparisonSpec, LevelWeight, LinkageSettings

_FLOOR = 1e-9
_MIN_LABELLED = 30
_SEED = 20_261_125


def _top(spec: ComparisonSpec) -> int:
    return max(level_labels(spec))


def level_frequencies(frame: pl.DataFrame, spec: ComparisonSpec, weight: str | None = None) -> np.ndarray:
    """Share of each non-null level (index = gamma), lightly smoothed so none is zero."""
    top = _top(spec)
    col = f"gamma_{spec.name}"
    total = pl.col(weight).sum() if weight else pl.len()
    agg = frame.filter(pl.col(col) != NULL_GAMMA).group_by(col).agg(total.cast(pl.Float64).alias("n"))
    out = np.full(top + 1, 0.5, dtype=np.float64)
    for g, n in agg.iter_rows():
        out[int(g)] += float(n)
    return out / out.sum()


def default_m(spec: ComparisonSpec) -> np.ndarray:
    """Starting m when no labels exist: most mass on the strongest level."""
    top = _top(spec)
    m = np.array([0.9 * 0.3 ** (top - g) for g in range(top + 1)], dtype=np.float64)
    m[0] = max(m[0], 0.02)
    return m / m.sum()


def random_pairs(records: pl.DataFrame, settings: LinkageSettings, id_column: str) -> pl.DataFrame:
    """A fixed-seed sample of distinct record pairs, drawn over records sorted by their
    unique id, so the same input in any row order gives the same sample (and weights)."""
    order = settings.unique_id if settings.unique_id in records.columns else id_column
    ids = records.select(id_column, order).sort(order).get_column(id_column)
    n = ids.len()
    if n < 2:
        return pl.DataFrame({f"{id_column}_l": ids.head(0), f"{id_column}_r": ids.head(0)})
    k = int(min(settings.random_pairs, n * (n - 1) // 2 * 4))
    rng = np.random.default_rng(_SEED)
    a = rng.integers(0, n, k)
    b = rng.integers(0, n - 1, k)
    b = b + (b >= a)
    return pl.DataFrame({f"{id_column}_l": ids.gather(a), f"{id_column}_r": ids.gather(b)})


def _log_bf(gam: np.ndarray, specs: tuple[ComparisonSpec, ...], m: dict, u: dict) -> np.ndarray:
    out = np.zeros(gam.shape[0])
    for j, spec in enumerate(specs):
        g = gam[:, j]
        ok = g != NULL_GAMMA
        out[ok] += np.log(np.maximum(m[spec.name][g[ok]], _FLOOR)) - np.log(
            np.maximum(u[spec.name][g[ok]], _FLOOR)
        )
    return out


def _forbidden(pairs: pl.DataFrame, settings: LinkageSettings) -> pl.Expr:
    """Pairs a hard rule forbids (two valid CCCDs, sex, birth years far apart): known
    non-matches, which must not teach EM what matches look like (decisions.veto_expr)."""
    try:
        pairs.head(0).select(veto_expr(settings))
    except pl.exceptions.ColumnNotFoundError:
        return pl.lit(False)
    return (veto_expr(settings) == VETO).fill_null(False)


def estimate_weights(
    pairs: pl.DataFrame,
    settings: LinkageSettings,
    *,
    u: dict[str, np.ndarray],
    total_pairs: float,
    iterations: int | None = None,
    pair_weight: float = 1.0,
) -> tuple[tuple[LevelWeight, ...], float]:
    """m per level and the prior over random pairs, with `u` fixed (see module doc).

    pairs: compared candidate pairs; total_pairs: how many record pairs exist (n(n-1)/2),
    the denominator of the prior (pairs outside the candidates are taken as non-matches);
    pair_weight: how many candidates each compared pair stands for when `pairs` is a sample.
    """
    specs = settings.comparisons
    gcols = [f"gamma_{s.name}" for s in specs]
    id_spec = next((s for s in specs if s.name == settings.label_id), None)
    patterns = (
        pairs.group_by(*gcols, _forbidden(pairs, settings).alias("_no"))
        .agg((pl.len().cast(pl.Float64) * pair_weight).alias("n"))
        .sort([*gcols, "_no"])
    )  # a fixed order, so the float sums and a rerun are bit-identical
    labelled = (
        patterns.filter((pl.col(f"gamma_{id_spec.name}") == _top(id_spec)) & ~pl.col("_no"))
        if id_spec is not None
        else None
    )
    forbidden = patterns.get_column("_no").to_numpy()
    m: dict[str, np.ndarray] = {}
    if labelled is not None and labelled.get_column("n").sum() >= _MIN_LABELLED:
        m = {s.name: level_frequencies(labelled, s, "n") for s in specs if s is not id_spec}
    m |= {s.name: default_m(s) for s in specs if s.name not in m}
    # m starts from the labels and EM refines every comparison's (labelled pairs all hold a
    # CCCD, so alone they may never show a level, e.g. a diacritic-free copy without one);
    # pairs a hard rule forbids keep a zero match posterior
    free = list(range(len(specs)))
    gam = patterns.select(gcols).to_numpy().astype(np.int64)
    n = patterns.get_column("n").to_numpy()
    total = max(float(total_pairs), float(n.sum()), 1.0)
    lam = min(0.1 * n.sum() / total, 0.5)
    for _ in range(iterations or settings.em_iterations):
        logit = math.log(lam / (1 - lam)) + _log_bf(gam, specs, m, u)
        post = np.where(forbidden, 0.0, 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60))))
        new_lam = float((n * post).sum() / total)
        for j in free:
            spec = specs[j]
            g = gam[:, j]
            ok = g != NULL_GAMMA
            wm = np.bincount(g[ok], weights=(n * post)[ok], minlength=len(m[spec.name])) + 0.5
            m[spec.name] = wm / wm.sum()
        converged = abs(new_lam - lam) <= 1e-4 * lam
        lam = min(max(new_lam, 1e-15), 0.5)
        if converged:
            break
    weights = tuple(
        LevelWeight(spec.name, g, label, float(m[spec.name][g]), float(u[spec.name][g]))
        for spec in specs
        for g, label in sorted(level_labels(spec).items())
        if g != NULL_GAMMA
    )
    return weights, lam
