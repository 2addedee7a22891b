"""Reports: HTML (rendered in headless Chromium), xlsx upward-report layout, terminal table."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl
import pytest
from rich.console import Console

from ddss import issues as ic
from ddss.metrics import compute_all
from ddss.report import export_report_xlsx, metrics_table, render_html_report
from ddss.store import publish_metrics

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PROVINCES = ["01", "31", "38", "40", "79", "75", "91", "66", "42", "11"]
ORGS = ["hoi-phu-nu", "doan-thanh-nien", "hoi-nong-dan", "hoi-cuu-chien-binh", "cong-doan"]
CODES = [
    ic.CCCD_MISSING,
    ic.CCCD_LOST_LEADING_ZERO,
    ic.NAME_CASE_FIXED,
    ic.BIRTH_DATE_YEAR_ONLY,
    ic.MATCH_NAME_DIFFERS,
    ic.SEX_MISSING,
    ic.COMMUNE_AMBIGUOUS,
    ic.CCCD_SCIENTIFIC_NOTATION,
]


def demo_members(n: int, seed: int, progress: float = 0.0) -> pl.DataFrame:
    """A synthetic members frame: provinces differ in quality; `progress` lifts every rate."""
    rng = np.random.default_rng(seed)
    prov = rng.choice(PROVINCES, n)
    quality = np.array([PROVINCES.index(p) for p in prov]) / len(PROVINCES)  # later codes worse
    has_cccd = rng.random(n) < (0.97 - 0.35 * quality + progress)
    matched = has_cccd & (rng.random(n) < 0.93 - 0.1 * quality + progress)
    member = rng.integers(0, int(n * 0.95), n)
    codes = rng.choice(len(CODES), n)
    return pl.DataFrame(
        {
            "org": rng.choice(ORGS, n),
            "member_id": member.astype(str),
            "person_id": (member // 2).astype(str),
            "province_code": prov,
            "commune_code": np.char.add(prov, rng.choice(["001", "002", "003"], n)),
            "full_name": "Nguyễn Văn A",
            "birth_date": date(1980, 5, 17),
            "birth_year": 1980,
            "sex": rng.choice(["M", "F"], n),
            "cccd": "001080012345",
            "cccd_status": np.where(has_cccd, "valid", "missing"),
            "match_status": np.where(matched, "matched", np.where(has_cccd, "not_found", "no_cccd")),
            "issues": [[CODES[c]] if c < 6 else [] for c in codes],
        }
    ).with_columns(
        # the same member_id in another org is another member: make ids org-scoped
        pl.concat_str("org", pl.lit(":"), "member_id").alias("member_id")
    )


def build_demo_db(tmp: Path) -> Path:
    db = tmp / "metrics.duckdb"
    for i, day in enumerate([date(2026, 8, 25), date(2026, 9, 25), date(2026, 10, 25), date(2026, 11, 25)]):
        targets = pl.DataFrame({
            "org": [o for o in ORGS for _ in PROVINCES], "province_code": PROVINCES * len(ORGS),
            "commune_code": None, "expected_members": 130,
        })  # fmt: skip
        result = compute_all(demo_members(6000, seed=i, progress=0.03 * i), targets)
        publish_metrics(db, result.metrics, day, branch=result.branch, issue_counts=result.issue_counts)
    return db


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_db(tmp_path_factory.mktemp("report"))


def test_html_is_self_contained_and_vietnamese(demo_db: Path, tmp_path: Path) -> None:
    out = render_html_report(demo_db, tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "mốc 90 %" in page and "Hà Nội" in page and "đã nhập so với chỉ tiêu" in page
    assert ic.label(ic.CCCD_MISSING) in page  # most common issue codes shown by label
    for forbidden in ("<script", "http://", "https://cdn", "<link"):
        assert forbidden not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.browser
def test_html_renders_in_headless_chromium(demo_db: Path) -> None:
    """The page opens offline in a real browser; the screenshot is kept under tests/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    html = render_html_report(demo_db, ARTIFACTS / "report.html")
    png = ARTIFACTS / "report.png"
    png.unlink(missing_ok=True)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian chromium is required (apt-get install -y chromium)"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                "--window-size=1280,2000",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    assert png.exists() and png.stat().st_size > 50_000  # a blank page is a few kB


def test_xlsx_has_upward_report_layout(demo_db: Path, tmp_path: Path) -> None:
    out = export_report_xlsx(demo_db, tmp_path / "report.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Theo đơn vị", "Theo tổ chức", "Lỗi thường gặp"]
    ws = wb["Theo đơn vị"]
    assert ws["A1"].value == "ỦY BAN MTTQ VIỆT NAM"
    assert "LÀM SẠCH DỮ LIỆU HỘI VIÊN" in ws["A4"].value
    assert "25/11/2026" in ws["A5"].value
    assert [ws.cell(7, c).value for c in (1, 2, 3)] == ["STT", "Tỉnh/thành phố", "Số hội viên đã nhập"]
    body = [ws.cell(r, 3).value for r in range(8, 8 + len(PROVINCES))]
    total_row = 8 + len(PROVINCES)
    assert ws.cell(total_row, 2).value == "Tổng cộng" and ws.cell(total_row, 3).value == sum(body)


def test_xlsx_for_one_province_lists_its_communes(demo_db: Path, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(export_report_xlsx(demo_db, tmp_path / "p.xlsx", province_code="79"))[
        "Theo đơn vị"
    ]
    assert ws.cell(7, 2).value == "Xã/phường/đặc khu"
    assert ws.cell(11, 2).value == "Tổng cộng"  # three communes in the demo province


def test_terminal_table(demo_db: Path) -> None:
    console = Console(record=True, width=200)
    console.print(metrics_table(demo_db))
    text = console.export_text()
    assert "Tất cả tổ chức" in text and "Hội LHPN" in text and "25/11/2026" in text
    assert metrics_table(demo_db, org="*", level="province").row_count == len(PROVINCES)
