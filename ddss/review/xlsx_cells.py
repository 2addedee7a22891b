"""Cell XML for xlsx sheets: whole columns rendered by polars, the few head cells by Python.

xlsxwriter costs about 11 µs of Python per cell; a 1M-member run writes ~10M cells (issue
#10). Here every body cell of every output file is rendered in one polars pass over whole
columns. Text is always an inline string cell, never a formula, URL or number (formula
injection, see safe_cells.py), escaped exactly as xlsxwriter escapes inline strings.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

import polars as pl

MAX_CHARS = 32767  # Excel's limit for one cell's text

# Control characters are not allowed in XML: Excel writes them as _xHHHH_ and escapes a
# literal "_xHHHH_" by encoding its underscore (xlsxwriter does the same).
_ESCAPE_ESCAPES = (r"(_x[0-9a-fA-F]{4}_)", "_x005F$1")
_CONTROL = [chr(i) for i in (*range(0x00, 0x09), *range(0x0B, 0x20))] + ["\ufffe", "\uffff"]
_XML_FROM = ["&", "<", ">", *_CONTROL]
_XML_TO = ["&amp;", "&lt;", "&gt;", *(f"_x{ord(c):04X}_" for c in _CONTROL)]
_XML_PY = str.maketrans(dict(zip(_XML_FROM[3:], _XML_TO[3:], strict=True)))


def col_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=65536)
def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> A1 reference."""
    return f"{col_letter(col)}{row + 1}"


# --- body cells, rendered by polars over whole columns ------------------------------------------


# Literal substrings that may need escaping (a superset: escaping a clean value is a no-op).
_NEEDS_ESCAPE = ["&", "<", ">", "_x", *_CONTROL]
_EDGE_SPACE = r"^\s|\s$"
_OPEN_TEXT = ' t="inlineStr"><is><t>'


@dataclass(frozen=True)
class _TextNeeds:
    """What a text column needs (scanned once, so clean columns skip the costly steps)."""

    escape: bool = True
    space: bool = True
    long: bool = True


_CLEAN = _TextNeeds(escape=False, space=False, long=False)


def _text_needs(frame: pl.DataFrame) -> dict[str, _TextNeeds]:
    """Literal and length tests, no regex: the scan reads every text cell of the output."""
    cols = [c for c, t in frame.schema.items() if t == pl.String]
    if not cols or frame.is_empty():
        return dict.fromkeys(cols, _CLEAN)
    scan = frame.select(
        pl.struct(
            pl.col(c).str.contains_any(_NEEDS_ESCAPE).any().alias("escape"),
            # strip_chars strips Unicode White_Space, the class of the regex \s
            (pl.col(c).str.len_bytes() != pl.col(c).str.strip_chars().str.len_bytes()).any().alias("space"),
            (pl.col(c).str.len_bytes().max() > MAX_CHARS).alias("long"),  # bytes >= chars
        ).alias(c)
        for c in cols
    ).row(0)
    return {
        c: _TextNeeds(**{k: bool(v) for k, v in flags.items()}) for c, flags in zip(cols, scan, strict=True)
    }


_ROW = "__xlsx_row"  # the sheet row number as text, computed once for every cell of a row


def _value_parts(name: str, dtype: pl.DataType, needs: _TextNeeds) -> list[str | pl.Expr]:
    """A cell's XML after its `<c r=".." s=".."`; a null part where the cell is blank."""
    value = pl.col(name)
    close = "</t></is></c>"
    if dtype == pl.String:
        text = value.str.slice(0, MAX_CHARS) if needs.long else value
        if needs.escape:
            text = text.str.replace_all(*_ESCAPE_ESCAPES).str.replace_many(_XML_FROM, _XML_TO)
        if not needs.space:
            return [_OPEN_TEXT, text, close]
        preserve = pl.lit(' t="inlineStr"><is><t xml:space="preserve">')
        open_tag = pl.when(value.str.contains(_EDGE_SPACE)).then(preserve).otherwise(pl.lit(_OPEN_TEXT))
        return [open_tag, text, close]
    if dtype.is_temporal():
        return [_OPEN_TEXT, value.dt.strftime("%d/%m/%Y"), close]
    if dtype == pl.Boolean:
        return [' t="b"><v>', value.cast(pl.UInt8).cast(pl.String), "</v></c>"]
    if dtype.is_numeric():
        if dtype.is_float():
            value = pl.when(value.is_finite()).then(value)  # NaN / inf are not valid cell values
        return ["><v>", value.cast(pl.String), "</v></c>"]
    raise TypeError(f"column {name}: dtype {dtype} cannot be written to a cell")


def _concat(parts: list[str | pl.Expr], *, ignore_nulls: bool = False) -> pl.Expr:
    """One `concat_str` of the parts, adjacent literals merged (null if a part is, unless ignored)."""
    merged: list[str | pl.Expr] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    exprs = [pl.lit(p) if isinstance(p, str) else p for p in merged]
    return pl.concat_str(exprs, ignore_nulls=ignore_nulls)


