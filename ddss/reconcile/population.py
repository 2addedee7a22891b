"""Load the population reference (CSDL dân cư extract) lazily, whatever its header language.

The extract can hold tens of millions of citizens, so every file is scanned (never read
eagerly), renamed to the canonical columns of CONTRACT.md and concatenated as one LazyFrame;
the caller decides when to collect or stream it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from ddss.reconcile._names import with_name_keys
from ddss.text import ascii_fold_expr

log = logging.getLogger(__name__)

POPULATION_COLUMNS = (
    "cccd",
    "full_name",
    "birth_date",
    "sex",
    "province_code",
    "commune_code",
    "status",
    "updated_at",
)

# Header synonyms, compared after folding (lower case, no diacritics, single spaces).
# CONTRACT.md: canonical names, plus Vietnamese headers such as "Số định danh", "Họ và tên".
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "cccd": (
        "cccd",
        "so dinh danh",
        "so dinh danh ca nhan",
        "ma dinh danh",
        "so cccd",
        "so can cuoc",
        "so can cuoc cong dan",
        "can cuoc cong dan",
        "so cccd/cmnd",
        "cccd/cmnd",
    ),
    "full_name": ("full_name", "ho va ten", "ho ten", "ho ten day du", "ho va ten khai sinh"),
    "birth_date": ("birth_date", "ngay sinh", "ngay thang nam sinh", "nam sinh", "ngay/thang/nam sinh"),
    "sex": ("sex", "gioi tinh", "gioi"),
    "province_code": ("province_code", "ma tinh", "ma tinh/thanh pho", "ma tinh thanh", "ma tinh/tp"),
    "commune_code": ("commune_code", "ma xa", "ma xa/phuong", "ma phuong/xa", "ma xa phuong"),
    "status": ("status", "trang thai", "tinh trang", "trang thai song"),
    "updated_at": ("updated_at", "ngay cap nhat", "cap nhat", "thoi diem cap nhat"),
}
_HEADER_TO_CANONICAL = {syn: canon for canon, syns in _SYNONYMS.items() for syn in syns}

# Folded value vocabularies ("Nữ" -> "nu", "đã mất" -> "da mat").
_SEX_VALUES = {"m": "M", "nam": "M", "male": "M", "f": "F", "nu": "F", "female": "F"}
_STATUS_VALUES = {
    "alive": "alive",
    "con song": "alive",
    "song": "alive",
    "deceased": "deceased",
    "da mat": "deceased",
    "da chet": "deceased",
    "chet": "deceased",
    "mat": "deceased",
    "da tu tran": "deceased",
}


def _fold_header(name: str) -> str:
    """Fold one header (Python per column name, not per row)."""
    return pl.select(ascii_fold_expr(pl.lit(name.lstrip("\ufeff")))).item() or ""


def _rename_map(columns: list[str]) -> dict[str, str]:
    """Map the file's headers to canonical names; the first synonym found wins."""
    mapping: dict[str, str] = {}
    for col in columns:
        canon = _HEADER_TO_CANONICAL.get(_fold_header(col).strip(" :*"))
        if canon and canon not in mapping.values():
            mapping[col] = canon
    return mapping


def _separator(path: Path) -> str:
    """The csv delimiter, guessed from the header line (Excel in vi-VN often writes `;`)."""
    with path.open("rb") as fh:
        head = fh.readline().decode("utf-8", errors="replace")
    return max((",", ";", "\t", "|"), key=head.count)


def _scan(path: Path) -> pl.LazyFrame:
    # csv: every column as text so a CCCD keeps its leading zero (DOMAIN.md, Excel damage).
    if path.suffix.lower() == ".parquet":
        return pl.scan_parquet(path)
    return pl.scan_csv(path, separator=_separator(path), infer_schema=False, encoding="utf8-lossy")


def _canonical(lf: pl.LazyFrame) -> pl.LazyFrame:
    schema = lf.collect_schema()
    mapping = _rename_map(schema.names())
    lf = lf.select([pl.col(src).alias(dst) for src, dst in mapping.items()])
    missing = [c for c in POPULATION_COLUMNS if c not in mapping.values()]
    if missing:
        log.warning("population file lacks columns: %s", ",".join(missing))
    cols = []
    for c in POPULATION_COLUMNS:
        if c not in mapping.values():
            cols.append(pl.lit(None, dtype=pl.String).alias(c))
        elif c == "cccd" and schema[_src(mapping, c)].is_numeric():
            # Stored as a number: every leading zero is gone (DOMAIN.md, Excel damage).
            cols.append(pl.col(c).cast(pl.Int64, strict=False).cast(pl.String).str.zfill(12))
        elif c == "birth_date" and schema[_src(mapping, c)] in (pl.Date, pl.Datetime):
            cols.append(pl.col(c).cast(pl.Date).dt.to_string("%Y-%m-%d"))
        else:
            cols.append(pl.col(c).cast(pl.String, strict=False))
    return lf.select(cols)


