"""Read steward decisions back from filled-in review workbooks (the `decisions/` folder).

Each decision row is found by the hidden key columns the writer put there, so stewards may
sort, filter or add notes freely. Every row read is recorded in an audit frame (who, when,
which file, what happened to it); only valid decisions reach the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import polars as pl
from openpyxl.utils.exceptions import InvalidFileException

from ddss.review.workbook import (
    DECISION_HEADER,
    KEY2_HEADER,
    KEY_HEADER,
    SHEET_CANDIDATES,
    SHEET_CORRECTIONS,
    SHEET_DUPLICATES,
    SHEET_MISMATCH,
    STEWARD_HEADER,
    VALUE_HEADER,
)
from ddss.text import ascii_fold_expr

log = logging.getLogger(__name__)

DECISION_COLUMNS = {
    "kind": pl.String,  # match | cccd_correction | duplicate
    "row_id": pl.String,
    "row_id_r": pl.String,  # the other row of a duplicate pair
    "decision": pl.String,  # accept | reject | correct | confirm | split
    "value": pl.String,
    "steward": pl.String,
    "decided_at": pl.Datetime("us"),
    "source_file": pl.String,
}
AUDIT_COLUMNS = {
    **DECISION_COLUMNS,
    "source_sheet": pl.String,
    "sheet_row": pl.Int64,
    "outcome": pl.String,  # read | invalid_value | unknown_decision | missing_key
}

# Folded choice text -> verb (the validation list offers Đồng ý / Từ chối / Sửa).
_CHOICES = {
    "dong y": "accept",
    "accept": "accept",
    "co": "accept",
    "tu choi": "reject",
    "reject": "reject",
    "khong": "reject",
    "sua": "correct",
    "correct": "correct",
}
# (sheet, verb) -> (kind, decision, value source: None | "key2" | "typed")
_RULES: dict[tuple[str, str], tuple[str, str, str | None]] = {
    (SHEET_MISMATCH, "accept"): ("match", "accept", None),
    (SHEET_MISMATCH, "reject"): ("match", "reject", None),
    (SHEET_MISMATCH, "correct"): ("cccd_correction", "correct", "typed"),
    (SHEET_CANDIDATES, "accept"): ("match", "accept", "key2"),
    (SHEET_CANDIDATES, "reject"): ("match", "reject", "key2"),
    (SHEET_CANDIDATES, "correct"): ("cccd_correction", "correct", "typed"),
    (SHEET_CORRECTIONS, "accept"): ("cccd_correction", "correct", "key2"),
    (SHEET_CORRECTIONS, "reject"): ("cccd_correction", "reject", "key2"),
    (SHEET_CORRECTIONS, "correct"): ("cccd_correction", "correct", "typed"),
    (SHEET_DUPLICATES, "accept"): ("duplicate", "confirm", None),
    (SHEET_DUPLICATES, "reject"): ("duplicate", "split", None),
}
_MAX_HEADER_SCAN = 15


@dataclass(frozen=True)
class DecisionsResult:
    """Valid decisions (oldest first) and the audit of every filled-in row."""

    decisions: pl.DataFrame
    audit: pl.DataFrame


def _fold(text: object) -> str:
    if text is None:
        return ""
    return pl.select(ascii_fold_expr(pl.lit(str(text)))).item() or ""


def _clean_cccd(value: object) -> str | None:
    """A typed CCCD as 12 digits; Excel may have turned it into a number (lost leading 0)."""
    if value is None:
        return None
    text = str(value).strip().lstrip("'")
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    digits = re.sub(r"[\s.\-]", "", text)
    if re.fullmatch(r"\d{11}", digits):
        digits = "0" + digits  # DOMAIN.md: Excel drops the leading zero
    return digits if re.fullmatch(r"\d{12}", digits) else None


def _file_meta(wb: openpyxl.Workbook, path: Path) -> tuple[str | None, dt.datetime]:
    props = wb.properties
    steward = props.lastModifiedBy or props.creator
    when = props.modified or dt.datetime.fromtimestamp(path.stat().st_mtime)
    return steward, when.replace(tzinfo=None)


def _header_index(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(rows[:_MAX_HEADER_SCAN]):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if KEY_HEADER in cells and DECISION_HEADER in cells:
            return i, {h: j for j, h in enumerate(cells) if h}
    return None


def _sheet_records(sheet: str, rows: list[tuple], base: dict) -> list[dict]:
    """Audit records of one sheet (Python per filled-in row: decisions are few)."""
    found = _header_index(rows)
    if found is None:
        return []
    header_at, idx = found

    def cell(row: tuple, header: str) -> object:
        j = idx.get(header)
        return row[j] if j is not None and j < len(row) else None

    out = []
    for offset, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        choice = cell(row, DECISION_HEADER)
        if choice is None or str(choice).strip() == "":
            continue
        key, key2 = cell(row, KEY_HEADER), cell(row, KEY2_HEADER)
        rule = _RULES.get((sheet, _CHOICES.get(_fold(choice), "")))
        kind, decision, source = rule or (None, None, None)
        typed = cell(row, VALUE_HEADER)
        value = str(key2) if source == "key2" and key2 is not None else _clean_cccd(typed)
        if source is None:
            value = None
        outcome = "read"
        if key is None:
            outcome = "missing_key"
        elif rule is None:
            outcome = "unknown_decision"
        elif source is not None and value is None:
            outcome = "invalid_value"
        steward = cell(row, STEWARD_HEADER)
        out.append(
            base
            | {
                "kind": kind,
                "row_id": None if key is None else str(key),
                "row_id_r": str(key2) if kind == "duplicate" and key2 is not None else None,
                "decision": decision,
                "value": value,
                "steward": str(steward).strip() if steward else base["steward"],
                "source_sheet": sheet,
                "sheet_row": offset,
                "outcome": outcome,
            }
        )
    return out


def _read_file(path: Path, root: Path) -> list[dict]:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        log.warning(
            "decision file unreadable: %s (%s)", path.relative_to(root).as_posix(), type(exc).__name__
        )
        return []
    try:
        steward, when = _file_meta(wb, path)
        base = {"steward": steward, "decided_at": when, "source_file": path.relative_to(root).as_posix()}
        records = []
        for sheet in (SHEET_MISMATCH, SHEET_CANDIDATES, SHEET_CORRECTIONS, SHEET_DUPLICATES):
            if sheet in wb.sheetnames:
                records += _sheet_records(sheet, list(wb[sheet].iter_rows(values_only=True)), base)
        return records
    finally:
        wb.close()


def read_decisions(decisions_dir: Path) -> DecisionsResult:
    """All `*.xlsx` under `decisions_dir`, oldest first, as decisions + audit frames."""
    files = (
        sorted(
            (p for p in decisions_dir.rglob("*.xlsx") if not p.name.startswith("~$")),
            key=lambda p: (p.stat().st_mtime, p.as_posix()),
        )
        if decisions_dir.exists()
        else []
    )
    records = [r for p in files for r in _read_file(p, decisions_dir)]
    audit = pl.DataFrame(records, schema=AUDIT_COLUMNS) if records else pl.DataFrame(schema=AUDIT_COLUMNS)
    audit = audit.select(AUDIT_COLUMNS.keys())
    decisions = (
        audit.filter(pl.col("outcome") == "read")
        .select(DECISION_COLUMNS.keys())
        .with_row_index("_order")
        .sort("decided_at", "_order", nulls_last=False)
        .drop("_order")
    )
    log.info(
        "steward decisions read: %d valid of %d rows in %d files", decisions.height, audit.height, len(files)
    )
    return DecisionsResult(decisions=decisions, audit=audit)


def duplicate_decisions(decisions: pl.DataFrame) -> pl.DataFrame:
    """Duplicate confirm/split pairs in the form the linkage engine takes (row_id_l < row_id_r)."""
    dup = decisions.filter((pl.col("kind") == "duplicate") & pl.col("row_id_r").is_not_null())
    return dup.select(
        pl.min_horizontal("row_id", "row_id_r").alias("row_id_l"),
        pl.max_horizontal("row_id", "row_id_r").alias("row_id_r"),
        "decision",
    ).unique(["row_id_l", "row_id_r"], keep="last", maintain_order=True)
