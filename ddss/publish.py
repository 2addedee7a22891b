"""Publishing: the stewards' store, the analysts' store and the files people open.

Each function is what one publish asset calls; all writes are build-new-then-swap, so a run
killed half way leaves the previous outputs intact and readable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.config import DataPaths, private_dir
from ddss.metrics import compute_all, headline
from ddss.report import export_report_xlsx, render_html_report
from ddss.review import export_member_lists, write_review_workbooks
from ddss.store import freeze_monthly_snapshot, publish_metrics, write_members_db

__all__ = [
    "PublishedMetrics",
    "StewardFiles",
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


@dataclass(frozen=True)
class PublishedMetrics:
    """Headline national figures (numbers only) for the Dagster UI."""

    headline: dict[str, float | int | None]


@dataclass(frozen=True)
class StewardFiles:
    review: int
    exports: int


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
            "linkage_pairs": linkage_pairs,
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
    """Review workbooks per org × province and cadre member lists, in owner-only folders."""
    review = write_review_workbooks(
        private_dir(paths.review),
        members=members,
        candidates=candidates,
        corrections=corrections,
        linkage_pairs=linkage_pairs,
        rejected_rows=rejected_rows,
    )
    exports = export_member_lists(private_dir(paths.exports), members)
    return StewardFiles(review=len(review), exports=len(exports))
