"""Read the analyst database for the reports; unit codes become their public names here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from ddss import units
from ddss.metrics import ALL_ORGS

# Organisation slugs (CONTRACT.md inputs) as leaders write them; unknown slugs show as themselves.
ORG_NAMES: dict[str, str] = {
    ALL_ORGS: "Tất cả tổ chức",
    "hoi-phu-nu": "Hội LHPN",
    "doan-thanh-nien": "Đoàn TNCS HCM",
    "hoi-nong-dan": "Hội Nông dân",
    "hoi-cuu-chien-binh": "Hội Cựu chiến binh",
    "cong-doan": "Công đoàn",
}
UNKNOWN_UNIT = "Chưa xác định"
TARGET_PCT = 90.0  # the 90 % mark leaders use (DOMAIN.md: provinces above 90 % with a CCCD)


def org_name(org: str) -> str:
    return ORG_NAMES.get(org, org)


@dataclass(frozen=True)
class Snapshot:
    """What every report shows: the newest `as_of` and the history behind it."""

    as_of: date | None
    latest: pl.DataFrame  # ddss_metrics rows of the newest as_of, with `unit_name`
    history: pl.DataFrame  # national rows of every as_of
    issues: pl.DataFrame  # latest issue counts: org, province_code, code, rows


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _with_unit_names(frame: pl.DataFrame) -> pl.DataFrame:
    prov = units.provinces().select("province_code", pl.col("short_name").alias("_p"))
    comm = units.communes().select("commune_code", pl.col("commune_name").alias("_c"))
    return (
        frame.join(prov, on="province_code", how="left")
        .join(comm, on="commune_code", how="left")
        .with_columns(
            pl.when(pl.col("level") == "national")
            .then(pl.lit("Toàn quốc"))
            .when(pl.col("level") == "province")
            .then(pl.col("_p").fill_null(pl.col("province_code")).fill_null(pl.lit(UNKNOWN_UNIT)))
            .otherwise(
                pl.col("_c").fill_null(pl.col("commune_code")).fill_null(pl.lit(UNKNOWN_UNIT))
                + pl.lit(" (")
                + pl.col("_p").fill_null(pl.col("province_code")).fill_null(pl.lit("?"))
                + pl.lit(")")
            )
            .alias("unit_name")
        )
        .drop("_p", "_c")
    )


def load_snapshot(metrics_db: Path, *, as_of: date | None = None) -> Snapshot:
    """Read-only: an analyst may hold the file open too."""
    con = duckdb.connect(str(metrics_db), read_only=True)
    try:
        tables = _tables(con)
        if "ddss_metrics" not in tables:
            empty = pl.DataFrame()
            return Snapshot(None, empty, empty, empty)
        if as_of is None:
            as_of = con.execute("SELECT max(as_of) FROM ddss_metrics").fetchall()[0][0]
        latest = con.sql(f"SELECT * FROM ddss_metrics WHERE as_of = DATE '{as_of}'").pl()
        history = con.sql(
            f"SELECT * FROM ddss_metrics WHERE level = 'national' AND as_of <= DATE '{as_of}' ORDER BY as_of"
        ).pl()
        issues = (
            con.sql(f"SELECT * FROM issue_counts WHERE as_of = DATE '{as_of}'").pl()
            if "issue_counts" in tables
            else pl.DataFrame(
                schema={"org": pl.String, "province_code": pl.String, "code": pl.String, "rows": pl.Int64}
            )
        )
    finally:
        con.close()
    return Snapshot(as_of, _with_unit_names(latest), history, issues)


def top_issues(snapshot: Snapshot, org: str = ALL_ORGS, n: int = 12) -> pl.DataFrame:
    """The most frequent issue codes over all provinces: code, rows."""
    if snapshot.issues.is_empty():
        return pl.DataFrame(schema={"code": pl.String, "rows": pl.Int64})
    return (
        snapshot.issues.filter(pl.col("org") == org)
        .group_by("code")
        .agg(pl.col("rows").sum())
        .sort(["rows", "code"], descending=[True, False])
        .head(n)
    )


def worst_units(
    snapshot: Snapshot, level: str = "commune", n: int = 10, min_members: int = 5
) -> pl.DataFrame:
    """Units with the lowest % matched (then % with CCCD), ignoring very small ones."""
    return (
        snapshot.latest.filter(
            (pl.col("org") == ALL_ORGS) & (pl.col("level") == level) & (pl.col("members") >= min_members)
        )
        .sort(["pct_matched", "pct_with_cccd", "members"], descending=[False, False, True], nulls_last=True)
        .head(n)
    )
