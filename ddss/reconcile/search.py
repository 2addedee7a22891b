"""Search path of đối soát: find the citizen for a member who has no usable CCCD.

About a third of members have none (DOMAIN.md: 66.35 % of Women's Union members have a
CCCD). Candidates come from several strict blocking rules (union of pairs, Splink style),
are scored by the deduplication engine (`engine.py`; `scoring.score_pairs` only when no
trained linkage model is given); `accept.py` decides which are linked. The member-independent
work (citizen index, name reference) is done once (`prepare_search`), then members are
scored in parts (`score_search`), in one process or fanned out over several.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from ddss.reconcile.accept import PAIR_KEY
from ddss.reconcile.codes import (
    CITIZEN_CODE,
    CROWD,
    MEMBER_CODE,
    CitizenIndex,
    Crowding,
    Rule,
    RuleUse,
    citizen_index,
    pair_codes,
    refined,
    vouched_codes,
    with_pair_fields,
)
from ddss.reconcile.engine import (
    NAME_CODE,
    competing_posterior,
    engine_ready,
    engine_score,
    name_reference,
    sorted_tf_tables,
    with_name_codes,
)
from ddss.reconcile.scoring import ReconcileSettings, probability_to_weight, score_pairs

# Each rule is a list of key columns joined member ↔ citizen with nulls never equal.
# The given name and birth date carry most evidence (DOMAIN.md, Names).
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("name_key", "birth_date"),
    ("name_key", "birth_year", "sex", "province_code"),  # year-keyed: within a province (scale)
    ("phonetic_key", "birth_year", "province_code"),
    ("given_key", "surname_key", "birth_date"),
    ("given_key", "birth_date", "commune_code"),
)
# For members with no birth year at all (DOMAIN.md "Ngày sinh / Năm sinh": the date is often
# left blank) every rule above is empty. Their only block is the folded full name within the
# commune; such a pair is accepted only by uniqueness (`unique_namesakes`), never by score.
UNDATED_RULES: tuple[tuple[str, ...], ...] = (("name_key", "commune_code"),)

# A blocking key held by more citizens than this cannot single anyone out: on the key alone
# the competing posterior gives each of n namesakes at most 1/n of the belief (2 % at 50,
# under the 5 % steward floor), so scoring them all only fills the search (10M members ×
# 30M citizens: keys of up to 301 citizens, 47 % of the year-keyed rules' pairs). Such a
# key is searched within the member's commune instead (`CROWD_REFINE`, rules appended
# after the others so their match_key numbers stay; rules already keyed by the commune,
# like `UNDATED_RULES`, are never capped: `codes.Crowding`), and where the unscored namesakes
# agree with everything the member recorded but the commune (`_blinds`) the member is not
# linked automatically (accept.accept_links): their share of the belief is unknown.
# A property of what a posterior can tell apart, not of the extract's size: at 1M × 3M no
# key reaches it, so results there are unchanged. Read at call time (benchmarks vary it).
CROWDED_KEY_CITIZENS = 50
CROWD_REFINE = "commune_code"


def _blinds(rule: Rule) -> pl.Expr | None:
    """Members a crowded key of `rule` leaves unable to be told from its citizens: the key
    is their whole folded name and every birth field they recorded (a member with a full
    date tells namesakes of its year apart by the date; those with a year only stay in the
    key, `Crowding.keep`). None: the unscored namesakes differ in name or sex, or are found
    by a stricter rule."""
    if "name_key" not in rule:
        return None
    return pl.lit(True) if "birth_date" in rule else pl.col("birth_date").is_null()


def search_rules() -> list[RuleUse]:
    """The rules `candidate_pairs` runs, in match_key order: `BLOCKING_RULES`,
    `UNDATED_RULES` (members with no birth year), then each one's commune refinement."""
    undated = pl.col("birth_year").is_null()
    base = [(r, None) for r in BLOCKING_RULES] + [(r, undated) for r in UNDATED_RULES]
    subs = [(sub, only) for r, only in base if (sub := refined(r, CROWD_REFINE)) is not None]
    return [(r, only, _blinds(r)) for r, only in base + subs]


