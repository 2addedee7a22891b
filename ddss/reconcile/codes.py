"""Integer-coded member↔citizen blocking for the search path of đối soát.

Members are scored in chunks (`search.score_search`), so a plain join of each chunk with
the population on every rule's key columns hashes the whole extract once per chunk and
rule (10M members × 30M citizens: ~225 chunks × 6 rules × 30M keys). `citizen_index` does
the work once: each rule's key is hashed to 64 bits, only citizens whose key some member
holds are kept, and the block is sorted by hash. A chunk then finds each member's block by
binary search (`search_sorted`: work grows with chunk × log(citizens) + pairs, not with
chunk count × citizens), and every hit is checked against the real key values, so a hash
collision can add no pair: the pairs are exactly those of the string join. Pairs name a
member by its row in the chunk (`MEMBER_CODE`) and a citizen by the first record holding
its CCCD (`CITIZEN_CODE`), 4-byte codes instead of row_id / CCCD strings.

A key held by very many citizens (`Crowding`) is not searched whole: its citizens move to
the rule refined by one more column, and the key's size is kept, so a member holding it
is known to have namesakes nobody scored (`CROWD`).
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

import polars as pl

from ddss.frames import contiguous
from ddss.reconcile.exact import own_evidence_exprs
from ddss.reconcile.scoring import PAIR_FIELDS

MEMBER_CODE = "_m"
CITIZEN_CODE = "_c"
_ROW = "_row"  # a citizen record's own row (a CCCD listed twice has two)
_HASH = "_h"
_START, _LEN = "_start", "_len"  # a key's run in a rule's `rows`
_POS = "_p"  # position in a rule's `rows`
_N = "_size"  # citizens holding a crowded key
_PAIR = "_mc"  # member and citizen codes packed in one integer
CROWD = "crowd"  # per pair: citizens in the member's crowded key (0: none), see `pair_codes`

Rule = tuple[str, ...]
# A rule as `pair_codes` runs it: its key, the members it applies to (None: all) and the
# members whom a crowded key of it leaves unable to be told from its citizens (None: nobody).
RuleUse = tuple[Rule, pl.Expr | None, pl.Expr | None]


@dataclass(frozen=True)
class Crowding:
    """How `citizen_index` treats a key more than `citizens` citizens hold: it is dropped
    from its rule and its citizens are indexed under the rule refined by the `refine`
    column (`refined`); the citizens `keep` selects stay under the rule too (those another
    field cannot tell apart from the member's citizen). A rule already keyed by `refine`
    (and so every refined rule) is never capped: there is nothing finer to search by, and
    dropping a key would only lose its candidates and overstate the others'."""

    citizens: int
    refine: str
    keep: pl.Expr


def refined(rule: Rule, refine: str) -> Rule | None:
    """The rule that splits `rule`'s crowded keys (a sub-key: its pairs are a subset)."""
    return None if refine in rule else (*rule, refine)


@dataclass(frozen=True)
class CitizenIndex:
    """`frame`: the population columns the search path reads, with `CITIZEN_CODE`; per
    rule, for the citizens a member may meet: `rows`, their `_row` ordered by key hash, and
    `keys`, each distinct hash (`_h`, sorted: `block_pairs` binary-searches it) with its run
    in `rows` (`_start`, `_len`). 4 bytes per citizen and 16 per key, not 12 per citizen.
    `crowded`: per rule, the hashes of the keys `Crowding` took out (sorted) and their size."""

    frame: pl.DataFrame
    keys: dict[Rule, pl.DataFrame]
    rows: dict[Rule, pl.DataFrame]
    crowded: dict[Rule, pl.DataFrame] = field(default_factory=dict)

    def save(self, folder: Path) -> None:
        """Parquet files and the rules (json): another process loads the index instead of
        hashing the extract again."""
        folder.mkdir(parents=True, exist_ok=True)
        self.frame.write_parquet(folder / "citizens.parquet")
        for i, rule in enumerate(self.keys):
            self.keys[rule].write_parquet(folder / f"keys_{i}.parquet")
            self.rows[rule].write_parquet(folder / f"rows_{i}.parquet")
            if rule in self.crowded:
                self.crowded[rule].write_parquet(folder / f"crowded_{i}.parquet")
        rules = [list(rule) for rule in self.keys]
        capped = [i for i, rule in enumerate(self.keys) if rule in self.crowded]
        (folder / "rules.json").write_text(json.dumps({"rules": rules, "crowded": capped}))

    @classmethod
    def load(cls, folder: Path) -> CitizenIndex:
        meta = json.loads((folder / "rules.json").read_text())
        rules = [tuple(rule) for rule in meta["rules"]]
        keys = {rule: pl.read_parquet(folder / f"keys_{i}.parquet") for i, rule in enumerate(rules)}
        rows = {rule: pl.read_parquet(folder / f"rows_{i}.parquet") for i, rule in enumerate(rules)}
        crowded = {rules[i]: pl.read_parquet(folder / f"crowded_{i}.parquet") for i in meta["crowded"]}
        return cls(contiguous(pl.read_parquet(folder / "citizens.parquet")), keys, rows, crowded)


def _key_hash(rule: Rule) -> pl.Expr:
    return pl.struct(*rule).hash(seed=0).alias(_HASH)


def _complete(rule: Rule) -> pl.Expr:
    """Nulls are never equal (a missing key blocks nothing)."""
    return pl.all_horizontal(pl.col(c).is_not_null() for c in rule)


def _typed(frame: pl.DataFrame, rule: Rule, schema: pl.Schema) -> pl.LazyFrame:
    """Member key columns cast to the citizens' types, so equal values hash equally."""
    return frame.lazy().with_columns(pl.col(c).cast(schema[c]) for c in rule)


def _first_codes(frame: pl.DataFrame) -> pl.Series:
    """`CITIZEN_CODE` (the row) of the first record holding each row's CCCD. The numbers
    listed twice are found by sorting them (12 digits fit 8 bytes), and only their rows
    are grouped: a window over every CCCD hashes the whole extract (30M citizens: +2.7 GiB,
    the search path's memory peak) to change a handful of codes."""
    cccd = frame.get_column("cccd")
    same = cccd.cast(pl.UInt64) if cccd.str.contains(r"^\d{12}$").all() else cccd
    ordered = same.sort()
    twice = ordered.filter(ordered == ordered.shift(1)).unique()
    twins = (
        frame.select(CITIZEN_CODE, same.alias("_k"))
        .filter(pl.col("_k").is_in(twice.implode()))
        .select(CITIZEN_CODE, pl.col(CITIZEN_CODE).min().over("_k").alias("_first"))
    )
    return (
        frame.get_column(CITIZEN_CODE)
        .clone()
        .scatter(twins.get_column(CITIZEN_CODE), twins.get_column("_first"))
    )


def citizen_index(
    population: pl.LazyFrame | pl.DataFrame,
    rules: tuple[Rule, ...],
    members: pl.DataFrame | None = None,
    crowding: Crowding | None = None,
) -> CitizenIndex:
    """Index the extract once per run for `rules` (and, with `crowding`, their `refined`
    rules, after them); with `members`, blocks keep only the citizens whose key one of them
    holds (memory follows the matches, not the extract). A CCCD listed twice in the
    extract: the first record speaks for it (as in load_population); selecting columns of
    an in-memory frame copies no data. Categorical keys hash by value, so blocks saved and
    loaded in another process still match."""
    columns = ("cccd", "status", *PAIR_FIELDS)
    # eager on an in-memory extract: a view of its buffers in its own chunks (a lazy
    # collect cuts every column into morsels, even a contiguous one: see `contiguous`)
    frame = (
        population.select(columns)
        if isinstance(population, pl.DataFrame)
        else population.select(columns).collect()
    )
    if frame.get_column("cccd").null_count():
        frame = frame.filter(pl.col("cccd").is_not_null())
    frame = frame.with_row_index(CITIZEN_CODE)
    frame = frame.with_columns(_first_codes(frame))
    numbered = frame.lazy().with_row_index(_ROW)
    keep = None if crowding is None else frame.select(crowding.keep.fill_null(False)).to_series()
    blocks = {
        rule: numbered.filter(_complete(rule)).select(_key_hash(rule), _ROW) for rule in dict.fromkeys(rules)
    }
    index = CitizenIndex(frame, {}, {})
    moved: dict[Rule, pl.Series] = {}
    for rule, block in blocks.items():
        sub = None if crowding is None else refined(rule, crowding.refine)
        capped = None if sub is None else crowding
        out = _add_block(index, rule, _held(block, members, rule, frame.schema), capped, keep)
        if sub is not None and sub not in blocks:
            moved[sub] = out
    for sub, rows in moved.items():
        block = frame.select(pl.col(list(sub)).gather(rows)).with_columns(rows.alias(_ROW)).lazy()
        block = block.filter(_complete(sub)).select(_key_hash(sub), _ROW)
        _add_block(index, sub, _held(block, members, sub, frame.schema), None, None)
    return index


def _held(block: pl.LazyFrame, members: pl.DataFrame | None, rule: Rule, schema: pl.Schema) -> pl.DataFrame:
    """`block` sorted by hash, only the keys one of `members` holds (all without them)."""
    if members is not None:
        held = _typed(members, rule, schema).filter(_complete(rule)).select(_key_hash(rule))
        block = block.join(held.unique(), on=_HASH, how="semi")
    return block.sort(_HASH).collect()


def _add_block(
    index: CitizenIndex, rule: Rule, block: pl.DataFrame, crowding: Crowding | None, keep: pl.Series | None
) -> pl.Series:
    """Store `block` (hash-sorted) as `rule`'s keys and rows; with `crowding`, a key held by
    more than `crowding.citizens` keeps only its `keep` citizens and is listed in
    `index.crowded`. Returns the rows taken out (for the refined rule)."""
    if crowding is not None and keep is not None:
        runs = block.select(pl.col(_HASH).rle()).unnest(_HASH)
        size = runs.get_column("len").gather(block.get_column(_HASH).rle_id())
        stays = (size <= crowding.citizens) | keep.gather(block.get_column(_ROW))
        big = runs.filter(pl.col("len") > crowding.citizens)
        index.crowded[rule] = big.select(
            pl.col("value").alias(_HASH), pl.col("len").cast(pl.UInt32).alias(_N)
        )
        out = block.get_column(_ROW).filter(~stays)
        block = block.filter(stays)
    else:
        out = block.get_column(_ROW).clear()
    runs = block.select(pl.col(_HASH).rle()).unnest(_HASH)
    length = runs.get_column("len").cast(pl.UInt32)
    index.keys[rule] = pl.DataFrame(
        [
            runs.get_column("value").alias(_HASH),
            (length.cum_sum() - length).alias(_START),
            length.alias(_LEN),
        ]
    )
    index.rows[rule] = block.select(_ROW).rechunk()
    return out


def find_sorted(ordered: pl.Series, wanted: pl.Series) -> tuple[pl.Series, pl.Series]:
    """For each `wanted` value, a position in `ordered` (sorted, not empty) and whether the
    value is there: one binary search per value, never a pass over `ordered`."""
    at = ordered.search_sorted(wanted, side="left").clip(upper_bound=len(ordered) - 1)
    return at, ordered.gather(at) == wanted


def _expand(at: pl.Series, lo: pl.Series, hi: pl.Series) -> tuple[pl.Series, pl.Series]:
    """`(at[k], j)` for every `lo[k] <= j < hi[k]` (the first named as `at`)."""
    hits = (
        pl.DataFrame([at.alias("_i"), lo.alias("_lo"), hi.alias("_hi")])
        .filter(pl.col("_hi") > pl.col("_lo"))
        .select("_i", pl.int_ranges("_lo", "_hi", dtype=pl.UInt32).alias(_POS))
        .explode(_POS)
    )
    return hits.get_column("_i").alias(at.name), hits.get_column(_POS)


def _equal_ranges(ordered: pl.Series, wanted: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Every `(i, j)` with `wanted[i] == ordered[j]`, `ordered` sorted: two binary searches per
    wanted value give its range, so the cost follows `wanted` and the hits, not `ordered`."""
    lo, hi = ordered.search_sorted(wanted, side="left"), ordered.search_sorted(wanted, side="right")
    return _expand(pl.int_range(len(wanted), dtype=pl.UInt32, eager=True), lo, hi)


def _probe(side: pl.DataFrame, index: CitizenIndex, rule: Rule, only: pl.Expr | None) -> pl.DataFrame:
    """`MEMBER_CODE` and key hash of the members of `side` (those meeting `only`) holding a
    complete key of `rule`, sorted by hash (the binary searches then walk the keys in order)."""
    keyed = _typed(side, rule, index.frame.schema).with_row_index(MEMBER_CODE).filter(_complete(rule))
    if only is not None:
        keyed = keyed.filter(only)
    return keyed.select(MEMBER_CODE, _key_hash(rule)).sort(_HASH).collect()


def block_pairs(
    side: pl.DataFrame, index: CitizenIndex, rule: Rule, only: pl.Expr | None = None
) -> pl.DataFrame:
    """`MEMBER_CODE` (row of `side`), `CITIZEN_CODE` of the members (those meeting `only`)
    and citizens equal on every column of `rule`: a member's key hash is found among the
    rule's `keys` by binary search and its run of `rows` read off; never a pass over the
    extract."""
    keys = index.keys[rule]
    if keys.is_empty():  # no citizen holds a member's key (a rule with no crowded key refined)
        return pl.DataFrame(schema={MEMBER_CODE: pl.UInt32, CITIZEN_CODE: index.frame.schema[CITIZEN_CODE]})
    probe = _probe(side, index, rule, only)
    k, found = find_sorted(keys.get_column(_HASH), probe.get_column(_HASH))
    start = keys.get_column(_START).gather(k).filter(found)
    stop = start + keys.get_column(_LEN).gather(k).filter(found)
    member, pos = _expand(probe.get_column(MEMBER_CODE).filter(found), start, stop)
    row = index.rows[rule].get_column(_ROW).gather(pos)
    same = reduce(
        operator.and_,
        (
            side.get_column(c).gather(member).cast(index.frame.schema[c])
            == index.frame.get_column(c).gather(row)
            for c in rule
        ),
    )
    return pl.DataFrame([member, index.frame.get_column(CITIZEN_CODE).gather(row)]).filter(same)


def crowded_members(
    side: pl.DataFrame, index: CitizenIndex, rule: Rule, only: pl.Expr | None = None
) -> pl.DataFrame:
    """`MEMBER_CODE`, `CROWD`: the members (meeting `only`) whose key of `rule` was crowded
    and how many citizens hold it. Found by hash alone: a 64-bit collision could only mark
    a member crowded (withholding an automatic link), never add a pair."""
    table = index.crowded.get(rule)
    if table is None or table.is_empty():
        return pl.DataFrame(schema={MEMBER_CODE: pl.UInt32, CROWD: pl.UInt32})
    probe = _probe(side, index, rule, only)
    k, found = find_sorted(table.get_column(_HASH), probe.get_column(_HASH))
    return pl.DataFrame(
        [
            probe.get_column(MEMBER_CODE).filter(found),
            table.get_column(_N).gather(k).filter(found).alias(CROWD),
        ]
    )


def vouched_codes(vouched: pl.DataFrame, index: CitizenIndex) -> pl.DataFrame:
    """`cluster_pairs` as `row_id, CITIZEN_CODE` (pairs whose CCCD the extract lacks drop),
    sorted by row_id: `pair_codes` finds a chunk's rows in it by binary search.

    Records of one CCCD share its code (`citizen_index`), so only the vouched numbers are
    made unique, not the whole extract (30M citizens: a transient hash table of every CCCD)."""
    wanted = vouched.select(pl.col("candidate_cccd").alias("cccd")).unique()
    codes = index.frame.select("cccd", CITIZEN_CODE).join(wanted, on="cccd", how="semi").unique("cccd")
    found = vouched.join(codes, left_on="candidate_cccd", right_on="cccd")
    return found.select("row_id", CITIZEN_CODE).sort("row_id")


def pair_codes(
    side: pl.DataFrame,
    index: CitizenIndex,
    rules: list[RuleUse],
    vouched: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Union of the `rules`' pairs (each for the members meeting its condition) as
    `MEMBER_CODE` (row of `side`), `CITIZEN_CODE`, `match_key` (the first rule finding the
    pair) and `CROWD` (the largest crowded key among the rules that blind the member, 0 if
    none), sorted by member then citizen. `vouched` pairs (`vouched_codes`, sorted by
    row_id) get the key after the last rule."""
    per_rule = [
        block_pairs(side, index, rule, only).with_columns(pl.lit(i, dtype=pl.Int8).alias("match_key"))
        for i, (rule, only, _) in enumerate(rules)
    ]
    if vouched is not None:
        member, pos = _equal_ranges(vouched.get_column("row_id"), side.get_column("row_id"))
        found = pl.DataFrame([member.alias(MEMBER_CODE), vouched.get_column(CITIZEN_CODE).gather(pos)])
        per_rule.append(found.with_columns(pl.lit(len(rules), dtype=pl.Int8).alias("match_key")))
    # one sort on a packed 8-byte pair key, first rule first, instead of a hash group-by and
    # a sort of its result (~40 % less time for the union)
    found = pl.concat(per_rule)
    pair = found.get_column(MEMBER_CODE).cast(pl.UInt64) * (1 << 32) + found.get_column(CITIZEN_CODE)
    pairs = (
        found.with_columns(pair.alias(_PAIR))
        .sort(_PAIR, "match_key")
        .unique(_PAIR, keep="first", maintain_order=True)
        .drop(_PAIR)
    )
    crowds = [
        crowded_members(side, index, rule, blinds if only is None else only & blinds)
        for rule, only, blinds in rules
        if blinds is not None
    ]
    crowd = pl.concat(crowds).group_by(MEMBER_CODE).agg(pl.col(CROWD).max()) if crowds else None
    if crowd is None or crowd.is_empty():  # the common case: no join
        return pairs.with_columns(pl.lit(0, dtype=pl.UInt32).alias(CROWD))
    return pairs.join(crowd, on=MEMBER_CODE, how="left", maintain_order="left").with_columns(
        pl.col(CROWD).fill_null(0)
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
