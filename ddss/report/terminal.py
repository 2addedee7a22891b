"""`ddss metrics`: the newest figures as a rich table in the terminal."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.table import Table

from ddss.report._data import TARGET_PCT, load_snapshot, org_name
from ddss.report._svg import _fmt, thousands

_COLS = (
    ("members", "Hội viên"),
    ("expected_members", "Chỉ tiêu"),
    ("pct_entered", "% nhập"),
    ("pct_with_cccd", "% CCCD"),
    ("pct_matched", "% khớp"),
    ("pct_complete", "% đủ"),
    ("pct_clean", "% sạch"),
    ("pct_correct", "% đúng"),
    ("pct_live", "% sống"),
    ("duplicates", "Trùng"),
    ("deceased", "Đã mất"),
)


def metrics_table(metrics_db: Path, org: str | None = None, level: str = "national") -> Table:
    """Rows of the newest `as_of` at `level`, for one org (or every org and '*' when None)."""
    snap = load_snapshot(metrics_db)
    when = snap.as_of.strftime("%d/%m/%Y") if snap.as_of else "–"
    table = Table(
        title=f"Đúng · Đủ · Sạch · Sống — số liệu đến {when}",
        show_lines=False,
    )
    table.add_column("Tổ chức")
    table.add_column("Đơn vị")
    for _, title in _COLS:
        table.add_column(title, justify="right")
    if snap.as_of is None:
        return table
    rows = snap.latest.filter(pl.col("level") == level)
    if org is not None:
        rows = rows.filter(pl.col("org") == org)
    for r in rows.sort(["org", "province_code", "commune_code"], nulls_last=True).iter_rows(named=True):
        cells = []
        for key, _ in _COLS:
            v = r[key]
            if key.startswith("pct_"):
                style = "red" if v is not None and v < TARGET_PCT else "green"
                cells.append(f"[{style}]{_fmt(v)}[/{style}]")
            else:
                cells.append(thousands(v))
        table.add_row(org_name(r["org"]), r["unit_name"], *cells)
    return table
