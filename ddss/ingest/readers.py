"""Read a workbook or text file into raw string grids, one per sheet, nothing interpreted yet.

Workbooks go through fastexcel (calamine) with `header_row=None, skip_rows=0`, so grid row i
is spreadsheet row i + 1 (the row number Excel shows). Every cell comes back as text:
calamine already prints numbers in their shortest form (123456789012.0 -> "123456789012")
and date cells as ISO text.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache

import fastexcel
import polars as pl

from ddss.ingest.discover import Kind

ROW_COLUMN = "__row"
# Guards against zip bombs: total inflated size and the inflation ratio of any one entry.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 1000
DEFAULT_MAX_SHEET_ROWS = 5_000_000
_DELIMITERS = (",", ";", "\t", "|")


class ZipBombError(Exception):
    """The xlsx/ods would inflate beyond the limits."""


class EncodingUnknownError(Exception):
    """No text encoding fits the bytes."""


@dataclass(frozen=True)
class RawSheet:
    """One sheet as a grid of strings `c0..cN` plus `__row` (1-based row number)."""

    name: str
    hidden: bool
    grid: pl.DataFrame | None
    too_large: bool = False


@dataclass(frozen=True)
class RawBook:
    sheets: list[RawSheet]
    date_system: str


def read_book(data: bytes, kind: Kind, *, max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS) -> RawBook:
    """All sheets of a file whose bytes were classified as `kind`."""
    if kind is Kind.TEXT:
        return RawBook([RawSheet("", False, read_text_grid(data))], "1900")
    if kind in (Kind.XLSX, Kind.ODS):
        _check_zip(data)
    reader = fastexcel.read_excel(data)
    sheets: list[RawSheet] = []
    for idx, name in enumerate(reader.sheet_names):
        sheet = reader.load_sheet(idx, header_row=None, skip_rows=0, dtypes="string")
        hidden = str(sheet.visible) != "visible"
        if sheet.total_height > max_sheet_rows:
            sheets.append(RawSheet(name, hidden, None, too_large=True))
            continue
        sheets.append(RawSheet(name, hidden, clean_grid(sheet.to_polars(), workbook=True)))
    return RawBook(sheets, _date_system(data) if kind is Kind.XLSX else "1900")


def clean_grid(frame: pl.DataFrame, *, workbook: bool = False) -> pl.DataFrame:
    """Rename to c0..cN, trim cells, empty -> null, add __row; workbook midnight datetimes -> ISO."""
    # One select (one pass, one frame) rather than a chain: this runs once per sheet.
    return frame.select(_clean_exprs(tuple(frame.columns), workbook))


@lru_cache(maxsize=256)
def _clean_exprs(columns: tuple[str, ...], workbook: bool) -> tuple[pl.Expr, ...]:
    """Built once per column layout: building expressions costs more than running them on a
    small sheet."""
    cells = []
    for i, name in enumerate(columns):
        text = pl.col(name).cast(pl.String).str.strip_chars()
        if workbook:
            # calamine prints date cells as "YYYY-MM-DD 00:00:00"; the date part is the value.
            text = text.str.strip_suffix(" 00:00:00")
        cells.append(text.replace("", None).alias(f"c{i}"))
    return (pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW_COLUMN), *cells)


def _check_zip(data: bytes) -> None:
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise ZipBombError
    if any(i.file_size > MAX_COMPRESSION_RATIO * max(i.compress_size, 1) for i in infos):
        raise ZipBombError


def _date_system(data: bytes) -> str:
    """Excel for Mac files may count dates from 1904; downstream needs it for serial numbers."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        if "xl/workbook.xml" not in book.namelist():
            return "1900"
        head = book.read("xl/workbook.xml")[:8192]
    return "1904" if re.search(rb'date1904="(1|true)"', head) else "1900"


def utf8_bytes(data: bytes) -> bytes:
    """The file as UTF-8 without BOM: BOM, then UTF-16 by NUL pattern, then strict UTF-8,
    else a Windows legacy code page.

    Windows-1258 text uses combining tone marks (DOMAIN.md: legacy files); TCVN3 bytes read
    through it give symbols (¨ © µ ¸ ...), so they are kept in their cp1252 view for
    `ddss.text.decode_legacy_columns` to convert.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").encode("utf-8")
    sample = data[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        even_nuls = sample[0::2].count(b"\x00")
        return data.decode("utf-16-be" if even_nuls > len(sample) // 4 else "utf-16-le").encode()
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    cp1258 = data.decode("cp1258", errors="replace")
    if _mostly_letters(cp1258):
        # cp1258 stores tones as combining marks; NFC is the same text in Unicode's usual form.
        return unicodedata.normalize("NFC", cp1258).encode("utf-8")
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8")


def _mostly_letters(text: str) -> bool:
    """True when the non-ASCII characters are letters or combining marks (real cp1258)."""
    high = [c for c in set(text) if ord(c) > 127]
    if not high:
        return True
    weights = {c: text.count(c) for c in high}
    letters = sum(n for c, n in weights.items() if unicodedata.category(c)[0] in "LM")
    return letters * 10 >= sum(weights.values()) * 9


def _read_csv(body: bytes, delimiter: str, width: int, *, truncate: bool) -> pl.DataFrame:
    # A synthetic first line fixes the column count, so short title lines become null-padded.
    head = (delimiter * (width - 1) + "\n").encode("utf-8")
    return pl.read_csv(
        io.BytesIO(head + body),
        has_header=False,
        infer_schema=False,
        separator=delimiter,
        truncate_ragged_lines=truncate,
    ).slice(1)


def read_text_grid(data: bytes) -> pl.DataFrame:
    """CSV/TXT as a string grid; every record (blank lines included) keeps its row number."""
    body = utf8_bytes(data)
    sample = body[:65536].decode("utf-8", errors="ignore")
    delimiter = max(_DELIMITERS, key=sample.count)
    width = max(line.count(delimiter) for line in sample.splitlines() or [""]) + 1
    try:
        frame = _read_csv(body, delimiter, width, truncate=False)
    except pl.exceptions.ComputeError:
        # A line past the sample has more fields: count them all (rare, so done only here).
        lines = pl.Series(body.decode("utf-8").split("\n"))
        width = int(lines.str.count_matches(delimiter, literal=True).max() or 0) + 1
        frame = _read_csv(body, delimiter, width, truncate=True)
    return clean_grid(frame)
