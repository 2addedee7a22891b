"""Row conservation at ingest: every data row is accepted or rejected, exactly once, per sheet."""

import dagster as dg
import polars as pl

from assets.partitions import ORG_PARTITIONS
from ddss.conservation import conservation_by_sheet


@dg.asset_check(
    asset="member_rows",
    name="rows_are_conserved",
    blocking=True,
    partitions_def=ORG_PARTITIONS,
    additional_ins={
        "ingest_rejected_rows": dg.AssetIn("ingest_rejected_rows"),
        "ingest_sheet_counts": dg.AssetIn("ingest_sheet_counts"),
    },
    description="Per file and sheet, data rows found == rows accepted + rows rejected, and no row is both.",
)
def rows_are_conserved(
    member_rows: pl.DataFrame, ingest_rejected_rows: pl.DataFrame, ingest_sheet_counts: pl.DataFrame
) -> dg.AssetCheckResult:
    report = conservation_by_sheet(ingest_sheet_counts, member_rows, ingest_rejected_rows)
    per_file = (
        report.group_by("source_file")
        .agg(pl.col("data_rows", "accepted", "rejected").sum())
        .sort("source_file")
    )
    broken = report.filter(~pl.col("conserved"))
    return dg.AssetCheckResult(
        passed=broken.is_empty(),
        metadata={
            "sheets": report.height,
            "sheets_not_conserved": broken.height,
            "rows_found": int(report["data_rows"].sum()),
            "rows_accepted": int(report["accepted"].sum()),
            "rows_rejected": int(report["rejected"].sum()),
            "per_file": dg.MetadataValue.json(
                {f: {"found": d, "accepted": a, "rejected": r} for f, d, a, r in per_file.iter_rows()}
            ),
        },
    )
