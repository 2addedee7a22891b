"""Benchmark `ddss.normalise_members` on synthetic member_rows (default 1,000,000 rows).

Raw values are sampled from pools of realistic messy cells (name spellings, date forms,
damaged CCCDs, phone forms, old and new place names), so the per-value work is realistic.
Usage: `.venv/bin/python bench/bench_normalise.py [ROWS]`; appends to bench/results_normalise.json.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from ddss.normalise import normalise_members
from ddss.units import communes, provinces

RESULTS = Path(__file__).with_name("results_normalise.json")
SEED = 20261125

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLES = ["Thị", "Văn", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Kim", "Thị Thu", ""]
GIVENS = ["Hòa", "Thúy", "Hùng", "Lan", "Mai", "Tuấn", "Dũng", "Hương", "Khỏe", "Quý", "Đào", "Nam", "Anh"]


def _name_pool(rng: np.random.Generator, size: int) -> list[str]:
    out = []
    for _ in range(size):
        name = " ".join(w for w in (rng.choice(SURNAMES), rng.choice(MIDDLES), rng.choice(GIVENS)) if w)
        style = rng.integers(0, 6)
        if style == 1:
            name = name.upper()
        elif style == 2:
            name = unicodedata.normalize("NFD", name)
        elif style == 3:
            name = name.replace("Hòa", "Hoà").replace("Thúy", "Thuý").replace(" ", "  ", 1)
        elif style == 4:
            name = name.lower()
        out.append(name)
    return out


def _date_pool(rng: np.random.Generator, size: int) -> list[str | None]:
    out: list[str | None] = []
    for _ in range(size):
        y, m, d = int(rng.integers(1940, 2008)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
        serial = (datetime(y, m, d) - datetime(1899, 12, 30)).days
        form = rng.integers(0, 10)
        out.append(
            [
                f"{y}-{m:02d}-{d:02d}",
                f"{d:02d}/{m:02d}/{y}",
                f"{d}/{m}/{y}",
                f"'{d:02d}/{m:02d}/{y}",
                f"{d}/{m}/{y % 100:02d}",
                str(serial),
                str(y),
                f"năm {y}",
                f"{m:02d}/{d + 12 if d <= 16 else d:02d}/{y}",
                None,
            ][form]
        )
    return out


def _cccd_pool(rng: np.random.Generator, size: int) -> list[str | None]:
    codes = ["001", "031", "038", "040", "079", "089", "096"]
    out: list[str | None] = []
    for _ in range(size):
        yy, serial = int(rng.integers(40, 99)) % 100, int(rng.integers(0, 10**6))
        number = f"{rng.choice(codes)}{rng.integers(0, 4)}{yy:02d}{serial:06d}"
        form = rng.integers(0, 10)
        out.append(
            [
                number,
                number,
                number,
                number.lstrip("0"),
                f"{int(number):.5E}",
                f"{number[:3]} {number[3:6]} {number[6:]}",
                f"'{number}",
                str(rng.integers(10**8, 10**9)),
                None,
                None,
            ][form]
        )
    return out


def _phone_pool(rng: np.random.Generator, size: int) -> list[str | None]:
    out: list[str | None] = []
    for _ in range(size):
        sub = f"{rng.integers(0, 10**7):07d}"
        form = rng.integers(0, 8)
        out.append(
            [
                f"091{sub}",
                f"91{sub}",
                f"+8491{sub}",
                f"0168{sub}",
                f"091 {sub[:3]} {sub[3:]}",
                "12345",
                None,
                None,
            ][form]
        )
    return out


def synthetic_member_rows(n: int) -> pl.DataFrame:
    """n member_rows built by sampling pools of raw values (vectorised gather, no row loop)."""
    rng = np.random.default_rng(SEED)
    commune_names = communes()["commune_name"].to_list()
    province_names = provinces()["province_name"].to_list()
    pools: dict[str, list] = {
        "full_name": _name_pool(rng, 20_000),
        "birth_date": _date_pool(rng, 20_000),
        "cccd": _cccd_pool(rng, 50_000),
        "phone": _phone_pool(rng, 20_000),
        "sex": ["Nam", "Nữ", "nữ", "NAM", "F", "M", None, None],
        "female_mark": ["x", None, None, None],
        "commune": [*commune_names[:500], *[None] * 100],
        "province": [*province_names, *[None] * 10],
    }
    data: dict[str, pl.Series] = {}
    for col, pool in pools.items():
        idx = rng.integers(0, len(pool), n)
        data[col] = pl.Series(col, pool, dtype=pl.String).gather(idx)
    frame = pl.DataFrame(data)
    return frame.with_columns(
        row_id=pl.int_range(pl.len()).cast(pl.String),
        source_file=pl.lit("hoi-phu-nu/tinh/xa.xlsx") + (pl.int_range(pl.len()) // 500).cast(pl.String),
        source_sheet=pl.lit("Sheet1"),
        source_row=(pl.int_range(pl.len()) % 500 + 8).cast(pl.Int64),
        org=pl.lit("hoi-phu-nu"),
        date_system=pl.lit("1900"),
        province_hint=pl.lit("Hà Nội"),
        issues=pl.lit([], pl.List(pl.String)),
        reject_reason=pl.lit(None, pl.String),
    )


def main(n: int = 1_000_000) -> None:
    rows = synthetic_member_rows(n)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = normalise_members(rows)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": n,
        "seconds": round(seconds, 2),
        "rows_per_second": round(n / seconds),
        # The machine is shared: CPU seconds and load show how much of the wall time was ours.
        "cpu_seconds": round(cpu_seconds, 2),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "peak_rss_mib": round(peak_mib),
        "issue_codes": len(result.issue_counts),
        "polars": pl.__version__,
        "python": platform.python_version(),
    }
    print(json.dumps(record))
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    history.append(record)
    RESULTS.write_text(json.dumps(history, indent=2) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