def rows_xml(
    schema: pl.Schema,
    style: int = 0,
    needs: dict[str, _TextNeeds] | None = None,
    nullable: Collection[str] | None = None,
) -> pl.Expr:
    """`<row>` XML for each frame row: every column of `schema` in order, from column A.

    The frame must hold the 1-based sheet row number as text in column `_ROW`. One
    `concat_str` per row: a column without nulls (`nullable`, default all) has its cells
    spliced in whole, a blank cell is dropped (or left an empty styled cell). `needs` (from a
    scan of the data) lets clean text columns skip escaping; without it every step runs.
    """
    row = pl.col(_ROW)
    needs = needs or {}
    s_attr = f' s="{int(style)}"' if style else ""
    parts: list[str | pl.Expr] = ['<row r="', row, '">']
    for i, (name, dtype) in enumerate(schema.items()):
        start: list[str | pl.Expr] = [f'<c r="{col_letter(i)}', row, f'"{s_attr}']
        body = _value_parts(name, dtype, needs.get(name, _TextNeeds()))
        if nullable is not None and name not in nullable and not dtype.is_float():
            parts += start + body
        elif s_attr:  # a styled blank cell keeps its style (borders)
            parts += [*start, _concat(body).fill_null(pl.lit("/>"))]
        else:  # an unstyled blank cell is simply absent
            parts.append(_concat(start + body))
    return _concat([*parts, "</row>"], ignore_nulls=True)


@dataclass(frozen=True)
class Bodies:
    """The rendered body rows of many files in one UTF-8 buffer, sliced per file key."""

    blob: bytes | memoryview
    spans: dict[tuple, tuple[int, int, int]]  # key -> (start byte, end byte, rows)

    def get(self, key: tuple) -> tuple[memoryview, int]:
        """Body XML and row count for one file (empty when the key has no rows)."""
        start, end, rows = self.spans.get(key, (0, 0, 0))
        return memoryview(self.blob)[start:end], rows


def _contiguous(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """The frame with each key's rows together (a stable sort only if they are not already)."""
    runs = frame.select(pl.struct(keys).rle_id().max()).item()
    if runs is None or runs + 1 == frame.select(keys).n_unique():
        return frame
    return frame.sort(keys, maintain_order=True, nulls_last=True)


def render_bodies(frame: pl.DataFrame, keys: Sequence[str], first_row: int, style: int) -> Bodies:
    """Body XML of every `keys` group (one output file each), starting at sheet row `first_row`
    (0-based), in one polars pass; row order within a group is kept.

    The rows' XML goes out as one Arrow string array whose data buffer is the blob every
    file's body is a zero-copy slice of (a join into Python bytes copied it three times)."""
    frame = _contiguous(frame, keys)
    values = frame.drop(keys)
    run = pl.struct(keys).rle_id()
    nullable = {c for c in values.columns if values.get_column(c).null_count()}
    xml = (
        frame.select(
            (pl.int_range(1, pl.len() + 1).over(run) + first_row).cast(pl.String).alias(_ROW), *values.columns
        )
        .select(rows_xml(values.schema, style, _text_needs(values), nullable))
        .to_series()
    )
    index = (
        frame.select(*keys, pl.Series("_bytes", xml.str.len_bytes()), run.alias("_run"))
        .group_by("_run", maintain_order=True)
        .agg(*(pl.col(k).first() for k in keys), pl.col("_bytes").sum(), pl.len().alias("_rows"))
        .with_columns(_end=pl.col("_bytes").cum_sum())
    )
    spans = {
        tuple(r[:-3]): (r[-2] - r[-3], r[-2], r[-1])
        for r in index.select(*keys, "_bytes", "_end", "_rows").iter_rows()
    }
    return Bodies(_utf8_blob(xml), spans)


def _utf8_blob(xml: pl.Series) -> memoryview:
    """The strings of `xml` back to back, as the data buffer of one Arrow large-string array."""
    if xml.is_empty():
        return memoryview(b"")
    array = xml.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())
    _, offsets, data = array.buffers()
    ends = memoryview(offsets).cast("q")  # int64 offsets of a large string array
    return memoryview(data)[ends[array.offset] : ends[array.offset + len(array)]]


def group_slices(frame: pl.DataFrame, keys: Sequence[str], max_rows: int) -> Iterator[pl.DataFrame]:
    """Consecutive zero-copy slices of `frame` (rows of a key together) of about `max_rows` rows,
    never splitting a key's rows (a larger group is one slice on its own).

    Rendering and writing one slice at a time keeps the XML of one slice in memory, not of
    every file at once (~600 bytes per member-list row: 6 GB at 10M rows, issue #10).
    """
    if frame.is_empty():
        return
    lengths = frame.select(pl.struct(keys).rle().struct.field("len")).to_series()
    starts = (lengths.cum_sum() - lengths).to_frame("start")
    offsets = (
        starts.group_by((pl.col("start") // max_rows).alias("_slice"), maintain_order=True).agg(
            pl.col("start").first()
        )
    )["start"].to_list()
    for begin, end in zip(offsets, [*offsets[1:], frame.height], strict=True):  # Python per slice
        yield frame.slice(begin, end - begin)


# --- the few cells above a table, rendered in Python per file ------------------------------------


@lru_cache(maxsize=4096, typed=True)  # the same titles and headers top thousands of files
def head_cell(row: int, col: int, value: object, style: int) -> str:
    """One cell above a table (title, header), escaped like the body cells."""
    ref = cell_ref(row, col)
    s_attr = f' s="{int(style)}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s_attr}/>' if style else ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"{s_attr}><v>{value}</v></c>'
    text = re.sub(_ESCAPE_ESCAPES[0], r"_x005F\1", str(value)[:MAX_CHARS])
    text = escape(text).translate(_XML_PY)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s_attr} t="inlineStr"><is><t{space}>{text}</t></is></c>'
