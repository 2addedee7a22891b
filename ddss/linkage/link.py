"""Link members: within each org (`member_id`) and across orgs (`person_id`).

Flow, as in Splink: block -> compare -> train m/u (EM) -> score -> decide -> cluster.
Every step is a pure function of its inputs; `link_members` only wires them together and
returns frames plus a counts-only summary (no names, CCCDs or dates).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from ddss import issues
from ddss.linkage.blocking import BlockingStats, block_pair_codes
from ddss.linkage.clustering import cluster_groups, components
from ddss.linkage.decisions import ACCEPTED, CONFIRM, REVIEW, SPLIT, steward_pairs
from ddss.linkage.explain import explain_pairs
from ddss.linkage.ids import cluster_ids
from ddss.linkage.pair_pipeline import NODE, RULE, ScoredPairs, score_pairs
from ddss.linkage.ranks import equality_codes, inverse_permutation
from ddss.linkage.records import prepare_records
from ddss.linkage.settings import LinkageSettings, default_settings

log = logging.getLogger(__name__)
ANCHOR_SEP = "\x1f"
_HASH_ROWS = 250_000


@dataclass(frozen=True)
class LinkageResult:
    """links: one row per input row; pairs: scored candidate pairs worth keeping (all of
    them with `keep_all_pairs`); review: pairs for stewards; summary: counts only;
    settings: the trained settings (save with `settings.to_json`)."""

    links: pl.DataFrame
    pairs: pl.DataFrame
    review: pl.DataFrame
    summary: dict[str, Any]
    settings: LinkageSettings

    @property
    def explanations(self) -> pl.DataFrame:
        """Waterfall rows for accepted/review pairs, built when asked: the long table is
        about 16 rows per pair (≈ 1 GiB at 1M members) and the pipeline never reads it."""
        return explain_pairs(self.pairs.filter(pl.col("decision").is_in([*ACCEPTED, REVIEW])), self.settings)


def _steward_nodes(decisions: pl.DataFrame | None, records: pl.DataFrame, uid: str) -> pl.DataFrame | None:
    if decisions is None or decisions.height == 0:
        return None
    to_node = records.select(uid, NODE)
    return (
        decisions.join(to_node.rename({uid: f"{uid}_l", NODE: f"{NODE}_l"}), on=f"{uid}_l")
        .join(to_node.rename({uid: f"{uid}_r", NODE: f"{NODE}_r"}), on=f"{uid}_r")
        .select(pl.col(f"{NODE}_l"), pl.col(f"{NODE}_r"), pl.col("decision"))
    )


def _edges(
    records: pl.DataFrame,
    scored: ScoredPairs,
    steward: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted edges, cannot-link pairs), both `node_l`, `node_r`, `same_org`."""
    cols = {f"{NODE}_l": "node_l", f"{NODE}_r": "node_r"}
    edges, cannot = scored.edges, scored.cannot
    if steward is None:
        return edges, cannot
    org = records.select(NODE, "org")

    def with_org(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.rename(cols)
            .join(org.rename({NODE: "node_l", "org": "o_l"}), on="node_l")
            .join(org.rename({NODE: "node_r", "org": "o_r"}), on="node_r")
            .with_columns(same_org=(pl.col("o_l") == pl.col("o_r")).fill_null(False))
            .drop("o_l", "o_r")
        )

    # steward pairs the blocking never proposed still count
    confirm = with_org(steward_pairs(steward, NODE, CONFIRM)).with_columns(
        weight=pl.lit(float("inf")), forced=pl.lit(True)
    )
    split = with_org(steward_pairs(steward, NODE, SPLIT))
    return (
        pl.concat([edges, confirm], how="vertical_relaxed"),
        pl.concat([cannot, split], how="vertical_relaxed"),
    )


def _typo_aliases(attrs: pl.DataFrame, near: pl.DataFrame) -> pl.DataFrame:
    """Accepted pairs whose CCCDs are one keystroke apart (veto `review`) hold one person's
    number typed twice: give their rows one id value, so the coherence check (at most one
    CCCD per cluster) does not split what the pair decision joined."""
    ids = attrs.select("node", "id_value")
    pairs = (
        near.select(pl.col("node_l").alias("node"), pl.col("node_r").alias("_r"))
        .join(ids.rename({"id_value": "a"}), on="node")
        .join(ids.rename({"node": "_r", "id_value": "b"}), on="_r")
        .select("a", "b")
        .drop_nulls()
    )
    if pairs.is_empty():
        return attrs
    values = pl.concat([pairs["a"], pairs["b"]]).unique().sort().to_frame("_v").with_row_index("_i")
    ends = pairs.join(values.rename({"_v": "a", "_i": "ia"}), on="a").join(
        values.rename({"_v": "b", "_i": "ib"}), on="b"
    )
    comp = components(values.height, ends["ia"].to_numpy(), ends["ib"].to_numpy())
    canon = values.with_columns(_c=pl.Series(comp)).with_columns(_canon=pl.col("_v").min().over("_c"))
    return (
        attrs.join(canon.select("_v", "_canon"), left_on="id_value", right_on="_v", how="left")
        .with_columns(id_value=pl.coalesce("_canon", "id_value"))
        .drop("_canon")
    )


