"""Safe spreadsheet output: no formula injection, owner-only files.

Member data is typed by hundreds of cadres, so a "name" can be `=HYPERLINK(...)`. In xlsx
every text value is written as a string cell, never parsed as a formula, URL or number
(`xlsx_cells` writes inline strings; `WORKBOOK_OPTIONS` for any xlsxwriter workbook); in
csv a value starting with `= + - @`, tab or CR gets a leading apostrophe (OWASP CSV-injection
advice). Files hold personal data (Luật Bảo vệ dữ liệu cá nhân, DOMAIN.md), so they are
created 0o600 in 0o700 folders.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PREFIX_RE = r"^[=+\-@\t\r]"
FILE_MODE = 0o600
DIR_MODE = 0o700

# xlsxwriter otherwise turns "=..." into a formula and "http..." into a link on write().
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def neutralise_expr(col: str) -> pl.Expr:
    """Text column with a leading apostrophe where a spreadsheet would see a formula."""
    c = pl.col(col)
    return pl.when(c.str.contains(_PREFIX_RE)).then(pl.lit("'") + c).otherwise(c).alias(col)


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column neutralised (for csv output)."""
    return frame.with_columns(neutralise_expr(c) for c, t in frame.schema.items() if t == pl.String)


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to a file that is owner-only from its first byte."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an older file may have had wider permissions
        os.write(fd, data)
    finally:
        os.close(fd)
    return path


def write_csv_safe(frame: pl.DataFrame, path: Path) -> Path:
    """CSV with formula-looking text neutralised, UTF-8 with BOM so Excel shows diacritics."""
    buffer = io.BytesIO()
    neutralise_frame(frame).write_csv(buffer, include_bom=True)
    return write_private_bytes(path, buffer.getvalue())
