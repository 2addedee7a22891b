"""A small xlsx writer for large plain tables: polars renders the cells, Python only zips.

Why not xlsxwriter here: at ~90k cells per CPU-second it needed 150 s for the ~10M cells a
1M-member run writes into ~3,000 files (issue #10). Cells come from `xlsx_cells` (one polars
pass for all files); this module wraps them in the plain SpreadsheetML package (content types,
workbook, styles, sheets) that Excel, LibreOffice, openpyxl and calamine read, zipped by
`xlsx_zip` on threads (zlib releases the GIL).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from xml.sax.saxutils import escape

from ddss.review.safe_cells import write_private_bytes
from ddss.review.xlsx_cells import Bodies, cell_ref, col_letter, group_slices, head_cell, render_bodies
from ddss.review.xlsx_zip import zip_bytes

__all__ = [
    "Bodies",
    "Column",
    "ListValidation",
    "Sheet",
    "Style",
    "col_letter",
    "group_slices",
    "render_bodies",
    "write_workbooks",
    "write_xlsx",
]


class Style(IntEnum):
    """Cell formats (xf indices into `_STYLES_XML`)."""

    DEFAULT = 0
    TITLE = 1  # bold 13 pt
    HEADER = 2  # bold, light blue fill, thin border, wrapped
    TEXT = 3  # number format "@": typed CCCDs keep their leading zero (DOMAIN.md, Excel damage)
    LIST_TITLE = 4  # bold 13 pt, centred
    LIST_HEADER = 5  # bold, centred, thin border
    CELL = 6  # thin border


def _font(bold: str, size: int) -> str:
    calibri = '<color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
    return f'<font>{bold}<sz val="{size}"/>{calibri}</font>'


_BORDER = "".join(f'<{s} style="thin"><color auto="1"/></{s}>' for s in ("left", "right", "top", "bottom"))
_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<fonts count="3">{_font("", 11)}{_font("<b/>", 11)}{_font("<b/>", 13)}</fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
    "</patternFill></fill>"
    "</fills>"
    f'<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    f"<border>{_BORDER}<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
    'applyBorder="1" applyAlignment="1"><alignment wrapText="1"/></xf>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
    'applyAlignment="1"><alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Column:
    width: float | None = None  # in characters, as in Excel's column width box
    hidden: bool = False
    style: Style = Style.DEFAULT


@dataclass(frozen=True)
class ListValidation:
    """A drop-down list on a cell range (0-based inclusive bounds)."""

    first_row: int
    last_row: int
    col: int
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Sheet:
    """One worksheet: head cells (titles, headers) above a pre-rendered body."""

    name: str
    head: Sequence[tuple[int, int, object, Style]]  # (row, col, value, style), rows above the body
    body_xml: bytes | memoryview  # UTF-8 `<row>` elements (see render_bodies)
    last_row: int  # 0-based last used row
    n_cols: int
    columns: Sequence[Column] = ()
    freeze_rows: int = 0
    merges: Sequence[tuple[int, int, int, int]] = ()  # (first_row, first_col, last_row, last_col)
    validation: ListValidation | None = None
    print_title_rows: tuple[int, int] | None = None


def _width(chars: float) -> float:
    """Excel's stored width for a width in characters (Calibri 11: 7 px per digit + 5 px)."""
    pixels = int(chars * 7 + 0.5) + 5
    return int(pixels / 7 * 256) / 256


def _cols_xml(columns: Sequence[Column]) -> str:
    """`<cols>`, one element per run of equal columns (as Excel and xlsxwriter write it)."""
    parts = []
    i = 0
    while i < len(columns):
        c, j = columns[i], i
        while j + 1 < len(columns) and columns[j + 1] == c:
            j += 1
        if c.width is not None or c.hidden or c.style:
            width = _width(c.width) if c.width is not None else 0  # hidden without a width: 0
            attrs = f'min="{i + 1}" max="{j + 1}" width="{width}"'
            attrs += f' style="{int(c.style)}"' if c.style else ""
            attrs += ' hidden="1"' if c.hidden else ""
            parts.append(f'<col {attrs} customWidth="1"/>')
        i = j + 1
    return f"<cols>{''.join(parts)}</cols>" if parts else ""


