"""Loading the population extract: canonical or Vietnamese headers, csv or parquet."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ddss.reconcile import load_population

VI_CSV = (
    "Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Mã tỉnh,Mã xã,Trạng thái,Ngày cập nhật\n"
    "001085000001,Nguyễn  Văn An,02/01/1985,Nam,01,00004,còn sống,2025-06-30\n"
    "079185000004,Phạm Thị Dung,1985,Nữ,79,26734,đã mất,2025-06-30\n"
    "12345,Không Hợp Lệ,1990-01-01,Nữ,79,26734,còn sống,2025-06-30\n"
)


def test_vietnamese_headers_csv(tmp_path):
    path = tmp_path / "dan_cu.csv"
    path.write_text(VI_CSV, encoding="utf-8")
    lf = load_population([path])
    assert isinstance(lf, pl.LazyFrame)
    got = lf.collect().sort("cccd")
    # CONTRACT.md: cccd is 12-digit text; a row without one cannot anchor a match.
    assert got["cccd"].to_list() == ["001085000001", "079185000004"]
    assert got["birth_date"].to_list() == [dt.date(1985, 1, 2), None]
    assert got["birth_year"].to_list() == [1985, 1985]  # CONTRACT.md: year-only rows allowed
    assert got["sex"].to_list() == ["M", "F"]
    assert got["status"].to_list() == ["alive", "deceased"]
    assert got["full_name"].to_list()[0] == "Nguyễn Văn An"
    assert got["name_key"].to_list() == ["nguyen van an", "pham thi dung"]


def test_semicolon_csv_with_bom(tmp_path):
    """Excel in Vietnamese locale saves csv with `;` and a UTF-8 BOM."""
    path = tmp_path / "dan_cu.csv"
    path.write_text(
        "\ufeff" + VI_CSV.replace(",", ";").replace("Số định danh cá nhân", "Số CCCD"), encoding="utf-8"
    )
    got = load_population([path]).collect().sort("cccd")
    assert got.select("cccd", "sex").rows() == [("001085000001", "M"), ("079185000004", "F")]


def test_canonical_parquet_with_numeric_cccd(tmp_path):
    # DOMAIN.md: a CCCD stored as a number loses its leading zero.
    frame = pl.DataFrame(
        {
            "cccd": [1085000001],
            "full_name": ["Nguyễn Văn An"],
            "birth_date": [dt.date(1985, 1, 2)],
            "sex": ["M"],
            "province_code": ["01"],
            "commune_code": ["00004"],
            "status": ["alive"],
            "updated_at": ["2025-06-30"],
        }
    )
    frame.write_parquet(tmp_path / "pop.parquet")
    got = load_population([tmp_path / "pop.parquet"]).collect()
    assert got.select("cccd", "birth_date", "birth_year").row(0) == (
        "001085000001",
        dt.date(1985, 1, 2),
        1985,
    )


def test_files_are_concatenated_and_empty_list_is_empty(tmp_path):
    (tmp_path / "a.csv").write_text(VI_CSV, encoding="utf-8")
    (tmp_path / "b.csv").write_text(VI_CSV.replace("Số định danh cá nhân", "cccd"), encoding="utf-8")
    assert load_population([tmp_path / "a.csv", tmp_path / "b.csv"]).collect().height == 4
    assert load_population([]).collect().height == 0


def test_updated_at_is_a_timestamp_whatever_its_spelling(tmp_path):
    stamps = [
        "2025-01-24 00:00:00.000000",
        "2025-01-24 00:00:00",
        "2025-01-24",
        "24/01/2025",
        "2025-01-24T00:00:00",
        "?",
    ]
    rows = {
        "cccd": [f"00108500000{i}" for i in range(len(stamps))],
        "full_name": ["Nguyễn Văn An"] * len(stamps),
        "updated_at": stamps,
    }
    pl.DataFrame(rows).write_csv(tmp_path / "pop.csv")
    got = load_population([tmp_path / "pop.csv"]).collect().sort("cccd")["updated_at"]
    assert got.dtype == pl.Datetime("us")
    assert got.to_list() == [dt.datetime(2025, 1, 24)] * (len(stamps) - 1) + [None]
