"""Chunked pair pipeline: compare, train, score and decide candidate pairs a slice at a time.

Why: a compared pair holds both records' fields and every similarity (about 2 KiB); holding
all pairs of 1M members at once took 16 GiB. Here each slice of pairs is compared and cut
down to its gamma and term-frequency columns (tens of bytes); after training, each slice is
scored and decided and reduced to what later steps read: clustering edges and cannot-links
(UInt32 record positions), review rows, counts, and the pairs worth keeping for stewards.
Every step is row-wise per pair, so the results equal those of one pass over all pairs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from ddss.linkage.comparisons import compare_sides
from ddss.linkage.decisions import ACCEPT, ACCEPTED, CONFIRM, REVIEW, SPLIT, VETO, decide
from ddss.linkage.records import (
    TF_COUNT,
    equality_columns,
    prepare_records,
    record_side,
    required_columns,
    similarity_text_columns,
    tf_columns,
    tf_tables,
)
from ddss.linkage.scoring import choose_threshold, estimate_weights, score, tf_u_values, threshold_tradeoff
from ddss.linkage.settings import LinkageSettings
from ddss.linkage.training import level_frequencies, random_pairs

NODE = "_node"  # a record's position in `records` (0..n-1), the id used inside the pipeline
RULE = "_rule"  # position of the blocking rule that found the pair
CHUNK_PAIRS = 250_000
# EM and the threshold see at most about this many candidates (a fixed sample above it), so
# the compared pairs held for training stay bounded (≈ 64 B each) however many members there
# are. 4M keeps 1M members (3.2M candidates) trained on all; a 1M-pair sample there moved
# F1 by 0.0001 (bench, hard_1000000)
TRAIN_PAIRS = 4_000_000
_GOLDEN = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: odd, mixes consecutive keys apart
_L, _R = f"{NODE}_l", f"{NODE}_r"
_ENDS = [pl.col(_L).alias("node_l"), pl.col(_R).alias("node_r")]


@dataclass(frozen=True)
class ScoredPairs:
    """What later steps read, with records named by position (`node_l`, `node_r`).

    kept: scored pairs worth keeping (`keep_expr`), every output column, `_node_l/_r`;
    edges: accepted pairs with `same_org`, `weight`, `forced` (steward confirm);
    cannot: cannot-link pairs with `same_org` (veto, steward split, strongly negative);
    typo: accepted pairs whose IDs are one keystroke apart (veto `review`);
    review_nodes: records in a review pair; counts: all scored pairs per decision.
    """

    kept: pl.DataFrame
    edges: pl.DataFrame
    cannot: pl.DataFrame
    typo: pl.DataFrame
    review_nodes: pl.Series
    counts: dict[str, int]
    scored: int
    above_threshold: int


def keep_expr(settings: LinkageSettings) -> pl.Expr:
    """Pairs a steward or an explanation may need: decided for a merge, for review or by a
    steward, or scoring at least the review floor (a veto that stopped a strong match).
    Rejected pairs below the floor are counted but not kept: at 1M rows they are 97 % of
    the candidates and explain nothing."""
    accept = settings.accept_probability
    floor = math.log2(accept / (1 - accept)) - settings.review_band  # type: ignore[operator]
    return pl.col("decision").is_in([ACCEPT, CONFIRM, REVIEW, SPLIT]) | (pl.col("match_weight") >= floor)


def _slices(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    """Consecutive slices; at least one, so an empty frame still yields its schema."""
    for start in range(0, max(frame.height, 1), size):
        yield frame.slice(start, size)


def _refilled(pieces: Iterator[pl.DataFrame], size: int) -> Iterator[pl.DataFrame]:
    """`pieces` in order, regrouped into slices of `size` rows (the last one shorter): the
    pairs left out of the training sample come in thin pieces, and each slice pays fixed
    costs (gathers, joins, a thread pool for Jaro-Winkler), whatever its height."""
    held: list[pl.DataFrame] = []
    rows = 0
    for piece in pieces:
        held.append(piece)
        rows += piece.height
        while rows >= size:
            whole = pl.concat(held)
            yield whole.slice(0, size)
            held, rows = [whole.slice(size)], whole.height - size
    if rows:
        yield pl.concat(held)


def _tf_reference(records: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame | None:
    """All records pre-aggregated on the term-frequency keys (`TF_COUNT` rows each): the same
    frequencies as the full frame, without regrouping every record for every slice. Grouped
    on the keys' integer codes (a private categorical mapping, freed afterwards), then one
    row's strings per group: grouping the name strings themselves took 0.5 GiB at 1M rows
    for an 86k-row result."""
    keys = [s.fold_column or s.column for s in settings.comparisons if s.tf_adjust]
    keys = [k for k in dict.fromkeys([*keys, settings.full_name_tf]) if k and k in records.columns]
    if not keys:
        return None
    code = [
        pl.col(k).cast(pl.String).cast(pl.Categorical(pl.Categories.random())).to_physical() for k in keys
    ]
    codes = records.select(code).with_row_index("_row")
    groups = codes.group_by(keys).agg(pl.col("_row").min(), pl.len().alias(TF_COUNT)).sort("_row")
    return records.select(keys)[groups.get_column("_row")].with_columns(groups.get_column(TF_COUNT))


def _record_sides(
    fields: pl.DataFrame, settings: LinkageSettings, tf: dict[str, pl.DataFrame]
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """Every record's compared side (`record_side`: digit codes, frequencies) built once and
    gathered by position for each slice: built per slice, over the slice's distinct records
    (1.3-1.6 per pair, rising with the data) and once per side, it cost more than comparing.
    Text becomes integer codes, as narrow as the values allow (gathering strings for every
    pair cost more than all the comparisons); the Jaro-Winkler columns' codes index the
    values returned with them."""
    cols = [c for c in required_columns(settings) if c != NODE]
    side = record_side(prepare_records(fields, settings), cols, settings, "", tf)
    coded = [c for c in equality_columns(settings) if side.schema.get(c) == pl.String]
    categorical = pl.Categorical(pl.Categories.random())
    side = side.with_columns(side.get_column(c).cast(categorical).to_physical().shrink_dtype() for c in coded)
    words = [c for c in similarity_text_columns(settings) if side.schema.get(c) == pl.String]
    texts = {c: pl.Enum(side.get_column(c).unique().drop_nulls()).categories for c in words}
    return side.with_columns(side.get_column(c).cast(pl.Enum(texts[c])).to_physical() for c in words), texts


def _gather(rec: pl.DataFrame, nodes: pl.Series, suffix: str) -> pl.DataFrame:
    return rec.select(pl.all().gather(nodes)).rename(lambda c: f"{c}{suffix}")


class _Pipeline:
    """Record columns held once, positional (row i is node i), so a slice gathers its rows."""

    def __init__(self, records: pl.DataFrame, settings: LinkageSettings, steward: pl.DataFrame | None):
        if not records.get_column(NODE).equals(pl.Series(NODE, range(records.height), records.schema[NODE])):
            records = records.sort(NODE)  # positions must equal node numbers
        self.records = records
        self.fields = records.select(required_columns(settings))
        small = (pl.Boolean, pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.Date)
        self.text = [c for c, t in self.fields.schema.items() if t not in small]
        self.score_text = [c for c in self.text if c == settings.full_name_tf]
        self.org = records.get_column("org").rank("dense") if "org" in records.columns else None
        reference = _tf_reference(records, settings)
        # grouped once: regrouping the reference for every slice grew with rows × slices
        self.tf = tf_tables(records.head(0) if reference is None else reference, settings)
        self.side, self.texts = _record_sides(
            pl.concat([records.select(NODE), self.fields], how="horizontal"), settings, self.tf
        )
        self.plain = [c for c in self.side.columns if c not in tf_columns(settings)]
        self.steward = steward

    def compare(self, chunk: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
        """Comparison vector of a slice without the compared text (names, IDs: the bulk of a
        pair), gathered again when scored; small typed fields (flags, years) stay for training."""
        left = self.side.select(pl.all().gather(chunk.get_column(_L))).rename(
            {c: f"{c}_l" for c in self.plain}
        )
        right = self.side.select(pl.col(self.plain).gather(chunk.get_column(_R))).rename(lambda c: f"{c}_r")
        compared = compare_sides(chunk, left, right, settings, id_column=NODE, texts=self.texts)
        text = [f"{c}{side}" for side in ("_l", "_r") for c in self.text]
        return compared.drop(c for c in text if c in compared.columns)

    def _with_fields(self, narrow: pl.DataFrame, text: list[str]) -> pl.DataFrame:
        both = [narrow]
        # the whole-name key as its code (scoring only tests it for equality); every field
        # as written once a rule reads more
        source = self.side if text != self.text else self.fields
        for side in ("_l", "_r"):
            cols = [c for c in self.fields.columns if f"{c}{side}" not in narrow.columns and c in text]
            both.append(_gather(source.select(cols), narrow[f"{NODE}{side}"], side))
        return pl.concat(both, how="horizontal")

    def _scored(self, narrow: pl.DataFrame, settings: LinkageSettings, decided: bool) -> pl.DataFrame:
        """Score (and decide) with the text fields they read gathered back: the whole-name
        key only, unless a rule reads more (then every field, from then on)."""
        try:
            out = score(self._with_fields(narrow, self.score_text), settings)
            return decide(out, settings, self.steward, id_column=NODE) if decided else out
        except pl.exceptions.ColumnNotFoundError:
            if self.score_text == self.text:
                raise
            self.score_text = self.text
            return self._scored(narrow, settings, decided)

    def score(self, narrow: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
        return self._scored(narrow, settings, decided=False)

    def decide(self, narrow: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
        decided = self._scored(narrow, settings, decided=True)
        if self.org is None:
            return decided.with_columns(same_org=pl.lit(False))
        same = self.org.gather(decided[_L]) == self.org.gather(decided[_R])
        return decided.with_columns(same_org=same.fill_null(False))


def training_sample(
    records: pl.DataFrame, pairs: pl.DataFrame, unique_id: str, size: int
) -> pl.Series | None:
    """Mask of a fixed sample of about `size` candidate pairs (None: train on all of them).

    A pair is drawn when a hash of its two records' unique-id ranks falls below the share
    wanted: the same pairs whatever the row order or slicing, and spread over every org and
    province, unlike the first pairs (those sorted first).
    """
    if pairs.height <= size:
        return None
    ids = records.get_column(unique_id if unique_id in records.columns else NODE)
    rank = (ids.rank("ordinal") - 1).to_numpy().astype(np.uint64)
    below = np.uint64(int(2**64 * size / pairs.height))

    def drawn(part: pl.DataFrame) -> np.ndarray:
        a, b = rank[part.get_column(_L).to_numpy()], rank[part.get_column(_R).to_numpy()]
        key = (np.minimum(a, b) << np.uint64(32)) | np.maximum(a, b)
        with np.errstate(over="ignore"):
            mixed = (key ^ (key >> np.uint64(31))) * np.uint64(_GOLDEN)
        return (mixed ^ (mixed >> np.uint64(29))) < below

    return pl.Series("_train", np.concatenate([drawn(p) for p in _slices(pairs, CHUNK_PAIRS)]))


def _train(
    pipe: _Pipeline, stored: list[pl.DataFrame], settings: LinkageSettings, pair_weight: float
) -> tuple[LinkageSettings, pl.DataFrame]:
    """m/u by EM over the compared (sampled) pairs, u from random pairs, then the threshold;
    `pair_weight`: candidates per compared pair, so the prior and the trade-off's counts are
    those of all candidates."""
    records = pipe.records
    # random pairs compared as candidates are: gathered from the records' sides built once
    random = pipe.compare(random_pairs(records, settings, NODE), settings)
    u = {spec.name: level_frequencies(random, spec) for spec in settings.comparisons}
    total_pairs = records.height * (records.height - 1) / 2
    compared = pl.concat(stored, rechunk=False)
    weights, prior = estimate_weights(
        compared, settings, u=u, total_pairs=total_pairs, pair_weight=pair_weight
    )
    tf_u = tf_u_values(records, settings)
    provisional = settings.with_training(weights=weights, prior=prior, threshold=0.5, tf_u=tf_u)
    scored = [pipe.score(s, provisional).select("match_weight", "match_probability") for s in stored]
    tradeoff = threshold_tradeoff(pl.concat(scored)).with_columns(
        (pl.col("pairs_accepted") * pair_weight).round().cast(pl.Int64),
        pl.col("expected_false_merges") * pair_weight,
    )
    threshold = settings.threshold or choose_threshold(tradeoff, settings.target_precision)
    return settings.with_training(weights=weights, prior=prior, threshold=threshold, tf_u=tf_u), tradeoff


def _reduce(decided: pl.DataFrame, settings: LinkageSettings, keep_all: bool) -> dict[str, pl.DataFrame]:
    """One decided slice -> the narrow frames later steps read."""
    decision = pl.col("decision")
    forced = decision == CONFIRM
    accepted = decision.is_in(ACCEPTED)
    keep = [_L, _R, RULE, "same_org"]
    keep += [c for c in decided.columns if c.startswith(("gamma_", "mw_", "tf_"))]
    keep += ["match_weight", "match_probability", "veto", "decision"]
    kept = decided if keep_all else decided.filter(keep_expr(settings))
    return {
        "kept": kept.select(keep),
        "edges": decided.filter(accepted).select(
            *_ENDS,
            "same_org",
            pl.when(forced).then(float("inf")).otherwise("match_weight").alias("weight"),
            forced.alias("forced"),
        ),
        "cannot": decided.filter(
            decision.is_in([VETO, SPLIT]) | (pl.col("match_weight") < settings.cannot_link_weight)
        ).select(*_ENDS, "same_org"),
        "typo": decided.filter(accepted & (pl.col("veto") == REVIEW)).select(*_ENDS),
        "review": decided.filter(decision == REVIEW).select(pl.concat_list(_L, _R).alias("n")).explode("n"),
        "counts": decided.group_by("decision").len(),
        "above": decided.select(
            (pl.col("match_probability") >= settings.accept_probability).sum().alias("n")
        ),
    }


def score_pairs(
    records: pl.DataFrame,
    pairs: pl.DataFrame,
    settings: LinkageSettings,
    steward: pl.DataFrame | None,
    *,
    keep_all: bool = False,
    chunk_pairs: int = CHUNK_PAIRS,
    train_pairs: int = TRAIN_PAIRS,
) -> tuple[ScoredPairs, LinkageSettings, pl.DataFrame | None]:
    """Compare, train (unless `settings` are trained), score and decide `pairs` slice by slice.

    records: prepared records with `_node` = position; pairs: `_node_l`, `_node_r`, `_rule`.
    steward: `(_node_l, _node_r, decision)`. keep_all: keep every scored pair, not only
    those `keep_expr` selects. train_pairs: above this many candidates, EM and the
    threshold see a fixed sample of about that many (`training_sample`); every pair is
    still scored. Returns the reduced pairs, the trained settings and, when trained here,
    the threshold trade-off table.
    """
    pipe = _Pipeline(records, settings, steward)
    tradeoff = None
    if settings.is_trained:
        narrow: Iterator[pl.DataFrame] = (pipe.compare(c, settings) for c in _slices(pairs, chunk_pairs))
    else:
        sample = training_sample(records, pairs, settings.unique_id, train_pairs)
        chosen = pairs if sample is None else pairs.filter(sample)
        stored = [pipe.compare(c, settings) for c in _slices(chosen, chunk_pairs)]
        settings, tradeoff = _train(pipe, stored, settings, pairs.height / max(chosen.height, 1))
        del chosen
        stored.reverse()
        narrow = (stored.pop() for _ in range(len(stored)))  # each slice freed once decided
        if sample is not None:  # then the pairs left out of the sample, compared once
            starts = range(0, pairs.height, chunk_pairs)
            rest = (pairs.slice(i, chunk_pairs).filter(~sample.slice(i, chunk_pairs)) for i in starts)
            narrow = itertools.chain(
                narrow, (pipe.compare(c, settings) for c in _refilled(rest, chunk_pairs))
            )
    parts: dict[str, list[pl.DataFrame]] = {}
    for piece in narrow:
        for name, frame in _reduce(pipe.decide(piece, settings), settings, keep_all).items():
            parts.setdefault(name, []).append(frame)
    counts = pl.concat(parts["counts"]).group_by("decision").agg(pl.col("len").sum())
    result = ScoredPairs(
        kept=pl.concat(parts["kept"]),
        edges=pl.concat(parts["edges"]).sort("node_l", "node_r"),  # pair order, sampled or not
        cannot=pl.concat(parts["cannot"]),
        typo=pl.concat(parts["typo"]),
        review_nodes=pl.concat(parts["review"]).get_column("n").unique(),
        counts={str(k): int(v) for k, v in counts.iter_rows()},
        scored=pairs.height,
        above_threshold=int(pl.concat(parts["above"]).get_column("n").sum()),
    )
    return result, settings, tradeoff
