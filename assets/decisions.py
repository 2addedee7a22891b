"""Steward decisions: filled-in review workbooks dropped into `decisions/` come back into the run."""

import dagster as dg
import polars as pl

from assets._metadata import stage_metadata
from assets.settings import DdssSettings
from ddss.review import read_decisions


@dg.asset(
    group_name="reconcile",
    kinds={"excel", "polars"},
    description="One row per steward decision read from the workbooks in decisions/ (accept or "
    "reject a match, correct a CCCD, confirm or split a duplicate), with who, when and which file.",
)
def steward_decisions(settings: DdssSettings) -> dg.Output[pl.DataFrame]:
    result = read_decisions(settings.paths.decisions)
    frame = result.decisions
    kinds = dict(frame.group_by("kind").len().iter_rows()) if frame.height else {}
    return dg.Output(
        frame, metadata=stage_metadata(frame, extra={f"decisions_{k}": n for k, n in kinds.items()})
    )
