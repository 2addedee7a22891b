"""Counts-only metadata for every stage: never a preview, never a value from a personal column."""

import json
from collections.abc import Mapping

import dagster as dg
import polars as pl


def issue_code_counts(frame: pl.DataFrame, column: str = "issues") -> dict[str, int]:
    """How many rows carry each issue code (codes are a fixed vocabulary, not personal data)."""
    if column not in frame.columns or frame.is_empty():
        return {}
    counts = frame.select(pl.col(column).explode().drop_nulls().value_counts(sort=True)).unnest(column)
    return {str(code): int(n) for code, n in counts.iter_rows()}


def stage_metadata(frame: pl.DataFrame, *, extra: Mapping[str, int | float | str] | None = None) -> dict:
    """`dagster/row_count`, the column names and types, issue-code counts and any extra counts."""
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
    )
    metadata: dict = {"dagster/row_count": frame.height, "dagster/column_schema": schema}
    codes = issue_code_counts(frame)
    if codes:
        metadata["issues_by_code"] = dg.MetadataValue.json(codes)
    for key, value in (extra or {}).items():
        metadata[key] = value
    return metadata


def counts_json(counts: Mapping[str, int | float]) -> dg.MetadataValue:
    """A mapping of counts as JSON metadata (keys are codes, orgs or file paths; never values)."""
    return dg.MetadataValue.json(json.loads(json.dumps(dict(counts), default=float)))
