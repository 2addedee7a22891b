"""Split the rows under a header into member rows, and drop blanks, totals and signatures.

DOMAIN.md "Spreadsheet layouts": blank rows inside the table, a "Tổng cộng" row, and a
signature block ("Người lập biểu", "Chủ tịch", a date line) under it. Everything else under
the header is a data row and ends in exactly one of accepted / rejected (row conservation).
"""

from __future__ import annotations

import re

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
    body = grid.slice(header.data_start).with_columns(
        _content=pl.sum_horizontal(pl.col(c).is_not_null() for c in content),
        _cells=pl.sum_horizontal(pl.col(c).is_not_null() for c in cells),
    )
    raw = pl.concat_str([pl.col(c) for c in cells], separator=" | ", ignore_nulls=True)
    body = body.filter(pl.col("_cells") > 0).with_columns(raw.alias("raw"))
    body = body.filter(pl.col(ROW_COLUMN) < _signature_start(body))
    # A row that holds only a pre-printed STT number is an unused template line: blank.
    body = body.filter(pl.col("_content") > 0)
    if body.height and _is_column_number_row(list(body.select(cells).row(0))):
        body = body.slice(1)
    dropped = _total_rows(body, cells) + _repeated_header_rows(body, header)
    if dropped:
        body = body.filter(~pl.col(ROW_COLUMN).is_in(dropped))
    frame = body.select(_field_exprs(header))
    mapped_text = [c for c in TEXT_COLUMNS if any(hc.field == c for hc in header.columns)]
    frame, _ = decode_legacy_columns(frame, mapped_text)
    has_name = pl.any_horizontal(pl.col(c).is_not_null() for c in _NAME_COLUMNS)
    return frame.with_columns(
        pl.lit(sheet).alias("source_sheet"),
        pl.lit(province_hint, pl.String).alias("title_province_hint"),
        pl.lit(commune_hint, pl.String).alias("title_commune_hint"),
        pl.lit(date_system).alias("date_system"),
        pl.when(has_name).then(None).otherwise(pl.lit(issues.ROW_NO_NAME)).alias("reject_reason"),
    ).select(pl.col(name).cast(dtype) for name, dtype in PARSED_SCHEMA.items())


def _total_rows(body: pl.DataFrame, cells: list[str]) -> list[int]:
    """Row numbers of totals; a cheap prefix test first, so folding runs on a few rows only."""
    first = body.select(ROW_COLUMN, pl.coalesce([pl.col(c) for c in cells]).alias("first"))
    maybe = first.filter(pl.col("first").str.contains(r"^\s*(?i:t|c)"))
    lowered = pl.col("first").str.normalize("NFC").str.to_lowercase().str.strip_chars()
    hit = lowered.str.contains(_TOTAL_RX) | ascii_fold_expr("first").str.contains(_TOTAL_FOLDED_RX)
    return maybe.filter(hit).get_column(ROW_COLUMN).to_list()


def _signature_start(body: pl.DataFrame) -> int:
    """Row number where the signature block begins (everything from there on is dropped)."""
    found = (
        body.filter(pl.col("_cells") <= _SIGNATURE_MAX_CELLS)
        .filter(ascii_fold_expr("raw").str.contains(_SIGNATURE_RX))
        .get_column(ROW_COLUMN)
        .min()
    )
    return int(found) if found is not None else 2**62


def _compact_key(col: pl.Expr) -> pl.Expr:
    return ascii_fold_expr(col).str.replace_all(r"\(.*?\)", "").str.replace_all(r"[^a-z0-9]", "")


def _repeated_header_rows(body: pl.DataFrame, header: Header) -> list[int]:
    """Rows repeating the header (tables pasted page by page): the name cell is its label."""
    named = [hc for hc in header.columns if hc.field in _NAME_COLUMNS]
    if not named:
        return []
    column, label = named[0].column, named[0].label
    label_key = pl.select(_compact_key(pl.lit(label))).item()
    # Only short cells can equal the label; folding just those keeps this cheap.
    short = body.filter(pl.col(column).str.len_chars() <= len(label) + 4)
    return short.filter(_compact_key(pl.col(column)) == label_key).get_column(ROW_COLUMN).to_list()


def _field_exprs(header: Header) -> list[pl.Expr]:
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
    return exprs
