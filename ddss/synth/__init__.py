"""Seeded, deterministic demo data: messy member spreadsheets, a population file, and the truth.

`generate(out_dir, members=..., seed=...)` writes `raw/` (what organisations send, CONTRACT.md
"Inputs") and `truth/` (what each written row really says) so tests can score every stage.
Same seed, same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from ddss.synth import damage, layouts, people, plan, population, truth, writers

__all__ = ["SynthSummary", "generate"]

_CONG_DOAN_UNITS = (
    "CĐ Trường Mầm non", "CĐ Trường Tiểu học", "CĐ Trường THCS", "CĐ UBND xã", "CĐ Trạm Y tế",
    "CĐ Công ty May", "CĐ Hợp tác xã", "CĐ Công an xã",
)  # fmt: skip
_NOTES = ("Chuyển đến", "Mới kết nạp", "Đi làm xa", "Chuyển sinh hoạt")


@dataclass(frozen=True)
class SynthSummary:
    """Counts of what was written (no personal data)."""

    member_rows: int
    distinct_members: int
    member_persons: int
    population_rows: int
    files: int
    sheets: int
    rejected_files: int
    seed: int
    profile: str


def _branches(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Branch of each row: the member's village (a duplicate copy sits in another branch)."""
    shift = pl.when(pl.col("copy_no") > 0).then(1 + pl.Series(rng.integers(0, 5, len(rows)))).otherwise(0)
    rows = rows.with_columns(
        branch_idx=((pl.col("village_idx") + shift) % pl.col("n_villages")).cast(pl.Int64)
    )
    rows = rows.join(
        rows.select("commune_code", branch_idx="village_idx", branch_village="village").unique(
            ["commune_code", "branch_idx"]
        ),
        on=["commune_code", "branch_idx"],
        how="left",
        maintain_order="left",
    ).with_columns(pl.col("branch_village").fill_null(pl.col("village")))
    unit = pl.lit(pl.Series(_CONG_DOAN_UNITS)).gather(pl.col("branch_idx") % len(_CONG_DOAN_UNITS))
    label = (
        pl.when(pl.col("org") == "cong-doan").then(unit)
        .when(pl.col("org") == "doan-thanh-nien").then(pl.format("Chi đoàn {}", pl.col("branch_village")))
        .when(pl.col("commune_type") == "phường").then(pl.col("branch_village"))
        .otherwise(pl.format("Chi hội {}", pl.col("branch_village")))
    )  # fmt: skip
    return rows.with_columns(branch=label)


