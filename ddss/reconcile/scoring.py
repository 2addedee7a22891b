"""Member ↔ citizen comparison: ordered levels per field, log2 weights, explanation labels.

Shaped like the deduplication engine (Splink style: null level first, exact, fuzzy levels,
else last; weight = log2 Bayes factor), so a score means the same thing in both places.
`score_pairs` uses `ddss.linkage` when it exposes `compare`/`score` for member↔citizen
pairs; this module is the seam and keeps đối soát usable on its own meanwhile.
Pair frames carry member fields with suffix `_l` and citizen fields with suffix `_r`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from ddss.frames import ordered_sum

if TYPE_CHECKING:
    from ddss.linkage.settings import LinkageSettings

PAIR_FIELDS = (
    "full_name",
    "name_key",
    "given_key",
    "surname_key",
    "phonetic_key",
    "birth_date",
    "birth_year",
    "sex",
    "province_code",
    "commune_code",
)

# Level -> (log2 Bayes factor, steward label). DOMAIN.md (Names): the surname carries little
# evidence (Nguyễn 38 %), the given name and birth date much more, hence the weights.
NAME_LEVELS: dict[str, tuple[float, str]] = {
    "null": (0.0, "Họ tên: thiếu"),
    "exact": (8.0, "Họ tên: trùng"),
    "phonetic": (6.0, "Họ tên: trùng theo cách đọc (Hoàng/Huỳnh, Vũ/Võ...)"),
    "given_fuzzy": (3.0, "Họ tên: trùng tên, họ/đệm gần giống"),
    "fuzzy": (1.0, "Họ tên: gần giống"),
    "else": (-8.0, "Họ tên: khác"),
}
BIRTH_LEVELS: dict[str, tuple[float, str]] = {
    "null": (0.0, "Ngày sinh: thiếu"),
    "date": (10.0, "Ngày sinh: trùng"),
    "year": (3.0, "Năm sinh: trùng (thiếu ngày tháng)"),
    "swapped": (2.0, "Ngày sinh: đảo ngày/tháng"),
    "same_year": (-3.0, "Ngày sinh: cùng năm, khác ngày"),
    "else": (-10.0, "Ngày sinh: khác"),
}
SEX_LEVELS: dict[str, tuple[float, str]] = {
    "null": (0.0, "Giới tính: thiếu"),
    "same": (1.0, "Giới tính: trùng"),
    "else": (-6.0, "Giới tính: khác"),
}
PLACE_LEVELS: dict[str, tuple[float, str]] = {
    "null": (0.0, "Địa bàn: thiếu"),
    "commune": (3.0, "Địa bàn: cùng xã"),
    "province": (1.0, "Địa bàn: cùng tỉnh"),
    # A member is registered where they live; a namesake in another province is more often
    # someone else than a person who moved, so it is left to a steward, never auto-linked.
    "else": (-5.0, "Địa bàn: khác tỉnh"),
}
LEVELS = {"name": NAME_LEVELS, "birth": BIRTH_LEVELS, "sex": SEX_LEVELS, "place": PLACE_LEVELS}

NAME_AGREES = ("exact", "phonetic", "given_fuzzy", "fuzzy")
BIRTH_AGREES = ("date", "year")


@dataclass(frozen=True)
class ReconcileSettings:
    """Thresholds for đối soát (JSON-serialisable, saved with the run)."""

    prior_log2: float = -6.0
    # Bars for `score_pairs`, the plain scoring used without a trained linkage model.
    accept_probability: float = 0.999
    unique_accept_probability: float = 0.995
    # Bars with the linkage engine, where the probability is a posterior that competes with
    # the other candidates and with "not in the extract" (engine.competing_posterior): a
    # clear best link is taken from 0.995 (hard profile, 100k rows: 93 more right links,
    # 1 false, over 0.999), and a lone candidate that is the only citizen with the member's
    # name, birth year and commune (name and commune for a member with no year) from 0.985
    # (search.unique_namesakes).
    posterior_accept_probability: float = 0.995
    posterior_unique_accept_probability: float = 0.985
    accept_margin_log2: float = 4.0
    # A citizen another row of the same person was matched to by CCCD is accepted for this
    # row when its own fields give at least this log2 Bayes factor (search.vouched_links).
    cluster_min_evidence_log2: float = 0.0
    cluster_accept_probability: float = 0.6
    candidate_probability: float = 0.05
    max_candidates: int = 3
    fuzzy_name: float = 0.9
    given_fuzzy_name: float = 0.8
    tf_max_bits: float = 4.0
    # Trained settings of the deduplication run: when given, the search path scores with
    # the linkage engine (ddss.reconcile.engine), so both stages share one comparison model.
    linkage: LinkageSettings | None = None


def _name_similarity(pairs: pl.DataFrame) -> pl.Series:
    """Normalised Levenshtein similarity of the folded names, over whole columns."""
    left = pairs["name_key_l"].fill_null("").to_list()
    right = pairs["name_key_r"].fill_null("").to_list()
    if not left:
        return pl.Series("name_sim", [], dtype=pl.Float64)
    sim = cpdist(left, right, scorer=Levenshtein.normalized_similarity, workers=-1)
    return pl.Series("name_sim", np.asarray(sim, dtype=np.float64))


def _level_exprs(settings: ReconcileSettings) -> list[pl.Expr]:
    l, r = pl.col, pl.col  # noqa: E741 - readability of the _l/_r pairs below
    name = (
        pl.when(l("name_key_l").is_null() | r("name_key_r").is_null())
        .then(pl.lit("null"))
        .when(l("name_key_l") == r("name_key_r"))
        .then(pl.lit("exact"))
        .when(l("phonetic_key_l") == r("phonetic_key_r"))
        .then(pl.lit("phonetic"))
        .when((l("given_key_l") == r("given_key_r")) & (pl.col("name_sim") >= settings.given_fuzzy_name))
        .then(pl.lit("given_fuzzy"))
        .when(pl.col("name_sim") >= settings.fuzzy_name)
        .then(pl.lit("fuzzy"))
        .otherwise(pl.lit("else"))
    )
    bl, br = l("birth_date_l"), r("birth_date_r")
    swapped = (bl.dt.year() == br.dt.year()) & (bl.dt.month() == br.dt.day()) & (bl.dt.day() == br.dt.month())
    birth = (
        pl.when(l("birth_year_l").is_null() | r("birth_year_r").is_null())
        .then(pl.lit("null"))
        .when(bl.is_not_null() & br.is_not_null() & (bl == br))
        .then(pl.lit("date"))
        .when((bl.is_null() | br.is_null()) & (l("birth_year_l") == r("birth_year_r")))
        .then(pl.lit("year"))
        .when(swapped)
        .then(pl.lit("swapped"))
        .when(l("birth_year_l") == r("birth_year_r"))
        .then(pl.lit("same_year"))
        .otherwise(pl.lit("else"))
    )
    sex = (
        pl.when(l("sex_l").is_null() | r("sex_r").is_null())
        .then(pl.lit("null"))
        .when(l("sex_l") == r("sex_r"))
        .then(pl.lit("same"))
        .otherwise(pl.lit("else"))
    )
    place = (
        pl.when(l("province_code_l").is_null() | r("province_code_r").is_null())
        .then(pl.lit("null"))
        .when(l("commune_code_l") == r("commune_code_r"))
        .then(pl.lit("commune"))
        .when(l("province_code_l") == r("province_code_r"))
        .then(pl.lit("province"))
        .otherwise(pl.lit("else"))
    )
    return [
        name.alias("gamma_name"),
        birth.alias("gamma_birth"),
        sex.alias("gamma_sex"),
        place.alias("gamma_place"),
    ]


def _weight_expr(field: str) -> pl.Expr:
    levels = LEVELS[field]
    return pl.col(f"gamma_{field}").replace_strict(
        {k: w for k, (w, _) in levels.items()}, default=0.0, return_dtype=pl.Float64
    )


def _label_expr(field: str) -> pl.Expr:
    levels = LEVELS[field]
    return pl.col(f"gamma_{field}").replace_strict(
        {k: lab for k, (_, lab) in levels.items()}, default=None, return_dtype=pl.String
    )


def name_frequencies(population: pl.LazyFrame) -> pl.DataFrame:
    """Relative frequency of each folded full name among citizens (term-frequency table)."""
    counts = population.group_by("name_key").agg(pl.len().alias("_n")).collect()
    total = max(int(counts["_n"].sum()), 1)
    return counts.select("name_key", (pl.col("_n") / total).alias("tf_name"))


def _tf_adjustment(pairs: pl.DataFrame, name_tf: pl.DataFrame, settings: ReconcileSettings) -> pl.DataFrame:
    """Splink-style term-frequency adjustment on name agreement: agreeing on a common name
    (DOMAIN.md: Nguyễn 38 %) is weak evidence, on a rare one strong; clipped to ± tf_max_bits."""
    u_random = float((name_tf["tf_name"] ** 2).sum()) or 1.0
    tf = pairs.join(name_tf, left_on="name_key_r", right_on="name_key", how="left")["tf_name"]
    raw = (pl.lit(u_random) / pl.col("_tf").clip(lower_bound=1e-9)).log(2)
    adjust = (
        pl.when(pl.col("gamma_name").is_in(("exact", "phonetic")) & pl.col("_tf").is_not_null())
        .then(raw.clip(-settings.tf_max_bits, settings.tf_max_bits))
        .otherwise(0.0)
    )
    return pairs.with_columns(tf.alias("_tf")).with_columns(adjust.alias("mw_tf_name")).drop("_tf")


def score_pairs(
    pairs: pl.DataFrame, settings: ReconcileSettings | None = None, name_tf: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Add `gamma_*`, `match_weight` (log2 odds), `match_probability`, `explanation`.

    Works on any frame holding the `PAIR_FIELDS` with `_l`/`_r` suffixes; other columns pass.
    With `name_tf` (from `name_frequencies`) name agreement is weighted by how rare it is.
    """
    settings = settings or ReconcileSettings()
    pairs = pairs.with_columns(_name_similarity(pairs)).with_columns(_level_exprs(settings))
    if name_tf is not None and pairs.height:
        pairs = _tf_adjustment(pairs, name_tf, settings)
    else:
        pairs = pairs.with_columns(pl.lit(0.0).alias("mw_tf_name"))
    weight = pl.lit(settings.prior_log2) + ordered_sum([*(_weight_expr(f) for f in LEVELS), "mw_tf_name"])
    return pairs.with_columns(weight.alias("match_weight")).with_columns(
        (1.0 / (1.0 + (2.0 ** (-pl.col("match_weight"))))).alias("match_probability"),
        pl.concat_str([_label_expr(f) for f in LEVELS], separator="; ").alias("explanation"),
    )


def probability_to_weight(p: float) -> float:
    """log2 odds of a probability (thresholds are stated as probabilities)."""
    return math.log2(p / (1.0 - p))
