"""Write grids as xlsx (xlsxwriter), xls (xlwt), ods (odfpy) and csv, reproducibly.

Cells are written one by one because the spreadsheet libraries only offer a per-cell API;
csv data blocks go through polars. Document dates are fixed so the same seed gives the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

from ddss.legacy_encodings import vietnamese_letters
from ddss.synth.layouts import Grid
from ddss.synth.plan import BIG_FILE_ROWS

FIXED_TIME = dt.datetime(2026, 6, 25, 8, 0, 0)
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _covered(grid: Grid, row_offset: int = 0) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in grid.merges:
        cells |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    return cells


def _all_rows(grid: Grid):  # type: ignore[no-untyped-def]
    """(row index, [(value, kind)]) for every row of the grid, top to bottom."""
    r = 0
    for row in grid.top:
        yield r, [(v, None) for v in row]
        r += 1
    n = grid.ncols
    empty = [(None, None)] * n
    at = 0
    for pos, rec in zip(grid.positions.tolist(), grid.data.iter_rows(), strict=True):
        for _ in range(pos - at):  # blank rows inside the table
            yield r, empty
            r += 1
        yield r, list(zip(rec[:n], rec[n:], strict=True))
        r += 1
        at = pos + 1
    for row in grid.bottom:
        yield r, [(v, None) for v in row]
        r += 1


def write_xlsx(path: Path, sheets: list[tuple[str, Grid]]) -> None:
    import xlsxwriter

    big = sum(len(g.data) for _, g in sheets) > BIG_FILE_ROWS
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": big, "strings_to_numbers": False})
    wb.set_properties({"created": FIXED_TIME, "author": "", "title": "Danh sách"})
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for name, grid in sheets:
        ws = wb.add_worksheet(name)
        merges = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in grid.merges}
        covered = _covered(grid)
        head = len(grid.top)
        for r, cells in _all_rows(grid):
            for c, (v, kind) in enumerate(cells):
                if (r, c) in covered:
                    continue
                fmt = bold if r < head else None
                if (r, c) in merges:
                    r2, c2 = merges[(r, c)]
                    ws.merge_range(r, c, r2, c2, v or "", fmt or bold)
                elif v is None:
                    continue
                elif kind == "n":
                    ws.write_number(r, c, float(v))
                elif kind == "d":
                    ws.write_datetime(r, c, dt.date.fromisoformat(v), date_fmt)
                else:
                    ws.write_string(r, c, v, fmt)
    wb.close()


def write_xls(path: Path, sheets: list[tuple[str, Grid]]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on; align: horiz center")
    date_fmt = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for name, grid in sheets:
        ws = wb.add_sheet(name)
        merges = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in grid.merges}
        covered = _covered(grid)
        head = len(grid.top)
        for r, cells in _all_rows(grid):
            for c, (v, kind) in enumerate(cells):
                if (r, c) in covered:
                    continue
                if (r, c) in merges:
                    r2, c2 = merges[(r, c)]
                    ws.write_merge(r, r2, c, c2, v or "", bold)
                elif v is None:
                    continue
                elif kind == "n":
                    ws.write(r, c, float(v))
                elif kind == "d":
                    ws.write(r, c, dt.date.fromisoformat(v), date_fmt)
                else:
                    ws.write(r, c, v, bold if r < head else xlwt.Style.default_style)
    wb.save(str(path))


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def write_ods(path: Path, sheets: list[tuple[str, Grid]]) -> None:
    """OpenDocument spreadsheet written as plain XML (odfpy's output varies within a process)."""
    from xml.sax.saxutils import escape, quoteattr

    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NS} office:version="1.2">'
    ]
    parts.append("<office:body><office:spreadsheet>")
    for name, grid in sheets:
        parts.append(f"<table:table table:name={quoteattr(name)}>")
        merges = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in grid.merges}
        covered = _covered(grid)
        for r, cells in _all_rows(grid):
            parts.append("<table:table-row>")
            for c, (v, kind) in enumerate(cells):
                if (r, c) in covered:
                    parts.append("<table:covered-table-cell/>")
                    continue
                span = ""
                if (r, c) in merges:
                    r2, c2 = merges[(r, c)]
                    cols, rows = c2 - c + 1, r2 - r + 1
                    span = f' table:number-columns-spanned="{cols}" table:number-rows-spanned="{rows}"'
                if v is None:
                    parts.append(f"<table:table-cell{span}/>")
                    continue
                if kind == "n":
                    attrs = f'office:value-type="float" office:value="{escape(v)}"'
                elif kind == "d":
                    attrs = f'office:value-type="date" office:date-value="{escape(v)}"'
                else:
                    attrs = 'office:value-type="string"'
                parts.append(
                    f"<table:table-cell {attrs}{span}><text:p>{escape(v)}</text:p></table:table-cell>"
                )
            parts.append("</table:table-row>")
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    stamp = FIXED_TIME.timetuple()[:6]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", date_time=stamp), _ODS_MIME, compress_type=zipfile.ZIP_STORED)
        for name, body in [("META-INF/manifest.xml", _ODS_MANIFEST), ("content.xml", "".join(parts))]:
            z.writestr(zipfile.ZipInfo(name, date_time=stamp), body, compress_type=zipfile.ZIP_DEFLATED)


def _cp1258_table() -> dict[int, str]:
    """Precomposed letters cp1258 lacks -> base letter + combining tone (how cp1258 stores them)."""
    table: dict[int, str] = {}
    for ch in vietnamese_letters():
        try:
            ch.encode("cp1258")
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", ch)
            tone = "".join(m for m in nfd if m in _TONE_MARKS)
            base = unicodedata.normalize("NFC", "".join(m for m in nfd if m not in _TONE_MARKS))
            table[ord(ch)] = base + tone
    return table


_CP1258 = _cp1258_table()


def write_csv(path: Path, grid: Grid, encoding: str) -> None:
    import csv

    def lines(rows: list) -> str:  # type: ignore[type-arg]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)  # None is written as an empty field
        return buf.getvalue()

    # csv.writer runs in C; blank rows inside the table are placed by position.
    records = list(zip(*[grid.data.get_column(f"c{i}").to_list() for i in range(grid.ncols)], strict=True))
    block = np.full(grid.block, None, dtype=object)
    block[grid.positions] = records
    empty = [None] * grid.ncols
    text = lines(grid.top) + lines([empty if r is None else r for r in block.tolist()]) + lines(grid.bottom)
    if encoding == "cp1258":
        path.write_bytes(unicodedata.normalize("NFC", text).translate(_CP1258).encode("cp1258"))
    else:
        path.write_bytes(text.encode(encoding))


def write_file(path: Path, fmt: str, sheets: list[tuple[str, Grid]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(path, sheets)
    elif fmt == "xls":
        write_xls(path, sheets)
    elif fmt == "ods":
        write_ods(path, sheets)
    else:
        write_csv(path, sheets[0][1], encoding)
