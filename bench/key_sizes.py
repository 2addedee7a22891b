"""Candidate citizens per searched member, per đối soát blocking rule (docs/SCALING.md §2).

    python -m bench.key_sizes NORMALISED_PARQUET_GLOB POPULATION_DIR [CAP]

Groups the population extract by each rule's key columns and joins the members without a
usable CCCD (the search side): the sum of key sizes is the pairs `candidate_pairs` yields
before pairs found by two rules are merged. `after` is the same with crowded keys (more
than CAP citizens, default `search.CROWDED_KEY_CITIZENS`) refined by the commune as
`search.search_index` does: the key's citizens recorded with a year only, plus those of
the member's commune. Counts only; no personal value is printed.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

import polars as pl

from ddss.reconcile import load_population
from ddss.reconcile.codes import refined
from ddss.reconcile.exact import member_side, usable_cccd_expr
from ddss.reconcile.search import BLOCKING_RULES, CROWD_REFINE, CROWDED_KEY_CITIZENS, UNDATED_RULES


def _sizes(citizens: pl.DataFrame, rule: tuple[str, ...], prefix: str) -> pl.DataFrame:
    """Citizens per key of `rule`, and those of them recorded with a year only."""
    return (
        citizens.drop_nulls(list(rule))
        .group_by(list(rule))
        .agg(pl.len().alias(f"{prefix}n"), pl.col("birth_date").is_null().sum().alias(f"{prefix}y"))
    )


def report(side: pl.DataFrame, citizens: pl.DataFrame, cap: int = CROWDED_KEY_CITIZENS) -> None:
    """Print the per-rule figures for the search `side` against `citizens` (the rules'
    columns and `birth_date`)."""
    rules = (*BLOCKING_RULES, *UNDATED_RULES)
    print(f"citizens {citizens.height:,}  searched members {side.height:,}  cap {cap}")
    before = after = 0
    per = max(side.height, 1)
    for rule in rules:
        members = side if rule in BLOCKING_RULES else side.filter(pl.col("birth_year").is_null())
        sub = refined(rule, CROWD_REFINE)
        keys = list(sub or rule)
        hits = (
            members.drop_nulls(list(rule))
            .select(pl.col(c).cast(citizens.schema[c]) for c in keys)
            .join(_sizes(citizens, rule, ""), on=list(rule))
        )
        if sub is None:  # never capped: nothing finer to search by
            hits = hits.with_columns(pl.col("n").alias("kept"))
        else:
            hits = hits.join(_sizes(citizens, sub, "r"), on=keys, how="left").with_columns(
                pl.when(pl.col("n") <= cap)
                .then(pl.col("n"))
                .otherwise(pl.col("y") + (pl.col("rn") - pl.col("ry")).fill_null(0))
                .alias("kept")
            )
        total, kept = hits["n"].sum(), hits["kept"].sum()
        crowded = 0 if sub is None else hits.filter(pl.col("n") > cap).height
        before, after = before + total, after + kept
        shares = " ".join(
            f">{k}: {hits.filter(pl.col('n') > k)['n'].sum() / max(total, 1):.0%}" for k in (10, 50, 100)
        )
        print(
            f"{', '.join(rule):45s} per member {total / per:5.2f} after {kept / per:5.2f}  {shares}  "
            f"largest {hits['n'].max()}  crowded members {crowded:,}"
        )
    print(f"{'all rules':45s} per member {before / per:5.2f} after {after / per:5.2f}")


def main(normalised: str, population_dir: Path, cap: int = CROWDED_KEY_CITIZENS) -> None:
    side = member_side(pl.read_parquet(sorted(glob.glob(normalised)))).filter(~usable_cccd_expr())
    rules = (*BLOCKING_RULES, *UNDATED_RULES)
    columns = sorted({c for rule in rules for c in rule} | {"birth_date", CROWD_REFINE})
    citizens = load_population(sorted(population_dir.glob("*"))).lazy().select(columns).collect()
    report(side, citizens, cap)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), *(int(a) for a in sys.argv[3:4]))
