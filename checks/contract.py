"""Blocking checks built from (asset, pandera model) pairs: bad data must not flow on.

Metadata carries failure counts per check and column names only; pandera's messages and
failure cases hold values (personal data), so they are never shown.
"""

import dagster as dg
import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from checks.schemas import Member, Metric, NormalisedMember, RejectedFile, RejectedRow


def _validation_summary(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> tuple[bool, dict]:
    try:
        model.validate(frame, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases
        by_check = cases.group_by("check").agg(pl.len().alias("n"), pl.col("column").unique().sort())
        summary = {
            row["check"]: {"failures": row["n"], "columns": [c for c in row["column"] if c]}
            for row in by_check.iter_rows(named=True)
        }
        return False, {"failing_rows": cases.height, "by_check": dg.MetadataValue.json(summary)}
    return True, {"failing_rows": 0, "rows_checked": frame.height}


def contract_check(asset: str, model: type[pa.DataFrameModel]) -> dg.AssetChecksDefinition:
    """A blocking check that `asset` satisfies `model` (name: `<asset>_matches_contract`)."""

    @dg.asset_check(
        asset=asset,
        name=f"{asset}_matches_contract",
        blocking=True,
        description=f"{asset} has the columns, types and value domains of CONTRACT.md ({model.__name__}).",
    )
    def _check(frame: pl.DataFrame) -> dg.AssetCheckResult:
        passed, metadata = _validation_summary(model, frame)
        return dg.AssetCheckResult(passed=passed, metadata=metadata)

    return _check


CONTRACT_CHECKS = [
    contract_check("members_normalised", NormalisedMember),
    contract_check("members", Member),
    contract_check("rejected_rows", RejectedRow),
    contract_check("rejected_files", RejectedFile),
]
"""The metrics table is checked from its DuckDB file in checks/metrics.py (Metric model)."""

__all__ = ["CONTRACT_CHECKS", "Metric", "contract_check"]
