"""Ingest: raw member spreadsheets → one row per data row found (raw text + provenance)."""

from collections.abc import Iterator

import dagster as dg

from assets._metadata import counts_json, stage_metadata
from assets.partitions import ORG_PARTITIONS, SINGLE_RUN
from assets.settings import DdssSettings
from ddss.ingest import ingest_tree


@dg.multi_asset(
    outs={
        "member_rows": dg.AssetOut(
            description="One row per non-blank data row under a detected header in raw/<org>/ "
            "spreadsheets: every field as its raw text, plus source_file/source_sheet/source_row.",
            kinds={"polars", "excel"},
        ),
        "ingest_rejected_rows": dg.AssetOut(
            description="One row per data row that could not be accepted, with its reason code and raw text.",
            kinds={"polars"},
        ),
        "ingest_rejected_files": dg.AssetOut(
            description="One row per quarantined file (corrupt, password, no header, too large...).",
            kinds={"polars"},
        ),
        "ingest_sheet_counts": dg.AssetOut(
            description="One row per sheet read: data rows found, accepted and rejected (row conservation).",
            kinds={"polars"},
        ),
    },
    group_name="ingest",
    partitions_def=ORG_PARTITIONS,
    backfill_policy=SINGLE_RUN,
)
def ingest(context: dg.AssetExecutionContext, settings: DdssSettings) -> Iterator[dg.Output]:
    """Read the org's member files (cached by content hash, so unchanged files are not re-parsed)."""
    paths = settings.paths
    result = ingest_tree(paths.raw, orgs=context.partition_keys, cache_dir=paths.ingest_cache)
    context.log.info(
        f"ingest: {result.member_rows.height} rows accepted, {result.rejected_rows.height} rejected, "
        f"{result.rejected_files.height} files quarantined ({result.files_read} read, "
        f"{result.files_cached} from cache)"
    )
    reasons = result.rejected_files.group_by("reason").len().iter_rows()
    yield dg.Output(
        result.member_rows,
        "member_rows",
        metadata=stage_metadata(
            result.member_rows,
            extra={"files_read": result.files_read, "files_cached": result.files_cached},
        ),
    )
    yield dg.Output(
        result.rejected_rows, "ingest_rejected_rows", metadata=stage_metadata(result.rejected_rows)
    )
    yield dg.Output(
        result.rejected_files,
        "ingest_rejected_files",
        metadata={**stage_metadata(result.rejected_files), "reasons": counts_json(dict(reasons))},
    )
    yield dg.Output(result.sheet_counts, "ingest_sheet_counts", metadata=stage_metadata(result.sheet_counts))
