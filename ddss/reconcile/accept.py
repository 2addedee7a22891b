"""Acceptance on the search path of đối soát: which scored candidate is linked, which
goes to stewards.

Only a one-to-one, clearly best link above a high threshold is accepted, or a pair made
sure by the extract itself (a unique namesake) or by the member's own cluster (a citizen
its other row was matched to); the rest go to stewards as up to three candidates.
"""

from __future__ import annotations

import polars as pl

from ddss.reconcile.codes import CROWD
from ddss.reconcile.engine import engine_ready
from ddss.reconcile.scoring import ReconcileSettings, probability_to_weight

PAIR_KEY = ("row_id", "candidate_cccd")


def accept_bar(settings: ReconcileSettings) -> float:
    """Probability from which a clear best candidate is linked (engine posterior or plain)."""
    return settings.posterior_accept_probability if engine_ready(settings) else settings.accept_probability


def unique_bar(settings: ReconcileSettings) -> float:
    """Probability from which a unique namesake is linked (`unique_namesakes`)."""
    if engine_ready(settings):
        return settings.posterior_unique_accept_probability
    return settings.unique_accept_probability


UNIQUE_KEY = ("name_key", "birth_year", "commune_code")


def unique_namesakes(
    scored: pl.DataFrame, side: pl.DataFrame, population: pl.LazyFrame, settings: ReconcileSettings
) -> pl.DataFrame:
    """`row_id, candidate_cccd` pairs acceptable by uniqueness rather than by score.

    A member recorded with a year only (DOMAIN.md "Ngày sinh / Năm sinh": dates "or year
    only") cannot out-score the acceptance bar on name, year and commune alone, although the
    population file can settle it: when exactly one citizen in the whole extract has this
    folded full name, birth year and commune, a member with the same three is either that
    citizen or absent from the extract. So the pair is accepted when, in addition:
    - the score's own posterior is at least `unique_bar` (0.985 with the engine; the share of
      members absent from the extract keeps the rest risky: measured below),
    - the member's only candidate above the steward floor is this citizen,
    - nothing recorded disagrees (full birth dates, when both sides have one, are equal;
      sex likewise: a citizen recorded with a year only does not conflict);
    - the usual one-to-one check passes (no other member of the org claims the citizen).
    Namesakes are common (DOMAIN.md "Names"), so a name alone never suffices: a second
    citizen with the same name, year and commune, or a second candidate, sends it to review.
    A member with no birth year at all is held to the only citizen with this folded name in
    the commune, whose full name must also equal the member's as written (a name typed
    without diacritics folds from several names). Measured on the hard profile (search
    path scored with the full-name term frequency, so a common name weighs little): the
    posterior is calibrated (0.95-0.98: 4-5 % of such links are members absent from the
    extract, at 1M rows); a bar of 0.985 gave recall 98.1 %, false-match rate 0.08 % at
    100k rows (0.98: 98.2 %, 0.09 %; 0.99: 97.8 %, 0.10 %) and 0.09 % at 1M rows.
    """
    floor = probability_to_weight(settings.candidate_probability)
    lone = (
        scored.filter(pl.col("match_weight") >= floor)
        .filter(~pl.col("row_id").is_duplicated())
        .filter(pl.col("match_probability") >= unique_bar(settings))
        .select("row_id", "candidate_cccd")
    )
    # each lone pair with its member's fields, joined once (1M pairs at 3M members)
    pairs = lone.join(side.select("row_id", *UNIQUE_KEY, "full_name", "birth_date", "sex"), on="row_id")
    dated = pl.col("birth_year").is_not_null()
    found = [
        _unique_on(pairs, dated, population, UNIQUE_KEY, UNIQUE_KEY),
        _unique_on(pairs, ~dated, population, UNDATED_KEY, (*UNDATED_KEY, "full_name")),
    ]
    return pl.concat(found)


UNDATED_KEY = ("name_key", "commune_code")