def _sheet_xml(sheet: Sheet, selected: bool) -> tuple[str, str]:
    """The sheet's XML before and after its body rows."""
    rows: dict[int, list[str]] = {}
    for r, c, value, style in sorted(sheet.head, key=lambda h: (h[0], h[1])):
        rows.setdefault(r, []).append(head_cell(r, c, value, style))
    head = "".join(f'<row r="{r + 1}">{"".join(cells)}</row>' for r, cells in rows.items())
    dim = f"A1:{cell_ref(max(sheet.last_row, 0), max(sheet.n_cols - 1, 0))}"
    pane = ""
    if sheet.freeze_rows:
        top = cell_ref(sheet.freeze_rows, 0)
        pane = (
            f'<pane ySplit="{sheet.freeze_rows}" topLeftCell="{top}" activePane="bottomLeft" '
            f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        )
    tab = ' tabSelected="1"' if selected else ""
    view = f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}</sheetView></sheetViews>'
    merges = ""
    if sheet.merges:
        refs = "".join(
            f'<mergeCell ref="{cell_ref(r0, c0)}:{cell_ref(r1, c1)}"/>' for r0, c0, r1, c1 in sheet.merges
        )
        merges = f'<mergeCells count="{len(sheet.merges)}">{refs}</mergeCells>'
    validation = ""
    if (v := sheet.validation) is not None:
        choices = escape('"' + ",".join(v.choices) + '"', {'"': "&quot;"})
        validation = (
            '<dataValidations count="1"><dataValidation type="list" allowBlank="1" '
            f'showInputMessage="1" showErrorMessage="1" '
            f'sqref="{cell_ref(v.first_row, v.col)}:{cell_ref(v.last_row, v.col)}">'
            f"<formula1>{choices}</formula1></dataValidation></dataValidations>"
        )
    before = (
        f'{_XML_DECL}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        f'<dimension ref="{dim}"/>{view}<sheetFormatPr defaultRowHeight="15"/>'
        f"{_cols_xml(sheet.columns)}<sheetData>{head}"
    )
    after = (
        f"</sheetData>{merges}{validation}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )
    return before, after


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _workbook_xml(sheets: Sequence[Sheet]) -> str:
    entries = "".join(
        f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    names = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
        f"{escape(_quote_sheet(s.name))}!${first + 1}:${last + 1}</definedName>"
        for i, s in enumerate(sheets)
        if s.print_title_rows is not None
        for first, last in [s.print_title_rows]
    )
    defined = f"<definedNames>{names}</definedNames>" if names else ""
    return (
        f'{_XML_DECL}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        f"<bookViews><workbookView/></bookViews><sheets>{entries}</sheets>{defined}</workbook>"
    )


def _package_parts(sheets: Sequence[Sheet]) -> Iterable[tuple[str, str]]:
    """Every part but the worksheets, as (name, xml)."""
    n = len(sheets)
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    yield (
        "[Content_Types].xml",
        f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheet_types}</Types>",
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    yield (
        "_rels/.rels",
        f'{_XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    links = "".join(
        f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    yield (
        "xl/_rels/workbook.xml.rels",
        f'{_XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'{links}<Relationship Id="rId{n + 1}" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
    )
    yield "xl/workbook.xml", _workbook_xml(sheets)
    yield "xl/styles.xml", _STYLES_XML


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write the workbook to `path`, owner-only (it holds personal data)."""
    parts: list[tuple[str, str | Sequence[bytes | memoryview]]] = list(_package_parts(sheets))
    for i, sheet in enumerate(sheets, start=1):
        before, after = _sheet_xml(sheet, selected=i == 1)
        parts.append((f"xl/worksheets/sheet{i}.xml", [before.encode(), sheet.body_xml, after.encode()]))
    return write_private_bytes(path, zip_bytes(parts))


PENDING_BYTES = 256 << 20
"""Body XML queued for the writer threads at most: about three member-list slices."""


def write_workbooks(
    jobs: Iterable[tuple[Path, Sequence[Sheet]]], *, pending_bytes: int = PENDING_BYTES
) -> list[Path]:
    """Write many workbooks on a few threads (deflate and file writes release the GIL).

    `jobs` is read lazily while up to `pending_bytes` of body XML wait for the threads, so a
    generator rendering the next slice of bodies runs while the previous slice is written,
    and memory holds a bounded number of slices whatever the number of rows."""
    written: list[Path] = []
    pending: deque[tuple[Future[Path], int]] = deque()
    held = 0
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for path, sheets in jobs:
            size = sum(len(s.body_xml) for s in sheets)
            while pending and held + size > pending_bytes:
                done, n = pending.popleft()
                written.append(done.result())
                held -= n
            pending.append((pool.submit(write_xlsx, path, sheets), size))
            held += size
        written += [done.result() for done, _ in pending]
    return written
