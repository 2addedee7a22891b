"""Blocking: candidate pairs as the union of several strict key rules (never all pairs).

Each rule groups rows whose key columns are all equal (nulls never equal); pairs found by
several rules keep the lowest `match_key` (Splink's convention).

Every rule's key has a domain that does not grow with the data (names, dates, years, org,
province), so a block grows with the row count and a full self-join with its square. Blocks
are therefore paired by a sorted neighbourhood (Hernández & Stolfo's windowing): rows of a
block are ordered by fields outside the key that put likely matches side by side (name,
commune, birth date) and each row is paired with its next `window` rows, once per order.
A rule yields at most `window × orders` pairs per row whatever the data size.

That cap alone still lets pairs per row climb towards it as blocks fill up (1M rows 3.2,
3M rows 5.5 with window 6: docs/SCALING.md §2), and most of those neighbours are strangers
with another name. With `window_free` set, only a row's first `window_free` neighbours are
paired whatever they hold (a misspelt copy sorts next to its original); farther ones must
share the full folded name (the order's first field), i.e. be a copy or a namesake. A
misspelt copy farther away is the other rules' job (CCCD, phone, birth date × commune,
phonetic keys). Measured at 1M rows: 1.6 pairs per row, the same true pairs found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ddss.linkage.settings import (
    DEFAULT_BLOCK_WINDOW,
    DEFAULT_BLOCK_WINDOW_FREE,
    DEFAULT_WINDOW_ORDERS,
    BlockingRule,
)


@dataclass(frozen=True)
class BlockingStats:
    """Counts only: pairs each rule found (before dedup), new pairs it added, skipped keys,
    and blocks too large to pair completely that were windowed instead (with their rows)."""

    match_key: str
    candidate_pairs: int
    new_pairs: int
    skipped_key_values: int
    skipped_rows: int
    windowed_blocks: int = 0
    windowed_rows: int = 0


def _key_code(column: str, dtype: pl.DataType, *, ordered: bool) -> pl.Expr:
    """A key value as an integer code (null when missing or empty): the same blocks, but the
    self-joins and sorts compare 4-byte integers instead of names. A text key that no window
    order sorts by only needs equal codes for equal values: a hashed categorical code, not a
    rank (sorting millions of strings once per key column)."""
    col = pl.col(column)
    text = dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Categorical | pl.Enum)
    present = col.is_not_null() & (col.cast(pl.String) != "") if text else col.is_not_null()
    if text and not ordered:
        code = col.cast(pl.String).cast(pl.Categorical(pl.Categories.random())).to_physical()
    else:
        code = col.rank("dense")
    return pl.when(present).then(code).alias(column)


def _rule_pairs(
    keys: pl.LazyFrame, rule: BlockingRule, id_col: str, max_block_size: int, need: int
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Full self-join of each block; blocks above `max_block_size` are skipped (counted)."""
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


def _window_pairs(
    keys: pl.DataFrame,
    rule: BlockingRule,
    id_col: str,
    window: int,
    orders: dict[str, str | None],
    need: int,
    free: int | None = None,
) -> tuple[pl.DataFrame, tuple[int, int, int, int]]:
    """Pairs of one rule: small blocks completely, larger ones by sorted neighbourhood, each
    row with its next `window` rows in each order; at most `window × len(orders)` pairs per
    row either way.

    orders: per window order, its rank column (`_order_ranks`) and its first field (the full
    folded name) or None. free None: blocks of at most `window + 1` rows are small.
    Otherwise only blocks of at most `free + 1` rows are, and of a row's next `window`
    neighbours only the first `free` are paired whatever they hold; farther ones must share
    the order's first field, unless the key already holds it.

    A small block's pairs are all within `free` (or `window`) places of each other in any
    order, so one sort per order serves both kinds: no self-join, no per-block count first.
    """
    cols = list(rule.columns)
    cut = window + 1 if free is None else min(free, window) + 1
    l_col, r_col = f"{id_col}_l", f"{id_col}_r"
    rows = keys.drop_nulls(cols)
    found = []
    sizes = np.zeros(0, dtype=np.int64)
    for rank, first in orders.items():
        lead = [pl.col(first).alias("_lead")] if free is not None and first and first not in cols else []
        ordered = _sorted_blocks(rows.select(id_col, "_side", *cols, rank, *lead), cols, rank)
        if not sizes.size:  # the blocks are the same in every order
            sizes = np.bincount(ordered.get_column("_blk").to_numpy())
        for k in range(1, window + 1):
            other = pl.col(id_col).shift(-k)
            keep = (pl.col("_blk") == pl.col("_blk").shift(-k)) & (
                (pl.col("_side") + pl.col("_side").shift(-k)) >= need
            )
            if lead and k > free:  # type: ignore[operator]
                keep = keep & (pl.col("_lead") == pl.col("_lead").shift(-k)).fill_null(False)
            found.append(
                ordered.select(
                    pl.min_horizontal(pl.col(id_col), other).alias(l_col),
                    pl.max_horizontal(pl.col(id_col), other).alias(r_col),
                    keep.alias("_keep"),
                )
                .filter(pl.col("_keep"))
                .drop("_keep")
            )
    pairs = pl.concat(found)
    if len(orders) > 1:
        pairs = pairs.unique()
    large = sizes[sizes > cut]
    return pairs, (0, 0, int(large.size), int(large.sum()))


