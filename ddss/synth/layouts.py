"""Sheet layouts as member lists really look (DOMAIN.md "Spreadsheet layouts seen").

A `Grid` is the whole sheet: title rows (org, motto, "DANH SÁCH HỘI VIÊN", place line),
one or two header rows with merged cells, the data block (with blank rows inside) and a
footer ("Tổng cộng", date line, signature block). Writers turn it into xlsx/xls/ods/csv.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ddss.synth import vocab
from ddss.synth.plan import SheetPlan

Row = list[str | None]
Merge = tuple[int, int, int, int]  # first_row, first_col, last_row, last_col (0-based, inclusive)


@dataclass(frozen=True)
class Col:
    """One written column: header text, optional sub-header (two-row headers), value source."""

    header: str
    sub: str | None
    value: str  # column of the sheet's row frame
    kind: str | None = None  # column holding the cell kind ("n" number, "d" date), or a fixed kind


@dataclass(frozen=True)
class Grid:
    """A sheet ready to write.

    `data` has string columns c0.. and kind columns k0..; data row i sits `positions[i]` rows
    below the header (the gaps are the blank rows inside the table), in a block of `block` rows.
    """

    top: list[Row]
    bottom: list[Row]
    merges: list[Merge]
    data: pl.DataFrame
    positions: np.ndarray
    block: int
    ncols: int


# Every column a sheet may show, and the columns holding fixed cell kinds.
CELL_COLUMNS = (
    "stt", "w_surname_part", "w_given_part", "w_name", "w_birth_male", "w_birth_female", "w_birth",
    "w_sex", "w_female_x", "w_male_x", "ethnicity", "religion", "w_cccd", "w_cccd_date", "w_phone",
    "branch", "village", "w_address", "w_commune", "w_province", "w_join", "w_card", "w_note",
    "w_birth_cell", "w_cccd_kind", "w_phone_kind",
)  # fmt: skip
_KIND_COLUMNS = {"n": "_k_n", "d": "_k_d", "": "_k_"}


def cell_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """Cast every cell column to text once, for all sheets (per-sheet work is then column access)."""
    return rows.with_columns(
        [pl.col(c).cast(pl.String) for c in CELL_COLUMNS],
        _k_n=pl.lit("n"),
        _k_d=pl.lit("d"),
        _k_=pl.lit(None, pl.String),
    )


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(0, len(options)))]


def columns(rng: np.random.Generator, plan: SheetPlan) -> list[Col]:
    """The sheet's columns, with header variants drawn per sheet."""
    a = plan.attrs
    org_title, _, branch_word, join_header = vocab.ORGS[plan.org]
    cols = [Col(_pick(rng, ["STT", "Số TT", "TT"]), None, "stt", "n")]
    if a["name_split"]:
        cols += [Col("Họ và tên đệm", None, "w_surname_part"), Col("Tên", None, "w_given_part")]
    else:
        cols.append(
            Col(_pick(rng, ["Họ và tên", "Họ tên", "HỌ VÀ TÊN", "Họ và tên hội viên"]), None, "w_name")
        )
    date_header = (
        "Năm sinh"
        if a["date_style"] == "year_only"
        else _pick(rng, ["Ngày sinh", "Ngày, tháng, năm sinh", "Ngày tháng năm sinh", "NGÀY SINH"])
    )
    birth = (
        [
            Col(date_header, "Nam", "w_birth_male", "w_birth_cell"),
            Col(date_header, "Nữ", "w_birth_female", "w_birth_cell"),
        ]
        if a["birth_split"]
        else [Col(date_header, None, "w_birth", "w_birth_cell")]
    )
    sex = {
        "column": [Col(_pick(rng, ["Giới tính", "Giới tính (Nam/Nữ)", "Giới"]), None, "w_sex")],
        "female_x": [Col("Nữ", None, "w_female_x")],
        "x2": [Col("Giới tính", "Nam", "w_male_x"), Col("Giới tính", "Nữ", "w_female_x")],
        "none": [],
    }[str(a["sex_style"])]
    cols += birth + sex if rng.random() < 0.7 else sex + birth
    if a["ethnicity"]:
        cols.append(Col("Dân tộc", None, "ethnicity"))
    if a["religion"]:
        cols.append(Col("Tôn giáo", None, "religion"))
    if a["cccd_split"]:
        cols += [Col("CMND/CCCD", "Số", "w_cccd", "w_cccd_kind"), Col("CMND/CCCD", "Ngày cấp", "w_cccd_date")]
    else:
        header = _pick(rng, ["Số CCCD", "CCCD", "CMND/CCCD", "Số định danh cá nhân", "Số CCCD/CMND"])
        cols.append(Col(header, None, "w_cccd", "w_cccd_kind"))
    if a["phone"]:
        cols.append(Col(_pick(rng, ["Số điện thoại", "SĐT", "Điện thoại"]), None, "w_phone", "w_phone_kind"))
    if plan.branch_label is None:
        cols.append(Col(_pick(rng, [branch_word, "Thôn", "Thôn/Tổ"]), None, "branch"))
    elif a["village_col"]:
        cols.append(Col(_pick(rng, ["Thôn", "Thôn/Tổ dân phố", "Nơi ở"]), None, "village"))
    if plan.place_mode == "columns":
        if a["address_col"]:
            cols.append(Col(_pick(rng, ["Địa chỉ", "Nơi ở hiện nay", "Quê quán/Địa chỉ"]), None, "w_address"))
        else:
            cols += [
                Col(_pick(rng, ["Xã/Phường", "Xã", "Đơn vị"]), None, "w_commune"),
                Col(_pick(rng, ["Tỉnh/Thành phố", "Tỉnh", "Tỉnh/TP"]), None, "w_province"),
            ]
    if a["join"]:
        cols.append(Col(join_header, None, "w_join", "n"))
    if a["card"]:
        cols.append(Col("Số thẻ hội viên" if "hoi" in plan.org else "Số thẻ đoàn viên", None, "w_card"))
    if a["note"]:
        cols.append(Col("Ghi chú", None, "w_note"))
    del org_title
    return cols


