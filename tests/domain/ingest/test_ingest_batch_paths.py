"""Batch-level shortcuts of ingest give what the plain per-sheet rules give: stack order,
`extra` only on rows that have one, and one legacy decode per encoding across sheets."""

from __future__ import annotations

import json

import polars as pl
from polars.testing import assert_frame_equal

from ddss.ingest.batch import _in_sheet_order
from ddss.ingest.body import _extra
from ddss.ingest.detect import SHEET_COLUMN
from ddss.ingest.legacy import decode_legacy_sheets
from ddss.text import decode_legacy_columns


def _sheets(*ids: int) -> pl.DataFrame:
    return pl.DataFrame(
        {SHEET_COLUMN: list(ids), "c0": [f"s{i}" for i in ids]}, schema_overrides={SHEET_COLUMN: pl.Int32}
    )


def test_pieces_are_cut_into_runs_and_put_in_sheet_order() -> None:
    # A stacked text read holding sheets 0, 1, 1, 4, 5 (2 and 3 were read alone), then the
    # alone files' grids and another delimiter's group (sheet 6) in whatever order.
    stacked = _sheets(0, 1, 1, 4, 5)
    pieces = [stacked, _sheets(6), _sheets(3), _sheets(2, 2), _sheets()]
    ordered = pl.concat(_in_sheet_order(pieces))
    assert ordered.get_column(SHEET_COLUMN).to_list() == [0, 1, 1, 2, 2, 3, 4, 5, 6]
    assert_frame_equal(ordered.sort(SHEET_COLUMN, maintain_order=True), ordered)


def test_extra_is_encoded_only_where_a_row_has_one() -> None:
    frame = pl.DataFrame(
        {
            "_xv0": [None, 'a "q"', None, "x"],
            "_xv1": [None, None, None, "\\y"],
            "_xl0": ["Ghi chú", "Ghi chú", "Ghi chú", "Chức vụ"],
            "_xl1": [None, None, None, "Đảng viên"],
        }
    )
    frame = frame.with_columns(
        pl.struct(pl.col(f"_xl{k}").alias("v"))
        .struct.json_encode()
        .str.slice(5)
        .str.strip_suffix("}")
        .alias(f"_xj{k}")
        for k in range(2)
    )
    out = _extra(frame, 2).to_list()
    assert out[0] is None and out[2] is None
    assert json.loads(out[1]) == {"Ghi chú": 'a "q"'}
    assert json.loads(out[3]) == {"Chức vụ": "x", "Đảng viên": "\\y"}
    assert _extra(frame, 0).to_list() == [None] * 4


def test_legacy_sheets_of_several_encodings_decode_as_each_sheet_alone() -> None:
    # Sheet 0 TCVN3, sheet 1 VNI, sheet 2 Unicode, sheet 3 TCVN3 but its header maps no name.
    names = {
        0: ["NguyÔn V¨n Hïng", "TrÇn ThÞ Lan", "Lª V¨n Nam"],
        1: ["Nguyeãn Vaên Huøng", "Traàn Thò Lan", "Leâ Vaên Nam"],
        2: ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Văn Nam"],
        3: ["NguyÔn V¨n Hïng", "TrÇn ThÞ Lan", "Lª V¨n Nam"],
    }
    frame = pl.DataFrame(
        {
            SHEET_COLUMN: [s for s, values in names.items() for _ in values],
            "full_name": [v for values in names.values() for v in values],
        },
        schema_overrides={SHEET_COLUMN: pl.Int32},
    ).with_columns(raw=pl.col("full_name"))
    mapped = pl.DataFrame(
        {SHEET_COLUMN: [0, 1, 2, 3], "full_name": [True, True, True, False]},
        schema_overrides={SHEET_COLUMN: pl.Int32},
    )
    out = decode_legacy_sheets(frame, mapped)
    for sheet in (0, 1, 2):
        alone, _ = decode_legacy_columns(frame.filter(pl.col(SHEET_COLUMN) == sheet), ["full_name"])
        mine = out.filter(pl.col(SHEET_COLUMN) == sheet)
        assert mine.get_column("full_name").to_list() == alone.get_column("full_name").to_list()
        assert mine.get_column("issues").to_list() == alone.get_column("issues").to_list()
    for sheet in (0, 1, 2):
        assert out.filter(pl.col(SHEET_COLUMN) == sheet).get_column("full_name").to_list() == names[2]
    assert out.filter(pl.col(SHEET_COLUMN) == 3).get_column("full_name").to_list() == names[3]
