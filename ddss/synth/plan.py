"""Which member row goes into which file and sheet, and each sheet's habits.

One file per (org, commune); one sheet per branch/village ("Chi hội Thôn Đông") or one sheet
for the whole commune with a branch column. A csv "file" can hold one sheet only, so a
csv-format file is split into one csv per sheet. The loops here run per file and per sheet.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import polars as pl

XLS_MAX_ROWS = 60_000  # .xls holds 65,536 rows per sheet
ODS_MAX_ROWS = 3_000
BIG_FILE_ROWS = 50_000  # odfpy builds a DOM in memory: keep .ods files small


@dataclass(frozen=True)
class SheetPlan:
    """Layout decisions for one sheet (or one csv file)."""

    sheet_id: int
    file_id: int
    rel_path: str  # relative to raw/, forward slashes
    sheet_name: str  # "" for csv
    fmt: str  # xlsx | xls | ods | csv
    encoding: str  # csv only: utf-8 | utf-8-sig | cp1258
    org: str
    place_mode: str  # columns | title | folder
    branch_label: str | None  # "Chi hội Thôn Đông" when the sheet is one branch
    commune_name: str
    province_name: str
    attrs: dict[str, object] = field(default_factory=dict)


def _choice(rng: np.random.Generator, options: dict[str, float]) -> str:
    keys = list(options)
    p = np.array(list(options.values()), dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _slug(text: str) -> str:
    # A folder/file name as an ASCII-only tool would write it ("Thanh Hóa" -> "thanh_hoa").
    nfd = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    folded = "".join(ch for ch in nfd if not unicodedata.combining(ch)).lower()
    return "".join(ch if ch.isalnum() else "_" for ch in folded).strip("_")


def plan_sheets(
    rng: np.random.Generator, rows: pl.DataFrame, *, formats: str, profile: str
) -> tuple[pl.DataFrame, list[SheetPlan]]:
    """Assign `sheet_id` to every row and draw each sheet's layout habits (`s_*` columns)."""
    hard = profile == "hard"
    files = (
        rows.select("org", "commune_code", "commune_name", "province_name", "short_name")
        .unique()
        .sort("org", "commune_code")
    )
    plans: list[SheetPlan] = []
    sheet_keys: list[tuple[str, str, int, int]] = []
    branch_sizes = rows.group_by("org", "commune_code", "branch_idx").agg(pl.len(), pl.first("branch"))
    by_file: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for o, c, b, n, name in branch_sizes.iter_rows():
        by_file.setdefault((o, c), []).append((b, n, name))
    cp1258_done = False
    folders: dict[tuple[str, str], str] = {}
    for file_id, (org, commune_code, commune_name, province_name, short_name) in enumerate(files.iter_rows()):
        branches = sorted(by_file[(org, commune_code)])
        total = sum(n for _, n, _ in branches)
        if formats == "csv":
            fmt = "csv"
        else:
            fmt = _choice(rng, {"xlsx": 0.62, "csv": 0.16, "xls": 0.11, "ods": 0.11})
            if (fmt == "ods" and total > ODS_MAX_ROWS) or (fmt == "xls" and total > XLS_MAX_ROWS):
                fmt = "xlsx"
        place_mode = _choice(rng, {"columns": 0.4, "title": 0.4, "folder": 0.2})
        per_branch = rng.random() < 0.7
        # One cadre per (org, province) names the folder, so the spelling is stable within it.
        if (org, short_name) not in folders:
            options = {province_name: 1, short_name: 1, _slug(short_name): 1, short_name.upper(): 0.3}
            folders[(org, short_name)] = _choice(rng, options)
        prov_folder = folders[(org, short_name)]
        folder = f"{org}/{prov_folder}"
        if place_mode == "folder":
            folder += "/" + _choice(rng, {commune_name: 1, _slug(commune_name): 1})
        base = _choice(
            rng, {"DS hoi vien": 1, "danh_sach": 1, "Danh sách hội viên": 1, "DSHV": 1, "bao_cao": 0.3}
        )
        base = f"{base} {file_id:04d}"
        groups = [[b] for b in branches] if per_branch else [branches]
        for group in groups:
            single = len(group) == 1 and per_branch
            label = group[0][2] if single else None
            encoding = "utf-8"
            if fmt == "csv":
                encoding = _choice(rng, {"utf-8": 0.7, "utf-8-sig": 0.3})
                if not cp1258_done:
                    encoding, cp1258_done = "cp1258", True
                name = f"{base} {_slug(label)}.csv" if label else f"{base}.csv"
                sheet_name = ""
            else:
                name = f"{base}.{fmt}"
                sheet_name = (label or f"Sheet{len(plans) % 3 + 1}")[:31]
            sheet_id = len(plans)
            plans.append(
                SheetPlan(
                    sheet_id, file_id, f"{folder}/{name}", sheet_name, fmt, encoding, org, place_mode, label,
                    commune_name, province_name, _sheet_attrs(rng, org, fmt, encoding, hard, total),
                )
            )  # fmt: skip
            sheet_keys += [(org, commune_code, b, sheet_id) for b, _, _ in group]
    keys = pl.DataFrame(sheet_keys, schema=["org", "commune_code", "branch_idx", "sheet_id"], orient="row")
    attrs = pl.DataFrame(
        [
            {"sheet_id": p.sheet_id, "s_format": p.fmt, **{f"s_{k}": v for k, v in p.attrs.items()}}
            for p in plans
        ]
    )
    rows = rows.join(keys, on=["org", "commune_code", "branch_idx"], how="left", maintain_order="left")
    rows = rows.join(attrs, on="sheet_id", how="left", maintain_order="left")
    return rows, plans


