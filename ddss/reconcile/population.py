"""Load the population reference (CSDL dân cư extract), whatever its header language.

The extract can hold tens of millions of citizens. Each file is scanned, renamed to the
canonical columns of CONTRACT.md and typed on its own; the files are then concatenated and
the names keyed once. Values repeat a lot (30M citizens: ~36k birth dates, ~2k update
times, a few hundred thousand names, a handful of sexes, statuses and units), so every
parse, fold and normalisation runs once per distinct value and is gathered back to the rows
(`frames.by_distinct_value`); only the CCCD, unique per citizen, is cleaned per row, and only where it is
not already 12 digits. The result is returned as a LazyFrame (the callers' API).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import polars as pl

from ddss.frames import by_distinct_value, contiguous, distinct_rows
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
        elif c in _TYPED_SOURCES:
            # typed as the file stores it: converted to text per distinct value (`_as_text`)
            cols.append(pl.col(c))
        else:
            cols.append(pl.col(c).cast(pl.String, strict=False))
    return lf.select(cols)


def _src(mapping: dict[str, str], canon: str) -> str:
    return next(src for src, dst in mapping.items() if dst == canon)


_TYPED_SOURCES = ("birth_date", "updated_at")
"""Columns `_canonical` leaves in the file's own type: a parquet's timestamps or dates become
text only once per distinct value, not once per citizen (30M citizens: ~2k update times)."""


def _as_text(col: str, dtype: pl.DataType) -> pl.Expr:
    """The column as the text the parsers below read, from whatever type the file stored."""
    if col == "birth_date" and dtype in (pl.Date, pl.Datetime):
        return pl.col(col).cast(pl.Date).dt.to_string("%Y-%m-%d")
    return pl.col(col).cast(pl.String)


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


def _cccd(values: pl.Series) -> pl.Series:
    """`_cccd_expr` on the values that need it: a 12-ASCII-digit CCCD (nearly all) is already
    its own result, and one anchored regex finds the others."""
    dirty = ~values.str.contains(r"^[0-9]{12}$").fill_null(False)
    if not dirty.any():
        return values
    fixed = values.filter(dirty).to_frame("cccd").select(_cccd_expr()).to_series()
    return values.scatter(dirty.arg_true(), fixed)


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """Canonical columns (text, or a file's own date types) -> typed columns, rows without a
    usable CCCD dropped; names are left as read (`_named`).

    The short codes (sex, status, province, commune) are Categorical, 4 bytes a citizen
    instead of a 16-byte string view each, and `updated_at` a timestamp: 3M citizens 854 ->
    552 MiB resident, same matches. Members' codes are cast to these types where joined
    (`codes._typed`). One column at a time, so a column's text is freed as its typed
    replacement arrives."""
    text = {c: _as_text(c, frame.schema[c]) for c in POPULATION_COLUMNS}
    sex = ascii_fold_expr(text["sex"]).replace_strict(_SEX_VALUES, default=None, return_dtype=pl.String)
    status = (
        ascii_fold_expr(text["status"])
        .replace_strict(_STATUS_VALUES, default=None, return_dtype=pl.String)
        .fill_null("alive")
    )
    cccd = _cccd(frame.select(text["cccd"]).to_series())
    frame = frame.with_columns(cccd)
    if cccd.null_count():
        frame = frame.filter(pl.col("cccd").is_not_null())
    del cccd
    derived: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
        "birth_date": lambda d: d.select(text["birth_date"]).select(_birth_exprs()),
        "sex": lambda d: d.select(sex.cast(pl.Categorical)),
        "province_code": lambda d: d.select(text["province_code"].str.strip_chars().cast(pl.Categorical)),
        "commune_code": lambda d: d.select(text["commune_code"].str.strip_chars().cast(pl.Categorical)),
        "status": lambda d: d.select(status.cast(pl.Categorical)),
        "updated_at": lambda d: d.select(text["updated_at"]).select(_updated_expr()),
    }
    for col, derive in derived.items():
        frame = frame.with_columns(by_distinct_value(frame, col, derive))
    return frame


def _names(distinct: pl.Series) -> pl.DataFrame:
    """Each distinct name as read -> `full_name` NFC, single-spaced and trimmed, and its keys."""
    normalised = distinct.str.normalize("NFC").str.replace_all(r"\s+", " ").str.strip_chars()
    return with_name_keys(normalised.to_frame("full_name"))


def _named(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The typed files with names normalised and keyed, concatenated.

    The names of all files are normalised and keyed once (keying costs per distinct name)
    and gathered into each file in turn, so only one file's join is in memory at a time."""
    distinct = pl.concat([f.get_column("full_name").cast(pl.String).unique() for f in frames]).unique()
    names = _names(distinct)
    for i, frame in enumerate(frames):
        at = distinct_rows(frame.get_column("full_name").cast(pl.String), distinct)
        frames[i] = frame.with_columns(names.select(pl.all().gather(at)).get_columns())
    return pl.concat(frames, how="vertical")


def normalise_population(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Canonical columns -> typed population frame with name keys (computed now; returned lazy).

    The extract is the largest frame đối soát holds (30M citizens at 10M members): see
    `_typed` for its compact types."""
    return contiguous(_named([_typed(lf.collect())])).lazy()


def load_population(paths: list[Path]) -> pl.LazyFrame:
    """All population files as one lazy frame: canonical columns, birth_year, name keys.

    Rows without a usable 12-digit CCCD are dropped (they cannot anchor a match). A CCCD
    listed twice is kept twice here (a full sort of tens of millions of rows is not worth
    it); the matcher keeps the newest `updated_at` among the rows it actually joins.
    """
    files = sorted(p for p in paths if p.suffix.lower() in (".parquet", ".csv"))
    if not files:
        return normalise_population(pl.LazyFrame(schema=dict.fromkeys(POPULATION_COLUMNS, pl.String)))
    # Each file typed on its own (a parquet's timestamps stay timestamps), names keyed once.
    return contiguous(_named([_typed(_canonical(_scan(p)).collect()) for p in files])).lazy()
