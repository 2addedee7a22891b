"""Member lists for cadres in the familiar layout (DOMAIN.md: veterans ask for Excel lists)."""

from __future__ import annotations

import stat

import openpyxl
import polars as pl
import review_data as data

from ddss.review import export, export_member_lists, write_csv_safe
from ddss.review.export import EXPORT_HEADERS


def test_member_list_layout(tmp_path):
    members = data.members().with_columns(
        member_id=pl.when(pl.col("row_id") == "d2").then(pl.lit("d1")).otherwise(pl.col("row_id")),
        match_status=pl.lit("matched"),
    )
    paths = export_member_lists(tmp_path, members)
    by_name = {p.relative_to(tmp_path).as_posix(): p for p in paths}
    assert set(by_name) == {"hoi-phu-nu/79/hoi-phu-nu_26734.xlsx", "hoi-phu-nu/79/hoi-phu-nu_26799.xlsx"}
    path = by_name["hoi-phu-nu/79/hoi-phu-nu_26734.xlsx"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM"
    assert rows[1][0] == "DANH SÁCH HỘI VIÊN"
    assert "26734" not in str(rows[2][0]) and rows[2][0]  # a unit name, not a code
    assert rows[4] == EXPORT_HEADERS
    body = rows[5:]
    assert [r[0] for r in body] == [1, 2, 3]  # d1/d2 are one member: listed once
    hoang = next(r for r in body if r[1] == "Hoàng Văn Em")
    assert hoang[2:7] == ("10/09/1985", "Nam", "079085000050", "Ấp 3", "0912345678")
    injected = next(r for r in body if r[1] == data.INJECTION)  # written as text, not a formula
    assert injected[3] == "Nam"


def test_member_lists_do_not_depend_on_the_slice_size(tmp_path, monkeypatch):
    members = data.members()
    whole = {
        p.relative_to(tmp_path / "a"): p.read_bytes() for p in export_member_lists(tmp_path / "a", members)
    }
    monkeypatch.setattr(export, "SLICE_ROWS", 1)  # one unit per slice
    sliced = {
        p.relative_to(tmp_path / "b"): p.read_bytes() for p in export_member_lists(tmp_path / "b", members)
    }
    assert len(whole) > 1 and sliced == whole


def test_csv_is_private_and_neutralised(tmp_path):
    path = write_csv_safe(pl.DataFrame({"full_name": [data.INJECTION]}), tmp_path / "x" / "a.csv")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8-sig").splitlines()[1].startswith("\"'=HYPERLINK")
