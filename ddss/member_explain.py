"""`ddss explain <member_id>`: why rows were judged one member, read from members.duckdb.

Personal data is masked unless a steward asks for it: the name shows as initials, the birth
date as its year, the CCCD as `0790******12`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from rich.console import Group
from rich.table import Table

from ddss.ids import mask_cccd_expr
from ddss.linkage import default_settings, level_labels

_SHOWN = (
    "source_file",
    "source_sheet",
    "source_row",
    "full_name",
    "birth_date",
    "sex",
    "cccd",
    "cccd_status",
    "match_status",
)


def _rows(con: duckdb.DuckDBPyConnection, member_id: str, show: bool) -> pl.DataFrame:
    rows = con.sql(
        "select row_id, org, source_file, source_sheet, source_row, full_name, birth_date, birth_year, "
        "sex, cccd, cccd_status, match_status from members where member_id = ? order by row_id",
        params=[member_id],
    ).pl()
    if show:
        return rows
    initials = pl.col("full_name").str.split(" ").list.eval(pl.element().str.slice(0, 1) + ".").list.join(" ")
    return rows.with_columns(
        initials.alias("full_name"),
        pl.col("birth_year").cast(pl.String).alias("birth_date"),
        mask_cccd_expr("cccd").alias("cccd"),
    )


def _pairs(con: duckdb.DuckDBPyConnection, row_ids: list[str]) -> pl.DataFrame:
    con.execute("create or replace temp table _ids as select unnest(?::varchar[]) as row_id", [row_ids])
    return con.sql(
        "select * from linkage_pairs where row_id_l in (select row_id from _ids) "
        "or row_id_r in (select row_id from _ids) order by match_weight desc"
    ).pl()


def explain_member(members_db: Path, member_id: str, *, show_personal_data: bool = False) -> Group:
    """A table of the member's rows and, per scored pair, each field's level and weight."""
    con = duckdb.connect(str(members_db), read_only=True)
    try:
        rows = _rows(con, member_id, show_personal_data)
        pairs = _pairs(con, rows["row_id"].to_list()) if rows.height else pl.DataFrame()
    finally:
        con.close()
    row_table = Table(title=f"Hội viên {member_id}: {rows.height} dòng")
    for col in _SHOWN:
        row_table.add_column(col)
    for r in rows.iter_rows(named=True):
        row_table.add_row(*(str(r[c]) if r[c] is not None else "" for c in _SHOWN))
    pair_table = Table(title="Các cặp đã so sánh (mức khớp · trọng số log2)")
    specs = default_settings().comparisons
    pair_table.add_column("cặp")
    for spec in specs:
        pair_table.add_column(spec.name)
    pair_table.add_column("tổng")
    pair_table.add_column("xác suất")
    pair_table.add_column("quyết định")
    for p in pairs.iter_rows(named=True):
        cells = []
        for spec in specs:
            gamma = p.get(f"gamma_{spec.name}")
            label = level_labels(spec).get(gamma, "?") if gamma is not None else "-"
            weight = p.get(f"mw_{spec.name}")
            cells.append(f"{label} · {weight:+.1f}" if weight is not None else label)
        pair_table.add_row(
            f"{p['row_id_l']} ↔ {p['row_id_r']}",
            *cells,
            f"{p['match_weight']:+.1f}",
            f"{p['match_probability']:.3f}",
            str(p.get("decision")),
        )
    return Group(row_table, pair_table)