def cluster_pairs(side: pl.DataFrame, anchors: pl.DataFrame) -> pl.DataFrame:
    """`row_id, candidate_cccd`: the citizen another row of the same person was matched to
    by CCCD (`anchors`: person, matched_cccd), for persons anchored to exactly one citizen.

    Members send the same person in several rows and orgs, not all with the CCCD or the
    birth date (DOMAIN.md "Spreadsheet layouts": dates often year only or blank); the
    deduplication already judged the rows to be one person, so the anchor's citizen is
    that row's candidate even when no blocking key of its own reaches it.
    """
    single = anchors.drop_nulls().unique().filter(pl.len().over("person") == 1)
    return (
        side.select("row_id", "person")
        .drop_nulls()
        .join(single, on="person")
        .select("row_id", pl.col("matched_cccd").alias("candidate_cccd"))
    )


def search_index(population: pl.LazyFrame | pl.DataFrame, side: pl.DataFrame | None = None) -> CitizenIndex:
    """`codes.citizen_index` for the blocking rules (read at call time: benchmarks vary them),
    keys held by more than `CROWDED_KEY_CITIZENS` citizens refined by `CROWD_REFINE`;
    citizens recorded with a year only stay in a crowded key (a full date tells the others
    apart from a member's citizen, not these)."""
    crowding = Crowding(CROWDED_KEY_CITIZENS, CROWD_REFINE, pl.col("birth_date").is_null())
    return citizen_index(population, (*BLOCKING_RULES, *UNDATED_RULES), side, crowding)


def candidate_pairs(
    side: pl.DataFrame, index: CitizenIndex, vouched: pl.DataFrame | None = None, *, fields: bool = True
) -> pl.DataFrame:
    """Union of the `search_rules` pairs the index holds (`codes.pair_codes`: `match_key` is
    the first rule finding the pair; `vouched` pairs from `codes.vouched_codes` get the key
    after the last rule), with `CROWD`, ids and, with `fields`, every compared field
    (`codes.with_pair_fields`)."""
    rules = [use for use in search_rules() if use[0] in index.keys]
    return with_pair_fields(pair_codes(side, index, rules, vouched), side, index, fields=fields)


# Members scored per chunk: memory grows with the chunk, not with the member count.
SEARCH_CHUNK_ROWS = 250_000
# A member's candidates grow with the extract (more namesakes per blocking key): hard
# profile, 250k members, 3M citizens ~0.5M pairs, 9M ~1.5M. Chunks shrink so members ×
# citizens stays under this budget and a chunk's pairs stay ~0.5M at any extract size.
SEARCH_CHUNK_CELLS = 250_000 * 3_000_000
_MIN_CHUNK_ROWS = 10_000


