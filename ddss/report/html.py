"""`report.html`: one self-contained page (inline CSS + SVG, Vietnamese) for leaders.

No script and no network: it must open from a USB stick in a commune office.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import polars as pl

from ddss.issues import label
from ddss.metrics import ALL_ORGS
from ddss.report._data import TARGET_PCT, Snapshot, load_snapshot, org_name, top_issues, worst_units
from ddss.report._svg import _fmt, count_bars, grouped_bars, thousands, trend_lines

_CSS = """
body{font-family:"DejaVu Sans","Segoe UI",Arial,sans-serif;margin:24px 40px;color:#1d2733;background:#f5f7fa}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:10px 0 8px;border-bottom:2px solid #1f6fb2;padding-bottom:4px}
.sub{color:#5b6b7c;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 0;background:#fff;border-radius:8px;padding:10px 12px;min-width:90px;
box-shadow:0 1px 3px #0002}
.card .v{font-size:26px;font-weight:bold;color:#1f6fb2}
.card .v.low{color:#c0392b}
.card .k{font-size:13px;color:#5b6b7c}
section{background:#fff;border-radius:8px;padding:6px 16px 10px;margin-top:14px;box-shadow:0 1px 3px #0002}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #e3e8ee}
th{background:#eef3f8;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.low{color:#c0392b;font-weight:bold}
.note{font-size:12px;color:#5b6b7c}
svg text{font-family:inherit}
.lb{font-size:12px;fill:#1d2733}
.val{font-size:10px;fill:#3d4b59}
.ax{font-size:11px;fill:#5b6b7c}
.lg{font-size:12px;fill:#1d2733}
.tg{font-size:11px;fill:#c0392b;font-weight:bold}
.grid{stroke:#e3e8ee;stroke-width:1}
"""

_CARDS = (
    ("members", "Hội viên đã nhập", False),
    ("pct_entered", "Đủ: đã nhập so với chỉ tiêu", True),
    ("pct_with_cccd", "Có CCCD", True),
    ("pct_matched", "Đã đối soát khớp CSDL dân cư", True),
    ("pct_complete", "Đủ thông tin", True),
    ("pct_clean", "Sạch", True),
    ("pct_correct", "Đúng", True),
    ("pct_live", "Sống", True),
)
_TABLE_COLS = (
    ("members", "Hội viên"),
    ("pct_entered", "% nhập"),
    ("pct_with_cccd", "% có CCCD"),
    ("pct_matched", "% đối soát khớp"),
    ("pct_complete", "% đủ"),
    ("pct_clean", "% sạch"),
    ("pct_correct", "% đúng"),
    ("pct_live", "% sống"),
    ("duplicates", "Dòng trùng"),
    ("deceased", "Đã mất"),
)


def _cards(row: dict) -> str:
    cells = []
    for key, title, pct in _CARDS:
        v = row.get(key)
        if pct and v is None:
            continue  # e.g. no targets given: "đủ" coverage cannot be computed
        text = f"{_fmt(v)} %" if pct else thousands(v)
        low = pct and v is not None and v < TARGET_PCT
        cells.append(
            f'<div class="card"><div class="v{" low" if low else ""}">{text}</div>'
            f'<div class="k">{escape(title)}</div></div>'
        )
    return f'<div class="cards">{"".join(cells)}</div>'


def _table(frame: pl.DataFrame, first: str, first_col: str) -> str:
    cols = [(k, t) for k, t in _TABLE_COLS if k != "pct_entered" or frame[k].null_count() < frame.height]
    head = f"<tr><th>{escape(first)}</th>" + "".join(f"<th>{escape(t)}</th>" for _, t in cols) + "</tr>"
    body = []
    for row in frame.iter_rows(named=True):  # a few dozen summary rows, never member rows
        tds = []
        for key, _ in cols:
            v = row.get(key)
            if key.startswith("pct_"):
                cls = "n low" if v is not None and v < TARGET_PCT else "n"
                tds.append(f'<td class="{cls}">{_fmt(v)}</td>')
            else:
                tds.append(f'<td class="n">{thousands(v)}</td>')
        body.append(f"<tr><td>{escape(str(row[first_col]))}</td>{''.join(tds)}</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def _sections(snap: Snapshot) -> list[str]:
    latest = snap.latest
    star = latest.filter(pl.col("org") == ALL_ORGS)
    national = star.filter(pl.col("level") == "national")
    out = [_cards(national.row(0, named=True) if national.height else {})]

    provinces = star.filter(pl.col("level") == "province").sort(
        "pct_with_cccd", descending=True, nulls_last=True
    )
    bars = [(r["unit_name"], [r["pct_with_cccd"], r["pct_matched"]]) for r in provinces.iter_rows(named=True)]
    out.append(
        "<section><h2>Tỷ lệ có CCCD và đã đối soát theo tỉnh/thành</h2>"
        + grouped_bars(bars, ["% có CCCD", "% đã đối soát khớp"], target=TARGET_PCT)
        + f'<p class="note">Đường đứt đoạn: mốc {TARGET_PCT:g} %. Tỷ lệ tính trên số hội viên đã nhập '
        "(sau khi gộp dòng trùng).</p></section>"
    )

    hist = snap.history.filter(pl.col("org") == ALL_ORGS).sort("as_of")
    series = {
        "% có CCCD": "pct_with_cccd",
        "% đối soát khớp": "pct_matched",
        "% đủ thông tin": "pct_complete",
        "% sạch": "pct_clean",
        "% đã nhập": "pct_entered",
    }
    out.append(
        "<section><h2>Diễn biến qua các kỳ</h2>"
        + trend_lines(
            hist["as_of"].to_list(),
            {k: hist[c].to_list() for k, c in series.items() if hist[c].null_count() < hist.height},
            target=TARGET_PCT,
            height=240,
        )
        + "</section>"
    )

    orgs = latest.filter(pl.col("level") == "national").with_columns(
        pl.col("org").replace_strict({o: org_name(o) for o in latest["org"].unique()}).alias("org_name")
    )
    out.append(
        "<section><h2>Theo tổ chức</h2>" + _table(orgs.sort("org"), "Tổ chức", "org_name") + "</section>"
    )

    worst = worst_units(snap, "commune")
    worst_p = worst_units(snap, "province", n=5)
    out.append(
        "<section><h2>Các đơn vị cần chú ý (tỷ lệ đối soát khớp thấp nhất)</h2>"
        + _table(worst_p, "Tỉnh/thành", "unit_name")
        + "<br>"
        + _table(worst, "Xã/phường", "unit_name")
        + '<p class="note">Chỉ xét đơn vị có từ 5 hội viên trở lên.</p></section>'
    )

    issues = top_issues(snap)
    rows = [(label(code), n) for code, n in issues.iter_rows()]
    out.append(
        "<section><h2>Lỗi thường gặp nhất</h2>"
        + (count_bars(rows) if rows else "<p>Không có lỗi nào.</p>")
        + '<p class="note">Số dòng có lỗi, mọi tổ chức, mọi tỉnh/thành.</p></section>'
    )
    return out


def render_html_report(metrics_db: Path, out_path: Path) -> Path:
    """Write the newest snapshot of `metrics_db` as one HTML file; returns `out_path`."""
    snap = load_snapshot(metrics_db)
    when = snap.as_of.strftime("%d/%m/%Y") if snap.as_of else "–"
    body = _sections(snap) if snap.as_of else ["<p>Chưa có số liệu.</p>"]
    page = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        "<title>Báo cáo chất lượng dữ liệu hội viên</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>Báo cáo chất lượng dữ liệu hội viên: Đúng · Đủ · Sạch · Sống</h1>"
        f'<div class="sub">Số liệu đến ngày {when} · toàn quốc, mọi tổ chức</div>'
        + "".join(body)
        + "</body></html>"
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out_path)
    return out_path
