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


def _key_code(column: str) -> pl.Expr:
    """A key value as a dense integer code (null when missing or empty): the same blocks,
    but the self-joins compare 4-byte integers instead of names."""
    present = pl.col(column).is_not_null() & (pl.col(column).cast(pl.String) != "")
    return pl.when(present).then(pl.col(column).rank("dense")).alias(column)


def _rule_pairs(
    keys: pl.LazyFrame, rule: BlockingRule, id_col: str, max_block_size: int, need: int
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    cols = list(rule.columns)
    blocks = (
        keys.select(id_col, *cols, "_side").drop_nulls(cols).with_columns(pl.len().over(cols).alias("_block"))
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


def _first_rule(found: pl.DataFrame, ids: list[str], rule_column: str) -> pl.DataFrame:
    """One row per pair, keeping the first rule that found it (rule precedence), sorted.

    Integer ids below 2^32 (record positions) are packed into one UInt64 first: grouping and
    sorting one integer column is several times cheaper than two."""
    dtype = found.schema[ids[0]]
    packable = dtype.is_integer() and found.height > 0
    if packable:
        low, high = found.select(
            pl.min_horizontal(ids).min().alias("low"), pl.max_horizontal(ids).max().alias("high")
        ).row(0)
        packable = int(low) >= 0 and int(high) < 2**32
    if not packable:
        return found.group_by(ids).agg(pl.col(rule_column).min()).sort(ids)
    key = (pl.col(ids[0]).cast(pl.UInt64) * 2**32 + pl.col(ids[1]).cast(pl.UInt64)).alias("_key")
    first = found.select(key, rule_column).group_by("_key").agg(pl.col(rule_column).min()).sort("_key")
    return first.select(
        (pl.col("_key") // 2**32).cast(dtype).alias(ids[0]),
        (pl.col("_key") % 2**32).cast(dtype).alias(ids[1]),
        rule_column,
    )


def block_pair_codes(
    records: pl.DataFrame,
    rules: tuple[BlockingRule, ...],
    *,
    id_column: str,
    max_block_size: int = 500,
    new_mask: pl.Series | None = None,
    rule_column: str = "_rule",
) -> tuple[pl.DataFrame, list[BlockingStats]]:
    """Candidate pairs `(<id>_l, <id>_r, <rule_column>)`, the rule as its position (Int16).

    Narrow on purpose: millions of pairs carry a 2-byte rule, not its name.
    """
    need = 1 if new_mask is not None else 0
    side = new_mask.cast(pl.Int8) if new_mask is not None else pl.lit(0, pl.Int8)
    key_cols = sorted({c for r in rules for c in r.columns})
    keys = records.select(id_column, *[_key_code(c) for c in key_cols]).with_columns(_side=side).lazy()
    found: list[pl.DataFrame] = []
    skipped: list[tuple[int, int]] = []
    for order, rule in enumerate(rules):
        pairs_lf, skipped_lf = _rule_pairs(keys, rule, id_column, max_block_size, need)
        found.append(pairs_lf.with_columns(pl.lit(order, pl.Int16).alias(rule_column)).collect())
        skipped.append(skipped_lf.collect().row(0))
    ids = [f"{id_column}_l", f"{id_column}_r"]
    empty = pl.DataFrame(
        schema={ids[0]: records.schema[id_column], ids[1]: records.schema[id_column], rule_column: pl.Int16}
    )
    out = _first_rule(pl.concat([empty, *found]), ids, rule_column)
    added = dict(out.get_column(rule_column).value_counts().iter_rows())
    stats = [
        BlockingStats(rule.match_key, found[i].height, int(added.get(i, 0)), *skipped[i])
        for i, rule in enumerate(rules)
    ]
    return out, stats


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
    out, stats = block_pair_codes(
        records, rules, id_column=id_column, max_block_size=max_block_size, new_mask=new_mask
    )
    names = {i: r.match_key for i, r in enumerate(rules)}
    match_key = pl.col("_rule").replace_strict(names, return_dtype=pl.String).alias("match_key")
    return out.with_columns(match_key).drop("_rule"), stats
