"""A tiny org with one item of every review kind (synthetic people, no real data)."""

from __future__ import annotations

import polars as pl

from ddss.reconcile.population import normalise_population

INJECTION = '=HYPERLINK("http://example.invalid","bấm")'

CITIZENS = pl.DataFrame(
    [
        ("001185000002", "Trần Thị Bình", "1985-03-04", "F", "79", "26734", "alive"),
        ("079085000005", "Hoàng Văn Em", "1985-09-10", "M", "79", "26734", "alive"),
        ("079190000006", "Võ Thị Giang", "1990-11-12", "F", "79", "26734", "alive"),
        ("079190000007", "Võ Thị Giang", "1990-11-12", "F", "79", "26737", "alive"),
    ],
    schema=["cccd", "full_name", "birth_date", "sex", "province_code", "commune_code", "status"],
    orient="row",
).with_columns(updated_at=pl.lit("2025-06-30"))


def population() -> pl.LazyFrame:
    return normalise_population(CITIZENS.lazy())


def members() -> pl.DataFrame:
    rows = [
        # row_id, full_name, birth_date, sex, cccd, cccd_status, commune
        ("m2", INJECTION, "1985-03-04", "M", "001185000002", "valid", "26734"),  # mismatch
        ("m5", "Hoàng Văn Em", "1985-09-10", "M", "079085000050", "valid", "26734"),  # repair
        ("m6", "Võ Thị Giang", "1990-11-12", "F", None, "missing", "26799"),  # two candidates
        ("d1", "Lý Thị Mai", "1975-04-05", "F", None, "missing", "26734"),  # duplicate pair
        ("d2", "Lý Thị Mai", "1975-04-05", "F", None, "missing", "26734"),
    ]
    frame = pl.DataFrame(
        rows,
        schema=["row_id", "full_name", "birth_date", "sex", "cccd", "cccd_status", "commune_code"],
        orient="row",
    )
    return frame.with_columns(
        pl.col("birth_date").str.to_date(),
        pl.col("birth_date").str.slice(0, 4).cast(pl.Int32).alias("birth_year"),
        org=pl.lit("hoi-phu-nu"),
        province_code=pl.lit("79"),
        source_file=pl.lit("hoi-phu-nu/tp-hcm/ds.xlsx"),
        source_sheet=pl.lit("Sheet1"),
        source_row=pl.int_range(6, 6 + len(rows)),
        phone=pl.lit("0912345678"),
        village=pl.lit("Ấp 3"),
    )


def duplicates_review() -> pl.DataFrame:
    return pl.DataFrame(
        {"row_id_l": ["d1"], "row_id_r": ["d2"], "match_probability": [0.9], "explanation": ["Họ tên: trùng"]}
    )


def rejected_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_file": ["hoi-phu-nu/tp-hcm/ds.xlsx"],
            "source_sheet": ["Sheet1"],
            "source_row": [30],
            "org": ["hoi-phu-nu"],
            "reason": ["row_no_name"],
            "raw": ["+84 | ? | -"],
        }
    )
