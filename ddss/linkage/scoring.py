"""Fellegi–Sunter scoring: trained m/u per level (training.py) become match weights.

Agreement on a common surname or given name is discounted by term frequency, as in Splink:
DOMAIN.md gives Nguyễn 38.4 %, so agreeing on it is weak evidence, on a rare name strong.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from ddss.frames import ordered_sum
from ddss.linkage.comparisons import level_labels
from ddss.linkage.records import FULL_NAME, tf_u_exact
from ddss.linkage.settings import ComparisonSpec, LinkageSettings
from ddss.linkage.training import estimate_weights

_FLOOR = 1e-9

__all__ = ["choose_threshold", "estimate_weights", "score", "tf_u_values", "threshold_tradeoff"]


def _top(spec: ComparisonSpec) -> int:
    return max(level_labels(spec))


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


def _full_name_adjustment(pairs: pl.DataFrame, settings: LinkageSettings) -> list[pl.Expr]:
    """One term-frequency adjustment for the whole name, replacing the parts' own.

    Summing surname, middle and given name (and sex) as independent evidence counts the
    same fact several times: Vietnamese middle names and given names are gendered (DOMAIN.md
    "Names": Thị/Văn), so a same-name pair of strangers agrees on all of them at once. When
    two records agree on the folded full name, the parts' product of u is swapped for the
    full name's own frequency in the reference (leave-one-out): the chance that a stranger
    shares exactly this name. Namesakes then weigh what they really are.
    """
    col = settings.full_name_tf
    tf_col = f"tf_{FULL_NAME}"
    if not col or tf_col not in pairs.columns or f"{col}_l" not in pairs.columns:
        return []
    u: dict[str, dict[int, float]] = {}
    for w in settings.weights:
        u.setdefault(w.comparison, {})[w.gamma] = w.u
    parts = [s for s in settings.comparisons if s.tf_adjust and s.kind == "name"]
    # a part agreeing on its folded value sits at its top two levels (exact, diacritic-
    # insensitive): the chance two strangers do so is the sum of both levels' u
    log_u = sum(
        math.log2(max(u[s.name].get(_top(s), 0.0) + u[s.name].get(_top(s) - 1, 0.0), _FLOOR)) for s in parts
    )
    # the folded names agree, and no part differs in its marks only (Hoa / Hóa both typed
    # with diacritics are different names: comparisons put them below the folded level)
    agree = (pl.col(f"{col}_l") == pl.col(f"{col}_r")).fill_null(False) & pl.all_horizontal(
        (pl.col(f"gamma_{s.name}") >= _top(s) - 1).fill_null(False) for s in parts
    )
    bound = settings.full_name_tf_max_bits
    raw = pl.lit(log_u) - pl.col(tf_col).clip(lower_bound=_FLOOR).log(2)
    full = pl.when(agree).then(raw.clip(-bound, bound).fill_null(0.0)).otherwise(0.0)
    zeroed = [
        pl.when(agree).then(0.0).otherwise(pl.col(f"mw_tf_{s.name}")).alias(f"mw_tf_{s.name}") for s in parts
    ]
    return [*zeroed, full.alias(f"mw_tf_{FULL_NAME}")]


def prior_weight(prior: float) -> float:
    return math.log2(prior / (1 - prior))


def _level_weight(gamma: str, weights: dict[int, float]) -> pl.Expr:
    """The weight of each pair's level (0.0 for a level without one, or a null gamma): one
    gather from a small table indexed by gamma, several times cheaper than a mapping."""
    if not weights:
        return pl.lit(0.0, pl.Float64)
    low, high = min(weights), max(weights)
    table = pl.Series([weights.get(g, 0.0) for g in range(low, high + 1)], dtype=pl.Float64)
    at = pl.when(pl.col(gamma).is_between(low, high)).then(pl.col(gamma).cast(pl.Int64) - low)
    return pl.lit(table).gather(at).fill_null(0.0)


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
        _level_weight(f"gamma_{spec.name}", by_comp[spec.name]).alias(f"mw_{spec.name}")
        for spec in settings.comparisons
    ]
    exprs += [_tf_adjustment(s, settings) for s in settings.comparisons if s.tf_adjust]
    out = pairs.with_columns(exprs)
    full = _full_name_adjustment(out, settings)
    out = out.with_columns(full) if full else out
    mw_cols = [c for c in out.columns if c.startswith("mw_")]
    weight = pl.lit(prior_weight(settings.prior)) + ordered_sum(mw_cols)
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