def _src(mapping: dict[str, str], canon: str) -> str:
    return next(src for src, dst in mapping.items() if dst == canon)


def _birth_exprs() -> list[pl.Expr]:
    raw = pl.col("birth_date").str.strip_chars()
    iso = raw.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    dmy = raw.str.to_date("%d/%m/%Y", strict=False)
    date = pl.coalesce(iso, dmy)
    year_only = raw.str.extract(r"^(\d{4})$").cast(pl.Int32, strict=False)
    return [
        date.alias("birth_date"),
        pl.coalesce(date.dt.year().cast(pl.Int32), year_only).alias("birth_year"),
    ]


def _updated_expr() -> pl.Expr:
    """`updated_at` as a timestamp (ISO date-time or date, or dd/mm/yyyy as Excel in vi-VN
    writes it): 8 bytes instead of a ~26-byte text per citizen, and "newest" compares
    instants, not spellings (a csv's "2025-01-24 00:00:00" and a parquet's
    "2025-01-24 00:00:00.000000" are one time)."""
    raw = pl.col("updated_at").str.strip_chars()
    stamp = raw.str.slice(0, 19).str.replace("T", " ", literal=True)
    return pl.coalesce(
        stamp.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"),
        raw.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
        raw.str.slice(0, 10).str.to_date("%d/%m/%Y", strict=False).cast(pl.Datetime("us")),
    ).alias("updated_at")


def _cccd_expr() -> pl.Expr:
    # A numeric column loses the leading zero (DOMAIN.md, Excel damage): restore to 12 digits.
    digits = pl.col("cccd").str.strip_chars().str.replace(r"\.0$", "").str.replace_all(r"[\s.\-']", "")
    return (
        pl.when(digits.str.contains(r"^\d{11,12}$")).then(digits.str.zfill(12)).otherwise(None).alias("cccd")
    )


def normalise_population(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Canonical text columns -> typed population frame with name keys (still lazy).

    The extract is the largest frame đối soát holds (30M citizens at 10M members), so the
    short codes (sex, status, province, commune) are Categorical, 4 bytes a citizen instead
    of a 16-byte string view each, and `updated_at` a timestamp: 3M citizens 854 -> 552 MiB
    resident, same matches. Members' codes are cast to these types where joined
    (`codes._typed`)."""
    sex = ascii_fold_expr("sex").replace_strict(_SEX_VALUES, default=None, return_dtype=pl.String)
    status = (
        ascii_fold_expr("status")
        .replace_strict(_STATUS_VALUES, default=None, return_dtype=pl.String)
        .fill_null("alive")
    )
    normalised_name = pl.col("full_name").str.normalize("NFC").str.replace_all(r"\s+", " ").str.strip_chars()
    present = [c for c in POPULATION_COLUMNS if c in lf.collect_schema().names()]
    typed = (
        lf.with_columns(pl.col(c).cast(pl.String) for c in present)
        .with_columns(
            _cccd_expr(),
            *_birth_exprs(),
            sex.cast(pl.Categorical).alias("sex"),
            status.cast(pl.Categorical).alias("status"),
            normalised_name.alias("full_name"),
            pl.col("province_code").str.strip_chars().cast(pl.Categorical),
            pl.col("commune_code").str.strip_chars().cast(pl.Categorical),
            _updated_expr(),
        )
        .filter(pl.col("cccd").is_not_null())
    )
    return with_name_keys(typed)


def load_population(paths: list[Path]) -> pl.LazyFrame:
    """All population files as one lazy frame: canonical columns, birth_year, name keys.

    Rows without a usable 12-digit CCCD are dropped (they cannot anchor a match). A CCCD
    listed twice is kept twice here (a full sort of tens of millions of rows is not worth
    it); the matcher keeps the newest `updated_at` among the rows it actually joins.
    """
    files = sorted(p for p in paths if p.suffix.lower() in (".parquet", ".csv"))
    if not files:
        return normalise_population(pl.LazyFrame(schema=dict.fromkeys(POPULATION_COLUMNS, pl.String)))
    frames = [_canonical(_scan(p)) for p in files]
    return normalise_population(pl.concat(frames, how="vertical"))