def _derived(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Cells that follow from the damaged values: split names, Nam/Nữ date columns, place text."""
    n = len(rows)
    u = rng.random((5, n))
    split = pl.col("w_name").str.strip_chars().str.extract_groups(r"^(.*\S)\s+(\S+)$")
    card = pl.format("HV{}", pl.Series(rng.integers(0, 999_999, n)).cast(pl.String).str.zfill(6))
    issue_days = pl.Series(rng.integers(0, 4 * 365, n))
    return rows.with_columns(
        stt=pl.int_range(1, pl.len() + 1).over("sheet_id"),
        w_surname_part=split.struct.field("1"),
        w_given_part=split.struct.field("2"),
        w_birth_male=pl.when(pl.col("sex") == "M").then(pl.col("w_birth")),
        w_birth_female=pl.when(pl.col("sex") == "F").then(pl.col("w_birth")),
        w_cccd_kind=pl.when(pl.col("w_cccd_num")).then(pl.lit("n")),
        w_phone_kind=pl.when(pl.col("w_phone_num")).then(pl.lit("n")),
        w_cccd_date=pl.when(pl.col("cccd_kind").is_in(["missing", "cmnd9", "cmnd12"]).not_())
        .then((pl.date(2021, 1, 1) + pl.duration(days=issue_days)).dt.strftime("%d/%m/%Y")),
        # DOMAIN.md "Administrative units": old addresses still name abolished districts.
        old_address_used=pl.Series(u[4] < 0.4) & pl.col("old_address").is_not_null(),
        w_address=pl.when(pl.Series(u[4] < 0.4) & pl.col("old_address").is_not_null())
        .then(pl.format("{}, {}", pl.col("village"), pl.col("old_address")))
        .otherwise(pl.format("{}, {}, {}", pl.col("village"), pl.col("commune_name"), pl.col("short_name"))),
        w_commune=pl.when(pl.Series(u[0] < 0.5)).then(pl.col("commune_name")).otherwise(
            pl.col("commune_name").str.replace(r"^(Xã|Phường|Đặc khu) ", "")
        ),
        w_province=pl.when(pl.Series(u[1] < 0.5))
        .then(pl.col("short_name"))
        .otherwise(pl.col("province_name")),
        w_join=(pl.col("birth_year") + 16 + (pl.Series(u[2]) * (2026 - 16 - pl.col("birth_year")).clip(0)))
        .clip(upper_bound=2026)
        .cast(pl.Int32),
        w_card=pl.when(pl.Series(u[3] < 0.7)).then(card),
        w_note=pl.when(pl.Series(u[3] > 0.95)).then(
            pl.lit(pl.Series(_NOTES)).gather(pl.Series(rng.integers(0, len(_NOTES), n)))
        ),
    )  # fmt: skip


def generate(
    out_dir: Path,
    *,
    members: int,
    seed: int,
    profile: Literal["standard", "hard"] = "standard",
    population_factor: float = 2.5,
    formats: Literal["mixed", "csv"] = "mixed",
) -> SynthSummary:
    """Write `out_dir/raw/` (member files, population, targets) and `out_dir/truth/`."""
    if profile not in population.RATES or formats not in ("mixed", "csv") or members < 1:
        raise ValueError("generate: bad profile, formats or members")
    out_dir = Path(out_dir)
    raw, truth_dir = out_dir / "raw", out_dir / "truth"
    rng = np.random.default_rng(seed)
    rates, dmg = population.RATES[profile], damage.DAMAGE[profile]

    area = people.choose_area(rng, int(np.clip(round(members / 800), 4, 600)))
    villages = people.village_names(area, rng)
    old_addresses = people.old_addresses(area, rng)
    persons, ms = population.build_people(rng, members, area, rates, population_factor)
    rows = (
        ms.join(persons, on="idx", how="left", maintain_order="left")
        .join(
            area.drop("commune_type"), on=["commune_code", "province_code"], how="left", maintain_order="left"
        )
        .join(villages, on=["commune_code", "village_idx"], how="left", maintain_order="left")
        .join(old_addresses, on="commune_code", how="left", maintain_order="left")
    )
    rows = _branches(rows, rng)
    rows, plans = plan.plan_sheets(rng, rows, formats=formats, profile=profile)
    rows = (
        rows.with_columns(_order=pl.Series(rng.random(len(rows)))).sort("sheet_id", "_order").drop("_order")
    )
    rows = pl.concat(
        [
            rows,
            damage.cccd_columns(rng, rows, dmg),
            damage.name_columns(rng, rows, dmg),
            damage.field_columns(rng, rows, dmg),
        ],
        how="horizontal",
    )
    rows = layouts.cell_frame(_derived(rows, rng))

    source_rows: list[pl.Series] = []
    by_file: dict[tuple[str, int], list[tuple[plan.SheetPlan, layouts.Grid]]] = {}
    for sheet_plan, sheet_rows in zip(plans, rows.partition_by("sheet_id", maintain_order=True), strict=True):
        grid, src = layouts.build_grid(rng, sheet_plan, sheet_rows)
        source_rows.append(src)
        key = ("csv", sheet_plan.sheet_id) if sheet_plan.fmt == "csv" else ("book", sheet_plan.file_id)
        by_file.setdefault(key, []).append((sheet_plan, grid))
    for group in by_file.values():
        first = group[0][0]
        named = _unique_sheet_names([(p.sheet_name, g) for p, g in group])
        writers.write_file(raw / first.rel_path, first.fmt, named, first.encoding)
    file_of = {p.sheet_id: p for p in plans}
    sheet_id = pl.col("sheet_id")
    rows = rows.with_columns(
        source_row=pl.concat(source_rows),
        source_file=sheet_id.replace_strict(
            {k: p.rel_path for k, p in file_of.items()}, return_dtype=pl.String
        ),
        source_sheet=sheet_id.replace_strict(_sheet_names(plans, by_file), return_dtype=pl.String),
        place_mode=sheet_id.replace_strict(
            {k: p.place_mode for k, p in file_of.items()}, return_dtype=pl.String
        ),
    )

    truth_dir.mkdir(parents=True, exist_ok=True)
    member_truth = truth.member_rows(rows)
    member_truth.write_parquet(truth_dir / "member_rows.parquet")
    truth.persons_truth(persons).write_parquet(truth_dir / "population.parquet")
    first = plans[0]
    rejected = truth.write_rejected_files(raw, first.org, first.rel_path.split("/")[1])
    rejected.write_parquet(truth_dir / "rejected_files.parquet")

    pop = population.population_frame(persons)
    (raw / "population").mkdir(parents=True, exist_ok=True)
    in_csv = pl.Series(np.random.default_rng(seed + 1).random(len(pop)) < 0.05)
    pop.filter(~in_csv).write_parquet(raw / "population" / "population.parquet")
    pop.filter(in_csv).with_columns(pl.col("updated_at").dt.strftime("%Y-%m-%d %H:%M:%S")).rename(
        {
            "cccd": "Số định danh", "full_name": "Họ và tên", "birth_date": "Ngày sinh", "sex": "Giới tính",
            "province_code": "Mã tỉnh", "commune_code": "Mã xã", "status": "Trạng thái",
            "updated_at": "Ngày cập nhật",
        }
    ).write_csv(raw / "population" / "population_bo_sung.csv")  # fmt: skip
    (raw / "targets").mkdir(parents=True, exist_ok=True)
    population.targets_frame(member_truth, rng).write_csv(raw / "targets" / "targets.csv")

    return SynthSummary(
        member_rows=len(member_truth),
        distinct_members=member_truth["true_member_key"].n_unique(),
        member_persons=member_truth["person_id"].n_unique(),
        population_rows=len(pop),
        files=len(by_file) + len(rejected),
        sheets=len(plans),
        rejected_files=len(rejected),
        seed=seed,
        profile=profile,
    )


def _unique_sheet_names(sheets: list[tuple[str, layouts.Grid]]) -> list[tuple[str, layouts.Grid]]:
    """Sheet names must be unique in a workbook (and at most 31 characters)."""
    seen: dict[str, int] = {}
    out = []
    for name, grid in sheets:
        base = name or "Sheet"
        k = seen.get(base, 0)
        seen[base] = k + 1
        out.append((base if k == 0 else f"{base[:27]} ({k + 1})", grid))
    return out


def _sheet_names(plans: list[plan.SheetPlan], by_file: dict[int, list]) -> dict[int, str]:  # type: ignore[type-arg]
    names: dict[int, str] = {}
    for group in by_file.values():
        renamed = _unique_sheet_names([(p.sheet_name, g) for p, g in group])
        for (p, _), (name, _) in zip(group, renamed, strict=True):
            names[p.sheet_id] = "" if p.fmt == "csv" else name
    return names
