"""Blocking: candidate pairs as the union of several strict key rules (never all pairs).

Each rule is one self-join on its key columns with `id_l < id_r` and nulls never equal;
pairs found by several rules keep the lowest `match_key` (Splink's convention). A key value
shared by more than `max_block_size` rows is skipped and counted, so one common value
(e.g. a very frequent given name in one year) cannot explode the pair count.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ddss.linkage.settings import BlockingRule


@dataclass(frozen=True)
class BlockingStats:
    """Counts only: pairs each rule found (before dedup), new pairs it added, skipped keys."""

    match_key: str
    candidate_pairs: int
    new_pairs: int
    skipped_key_values: int
    skipped_rows: int


def _rule_pairs(
    keys: pl.LazyFrame, rule: BlockingRule, id_col: str, max_block_size: int, need: int
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    cols = list(rule.columns)
    blocks = (
        keys.select(id_col, *cols, "_side")
        .drop_nulls(cols)
        .filter(pl.all_horizontal(pl.col(c).cast(pl.String) != "" for c in cols))
        .with_columns(pl.len().over(cols).alias("_block"))
    )
    skipped = blocks.filter(pl.col("_block") > max_block_size).select(
        pl.struct(cols).n_unique().alias("skipped_key_values"),
        pl.len().alias("skipped_rows"),
    )
    kept = blocks.filter(pl.col("_block") <= max_block_size).drop("_block")
    pairs = (
        kept.join(kept, on=cols, how="inner", suffix="_r", nulls_equal=False)
        .filter(pl.col(id_col) < pl.col(f"{id_col}_r"))
        # incremental mode: at least one side must be new (side 1)
        .filter((pl.col("_side") + pl.col("_side_r")) >= need)
        .select(
            pl.col(id_col).alias(f"{id_col}_l"),
            pl.col(f"{id_col}_r"),
        )
    )
    return pairs, skipped


def block_pairs(
    records: pl.DataFrame,
    rules: tuple[BlockingRule, ...],
    *,
    id_column: str,
    max_block_size: int = 500,
    new_mask: pl.Series | None = None,
) -> tuple[pl.DataFrame, list[BlockingStats]]:
    """Candidate pairs `(<id>_l, <id>_r, match_key)` with `<id>_l < <id>_r`.

    `new_mask` (bool per record) restricts pairs to those touching at least one new record,
    which is how incremental linkage avoids recomputing old pairs.
    """
    need = 1 if new_mask is not None else 0
    side = new_mask.cast(pl.Int8) if new_mask is not None else pl.lit(0, pl.Int8)
    key_cols = sorted({c for r in rules for c in r.columns})
    keys = records.lazy().select(id_column, *key_cols).with_columns(_side=side)
    found: list[pl.DataFrame] = []
    skipped: list[tuple[int, int]] = []
    for order, rule in enumerate(rules):
        pairs_lf, skipped_lf = _rule_pairs(keys, rule, id_column, max_block_size, need)
        found.append(pairs_lf.with_columns(pl.lit(order, pl.Int16).alias("_order")).collect())
        skipped.append(skipped_lf.collect().row(0))
    ids = [f"{id_column}_l", f"{id_column}_r"]
    names = {i: r.match_key for i, r in enumerate(rules)}
    empty = pl.DataFrame(
        schema={ids[0]: records.schema[id_column], ids[1]: records.schema[id_column], "_order": pl.Int16}
    )
    out = pl.concat([empty, *found]).sort("_order").unique(ids, keep="first", maintain_order=True).sort(ids)
    added = dict(out.get_column("_order").value_counts().iter_rows())
    stats = [
        BlockingStats(rule.match_key, found[i].height, int(added.get(i, 0)), *skipped[i])
        for i, rule in enumerate(rules)
    ]
    out = out.with_columns(match_key=pl.col("_order").replace_strict(names, return_dtype=pl.String)).drop(
        "_order"
    )
    return out, stats
