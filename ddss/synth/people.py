"""Synthetic people: names, sex, birth dates, residence, CCCD numbers (vectorised with numpy).

Every value is the *true* value in canonical form; damage.py decides what a cadre typed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ddss import units
from ddss.synth import vocab

REFERENCE_DATE = dt.date(2026, 6, 30)  # "as of" date of the demo (first half of 2026 report)
_EPOCH = dt.date(1970, 1, 1)
# 2025 province codes from Hà Tĩnh northwards are "north"; Huế..Lâm Đồng "central"; else south.
_NORTH_MAX, _CENTRAL_MAX = 42, 68
# DOMAIN.md "Names": Hoàng/Huỳnh and Vũ/Võ are one name written differently north/south.
_SOUTHERN_FORM_P = {"north": 0.05, "central": 0.55, "south": 0.85}
_PHONE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079", "081",
    "082", "083", "084", "085", "086", "088", "089", "090", "091", "093", "094", "096", "097", "098",
    "056", "058",
)  # fmt: skip


def weighted(pairs: tuple[tuple[str, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Values and normalised probabilities of a (value, weight) list."""
    values = np.array([v for v, _ in pairs], dtype=object)
    weights = np.array([w for _, w in pairs], dtype=float)
    return values, weights / weights.sum()


def zipf(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Unique names with 1/rank^0.8 weights (a long tail, most common first)."""
    unique = list(dict.fromkeys(names))
    w = 1.0 / np.arange(1, len(unique) + 1) ** 0.8
    return np.array(unique, dtype=object), w / w.sum()


def region_of(province_code: np.ndarray) -> np.ndarray:
    code = province_code.astype(int)
    return np.where(code <= _NORTH_MAX, "north", np.where(code <= _CENTRAL_MAX, "central", "south"))


def choose_area(rng: np.random.Generator, n_communes: int) -> pl.DataFrame:
    """Pick communes (names unique within their province) spread over several provinces.

    Returns one row per commune with its province, a size weight and its villages.
    """
    communes = units.communes()
    unique_names = communes.filter(pl.len().over("province_code", "commune_name") == 1)
    provinces = units.provinces()
    n_prov = int(min(len(provinces), max(2, round(n_communes / 4))))
    prov_codes = np.sort(rng.choice(provinces["province_code"].to_numpy(), n_prov, replace=False))
    pool = unique_names.filter(pl.col("province_code").is_in(prov_codes.tolist())).sort("commune_code")
    # Round-robin over provinces so each gets a fair share of the communes.
    order = rng.permutation(len(pool))
    pool = (
        pool[order.tolist()]
        .with_columns(rank=pl.int_range(pl.len()).over("province_code"))
        .sort("rank", "province_code")
    )
    area = pool.head(n_communes).drop("rank").sort("commune_code")
    area = area.join(provinces, on="province_code", how="left")
    weights = rng.lognormal(0.0, 0.5, len(area))
    n_villages = rng.integers(3, 8, len(area))
    return area.with_columns(
        weight=pl.Series(weights / weights.sum()),
        n_villages=pl.Series(n_villages, dtype=pl.Int64),
        region=pl.Series(region_of(area["province_code"].to_numpy())),
    )


def village_names(area: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """(commune_code, village_idx, village) for every commune of the area (loop per commune)."""
    rows: list[tuple[str, int, str]] = []
    for code, ctype, region, k in area.select(
        "commune_code", "commune_type", "region", "n_villages"
    ).iter_rows():
        if ctype == "phường":
            names = vocab.WARD_GROUP_NAMES
        elif region == "south":
            names = vocab.SOUTH_VILLAGE_NAMES
        else:
            names = vocab.VILLAGE_NAMES
        picked = rng.choice(len(names), size=min(k, len(names)), replace=False)
        rows += [(code, i, names[j]) for i, j in enumerate(sorted(picked))]
    return pl.DataFrame(rows, schema=["commune_code", "village_idx", "village"], orient="row")


def make_people(
    rng: np.random.Generator,
    n: int,
    area: pl.DataFrame,
    *,
    p_female: float,
    age_range: tuple[int, int],
    age_mode: float,
) -> pl.DataFrame:
    """`n` people living in `area`: sex, birth date, commune, village, name, ethnicity, phone."""
    female = rng.random(n) < p_female
    lo, hi = age_range
    age_days = rng.triangular(lo * 365.25, age_mode * 365.25, (hi + 1) * 365.25 - 1, n).astype(np.int64)
    birth = (REFERENCE_DATE - _EPOCH).days - age_days
    commune_idx = rng.choice(len(area), n, p=area["weight"].to_numpy())
    n_villages = area["n_villages"].to_numpy()[commune_idx]
    village_idx = (rng.random(n) * n_villages).astype(np.int64)
    region = area["region"].to_numpy()[commune_idx]
    surname, middle, given = _names(rng, female, region, birth)
    eth_v, eth_p = weighted(vocab.ETHNICITIES)
    rel_v, rel_p = weighted(vocab.RELIGIONS)
    phones = rng.choice(np.array(_PHONE_PREFIXES, dtype=object), n) + np.char.zfill(
        rng.integers(0, 10_000_000, n).astype(str), 7
    ).astype(object)
    return pl.DataFrame(
        {
            "sex": np.where(female, "F", "M"),
            "birth_date": pl.Series(birth, dtype=pl.Int32).cast(pl.Date),
            "commune_code": area["commune_code"].to_numpy()[commune_idx],
            "province_code": area["province_code"].to_numpy()[commune_idx],
            "village_idx": village_idx,
            "surname": surname,
            "middle": middle,
            "given": given,
            "ethnicity": rng.choice(eth_v, n, p=eth_p),
            "religion": rng.choice(rel_v, n, p=rel_p),
            "phone": phones,
        }
    ).with_columns(
        full_name=pl.concat_str(["surname", "middle", "given"], separator=" "),
        birth_year=pl.col("birth_date").dt.year().cast(pl.Int32),
    )


def _names(
    rng: np.random.Generator, female: np.ndarray, region: np.ndarray, birth_days: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(female)
    major = [s for s, _ in vocab.SURNAME_SHARES]
    shares = [p for _, p in vocab.SURNAME_SHARES]
    rest = (100.0 - sum(shares)) / len(vocab.MINOR_SURNAMES)
    values = np.array(major + list(vocab.MINOR_SURNAMES), dtype=object)
    probs = np.array(shares + [rest] * len(vocab.MINOR_SURNAMES))
    surname = rng.choice(values, n, p=probs / probs.sum())
    p_south = np.select([region == r for r in _SOUTHERN_FORM_P], list(_SOUTHERN_FORM_P.values()), 0.0)
    southern = rng.random(n) < p_south
    surname = np.where((surname == "Hoàng") & southern, "Huỳnh", surname)
    surname = np.where((surname == "Vũ") & southern, "Võ", surname)

    mm_v, mm_p = weighted(vocab.MIDDLE_MALE)
    mf_v, mf_p = weighted(vocab.MIDDLE_FEMALE)
    middle = np.where(female, rng.choice(mf_v, n, p=mf_p), rng.choice(mm_v, n, p=mm_p))
    # Younger people less often carry the plain Văn/Thị; some women have two middle names.
    young = birth_days > (dt.date(1990, 1, 1) - _EPOCH).days
    plain = np.isin(middle, ["Văn", "Thị"]) & young & (rng.random(n) < 0.5)
    alt = np.where(female, rng.choice(mf_v[1:], n), rng.choice(mm_v[1:], n))
    middle = np.where(plain, alt, middle)
    double = female & (middle == "Thị") & (rng.random(n) < 0.12)
    middle = np.where(double, middle + " " + rng.choice(mf_v[1:8], n), middle)

    gm_v, gm_p = zipf(vocab.GIVEN_MALE)
    gf_v, gf_p = zipf(vocab.GIVEN_FEMALE)
    given = np.where(female, rng.choice(gf_v, n, p=gf_p), rng.choice(gm_v, n, p=gm_p))
    return surname, middle, given


def assign_cccd(rng: np.random.Generator, people: pl.DataFrame, p_other_province: float) -> pl.Series:
    """CCCD `PPP G YY NNNNNN` (DOMAIN.md "CCCD"), unique over `people`.

    PPP is a pre-2025 code that the person's 2025 province absorbed (usually) or any other
    code (born elsewhere); G encodes century and sex; YY the birth year.
    """
    n = len(people)
    table = units.cccd_provinces()
    all_codes = table["cccd_code"].to_numpy().astype(object)
    by_prov = {p: g["cccd_code"].to_numpy().astype(object) for (p,), g in table.group_by("new_province_code")}
    prov = people["province_code"].to_numpy()
    ppp = rng.choice(all_codes, n)
    u = rng.random(n)
    for p, codes in sorted(by_prov.items()):
        mask = prov == p
        ppp[mask] = codes[(u[mask] * len(codes)).astype(np.int64)]
    ppp = np.where(rng.random(n) < p_other_province, rng.choice(all_codes, n), ppp)
    year = people["birth_year"].to_numpy()
    female = people["sex"].to_numpy() == "F"
    g = (year // 100 - 19) * 2 + female
    prefix = ppp.astype(str) + g.astype(str) + np.char.zfill((year % 100).astype(str), 2)
    serial = rng.integers(0, 1_000_000, n)
    for _ in range(20):  # re-draw the (rare) collisions until every number is unique
        cccd = np.char.add(prefix, np.char.zfill(serial.astype(str), 6))
        _, first = np.unique(cccd, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        serial[dup] = rng.integers(0, 1_000_000, int(dup.sum()))
    return pl.Series("cccd", cccd.astype(object), dtype=pl.String)


def old_addresses(area: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One pre-2025 address (commune, district, province) per area commune, where unambiguous.

    DOMAIN.md "Administrative units": cadres still write the old district and commune; only
    old communes that map to exactly one 2025 commune are used, so the truth stays certain.
    """
    old = units.old_units().filter(pl.col("old_commune_name").is_not_null())
    single = old.filter(pl.len().over("old_province_name", "old_district_name", "old_commune_name") == 1)
    picked = (
        single.filter(pl.col("new_commune_code").is_in(area["commune_code"].to_list()))
        .sort("new_commune_code", "old_district_name", "old_commune_name")
        .with_columns(
            _r=pl.int_range(pl.len()).over("new_commune_code"), _n=pl.len().over("new_commune_code")
        )
    )
    draw = pl.DataFrame({"new_commune_code": area["commune_code"], "_pick": rng.random(len(area))})
    return (
        picked.join(draw, on="new_commune_code", how="left")
        .filter(pl.col("_r") == (pl.col("_pick") * pl.col("_n")).floor().cast(pl.Int64))
        .select(
            commune_code="new_commune_code",
            old_address=pl.format("{}, {}, {}", "old_commune_name", "old_district_name", "old_province_name"),
        )
        .sort("commune_code")
    )
