"""ddss: the pure domain library (no Dagster) that cleans member records and checks them
against the population file. Each stage is one function; the Dagster assets call them.

Entry points are re-exported lazily (PEP 562), so `import ddss.text` stays light and the
sub-modules never import each other through this file.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DataPaths": "ddss.config",
    "ingest_tree": "ddss.ingest",
    "normalise_members": "ddss.normalise",
    "link_members": "ddss.linkage",
    "load_population": "ddss.reconcile",
    "reconcile_members": "ddss.reconcile",
    "reconcile_linked": "ddss.reconcile.linked",
    "assemble_members": "ddss.members",
    "compute_all": "ddss.metrics",
    "write_members_db": "ddss.store",
    "publish_metrics": "ddss.store",
    "render_html_report": "ddss.report",
    "write_review_workbooks": "ddss.review",
    "read_decisions": "ddss.review",
    "export_member_lists": "ddss.review",
    "mask_cccd": "ddss.ids",
    "normalise_name": "ddss.names",
    "generate": "ddss.synth",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ddss' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
