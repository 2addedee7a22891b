"""The polars-rendered xlsx writer: values read back as xlsxwriter writes them, files per key."""

from __future__ import annotations

import datetime as dt
import zipfile

import fastexcel
import openpyxl
import polars as pl
import pytest
import xlsxwriter

from ddss.review.safe_cells import WORKBOOK_OPTIONS
from ddss.review.xlsx import (
    Column,
    ListValidation,
    Sheet,
    Style,
    col_letter,
    group_slices,
    render_bodies,
    write_workbooks,
    write_xlsx,
)
from ddss.review.xlsx_cells import _ROW, MAX_CHARS, rows_xml

# Values typed by cadres (DOMAIN.md: free text from hundreds of hands) that a writer can break.
TEXTS = [
    "Nguyễn Thị Hoa",  # Vietnamese, NFC
    '=HYPERLINK("http://example.invalid","bấm")',  # formula injection stays text
    "+84912345678",  # looks like a number / formula
    "a & b <c> \"d\" 'e'",  # XML metacharacters
    "  leading and trailing  ",  # whitespace kept
    "tab\tand\nnewline",  # allowed control characters
    "bell\x07 and nul\x00",  # forbidden in XML: _xHHHH_ escape
    "literal _x0041_ text",  # a literal escape must not turn into "A"
    "x" * (MAX_CHARS + 5),  # over Excel's cell limit: cut as xlsxwriter does
    "",
    None,
]


def _write_ours(tmp_path, frame: pl.DataFrame, style: Style = Style.DEFAULT):
    bodies = render_bodies(frame.with_columns(_k=pl.lit("k")), ["_k"], 0, style)
    body, n = bodies.get(("k",))
    sheet = Sheet(name="S", head=[], body_xml=body, last_row=max(n - 1, 0), n_cols=frame.width)
    return write_xlsx(tmp_path / "ours.xlsx", [sheet])


def _write_xlsxwriter(tmp_path, frame: pl.DataFrame):
    path = tmp_path / "ref.xlsx"
    # constant_memory: xlsxwriter's own inline-string mode, the form this writer uses.
    options = {**WORKBOOK_OPTIONS, "in_memory": False, "constant_memory": True}
    wb = xlsxwriter.Workbook(str(path), options)
    ws = wb.add_worksheet("S")
    for r, row in enumerate(frame.rows()):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, dt.date):
                ws.write_string(r, c, v.strftime("%d/%m/%Y"))
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write(r, c, v)
    wb.close()
    return path


