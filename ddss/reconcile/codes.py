"""Integer-coded member↔citizen blocking for the search path of đối soát.

Members are scored in chunks (`search.search_pairs`), so a plain join of each chunk with
the population on every rule's key columns hashes the whole extract once per chunk and
rule (1M members × 3M citizens: 3 chunks × 6 rules × 3M string keys; 10M × 30M: 40 × 6 ×
30M). `citizen_index` does that work once: each rule's key is hashed to 64 bits on both
sides, and only citizens whose key some member holds are kept. A chunk then joins 8-byte
integers, and every hit is checked against the real key values, so a hash collision can
add no pair: the pairs are exactly those of the string join. Pairs name a member by its
row in the chunk (`MEMBER_CODE`) and a citizen by the first record holding its CCCD
(`CITIZEN_CODE`), 4-byte codes instead of row_id / CCCD strings.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

import polars as pl

from ddss.reconcile.exact import own_evidence_exprs
from ddss.reconcile.scoring import PAIR_FIELDS

MEMBER_CODE = "_m"
CITIZEN_CODE = "_c"
_ROW = "_row"  # a citizen record's own row (a CCCD listed twice has two)
_HASH = "_h"

Rule = tuple[str, ...]


@dataclass(frozen=True)
class CitizenIndex:
    """`frame`: the population columns the search path reads, with `CITIZEN_CODE`;
    `blocks`: per rule, `_h` (key hash) and `_row` for the citizens a member may meet."""

    frame: pl.DataFrame
    blocks: dict[Rule, pl.DataFrame]


def _key_hash(rule: Rule) -> pl.Expr:
    return pl.struct(*rule).hash(seed=0).alias(_HASH)


def _complete(rule: Rule) -> pl.Expr:
    """Nulls are never equal (a missing key blocks nothing)."""
    return pl.all_horizontal(pl.col(c).is_not_null() for c in rule)


def _typed(frame: pl.DataFrame, rule: Rule, schema: pl.Schema) -> pl.LazyFrame:
    """Member key columns cast to the citizens' types, so equal values hash equally."""
    return frame.lazy().with_columns(pl.col(c).cast(schema[c]) for c in rule)


def citizen_index(
    population: pl.LazyFrame | pl.DataFrame, rules: tuple[Rule, ...], members: pl.DataFrame | None = None
) -> CitizenIndex:
    """Index the extract once per run for `rules`; with `members`, blocks keep only the
    citizens whose key one of them holds (memory follows the matches, not the extract).
    A CCCD listed twice in the extract: the first record speaks for it (as in
    load_population); selecting columns of an in-memory frame copies no data."""
    frame = (
        population.lazy()
        .select("cccd", "status", *PAIR_FIELDS)
        .filter(pl.col("cccd").is_not_null())
        .with_row_index(CITIZEN_CODE)
        .collect()
    )
    # 12 digits fit 64 bits: grouping integers is cheaper than grouping the strings.
    cccd = frame.get_column("cccd")
    same = cccd.cast(pl.UInt64) if cccd.str.contains(r"^\d{12}$").all() else cccd
    frame = frame.with_columns(pl.col(CITIZEN_CODE).min().over(same))
    rows = frame.lazy().with_row_index(_ROW)
    blocks = {}
    for rule in dict.fromkeys(rules):
        block = rows.filter(_complete(rule)).select(_key_hash(rule), _ROW)
        if members is not None:
            held = _typed(members, rule, frame.schema).filter(_complete(rule)).select(_key_hash(rule))
            block = block.join(held.unique(), on=_HASH, how="semi")
        blocks[rule] = block.collect()
    return CitizenIndex(frame, blocks)


