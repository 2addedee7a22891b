"""Parse one file's bytes into path-independent frames (what the cache stores)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ddss import issues
from ddss.ingest.body import sheet_rows
from ddss.ingest.discover import Kind, sniff
from ddss.ingest.headers import SCAN_ROWS, detect_header
from ddss.ingest.places import hints_from_texts
from ddss.ingest.readers import DEFAULT_MAX_SHEET_ROWS, ROW_COLUMN, RawSheet, read_book
from ddss.ingest.result import PARSED_SCHEMA, PARSED_SHEETS_SCHEMA, empty
from ddss.text import decode_legacy_expr

EXPECTED_KIND: dict[str, Kind] = {
    ".xlsx": Kind.XLSX,
    ".xlsm": Kind.XLSX,
    ".xls": Kind.XLS,
    ".ods": Kind.ODS,
    ".csv": Kind.TEXT,
    ".txt": Kind.TEXT,
}
_READABLE = frozenset({Kind.XLSX, Kind.XLS, Kind.ODS, Kind.TEXT})
# Exception class name -> reason; anything else that escapes a reader is a corrupt file.
EXCEPTION_REASONS: dict[str, str] = {
    "ZipBombError": issues.FILE_TOO_LARGE,
    "MemoryError": issues.FILE_TOO_LARGE,
    "EncodingUnknownError": issues.FILE_UNREADABLE_ENCODING,
    "UnicodeDecodeError": issues.FILE_UNREADABLE_ENCODING,
    "UnicodeError": issues.FILE_UNREADABLE_ENCODING,
}


@dataclass(frozen=True)
class ParsedFile:
    """Rows (accepted and rejected, PARSED_SCHEMA) and per-sheet counts, or a file reason."""

    rows: pl.DataFrame
    sheets: pl.DataFrame
    reason: str | None = None


def rejected(reason: str, sheets: pl.DataFrame | None = None) -> ParsedFile:
    return ParsedFile(empty(PARSED_SCHEMA), empty(PARSED_SHEETS_SCHEMA) if sheets is None else sheets, reason)


def kind_reason(kind: Kind, suffix: str) -> str | None:
    """Reason to refuse a file from its bytes' kind alone, before any reader runs."""
    if suffix not in EXPECTED_KIND:
        return issues.FILE_UNSUPPORTED_FORMAT
    if kind is Kind.EMPTY:
        return issues.FILE_EMPTY
    if kind is Kind.ENCRYPTED:
        return issues.FILE_PASSWORD_PROTECTED
    if kind in (Kind.HTML, Kind.ZIP_OTHER):
        return issues.FILE_WRONG_EXTENSION
    if kind is Kind.UNKNOWN:
        return issues.FILE_CORRUPT
    return None


def exception_reason(exc: BaseException, kind: Kind, suffix: str) -> str:
    """Reason code from the exception's class name (never its message, which may hold data)."""
    reason = EXCEPTION_REASONS.get(type(exc).__name__, issues.FILE_CORRUPT)
    if reason == issues.FILE_CORRUPT and EXPECTED_KIND.get(suffix) is not kind:
        return issues.FILE_WRONG_EXTENSION
    return reason


def parse_bytes(data: bytes, suffix: str, *, max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS) -> ParsedFile:
    """Read every sheet; raises on unreadable content (the caller turns that into a reason)."""
    kind = sniff(data)
    reason = kind_reason(kind, suffix)
    if reason is not None:
        return rejected(reason)
    assert kind in _READABLE
    book = read_book(data, kind, max_sheet_rows=max_sheet_rows)
    frames: list[pl.DataFrame] = []
    counts: list[dict[str, object]] = []
    for sheet in book.sheets:
        rows, note = _parse_sheet(sheet, book.date_system)
        if rows is not None:
            frames.append(rows)
        rejected_n = 0 if rows is None else rows.get_column("reject_reason").is_not_null().sum()
        data_n = 0 if rows is None else rows.height
        counts.append(
            {
                "source_sheet": sheet.name,
                "hidden": sheet.hidden,
                "data_rows": data_n,
                "accepted": data_n - rejected_n,
                "rejected": rejected_n,
                "note": note,
            }
        )
    sheets = pl.DataFrame(counts, schema=PARSED_SHEETS_SCHEMA)
    if not frames:
        notes = set(sheets.get_column("note").to_list())
        reason = issues.FILE_NO_HEADER if issues.SHEET_NO_HEADER in notes else issues.FILE_EMPTY
        if issues.SHEET_TOO_LARGE in notes and reason == issues.FILE_EMPTY:
            reason = issues.FILE_TOO_LARGE
        return rejected(reason, sheets)
    return ParsedFile(pl.concat(frames), sheets)


def _parse_sheet(sheet: RawSheet, date_system: str) -> tuple[pl.DataFrame | None, str | None]:
    if sheet.too_large:
        return None, issues.SHEET_TOO_LARGE
    grid = sheet.grid
    cells = [] if grid is None else [c for c in grid.columns if c != ROW_COLUMN]
    if (
        grid is None
        or not cells
        or grid.select(cells).null_count().sum_horizontal().item() == (grid.height * len(cells))
    ):
        return None, issues.SHEET_EMPTY
    header = detect_header(grid, SCAN_ROWS)
    if header is None:
        return None, issues.SHEET_NO_HEADER
    titles = grid.slice(0, header.first_row).select(cells)
    if header.encoding is not None:
        titles = titles.with_columns(decode_legacy_expr(c, header.encoding).alias(c) for c in cells)
    texts = [v for row in titles.rows() for v in row if v is not None]
    hints = hints_from_texts(texts)
    rows = sheet_rows(
        grid,
        header,
        sheet=sheet.name,
        date_system=date_system,
        province_hint=hints.province,
        commune_hint=hints.commune,
    )
    return rows, (issues.SHEET_HIDDEN if sheet.hidden else None)
