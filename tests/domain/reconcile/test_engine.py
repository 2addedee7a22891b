"""Search path scored by the deduplication engine (ddss.linkage) when settings are trained."""

from __future__ import annotations

import polars as pl

from ddss.linkage import LevelWeight, default_settings, level_labels
from ddss.reconcile import ReconcileSettings, reconcile_members


def _trained():
    """Hand-set m/u: top level strong evidence, else level strong evidence against."""
    base = default_settings()
    weights = []
    for spec in base.comparisons:
        labels = level_labels(spec)
        top = max(labels)
        for gamma, label in labels.items():
            if gamma == -1:
                continue
            m, u = (0.9, 0.02) if gamma == top else (0.02, 0.9) if gamma == 0 else (0.3, 0.1)
            weights.append(LevelWeight(spec.name, gamma, label, m, u))
    return base.with_training(weights=tuple(weights), prior=0.001, threshold=0.99, tf_u=())


def test_engine_scores_the_search_path(members, population):
    result = reconcile_members(members, population, settings=ReconcileSettings(linkage=_trained()))
    status = dict(result.matches.select("row_id", "match_status").iter_rows())
    assert status["m4"] == "matched_fuzzy"  # diacritic-free name, same date, sex, commune
    assert status["m6"] == "no_cccd"  # two equally good namesakes: review, not a guess
    cands = result.candidates.filter(pl.col("row_id") == "m6")
    assert cands.height == 2
    assert cands["explanation"].str.contains("Tên: trùng").all()
    assert cands["explanation"].str.contains("Ngày sinh: trùng").all()
    # the exact path does not depend on the engine
    assert status["m1"] == "matched" and status["m3"] == "deceased"


def test_namesakes_share_belief_and_a_lone_candidate_gains():
    """Two citizens fitting a member equally well can't both be them: neither is taken for
    sure; a lone candidate of the same strength is (DOMAIN.md "Names": namesakes are common)."""
    from ddss.reconcile.codes import MEMBER_CODE
    from ddss.reconcile.engine import competing_posterior

    scored = pl.DataFrame(
        {MEMBER_CODE: [0, 0, 1], "candidate_cccd": ["1", "2", "3"], "match_weight": [12.0, 12.0, 12.0]}
    )
    post = dict(
        zip(scored["candidate_cccd"], competing_posterior(scored, 0.9)["match_probability"], strict=True)
    )
    assert post["1"] == post["2"] < 0.5
    assert post["3"] > 0.999


def test_explanation_digits_keep_every_level_and_read_back() -> None:
    # gamma + 1 per comparison, zero-padded: a first field missing (-1) must stay a leading 0
    from ddss.reconcile.engine import _gamma_digits, explain_expr

    linkage = _trained()
    names = [f"gamma_{c.name}" for c in linkage.comparisons]
    rows = [[-1, 5, 3, 0, 1, 2, 1, -1], [4, 0, 0, 7, 0, 0, 2, 0], [0, None, 1, 1, 1, 1, 1, 1]]
    gammas = pl.DataFrame(rows, schema={n: pl.Int8 for n in names}, orient="row")
    digits = gammas.select(_gamma_digits(linkage).alias("explanation"))
    assert digits.to_series().to_list() == ["06412320", "51181131", None]
    labels = digits.head(1).select(explain_expr(ReconcileSettings(linkage=linkage))).item()
    assert labels.startswith("Tên: thiếu; ") and labels.endswith("Số điện thoại: thiếu")
