"""Writers for the test corpus: real xlsx/xls/ods/csv files built from a grid of cells.

A grid is a list of rows (row 1 first); a cell is None (left empty), str, int, float or date.
Merges are (first_row, first_col, last_row, last_col) in 0-based grid coordinates.
"""

from __future__ import annotations

import datetime as dt
import struct
import unicodedata
from pathlib import Path

import polars as pl

from ddss.ingest.readers import clean_grid

Cell = str | int | float | dt.date | None
Grid = list[list[Cell]]
Merge = tuple[int, int, int, int]


def write_xlsx(
    path: Path,
    sheets: dict[str, Grid],
    *,
    merges: dict[str, list[Merge]] | None = None,
    hidden: frozenset[str] = frozenset(),
    date_1904: bool = False,
) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, grid in sheets.items():
        ws = book.add_worksheet(name)
        if name in hidden:
            ws.hide()
        merged_cells = set()
        for r0, c0, r1, c1 in (merges or {}).get(name, []):
            ws.merge_range(r0, c0, r1, c1, grid[r0][c0])
            merged_cells |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is None or (r, c) in merged_cells:
                    continue
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, date_fmt)
                else:
                    ws.write(r, c, value)
    book.close()
    return path


def write_xlsm_openpyxl(path: Path, grid: Grid, sheet: str = "DS") -> Path:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
                if isinstance(value, dt.date):
                    ws.cell(r, c).number_format = "dd/mm/yyyy"
    book.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, Grid]) -> Path:
    import xlwt

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    for name, grid in sheets.items():
        ws = book.add_sheet(name)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write(r, c, value, date_style)
                elif value is not None:
                    ws.write(r, c, value)
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, Grid]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    path.parent.mkdir(parents=True, exist_ok=True)
    doc = OpenDocumentSpreadsheet()
    for name, grid in sheets.items():
        table = Table(name=name)
        for row in grid:
            tr = TableRow()
            for value in row:
                if value is None:
                    cell = TableCell()
                elif isinstance(value, str):
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=value))
                elif isinstance(value, dt.date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat())
                    cell.addElement(P(text=value.isoformat()))
                else:
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def csv_text(grid: Grid, delimiter: str = ",") -> str:
    """Plain CSV; cells holding the delimiter or quotes are quoted."""
    lines = []
    for row in grid:
        cells = []
        for value in row:
            text = "" if value is None else str(value)
            if delimiter in text or '"' in text or "\n" in text:
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(delimiter.join(cells))
    return "\n".join(lines) + "\n"


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: precomposed base letters (Ô, Ơ, Ă...) plus combining tone marks."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return bytes(out)


def write_csv(path: Path, grid: Grid, *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = csv_text(grid, delimiter)
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def write_encrypted_ole(path: Path) -> Path:
    """A minimal OLE compound file whose directory names an `EncryptedPackage` stream.

    This is how Excel stores a password-protected xlsx ([MS-OFFCRYPTO]): the magic bytes and
    the directory entry are what ingest looks at, the content is irrelevant.
    """
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1C] = struct.pack("<HH", 0x3E, 3)
    header[0x1C:0x20] = struct.pack("<HH", 0xFFFE, 9)
    directory = bytearray(512)
    for i, name in enumerate(["Root Entry", "EncryptionInfo", "EncryptedPackage"]):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        directory[i * 128 : i * 128 + len(raw)] = raw
        directory[i * 128 + 64 : i * 128 + 66] = struct.pack("<H", len(raw))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(header) + bytes(directory) + b"\x00" * 1024)
    return path


# The common layout of DOMAIN.md: titles, a blank, the header, members with a blank row
# between them, a row without a name, a total and a signature block with a signer's name.
STANDARD_GRID: Grid = [
    ["HỘI LHPN XÃ AN PHÚ", None, None, None, None, None, None],
    [None, "DANH SÁCH HỘI VIÊN NĂM 2025", None, None, None, None, None],
    [],
    ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Ghi chú"],
    [1, "Nguyễn Thị Lan", "12/05/1985", "Nữ", "079185012345", "Kinh", None],
    [],
    [2, "Trần Văn Bình", 1970, "Nam", 89070001234, "Kinh", "chuyển đến"],
    [3, None, 1990, "Nữ", None, None, None],
    ["Tổng cộng", None, None, None, None, None, None],
    [],
    [None, "Người lập biểu", None, None, "TM. BAN CHẤP HÀNH", None, None],
    [None, "Lê Thị Hoa", None, None, "Phạm Thị Thu", None, None],
]
# (source_row, full_name) of accepted rows and source_row of rejected rows in STANDARD_GRID.
STANDARD_ACCEPTED = [(5, "Nguyễn Thị Lan"), (7, "Trần Văn Bình")]
STANDARD_REJECTED = [8]


def grid_of(rows: list[list[str | None]]) -> pl.DataFrame:
    """An in-memory string grid shaped like what the readers return (no file needed)."""
    width = max(len(r) for r in rows)
    padded = [list(r) + [None] * (width - len(r)) for r in rows]
    return clean_grid(pl.DataFrame(padded, schema=[f"x{i}" for i in range(width)], orient="row"))