def _values(path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


@pytest.mark.parametrize("text", TEXTS)
def test_text_reads_back_as_xlsxwriter_writes_it(tmp_path, text):
    frame = pl.DataFrame({"a": [text], "b": ["after"]}, schema={"a": pl.String, "b": pl.String})
    ours, ref = _write_ours(tmp_path, frame), _write_xlsxwriter(tmp_path, frame)
    assert _values(ours) == _values(ref)
    cell = openpyxl.load_workbook(ours).active["A1"]
    assert cell.data_type in ("s", "n")  # never a formula ("f")
    fx = fastexcel.read_excel(ours).load_sheet(0, header_row=None).to_polars()
    assert fx.row(0)[-1] == "after"  # calamine reads the file too


def test_typed_columns(tmp_path):
    """Numbers stay numbers, dates are dd/mm/yyyy text (as the old writer did), NaN is blank."""
    frame = pl.DataFrame(
        {
            "n": [1, None, 3],
            "x": [95.5, float("nan"), None],
            "d": [dt.date(1985, 3, 4), None, dt.date(2001, 12, 31)],
            "b": [True, False, None],
        }
    )
    rows = _values(_write_ours(tmp_path, frame))
    assert rows == [(1, 95.5, "04/03/1985", True), (None, None, None, False), (3, None, "31/12/2001", None)]


def test_bodies_per_key_restart_rows_and_keep_order(tmp_path):
    """Rows of one file need not be together in the input; each file numbers its own rows."""
    frame = pl.DataFrame({"k": ["b", "a", "b", "a", "b"], "v": ["b1", "a1", "b2", "a2", "b3"]})
    bodies = render_bodies(frame, ["k"], 5, Style.CELL)
    assert {k: bodies.get(k)[1] for k in bodies.spans} == {("a",): 2, ("b",): 3}
    body, n = bodies.get(("b",))
    sheet = Sheet(
        name="S", head=[(0, 0, "Tiêu đề", Style.TITLE)], body_xml=body, last_row=5 + n - 1, n_cols=1
    )
    rows = _values(write_xlsx(tmp_path / "b.xlsx", [sheet]))
    assert rows[0] == ("Tiêu đề",) and rows[5:] == [("b1",), ("b2",), ("b3",)]
    assert bodies.get(("zzz",)) == (memoryview(b""), 0)


def test_layout_features_read_back(tmp_path):
    """Hidden key columns, text-format column, frozen header, drop-down, merges, print titles."""
    sheet = Sheet(
        name="Gợi ý 'khớp'",
        head=[
            (0, 0, "Tiêu đề", Style.LIST_TITLE),
            (0, 1, None, Style.LIST_TITLE),
            (2, 0, "Quyết định", Style.HEADER),
        ],
        body_xml=b'<row r="4"><c r="A4" t="inlineStr"><is><t>x</t></is></c></row>',
        last_row=3,
        n_cols=3,
        columns=[Column(hidden=True), Column(width=18, style=Style.TEXT), Column(width=18)],
        freeze_rows=3,
        merges=[(0, 0, 0, 1)],
        validation=ListValidation(3, 203, 2, ("Đồng ý", "Từ chối", "Sửa")),
        print_title_rows=(2, 2),
    )
    path = write_xlsx(
        tmp_path / "f.xlsx", [sheet, Sheet(name="Khác", head=[], body_xml=b"", last_row=0, n_cols=1)]
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Gợi ý 'khớp'"]
    assert wb.sheetnames == ["Gợi ý 'khớp'", "Khác"]
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["B"].number_format == "@"
    assert ws.freeze_panes == "A4" and [str(r) for r in ws.merged_cells.ranges] == ["A1:B1"]
    (dv,) = ws.data_validations.dataValidation
    assert str(dv.sqref) == "C4:C204" and dv.formula1 == '"Đồng ý,Từ chối,Sửa"'
    assert ws.print_title_rows == "$3:$3"
    assert ws["A1"].font.b and ws["A1"].alignment.horizontal == "center"
    assert fastexcel.read_excel(path).sheet_names == ["Gợi ý 'khớp'", "Khác"]


@pytest.mark.parametrize(("col", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_col_letter(col, letters):
    assert col_letter(col) == letters


def test_group_slices_keep_groups_whole_and_cover_every_row():
    frame = pl.DataFrame({"k": [1, 1, 1, 2, 3, 3, 4, 4, 4, 4, 5], "v": range(11)})
    slices = list(group_slices(frame, ["k"], 3))
    assert [s["k"].to_list() for s in slices] == [[1, 1, 1], [2, 3, 3], [4, 4, 4, 4], [5]]
    assert pl.concat(slices).equals(frame)
    assert [s.height for s in group_slices(frame, ["k"], 100)] == [11]
    assert list(group_slices(frame.clear(), ["k"], 3)) == []


def test_rows_without_nulls_render_as_the_null_checked_path():
    """Columns known to hold no null are spliced into the row directly: same XML either way."""
    frame = pl.DataFrame(
        {
            _ROW: ["6", "7"],
            "t": ["Lê Văn A", "a & <b>"],
            "n": [1, 22],
            "x": [1.5, float("inf")],
            "d": [dt.date(1985, 3, 4), dt.date(2001, 12, 31)],
            "b": [True, False],
        }
    )
    schema = frame.drop(_ROW).schema
    for style in (Style.DEFAULT, Style.CELL):
        spliced = frame.select(rows_xml(schema, style, nullable=())).to_series()
        checked = frame.select(rows_xml(schema, style)).to_series()
        assert spliced.to_list() == checked.to_list()
    assert '<c r="C7"/>' not in checked[1] and "inf" not in checked[1]  # inf is a blank cell


def test_zip_container_reads_back_and_reruns_are_identical(tmp_path):
    """The hand-written zip: readable by zipfile (CRCs checked), 1980 timestamps, so a
    rerun gives the same bytes; a repeated part is deflated once."""
    rows = (f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(1, 1001))
    body = memoryview("".join(rows).encode())
    sheet = Sheet(name="S", head=[], body_xml=body, last_row=999, n_cols=1)
    first = write_xlsx(tmp_path / "a.xlsx", [sheet]).read_bytes()
    assert write_xlsx(tmp_path / "b.xlsx", [sheet]).read_bytes() == first
    with zipfile.ZipFile(tmp_path / "a.xlsx") as zf:
        assert zf.testzip() is None
        assert zf.namelist()[-1] == "xl/worksheets/sheet1.xml"
        assert bytes(body) in zf.read("xl/worksheets/sheet1.xml")
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert len(_values(tmp_path / "a.xlsx")) == 1000


def test_write_workbooks_with_a_small_queue_writes_every_file_in_order(tmp_path):
    body = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    jobs = [
        (tmp_path / f"{i}.xlsx", [Sheet(name="S", head=[], body_xml=body, last_row=0, n_cols=1)])
        for i in range(9)
    ]
    paths = write_workbooks(iter(jobs), pending_bytes=len(body) * 2)
    assert paths == [p for p, _ in jobs]
    assert all(_values(p) == [(1,)] for p in paths)