def _sorted_blocks(rows: pl.DataFrame, cols: list[str], rank: str) -> pl.DataFrame:
    """`rows` sorted by the key codes, then the order's rank, with `_blk` numbering the
    blocks (0, 1, ...). All of them non-negative integer codes: packed into one UInt64 when
    their widths fit (a one-column radix sort, 3-4x faster than a multi-column one), else
    sorted column by column."""
    top = rows.select(pl.col([*cols, rank]).max()).row(0) if rows.height else [0] * (len(cols) + 1)
    widths = [max(int(v).bit_length(), 1) for v in top]  # shifts stay below 64
    carry = [c for c in rows.columns if c not in (*cols, rank)]
    if sum(widths) <= 64:
        shifts = np.cumsum([0, *reversed(widths)])[::-1][1:]  # bits below each column
        key = pl.sum_horizontal(
            pl.col(c).cast(pl.UInt64) * pl.lit(2 ** int(b), pl.UInt64)
            for c, b in zip([*cols, rank], shifts, strict=True)
        )
        block = pl.col("_key") // pl.lit(2 ** widths[-1], pl.UInt64)
        ordered = rows.select(*carry, key.alias("_key")).sort("_key")
    else:
        block = pl.struct(cols)
        ordered = rows.sort([*cols, rank])
    changed = (block != block.shift(1)).fill_null(True)
    return ordered.select(*carry, (changed.cum_sum() - 1).alias("_blk"))


def _order_ranks(
    keys: pl.DataFrame, id_column: str, orders: tuple[tuple[str, ...], ...]
) -> tuple[pl.DataFrame, dict[str, str | None]]:
    """Each window order once as one UInt32 rank (its fields, then the id; nulls last), and
    its first field. Inside a block the key fields are constant, so sorting a block by
    the rank equals sorting it by the order's fields outside the key: every rule sorts its
    key and one integer instead of up to four more columns."""
    ranks: dict[str, str | None] = {}
    columns = []
    for i, order in enumerate(dict.fromkeys(orders or ((),))):
        fields = [c for c in order if c in keys.columns and c != id_column]
        rank = keys.select(pl.arg_sort_by([*fields, id_column], nulls_last=True).arg_sort()).to_series()
        columns.append(rank.alias(f"_order{i}"))
        ranks[f"_order{i}"] = fields[0] if fields and fields[0] == order[0] else None
    return pl.DataFrame(columns), ranks


