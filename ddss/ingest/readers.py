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
from operator import methodcaller

import fastexcel
import polars as pl

from ddss.frames import ENGINE
from ddss.ingest.discover import Kind

ROW_COLUMN = "__row"
# Guards against zip bombs: total inflated size and the inflation ratio of any one entry.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 1000
DEFAULT_MAX_SHEET_ROWS = 5_000_000
_DELIMITERS = (",", ";", "\t", "|")
# Delimiter and column count are judged on the first 64 KiB of a text file.
_SAMPLE_BYTES = 65536


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
    names = reader.sheet_names
    states = _xlsx_hidden(data, len(names)) if kind is Kind.XLSX else None
    sheets: list[RawSheet] = []
    for idx, name in enumerate(names):
        if states is None:
            sheet = reader.load_sheet(idx, header_row=None, skip_rows=0, dtypes="string")
            hidden, height = str(sheet.visible) != "visible", sheet.total_height
        else:
            # Eager: calamine's cells straight to Arrow, skipping the lazy sheet's cell copy
            # (8% less wall at 1M rows, the pyarrow import once per process aside).
            sheet = reader.load_sheet(idx, header_row=None, skip_rows=0, dtypes="string", eager=True)
            hidden, height = states[idx], sheet.num_rows
        if height > max_sheet_rows:
            sheets.append(RawSheet(name, hidden, None, too_large=True))
            continue
        sheets.append(RawSheet(name, hidden, clean_grid(pl.DataFrame(sheet), workbook=True)))
    return RawBook(sheets, _date_system(data) if kind is Kind.XLSX else "1900")


_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet[\s/>][^>]*>")
_STATE = re.compile(rb"""\sstate\s*=\s*["']([^"']*)["']""")


