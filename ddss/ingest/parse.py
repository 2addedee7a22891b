"""Read one file's bytes and parse them into path-independent frames (what the cache stores)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ddss import issues
from ddss.ingest.batch import FILE_COLUMN, Loaded, parse_batch
from ddss.ingest.discover import Kind, sniff
from ddss.ingest.readers import DEFAULT_MAX_SHEET_ROWS, read_book, text_source
from ddss.ingest.result import PARSED_SCHEMA, PARSED_SHEETS_SCHEMA, empty

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


def load_bytes(
    data: bytes, suffix: str, *, kind: Kind | None = None, max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS
) -> Loaded:
    """The part of parsing that needs the file itself: a reason to refuse it from its kind,
    its text (stacked with other text files later) or its workbook's sheets. Raises on
    unreadable content (the caller turns that into a reason)."""
    kind = sniff(data) if kind is None else kind
    reason = kind_reason(kind, suffix)
    if reason is not None:
        return reason
    if kind is Kind.TEXT:
        return text_source(data)
    assert kind in _READABLE
    return read_book(data, kind, max_sheet_rows=max_sheet_rows)


def parse_bytes(data: bytes, suffix: str, *, max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS) -> ParsedFile:
    """One file alone (a batch of one); raises on unreadable content."""
    loaded = load_bytes(data, suffix, max_sheet_rows=max_sheet_rows)
    if isinstance(loaded, str):
        return rejected(loaded)
    parsed = parse_batch([loaded])
    outcome = parsed.outcomes[0]
    if isinstance(outcome, Exception):
        raise outcome
    sheets = parsed.sheets.drop(FILE_COLUMN)
    if outcome is not None:
        return rejected(outcome, sheets)
    return ParsedFile(parsed.rows.drop(FILE_COLUMN), sheets)
