"""Split the rows under each header into member rows; drop blanks, totals and signatures.

DOMAIN.md "Spreadsheet layouts": blank rows inside the table, a "Tổng cộng" row, and a
signature block ("Người lập biểu", "Chủ tịch", a date line) under it. Everything else under
the header is a data row and ends in exactly one of accepted / rejected (row conservation).

Works on a stack of many sheets (`_sheet`, `__row`, c0..cW-1) with one layout row per sheet,
so a batch of small files costs a handful of queries instead of a dozen per sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from ddss import issues
from ddss.frames import ENGINE
from ddss.ingest.detect import SHEET_COLUMN
from ddss.ingest.headers import Header
from ddss.ingest.legacy import decode_legacy_sheets
from ddss.ingest.readers import ROW_COLUMN
from ddss.ingest.result import FIELD_COLUMNS, PARSED_SCHEMA
from ddss.text import ascii_fold_expr

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
_COLUMN_NUMBER_RX = r"^\(?(\d{1,2}|[A-Z])\)?$"
_NAME_COLUMNS = ("full_name", "surname_part", "given_part")
# Up to this many rows, folding every short name cell is cheaper than a letter prefilter.
_FOLD_ALL_ROWS = 2000
_KEYS = [SHEET_COLUMN, ROW_COLUMN]


@dataclass(frozen=True)
class SheetMeta:
    """What a sheet's rows carry besides their cells."""

    file: int
    name: str
    date_system: str
    province_hint: str | None
    commune_hint: str | None


def _cell(index: str, layout: pl.DataFrame) -> pl.Expr:
    """The cell whose column number (per sheet) is in layout column `index`; null when absent.

    Only the column numbers some sheet of the batch uses are tested: sheets of one template
    give a single branch.
    """
    used = layout.get_column(index).drop_nulls().unique().sort().to_list()
    if not used:
        return pl.lit(None, pl.String)
    if len(used) == 1:
        return pl.when(pl.col(index) == used[0]).then(pl.col(f"c{used[0]}"))
    return pl.coalesce([pl.when(pl.col(index) == j).then(pl.col(f"c{j}")) for j in used])


def _compact_key(col: pl.Expr) -> pl.Expr:
    return ascii_fold_expr(col).str.replace_all(r"\(.*?\)", "").str.replace_all(r"[^a-z0-9]", "")


@lru_cache(maxsize=4096)
def _label_key(label: str) -> str:
    return pl.select(_compact_key(pl.lit(label))).item() or ""


def layout_row(sheet: int, header: Header, meta: SheetMeta, width: int) -> tuple[dict[str, object], dict]:
    """The sheet's own layout values, and the (shared, cached) values of its header."""
    own = {
        SHEET_COLUMN: sheet,
        "_file": meta.file,
        "source_sheet": meta.name,
        "title_province_hint": meta.province_hint,
        "title_commune_hint": meta.commune_hint,
        "date_system": meta.date_system,
    }
    return own, _header_layout(header, width)


@lru_cache(maxsize=4096)
def _header_layout(header: Header, width: int) -> dict[str, object]:
    """The part of a layout row that depends on the header only (files share templates)."""
    by_field = {hc.field: int(hc.column[1:]) for hc in header.columns if hc.field}
    mapped = {int(hc.column[1:]) for hc in header.columns}
    content = mapped or set(range(width))
    extras = [hc for hc in header.columns if hc.field is None]
    named = [hc for hc in header.columns if hc.field in _NAME_COLUMNS]
    name_key = _label_key(named[0].label) if named else ""
    row: dict[str, object] = {
        "_start": header.data_start,
        "_name_at": int(named[0].column[1:]) if name_key else None,
        "_name_key": name_key or None,
        "_name_len": len(named[0].label) + 4 if name_key else None,
        "_n_extras": len(extras),  # not a column: counted by `layout_frame`
    }
    row |= {f"_f_{f}": by_field.get(f) for f in FIELD_COLUMNS}
    row |= {f"_k{j}": j in content for j in range(width)}
    row |= {f"_x{k}": int(hc.column[1:]) for k, hc in enumerate(extras)}
    row |= {f"_xl{k}": hc.label for k, hc in enumerate(extras)}
    return row


