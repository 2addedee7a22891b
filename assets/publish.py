"""Publish: the steward store (members.duckdb), the analyst store (metrics.duckdb) and reports."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets._metadata import stage_metadata
from assets.partitions import DUCKDB_WRITER_POOL
from assets.settings import DdssSettings
from ddss.members import assemble_members
from ddss.publish import (
    freeze_monthly_snapshot,
    publish_member_store,
    publish_metrics_outputs,
    publish_steward_files,
)


@dg.multi_asset(
    outs={
        "members": dg.AssetOut(
            description="members.duckdb · members: one row per accepted input row with normalised "
            "fields, member_id, person_id, match result and issue codes (CONTRACT.md).",
            kinds={"duckdb"},
        ),
        "rejected_rows": dg.AssetOut(
            description="members.duckdb · rejected_rows: one row per input row not accepted, with reason.",
            kinds={"duckdb"},
        ),
        "rejected_files": dg.AssetOut(
            description="members.duckdb · rejected_files: one row per quarantined file, with reason.",
            kinds={"duckdb"},
        ),
    },
    group_name="publish",
    pool=DUCKDB_WRITER_POOL,
)
def member_store(
    settings: DdssSettings,
    members_normalised: pl.DataFrame,
    member_links: pl.DataFrame,
    member_matches: pl.DataFrame,
    ingest_rejected_rows: pl.DataFrame,
    ingest_rejected_files: pl.DataFrame,
    linkage_pairs: pl.DataFrame,
    steward_decisions: pl.DataFrame,
) -> Iterator[dg.Output]:
    """Written in one transaction to a new file that replaces the old, owner-only."""
    members = assemble_members(members_normalised, member_links, member_matches)
    publish_member_store(
        settings.paths,
        members=members,
        rejected_rows=ingest_rejected_rows,
        rejected_files=ingest_rejected_files,
        linkage_pairs=linkage_pairs,
        steward_decisions=steward_decisions,
    )
    yield dg.Output(members, "members", metadata=stage_metadata(members))
    yield dg.Output(ingest_rejected_rows, "rejected_rows", metadata=stage_metadata(ingest_rejected_rows))
    yield dg.Output(ingest_rejected_files, "rejected_files", metadata=stage_metadata(ingest_rejected_files))


@dg.asset(
    group_name="publish",
    kinds={"duckdb", "html"},
    pool=DUCKDB_WRITER_POOL,
    description="metrics.duckdb · ddss_metrics: one row per (as_of, org, level, province, commune) "
    "with đúng–đủ–sạch–sống counts and percentages; history kept, no personal data. Also writes "
    "report.html and report.xlsx.",
)
def ddss_metrics(settings: DdssSettings, members: pl.DataFrame) -> dg.MaterializeResult:
    result = publish_metrics_outputs(settings.paths, members, as_of=settings.as_of_date())
    return dg.MaterializeResult(
        metadata={
            k: dg.MetadataValue.float(v) if isinstance(v, float) else v for k, v in result.headline.items()
        }
    )


@dg.asset(
    group_name="publish",
    kinds={"excel"},
    description="Steward review workbooks per org × province (mismatches, suggested matches, CCCD "
    "corrections, duplicates to confirm, rejected rows) and cadre member lists per org and unit.",
)
def steward_workbooks(
    settings: DdssSettings,
    members: pl.DataFrame,
    match_candidates: pl.DataFrame,
    cccd_corrections: pl.DataFrame,
    linkage_pairs: pl.DataFrame,
    rejected_rows: pl.DataFrame,
) -> dg.MaterializeResult:
    written = publish_steward_files(
        settings.paths,
        members=members,
        candidates=match_candidates,
        corrections=cccd_corrections,
        linkage_pairs=linkage_pairs,
        rejected_rows=rejected_rows,
    )
    return dg.MaterializeResult(
        metadata={"review_workbooks": written.review, "member_lists": written.exports}
    )


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=[ddss_metrics],
    pool=DUCKDB_WRITER_POOL,
    description="metrics.duckdb · ddss_metrics_monthly: the month's metrics frozen for the report "
    "due on the 25th (one snapshot per month; rerunning the same month replaces it).",
)
def metrics_monthly_snapshot(settings: DdssSettings) -> dg.MaterializeResult:
    frozen = freeze_monthly_snapshot(settings.paths.metrics_db, settings.as_of_date())
    return dg.MaterializeResult(metadata={"frozen_as_of": frozen.isoformat() if frozen else "none"})
