"""The report tables as the xlsx a provincial office sends upward (title, unit, period, table).

Layout follows the administrative report form: issuing body and national motto at the top, a
title, the period line, a numbered table with Vietnamese headers and a total row, then the
signature block ("Người lập biểu", "Thủ trưởng đơn vị").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter

from ddss.issues import label
from ddss.metrics import ALL_ORGS
from ddss.report._data import ORG_NAMES, Snapshot, load_snapshot, org_name, top_issues
from ddss.units import provinces

_HEADERS = (
    ("members", "Số hội viên đã nhập", "int"),
    ("expected_members", "Số hội viên theo chỉ tiêu", "int"),
    ("pct_entered", "Tỷ lệ đã nhập (%)", "pct"),
    ("with_cccd", "Có CCCD", "int"),
    ("pct_with_cccd", "Tỷ lệ có CCCD (%)", "pct"),
    ("matched", "Đã đối soát khớp", "int"),
    ("pct_matched", "Tỷ lệ đối soát khớp (%)", "pct"),
    ("complete", "Đủ thông tin", "int"),
    ("clean", "Sạch", "int"),
    ("correct", "Đúng", "int"),
    ("live", "Sống", "int"),
    ("duplicates", "Dòng trùng đã gộp", "int"),
    ("deceased", "Đã mất", "int"),
)
_PCT_OF = {
    "pct_entered": ("members", "expected_members"),
    "pct_with_cccd": ("with_cccd", "members"),
    "pct_matched": ("matched", "members"),
}


def _sheet(
    wb: xlsxwriter.Workbook,
    name: str,
    unit: str,
    title: str,
    period: str,
    first_header: str,
    rows: list[tuple[str, dict]],
) -> None:
    ws = wb.add_worksheet(name)
    f = {
        "b": wb.add_format(
            {"bold": True, "align": "center", "font_name": "Times New Roman", "font_size": 12}
        ),
        "c": wb.add_format(
            {"align": "center", "font_name": "Times New Roman", "font_size": 12, "italic": True}
        ),
        "t": wb.add_format(
            {"bold": True, "align": "center", "font_name": "Times New Roman", "font_size": 14}
        ),
        "h": wb.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "font_name": "Times New Roman",
                "bg_color": "#DDEBF7",
            }
        ),
        "s": wb.add_format({"border": 1, "font_name": "Times New Roman"}),
        "i": wb.add_format({"border": 1, "font_name": "Times New Roman", "num_format": "#,##0"}),
        "p": wb.add_format({"border": 1, "font_name": "Times New Roman", "num_format": "0.00"}),
        "sb": wb.add_format({"border": 1, "bold": True, "font_name": "Times New Roman"}),
        "ib": wb.add_format(
            {"border": 1, "bold": True, "font_name": "Times New Roman", "num_format": "#,##0"}
        ),
        "pb": wb.add_format(
            {"border": 1, "bold": True, "font_name": "Times New Roman", "num_format": "0.00"}
        ),
    }
    last = len(_HEADERS) + 1
    ws.merge_range(0, 0, 0, 4, "ỦY BAN MTTQ VIỆT NAM", f["b"])
    ws.merge_range(1, 0, 1, 4, unit.upper(), f["b"])
    ws.merge_range(0, 6, 0, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f["b"])
    ws.merge_range(1, 6, 1, last, "Độc lập - Tự do - Hạnh phúc", f["b"])
    ws.merge_range(3, 0, 3, last, title, f["t"])
    ws.merge_range(4, 0, 4, last, period, f["c"])
    hr = 6
    ws.write(hr, 0, "STT", f["h"])
    ws.write(hr, 1, first_header, f["h"])
    for j, (_, head, _) in enumerate(_HEADERS, start=2):
        ws.write(hr, j, head, f["h"])
    ws.set_row(hr, 48)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 30)
    ws.set_column(2, last, 12)
    totals: dict[str, int] = {k: 0 for k, _, kind in _HEADERS if kind == "int"}
    for i, (name, row) in enumerate(rows, start=1):
        r = hr + i
        ws.write(r, 0, i, f["s"])
        ws.write(r, 1, name, f["s"])
        for j, (key, _, kind) in enumerate(_HEADERS, start=2):
            v = row.get(key)
            ws.write(r, j, v if v is not None else "", f["p" if kind == "pct" else "i"])
            if kind == "int" and v is not None:
                totals[key] += v
    r = hr + len(rows) + 1
    ws.write(r, 0, "", f["sb"])
    ws.write(r, 1, "Tổng cộng", f["sb"])
    for j, (key, _, kind) in enumerate(_HEADERS, start=2):
        if kind == "int":
            ws.write(r, j, totals[key], f["ib"])
        else:
            num, den = _PCT_OF[key]
            v = round(100 * totals[num] / totals[den], 2) if totals[den] else ""
            ws.write(r, j, v, f["pb"])
    ws.merge_range(r + 2, 0, r + 2, 4, "Người lập biểu", f["b"])
    ws.merge_range(r + 2, 6, r + 2, last, "Thủ trưởng đơn vị", f["b"])
    ws.merge_range(r + 3, 0, r + 3, 4, "(Ký, ghi rõ họ tên)", f["c"])
    ws.merge_range(r + 3, 6, r + 3, last, "(Ký tên, đóng dấu)", f["c"])
    ws.freeze_panes(hr + 1, 2)


def _period(as_of: date | None) -> str:
    if as_of is None:
        return "Chưa có số liệu"
    return f"Kỳ báo cáo: tháng {as_of.month:02d}/{as_of.year} (số liệu đến ngày {as_of.strftime('%d/%m/%Y')})"


def export_report_xlsx(
    metrics_db: Path, out_path: Path, *, org: str = ALL_ORGS, province_code: str | None = None
) -> Path:
    """Upward-report workbook: by unit (communes of `province_code`, else provinces), by org, issues."""
    snap: Snapshot = load_snapshot(metrics_db)
    period = _period(snap.as_of)
    latest = snap.latest if snap.as_of else pl.DataFrame(schema={"org": pl.String, "level": pl.String})
    if province_code is None:
        unit = "Ban Thường trực"
        units = latest.filter((pl.col("org") == org) & (pl.col("level") == "province"))
        first = "Tỉnh/thành phố"
    else:
        names = dict(provinces().select("province_code", "short_name").iter_rows())
        unit = f"Tỉnh/thành phố {names.get(province_code, province_code)}"
        units = latest.filter(
            (pl.col("org") == org)
            & (pl.col("level") == "commune")
            & (pl.col("province_code") == province_code)
        )
        first = "Xã/phường/đặc khu"
    title = f"BÁO CÁO KẾT QUẢ LÀM SẠCH DỮ LIỆU HỘI VIÊN ({org_name(org).upper()})"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out_path))
    try:
        unit_rows = (
            [
                (r["unit_name"], r)
                for r in units.sort(["province_code", "commune_code"], nulls_last=True).iter_rows(named=True)
            ]
            if units.height
            else []
        )
        _sheet(wb, "Theo đơn vị", unit, title, period, first, unit_rows)
        orgs = latest.filter(pl.col("level") == "national") if snap.as_of else latest
        if province_code is not None and snap.as_of:
            orgs = latest.filter((pl.col("level") == "province") & (pl.col("province_code") == province_code))
        org_rows = (
            [
                (org_name(r["org"]), r)
                for r in orgs.filter(pl.col("org") != ALL_ORGS).sort("org").iter_rows(named=True)
            ]
            if orgs.height
            else []
        )
        _sheet(
            wb,
            "Theo tổ chức",
            unit,
            "BÁO CÁO KẾT QUẢ LÀM SẠCH DỮ LIỆU HỘI VIÊN THEO TỔ CHỨC",
            period,
            "Tổ chức",
            org_rows,
        )
        ws = wb.add_worksheet("Lỗi thường gặp")
        bold = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
        ws.write_row(0, 0, ["STT", "Mã lỗi", "Nội dung", "Số dòng"], bold)
        issues = top_issues(snap, org, n=100) if snap.as_of else pl.DataFrame()
        for i, (code, n) in enumerate(issues.iter_rows() if issues.height else [], start=1):
            ws.write_row(i, 0, [i, code, label(code), n])
        ws.set_column(1, 1, 32)
        ws.set_column(2, 2, 60)
    finally:
        wb.close()
    return out_path


__all__ = ["ORG_NAMES", "export_report_xlsx"]