def _unique_on(
    pairs: pl.DataFrame,
    which: pl.Expr,
    population: pl.LazyFrame,
    key_cols: tuple[str, ...],
    agree_on: tuple[str, ...],
) -> pl.DataFrame:
    """Lone `pairs` (with their member's fields) meeting `which` whose citizen is the only one
    in the extract with the member's `key_cols`, equal on `agree_on`, and whose recorded
    birth date and sex do not disagree. `which` is applied lazily: only the columns read are
    copied, not every pair's fields."""
    mine = pairs.lazy().filter(which)
    key = list(key_cols)
    same = list(dict.fromkeys((*key, *agree_on)))
    citizens = population.select("cccd", *same, "birth_date", "sex").drop_nulls(key)
    # Counted among the citizens holding a lone pair's member's key only, not the whole
    # extract (a citizen with another key fails `agree` below): the keys come from the
    # members, so the extract is scanned once, not once more to find the candidates' keys.
    schema = citizens.collect_schema()
    keys = mine.select(pl.col(c).cast(schema[c]) for c in key).drop_nulls().unique()
    unique = (
        citizens.join(keys, on=key, how="semi")
        .filter(pl.len().over(key) == 1)
        .collect()
        .rename({c: f"{c}_r" for c in (*same, "birth_date", "sex")})
    )
    agree = pl.all_horizontal(pl.col(c) == pl.col(f"{c}_r") for c in same).fill_null(False)
    # a value missing on either side (a citizen recorded with a year only, too) is no conflict
    no_conflict = pl.all_horizontal(
        pl.col(c).is_null() | pl.col(f"{c}_r").is_null() | (pl.col(c) == pl.col(f"{c}_r"))
        for c in ("birth_date", "sex")
    )
    # the join on the candidate's CCCD keeps only the lone pairs' citizens
    return (
        mine.join(unique.lazy(), left_on="candidate_cccd", right_on="cccd")
        .filter(agree & no_conflict.fill_null(False))
        .select("row_id", "candidate_cccd")
        .collect()
    )


def sure_pairs(
    scored: pl.DataFrame,
    side: pl.DataFrame,
    population: pl.LazyFrame,
    settings: ReconcileSettings,
    *,
    vouched: pl.DataFrame,
    not_found: pl.DataFrame,
) -> pl.DataFrame:
    """`row_id, candidate_cccd` pairs `accept_links` may take below the threshold.

    - `unique_namesakes`, except for a member whose own CCCD is not in the extract at all
      (`not_found`): a well-formed number the extract lacks is evidence the person is not
      in it (DOMAIN.md, CCCD: a typo is one keystroke from the real number, which is then
      suggested as a correction). Hard profile, 100k rows: 3 of the 17 false matches were
      such members, 3 of 46 of their unique-namesake links.
    - `vouched_links`: the person's other row holds this citizen's CCCD.
    A correction suggestion's citizen is not taken as sure: year and sex are encoded in the
    number (DOMAIN.md, CCCD), so a one-digit variant agrees on them by construction and only
    the name is left to tell a stranger apart (no gain on the hard profile; more false
    links on the synthetic bench). It stays a suggestion for the steward.
    """
    # not_found members leave before the namesakes are looked for (the columns read only)
    mine = scored.select("row_id", "candidate_cccd", "match_weight", "match_probability")
    unique = unique_namesakes(mine.join(not_found, on="row_id", how="anti"), side, population, settings)
    return pl.concat([unique, vouched_links(scored, vouched, settings)]).unique()


def _position_in_member() -> pl.Expr:
    """0-based position of a row among its member's rows in a frame sorted by row_id: the
    same as `int_range().over("row_id")`, without a window over a string key (~1 s per
    450k pairs at 1M members)."""
    i = pl.int_range(pl.len(), dtype=pl.Int64)
    start = pl.col("row_id").ne_missing(pl.col("row_id").shift(1))
    return i - pl.when(start).then(i).forward_fill()


