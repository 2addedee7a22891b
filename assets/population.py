"""The population reference (CSDL dân cư extract) as its own asset, refreshed when its files change."""

import dagster as dg
import polars as pl

from assets._metadata import stage_metadata
from assets.settings import DdssSettings
from ddss.reconcile import load_population


@dg.asset(
    group_name="reconcile",
    kinds={"polars", "parquet"},
    description="One row per citizen in raw/population/ (parquet or csv, canonical or Vietnamese "
    "headers): CCCD, normalised name with comparison keys, birth date/year, sex, 2025 units, status.",
)
def population(settings: DdssSettings) -> dg.Output[pl.DataFrame]:
    paths = sorted(p for p in settings.paths.population.glob("*") if p.suffix.lower() in {".parquet", ".csv"})
    frame = load_population(paths)
    frame = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    deceased = frame.filter(pl.col("status") == "deceased").height
    return dg.Output(frame, metadata=stage_metadata(frame, extra={"files": len(paths), "deceased": deceased}))
