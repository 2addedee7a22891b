"""Split the rows under a header into member rows, and drop blanks, totals and signatures.

DOMAIN.md "Spreadsheet layouts": blank rows inside the table, a "Tổng cộng" row, and a
signature block ("Người lập biểu", "Chủ tịch", a date line) under it. Everything else under
the header is a data row and ends in exactly one of accepted / rejected (row conservation).
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl

from ddss import issues
from ddss.ingest.headers import Header
from ddss.ingest.readers import ROW_COLUMN
from ddss.ingest.result import FIELD_COLUMNS, PARSED_SCHEMA
from ddss.text import ascii_fold_expr, decode_legacy_columns

# Columns where legacy encodings (TCVN3/VNI/VIQR) are looked for (DOMAIN.md "Names").
TEXT_COLUMNS = [
    "full_name",
    "surname_part",
    "given_part",
    "address",
    "village",
    "commune",
    "province",
    "branch",
    "ethnicity",
    "religion",
]
# A signature row has few cells; a member row with "Chủ tịch" as its position has many.
_SIGNATURE_MAX_CELLS = 3
_SIGNATURE_RX = (
    r"(^|\| )(nguoi lap|nguoi ky|chu tich|pho chu tich|tm[. ]|t/m|thay mat|xac nhan|"
    r"ban thuong vu|ban chap hanh|bi thu|thu truong|kt[. ]|ky ten|\(ky)"
    r"|ngay[\s0-9._…]*thang[\s0-9._…]*nam"
)
# "Tổng" and "Cộng" must carry their marks: Tống and Công are a surname and a given name.
_TOTAL_RX = r"^(tổng\s*cộng|tổng\s*số|tổng|cộng)([\s:.]|$)"
_TOTAL_FOLDED_RX = r"^(tong cong|tong so)\b"
_COLUMN_NUMBER_RX = re.compile(r"\(?(\d{1,2}|[A-Z])\)?")
_NAME_COLUMNS = ("full_name", "surname_part", "given_part")
# Up to this many rows, folding every short name cell is cheaper than a letter prefilter.
_FOLD_ALL_ROWS = 2000


def _is_column_number_row(values: list[str | None]) -> bool:
    """ "1 2 3 4 ..." or "(1) (2) ..." under the header: a numbering row, not a member."""
    cells = [v for v in values if v is not None]
    return len(cells) >= 2 and all(_COLUMN_NUMBER_RX.fullmatch(v) for v in cells)


def sheet_rows(
    grid: pl.DataFrame,
    header: Header,
    *,
    sheet: str,
    date_system: str,
    province_hint: str | None,
    commune_hint: str | None,
) -> pl.DataFrame:
    """Data rows of one sheet in PARSED_SCHEMA, `reject_reason` set on rows without a name."""
    cells = [c for c in grid.columns if c != ROW_COLUMN]
    mapped = {hc.column for hc in header.columns}
    content = [c for c in cells if c in mapped] or cells
    raw = pl.concat_str([pl.col(c) for c in cells], separator=" | ", ignore_nulls=True)
    # Few queries per sheet: a sheet's fixed cost, not its rows, dominates small files.
    body = (
        grid.lazy()
        .slice(header.data_start)
        .with_columns(
            _content=pl.sum_horizontal(pl.col(c).is_not_null() for c in content),
            _cells=pl.sum_horizontal(pl.col(c).is_not_null() for c in cells),
        )
        .filter(pl.col("_cells") > 0)
        .with_columns(raw.alias("raw"))
        .collect()
    )
    # Everything from the signature block on goes; a row that holds only a pre-printed STT
    # number is an unused template line: blank.
    body = body.filter((pl.col(ROW_COLUMN) < _signature_start()) & (pl.col("_content") > 0))
    if body.height and _is_column_number_row(list(body.select(cells).row(0))):
        body = body.slice(1)
    dropped = _total_rows(body, cells) + _repeated_header_rows(body, header)
    if dropped:
        body = body.filter(~pl.col(ROW_COLUMN).is_in(dropped))
    frame = body.select(_field_exprs(header))
    mapped_text = [c for c in TEXT_COLUMNS if any(hc.field == c for hc in header.columns)]
    frame, _ = decode_legacy_columns(frame, mapped_text)
    has_name = pl.any_horizontal(pl.col(c).is_not_null() for c in _NAME_COLUMNS)
    added = {
        "source_sheet": pl.lit(sheet),
        "title_province_hint": pl.lit(province_hint, pl.String),
        "title_commune_hint": pl.lit(commune_hint, pl.String),
        "date_system": pl.lit(date_system),
        "reject_reason": pl.when(has_name).then(None).otherwise(pl.lit(issues.ROW_NO_NAME)),
    }
    return frame.select(
        added.get(name, pl.col(name)).cast(dtype).alias(name) for name, dtype in PARSED_SCHEMA.items()
    )


def _total_rows(body: pl.DataFrame, cells: list[str]) -> list[int]:
    """Row numbers of totals; a cheap prefix test first, so folding runs on a few rows only."""
    return body.select(_total_rows_expr(tuple(cells))).get_column(ROW_COLUMN).to_list()


@lru_cache(maxsize=256)
def _total_rows_expr(cells: tuple[str, ...]) -> pl.Expr:
    first = pl.coalesce([pl.col(c) for c in cells])
    prefix = first.str.contains(r"^\s*(?i:t|c)")
    maybe = first.filter(prefix)
    lowered = maybe.str.normalize("NFC").str.to_lowercase().str.strip_chars()
    hit = lowered.str.contains(_TOTAL_RX) | ascii_fold_expr(maybe).str.contains(_TOTAL_FOLDED_RX)
    return pl.col(ROW_COLUMN).filter(prefix).filter(hit)


@lru_cache(maxsize=1)
def _signature_start() -> pl.Expr:
    """Row number where the signature block begins (everything from there on is dropped).

    Only rows with few cells are folded, so the costly fold runs on a handful of rows.
    """
    few = pl.col("_cells") <= _SIGNATURE_MAX_CELLS
    signed = ascii_fold_expr(pl.col("raw").filter(few)).str.contains(_SIGNATURE_RX)
    return pl.col(ROW_COLUMN).filter(few).filter(signed).min().fill_null(2**62)


def _compact_key(col: pl.Expr) -> pl.Expr:
    return ascii_fold_expr(col).str.replace_all(r"\(.*?\)", "").str.replace_all(r"[^a-z0-9]", "")


@lru_cache(maxsize=1024)
def _label_key(label: str) -> str:
    return pl.select(_compact_key(pl.lit(label))).item() or ""


def _repeated_header_rows(body: pl.DataFrame, header: Header) -> list[int]:
    """Rows repeating the header (tables pasted page by page): the name cell is its label.

    Only short cells can equal the label. On a long sheet folding is the costly step, so it
    runs only on short cells whose first letter or digit (outside parentheses) folds to the
    label key's first character; that test folds the few distinct first characters.
    """
    named = [hc for hc in header.columns if hc.field in _NAME_COLUMNS]
    if not named:
        return []
    column, label = named[0].column, named[0].label
    label_key = _label_key(label)
    if not label_key:
        return []
    short = pl.col(column).str.len_chars() <= len(label) + 4
    same = _same_key(column, label_key)
    if body.height <= _FOLD_ALL_ROWS:
        return body.lazy().filter(short & same).select(ROW_COLUMN).collect().get_column(ROW_COLUMN).to_list()
    first = pl.col(column).str.replace_all(r"\(.*?\)", "").str.extract(r"([\p{L}\p{N}])", 1)
    candidates = body.select(ROW_COLUMN, column, first.alias("_first")).filter(short)
    starts = candidates.get_column("_first").drop_nulls().unique().to_frame()
    letters = starts.filter(ascii_fold_expr("_first") == label_key[0]).get_column("_first")
    candidates = candidates.filter(pl.col("_first").is_in(letters.implode()))
    return candidates.filter(same).get_column(ROW_COLUMN).to_list()


@lru_cache(maxsize=1024)
def _same_key(column: str, key: str) -> pl.Expr:
    return _compact_key(pl.col(column)) == key


@lru_cache(maxsize=256)
def _field_exprs(header: Header) -> tuple[pl.Expr, ...]:
    """Built once per header layout (sheets of one template share it)."""
    by_field = {hc.field: hc.column for hc in header.columns if hc.field}
    exprs = [
        (pl.col(by_field[f]) if f in by_field else pl.lit(None, pl.String)).alias(f) for f in FIELD_COLUMNS
    ]
    extras = [hc for hc in header.columns if hc.field is None]
    if extras:
        present = pl.any_horizontal(pl.col(hc.column).is_not_null() for hc in extras)
        payload = pl.struct([pl.col(hc.column).alias(hc.label) for hc in extras])
        exprs.append(pl.when(present).then(payload.struct.json_encode()).alias("extra"))
    else:
        exprs.append(pl.lit(None, pl.String).alias("extra"))
    exprs += [pl.col(ROW_COLUMN).alias("source_row"), pl.col("raw")]
    return tuple(exprs)
