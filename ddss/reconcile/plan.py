"""The phases of one đối soát run: plan (exact path), search (splits by member), finish.

`reconcile_members` runs them in one process; a fanned-out run (assets/reconcile.py) saves
the plan, scores `search_batches` in separate steps and finishes over all of them. Both give
the same result, because a member's search pairs never depend on other members.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ddss import issues
from ddss.keys import row_id_expr
from ddss.reconcile.accept import accept_links, sure_pairs, top_candidates
from ddss.reconcile.engine import engine_ready, explain_expr, in_population_share
from ddss.reconcile.exact import MATCH_COLUMNS, exact_matches, member_side, usable_cccd_expr
from ddss.reconcile.repair import suggest_corrections
from ddss.reconcile.scoring import ReconcileSettings, name_frequencies
from ddss.reconcile.search import PreparedSearch, cluster_pairs, prepare_search, score_search, search_pairs

MATCH_STATUSES = ("matched", "matched_fuzzy", "mismatch", "not_found", "deceased", "no_cccd")
CANDIDATE_COLUMNS = {
    "row_id": pl.String,
    "candidate_cccd": pl.String,
    "score": pl.Float64,
    "rank": pl.Int8,
    "explanation": pl.String,
}
_FIXED_WEIGHT = 1e9  # exact and steward links outrank any search link in conflicts
_CCCD_RE = r"^\d{12}$"


@dataclass(frozen=True)
class ReconcileResult:
    """Frames of one đối soát run; `summary` holds counts only (safe for metadata)."""

    matches: pl.DataFrame
    candidates: pl.DataFrame
    corrections: pl.DataFrame
    cccd_updates: pl.DataFrame
    summary: dict[str, int]


def _latest(decisions: pl.DataFrame | None) -> pl.DataFrame:
    """One decision per (kind, row_id): the newest wins; within one file an accept or a
    correction outranks the rejects of the other candidates offered for the same row."""
    schema = {"kind": pl.String, "row_id": pl.String, "decision": pl.String, "value": pl.String}
    if decisions is None or decisions.is_empty():
        return pl.DataFrame(schema=schema)
    frame = decisions.filter(pl.col("kind") != "duplicate").with_row_index("_order")
    when = pl.col("decided_at") if "decided_at" in frame.columns else pl.lit(None, dtype=pl.Datetime("us"))
    return (
        frame.with_columns(when.alias("_when"), (pl.col("decision") != "reject").alias("_strong"))
        .sort(["_when", "_strong", "_order"], nulls_last=False)
        .unique(["kind", "row_id"], keep="last", maintain_order=True)
        .select(schema.keys())
        .cast(schema)
    )


def _rejected_pairs(decisions: pl.DataFrame | None) -> pl.DataFrame:
    """Every citizen a steward said a member is not: never proposed or linked again."""
    schema = {"row_id": pl.String, "candidate_cccd": pl.String}
    if decisions is None or decisions.is_empty():
        return pl.DataFrame(schema=schema)
    return (
        decisions.filter(
            (pl.col("kind") == "match") & (pl.col("decision") == "reject") & pl.col("value").is_not_null()
        )
        .select("row_id", pl.col("value").alias("candidate_cccd"))
        .unique()
        .cast(schema)
    )


def _apply_cccd_corrections(members: pl.DataFrame, corrections: pl.DataFrame) -> pl.DataFrame:
    """A steward's corrected CCCD replaces the member's before matching."""
    if corrections.is_empty():
        return members
    fixed = corrections.select("row_id", pl.col("value").alias("_fixed"))
    return (
        members.join(fixed, on="row_id", how="left")
        .with_columns(
            pl.coalesce("_fixed", pl.col("cccd").cast(pl.String)).alias("cccd"),
            pl.when(pl.col("_fixed").is_not_null())
            .then(pl.lit("valid"))
            .otherwise(pl.col("cccd_status"))
            .alias("cccd_status"),
        )
        .drop("_fixed")
    )


def _search_matches(
    accepted: pl.DataFrame, candidates: pl.DataFrame, exact: pl.DataFrame, no_cccd: pl.DataFrame
) -> pl.DataFrame:
    """Matches after the search path: accepted links replace `not_found`/`mismatch` exact
    rows (their issue codes stay: the typed number is still wrong) and settle `no_cccd` ones."""
    deceased = pl.col("status") == "deceased"
    none = pl.lit([], dtype=pl.List(pl.String))
    linked = accepted.join(exact.select("row_id", "match_issues"), on="row_id", how="left").select(
        "row_id",
        pl.when(deceased).then(pl.lit("deceased")).otherwise(pl.lit("matched_fuzzy")).alias("match_status"),
        pl.col("candidate_cccd").alias("matched_cccd"),
        pl.col("match_probability").alias("match_score"),
        pl.concat_list(
            pl.col("match_issues").fill_null(none),
            pl.when(deceased).then(pl.lit([issues.MATCH_DECEASED])).otherwise(none),
        ).alias("match_issues"),
    )
    rest = no_cccd.join(linked, on="row_id", how="anti").select(
        "row_id",
        pl.lit("no_cccd").alias("match_status"),
        pl.lit(None, dtype=pl.String).alias("matched_cccd"),
        pl.lit(None, dtype=pl.Float64).alias("match_score"),
        pl.when(pl.col("row_id").is_in(candidates["row_id"].implode()))
        .then(pl.lit([issues.MATCH_REVIEW]))
        .otherwise(none)
        .alias("match_issues"),
    )
    kept = exact.join(linked, on="row_id", how="anti")
    return pl.concat([kept.cast(MATCH_COLUMNS), linked.cast(MATCH_COLUMNS), rest.cast(MATCH_COLUMNS)])


def _apply_match_decisions(matches: pl.DataFrame, side: pl.DataFrame, decided: pl.DataFrame) -> pl.DataFrame:
    """Steward accept/reject/correct override whatever the automatic run concluded."""
    if decided.is_empty():  # nothing to override: no join of every member row
        return matches
    frame = matches.join(decided, on="row_id", how="left").join(
        side.select("row_id", pl.col("cccd").alias("_own"), usable_cccd_expr().alias("_usable")),
        on="row_id",
    )
    # Vouching for a number the population file does not hold cannot make it a match.
    accept = (pl.col("decision") == "accept") & ~(
        (pl.col("match_status") == "not_found") & pl.col("value").is_null()
    )
    link = pl.coalesce("value", "_own")
    reject = (pl.col("decision") == "reject") & (
        pl.col("value").is_null()
        | (pl.col("value") == pl.col("matched_cccd"))
        | (pl.col("value") == pl.col("_own"))
    )
    touched = pl.col("decision").is_not_null()
    return frame.select(
        "row_id",
        pl.when(accept & (link == pl.col("_own")))
        .then(pl.lit("matched"))
        .when(accept)
        .then(pl.lit("matched_fuzzy"))
        .when(reject & pl.col("_usable"))
        .then(pl.lit("mismatch"))
        .when(reject)
        .then(pl.lit("no_cccd"))
        .otherwise(pl.col("match_status"))
        .alias("match_status"),
        pl.when(accept)
        .then(link)
        .when(reject)
        .then(None)
        .otherwise(pl.col("matched_cccd"))
        .alias("matched_cccd"),
        pl.when(accept)
        .then(1.0)
        .when(reject)
        .then(None)
        .otherwise(pl.col("match_score"))
        .alias("match_score"),
        pl.when(touched)
        .then(
            pl.concat_list(
                pl.col("match_issues").list.set_difference([issues.MATCH_REVIEW]),
                pl.lit([issues.STEWARD_DECISION_APPLIED]),
            )
        )
        .otherwise(pl.col("match_issues"))
        .alias("match_issues"),
    )


@dataclass(frozen=True)
class ReconcilePlan:
    """Everything đối soát knows before the search path: the exact path's results, the
    members to search for, and the decisions that bind them (`plan_reconcile`).

    The search path is the one costly step that splits by member (`search_batches`), so a
    plan is saved once (`ddss.frames.save_frames`) and each batch is scored on its own,
    in another process or on another machine, before `finish_reconcile` puts them together.
    """

    side: pl.DataFrame  # every row, `_FINISH_COLUMNS` only
    exact: pl.DataFrame
    search_side: pl.DataFrame
    vouched: pl.DataFrame
    rejected_pairs: pl.DataFrame
    match_decided: pl.DataFrame
    fixes: pl.DataFrame
    latest: pl.DataFrame
    name_tf: pl.DataFrame | None
    in_population: float


def plan_reconcile(
    members: pl.DataFrame,
    population: pl.LazyFrame | pl.DataFrame,
    *,
    settings: ReconcileSettings | None = None,
    decisions: pl.DataFrame | None = None,
) -> ReconcilePlan:
    """Exact path by CCCD and the search side (see `reconcile_members` for the columns)."""
    settings = settings or ReconcileSettings()
    if "row_id" not in members.columns:
        members = members.with_columns(row_id_expr())
    pop = population.lazy()
    latest = _latest(decisions)
    is_fix = (pl.col("decision") == "correct") & pl.col("value").str.contains(_CCCD_RE)
    fixes = latest.filter(is_fix).unique("row_id", keep="last")
    match_decided = latest.filter((pl.col("kind") == "match") & ~is_fix).select("row_id", "decision", "value")

    side = member_side(_apply_cccd_corrections(members, fixes))
    exact = exact_matches(side, pop, settings)
    # Search path: members without a usable CCCD, and those whose number led nowhere
    # (not_found) or to someone else (mismatch): their details may still find the citizen.
    search_side = pl.concat(
        [side.filter(~usable_cccd_expr()), side.join(_retry(exact), on="row_id", how="semi")]
    )
    # Rows of a person whose other row was matched by CCCD get that citizen as a candidate.
    anchors = exact.filter(pl.col("match_status").is_in(("matched", "deceased"))).join(
        side.select("row_id", "person"), on="row_id"
    )
    return ReconcilePlan(
        side=side.select(_FINISH_COLUMNS),
        exact=exact,
        search_side=search_side,
        vouched=cluster_pairs(search_side, anchors.select("person", "matched_cccd")),
        rejected_pairs=_rejected_pairs(decisions),
        match_decided=match_decided,
        fixes=fixes,
        latest=latest,
        name_tf=None if engine_ready(settings) else name_frequencies(pop),
        in_population=in_population_share(exact),
    )


_FINISH_COLUMNS = ("row_id", "org", "claimant", "cccd", "cccd_status")
"""What the finish reads of every member row; a searched row's fields are in `search_side`
(10M rows: the comparison fields of every member would cost ~2.6 GiB more)."""


def _retry(exact: pl.DataFrame) -> pl.DataFrame:
    return exact.filter(pl.col("match_status").is_in(("not_found", "mismatch"))).select("row_id")


WORK_UNIT = ("org", "province_code")
"""The unit of work of a fanned-out run: one org in one province (DOMAIN.md: records are kept
in a central / province / commune system; stewards review per org × province)."""


def search_batches(plan: ReconcilePlan, max_rows: int) -> pl.DataFrame:
    """`org, province_code, rows, batch`: the search side's org × province units, packed in
    key order into batches of about `max_rows` members (a unit is never split, so a batch
    holding a large unit is larger), so a step's fixed cost is paid per batch."""
    units = plan.search_side.group_by(WORK_UNIT).agg(pl.len().alias("rows")).sort(WORK_UNIT, nulls_last=True)
    before = pl.col("rows").cum_sum() - pl.col("rows")
    return units.with_columns((before // max(max_rows, 1)).rank("dense").cast(pl.Int32).sub(1).alias("batch"))


def batch_numbers(batches: pl.DataFrame) -> list[int]:
    """The batches to run, at least one: with nothing to search, the one empty batch still
    gives the finish its (empty) scored pairs with their columns."""
    return batches.get_column("batch").unique().sort().to_list() or [0]


def batch_side(plan: ReconcilePlan, batches: pl.DataFrame, batch: int) -> pl.DataFrame:
    """The search-side members of one batch."""
    units = batches.filter(pl.col("batch") == batch).select(WORK_UNIT)
    return plan.search_side.join(units, on=list(WORK_UNIT), how="semi", nulls_equal=True)


def prepare_plan_search(
    plan: ReconcilePlan, population: pl.LazyFrame | pl.DataFrame, *, settings: ReconcileSettings | None = None
) -> PreparedSearch:
    """The citizen index and name reference for the whole search side, built once and saved
    (`PreparedSearch.save`) so no batch rebuilds it from the extract."""
    return prepare_search(plan.search_side, population, settings or ReconcileSettings(), plan.vouched)


def search_plan(
    plan: ReconcilePlan,
    prepared: PreparedSearch,
    members: pl.DataFrame,
    *,
    settings: ReconcileSettings | None = None,
) -> pl.DataFrame:
    """Scored search pairs for `members` (a subset of `plan.search_side`, whole members)."""
    settings = settings or ReconcileSettings()
    return score_search(prepared, members, plan.rejected_pairs, settings, plan.name_tf, plan.in_population)


def search_all(
    plan: ReconcilePlan, population: pl.LazyFrame | pl.DataFrame, *, settings: ReconcileSettings | None = None
) -> pl.DataFrame:
    """The whole search side in one process, in chunks (`search.search_pairs`)."""
    return search_pairs(
        plan.search_side,
        population.lazy(),
        plan.rejected_pairs,
        settings or ReconcileSettings(),
        plan.name_tf,
        plan.in_population,
        plan.vouched,
    )


def finish_reconcile(
    plan: ReconcilePlan,
    scored: pl.DataFrame,
    population: pl.LazyFrame | pl.DataFrame,
    *,
    settings: ReconcileSettings | None = None,
) -> ReconcileResult:
    """Conflicts between claimants, candidates for stewards, CCCD corrections and steward
    decisions, over every batch's scored pairs at once (a citizen may be claimed from two)."""
    settings = settings or ReconcileSettings()
    pop = population.lazy()
    side, exact, match_decided = plan.side, plan.exact, plan.match_decided
    # Batches may arrive in any order: every output below is sorted on a unique key, so the
    # scored pairs are not (1.3M pairs at 3M members: a copy and a sort on two string keys).
    fixed_links = pl.concat(
        [
            exact.lazy().filter(pl.col("matched_cccd").is_not_null()).select("row_id", "matched_cccd"),
            match_decided.lazy()
            .filter(pl.col("decision") == "accept")
            .select("row_id", pl.col("value").alias("matched_cccd")),
        ]
    ).filter(pl.col("matched_cccd").is_not_null())
    # lazy: `accept_links` filters the fixed links to its best links' citizens before the
    # join with the member rows, so every exact match is not copied with its org and claimant
    claims = fixed_links.join(side.lazy().select("row_id", "org", "claimant"), on="row_id").select(
        "org",
        "claimant",
        pl.col("matched_cccd").alias("candidate_cccd"),
        pl.lit(_FIXED_WEIGHT).alias("match_weight"),
    )
    undecided = scored.join(match_decided, on="row_id", how="anti") if match_decided.height else scored
    del scored
    not_found = exact.filter(pl.col("match_status") == "not_found").select("row_id")
    sure = sure_pairs(undecided, plan.search_side, pop, settings, vouched=plan.vouched, not_found=not_found)
    accepted = accept_links(undecided, claims, settings, sure)
    del claims, fixed_links, sure
    candidates = top_candidates(undecided, accepted, settings)
    del undecided
    if engine_ready(settings):
        candidates = candidates.with_columns(explain_expr(settings))
    candidates = candidates.cast(CANDIDATE_COLUMNS).sort("row_id", "rank")
    # Only a retried row (not_found, mismatch) of the exact path can be linked by the search.
    retried = pl.col("match_status").is_in(("not_found", "mismatch"))
    searched = _search_matches(accepted, candidates, exact.filter(retried), side.filter(~usable_cccd_expr()))
    matches = pl.concat([exact.filter(~retried), searched])

    latest = plan.latest
    rejected_fixes = latest.filter((pl.col("kind") == "cccd_correction") & (pl.col("decision") == "reject"))
    corrections = suggest_corrections(plan.search_side, pop, _retry(exact), settings).join(
        rejected_fixes.select("row_id", pl.col("value").alias("suggested_cccd")),
        on=["row_id", "suggested_cccd"],
        how="anti",
    )
    matches = matches.with_columns(
        pl.when(pl.col("row_id").is_in(corrections["row_id"].implode()))
        .then(pl.concat_list("match_issues", pl.lit([issues.MATCH_CCCD_CORRECTION_SUGGESTED])))
        .otherwise(pl.col("match_issues"))
        .alias("match_issues")
    )
    decided = pl.concat([match_decided, plan.fixes.select("row_id", "decision", "value")]).unique(
        "row_id", keep="first"
    )
    matches = _apply_match_decisions(matches, side, decided).sort("row_id").cast(MATCH_COLUMNS)
    summary = {f"members_{s}": 0 for s in MATCH_STATUSES}
    summary |= {f"members_{s}": n for s, n in matches["match_status"].value_counts().iter_rows()}
    summary |= {
        "candidates": candidates.height,
        "corrections_suggested": corrections.height,
        "decisions_applied": decided.height,
    }
    cccd_updates = plan.fixes.select("row_id", pl.col("value").alias("cccd"))
    return ReconcileResult(matches, candidates, corrections.sort("row_id"), cccd_updates, summary)


def reconcile_members(
    members: pl.DataFrame,
    population: pl.LazyFrame | pl.DataFrame,
    *,
    settings: ReconcileSettings | None = None,
    decisions: pl.DataFrame | None = None,
) -> ReconcileResult:
    """Match every member row against the population; one `matches` row per member row.

    `members` needs row_id, full_name, birth_date, birth_year, sex, cccd, cccd_status,
    province_code, commune_code; org, member_id and person_id are optional (with member_id,
    rows of one member may share a citizen; without it every row is its own claimant; a
    row matched by CCCD vouches for the other rows of its person_id, else member_id). row_id is rebuilt
    from provenance if absent. `decisions` comes from `ddss.review.read_decisions`.
    """
    settings = settings or ReconcileSettings()
    plan = plan_reconcile(members, population, settings=settings, decisions=decisions)
    scored = search_all(plan, population, settings=settings)
    return finish_reconcile(plan, scored, population, settings=settings)