def _coherence_id(records: pl.DataFrame, id_col: str | None, suspect: str | None) -> pl.Expr:
    """ID for the cluster coherence check; a suspect ID (see `id_suspect`) counts as unknown,
    pairs holding it are still vetoed unless they agree on everything else (comparisons.py)."""
    if not id_col:
        return pl.lit(None, pl.String)
    value = pl.col(id_col).cast(pl.String)
    if suspect and suspect in records.columns:
        return (
            pl.when(pl.col(suspect).cast(pl.Boolean, strict=False).fill_null(False))
            .then(None)
            .otherwise(value)
        )
    return value


def _coherence_sex(records: pl.DataFrame, sex_col: str | None, guessed: str | None) -> pl.Expr:
    """Sex for the cluster coherence check; a guessed sex (never a veto) counts as unknown."""
    if not sex_col:
        return pl.lit(None, pl.String)
    sex = pl.col(sex_col).cast(pl.String)
    if guessed and guessed in records.columns:
        return (
            pl.when(pl.col(guessed).cast(pl.Boolean, strict=False).fill_null(False)).then(None).otherwise(sex)
        )
    return sex


def _cluster_all(
    records: pl.DataFrame,
    scored: ScoredPairs,
    settings: LinkageSettings,
    steward: pl.DataFrame | None,
    member_groups: pl.Series | None = None,
    person_groups: pl.Series | None = None,
) -> pl.DataFrame:
    """Member clusters (same-org edges only), then person clusters over member clusters."""
    edges, cannot = _edges(records, scored, steward)
    id_col = next((s.column for s in settings.comparisons if s.name == settings.veto_id), None)
    sex_col = next((s.column for s in settings.comparisons if s.name == settings.veto_sex), None)
    attrs = records.select(
        pl.col(NODE).alias("node"),
        _coherence_id(records, id_col, settings.id_suspect).alias("id_value"),
        _coherence_sex(records, sex_col, settings.sex_guessed).alias("sex"),
        (pl.col(settings.veto_year) if settings.veto_year else pl.lit(None)).cast(pl.Int32).alias("year"),
    )
    attrs = _typo_aliases(attrs, scored.typo)
    gap = settings.max_birth_year_gap if settings.veto_year else 10_000
    groups = member_groups if member_groups is not None else attrs.get_column("node")
    member = cluster_groups(
        attrs.with_columns(group=groups),
        edges.filter("same_org"),
        cannot.filter("same_org"),
        max_year_gap=gap,
    ).rename({"cluster": "member_cluster"})
    p_groups = person_groups if person_groups is not None else member.get_column("member_cluster")
    # keep members whole inside persons: a forced edge from each row to its member cluster
    nest = member.select(
        pl.col("node").alias("node_l"),
        pl.col("member_cluster").alias("node_r"),
        pl.lit(True).alias("same_org"),
        pl.lit(float("inf")).alias("weight"),
        pl.lit(True).alias("forced"),
    )
    person = cluster_groups(
        attrs.with_columns(group=p_groups),
        pl.concat([edges, nest], how="vertical_relaxed"),
        cannot,
        max_year_gap=gap,
    ).rename({"cluster": "person_cluster"})
    return member.join(person, on="node")


