"""Member lists for cadres: one xlsx per org and unit, in the layout they already use.

DOMAIN.md: veterans ask for member lists exported to Excel; the lists they keep have title
rows (organisation, "DANH SÁCH HỘI VIÊN", the commune) above an STT / Họ và tên / Ngày sinh
/ Giới tính / Số CCCD ... table. Files hold personal data and are written 0o600.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from ddss import units
from ddss.keys import row_id_expr
from ddss.review.xlsx import Column, Sheet, Style, group_slices, render_bodies, write_workbooks

EXPORT_HEADERS = (
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Thôn/Chi hội",
    "Số điện thoại",
    "Ghi chú",
)
ORG_TITLES = {
    "hoi-phu-nu": "HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM",
    "doan-thanh-nien": "ĐOÀN THANH NIÊN CỘNG SẢN HỒ CHÍ MINH",
    "hoi-nong-dan": "HỘI NÔNG DÂN VIỆT NAM",
    "hoi-cuu-chien-binh": "HỘI CỰU CHIẾN BINH VIỆT NAM",
    "cong-doan": "CÔNG ĐOÀN VIỆT NAM",
}
# Short steward notes for rows a cadre should look at (codes stay in ddss.issues).
_NOTES = {
    "mismatch": "Thông tin khác CSDL dân cư",
    "not_found": "CCCD không có trong CSDL dân cư",
    "deceased": "Đã mất theo CSDL dân cư",
    "no_cccd": "Chưa có CCCD",
}
_UNKNOWN = "chua-ro"
SLICE_ROWS = 200_000
"""Member-list rows rendered at once (~120 MB of XML); whole units per slice."""


def _optional(frame: pl.DataFrame, cols: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in cols.items() if c not in frame.columns
    )


def _list_rows(members: pl.DataFrame) -> pl.DataFrame:
    """One row per member (first row of each member_id), display columns, stable order.

    The order and the first row per member are found on the key columns alone; the display
    columns are then gathered once (a sort and a dedupe of the whole frame would copy every
    column twice: gigabytes at 10M rows)."""
    if "row_id" not in members.columns:
        members = members.with_columns(row_id_expr())
    frame = _optional(
        members,
        {
            "member_id": pl.String,
            "village": pl.String,
            "branch": pl.String,
            "phone": pl.String,
            "match_status": pl.String,
            "commune_code": pl.String,
            "province_code": pl.String,
        },
    )
    order = frame.select(
        pl.arg_sort_by(
            "org",
            "province_code",
            "commune_code",
            "full_name",
            "row_id",
            nulls_last=True,
            maintain_order=True,
        )
    ).to_series()
    member = pl.struct("org", pl.coalesce("member_id", "row_id"))
    first = frame.select(member.gather(order).is_first_distinct()).to_series()
    birth = pl.coalesce(
        pl.col("birth_date").cast(pl.Date, strict=False).dt.strftime("%d/%m/%Y"),
        pl.col("birth_year").cast(pl.String),
    )
    shown = ["org", "province_code", "commune_code", "full_name", "birth_date", "birth_year", "sex"]
    shown += ["cccd", "branch", "village", "phone", "match_status"]
    return frame.select(pl.col(shown).gather(order.filter(first))).select(
        "org",
        pl.col("province_code").fill_null(_UNKNOWN),
        pl.col("commune_code").fill_null(_UNKNOWN),
        "full_name",
        birth.alias("birth"),
        pl.col("sex").replace_strict({"M": "Nam", "F": "Nữ"}, default=None, return_dtype=pl.String),
        "cccd",
        pl.coalesce("branch", "village").alias("branch"),
        "phone",
        pl.col("match_status").replace_strict(_NOTES, default=None, return_dtype=pl.String).alias("note"),
    )


def _unit_names() -> dict[tuple[str, str], str]:
    communes = units.communes().join(units.provinces(), on="province_code", how="left")
    return {
        (p, c): f"{name}, {pname}"
        for p, c, name, pname in communes.select(
            "province_code", "commune_code", "commune_name", "province_name"
        ).iter_rows()
    }


_KEYS = ["org", "province_code", "commune_code"]
_TITLE_ROWS = 3  # organisation, "DANH SÁCH HỘI VIÊN", unit; then a blank row
_HEADER_ROW = 4
_COLUMNS = (Column(width=6), Column(width=28), *(Column(width=16) for _ in EXPORT_HEADERS[2:]))


def _list_sheet(titles: tuple[str, str, str], body: memoryview, n: int) -> Sheet:
    """The cadre layout: three merged title rows, the header on row 5, one row per member."""
    last = len(EXPORT_HEADERS) - 1
    head: list[tuple[int, int, object, Style]] = [
        (r, c, titles[r] if c == 0 else None, Style.LIST_TITLE)
        for r in range(_TITLE_ROWS)
        for c in range(last + 1)
    ]
    head += [(_HEADER_ROW, c, h, Style.LIST_HEADER) for c, h in enumerate(EXPORT_HEADERS)]
    return Sheet(
        name="Danh sách",
        head=head,
        body_xml=body,
        last_row=_HEADER_ROW + n,
        n_cols=len(EXPORT_HEADERS),
        columns=_COLUMNS,
        merges=[(r, 0, r, last) for r in range(_TITLE_ROWS)],
        print_title_rows=(_HEADER_ROW, _HEADER_ROW),
    )


def export_member_lists(out_dir: Path, members: pl.DataFrame) -> list[Path]:
    """Write `<out_dir>/<org>/<province_code>/<org>_<commune_code>.xlsx`; returns the paths.

    Units are rendered a slice of `SLICE_ROWS` rows at a time and written on threads while
    the next slice renders, so memory holds two slices' XML, whatever the number of members."""
    return write_workbooks(_list_jobs(out_dir, _list_rows(members)))


def _list_jobs(out_dir: Path, rows: pl.DataFrame) -> Iterator[tuple[Path, list[Sheet]]]:
    """(path, sheets) of every unit's list, rendered lazily one slice at a time."""
    names = _unit_names()
    provinces = dict(units.provinces().select("province_code", "province_name").iter_rows())
    for part in group_slices(rows, _KEYS, SLICE_ROWS):
        numbered = part.select(
            *_KEYS, pl.int_range(1, pl.len() + 1).over(_KEYS).alias("STT"), pl.exclude(_KEYS)
        )
        bodies = render_bodies(numbered, _KEYS, _HEADER_ROW + 1, Style.CELL)
        del numbered
        for org, province, commune in bodies.spans:  # Python per output file
            body, n = bodies.get((org, province, commune))
            unit = names.get((province, commune)) or provinces.get(province) or "Chưa rõ đơn vị"
            titles = (ORG_TITLES.get(org, str(org).upper()), "DANH SÁCH HỘI VIÊN", unit)
            path = out_dir / str(org) / str(province) / f"{org}_{commune}.xlsx"
            yield path, [_list_sheet(titles, body, n)]
