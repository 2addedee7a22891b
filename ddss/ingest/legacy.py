"""Legacy encodings (TCVN3/VNI/VIQR) per sheet and column, for many sheets at once.

DOMAIN.md "Names": a sheet typed in a .VnTime font or VNI reads as symbols. The decision is
per sheet and column (`ddss.text.detect_legacy_encoding`, as when each sheet was parsed
alone); one query finds the few sheets whose cells carry any legacy signature, and only
their columns run the detection and the conversion.
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from ddss.frames import ENGINE
from ddss.ingest.detect import SHEET_COLUMN

# The signature patterns that `detect_legacy_encoding` counts, and its issue codes (shared).
from ddss.text import (
    LEGACY_SIGNATURES,
    UNICODE_VI_PATTERN,
    decode_legacy_expr,
    detect_legacy_encoding,
    legacy_issue_code,
)

_LEGACY_RX = f"(?:{LEGACY_SIGNATURES['tcvn3']})|(?:{LEGACY_SIGNATURES['vni']})"
# Any signature at all, tested on a row's `raw` text (its cells joined by " | ", so no
# signature spans two cells): a row without one has no signed cell, and most rows have none.
_ANY_SIGNATURE_RX = f"{_LEGACY_RX}|(?:{LEGACY_SIGNATURES['viqr']})"
ISSUES = "issues"


def _signed(col: str) -> pl.Expr:
    """The cell counts for an encoding in `detect_legacy_encoding`; a column with no such
    cell is never detected, so only columns with one are looked at closely."""
    c = pl.col(col)
    tcvn3_vni = c.str.contains(_LEGACY_RX) & ~c.str.contains(UNICODE_VI_PATTERN)
    viqr = c.str.contains(LEGACY_SIGNATURES["viqr"]) & ~c.str.contains(r"[^\x00-\x7F]")
    return (tcvn3_vni | viqr).fill_null(False).alias(col)


def _detected(frame: pl.DataFrame, mapped: pl.DataFrame) -> dict[tuple[str, str], list[int]]:
    """(column, encoding) -> sheets whose mapped column is in that encoding (rows carry `raw`)."""
    columns = mapped.columns[1:]
    present = [c for c in columns if frame.get_column(c).null_count() < frame.height]
    if not present:
        return {}
    hits = (
        frame.lazy()
        .filter(pl.col("raw").str.contains(_ANY_SIGNATURE_RX))
        .select(SHEET_COLUMN, *(_signed(c) for c in present))
        .group_by(SHEET_COLUMN)
        .agg(pl.col(present).any())
        .filter(pl.any_horizontal(present))
        .collect(engine=ENGINE)
    )
    if hits.is_empty():
        return {}
    sheets = hits.get_column(SHEET_COLUMN).to_list()
    parts = frame.filter(pl.col(SHEET_COLUMN).is_in(sheets)).partition_by(SHEET_COLUMN, as_dict=True)
    maps = {
        row[SHEET_COLUMN]: row
        for row in mapped.filter(pl.col(SHEET_COLUMN).is_in(sheets)).iter_rows(named=True)
    }
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in hits.iter_rows(named=True):
        part = parts[(row[SHEET_COLUMN],)]
        own = maps.get(row[SHEET_COLUMN], {})
        for c in present:
            if row[c] and own.get(c) and (encoding := detect_legacy_encoding(part.get_column(c))):
                found[(c, encoding)].append(row[SHEET_COLUMN])
    return found


def decode_legacy_sheets(frame: pl.DataFrame, mapped: pl.DataFrame) -> pl.DataFrame:
    """Add `issues`, convert legacy-encoded columns and note the conversion on changed rows;
    judged per sheet over the columns its header maps (`mapped`: the sheet id, then one
    boolean column per text column, true where the sheet's header maps it).

    The conversion's column-level shares are per sheet (`.over` the sheet); only the rows of
    legacy sheets (a few in a batch) are converted, then put back in place (rows keep their
    order, so nothing downstream re-sorts the batch).
    """
    columns = mapped.columns[1:]
    frame = frame.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias(ISSUES))
    found = _detected(frame, mapped)
    if not found:
        return frame
    # Issue codes in column order, as one sheet parsed alone lists them.
    groups = sorted(found.items(), key=lambda item: columns.index(item[0][0]))
    sheets = sorted({s for _, group in groups for s in group})
    legacy = frame.with_row_index("_at").filter(pl.col(SHEET_COLUMN).is_in(sheets))
    legacy = legacy.with_columns(_decoded(legacy, groups))
    notes = [
        pl.when(pl.col(f"_d{n}").is_not_null() & pl.col(f"_d{n}").ne_missing(pl.col(c))).then(
            pl.lit(legacy_issue_code(c, enc))
        )
        for n, ((c, enc), _) in enumerate(groups)
    ]
    converted: dict[str, pl.Expr] = {}
    for n, ((c, _), group) in enumerate(groups):
        here = pl.col(SHEET_COLUMN).is_in(group)
        converted[c] = pl.when(here).then(pl.col(f"_d{n}")).otherwise(converted.get(c, pl.col(c)))
    issues = pl.concat_list([pl.col(ISSUES), *notes]).list.drop_nulls().list.unique(maintain_order=True)
    legacy = legacy.select("_at", issues.alias(ISSUES), *(e.alias(c) for c, e in converted.items()))
    # Row i of the result takes row `take[i]` of frame-then-legacy: its own, or its decoded one.
    n, k = frame.height, legacy.height
    take = pl.int_range(n, eager=True, dtype=pl.UInt32).scatter(
        legacy.get_column("_at"), pl.int_range(n, n + k, eager=True, dtype=pl.UInt32)
    )
    return frame.with_columns(
        pl.concat([frame.get_column(c), legacy.get_column(c)]).gather(take) for c in legacy.columns[1:]
    )


def _decoded(legacy: pl.DataFrame, groups: list[tuple[tuple[str, str], list[int]]]) -> list[pl.Series]:
    """`_d<n>`: group n's column decoded on its sheets (null elsewhere), judged per sheet.

    The cells of all groups of one encoding are stacked into one column and decoded by one
    expression `.over` (sheet, group): a decode builds its replacement automaton once per
    call, which cost more than converting a batch's few legacy rows when done per group.
    """
    legacy = legacy.with_row_index("_li")
    decoded: dict[int, pl.Series] = {}
    for encoding in sorted({enc for (_, enc), _ in groups}):
        cells = pl.concat(
            legacy.filter(pl.col(SHEET_COLUMN).is_in(group)).select(
                "_li", SHEET_COLUMN, pl.lit(n, pl.Int32).alias("_g"), pl.col(c).alias("_v")
            )
            for n, ((c, enc), group) in enumerate(groups)
            if enc == encoding
        ).with_columns(decode_legacy_expr("_v", encoding).over(SHEET_COLUMN, "_g"))
        for (n,), part in cells.partition_by("_g", as_dict=True).items():
            nulls = pl.repeat(None, legacy.height, dtype=pl.String, eager=True)
            decoded[n] = nulls.scatter(part.get_column("_li"), part.get_column("_v"))
    return [decoded[n].alias(f"_d{n}") for n in range(len(groups))]
