"""Frames and records that ingest hands to the next stage (ARCHITECTURE.md frame 1)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# Raw-text fields of frame 1, in contract order; every one is a string (raw cell text).
FIELD_COLUMNS: tuple[str, ...] = (
    "full_name",
    "surname_part",
    "given_part",
    "birth_date",
    "birth_date_male",
    "birth_date_female",
    "sex",
    "female_mark",
    "male_mark",
    "cccd",
    "cccd_issue_date",
    "phone",
    "address",
    "village",
    "commune",
    "province",
    "branch",
    "ethnicity",
    "religion",
    "join_date",
    "member_card",
)

# Columns a parsed file yields before its path is known (what the cache stores).
PARSED_SCHEMA: dict[str, pl.DataType] = {
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
    **{name: pl.String() for name in FIELD_COLUMNS},
    "extra": pl.String(),
    "title_province_hint": pl.String(),
    "title_commune_hint": pl.String(),
    "date_system": pl.String(),
    "raw": pl.String(),
    "issues": pl.List(pl.String()),
    "reject_reason": pl.String(),
}

MEMBER_ROWS_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.String(),
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
    "org": pl.String(),
    **{name: pl.String() for name in FIELD_COLUMNS},
    "extra": pl.String(),
    "province_hint": pl.String(),
    "commune_hint": pl.String(),
    "date_system": pl.String(),
    "raw": pl.String(),
    "issues": pl.List(pl.String()),
    "reject_reason": pl.String(),
}

REJECTED_ROWS_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
    "org": pl.String(),
    "reason": pl.String(),
    "raw": pl.String(),
}

REJECTED_FILES_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "reason": pl.String(),
    "org": pl.String(),  # beyond the contract's two columns: stewards filter by organisation
}

# Per-sheet counts for the conservation check; `note` is a code from ddss.issues or null.
SHEET_COUNTS_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "hidden": pl.Boolean(),
    "data_rows": pl.Int64(),
    "accepted": pl.Int64(),
    "rejected": pl.Int64(),
    "note": pl.String(),
}

# Sheet counts before the path is attached (cached with the rows).
PARSED_SHEETS_SCHEMA: dict[str, pl.DataType] = {
    k: v for k, v in SHEET_COUNTS_SCHEMA.items() if k != "source_file"
}


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with the given schema, so concatenation never depends on luck."""
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class FileResult:
    """What one input file produced; `reason` is set (and frames empty) when it was rejected."""

    source_file: str
    org: str
    member_rows: pl.DataFrame
    rejected_rows: pl.DataFrame
    sheet_counts: pl.DataFrame
    reason: str | None = None
    sha256: str = ""
    from_cache: bool = False


@dataclass(frozen=True)
class IngestResult:
    """Everything ingest found under raw/, sorted by (source_file, source_sheet, source_row)."""

    member_rows: pl.DataFrame
    rejected_rows: pl.DataFrame
    rejected_files: pl.DataFrame
    sheet_counts: pl.DataFrame
    files_read: int
    files_cached: int
