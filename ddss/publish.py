"""Publishing: the stewards' store, the analysts' store and the files people open.

Each function is what one publish asset calls; all writes are build-new-then-swap, so a run
killed half way leaves the previous outputs intact and readable.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.config import DataPaths, private_dir
from ddss.linkage.decisions import ACCEPT, CONFIRM, REVIEW, SPLIT
from ddss.metrics import compute_all, headline
from ddss.report import export_report_xlsx, render_html_report
from ddss.review import export_member_lists, write_review_workbooks
from ddss.store import freeze_monthly_snapshot, publish_metrics, write_members_db

__all__ = [
    "EXPLAINED_DECISIONS",
    "PublishedMetrics",
    "StewardFiles",
    "explanatory_pairs",
    "freeze_monthly_snapshot",
    "load_targets",
    "publish_member_store",
    "publish_metrics_outputs",
    "publish_steward_files",
]

_TARGET_SCHEMA = {
    "org": pl.String,
    "province_code": pl.String,
    "commune_code": pl.String,
    "expected_members": pl.Int64,
}


EXPLAINED_DECISIONS = (ACCEPT, REVIEW, CONFIRM, SPLIT)
"""Pair decisions whose pairs are kept in members.duckdb whatever their score."""
EXPLAINED_PROBABILITY = 0.5
"""Other pairs are kept when the model found them at least as likely the same person as not."""


@dataclass(frozen=True)
class PublishedMetrics:
    """Headline national figures (numbers only) for the Dagster UI."""

    headline: dict[str, float | int | None]


@dataclass(frozen=True)
class StewardFiles:
    review: int
    exports: int


def explanatory_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    """The scored pairs that explain a link, a review or a near miss (`ddss explain`).

    Blocking compares every row with many strangers: at 1M rows 8.3M pairs, 97 % of them
    rejected or vetoed at a low score. Those explain nothing a steward asks about and cost
    most of the store's write time (issue #10), so they stay out of members.duckdb.
    """
    keep = []
    if "decision" in pairs.columns:
        keep.append(pl.col("decision").is_in(EXPLAINED_DECISIONS))
    if "match_probability" in pairs.columns:
        keep.append(pl.col("match_probability") >= EXPLAINED_PROBABILITY)
    return pairs.filter(pl.any_horizontal(keep).fill_null(False)) if keep else pairs


def publish_member_store(
    paths: DataPaths,
    *,
    members: pl.DataFrame,
    rejected_rows: pl.DataFrame,
    rejected_files: pl.DataFrame,
    linkage_pairs: pl.DataFrame,
    steward_decisions: pl.DataFrame,
) -> None:
    """members.duckdb: the contract tables plus the explanations and the decision audit."""
    private_dir(paths.clean)
    write_members_db(
        paths.members_db,
        {
            "members": members,
            "rejected_rows": rejected_rows,
            "rejected_files": rejected_files,
            "linkage_pairs": explanatory_pairs(linkage_pairs),
            "steward_decisions": steward_decisions,
        },
    )


def load_targets(targets_dir: Path) -> pl.DataFrame | None:
    """Expected member counts (`raw/targets/*.csv`) for the đủ coverage figure; None when absent."""
    files = sorted(targets_dir.glob("*.csv")) if targets_dir.is_dir() else []
    if not files:
        return None
    frames = [
        pl.read_csv(f, schema_overrides=_TARGET_SCHEMA, infer_schema=False).select(list(_TARGET_SCHEMA))
        for f in files
    ]
    return pl.concat(frames).with_columns(
        pl.col("expected_members").cast(pl.Int64, strict=False),
        pl.col("commune_code").replace("", None),
    )


def publish_metrics_outputs(paths: DataPaths, members: pl.DataFrame, *, as_of: dt.date) -> PublishedMetrics:
    """Compute the metrics, append them to metrics.duckdb, then render report.html and report.xlsx."""
    result = compute_all(members, load_targets(paths.targets), as_of=as_of)
    publish_metrics(
        paths.metrics_db, result.metrics, as_of, branch=result.branch, issue_counts=result.issue_counts
    )
    render_html_report(paths.metrics_db, paths.report_html)
    export_report_xlsx(paths.metrics_db, paths.report_xlsx)
    return PublishedMetrics(headline=headline(result.metrics))


def publish_steward_files(
    paths: DataPaths,
    *,
    members: pl.DataFrame,
    candidates: pl.DataFrame,
    corrections: pl.DataFrame,
    linkage_pairs: pl.DataFrame,
    rejected_rows: pl.DataFrame,
) -> StewardFiles:
    """Review workbooks per org × province and cadre member lists, in owner-only folders.

    The two are built side by side (polars, zlib and file writes release the GIL): the
    review workbooks' joins and writes fill the gaps of the member lists' sort and render."""
    with ThreadPoolExecutor(max_workers=1) as side:
        review = side.submit(
            write_review_workbooks,
            private_dir(paths.review),
            members=members,
            candidates=candidates,
            corrections=corrections,
            linkage_pairs=linkage_pairs,
            rejected_rows=rejected_rows,
        )
        exports = export_member_lists(private_dir(paths.exports), members)
        return StewardFiles(review=len(review.result()), exports=len(exports))
