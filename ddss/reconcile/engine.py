"""Search-path scoring with the deduplication engine (`ddss.linkage.compare` / `score`).

When the run has trained linkage settings (from `link_members`), member↔citizen pairs are
scored by the very comparisons and m/u weights that deduplicate members, so a score means
the same thing in both places; only the prior differs (a candidate citizen is a different
population from a candidate duplicate). Without trained settings `scoring.score_pairs` is
used. Labels shown to stewards are translated here; compared values never appear.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from ddss.linkage import compare, level_labels, score
from ddss.linkage.settings import LinkageSettings
from ddss.names import split_name_exprs
from ddss.reconcile.scoring import ReconcileSettings

_ID = "_rid"
_FIELD_LABELS = {
    "given_name": "Tên",
    "surname": "Họ",
    "middle_name": "Tên đệm",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "cccd": "CCCD",
    "commune": "Địa bàn",
    "phone": "Số điện thoại",
}
_LEVEL_LABELS = {
    "null": "thiếu",
    "exact": "trùng",
    "diacritic-insensitive": "trùng (bỏ dấu)",
    "phonetic": "trùng cách đọc",
    "day-month swapped": "đảo ngày/tháng",
    "one digit off": "lệch một chữ số",
    "transposition": "đảo hai chữ số",
    "year agrees": "cùng năm",
    "year within 1": "lệch một năm",
    "same province": "cùng tỉnh",
    "else": "khác",
}


def engine_ready(settings: ReconcileSettings) -> bool:
    return settings.linkage is not None and settings.linkage.is_trained


def _records(pairs: pl.DataFrame, suffix: str, key: str) -> pl.DataFrame:
    """One record per member (`_l`) or citizen (`_r`) in `pairs`, named as linkage expects."""
    cols = ("full_name", "birth_date", "birth_year", "sex", "province_code", "commune_code")
    frame = pairs.select(
        pl.col(key).alias(_ID),
        *[pl.col(f"{c}{suffix}").alias(c) for c in cols],
        pl.col(f"given_key{suffix}").alias("given_key"),
        pl.col(f"surname_key{suffix}").alias("surname_key"),
        pl.col(f"name_key{suffix}").alias("name_fold"),
        # Search-path members have no usable CCCD: the id comparison gives no evidence.
        (pl.col(key) if suffix == "_r" else pl.lit(None, dtype=pl.String)).alias("cccd"),
        pl.lit(None, dtype=pl.String).alias("phone"),
    ).unique(_ID)
    return frame.with_columns(split_name_exprs("full_name"))


def _label_expr(linkage: LinkageSettings) -> pl.Expr:
    parts = []
    for spec in linkage.comparisons:
        labels = {
            g: _LEVEL_LABELS.get(lab, "gần giống" if lab.startswith("Jaro") else lab)
            for g, lab in level_labels(spec).items()
        }
        field = _FIELD_LABELS.get(spec.name, spec.name)
        gamma = pl.col(f"gamma_{spec.name}").cast(pl.Int64)
        parts.append(pl.lit(f"{field}: ") + gamma.replace_strict(labels, default="?", return_dtype=pl.String))
    return pl.concat_str(parts, separator="; ")


def engine_score(pairs: pl.DataFrame, settings: ReconcileSettings) -> pl.DataFrame:
    """`pairs` plus `match_weight`, `match_probability`, `explanation` from the linkage engine."""
    linkage = settings.linkage
    assert linkage is not None  # engine_ready() checked by the caller
    prior = 2.0**settings.prior_log2 / (1.0 + 2.0**settings.prior_log2)
    tuned = replace(linkage, prior=prior, unique_id=_ID)
    left = _records(pairs, "_l", "row_id")
    right = _records(pairs, "_r", "candidate_cccd")
    candidates = pairs.select(pl.col("row_id").alias(f"{_ID}_l"), pl.col("candidate_cccd").alias(f"{_ID}_r"))
    scored = score(compare(left, right, candidates, tuned, id_column=_ID), tuned)
    result = scored.select(
        pl.col(f"{_ID}_l").alias("row_id"),
        pl.col(f"{_ID}_r").alias("candidate_cccd"),
        pl.col("match_weight").cast(pl.Float64),
        pl.col("match_probability").cast(pl.Float64),
        _label_expr(tuned).alias("explanation"),
    )
    return pairs.drop("match_weight", "match_probability", "explanation", strict=False).join(
        result, on=["row_id", "candidate_cccd"], how="left"
    )
