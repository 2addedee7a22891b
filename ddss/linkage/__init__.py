"""Record linkage of members: dedupe within each org, link people across orgs.

Thin public surface (like `splink.comparison_library`): settings, the link entry points,
the reusable scoring engine (`compare`, `score`) for đối soát, explanations and golden records.
"""

from ddss.linkage.blocking import BlockingStats, block_pairs
from ddss.linkage.comparisons import compare, comparison_levels, level_labels
from ddss.linkage.decisions import decide
from ddss.linkage.explain import explain_cluster, explain_pairs
from ddss.linkage.golden import golden_records
from ddss.linkage.ids import cluster_ids, hmac_hex
from ddss.linkage.incremental import link_incremental
from ddss.linkage.link import LinkageResult, link_members
from ddss.linkage.records import prepare_records
from ddss.linkage.scoring import estimate_weights, score, threshold_tradeoff
from ddss.linkage.settings import (
    BlockingRule,
    ComparisonSpec,
    LevelWeight,
    LinkageSettings,
    default_settings,
)

__all__ = [
    "BlockingRule",
    "BlockingStats",
    "ComparisonSpec",
    "LevelWeight",
    "LinkageResult",
    "LinkageSettings",
    "block_pairs",
    "cluster_ids",
    "compare",
    "comparison_levels",
    "decide",
    "default_settings",
    "estimate_weights",
    "explain_cluster",
    "explain_pairs",
    "golden_records",
    "hmac_hex",
    "level_labels",
    "link_incremental",
    "link_members",
    "prepare_records",
    "score",
    "threshold_tradeoff",
]
