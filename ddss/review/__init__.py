"""The steward loop: review workbooks out, decisions back in, member lists for cadres."""

from __future__ import annotations

from ddss.review.decisions import (
    AUDIT_COLUMNS,
    DECISION_COLUMNS,
    DecisionsResult,
    duplicate_decisions,
    read_decisions,
)
from ddss.review.export import export_member_lists
from ddss.review.safe_cells import neutralise_expr, neutralise_frame, write_csv_safe
from ddss.review.workbook import write_review_workbooks

__all__ = [
    "AUDIT_COLUMNS",
    "DECISION_COLUMNS",
    "DecisionsResult",
    "duplicate_decisions",
    "export_member_lists",
    "neutralise_expr",
    "neutralise_frame",
    "read_decisions",
    "write_csv_safe",
    "write_review_workbooks",
]
