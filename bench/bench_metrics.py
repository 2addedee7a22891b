"""Benchmark: đúng–đủ–sạch–sống metrics over N member rows (default 10M; target < 30 s).

    .venv/bin/python bench/bench_metrics.py [rows]

Prints seconds for `compute_all` (all tables: units, branches, issue counts) and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date

import numpy as np
import polars as pl

from ddss import issues as ic
from ddss.metrics import compute_all

CODES = [ic.NAME_CASE_FIXED, ic.CCCD_MISSING, ic.SEX_MISSING, ic.MATCH_NAME_DIFFERS, ic.BIRTH_DATE_YEAR_ONLY]


def synthetic_members(n: int, seed: int = 0) -> pl.DataFrame:
    """Vectorised fake members: 5 orgs, 34 provinces, ~3,300 communes, ~8 % duplicate rows."""
    rng = np.random.default_rng(seed)
    province = rng.integers(1, 35, n)
    commune = province * 100 + rng.integers(0, 98, n)
    status = rng.choice(
        ["valid", "missing", "repaired", "invalid", "legacy_cmnd"], n, p=[0.6, 0.2, 0.1, 0.05, 0.05]
    )
    match = rng.choice(["matched", "matched_fuzzy", "not_found", "mismatch", "deceased"], n,
                       p=[0.6, 0.1, 0.2, 0.08, 0.02])  # fmt: skip
    code_a, code_b = rng.integers(0, len(CODES) + 3, n), rng.integers(0, len(CODES) + 6, n)
    frame = pl.DataFrame({
        "org": pl.Series(rng.choice(["hoi-phu-nu", "doan-thanh-nien", "hoi-nong-dan", "hoi-cuu-chien-binh",
                                     "cong-doan"], n)).cast(pl.String),
        "member_id": rng.integers(0, int(n * 0.92), n),
        "province_code": province, "commune_code": commune,
        "full_name": "Nguyễn Văn An", "birth_date": date(1980, 1, 1), "birth_year": 1980,
        "sex": rng.choice(["M", "F"], n), "cccd": None, "cccd_status": status, "match_status": match,
        "branch": rng.integers(0, 12, n), "a": code_a, "b": code_b,
    })  # fmt: skip
    mapping = dict(enumerate(CODES))
    pick = lambda c: pl.col(c).replace_strict(mapping, default=None, return_dtype=pl.String)  # noqa: E731
    return frame.with_columns(
        pl.col("member_id").cast(pl.String),
        pl.col("member_id").cast(pl.String).alias("person_id"),
        pl.col("province_code").cast(pl.String).str.zfill(2),
        pl.col("commune_code").cast(pl.String).str.zfill(5),
        pl.format("Chi hội {}", "branch").alias("branch"),
        pl.concat_list(pick("a"), pick("b")).list.drop_nulls().alias("issues"),
    ).drop("a", "b")


def _cpu() -> float:
    """CPU seconds of this process: on a shared machine wall time also measures the neighbours."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(n: int) -> None:
    t0 = time.perf_counter()
    members = synthetic_members(n)
    t1, c1 = time.perf_counter(), _cpu()
    result = compute_all(members, as_of=date.today())
    t2, c2 = time.perf_counter(), _cpu()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={n:,} generate={t1 - t0:.1f}s compute_all={t2 - t1:.1f}s (cpu {c2 - c1:.1f}s) "
          f"metric_rows={result.metrics.height:,} branch_rows={result.branch.height:,} "
          f"issue_rows={result.issue_counts.height:,} peak_rss={peak_mb:,.0f}MB")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
