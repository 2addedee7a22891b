"""Đối soát với CSDL dân cư: link every member row to the citizen it describes, or say why not.

Exact path by CCCD, search path for members without one, CCCD correction suggestions, and
steward decisions applied last, so a later automatic run never undoes them.
"""

from __future__ import annotations

from ddss.reconcile.exact import MATCH_COLUMNS
from ddss.reconcile.plan import (
    CANDIDATE_COLUMNS,
    MATCH_STATUSES,
    ReconcilePlan,
    ReconcileResult,
    batch_numbers,
    batch_side,
    finish_reconcile,
    plan_reconcile,
    prepare_plan_search,
    reconcile_members,
    search_all,
    search_batches,
    search_plan,
)
from ddss.reconcile.population import POPULATION_COLUMNS, load_population
from ddss.reconcile.repair import CORRECTION_COLUMNS, cccd_variants
from ddss.reconcile.scoring import ReconcileSettings, score_pairs
from ddss.reconcile.search import BLOCKING_RULES

__all__ = [
    "BLOCKING_RULES",
    "CANDIDATE_COLUMNS",
    "CORRECTION_COLUMNS",
    "MATCH_COLUMNS",
    "MATCH_STATUSES",
    "POPULATION_COLUMNS",
    "RECONCILE_COLUMNS",
    "ReconcilePlan",
    "ReconcileResult",
    "ReconcileSettings",
    "batch_numbers",
    "batch_side",
    "cccd_variants",
    "finish_reconcile",
    "load_population",
    "plan_reconcile",
    "prepare_plan_search",
    "reconcile_members",
    "score_pairs",
    "search_all",
    "search_batches",
    "search_plan",
]

# Member columns đối soát reads (reconcile_members docstring); others are never copied.
RECONCILE_COLUMNS = (
    "row_id",
    "org",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "cccd",
    "cccd_status",
    "province_code",
    "commune_code",
    "source_file",
    "source_sheet",
    "source_row",
    "issues",  # optional: which values were guessed (exact.guess_flags)
)
