"""Small member and citizen frames for đối soát tests (synthetic people, no real data)."""

from __future__ import annotations

import polars as pl

from ddss.reconcile.population import normalise_population

CITIZENS = [
    # cccd, full_name, birth_date, sex, province, commune, status
    ("001085000001", "Nguyễn Văn An", "1985-01-02", "M", "01", "00004", "alive"),
    ("001185000002", "Trần Thị Bình", "1985-03-04", "F", "01", "00004", "alive"),
    ("001090000003", "Lê Văn Cường", "1990-05-06", "M", "01", "00008", "deceased"),
    ("079185000004", "Phạm Thị Dung", "1985-07-08", "F", "79", "26734", "alive"),
    ("079085000005", "Hoàng Văn Em", "1985-09-10", "M", "79", "26734", "alive"),
    ("079190000006", "Võ Thị Giang", "1990-11-12", "F", "79", "26734", "alive"),
    ("079190000007", "Võ Thị Giang", "1990-11-12", "F", "79", "26737", "alive"),
    ("079170000008", "Đặng Thị Hạnh", "1970-02-03", "F", "79", "26734", "alive"),
]


def citizens_frame(rows: list[tuple] = CITIZENS) -> pl.DataFrame:
    cols = ["cccd", "full_name", "birth_date", "sex", "province_code", "commune_code", "status"]
    return pl.DataFrame(rows, schema=cols, orient="row").with_columns(updated_at=pl.lit("2025-06-30"))


def make_members(rows: list[dict]) -> pl.DataFrame:
    """Member rows with defaults; `birth_date` as ISO text or None."""
    base = {
        "org": "hoi-phu-nu",
        "full_name": None,
        "birth_date": None,
        "birth_year": None,
        "sex": None,
        "cccd": None,
        "cccd_status": "missing",
        "province_code": "79",
        "commune_code": "26734",
        "source_file": "hoi-phu-nu/79/ds.xlsx",
        "source_sheet": "Sheet1",
    }
    records = [base | {"source_row": i + 5} | r for i, r in enumerate(rows)]
    frame = pl.DataFrame(records, infer_schema_length=None, schema_overrides={"birth_date": pl.String})
    birth = pl.col("birth_date").str.to_date("%Y-%m-%d", strict=False)
    return frame.with_columns(
        birth.alias("birth_date"),
        pl.coalesce(pl.col("birth_year").cast(pl.Int32), birth.dt.year().cast(pl.Int32)).alias("birth_year"),
    )


def population_lf() -> pl.LazyFrame:
    return normalise_population(citizens_frame().lazy())


def members_frame() -> pl.DataFrame:
    """One member per match_status (see test_every_status)."""
    return make_members(
        [
            # matched: CCCD and all details agree
            {
                "row_id": "m1",
                "full_name": "Nguyễn Văn An",
                "birth_date": "1985-01-02",
                "sex": "M",
                "cccd": "001085000001",
                "cccd_status": "valid",
                "province_code": "01",
                "commune_code": "00004",
            },
            # mismatch: the CCCD's citizen is a different given name and sex
            {
                "row_id": "m2",
                "full_name": "Trần Văn Bảo",
                "birth_date": "1985-03-04",
                "sex": "M",
                "cccd": "001185000002",
                "cccd_status": "valid",
                "province_code": "01",
                "commune_code": "00004",
            },
            # deceased
            {
                "row_id": "m3",
                "full_name": "Lê Văn Cường",
                "birth_date": "1990-05-06",
                "sex": "M",
                "cccd": "001090000003",
                "cccd_status": "valid",
                "province_code": "01",
                "commune_code": "00008",
            },
            # matched_fuzzy: no CCCD, one clear citizen (name without diacritics)
            {"row_id": "m4", "full_name": "Pham Thi Dung", "birth_date": "1985-07-08", "sex": "F"},
            # typo in the CCCD (transposed last digits): found by search, repair suggested
            {
                "row_id": "m5",
                "full_name": "Hoàng Văn Em",
                "birth_date": "1985-09-10",
                "sex": "M",
                "cccd": "079085000050",
                "cccd_status": "valid",
            },
            # no_cccd with candidates: two equally good namesakes -> review, never a guess
            {
                "row_id": "m6",
                "full_name": "Võ Thị Giang",
                "birth_date": "1990-11-12",
                "sex": "F",
                "commune_code": "26799",
            },
            # not_found: a well-formed number nobody in the file has, and no namesake either
            {
                "row_id": "m8",
                "full_name": "Mai Thị Lan",
                "birth_year": 1962,
                "sex": "F",
                "cccd": "079162000999",
                "cccd_status": "valid",
            },
            # no_cccd without candidates: nobody like her in the file
            {
                "row_id": "m7",
                "full_name": "Mai Thị Lan",
                "birth_year": 1960,
                "sex": "F",
                "cccd_status": "invalid",
            },
        ]
    )
