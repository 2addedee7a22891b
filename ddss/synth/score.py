"""Score a pipeline's output against the generator's truth (tests and benchmarks share this).

Every figure is a count or a ratio; nothing personal leaves these functions.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ddss.text import ascii_fold_expr

_ROW_KEY = ["source_file", "source_sheet", "source_row"]


def load_truth(data_dir: Path) -> pl.DataFrame:
    """`truth/member_rows.parquet`: one row per member row the generator wrote."""
    return pl.read_parquet(data_dir / "truth" / "member_rows.parquet")


def with_truth(members: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Pipeline rows joined to their truth by provenance (truth columns get a `true_` prefix)."""
    renamed = truth.rename({c: f"true_{c}" for c in truth.columns if c not in _ROW_KEY})
    return members.join(renamed, on=_ROW_KEY, how="inner", validate="1:1")


def conservation(members: pl.DataFrame, rejected_rows: pl.DataFrame, truth: pl.DataFrame) -> dict[str, int]:
    """Truth rows found in members, in rejected_rows, in both, or lost."""
    acc = truth.join(members.select(_ROW_KEY), on=_ROW_KEY, how="semi").height
    rej = truth.join(rejected_rows.select(_ROW_KEY), on=_ROW_KEY, how="semi").height
    both = members.select(_ROW_KEY).join(rejected_rows.select(_ROW_KEY), on=_ROW_KEY, how="semi").height
    extra = members.join(truth.select(_ROW_KEY), on=_ROW_KEY, how="anti").height
    return {
        "truth_rows": truth.height,
        "accepted": acc,
        "rejected": rej,
        "in_both": both,
        "lost": truth.height - acc - rej + both,
        "accepted_not_in_truth": extra,
    }


def _share(frame: pl.DataFrame, ok: pl.Expr) -> float:
    return float(frame.select(ok.mean()).item()) if frame.height else 1.0


def normalisation_accuracy(joined: pl.DataFrame) -> dict[str, float]:
    """Share of rows whose normalised field equals the truth, where the input held the field.

    Names written without diacritics cannot regain them (ddss never invents diacritics), so
    those rows are scored on the diacritic-free form.
    """
    damage = pl.col("true_damage")
    no_diacritics = damage.list.contains("name_no_diacritics")
    name_ok = (
        pl.when(no_diacritics)
        .then(ascii_fold_expr("full_name") == ascii_fold_expr("true_full_name"))
        .otherwise(pl.col("full_name") == pl.col("true_full_name"))
        .fill_null(False)
    )
    dated = joined.filter(~pl.col("true_date_kind").is_in(["missing", "year_only"]))
    yeared = joined.filter(pl.col("true_date_kind") != "missing")
    sexed = joined.filter(~pl.col("true_sex_kind").is_in(["missing", "none"]))  # "none": no sex column
    recoverable = joined.filter(pl.col("true_cccd_status").is_in(["valid", "repaired"]))
    unrecoverable = joined.filter(~pl.col("true_cccd_status").is_in(["valid", "repaired"]))
    return {
        "name": _share(joined, name_ok),
        "birth_date": _share(dated, (pl.col("birth_date") == pl.col("true_birth_date")).fill_null(False)),
        "birth_year": _share(yeared, (pl.col("birth_year") == pl.col("true_birth_year")).fill_null(False)),
        "sex": _share(sexed, (pl.col("sex") == pl.col("true_sex")).fill_null(False)),
        # The number as written, digits only, left-padded: what a correct normalisation yields
        # for every recoverable CCCD (typos stay typos here; đối soát suggests those fixes).
        "cccd_recoverable": _share(
            recoverable,
            (
                pl.col("cccd") == pl.col("true_written_cccd").str.replace_all(r"\D", "").str.zfill(12)
            ).fill_null(False),
        ),
        "cccd_status": _share(joined, pl.col("cccd_status") == pl.col("true_cccd_status")),
        "cccd_unrecoverable_repaired": float(
            unrecoverable.filter(pl.col("cccd_status").is_in(["valid", "repaired"])).height
        ),
    }


def _pair_count(col: pl.Expr) -> pl.Expr:
    n = col.cast(pl.Int64)
    return (n * (n - 1) // 2).sum()


def pairwise_f1(joined: pl.DataFrame, predicted: str, true: str) -> dict[str, float]:
    """Pairwise precision/recall/F1 of a clustering (`predicted` ids) against true ids."""
    pred_pairs = joined.group_by(predicted).len().select(_pair_count(pl.col("len"))).item()
    true_pairs = joined.group_by(true).len().select(_pair_count(pl.col("len"))).item()
    tp = joined.group_by(predicted, true).len().select(_pair_count(pl.col("len"))).item()
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true_pairs,
        "pred_pairs": pred_pairs,
    }


def match_quality(joined: pl.DataFrame) -> dict[str, float]:
    """Đối soát against truth: precision of links, recall over members in the population, and
    the false-match rate over members who are not in it."""
    linked = joined.filter(pl.col("matched_cccd").is_not_null())
    correct = linked.filter(pl.col("matched_cccd") == pl.col("true_cccd"))
    in_pop = joined.filter(pl.col("true_in_population") & pl.col("true_cccd").is_not_null())
    found = in_pop.filter(pl.col("matched_cccd") == pl.col("true_cccd"))
    absent = joined.filter(~pl.col("true_in_population"))
    no_cccd = in_pop.filter(~pl.col("cccd_status").is_in(["valid", "repaired"]))
    return {
        "precision": correct.height / linked.height if linked.height else 1.0,
        "recall": found.height / in_pop.height if in_pop.height else 1.0,
        "false_match_rate": absent.filter(pl.col("matched_cccd").is_not_null()).height / absent.height
        if absent.height
        else 0.0,
        "no_cccd_found_share": no_cccd.filter(pl.col("matched_cccd") == pl.col("true_cccd")).height
        / no_cccd.height
        if no_cccd.height
        else 1.0,
    }
