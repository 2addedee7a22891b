"""Normalise: names, CCCD, birth dates, sex, phone and place in one canonical form each."""

import dagster as dg
import polars as pl

from assets._metadata import stage_metadata
from assets.partitions import ORG_PARTITIONS, SINGLE_RUN
from ddss.normalise import normalise_members


@dg.asset(
    group_name="normalise",
    kinds={"polars"},
    partitions_def=ORG_PARTITIONS,
    backfill_policy=SINGLE_RUN,
    description="One row per accepted input row: full name (NFC, one tone style, proper case) split "
    "into surname/middle/given with comparison keys, CCCD with cccd_status, birth date/year, sex, "
    "phone, 2025 province/commune codes, and the row's issue codes.",
)
def members_normalised(member_rows: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    result = normalise_members(member_rows)
    return dg.Output(result.frame, metadata=stage_metadata(result.frame))
