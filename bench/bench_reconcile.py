"""Benchmark đối soát: N members against M citizens, synthetic (target: 1M vs 3M < 90 s).

    .venv/bin/python bench/bench_reconcile.py --members 100000 --citizens 300000

Citizens get Vietnamese-like names (surname frequencies from DOMAIN.md), members are drawn
from them with the damage seen in practice: a third without CCCD, typos in the CCCD, names
without diacritics, year-only birth dates, and some people absent from the file. Prints
seconds, peak RSS and precision/recall against the known truth (counts only).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import polars as pl

from ddss.reconcile import reconcile_members
from ddss.reconcile.population import normalise_population

SURNAMES = {
    "Nguyễn": 38.4, "Trần": 12.1, "Lê": 9.5, "Phạm": 7.0, "Hoàng": 3.0, "Huỳnh": 2.1,
    "Phan": 4.5, "Vũ": 2.0, "Võ": 1.9, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3,
    "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5, "Đinh": 0.8, "Trương": 0.7, "Mai": 0.5, "Cao": 0.4,
}  # fmt: skip
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Đình", "Xuân", "Ngọc"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Kim", "Thanh", "Minh", "Mỹ", "Hồng", "Phương", "Bích"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Huy",
    "Khang",
    "Khoa",
    "Long",
    "Minh",
    "Nam",
    "Phong",
    "Phúc",
    "Quang",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Toàn",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Bảo",
    "Duy",
    "Hiếu",
    "Hoàng",
    "Kiên",
    "Lâm",
    "Lộc",
    "Nghĩa",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Thơ",
    "Thủy",
    "Trang",
    "Trinh",
    "Tuyết",
    "Uyên",
    "Vân",
    "Xuân",
    "Yến",
    "Hằng",
    "Hiền",
    "Huyền",
    "Liên",
    "Ly",
]
PROVINCES = ["01", "31", "38", "40", "46", "48", "79", "92", "96", "89"]


def _pick(rng: np.random.Generator, values: list[str], n: int, p: np.ndarray | None = None) -> pl.Series:
    return pl.Series(values).gather(rng.choice(len(values), size=n, p=p))


def make_citizens(n: int, rng: np.random.Generator) -> pl.DataFrame:
    female = rng.random(n) < 0.5
    weights = np.array(list(SURNAMES.values()))
    surname = _pick(rng, list(SURNAMES), n, weights / weights.sum())
    middle = pl.Series(np.where(female, _pick(rng, MIDDLE_F, n), _pick(rng, MIDDLE_M, n)))
    given = pl.Series(np.where(female, _pick(rng, GIVEN_F, n), _pick(rng, GIVEN_M, n)))
    birth = pl.Series(rng.integers(-18000, 12000, n)).cast(pl.Date)
    province = _pick(rng, PROVINCES, n)
    frame = pl.DataFrame(
        {"surname": surname, "middle": middle, "given": given, "birth_date": birth, "female": female}
    ).with_columns(province_code=province)
    century = (frame["birth_date"].dt.year() >= 2000).cast(pl.Int32) * 2 + frame["female"].cast(pl.Int32)
    return frame.select(
        pl.concat_str(
            pl.lit("0"),
            pl.col("province_code").str.zfill(2),
            century.cast(pl.String),
            (pl.col("birth_date").dt.year() % 100).cast(pl.String).str.zfill(2),
            pl.Series(rng.permutation(n) % 1_000_000).cast(pl.String).str.zfill(6),
        ).alias("cccd"),
        pl.concat_str("surname", "middle", "given", separator=" ").alias("full_name"),
        pl.col("birth_date").dt.to_string("%Y-%m-%d"),
        pl.when("female").then(pl.lit("F")).otherwise(pl.lit("M")).alias("sex"),
        "province_code",
        (pl.col("province_code") + pl.Series(rng.integers(100, 130, n)).cast(pl.String)).alias(
            "commune_code"
        ),
        pl.when(pl.Series(rng.random(n) < 0.01))
        .then(pl.lit("deceased"))
        .otherwise(pl.lit("alive"))
        .alias("status"),
        pl.lit("2025-06-30").alias("updated_at"),
    ).unique("cccd", keep="first")


def make_members(citizens: pl.DataFrame, n: int, rng: np.random.Generator) -> pl.DataFrame:
    """Members drawn from citizens (90 %) plus outsiders; damage as described above."""
    n_in = int(n * 0.9)
    inside = citizens.sample(n_in, seed=1).with_columns(true_cccd=pl.col("cccd"))
    outsiders = make_citizens(n - n_in, np.random.default_rng(99)).with_columns(
        true_cccd=pl.lit(None, dtype=pl.String)
    )
    frame = pl.concat([inside, outsiders]).sample(fraction=1.0, shuffle=True, seed=2)
    u = pl.Series(rng.random(frame.height))
    v = pl.Series(rng.random(frame.height))
    pos = pl.Series(rng.integers(5, 11, frame.height))
    cccd = pl.col("cccd")
    typo = pl.concat_str(
        cccd.str.slice(0, pos), cccd.str.slice(pos + 1, 1), cccd.str.slice(pos, 1), cccd.str.slice(pos + 2)
    )
    birth = pl.col("birth_date").str.to_date()
    return frame.with_row_index("i").select(
        pl.format("bench|{}", pl.col("i")).alias("row_id"),
        pl.lit("hoi-phu-nu").alias("org"),
        pl.when(v < 0.2)
        .then(pl.col("full_name").str.normalize("NFD").str.replace_all(r"\p{M}", ""))
        .otherwise(pl.col("full_name"))
        .alias("full_name"),
        pl.when(v > 0.9).then(None).otherwise(birth).alias("birth_date"),
        birth.dt.year().cast(pl.Int32).alias("birth_year"),
        "sex",
        pl.when(u < 0.33).then(None).when(u < 0.36).then(typo).otherwise(cccd).alias("cccd"),
        pl.when(u < 0.33).then(pl.lit("missing")).otherwise(pl.lit("valid")).alias("cccd_status"),
        "province_code",
        "commune_code",
        "true_cccd",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--citizens", type=int, default=3_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    citizens = make_citizens(args.citizens, rng)
    members = make_members(citizens, args.members, rng)
    population = normalise_population(citizens.lazy()).collect()
    print(f"data ready: {members.height:,} members, {population.height:,} citizens")
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu = time.perf_counter(), time.process_time()
    result = reconcile_members(members.drop("true_cccd"), population.lazy())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    truth = result.matches.join(members.select("row_id", "true_cccd"), on="row_id")
    linked = truth.filter(pl.col("matched_cccd").is_not_null())
    correct = linked.filter(pl.col("matched_cccd") == pl.col("true_cccd")).height
    present = truth.filter(pl.col("true_cccd").is_not_null())
    absent = truth.filter(pl.col("true_cccd").is_null())
    no_cccd = members.filter(pl.col("cccd").is_null() & pl.col("true_cccd").is_not_null()).height
    without = members.filter(pl.col("cccd").is_null()).select("row_id")
    fuzzy_found = (
        truth.join(without, on="row_id", how="semi")
        .filter((pl.col("match_status") == "matched_fuzzy") & (pl.col("matched_cccd") == pl.col("true_cccd")))
        .height
    )
    print(
        f"reconcile: {seconds:.1f} s wall, {cpu:.1f} CPU-s, "
        f"peak RSS {peak_mb:,.0f} MB (inputs {before_mb:,.0f} MB)"
    )
    print(f"summary: {result.summary}")
    print(f"precision {correct / max(linked.height, 1):.4f}  recall {correct / max(present.height, 1):.4f}")
    false_links = absent.filter(pl.col("matched_cccd").is_not_null()).height
    print(f"false links among absent: {false_links / max(absent.height, 1):.4%}")
    print(f"no-CCCD members found by search: {fuzzy_found / max(no_cccd, 1):.2%}")
    truth_ids = members.select("row_id", "true_cccd")
    right = result.corrections.join(truth_ids, on="row_id").filter(
        pl.col("suggested_cccd") == pl.col("true_cccd")
    )
    print(f"correction suggestions right: {right.height:,} of {result.corrections.height:,}")


if __name__ == "__main__":
    main()