def _xlsx_hidden(data: bytes, sheets: int) -> list[bool] | None:
    """Hidden flag of each sheet from xl/workbook.xml (eager sheets carry no `visible`), in
    calamine's order (the `<sheet>` elements'); None when the count disagrees."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        if "xl/workbook.xml" not in book.namelist():
            return None
        tags = _SHEET_TAG.findall(book.read("xl/workbook.xml"))
    if len(tags) != sheets:
        return None
    states = [_STATE.search(tag) for tag in tags]
    return [m is not None and m.group(1) in (b"hidden", b"veryHidden") for m in states]


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


@dataclass(frozen=True)
class TextSource:
    """A text file as UTF-8 with its delimiter and column count (from the first 64 KiB).

    `batchable`: no line of the whole file has more fields than `width`, so the file reads
    the same alone or stacked with others (`read_text_stack`).
    """

    body: bytes
    delimiter: str
    width: int
    batchable: bool


# Line breaks of `str.splitlines` other than "\n" (and "\r\n"), as UTF-8 bytes.
_OTHER_BREAKS = (
    b"\r",
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\x1d",
    b"\x1e",
    b"\xc2\x85",
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
)


def text_source(data: bytes) -> TextSource:
    body = utf8_bytes(data)
    head = body[:_SAMPLE_BYTES]
    # Delimiters are ASCII, so they count the same in the bytes as in the decoded text.
    delimiter = max(_DELIMITERS, key=lambda d: head.count(d.encode()))
    count = methodcaller("count", delimiter.encode())
    if any(b in head for b in _OTHER_BREAKS):
        sample = head.decode("utf-8", errors="ignore")
        width = max(map(methodcaller("count", delimiter), sample.splitlines() or [""])) + 1
    else:  # the lines are the "\n"-separated ones: counted once, in the bytes
        width = max(map(count, head.split(b"\n"))) + 1
        if len(body) <= _SAMPLE_BYTES:
            return TextSource(body, delimiter, width, True)
    # A file past the sample is big: read alone, its fixed cost does not matter.
    if len(body) > _SAMPLE_BYTES:
        return TextSource(body, delimiter, width, False)
    longest = max(map(count, body.split(b"\n"))) + 1
    return TextSource(body, delimiter, width, longest <= width)


def read_text_grid(data: bytes) -> pl.DataFrame:
    """CSV/TXT as a string grid; every record (blank lines included) keeps its row number."""
    return text_grid(text_source(data))


def text_grid(source: TextSource) -> pl.DataFrame:
    """One text file read alone (the reference behaviour `read_text_stack` reproduces)."""
    body, delimiter = source.body, source.delimiter
    try:
        frame = _read_csv(body, delimiter, source.width, truncate=False)
    except pl.exceptions.ComputeError:
        # A line past the sample has more fields: count them all (rare, so done only here).
        lines = pl.Series(body.decode("utf-8").split("\n"))
        width = int(lines.str.count_matches(delimiter, literal=True).max() or 0) + 1
        frame = _read_csv(body, delimiter, width, truncate=True)
    return clean_grid(frame)


# Ends each file in a stacked read: one field, no delimiter or quote, never typed by a person.
_END = "\x1eddss-end\x1f"
SOURCE_COLUMN = "_src"


def read_text_stack(sources: list[TextSource]) -> tuple[pl.DataFrame, set[int]]:
    """Many text files of one delimiter in one polars read: `_src` (index into `sources`),
    `__row` and cleaned cells c0..cW-1 (W = the widest file; a file's own columns are null
    beyond its width). Returns the indices that must be read alone instead.

    A per-file read costs about a millisecond of fixed overhead, far more than a 100-row file.
    Each file is followed by an end line; a file whose quotes swallow it, or with a record
    spanning lines (a quoted newline, which could outnumber its width), is read alone.
    """
    alone = {i for i, s in enumerate(sources) if not s.batchable}
    picked = [i for i in range(len(sources)) if i not in alone]
    if not picked:
        return pl.DataFrame(), alone
    delimiter = sources[picked[0]].delimiter
    width = max(sources[i].width for i in picked)
    end = (_END + "\n").encode()
    parts = [(delimiter * (width - 1) + "\n").encode()]
    lines = []
    for i in picked:
        body = sources[i].body
        parts += [body, end] if body.endswith(b"\n") or not body else [body, b"\n", end]
        lines.append(body.count(b"\n") + (not body.endswith(b"\n") and bool(body)))
    cells = [f"c{j}" for j in range(width)]
    try:
        frame = pl.read_csv(
            io.BytesIO(b"".join(parts)),
            has_header=False,
            infer_schema=False,
            separator=delimiter,
            new_columns=cells,
        ).slice(1)
    except pl.exceptions.PolarsError:
        return pl.DataFrame(), set(range(len(sources)))
    is_end = pl.col("c0").eq_missing(_END)
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    ends = frame.with_columns(_at=index).filter(is_end)
    bare = ends.select(pl.all_horizontal(pl.lit(True), *(pl.col(c).is_null() for c in cells[1:]))).to_series()
    if ends.height != len(picked) or not bare.all():
        return pl.DataFrame(), set(range(len(sources)))
    # Records per file: a record spanning lines leaves its file fewer records than lines.
    at = ends.get_column("_at").to_list()
    records = [b - a - 1 for a, b in zip([-1, *at[:-1]], at, strict=True)]
    alone |= {i for i, n, m in zip(picked, records, lines, strict=True) if n != m}
    keep = [k for k, i in enumerate(picked) if i not in alone]
    if not keep:
        return pl.DataFrame(), alone
    # A row's number is its distance from the end line before it (the file's first row: 1).
    previous_end = pl.when(is_end).then(index).forward_fill().shift(1).fill_null(-1)
    cleaned = _clean_exprs(tuple(cells), False)[1:]
    frame = (
        frame.lazy()
        .with_columns(
            is_end.cum_sum().cast(pl.Int32).alias(SOURCE_COLUMN), (index - previous_end).alias(ROW_COLUMN)
        )
        .filter(~is_end & pl.col(SOURCE_COLUMN).is_in(keep))
        .select(
            pl.col(SOURCE_COLUMN).replace_strict(keep, [picked[k] for k in keep], return_dtype=pl.Int32),
            ROW_COLUMN,
            *cleaned,
        )
        .collect(engine=ENGINE)
    )
    return frame, alone