def block_pairs(
    side: pl.DataFrame, index: CitizenIndex, rule: Rule, only: pl.Expr | None = None
) -> pl.DataFrame:
    """`MEMBER_CODE` (row of `side`), `CITIZEN_CODE` of the members (those meeting `only`)
    and citizens equal on every column of `rule`."""
    keyed = _typed(side, rule, index.frame.schema).with_row_index(MEMBER_CODE).filter(_complete(rule))
    if only is not None:
        keyed = keyed.filter(only)
    hits = keyed.select(MEMBER_CODE, _key_hash(rule)).join(index.blocks[rule].lazy(), on=_HASH).collect()
    member, row = hits.get_column(MEMBER_CODE), hits.get_column(_ROW)
    same = reduce(
        operator.and_,
        (
            side.get_column(c).cast(index.frame.schema[c]).gather(member)
            == index.frame.get_column(c).gather(row)
            for c in rule
        ),
    )
    return pl.DataFrame([member, index.frame.get_column(CITIZEN_CODE).gather(row)]).filter(same)


def vouched_codes(vouched: pl.DataFrame, index: CitizenIndex) -> pl.DataFrame:
    """`cluster_pairs` as `row_id, CITIZEN_CODE` (pairs whose CCCD the extract lacks drop).

    Records of one CCCD share its code (`citizen_index`), so only the vouched numbers are
    made unique, not the whole extract (30M citizens: a transient hash table of every CCCD)."""
    wanted = vouched.select(pl.col("candidate_cccd").alias("cccd")).unique()
    codes = index.frame.select("cccd", CITIZEN_CODE).join(wanted, on="cccd", how="semi").unique("cccd")
    return vouched.join(codes, left_on="candidate_cccd", right_on="cccd").select("row_id", CITIZEN_CODE)


def pair_codes(
    side: pl.DataFrame,
    index: CitizenIndex,
    rules: list[tuple[Rule, pl.Expr | None]],
    vouched: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Union of the `rules`' pairs (each for the members meeting its condition) as
    `MEMBER_CODE` (row of `side`), `CITIZEN_CODE`, `match_key` (the first rule finding the
    pair), sorted by member then citizen. `vouched` pairs (`vouched_codes`) get the key
    after the last rule."""
    per_rule = [
        block_pairs(side, index, rule, only).with_columns(pl.lit(i, dtype=pl.Int8).alias("match_key"))
        for i, (rule, only) in enumerate(rules)
    ]
    if vouched is not None:
        per_rule.append(
            vouched.join(side.select("row_id").with_row_index(MEMBER_CODE), on="row_id").select(
                MEMBER_CODE, CITIZEN_CODE, pl.lit(len(rules), dtype=pl.Int8).alias("match_key")
            )
        )
    return (
        pl.concat(per_rule)
        .group_by(MEMBER_CODE, CITIZEN_CODE)
        .agg(pl.col("match_key").min())
        .sort(MEMBER_CODE, CITIZEN_CODE)
    )


def with_pair_fields(
    codes: pl.DataFrame, side: pl.DataFrame, index: CitizenIndex, *, fields: bool
) -> pl.DataFrame:
    """`codes` plus row_id, org, claimant, candidate_cccd, status and, with `fields`, the
    compared fields (`_l`/`_r`, `scoring.score_pairs`), fetched by position once per pair."""
    left = [pl.col(c).alias(f"{c}_l") for c in PAIR_FIELDS] + own_evidence_exprs(side.columns, "_l")
    right = [pl.col(c).alias(f"{c}_r") for c in PAIR_FIELDS]
    member = side.select("row_id", "org", "claimant", *(left if fields else []))
    found = index.frame.select(pl.col("cccd").alias("candidate_cccd"), "status", *(right if fields else []))
    return pl.concat(
        [
            codes,
            member.select(pl.all().gather(codes.get_column(MEMBER_CODE))),
            found.select(pl.all().gather(codes.get_column(CITIZEN_CODE))),
        ],
        how="horizontal",
    ).select("row_id", "candidate_cccd", pl.exclude("row_id", "candidate_cccd"))