def _first_rule(found: pl.DataFrame, ids: list[str], rule_column: str) -> pl.DataFrame:
    """One row per pair, keeping the first rule that found it (rule precedence), sorted;
    `found` holds the rules' pairs in rule order.

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
    # `found` lists the rules in precedence order: a stable sort on the key puts each pair's
    # first rule first (4x faster and a quarter of the memory of grouping)
    ordered = found.select(key, rule_column).sort("_key", maintain_order=True)
    first = ordered.filter((pl.col("_key") != pl.col("_key").shift(1)).fill_null(True))
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
    window: int | None = DEFAULT_BLOCK_WINDOW,
    window_orders: tuple[tuple[str, ...], ...] = DEFAULT_WINDOW_ORDERS,
    window_free: int | None = DEFAULT_BLOCK_WINDOW_FREE,
) -> tuple[pl.DataFrame, list[BlockingStats]]:
    """Candidate pairs `(<id>_l, <id>_r, <rule_column>)`, the rule as its position (Int16).

    Narrow on purpose: millions of pairs carry a 2-byte rule, not its name. `window` None
    pairs every block completely and skips those above `max_block_size` (the old, quadratic
    behaviour); an integer pairs large blocks by sorted neighbourhood (`window_orders`).
    window_free: neighbours paired whatever they hold; farther ones within `window` only
    when they share the full name (`_window_pairs`); None pairs the whole window.
    """
    need = 1 if new_mask is not None else 0
    side = new_mask.cast(pl.Int8) if new_mask is not None else pl.lit(0, pl.Int8)
    key_cols = sorted({c for r in rules for c in r.columns})
    order_cols = sorted(
        {c for o in window_orders for c in o if c in records.columns} - {*key_cols, id_column}
    )
    if window is None:
        order_cols = []
    # order columns as dense ranks too: the same order and ties, but sorting 4-byte codes
    # (the row id is a string) for every rule
    order_codes = [pl.col(c).rank("dense").alias(c) for c in order_cols]
    # one column at a time: ranking them all at once holds every column's sort buffers
    in_order = {c for o in window_orders for c in o} if window is not None else set()
    key_codes = [_key_code(c, records.schema[c], ordered=c in in_order) for c in key_cols]
    codes = [records.select(e) for e in [*key_codes, *order_codes]]
    keys = records.select(id_column).hstack([c.to_series() for c in codes]).with_columns(_side=side)
    orders: dict[str, str | None] = {}
    if window is not None:
        ranks, orders = _order_ranks(keys, id_column, window_orders)
        keys = keys.hstack(ranks)
    found: list[pl.DataFrame] = []
    counts: list[tuple[int, int, int, int]] = []
    for order, rule in enumerate(rules):
        if window is None:
            pairs_lf, skipped_lf = _rule_pairs(keys.lazy(), rule, id_column, max_block_size, need)
            pairs, count = pairs_lf.collect(), (*skipped_lf.collect().row(0), 0, 0)
        else:
            pairs, count = _window_pairs(keys, rule, id_column, window, orders, need, window_free)
        found.append(pairs.with_columns(pl.lit(order, pl.Int16).alias(rule_column)))
        counts.append(count)
    ids = [f"{id_column}_l", f"{id_column}_r"]
    empty = pl.DataFrame(
        schema={ids[0]: records.schema[id_column], ids[1]: records.schema[id_column], rule_column: pl.Int16}
    )
    out = _first_rule(pl.concat([empty, *found]), ids, rule_column)
    added = dict(out.get_column(rule_column).value_counts().iter_rows())
    stats = [
        BlockingStats(rule.match_key, found[i].height, int(added.get(i, 0)), *counts[i])
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
    window: int | None = DEFAULT_BLOCK_WINDOW,
    window_orders: tuple[tuple[str, ...], ...] = DEFAULT_WINDOW_ORDERS,
    window_free: int | None = DEFAULT_BLOCK_WINDOW_FREE,
) -> tuple[pl.DataFrame, list[BlockingStats]]:
    """Candidate pairs `(<id>_l, <id>_r, match_key)` with `<id>_l < <id>_r`.

    `new_mask` (bool per record) restricts pairs to those touching at least one new record,
    which is how incremental linkage avoids recomputing old pairs.
    """
    out, stats = block_pair_codes(
        records,
        rules,
        id_column=id_column,
        max_block_size=max_block_size,
        new_mask=new_mask,
        window=window,
        window_orders=window_orders,
        window_free=window_free,
    )
    names = {i: r.match_key for i, r in enumerate(rules)}
    match_key = pl.col("_rule").replace_strict(names, return_dtype=pl.String).alias("match_key")
    return out.with_columns(match_key).drop("_rule"), stats
