"""Who is a member of which org, who is in the population file, who has died.

Each org draws its own people with a realistic eligibility profile (Women's Union: women;
Youth Union: 16-35; Veterans: older, mostly men; Farmers: rural communes; Trade union:
working age). Some of them join a second org, some rows are entered twice, some members
are missing from the population file and a few are recorded there as deceased.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from ddss.synth import people as ppl
from ddss.synth.vocab import ORG_ROW_SHARES


@dataclass(frozen=True)
class OrgProfile:
    """Who joins an org: share of women, age range, typical age, eligibility for 2nd org."""

    p_female: float
    age_range: tuple[int, int]
    age_mode: float
    rural_only: bool = False


ORG_PROFILES: dict[str, OrgProfile] = {
    "hoi-phu-nu": OrgProfile(1.0, (18, 85), 40),
    "doan-thanh-nien": OrgProfile(0.5, (16, 35), 22),
    "hoi-nong-dan": OrgProfile(0.45, (18, 80), 50, rural_only=True),
    "hoi-cuu-chien-binh": OrgProfile(0.06, (40, 92), 66),
    "cong-doan": OrgProfile(0.5, (20, 60), 38),
}


@dataclass(frozen=True)
class Rates:
    """Per-profile shares of the non-damage facts (duplicates, overlaps, population gaps)."""

    dup: float
    cross: float
    no_cccd: float
    not_in_population: float
    member_deceased: float
    other_deceased: float
    born_elsewhere: float
    population_year_only: float


RATES = {
    "standard": Rates(0.03, 0.08, 0.01, 0.08, 0.015, 0.03, 0.12, 0.03),
    "hard": Rates(0.06, 0.12, 0.02, 0.15, 0.03, 0.04, 0.2, 0.06),
}


def _age(col: str = "birth_date") -> pl.Expr:
    return (pl.lit(ppl.REFERENCE_DATE).dt.year() - pl.col(col).dt.year()).cast(pl.Int32)


def eligible_expr(org: str) -> pl.Expr:
    """May this person join `org`? (Used to pick second memberships.)"""
    prof = ORG_PROFILES[org]
    lo, hi = prof.age_range
    ok = _age().is_between(lo, hi)
    if prof.p_female == 1.0:
        ok = ok & (pl.col("sex") == "F")
    elif prof.p_female < 0.2:
        ok = ok & (pl.col("sex") == "M")
    if prof.rural_only:
        ok = ok & (pl.col("commune_type") == "xã")
    return ok


def build_people(
    rng: np.random.Generator, members: int, area: pl.DataFrame, rates: Rates, population_factor: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(persons, memberships): every person (members and others) and one row per member row."""
    frames = []
    counts: dict[str, tuple[int, int, int]] = {}
    rural = area.filter(pl.col("commune_type") == "xã")
    for org, share in ORG_ROW_SHARES.items():
        rows = max(1, round(members * share))
        dups, cross = round(rows * rates.dup), round(rows * rates.cross)
        counts[org] = (rows - dups - cross, cross, dups)
        prof = ORG_PROFILES[org]
        where = rural if prof.rural_only and len(rural) else area
        where = where.with_columns(weight=pl.col("weight") / pl.col("weight").sum())
        frames.append(
            ppl.make_people(
                rng,
                counts[org][0],
                where,
                p_female=prof.p_female,
                age_range=prof.age_range,
                age_mode=prof.age_mode,
            ).with_columns(primary_org=pl.lit(org))
        )
    members_df = pl.concat(frames)
    n_members = len(members_df)
    n_pop = round(population_factor * n_members)
    n_other = max(0, n_pop - round(n_members * (1 - rates.not_in_population)))
    others = ppl.make_people(rng, n_other, area, p_female=0.5, age_range=(14, 95), age_mode=35).with_columns(
        primary_org=pl.lit(None, pl.String)
    )
    persons = (
        pl.concat([members_df, others])
        .with_row_index("idx")
        .with_columns(person_id=pl.format("P{}", pl.col("idx").cast(pl.String).str.zfill(8)))
        .join(area.select("commune_code", "commune_type"), on="commune_code", how="left")
    )
    persons = persons.with_columns(ppl.assign_cccd(rng, persons, rates.born_elsewhere))

    # Memberships: primaries, then second orgs for eligible people of other orgs.
    memberships = [persons.filter(pl.col("primary_org").is_not_null()).select("idx", org="primary_org")]
    base = persons.head(n_members)
    for org, (_, cross, _) in counts.items():
        cand = base.filter(eligible_expr(org) & (pl.col("primary_org") != org))["idx"].to_numpy()
        take = rng.choice(cand, min(cross, len(cand)), replace=False) if len(cand) else cand
        memberships.append(pl.DataFrame({"idx": np.sort(take).astype(np.uint32), "org": org}))
    ms = pl.concat(memberships).with_columns(copy_no=pl.lit(0, pl.Int8))
    # Within-org duplicates: the same member entered again (by another branch).
    dup_frames = []
    for org, (_, _, dups) in counts.items():
        pool = ms.filter(pl.col("org") == org)["idx"].to_numpy()
        take = np.sort(rng.choice(pool, min(dups, len(pool)), replace=False))
        dup_frames.append(pl.DataFrame({"idx": take.astype(np.uint32), "org": org, "copy_no": 1}))
    ms = pl.concat([ms, *dup_frames], how="vertical_relaxed").with_columns(pl.col("copy_no").cast(pl.Int8))

    is_member = np.zeros(len(persons), dtype=bool)
    is_member[ms["idx"].unique().to_numpy()] = True
    n = len(persons)
    no_cccd = is_member & (rng.random(n) < rates.no_cccd)
    in_pop = ~no_cccd & (~is_member | (rng.random(n) >= rates.not_in_population))
    deceased = in_pop & (rng.random(n) < np.where(is_member, rates.member_deceased, rates.other_deceased))
    upd_days = rng.integers(0, (ppl.REFERENCE_DATE - dt.date(2021, 1, 1)).days, n)
    persons = persons.with_columns(
        cccd=pl.when(pl.Series(no_cccd)).then(None).otherwise(pl.col("cccd")),
        is_member=pl.Series(is_member),
        in_population=pl.Series(in_pop),
        deceased=pl.Series(deceased),
        population_year_only=pl.Series(rng.random(n) < rates.population_year_only),
        updated_at=pl.lit(dt.datetime(2021, 1, 1)) + pl.duration(days=pl.Series(upd_days)),
    ).filter(pl.col("is_member") | pl.col("in_population"))
    return persons, ms.sort("org", "idx", "copy_no")


