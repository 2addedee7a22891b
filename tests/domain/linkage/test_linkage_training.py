"""Training: which pairs may teach EM what a match looks like."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ddss.linkage import default_settings, estimate_weights, level_labels


def _pairs(kind: str, n: int, **gammas: int) -> pl.DataFrame:
    """n compared pairs agreeing on everything (top level) except the given gammas."""
    settings = default_settings()
    top = {f"gamma_{s.name}": max(level_labels(s)) for s in settings.comparisons}
    row = {**top, **{f"gamma_{k}": v for k, v in gammas.items()}}
    frame = pl.DataFrame({k: [v] * n for k, v in row.items()}, schema={k: pl.Int8 for k in row})
    return frame.with_columns(
        pl.lit(kind).alias("kind"),
        pl.lit(1980, pl.Int32).alias("birth_year_l"),
        pl.lit(1980, pl.Int32).alias("birth_year_r"),
        *[pl.lit(False).alias(f"{c}_{s}") for c in ("sex_guessed", "cccd_suspect") for s in "lr"],
    )


def _u() -> dict[str, np.ndarray]:
    out = {}
    for spec in default_settings().comparisons:
        top = max(level_labels(spec))
        u = np.full(top + 1, 0.01 / top)
        u[0] = 0.99
        out[spec.name] = u
    return out


@pytest.mark.parametrize("shared_wrong_cccd", [False, True])
def test_forbidden_namesakes_do_not_teach_the_match_class(shared_wrong_cccd: bool) -> None:
    # 300 records of one person (same valid CCCD, same date), 3,000 namesakes with the same
    # name and place but another valid CCCD and another birth date: a hard veto (DOMAIN.md
    # "CCCD": one number is one person), so they must not make "another birth date" look
    # common among matches
    matches = _pairs("match", 300, phone=-1)
    namesakes = _pairs("namesake", 3000, cccd=0, birth_date=0, phone=-1)
    labels = []
    if shared_wrong_cccd:
        # one CCCD typed for two people of another sex and birth year: vetoed, so not a label
        wrong = _pairs("wrong", 200, birth_date=0, sex=0, phone=-1)
        labels = [wrong.with_columns(pl.lit(1995, pl.Int32).alias("birth_year_r"))]
    pairs = pl.concat([matches, namesakes, *labels])
    weights, prior = estimate_weights(pairs, default_settings(), u=_u(), total_pairs=1e7)
    m_else = next(w.m for w in weights if w.comparison == "birth_date" and w.gamma == 0)
    assert m_else < 0.05
    assert 0 < prior < 1e-3
