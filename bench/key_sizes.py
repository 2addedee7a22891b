"""Candidate citizens per searched member, per đối soát blocking rule (docs/SCALING.md §2).

    python -m bench.key_sizes NORMALISED_PARQUET_GLOB POPULATION_DIR

Groups the population extract by each rule's key columns and joins the members without a
usable CCCD (the search side): the sum of key sizes is the pairs `candidate_pairs` yields
before pairs found by two rules are merged. Counts only; no personal value is printed.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

import polars as pl

from ddss.reconcile import load_population
from ddss.reconcile.exact import member_side, usable_cccd_expr
from ddss.reconcile.search import BLOCKING_RULES, UNDATED_RULES


def main(normalised: str, population_dir: Path) -> None:
    side = member_side(pl.read_parquet(sorted(glob.glob(normalised)))).filter(~usable_cccd_expr())
    columns = sorted({c for rule in (*BLOCKING_RULES, *UNDATED_RULES) for c in rule})
    citizens = load_population(sorted(population_dir.glob("*"))).lazy().select(columns).collect()
    print(f"citizens {citizens.height:,}  searched members {side.height:,}")
    for rule in (*BLOCKING_RULES, *UNDATED_RULES):
        members = side if rule in BLOCKING_RULES else side.filter(pl.col("birth_year").is_null())
        sizes = citizens.drop_nulls(list(rule)).group_by(list(rule)).len()
        hits = (
            members.drop_nulls(list(rule))
            .select(pl.col(c).cast(citizens.schema[c]) for c in rule)
            .join(sizes, on=list(rule))
        )
        total = hits["len"].sum()
        shares = " ".join(
            f">{k}: {hits.filter(pl.col('len') > k)['len'].sum() / max(total, 1):.0%}" for k in (10, 50, 100)
        )
        per_member = total / max(side.height, 1)
        print(f"{', '.join(rule):45s} per member {per_member:5.2f}  {shares}  largest {hits['len'].max()}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