def layout_frame(rows: list[tuple[dict[str, object], dict]], width: int) -> pl.DataFrame:
    """One row per sheet; absent slots are null (content flags false). Header layouts are
    built once per distinct header, then joined to the sheets that share them."""
    shared = list({id(h): h for _, h in rows}.values())
    extras = max((int(h["_n_extras"]) for h in shared), default=0)
    own_schema: dict[str, pl.DataType] = {
        SHEET_COLUMN: pl.Int32(),
        "_file": pl.Int32(),
        "source_sheet": pl.String(),
        "title_province_hint": pl.String(),
        "title_commune_hint": pl.String(),
        "date_system": pl.String(),
    }
    header_schema: dict[str, pl.DataType] = {
        "_start": pl.Int64(),
        "_name_at": pl.Int32(),
        "_name_key": pl.String(),
        "_name_len": pl.Int64(),
        **{f"_f_{f}": pl.Int32() for f in FIELD_COLUMNS},
        **{f"_k{j}": pl.Boolean() for j in range(width)},
        **{f"_x{k}": pl.Int32() for k in range(extras)},
        **{f"_xl{k}": pl.String() for k in range(extras)},
    }
    ids = {id(h): n for n, h in enumerate(shared)}
    own = pl.DataFrame(
        {**{name: [o[name] for o, _ in rows] for name in own_schema}, "_lid": [ids[id(h)] for _, h in rows]},
        schema={**own_schema, "_lid": pl.Int32()},
    )
    headers = pl.DataFrame(
        {**{name: [h.get(name) for h in shared] for name in header_schema}, "_lid": list(range(len(shared)))},
        schema={**header_schema, "_lid": pl.Int32()},
    ).with_columns(pl.col(f"_k{j}").fill_null(False) for j in range(width))
    return own.join(headers, on="_lid", how="left").drop("_lid")


def body_rows(stack: pl.DataFrame, layout: pl.DataFrame) -> pl.DataFrame:
    """Data rows of every sheet in `layout`, PARSED_SCHEMA plus `_file` and `_sheet`;
    `reject_reason` is set on rows without a name."""
    width = sum(c.startswith("c") for c in stack.columns)
    cells = [pl.col(f"c{j}") for j in range(width)]
    body = (
        stack.lazy()
        .join(
            layout.lazy().select(SHEET_COLUMN, "_start", *(f"_k{j}" for j in range(width))),
            on=SHEET_COLUMN,
            maintain_order="left",
        )
        .filter(pl.col(ROW_COLUMN) > pl.col("_start"))
        .with_columns(
            _cells=pl.sum_horizontal(c.is_not_null() for c in cells),
            _content=pl.sum_horizontal(c.is_not_null() & pl.col(f"_k{j}") for j, c in enumerate(cells)),
        )
        .filter(pl.col("_cells") > 0)
        .select(
            *_KEYS,
            *cells,
            "_cells",
            "_content",
            pl.concat_str(cells, separator=" | ", ignore_nulls=True).alias("raw"),
        )
        .collect(engine=ENGINE)
    )
    # Everything from the signature block on goes; a row that holds only a pre-printed STT
    # number is an unused template line: blank.
    body = (
        body.lazy()
        .join(_signature_starts(body).lazy(), on=SHEET_COLUMN, how="left", maintain_order="left")
        .filter((pl.col(ROW_COLUMN) < pl.col("_signed").fill_null(2**62)) & (pl.col("_content") > 0))
        .drop("_signed", "_cells", "_content")
        .collect(engine=ENGINE)
    )
    body = _drop(body, _column_number_rows(body, width))
    dropped = pl.concat([_total_rows(body, width), _repeated_headers(body, layout)])
    body = _drop(body, dropped)
    frame = _fields(body, layout)
    mapped = layout.select(SHEET_COLUMN, *(pl.col(f"_f_{c}").is_not_null().alias(c) for c in TEXT_COLUMNS))
    frame = decode_legacy_sheets(frame, mapped)
    has_name = pl.any_horizontal(pl.col(c).is_not_null() for c in _NAME_COLUMNS)
    reason = pl.when(has_name).then(None).otherwise(pl.lit(issues.ROW_NO_NAME))
    out = frame.select(
        "_file",
        SHEET_COLUMN,
        *(
            (reason if name == "reject_reason" else pl.col(name)).cast(dtype).alias(name)
            for name, dtype in PARSED_SCHEMA.items()
        ),
    )
    return _in_order(out)