def _titles(rng: np.random.Generator, plan: SheetPlan, ncols: int) -> tuple[list[Row], list[Merge]]:
    org_title, list_title, _, _ = vocab.ORGS[plan.org]
    half = max(1, ncols // 2)
    place = plan.place_mode != "folder"
    left1 = f"{org_title} {plan.commune_name.upper()}" if place else org_title
    left2 = (plan.branch_label or "BAN CHẤP HÀNH").upper()
    rows: list[Row] = []
    merges: list[Merge] = []

    def add(cells: list[tuple[int, int, str]]) -> None:
        r = len(rows)
        row: Row = [None] * ncols
        for c1, c2, text in cells:
            row[c1] = text
            if c2 > c1:
                merges.append((r, c1, r, c2))
        rows.append(row)

    with_motto = rng.random() < 0.8
    add([(0, half - 1, left1)] + ([(half, ncols - 1, vocab.MOTTO[0])] if with_motto else []))
    add([(0, half - 1, left2)] + ([(half, ncols - 1, vocab.MOTTO[1])] if with_motto else []))
    add([])
    add([(0, ncols - 1, list_title + (" NĂM 2026" if rng.random() < 0.3 else ""))])
    if plan.place_mode == "title":
        add([(0, ncols - 1, f"{plan.commune_name}, {plan.province_name}")])
    else:
        add([(0, ncols - 1, "(Tính đến ngày 30/6/2026)")])
    for _ in range(int(plan.attrs["extra_title"])):
        add([])
    return rows, merges


def _footer(
    rng: np.random.Generator, plan: SheetPlan, ncols: int, first_row: int, n: int
) -> tuple[list[Row], list[Merge]]:
    rows: list[Row] = []
    merges: list[Merge] = []
    half = max(1, ncols // 2)
    if plan.attrs["total_row"]:
        row: Row = [None] * ncols
        row[0] = "Tổng cộng"
        row[min(2, ncols - 1)] = f"{n} hội viên" if "hoi" in plan.org else f"{n} đoàn viên"
        merges.append((first_row, 0, first_row, min(1, ncols - 1)))
        rows.append(row)
    if plan.attrs["signature"]:
        place = plan.commune_name.split(" ", 1)[-1] if plan.place_mode != "folder" else "..........."
        signer = vocab.SIGNERS[1] if "hoi" in plan.org else vocab.SIGNERS[2]
        lines = [
            [],
            [(half, ncols - 1, f"{place}, ngày 25 tháng 6 năm 2026")],
            [(0, half - 1, vocab.SIGNERS[0]), (half, ncols - 1, signer)],
            [(0, half - 1, "(Ký, ghi rõ họ tên)"), (half, ncols - 1, "(Ký tên, đóng dấu)")],
            [],
            [(0, half - 1, _pick(rng, ["Trần Thị Lan", "Lê Văn Minh", "Nguyễn Thị Hoa"])),
             (half, ncols - 1, _pick(rng, ["Phạm Thị Hương", "Nguyễn Văn Hùng", "Đỗ Thị Mai"]))],
        ]  # fmt: skip
        for cells in lines:
            r = first_row + len(rows)
            row = [None] * ncols
            for c1, c2, text in cells:
                row[c1] = text
                if c2 > c1:
                    merges.append((r, c1, r, c2))
            rows.append(row)
    return rows, merges


def build_grid(rng: np.random.Generator, plan: SheetPlan, sheet_rows: pl.DataFrame) -> tuple[Grid, pl.Series]:
    """The sheet as a grid, and the 1-based spreadsheet row number of every member row."""
    cols = columns(rng, plan)
    ncols = len(cols)
    top, merges = _titles(rng, plan, ncols)
    two_row = any(c.sub is not None for c in cols)
    header: Row = [None] * ncols
    sub: Row = [None] * ncols
    r = len(top)
    c = 0
    while c < ncols:
        col = cols[c]
        if col.sub is None:
            header[c] = col.header
            if two_row:
                merges.append((r, c, r + 1, c))
            c += 1
            continue
        span = c
        while span + 1 < ncols and cols[span + 1].header == col.header and cols[span + 1].sub is not None:
            span += 1
        header[c] = col.header
        merges.append((r, c, r, span))
        for k in range(c, span + 1):
            sub[k] = cols[k].sub
        c = span + 1
    top.append(header)
    if two_row:
        top.append(sub)
    first = len(top)

    blank_p = float(plan.attrs["blank_p"])  # type: ignore[arg-type]
    n = len(sheet_rows)
    blank_after = rng.random(n) < blank_p
    blank_after[-1:] = False
    offset = np.concatenate([[0], np.cumsum(blank_after)[:-1]]) if n else np.zeros(0, dtype=np.int64)
    pos = np.arange(n) + offset
    # Plain column access (no query per sheet): `cell_frame` cast every cell column to text.
    series = [sheet_rows.get_column(col.value).alias(f"c{i}") for i, col in enumerate(cols)]
    kinds = [
        sheet_rows.get_column(_KIND_COLUMNS.get(col.kind or "", col.kind or "_k_")).alias(f"k{i}")
        for i, col in enumerate(cols)
    ]
    values = pl.DataFrame(series + kinds)
    block = int(pos[-1]) + 1 if n else 0
    bottom, foot_merges = _footer(rng, plan, ncols, first + block, n)
    grid = Grid(top, bottom, merges + foot_merges, values, pos, block, ncols)
    return grid, pl.Series("source_row", pos + first + 1, dtype=pl.Int64)
