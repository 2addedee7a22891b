"""Parse a batch of read files at once: one stack of every sheet, a few queries per batch.

A file's own work is only what needs its bytes (reading cells, sniffing); header scoring is
Python over at most 25 rows per sheet; everything else (body rules, fields, legacy
encodings, counts) runs once over the stacked sheets of the whole batch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

import polars as pl

from ddss import issues
from ddss.ingest.body import SheetMeta, body_rows, layout_frame, layout_row
from ddss.ingest.detect import SHEET_COLUMN, detect_headers
from ddss.ingest.places import hints_from_texts
from ddss.ingest.readers import ROW_COLUMN, SOURCE_COLUMN, RawBook, TextSource, read_text_stack, text_grid
from ddss.ingest.result import PARSED_SCHEMA, PARSED_SHEETS_SCHEMA

log = logging.getLogger(__name__)

# A file after reading: its sheets, its text, a reason to refuse it, or its reader's exception.
Loaded = RawBook | TextSource | str | Exception
FILE_COLUMN = "_file"
ROWS_SCHEMA = {FILE_COLUMN: pl.Int32(), **PARSED_SCHEMA}
SHEETS_SCHEMA = {FILE_COLUMN: pl.Int32(), **PARSED_SHEETS_SCHEMA}


@dataclass(frozen=True)
class Parsed:
    """Rows and sheet counts of a batch (`_file` = index in the batch), and per file None
    (parsed), a reason code (refused; its sheet counts kept) or the exception it raised."""

    rows: pl.DataFrame
    sheets: pl.DataFrame
    outcomes: list[str | Exception | None]


@dataclass
class _Sheet:
    file: int
    name: str
    hidden: bool
    date_system: str
    width: int = 0
    grid: pl.DataFrame | None = None  # own grid; None when stacked with other text files
    note: str | None = None


def parse_batch(items: list[Loaded]) -> Parsed:
    """Parse every loaded file; a failure inside the batch is retried file by file, so an
    exception is charged to the one file that raised it."""
    try:
        return _parse(items)
    except Exception:
        if len(items) == 1:
            raise
    log.warning("batch of %d files retried one by one", len(items))
    parts: list[Parsed] = []
    for i, item in enumerate(items):
        try:
            one = _parse([item])
        except Exception as exc:  # the caller turns it into a reason code
            one = Parsed(pl.DataFrame(schema=ROWS_SCHEMA), pl.DataFrame(schema=SHEETS_SCHEMA), [exc])
        parts.append(
            Parsed(
                one.rows.with_columns(pl.lit(i, pl.Int32).alias(FILE_COLUMN)),
                one.sheets.with_columns(pl.lit(i, pl.Int32).alias(FILE_COLUMN)),
                one.outcomes,
            )
        )
    return Parsed(
        pl.concat([p.rows for p in parts]),
        pl.concat([p.sheets for p in parts]),
        [p.outcomes[0] for p in parts],
    )


def _gather(
    items: list[Loaded], outcomes: list[str | Exception | None]
) -> tuple[list[_Sheet], list[pl.DataFrame]]:
    """Every sheet of the batch in file order, and the grids to stack (`_sheet` = its index).

    Text files of one delimiter are read in one stacked read; a file that must be read alone
    (or a workbook sheet) brings its own grid. Files that are already refused get no sheet.
    """
    sheets: list[_Sheet] = []
    stacked: list[pl.DataFrame] = []
    texts: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        if isinstance(item, TextSource):
            texts[item.delimiter].append(i)
        elif not isinstance(item, RawBook):
            outcomes[i] = item
    for files in texts.values():
        sources = [items[i] for i in files]
        frame, alone = read_text_stack(sources)  # type: ignore[arg-type]
        first = len(sheets)
        for k, (i, source) in enumerate(zip(files, sources, strict=True)):
            assert isinstance(source, TextSource)
            if k not in alone:
                sheets.append(_Sheet(i, "", False, "1900", source.width))
                continue
            try:
                grid = text_grid(source)
            except Exception as exc:  # the caller turns it into a reason code
                outcomes[i] = exc
                continue
            sheets.append(_Sheet(i, "", False, "1900", grid.width - 1, grid))
        if frame.height:
            # `_src` is the file's position in this delimiter's group.
            position = {i: k for k, i in enumerate(files)}
            ids = {position[sh.file]: s for s, sh in enumerate(sheets[first:], first) if sh.grid is None}
            sheet_id = pl.col(SOURCE_COLUMN).replace_strict(ids, return_dtype=pl.Int32).alias(SHEET_COLUMN)
            stacked.append(frame.select(sheet_id, pl.exclude(SOURCE_COLUMN)))
    for i, item in enumerate(items):
        if isinstance(item, RawBook):
            for raw in item.sheets:
                width = 0 if raw.grid is None else raw.grid.width - 1
                note = issues.SHEET_TOO_LARGE if raw.too_large else None
                sheets.append(_Sheet(i, raw.name, raw.hidden, item.date_system, width, raw.grid, note))
    # Sheet ids follow file order (text files were numbered per delimiter while reading).
    order = sorted(range(len(sheets)), key=lambda s: (sheets[s].file, s))
    renumber = {old: new for new, old in enumerate(order)}
    sheets = [sheets[s] for s in order]
    stacked = [
        f.with_columns(pl.col(SHEET_COLUMN).replace_strict(renumber, return_dtype=pl.Int32)) for f in stacked
    ]
    stacked += [
        sheet.grid.with_columns(pl.lit(s, pl.Int32).alias(SHEET_COLUMN))
        for s, sheet in enumerate(sheets)
        if sheet.grid is not None
    ]
    return sheets, _in_sheet_order(stacked)


def _in_sheet_order(frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
    """The frames cut into runs of consecutive sheet ids and put in sheet order, so the stack
    (and every row after it) is in sheet order without a sort: a file read alone, another
    delimiter's group or a workbook sheet would otherwise sit after the stacked text files.
    Each frame holds its sheets in order, each sheet's rows together (zero-copy slices)."""
    runs: list[pl.DataFrame] = []
    for frame in frames:
        if frame.is_empty():
            continue
        cuts = frame.select(pl.arg_where(pl.col(SHEET_COLUMN).diff() > 1)).to_series().to_list()
        bounds = [0, *cuts, frame.height]
        runs += [frame.slice(a, b - a) for a, b in pairwise(bounds)]
    return sorted(runs, key=lambda run: run.item(0, SHEET_COLUMN))


