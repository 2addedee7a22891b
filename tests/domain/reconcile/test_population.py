"""Loading the population extract: canonical or Vietnamese headers, csv or parquet."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ddss import frames
from ddss.reconcile import load_population, population
from ddss.reconcile._names import with_name_keys
from ddss.reconcile.population import normalise_population
from ddss.text import ascii_fold_expr

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


def _messy_citizens() -> pl.DataFrame:
    """Repeated, spaced, null and malformed values of every column."""
    n = 60
    pick = lambda values: [values[i % len(values)] for i in range(n)]  # noqa: E731
    cccds = [f"0010850000{i:02d}" for i in range(n)]
    cccds[1:6] = [" 001085000001 ", "10850000002.0", "001-085.000 003", None, "abc"]
    return pl.DataFrame(
        {
            "cccd": cccds,
            "full_name": pick(
                ["Nguyễn  Văn An", "Nguye\u0300n Thi\u0323 Bình", " Lê Văn An ", None, "Nguyễn Văn An"]
            ),
            "birth_date": pick(["1985-01-02", "02/01/1985", "1985", None, " 1990-12-31 ", "31/02/1990", "x"]),
            "sex": pick(["Nam", "nữ", "F", None, "x", " M "]),
            "province_code": pick([" 01", "79", None]),
            "commune_code": pick(["00004 ", "26734", None]),
            "status": pick(["đã mất", None, "Còn sống", "alive", "?"]),
            "updated_at": pick(["2025-01-24 10:11:12.345678", "24/01/2025", "2025-01-24", None, "?"]),
        }
    )


def _per_row(frame: pl.DataFrame) -> pl.DataFrame:
    """The same rules applied to every row (the loader applies them once per distinct value)."""
    fold = lambda col, table: ascii_fold_expr(col).replace_strict(table, default=None, return_dtype=pl.String)  # noqa: E731
    name = pl.col("full_name").str.normalize("NFC").str.replace_all(r"\s+", " ").str.strip_chars()
    typed = frame.with_columns(
        population._cccd_expr(),
        *population._birth_exprs(),
        fold("sex", population._SEX_VALUES).cast(pl.Categorical).alias("sex"),
        fold("status", population._STATUS_VALUES).fill_null("alive").cast(pl.Categorical).alias("status"),
        name.alias("full_name"),
        pl.col("province_code").str.strip_chars().cast(pl.Categorical),
        pl.col("commune_code").str.strip_chars().cast(pl.Categorical),
        population._updated_expr(),
    ).filter(pl.col("cccd").is_not_null())
    return with_name_keys(typed)


def test_values_computed_once_per_distinct_value_equal_a_per_row_computation():
    frame = _messy_citizens()
    got = normalise_population(frame.lazy()).collect()
    assert frame.equals(_messy_citizens())  # the caller's frame is left as it was
    assert got.equals(_per_row(frame))
    assert got.height == frame.height - 2  # the null and the letters-only CCCD
    assert got["cccd"][:4].to_list() == ["001085000000", "001085000001", "010850000002", "001085000003"]


def test_typed_parquet_dates_give_what_their_text_gives(tmp_path):
    """A parquet's Date / Datetime columns are read as typed values (converted once per
    distinct value), with the result their text spelling gives in a csv."""
    stamps = [
        dt.datetime(2025, 1, 24, 10, 11, 12, 345678),
        None,
        dt.datetime(1969, 12, 31, 23, 59, 59, 500000),
    ]
    typed = (
        _messy_citizens()
        .head(3)
        .with_columns(
            pl.Series("birth_date", [dt.date(1985, 1, 2), None, dt.date(1900, 3, 1)]),
            pl.Series("updated_at", stamps),
        )
    )
    typed.write_parquet(tmp_path / "typed.parquet")
    as_text = typed.with_columns(
        pl.col("birth_date").dt.to_string("%Y-%m-%d"), pl.col("updated_at").cast(pl.String)
    )
    as_text.write_csv(tmp_path / "text.csv")
    got = load_population([tmp_path / "typed.parquet"]).collect()
    assert got.equals(load_population([tmp_path / "text.csv"]).collect())
    assert got["updated_at"].to_list()[0] == dt.datetime(2025, 1, 24, 10, 11, 12)  # seconds, as the text
    assert got["birth_year"].to_list() == [1985, None, 1900]


def test_a_shared_hash_falls_back_to_the_values(monkeypatch):
    values = pl.Series("v", ["b", None, "a", "b", "c", None])
    distinct = values.unique(maintain_order=True)
    assert frames.distinct_rows(values, distinct).to_list() == [0, 1, 2, 0, 3, 1]
    # as if "a" and "b" hashed alike: the hash join's answer is wrong, the check catches it
    wrong = pl.Series([0, 1, 0, 0, 3, 1], dtype=pl.get_index_type())
    monkeypatch.setattr(frames, "_hash_rows", lambda v, d: wrong)
    assert frames.distinct_rows(values, distinct).to_list() == [0, 1, 2, 0, 3, 1]
    # and a whole load where no hash can be trusted gives the same frame
    monkeypatch.setattr(frames, "_hash_rows", lambda v, d: pl.Series([0] * v.len(), dtype=wrong.dtype))
    frame = _messy_citizens()
    assert normalise_population(frame.lazy()).collect().equals(_per_row(frame))
