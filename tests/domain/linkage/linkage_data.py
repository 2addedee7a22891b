"""Test data builders for linkage tests (imported by the test modules)."""

from __future__ import annotations

import polars as pl

from ddss.names import given_key_expr, name_key_expr, surname_key_expr


def with_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """The key columns the normalise stage adds (ddss.names), from `full_name`."""
    return frame.with_columns(
        name_key=name_key_expr("full_name"),
        given_key=given_key_expr("full_name"),
        surname_key=surname_key_expr("full_name"),
    )


COLUMNS = [
    "row_id",
    "org",
    "surname",
    "middle_name",
    "given_name",
    "birth_date",
    "sex",
    "cccd",
    "phone",
    "province_code",
    "commune_code",
]


def make_members(rows: list[tuple]) -> pl.DataFrame:
    """Rows as (row_id, org, surname, middle, given, 'YYYY-MM-DD'|None, sex, cccd, phone,
    province, commune); adds full_name, birth_year, cccd_status like the normalise stage."""
    frame = pl.DataFrame(rows, schema=COLUMNS, orient="row")
    frame = frame.with_columns(
        birth_date=pl.col("birth_date").str.to_date(strict=False),
        full_name=pl.concat_str(["surname", "middle_name", "given_name"], separator=" "),
    ).with_columns(
        birth_year=pl.col("birth_date").dt.year().cast(pl.Int32),
        cccd_status=pl.when(pl.col("cccd").is_null()).then(pl.lit("missing")).otherwise(pl.lit("valid")),
    )
    return with_keys(frame)


def synthetic(n_people: int = 800, seed: int = 3) -> pl.DataFrame:
    """People with exact, diacritic-free and year-only copies in the same or another org.

    Column `person` is the truth (drop it before linking).
    """
    import numpy as np

    from ddss.text import ascii_fold_expr

    rng = np.random.default_rng(seed)
    # DOMAIN.md "Names": Nguyễn 38 %, so surnames repeat heavily
    surnames = np.array(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"])
    surname_p = np.array([38.4, 12.1, 9.5, 7.0, 5.1, 4.5, 3.9, 2.1, 2.0, 1.4])
    given = np.array(
        [
            "Lan",
            "Hương",
            "Hùng",
            "Dũng",
            "Mai",
            "Linh",
            "Nam",
            "Hải",
            "Thảo",
            "Trang",
            "Tuấn",
            "Hoa",
            "Sơn",
            "Bình",
            "Yến",
        ]
    )
    people = pl.DataFrame(
        {
            "person": np.arange(n_people),
            "surname": rng.choice(surnames, n_people, p=surname_p / surname_p.sum()),
            "middle_name": rng.choice(np.array(["Văn", "Thị", "Minh", "Ngọc"]), n_people),
            "given_name": rng.choice(given, n_people),
            "birth_date": (
                np.datetime64("1960-01-01") + rng.integers(0, 40 * 365, n_people).astype("timedelta64[D]")
            ),
            "sex": rng.choice(np.array(["M", "F"]), n_people),
            "cccd": np.char.add("0011", np.char.zfill(rng.integers(0, 10**8, n_people).astype(str), 8)),
            "commune_code": np.char.zfill(rng.integers(0, 40, n_people).astype(str), 5),
            "org": rng.choice(np.array(["hoi-phu-nu", "hoi-nong-dan"]), n_people),
        }
    ).with_columns(
        pl.col("birth_date").cast(pl.Date), province_code=pl.lit("01"), phone=pl.lit(None, pl.String)
    )
    dups = people.filter(pl.Series(rng.random(n_people) < 0.25))
    folded = dups.with_columns(
        [ascii_fold_expr(c).str.to_titlecase().alias(c) for c in ("surname", "middle_name", "given_name")],
        cccd=pl.lit(None, pl.String),
    )
    other = people.filter(pl.Series(rng.random(n_people) < 0.2)).with_columns(
        org=pl.lit("cong-doan"), birth_date=pl.lit(None, pl.Date)
    )
    rows = pl.concat(
        [
            people.with_columns(copy=pl.lit(0)),
            folded.with_columns(copy=pl.lit(1)),
            other.with_columns(copy=pl.lit(2)),
        ],
        how="vertical_relaxed",
    )
    year = pl.col("birth_date").dt.year().cast(pl.Int32)
    rows = rows.with_columns(
        row_id=pl.format("f{}|s|{}", pl.col("copy"), pl.col("person")),
        full_name=pl.concat_str(["surname", "middle_name", "given_name"], separator=" "),
        birth_year=year.fill_null(year.max().over("person")),
        cccd_status=pl.when(pl.col("cccd").is_null()).then(pl.lit("missing")).otherwise(pl.lit("valid")),
    ).drop("copy")
    return with_keys(rows)