def accept_links(
    scored: pl.DataFrame,
    claims: pl.DataFrame | pl.LazyFrame,
    settings: ReconcileSettings,
    unique: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One-to-one links: a member's clear best candidate, not claimed by another member.

    `claims` (org, claimant, candidate_cccd, match_weight) are links already fixed (exact
    path, steward decisions); they outrank any search link. Ties go to review, never a guess.
    Lazy `claims` are computed for the best links' citizens only.
    `unique` (from `unique_namesakes`) are pairs accepted below the threshold by uniqueness.
    A member whose crowded key (`search.CROWDED_KEY_CITIZENS`) held namesakes it cannot be
    told from (`CROWD` > 0, `search._blinds`) is never linked here: they were not scored, so
    its posterior overstates its best candidate (and a sure pair's uniqueness or cluster
    says nothing about them); its candidates go to stewards.
    """
    threshold = probability_to_weight(accept_bar(settings))
    # Ranked on the keys only, then the best rows fetched: sorting every scored column
    # would copy the whole frame (tens of millions of pairs at 10M members) twice.
    crowd = pl.col(CROWD) if CROWD in scored.columns else pl.lit(0)
    keys = scored.select(*PAIR_KEY, "match_weight", (crowd > 0).alias("_crowded")).with_row_index("_i")
    if unique is not None and unique.height:
        keys = keys.join(
            unique.select(*PAIR_KEY).with_columns(_unique=pl.lit(True)), on=list(PAIR_KEY), how="left"
        ).with_columns(pl.col("_unique").fill_null(False))
    else:
        keys = keys.with_columns(_unique=pl.lit(False))
    # A sure pair (unique namesake, vouched by the cluster) ranks first for its member.
    ranked = keys.sort(
        ["row_id", "_unique", "match_weight", "candidate_cccd"], descending=[False, True, True, False]
    ).with_columns(
        pl.when(pl.col("row_id").eq_missing(pl.col("row_id").shift(-1)))
        .then(pl.col("match_weight").shift(-1))
        .alias("_next"),
        _position_in_member().alias("_rank"),
    )
    picked = ranked.filter(
        (pl.col("_rank") == 0)
        & ~pl.col("_crowded")
        & (
            pl.col("_unique")
            | (
                (pl.col("match_weight") >= threshold)
                & (
                    pl.col("_next").is_null()
                    | (pl.col("match_weight") - pl.col("_next") >= settings.accept_margin_log2)
                )
            )
        )
    )
    best = scored.select(pl.all().gather(picked.get_column("_i")))
    # No citizen claimed by two members of the same org: strongest claimant wins by a margin.
    # Only the citizens some best link names can be contested (a fixed claim on any other
    # citizen contests nothing here).
    named = best.get_column("candidate_cccd").implode()
    rival = claims.lazy().filter(pl.col("candidate_cccd").is_in(named)).collect()
    all_claims = pl.concat(
        [
            best.select("org", "claimant", "candidate_cccd", "match_weight"),
            rival.select("org", "claimant", "candidate_cccd", pl.col("match_weight").cast(pl.Float64)),
        ]
    )
    # A citizen named once is uncontested (its claimant wins, alone): only citizens named
    # twice are grouped (3M members: ~1M links, a few thousand of them contested).
    contested = all_claims.filter(pl.col("candidate_cccd").is_duplicated())
    per_claimant = contested.group_by("org", "candidate_cccd", "claimant").agg(pl.col("match_weight").max())
    # Rows keep their order within a group: sorted once, the first is the strongest claimant
    # (a tie for the top fails the margin below, whoever is first).
    contest = (
        per_claimant.sort("match_weight", descending=True)
        .group_by("org", "candidate_cccd")
        .agg(
            pl.col("claimant").first().alias("_winner"),
            pl.col("match_weight").first().alias("_top"),
            pl.col("match_weight").get(1, null_on_oob=True).alias("_second"),
            pl.lit(True).alias("_contested"),
        )
    )
    wins = (pl.col("claimant") == pl.col("_winner")) & (
        pl.col("_second").is_null() | (pl.col("_top") - pl.col("_second") >= settings.accept_margin_log2)
    )
    return (
        best.join(contest, on=["org", "candidate_cccd"], how="left", nulls_equal=True)
        .filter(pl.when(pl.col("_contested")).then(wins).otherwise(pl.col("claimant").is_not_null()))
        .drop("_winner", "_top", "_second", "_contested", "explanation", strict=False)
    )


def top_candidates(
    scored: pl.DataFrame, exclude_rows: pl.DataFrame, settings: ReconcileSettings
) -> pl.DataFrame:
    """Up to `max_candidates` citizens per member not linked automatically, for stewards."""
    floor = probability_to_weight(settings.candidate_probability)
    return (
        scored.join(exclude_rows.select("row_id"), on="row_id", how="anti")
        .filter(pl.col("match_weight") >= floor)
        .sort(["row_id", "match_weight", "candidate_cccd"], descending=[False, True, False])
        .with_columns((_position_in_member() + 1).cast(pl.Int8).alias("rank"))
        .filter(pl.col("rank") <= settings.max_candidates)
        .select(
            "row_id",
            "candidate_cccd",
            pl.col("match_probability").alias("score"),
            "rank",
            "explanation",
        )
    )


def vouched_links(scored: pl.DataFrame, vouched: pl.DataFrame, settings: ReconcileSettings) -> pl.DataFrame:
    """`vouched` pairs (`cluster_pairs`) whose own fields support the link: accepted like
    `unique_namesakes` pairs, below the threshold (the person's other row holds this
    citizen's CCCD), subject to the one-to-one check.

    The row's own data must still prefer this citizen over its namesakes and over "not in
    the extract" (posterior ≥ `cluster_accept_probability`): two namesakes with the same
    year in one commune are what the deduplication itself cannot tell apart (DOMAIN.md
    "Names"), so a cluster joining them vouches for nothing. Measured on the hard profile,
    100k rows: of the vouched links the posterior floor of 0.5 let through, 21 of 49 at
    0.45–0.5 were wrong, 5 of 179 above 0.6."""
    return (
        scored.join(vouched.select(*PAIR_KEY), on=list(PAIR_KEY), how="semi")
        .filter(
            (pl.col("evidence") >= settings.cluster_min_evidence_log2)
            & (pl.col("match_probability") >= settings.cluster_accept_probability)
        )
        .select(*PAIR_KEY)
    )
