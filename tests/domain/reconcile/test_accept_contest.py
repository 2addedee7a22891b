"""One-to-one acceptance (accept.accept_links): a citizen two members of one org claim goes to
the stronger by a margin, or to nobody; a citizen named once is its claimant's."""

from __future__ import annotations

import polars as pl

from ddss.reconcile import ReconcileSettings
from ddss.reconcile.accept import accept_links

SETTINGS = ReconcileSettings()  # accept at 0.999 (weight ~10), margin 4 (log2)


def _scored() -> pl.DataFrame:
    rows = [
        # row, org, claimant, citizen, weight
        ("a1", "A", "a1", "X", 30.0),  # beats a2 by 10 >= 4
        ("a2", "A", "a2", "X", 20.0),
        ("b1", "B", "b1", "X", 20.0),  # another org: X is b1's too
        ("a3", "A", "a3", "Y", 25.0),  # named once
        ("a4", "A", "a4", "V", 25.0),  # a tie with a5: nobody
        ("a5", "A", "a5", "V", 25.0),
        ("a6", "A", "a6", "W", 25.0),  # W is held by a fixed claim
        ("a7", "A", "a7", "U", 25.0),  # U is held by the same member's other row
    ]
    frame = pl.DataFrame(
        rows, schema=["row_id", "org", "claimant", "candidate_cccd", "match_weight"], orient="row"
    )
    return frame.with_columns(match_probability=pl.lit(0.9999))


def _claims() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "org": ["A", "A", "A"],
            "claimant": ["z9", "a7", "z8"],
            "candidate_cccd": ["W", "U", "Q"],  # Q: a citizen no link names
            "match_weight": [1e9, 1e9, 1e9],
        }
    )


def test_contested_citizens_go_to_the_clear_winner_or_nobody():
    got = accept_links(_scored(), _claims(), SETTINGS)
    assert sorted(got["row_id"].to_list()) == ["a1", "a3", "a7", "b1"]


def test_lazy_claims_give_the_same_links():
    eager = accept_links(_scored(), _claims(), SETTINGS).sort("row_id")
    assert accept_links(_scored(), _claims().lazy(), SETTINGS).sort("row_id").equals(eager)