def _drop(body: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """`body` without `rows` (keys), in its order; usually there is nothing to drop."""
    if rows.is_empty():
        return body
    return body.join(rows, on=_KEYS, how="anti", maintain_order="left")


def _in_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Sorted by sheet and row; the check is one pass, the sort runs only when a step (legacy
    conversion) moved rows."""
    key = pl.col(SHEET_COLUMN).cast(pl.Int64) * 2**40 + pl.col("source_row")
    if frame.height < 2 or frame.select((key.diff() > 0).all()).item():
        return frame
    return frame.sort(SHEET_COLUMN, "source_row")


def _signature_starts(body: pl.DataFrame) -> pl.DataFrame:
    """Row number where each sheet's signature block begins; only rows with few cells are
    folded, so the costly fold runs on a handful of rows."""
    few = body.filter(pl.col("_cells") <= _SIGNATURE_MAX_CELLS).select(*_KEYS, "raw")
    signed = few.filter(ascii_fold_expr("raw").str.contains(_SIGNATURE_RX))
    return signed.group_by(SHEET_COLUMN).agg(pl.col(ROW_COLUMN).min().alias("_signed"))


def _column_number_rows(body: pl.DataFrame, width: int) -> pl.DataFrame:
    """A "1 2 3 4 ..." or "(1) (2) ..." row right under the header numbers the columns."""
    cells = [pl.col(f"c{j}") for j in range(width)]
    first = body.filter(pl.col(ROW_COLUMN) == pl.col(ROW_COLUMN).min().over(SHEET_COLUMN))
    numbered = pl.all_horizontal(c.is_null() | c.str.contains(_COLUMN_NUMBER_RX) for c in cells)
    filled = pl.sum_horizontal(c.is_not_null() for c in cells) >= 2
    return first.filter(numbered & filled).select(_KEYS)


def _total_rows(body: pl.DataFrame, width: int) -> pl.DataFrame:
    """Totals; a cheap prefix test first, so folding runs on a few rows only."""
    first = pl.coalesce([pl.col(f"c{j}") for j in range(width)])
    maybe = body.select(*_KEYS, first.alias("_first")).filter(pl.col("_first").str.contains(r"^\s*(?i:t|c)"))
    lowered = pl.col("_first").str.normalize("NFC").str.to_lowercase().str.strip_chars()
    hit = lowered.str.contains(_TOTAL_RX) | ascii_fold_expr("_first").str.contains(_TOTAL_FOLDED_RX)
    return maybe.filter(hit).select(_KEYS)


def _repeated_headers(body: pl.DataFrame, layout: pl.DataFrame) -> pl.DataFrame:
    """Rows repeating the header (tables pasted page by page): the name cell is its label.

    Only short cells can equal the label. On a long sheet only short cells whose first letter
    or digit (outside parentheses) folds to the label key's first character are compared.
    Folding is the costly step, so it runs once per distinct text, not per row.
    """
    named = layout.filter(pl.col("_name_key").is_not_null()).select(
        SHEET_COLUMN, "_name_at", "_name_key", "_name_len"
    )
    short = (
        body.lazy()
        .join(named.lazy(), on=SHEET_COLUMN)
        .with_columns(_long=pl.len().over(SHEET_COLUMN) > _FOLD_ALL_ROWS)
        .select(*_KEYS, "_name_key", "_long", _cell("_name_at", named).alias("_name"), "_name_len")
        .filter(pl.col("_name").str.len_chars() <= pl.col("_name_len"))
        .collect(engine=ENGINE)
    )
    first = pl.col("_name").str.replace_all(r"\(.*?\)", "").str.extract(r"([\p{L}\p{N}])", 1).alias("_first")
    long = short.filter(pl.col("_long")).with_columns(first, pl.col("_name_key").str.slice(0, 1).alias("_k0"))
    initials = long.select("_first", "_k0").unique().filter(ascii_fold_expr("_first") == pl.col("_k0"))
    candidates = pl.concat(
        [
            short.filter(~pl.col("_long")).select(*_KEYS, "_name", "_name_key"),
            long.join(initials, on=["_first", "_k0"], how="semi").select(*_KEYS, "_name", "_name_key"),
        ]
    )
    keys = candidates.select(pl.col("_name").unique()).with_columns(
        _compact_key(pl.col("_name")).alias("_ck")
    )
    same = candidates.join(keys, on="_name").filter(pl.col("_ck") == pl.col("_name_key"))
    return same.select(_KEYS)


def _json_text(col: pl.Expr) -> pl.Expr:
    """The JSON text of a string (or `null`), escaped exactly as polars' struct encoder does."""
    return pl.struct(col.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")


def _picked(frame: pl.DataFrame, width: int, slots: dict[str, str]) -> list[pl.Series] | list[pl.Expr]:
    """Per output name, each row's cell whose column number is in layout column `slots[name]`
    (null when absent): one gather from the cells laid end to end, whatever the number of
    layouts in the batch (one branch per column number used costs a pass over every row)."""
    n = frame.height
    if n * width >= 2**32:  # beyond polars' index range: one branch per column number used
        return [_cell(index, frame).alias(name) for name, index in slots.items()]
    cells = pl.concat([frame.get_column(f"c{j}") for j in range(width)], rechunk=True)
    row = pl.int_range(n, dtype=pl.UInt32)
    at = frame.select((pl.col(index).cast(pl.UInt32) * n + row).alias(name) for name, index in slots.items())
    return [cells.gather(at.get_column(name)).alias(name) for name in slots]


def _fields(body: pl.DataFrame, layout: pl.DataFrame) -> pl.DataFrame:
    """Canonical fields by each sheet's column map, `extra` as a JSON object of unknown columns."""
    extras = sum(c.startswith("_xl") for c in layout.columns)
    width = sum(c.startswith("c") for c in body.columns)
    # Labels are per sheet: their JSON text is made once per sheet, not once per row.
    layout = layout.with_columns(_json_text(pl.col(f"_xl{k}")).alias(f"_xj{k}") for k in range(extras))
    joined = body.join(layout, on=SHEET_COLUMN, how="left", maintain_order="left")
    slots = {f: f"_f_{f}" for f in FIELD_COLUMNS} | {f"_xv{k}": f"_x{k}" for k in range(extras)}
    frame = joined.with_columns(_picked(joined, width, slots))
    return frame.select(
        "_file",
        SHEET_COLUMN,
        "source_sheet",
        pl.col(ROW_COLUMN).alias("source_row"),
        *FIELD_COLUMNS,
        _extra(frame, extras).alias("extra"),
        "title_province_hint",
        "title_commune_hint",
        "date_system",
        "raw",
    )


def _extra(frame: pl.DataFrame, extras: int) -> pl.Series:
    """`extra` per row: a JSON object of the row's values in unknown columns, null when it has
    none. Encoded only on the rows that have one (most rows have none, and JSON escaping
    is the costly part), then scattered back in place."""
    none = pl.repeat(None, frame.height, dtype=pl.String, eager=True)
    if not extras:
        return none
    present = pl.any_horizontal(pl.col(f"_xv{k}").is_not_null() for k in range(extras))
    at = frame.select(pl.arg_where(present)).to_series()
    if at.is_empty():
        return none
    terms = [
        pl.concat_str([pl.col(f"_xj{k}"), pl.lit(":"), _json_text(pl.col(f"_xv{k}"))]) for k in range(extras)
    ]
    # A slot beyond the sheet's own extras has a null label, so its whole term is null.
    terms = [pl.when(pl.col(f"_xl{k}").is_not_null()).then(t) for k, t in enumerate(terms)]
    body_json = pl.concat_str(terms, separator=",", ignore_nulls=True)
    encoded = frame[at].select(pl.concat_str([pl.lit("{"), body_json, pl.lit("}")])).to_series()
    return none.scatter(at, encoded)


def sheet_rows(
    grid: pl.DataFrame,
    header: Header,
    *,
    sheet: str,
    date_system: str,
    province_hint: str | None,
    commune_hint: str | None,
) -> pl.DataFrame:
    """Data rows of one sheet in PARSED_SCHEMA (the batch path with a batch of one)."""
    width = sum(c != ROW_COLUMN for c in grid.columns)
    stack = grid.with_columns(pl.lit(0, pl.Int32).alias(SHEET_COLUMN))
    meta = SheetMeta(0, sheet, date_system, province_hint, commune_hint)
    layout = layout_frame([layout_row(0, header, meta, width)], width)
    return body_rows(stack, layout).select(PARSED_SCHEMA.keys())