def _sheet_attrs(
    rng: np.random.Generator, org: str, fmt: str, encoding: str, hard: bool, file_rows: int
) -> dict[str, object]:
    """Per-sheet habits: header shape, date/sex/CCCD styles, name damage shared by the sheet."""
    spreadsheet = fmt != "csv"
    # Big workbooks are written in constant-memory mode, which cannot merge down: one header row.
    two_row = file_rows <= BIG_FILE_ROWS and rng.random() < (0.4 if fmt in ("xlsx", "xls") else 0.2)
    date_style = _choice(
        rng, {"dmy": 4, "dmy_short": 1, "iso": 1, "date_cell": 3, "serial": 1.2, "year_only": 1}
    )
    birth_split = two_row and rng.random() < 0.35
    sex_options = {"column": 5, "female_x": 1.5, "none": 3 if org == "hoi-phu-nu" else 0.5}
    if two_row:
        sex_options["x2"] = 1.5
    sex_style = "none" if birth_split else _choice(rng, sex_options)
    legacy = None
    if encoding != "cp1258" and rng.random() < (0.08 if hard else 0.04):
        legacy = _choice(rng, {"tcvn3": 3, "vni": 2, "viqr": 1})
    scale = 1.6 if hard else 1.0
    return {
        "two_row": two_row,
        "cccd_split": two_row and rng.random() < 0.4,
        "name_split": rng.random() < 0.15,
        "date_style": date_style,
        "birth_split": birth_split,
        "sex_style": sex_style,
        "numeric_cccd": spreadsheet and rng.random() < 0.06 * scale,
        "caps": rng.random() < 0.15 * scale,
        "nfd": legacy is None and encoding != "cp1258" and rng.random() < 0.06 * scale,
        "tone": rng.random() < 0.3,
        "legacy": legacy,
        "eth_ok": encoding != "cp1258",
        "blank_p": float(rng.choice([0.0, 0.0, 0.01, 0.03])),
        "total_row": rng.random() < 0.6,
        "signature": rng.random() < 0.7,
        "extra_title": int(rng.integers(0, 5)),
        "phone": rng.random() < 0.5,
        "ethnicity": rng.random() < 0.4,
        "religion": rng.random() < 0.25,
        "join": rng.random() < 0.3,
        "card": rng.random() < 0.15,
        "note": rng.random() < 0.2,
        "village_col": rng.random() < 0.5,
        "address_col": rng.random() < 0.3,
    }