def _chunk_rows(chunk_rows: int, population_size: int) -> int:
    """Members per search chunk: `chunk_rows`, fewer for a large extract."""
    return max(
        min(chunk_rows, SEARCH_CHUNK_CELLS // max(population_size, 1)), min(chunk_rows, _MIN_CHUNK_ROWS)
    )


# What later steps read from a scored pair; the compared fields are dropped per chunk.
SCORED_COLUMNS = (
    *PAIR_KEY,
    "match_key",
    CROWD,
    "org",
    "claimant",
    "status",
    "match_weight",
    "match_probability",
    "evidence",
    "explanation",
)


@dataclass(frozen=True)
class PreparedSearch:
    """The member-independent part of the search path (`prepare_search`), built once per run
    and shared by every part scored (`score_search`), in this process or, saved, in others:
    the citizen index (with `NAME_CODE` under the engine), the extract's size, the name
    reference and its sorted term-frequency tables (engine only) and the vouched pairs."""

    index: CitizenIndex
    size: int
    reference: pl.DataFrame | None = None
    tf: dict[str, pl.DataFrame] = field(default_factory=dict)
    vouched: pl.DataFrame | None = None

    def save(self, folder: Path) -> None:
        """Parquet files plus `search.json` (the scalars and which frames exist)."""
        self.index.save(folder / "index")
        frames = {"reference": self.reference, "vouched": self.vouched}
        frames |= {f"tf_{name}": table for name, table in self.tf.items()}
        for name, frame in frames.items():
            if frame is not None:
                frame.write_parquet(folder / f"{name}.parquet")
        meta = {
            "size": self.size,
            "tf": list(self.tf),
            "frames": [n for n, f in frames.items() if f is not None],
        }
        (folder / "search.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, folder: Path) -> PreparedSearch:
        meta = json.loads((folder / "search.json").read_text())
        frames = {name: pl.read_parquet(folder / f"{name}.parquet") for name in meta["frames"]}
        tf = {name: frames[f"tf_{name}"] for name in meta["tf"]}
        index = CitizenIndex.load(folder / "index")
        return cls(index, meta["size"], frames.get("reference"), tf, frames.get("vouched"))


def prepare_search(
    side: pl.DataFrame,
    population: pl.LazyFrame | pl.DataFrame,
    settings: ReconcileSettings,
    vouched: pl.DataFrame | None = None,
) -> PreparedSearch:
    """Index the extract for the members of `side` (every member any part will hold),
    and, with a trained engine, the name reference; `vouched` from `cluster_pairs`."""
    index = search_index(population, side)
    size = int(population.lazy().select(pl.len()).collect().item())
    codes = None if vouched is None else vouched_codes(vouched, index)
    if not engine_ready(settings):
        return PreparedSearch(index, size, vouched=codes)
    assert settings.linkage is not None  # engine_ready
    reference = name_reference(population, settings.linkage)
    frame = with_name_codes(index.frame, reference)
    index = replace(index, frame=frame.with_columns(frame.get_column(NAME_CODE).rechunk()))  # see contiguous
    return PreparedSearch(index, size, reference, sorted_tf_tables(reference, settings.linkage), codes)


def score_search(
    prepared: PreparedSearch,
    part: pl.DataFrame,
    excluded: pl.DataFrame,
    settings: ReconcileSettings,
    name_tf: pl.DataFrame | None = None,
    in_population: float = 0.9,
) -> pl.DataFrame:
    """Scored candidate pairs of `part` (whole members of the side `prepared` was built for)
    at or above the steward floor, minus pairs a steward rejected (`excluded`);
    `SCORED_COLUMNS` only, sorted by the member's row in `part`, then by citizen (its first
    record in the extract). A member's pairs are all scored together, so any split of the
    side into parts gives the same pairs and scores (the competing posterior is per member).

    in_population: prior share of members present in the extract (`in_population_share`).
    Pairs under the floor are dropped: no step uses them (a best pair that clears the
    threshold beats one under the floor by more than the acceptance margin, and stewards
    see only pairs above it).
    """
    floor = probability_to_weight(settings.candidate_probability)
    pairs = candidate_pairs(part, prepared.index, prepared.vouched, fields=prepared.reference is None)
    if excluded.height:
        pairs = pairs.join(excluded, on=list(PAIR_KEY), how="anti")
    order = [MEMBER_CODE, CITIZEN_CODE]
    if prepared.reference is not None:
        citizens = prepared.index.frame
        scored = engine_score(pairs, part, citizens, settings, prepared.reference, prepared.size, prepared.tf)
        # in pair order before the posterior sums a member's odds: the same float sum
        # whatever order the joins left (it depends on table sizes), part or process
        scored = competing_posterior(scored.sort(order), in_population)
    else:
        scored = (
            score_pairs(pairs, settings, name_tf)
            .with_columns((pl.col("match_weight") - settings.prior_log2).alias("evidence"))
            .sort(order)
        )
    return scored.filter(pl.col("match_weight") >= floor).select(SCORED_COLUMNS)


def search_pairs(
    side: pl.DataFrame,
    population: pl.LazyFrame,
    excluded: pl.DataFrame,
    settings: ReconcileSettings,
    name_tf: pl.DataFrame | None = None,
    in_population: float = 0.9,
    vouched: pl.DataFrame | None = None,
    chunk_rows: int = SEARCH_CHUNK_ROWS,
) -> pl.DataFrame:
    """`score_search` of the whole `side`, `chunk_rows` members at a time (`_chunk_rows`):
    memory follows the chunk; rows in `side` order (see `score_search`).

    vouched: extra pairs from the member's own cluster (`cluster_pairs`).
    """
    prepared = prepare_search(side, population, settings, vouched)
    step = _chunk_rows(chunk_rows, prepared.size)
    return pl.concat(
        [
            score_search(prepared, side.slice(start, step), excluded, settings, name_tf, in_population)
            for start in range(0, max(side.height, 1), step)
        ]
    )