def _anchor_ids(
    frame: pl.DataFrame, by: str, scope: str | None, text: dict[str, pl.Series], secret: bytes, prefix: str
) -> pl.DataFrame:
    """Keyed id per cluster (within its scope, the org): its single CCCD (`cccd:`) unless it
    has none, several, or shares it with another cluster of the scope, else its smallest
    row id (`row:`), prefixed by the scope. Aggregated on integer codes only (one CCCD when
    the smallest and largest code agree), and the anchor strings are built and hashed once
    per cluster, not per row."""
    unit = [by, scope] if scope else [by]
    per = frame.group_by(unit).agg(
        pl.col("_id").min().alias("_lo"),
        pl.col("_id").max().alias("_hi"),
        pl.col("_id_node").min(),
        pl.col("_rank").min(),
        pl.len().alias("_size"),
    )
    per = per.with_columns(_cccd=pl.when(pl.col("_lo") == pl.col("_hi")).then("_lo"))
    keys = [scope, "_cccd"] if scope else ["_cccd"]
    use_row = pl.col("_cccd").is_null() | (pl.len().over(keys) > 1)
    per = per.select(*unit, "_rank", "_size", "_id_node", use_row.alias("_use_row"))
    own = (
        pl.when("_use_row")
        .then(pl.lit("row:") + pl.lit(text["uid"]).gather(pl.lit(text["order"]).gather(pl.col("_rank"))))
        .otherwise(pl.lit("cccd:") + pl.lit(text["id"]).gather(pl.col("_id_node")))
    )
    if scope:
        own = pl.lit(text[scope]).gather(pl.col(scope)) + pl.lit(ANCHOR_SEP) + own
    # anchor strings exist only a slice of clusters at a time
    hashed = [
        cluster_ids(part.select(own).to_series(), secret, prefix) for part in per.iter_slices(_HASH_ROWS)
    ]
    return per.select(*unit, pl.concat(hashed).alias("_cluster_id"), "_rank", "_size")


def _ids(
    records: pl.DataFrame, clusters: pl.DataFrame, settings: LinkageSettings, secret: bytes
) -> pl.DataFrame:
    """Anchor = the cluster's single valid CCCD, else its smallest row_id -> keyed HMAC id.

    Two clusters the linkage kept apart can still hold the same CCCD (one of them typed
    someone else's number, DOMAIN.md "CCCD"): a CCCD anchor shared by several clusters
    would give them one id and undo the split, so those clusters fall back to row anchors.
    Returns, in record order: `_node`, the unique id, `_rank` (its sort position), the ids,
    `member_cluster_size`, `is_duplicate`.
    """
    uid = settings.unique_id
    id_col = next((s.column for s in settings.comparisons if s.name == settings.veto_id), None)
    cccd = pl.col(id_col).cast(pl.String) if id_col else pl.lit(None, pl.String)
    by_node = clusters.sort("node")
    if not by_node.get_column("node").equals(records.get_column(NODE).rename("node"), check_dtypes=False):
        raise ValueError("clusters must hold every record once")
    order = records.get_column(uid).arg_sort()
    text = {
        "uid": records.get_column(uid),
        "order": order,
        "id": records.select(NODE, cccd.alias("_id")).get_column("_id"),  # a null literal too
        "org": records.get_column("org").drop_nulls().unique().sort(),
    }
    frame = records.select(
        NODE,
        uid,
        inverse_permutation(order).alias("_rank"),
        equality_codes(text["id"]).alias("_id"),
        pl.when(cccd.is_not_null()).then(pl.col(NODE)).alias("_id_node"),
        pl.col("org").cast(pl.Enum(text["org"])).to_physical().cast(pl.UInt32).alias("org"),
    ).hstack(by_node.select("member_cluster", "person_cluster"))
    member = _anchor_ids(frame, "member_cluster", "org", text, secret, "M")
    person = _anchor_ids(frame, "person_cluster", None, text, secret, "P").select(
        "person_cluster", "_cluster_id"
    )
    return (
        frame.select(NODE, uid, "_rank", "member_cluster", "org", "person_cluster")
        .join(member, on=["member_cluster", "org"], how="left", maintain_order="left", suffix="_first")
        .join(person, on="person_cluster", how="left", maintain_order="left", suffix="_p")
        .select(
            NODE,
            uid,
            "_rank",
            pl.col("_cluster_id").alias("member_id"),
            pl.col("_cluster_id_p").alias("person_id"),
            pl.col("_size").cast(pl.Int32).alias("member_cluster_size"),
            (pl.col("_rank") != pl.col("_rank_first")).alias("is_duplicate"),
        )
    )


def _duplicate_issues() -> pl.Expr:
    """Issue codes for the row: merged into another member, or a pair left for review."""
    return pl.concat_list(
        pl.when("is_duplicate")
        .then(pl.lit([issues.DUPLICATE_IN_ORG]))
        .otherwise(pl.lit([], pl.List(pl.String))),
        pl.when("duplicate_review")
        .then(pl.lit([issues.DUPLICATE_REVIEW]))
        .otherwise(pl.lit([], pl.List(pl.String))),
    )


