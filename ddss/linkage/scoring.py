"""Fellegi–Sunter scoring: m/u per level learned from the data, then match weights.

m and u are estimated by EM over the distinct comparison patterns of the candidate pairs
(a few thousand rows however many pairs there are). EM starts from labels the data gives
for free: pairs that agree on a valid CCCD are almost surely the same person (initial m),
pairs with two different valid CCCDs almost surely not (initial u). Agreement on a common
surname or given name is discounted by term frequency, as in Splink: DOMAIN.md gives
Nguyễn 38.4 %, so agreeing on it is weak evidence.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from ddss.linkage.comparisons import NULL_GAMMA, level_labels, tf_u_exact
from ddss.linkage.settings import ComparisonSpec, LevelWeight, LinkageSettings

_FLOOR = 1e-6
_MIN_LABELLED = 30


def _top(spec: ComparisonSpec) -> int:
    return max(level_labels(spec))


def _level_freq(frame: pl.DataFrame, spec: ComparisonSpec, weight: str | None) -> np.ndarray:
    top = _top(spec)
    col = f"gamma_{spec.name}"
    w = pl.col(weight) if weight else pl.lit(1.0)
    agg = frame.filter(pl.col(col) != NULL_GAMMA).group_by(col).agg(w.sum().alias("n"))
    out = np.full(top + 1, 0.5, dtype=np.float64)  # light smoothing
    for g, n in agg.iter_rows():
        out[int(g)] += float(n)
    return out / out.sum()


def _default_m(spec: ComparisonSpec) -> np.ndarray:
    top = _top(spec)
    m = np.array([0.9 * 0.3 ** (top - g) for g in range(top + 1)], dtype=np.float64)
    m[0] = max(m[0], 0.02)
    return m / m.sum()


def _initial(patterns: pl.DataFrame, settings: LinkageSettings) -> tuple[dict, dict]:
    """m from CCCD-agreeing pairs, u from pairs with different valid CCCDs (if enough)."""
    m, u = {}, {}
    id_spec = next((s for s in settings.comparisons if s.name == settings.label_id), None)
    same = diff = None
    if id_spec is not None:
        col = f"gamma_{id_spec.name}"
        same = patterns.filter(pl.col(col) == _top(id_spec))
        diff = patterns.filter(pl.col(col) == 0)
    for spec in settings.comparisons:
        if same is not None and same["n"].sum() >= _MIN_LABELLED and spec is not id_spec:
            m[spec.name] = _level_freq(same, spec, "n")
        else:
            m[spec.name] = _default_m(spec)
        if diff is not None and diff["n"].sum() >= _MIN_LABELLED and spec is not id_spec:
            u[spec.name] = _level_freq(diff, spec, "n")
        else:
            u[spec.name] = _level_freq(patterns, spec, "n")
    return m, u


def estimate_weights(
    pairs: pl.DataFrame, settings: LinkageSettings, *, iterations: int | None = None
) -> tuple[tuple[LevelWeight, ...], float]:
    """EM (m, u and the share of matches among candidates) over comparison patterns."""
    specs = settings.comparisons
    gcols = [f"gamma_{s.name}" for s in specs]
    patterns = pairs.group_by(gcols).agg(pl.len().cast(pl.Float64).alias("n"))
    m, u = _initial(patterns, settings)
    gam = patterns.select(gcols).to_numpy().astype(np.int64)
    n = patterns.get_column("n").to_numpy()
    lam = 0.1
    for _ in range(iterations or settings.em_iterations):
        log_m = np.zeros(len(n))
        log_u = np.zeros(len(n))
        for j, spec in enumerate(specs):
            g = gam[:, j]
            ok = g != NULL_GAMMA
            log_m[ok] += np.log(np.maximum(m[spec.name][g[ok]], _FLOOR))
            log_u[ok] += np.log(np.maximum(u[spec.name][g[ok]], _FLOOR))
        logit = math.log(lam / (1 - lam)) + log_m - log_u
        post = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        new_lam = float((n * post).sum() / n.sum())
        for j, spec in enumerate(specs):
            g = gam[:, j]
            ok = g != NULL_GAMMA
            size = len(m[spec.name])
            wm = np.bincount(g[ok], weights=(n * post)[ok], minlength=size) + 1e-3
            wu = np.bincount(g[ok], weights=(n * (1 - post))[ok], minlength=size) + 1e-3
            m[spec.name] = wm / wm.sum()
            u[spec.name] = wu / wu.sum()
        converged = abs(new_lam - lam) < 1e-7
        lam = min(max(new_lam, 1e-6), 1 - 1e-6)
        if converged:
            break
    weights = tuple(
        LevelWeight(spec.name, g, label, float(m[spec.name][g]), float(u[spec.name][g]))
        for spec in specs
        for g, label in sorted(level_labels(spec).items())
        if g != NULL_GAMMA
    )
    return weights, lam


def tf_u_values(records: pl.DataFrame, settings: LinkageSettings) -> tuple[tuple[str, float], ...]:
    """Per tf-adjusted comparison, the chance two random records agree (sum of squares)."""
    return tuple((spec.name, tf_u_exact(records, spec)) for spec in settings.comparisons if spec.tf_adjust)


def _tf_adjustment(spec: ComparisonSpec, settings: LinkageSettings) -> pl.Expr:
    """log2(u_random / tf(value)) on the exact and diacritic-insensitive levels, clipped."""
    u_exact = dict(settings.tf_u).get(spec.name)
    top = _top(spec)
    gamma = pl.col(f"gamma_{spec.name}")
    if not u_exact:
        return pl.lit(0.0).alias(f"mw_tf_{spec.name}")
    raw = (pl.lit(u_exact) / pl.col(f"tf_{spec.name}").clip(lower_bound=_FLOOR)).log(2)
    bound = settings.tf_max_bits
    return (
        pl.when(gamma >= top - 1)
        .then(raw.clip(-bound, bound).fill_null(0.0))
        .otherwise(0.0)
        .alias(f"mw_tf_{spec.name}")
    )


def prior_weight(prior: float) -> float:
    return math.log2(prior / (1 - prior))


def score(pairs: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
    """Add `mw_<name>` (log2 m/u of the pair's level), tf adjustments, match weight/probability.

    `settings` must be trained (`weights`, `prior`); reusable for đối soát candidates.
    """
    if not settings.weights or settings.prior is None:
        raise ValueError("settings are not trained: run link_members or estimate_weights first")
    by_comp: dict[str, dict[int, float]] = {}
    for w in settings.weights:
        by_comp.setdefault(w.comparison, {})[w.gamma] = math.log2(max(w.m, _FLOOR) / max(w.u, _FLOOR))
    exprs = [
        pl.col(f"gamma_{spec.name}")
        .replace_strict(by_comp[spec.name], default=0.0, return_dtype=pl.Float64)
        .alias(f"mw_{spec.name}")
        for spec in settings.comparisons
    ]
    exprs += [_tf_adjustment(s, settings) for s in settings.comparisons if s.tf_adjust]
    out = pairs.with_columns(exprs)
    mw_cols = [c for c in out.columns if c.startswith("mw_")]
    weight = pl.lit(prior_weight(settings.prior)) + pl.sum_horizontal(mw_cols)
    return out.with_columns(match_weight=weight).with_columns(
        match_probability=1.0 / (1.0 + (-pl.col("match_weight") * math.log(2)).exp())
    )


def threshold_tradeoff(scored: pl.DataFrame) -> pl.DataFrame:
    """Expected precision/recall/F1 if pairs at or above each weight were accepted.

    Uses the model's own probabilities as soft labels (no truth needed): numbers only.
    """
    grid = np.arange(-6.0, 24.5, 0.5)
    w = scored.get_column("match_weight").to_numpy()
    order = np.argsort(-w)
    w_sorted = w[order]
    cum_p = np.concatenate([[0.0], np.cumsum(scored.get_column("match_probability").to_numpy()[order])])
    total = cum_p[-1] or 1.0
    accepted = np.searchsorted(-w_sorted, -grid, side="right")
    tp = cum_p[accepted]
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(accepted > 0, tp / np.maximum(accepted, 1), 1.0)
        rec = tp / total
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    return pl.DataFrame(
        {
            "match_weight_threshold": grid,
            "pairs_accepted": accepted.astype(np.int64),
            "expected_precision": prec,
            "expected_recall": rec,
            "expected_f1": f1,
            "expected_false_merges": accepted - tp,
        }
    )


def choose_threshold(tradeoff: pl.DataFrame, target_precision: float) -> float:
    """Best expected F1 among thresholds meeting the precision target (else best F1)."""
    ok = tradeoff.filter(pl.col("expected_precision") >= target_precision)
    pick = (ok if ok.height else tradeoff).sort(
        ["expected_f1", "match_weight_threshold"], descending=[True, False]
    )
    weight = float(pick.get_column("match_weight_threshold")[0])
    return 1.0 / (1.0 + 2.0 ** (-weight))