def _parse(items: list[Loaded]) -> Parsed:
    outcomes: list[str | Exception | None] = [None] * len(items)
    sheets, stacked = _gather(items, outcomes)
    stack = _stack(stacked)
    _mark_empty(stack, sheets)
    widths = {s: sh.width for s, sh in enumerate(sheets) if sh.note is None}
    detected = detect_headers(stack, widths) if widths else {}
    width = sum(c.startswith("c") for c in stack.columns)
    layout_rows = []
    for s, found in detected.items():
        sheet = sheets[s]
        hints = hints_from_texts(found.titles)
        meta = SheetMeta(sheet.file, sheet.name, sheet.date_system, hints.province, hints.commune)
        layout_rows.append(layout_row(s, found.header, meta, sheet.width))
    for s, sheet in enumerate(sheets):
        if sheet.note is None and s not in detected:
            sheet.note = issues.SHEET_NO_HEADER
        elif sheet.note is None and sheet.hidden:
            sheet.note = issues.SHEET_HIDDEN
    if layout_rows:
        rows = body_rows(stack, layout_frame(layout_rows, width))
    else:
        rows = pl.DataFrame(schema={SHEET_COLUMN: pl.Int32(), **ROWS_SCHEMA})
    with_header = {sheets[s].file for s in detected}
    notes: dict[int, set[str | None]] = defaultdict(set)
    for sheet in sheets:
        notes[sheet.file].add(sheet.note)
    for i in range(len(items)):
        if outcomes[i] is None and i not in with_header:
            outcomes[i] = _file_reason(notes[i])
    return Parsed(rows.drop(SHEET_COLUMN), _sheet_counts(rows, sheets), outcomes)


def _stack(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One frame of all sheets: `_sheet`, `__row`, c0..cW-1 (null beyond a sheet's width)."""
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={SHEET_COLUMN: pl.Int32(), ROW_COLUMN: pl.Int64(), "c0": pl.String()})
    width = max(sum(c.startswith("c") for c in f.columns) for f in frames)
    frame = pl.concat(frames, how="diagonal")
    cells = [
        pl.col(f"c{j}") if f"c{j}" in frame.columns else pl.lit(None, pl.String).alias(f"c{j}")
        for j in range(max(width, 1))
    ]
    return frame.select(SHEET_COLUMN, ROW_COLUMN, *cells)


def _mark_empty(stack: pl.DataFrame, sheets: list[_Sheet]) -> None:
    """A sheet with no cell at all (or no column) is empty."""
    cells = [c for c in stack.columns if c.startswith("c")]
    filled = stack.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in cells))
    having = set(filled.get_column(SHEET_COLUMN).unique().to_list())
    for s, sheet in enumerate(sheets):
        if sheet.note is None and (sheet.width == 0 or s not in having):
            sheet.note = issues.SHEET_EMPTY


def _sheet_counts(rows: pl.DataFrame, sheets: list[_Sheet]) -> pl.DataFrame:
    per = rows.group_by(SHEET_COLUMN).agg(
        pl.len().alias("data_rows"), pl.col("reject_reason").is_not_null().sum().alias("rejected")
    )
    counted = {r[0]: (r[1], r[2]) for r in per.iter_rows()}
    records = []
    for s, sheet in enumerate(sheets):
        data_n, rejected_n = counted.get(s, (0, 0))
        records.append(
            (sheet.file, sheet.name, sheet.hidden, data_n, data_n - rejected_n, rejected_n, sheet.note)
        )
    return pl.DataFrame(records, schema=SHEETS_SCHEMA, orient="row")


def _file_reason(notes: set[str | None]) -> str:
    """Why a file whose sheets gave no table is refused (no header, else empty, else too large)."""
    reason = issues.FILE_NO_HEADER if issues.SHEET_NO_HEADER in notes else issues.FILE_EMPTY
    if issues.SHEET_TOO_LARGE in notes and reason == issues.FILE_EMPTY:
        reason = issues.FILE_TOO_LARGE
    return reason