def _output_pairs(records: pl.DataFrame, kept: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
    """Kept pairs as `<uid>_l < <uid>_r`, sorted by them (comparisons are symmetric).

    Ordered on the ids' ranks (UInt32) and only then given the id strings, so sorting
    millions of pairs never moves string columns.
    """
    uid = settings.unique_id
    ids = records.get_column(uid)
    rank = ids.rank("ordinal").cast(pl.UInt32) - 1
    names = {i: r.match_key for i, r in enumerate(settings.blocking_rules)}
    a, b = rank.gather(kept[f"{NODE}_l"]), rank.gather(kept[f"{NODE}_r"])
    ordered = kept.with_columns(_lo=pl.min_horizontal(a, b), _hi=pl.max_horizontal(a, b)).sort("_lo", "_hi")
    by_rank = ids.sort()
    scores = [c for c in ordered.columns if c.startswith(("gamma_", "mw_", "tf_"))]
    return ordered.select(
        by_rank.gather(ordered["_lo"]).alias(f"{uid}_l"),
        by_rank.gather(ordered["_hi"]).alias(f"{uid}_r"),
        pl.when("same_org").then(pl.lit("org")).otherwise(pl.lit("person")).alias("scope"),
        pl.col(RULE).replace_strict(names, return_dtype=pl.String).alias("match_key"),
        *scores,
        "match_weight",
        "match_probability",
        "veto",
        "decision",
    )


def _finish(
    records: pl.DataFrame,
    scored: ScoredPairs,
    settings: LinkageSettings,
    clusters: pl.DataFrame,
    secret: bytes,
    stats: list[BlockingStats],
    tradeoff: pl.DataFrame | None,
) -> LinkageResult:
    uid = settings.unique_id
    pairs = _output_pairs(records, scored.kept, settings)
    links = (
        _ids(records, clusters, settings, secret)
        .sort("_rank")
        .with_columns(duplicate_review=pl.col(NODE).is_in(scored.review_nodes.implode()))
        .with_columns(duplicate_issues=_duplicate_issues())
        .select(
            uid,
            "member_id",
            "person_id",
            "member_cluster_size",
            "is_duplicate",
            "duplicate_review",
            "duplicate_issues",
        )
    )
    review = pairs.filter(pl.col("decision") == REVIEW).sort("match_weight", descending=True)
    summary = {
        "rows": records.height,
        "blocking": [asdict(s) for s in stats],
        "candidate_pairs": scored.scored,
        "pairs_kept": pairs.height,
        "pairs_by_decision": scored.counts,
        "pairs_above_threshold": scored.above_threshold,
        "members": links.get_column("member_id").n_unique(),
        "persons": links.get_column("person_id").n_unique(),
        "duplicates": int(links.get_column("is_duplicate").sum()),
        "threshold_probability": settings.threshold,
        "accept_probability": settings.accept_probability,
        "prior": settings.prior,
        "m_u": [asdict(w) for w in settings.weights],
        "threshold_tradeoff": tradeoff.to_dicts() if tradeoff is not None else [],
    }
    log.info(
        "linkage: %d rows, %d candidate pairs, %d members", records.height, scored.scored, summary["members"]
    )
    return LinkageResult(links, pairs, review, summary, settings)


def _candidate_pairs(
    records: pl.DataFrame, settings: LinkageSettings, new_mask: pl.Series | None = None
) -> tuple[pl.DataFrame, list[BlockingStats]]:
    """Blocking as the settings define it, on record positions; full and incremental runs
    must block identically, or an incremental run would not equal a full one."""
    return block_pair_codes(
        records,
        settings.blocking_rules,
        id_column=NODE,
        max_block_size=settings.max_block_size,
        window=settings.block_window,
        window_orders=settings.window_orders,
        window_free=settings.block_window_free,
        new_mask=new_mask,
        rule_column=RULE,
    )


def link_members(
    members: pl.DataFrame,
    *,
    settings: LinkageSettings | None = None,
    id_secret: bytes,
    decisions: pl.DataFrame | None = None,
    keep_all_pairs: bool = False,
) -> LinkageResult:
    """Deduplicate within each org and link across orgs; trains weights unless given.

    decisions: steward `(row_id_l, row_id_r, decision)` with `confirm` or `split`.
    keep_all_pairs: `pairs` holds every scored candidate, not only those worth keeping
    (`pair_pipeline.keep_expr`: merged, for review, steward-decided or above the review floor).
    """
    settings = settings or default_settings()
    records = prepare_records(members, settings).with_row_index(NODE)
    pairs, stats = _candidate_pairs(records, settings)
    steward = _steward_nodes(decisions, records, settings.unique_id)
    scored, settings, tradeoff = score_pairs(records, pairs, settings, steward, keep_all=keep_all_pairs)
    del pairs
    clusters = _cluster_all(records, scored, settings, steward)
    return _finish(records, scored, settings, clusters, id_secret, stats, tradeoff)
