"""Header detection for many sheets at once: one polars query folds every head cell of a
batch, then Python scores the (at most 25) head rows of each sheet.

Per-sheet queries cost about a millisecond of fixed overhead each; a batch of small files
(one per chi hội, DOMAIN.md "Spreadsheet layouts") has thousands of sheets.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ddss.frames import ENGINE
from ddss.ingest.headers import (
    ANY_HEADER_RX,
    CHILD_PARENTS,
    KEY_AND_LABEL,
    LEGACY_ENCODINGS,
    SCAN_ROWS,
    Header,
    detect_from_keys,
)
from ddss.ingest.headers import field_of as _field_of
from ddss.ingest.readers import ROW_COLUMN
from ddss.text import decode_legacy_expr

SHEET_COLUMN = "_sheet"


def _field(key: str) -> str | None:
    found = _field_of(key)
    return found[0] if found else None


@dataclass(frozen=True)
class Detected:
    """A sheet's header and the texts of its title rows (top to bottom, decoded if legacy)."""

    header: Header
    titles: list[str]


def detect_headers(stack: pl.DataFrame, widths: dict[int, int]) -> dict[int, Detected]:
    """Header of every sheet id in `widths` (its own column count) that has one."""
    cells = [c for c in stack.columns if c.startswith("c")]
    head = (
        stack.lazy()
        .filter((pl.col(ROW_COLUMN) <= SCAN_ROWS) & pl.col(SHEET_COLUMN).is_in(list(widths)))
        .sort(SHEET_COLUMN, ROW_COLUMN)
        .collect(engine=ENGINE)
    )
    headers: dict[int, Header] = {}
    plain: pl.DataFrame | None = None
    for encoding in (None, *LEGACY_ENCODINGS):
        todo = [s for s in widths if s not in headers]
        if not todo:
            break
        part = head if encoding is None else head.filter(pl.col(SHEET_COLUMN).is_in(todo))
        if encoding is not None:
            part = part.with_columns(
                decode_legacy_expr(c, encoding).over(SHEET_COLUMN).alias(c) for c in cells
            )
        flat = _flat(part, cells)
        plain = flat if encoding is None else plain
        for sheet, (keys, labels) in _head_rows(flat, widths).items():
            header = detect_from_keys(keys, labels, [f"c{j}" for j in range(widths[sheet])], encoding)
            if header is not None:
                headers[sheet] = header
    legacy = {s: h for s, h in headers.items() if h.encoding is not None}
    titles = _titles(plain, {s: h.first_row for s, h in headers.items() if h.encoding is None})
    titles |= _legacy_titles(head, legacy, widths)
    return {s: Detected(h, titles.get(s, [])) for s, h in headers.items()}


def _flat(part: pl.DataFrame, cells: list[str]) -> pl.DataFrame:
    """One row per head cell: sheet, row, column `j`, raw text `v`, compact key `k`, label `l`
    and the field `f` the key names (null when none)."""
    flat = part.unpivot(on=cells, index=[SHEET_COLUMN, ROW_COLUMN], variable_name="j", value_name="v")
    flat = flat.with_columns(pl.col("j").str.slice(1).cast(pl.Int32))
    # Titles and headers repeat from file to file: fold each distinct text once.
    distinct = flat.select(pl.col("v").unique().drop_nulls()).with_columns(*KEY_AND_LABEL)
    known = distinct.filter(pl.col("k").str.contains(ANY_HEADER_RX)).get_column("k").unique().to_list()
    fields = {k: field for k in known if (field := _field(k))}
    distinct = distinct.with_columns(
        pl.col("k").replace_strict(fields, default=None, return_dtype=pl.String).alias("f")
    )
    return flat.join(distinct, on="v", how="left")