def population_frame(persons: pl.DataFrame) -> pl.DataFrame:
    """The population extract (CONTRACT.md canonical columns), sorted by CCCD."""
    return (
        persons.filter(pl.col("in_population"))
        .select(
            "cccd",
            "full_name",
            birth_date=pl.when(pl.col("population_year_only"))
            .then(pl.col("birth_year").cast(pl.String))
            .otherwise(pl.col("birth_date").dt.strftime("%Y-%m-%d")),
            sex="sex",
            province_code="province_code",
            commune_code="commune_code",
            status=pl.when(pl.col("deceased")).then(pl.lit("deceased")).otherwise(pl.lit("alive")),
            updated_at="updated_at",
        )
        .sort("cccd")
    )


def targets_frame(truth_rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Expected member counts: true distinct members / a coverage near the 86.64 % figure."""
    per_commune = (
        truth_rows.group_by("org", "province_code", "commune_code")
        .agg(n=pl.col("true_member_key").n_unique())
        .sort("org", "province_code", "commune_code")
    )
    cover = rng.uniform(0.75, 0.98, len(per_commune))
    per_commune = per_commune.with_columns(
        expected_members=(pl.col("n") / pl.Series(cover)).ceil().cast(pl.Int64)
    )
    per_province = per_commune.group_by("org", "province_code").agg(
        commune_code=pl.lit(None, pl.String), expected_members=pl.col("expected_members").sum()
    )
    cols = ["org", "province_code", "commune_code", "expected_members"]
    return pl.concat([per_province.select(cols), per_commune.select(cols)]).sort(cols)