def _head_rows(flat: pl.DataFrame, widths: dict[int, int]) -> dict[int, tuple[list, list]]:
    """(keys, labels) per sheet: one list per head row, cut to the sheet's width.

    Only rows that can score (two or more known fields) or head a two-row header, and the row
    under each, are handed to Python; every other row is left empty, which scores nothing, as
    the real row would (`detect_from_keys` gives such rows no candidate).
    """
    per_row = (
        flat.filter(pl.col("f").is_not_null())
        .group_by(SHEET_COLUMN, ROW_COLUMN)
        .agg((pl.col("f").n_unique() >= 2) | pl.col("f").is_in(list(CHILD_PARENTS)).any())
    )
    wanted = per_row.filter(pl.col("f")).select(SHEET_COLUMN, ROW_COLUMN)
    wanted = pl.concat([wanted, wanted.with_columns(pl.col(ROW_COLUMN) + 1)]).unique()
    picked = (
        flat.lazy()
        .select(SHEET_COLUMN, ROW_COLUMN, "j", "k", "l")
        .join(wanted.lazy(), on=[SHEET_COLUMN, ROW_COLUMN])
        .filter(pl.col("j") < pl.col(SHEET_COLUMN).replace_strict(widths, return_dtype=pl.Int32))
        .sort(SHEET_COLUMN, ROW_COLUMN, "j")
        .group_by(SHEET_COLUMN, ROW_COLUMN, maintain_order=True)
        .agg("k", "l")
        .collect(engine=ENGINE)
    )
    filled: dict[int, dict[int, tuple[list, list]]] = {}
    for sheet, row, keys, labels in picked.iter_rows():
        filled.setdefault(sheet, {})[row] = (keys, labels)
    heights = flat.group_by(SHEET_COLUMN).agg(pl.col(ROW_COLUMN).max().alias("n"))
    rows: dict[int, tuple[list, list]] = {}
    empty: list = []  # an empty row: no keys, nothing to score
    for sheet, n in heights.iter_rows():
        own = filled.get(sheet, {})
        rows[sheet] = (
            [own[r][0] if r in own else empty for r in range(1, n + 1)],
            [own[r][1] if r in own else empty for r in range(1, n + 1)],
        )
    return rows


def _titles(flat: pl.DataFrame | None, first_rows: dict[int, int]) -> dict[int, list[str]]:
    """Non-empty cells above each header, row by row (the title rows)."""
    if flat is None or not first_rows:
        return {}
    bounds = pl.DataFrame(
        {SHEET_COLUMN: list(first_rows), "_first": list(first_rows.values())},
        schema={SHEET_COLUMN: pl.Int32(), "_first": pl.Int64()},
    )
    cells = (
        flat.lazy()
        .select(SHEET_COLUMN, ROW_COLUMN, "j", "v")
        .filter(pl.col("v").is_not_null() & (pl.col(ROW_COLUMN) <= max(first_rows.values())))
        .join(bounds.lazy(), on=SHEET_COLUMN)
        .filter(pl.col(ROW_COLUMN) <= pl.col("_first"))
        .sort(SHEET_COLUMN, ROW_COLUMN, "j")
        .select(SHEET_COLUMN, "v")
        .collect(engine=ENGINE)
    )
    out: dict[int, list[str]] = {}
    for sheet, value in cells.iter_rows():
        out.setdefault(sheet, []).append(value)
    return out


def _legacy_titles(
    head: pl.DataFrame, legacy: dict[int, Header], widths: dict[int, int]
) -> dict[int, list[str]]:
    """Title rows of legacy-encoded sheets, decoded over the title rows alone (their share of
    legacy cells is judged on the titles, as when each sheet was parsed alone). Rare: per sheet."""
    out: dict[int, list[str]] = {}
    for sheet, header in legacy.items():
        own = [f"c{j}" for j in range(widths[sheet])]
        rows = head.filter((pl.col(SHEET_COLUMN) == sheet) & (pl.col(ROW_COLUMN) <= header.first_row))
        encoding = str(header.encoding)
        decoded = rows.select(decode_legacy_expr(c, encoding).alias(c) for c in own)
        out[sheet] = [v for row in decoded.rows() for v in row if v is not None]
    return out
