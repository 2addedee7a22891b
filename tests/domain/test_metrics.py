"""Đúng–đủ–sạch–sống counts on hand-built members frames, with expected values worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddss import issues as ic
from ddss.metrics import (
    INFORMATIONAL_CODES,
    METRIC_COLUMNS,
    METRIC_DEFINITIONS,
    MISMATCH_CODES,
    OPEN_CODES,
    RECONCILE_CODES,
    compute_all,
    compute_metrics,
    definitions_markdown,
    headline,
)

CONTRACT_COLUMNS = [
    "as_of",
    "org",
    "level",
    "province_code",
    "commune_code",
    "rows_entered",
    "members",
    "expected_members",
    "pct_entered",
    "with_cccd",
    "pct_with_cccd",
    "matched",
    "pct_matched",
    "complete",
    "pct_complete",
    "clean",
    "pct_clean",
    "correct",
    "pct_correct",
    "live",
    "pct_live",
    "duplicates",
    "deceased",
]
COUNTS = [
    "rows_entered",
    "members",
    "with_cccd",
    "matched",
    "complete",
    "clean",
    "correct",
    "live",
    "duplicates",
    "deceased",
]


def row(
    member_id: str,
    *,
    org: str = "hoi-phu-nu",
    province: str | None = "01",
    commune: str | None = "00004",
    name: str | None = "Nguyễn Thị Hoa",
    birth: date | None = date(1990, 3, 1),
    year: int | None = 1990,
    sex: str | None = "F",
    cccd_status: str = "valid",
    match: str = "matched",
    issues: list[str] | None = None,
    person: str | None = None,
    branch: str | None = None,
) -> dict:
    return {
        "org": org,
        "member_id": member_id,
        "person_id": person or member_id,
        "province_code": province,
        "commune_code": commune,
        "full_name": name,
        "birth_date": birth,
        "birth_year": year,
        "sex": sex,
        "cccd": "001190000001" if cccd_status in ("valid", "repaired") else None,
        "cccd_status": cccd_status,
        "match_status": match,
        "issues": issues or [],
        "branch": branch,
    }


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"issues": pl.List(pl.String), "birth_year": pl.Int32})


def national(metrics: pl.DataFrame, org: str = "*") -> dict:
    return metrics.filter((pl.col("org") == org) & (pl.col("level") == "national")).row(0, named=True)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # a fully good member: every flag
        ([row("m")], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
        # CCCD repaired (leading zero restored, DOMAIN.md Excel damage) still counts as having a CCCD
        (
            [row("m", cccd_status="repaired", issues=[ic.CCCD_LOST_LEADING_ZERO])],
            [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
        ),
        # a year of birth is enough for "đủ" (year-only rows exist in the population file)
        ([row("m", birth=None, issues=[ic.BIRTH_DATE_YEAR_ONLY])], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
        # legacy CMND is not a CCCD (DOMAIN.md): no CCCD, not complete, not matched
        (
            [row("m", cccd_status="legacy_cmnd", match="no_cccd", issues=[ic.CCCD_LEGACY_CMND])],
            [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        # fixes applied are informational: still clean
        ([row("m", issues=[ic.NAME_CASE_FIXED, ic.NAME_LEGACY_TCVN3])], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
        # an open issue (sex guessed from middle name) blocks clean only
        ([row("m", issues=[ic.SEX_HINT_FROM_MIDDLE_NAME])], [1, 1, 1, 1, 1, 0, 1, 1, 0, 0]),
        # fields differ from the population record: matched and clean, but not correct
        ([row("m", issues=[ic.MATCH_NAME_DIFFERS])], [1, 1, 1, 1, 1, 1, 0, 1, 0, 0]),
        # fuzzy match counts as matched
        ([row("m", match="matched_fuzzy")], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
        # deceased in the population file: not matched, not live, counted as deceased
        ([row("m", match="deceased", issues=[ic.MATCH_DECEASED])], [1, 1, 1, 0, 1, 1, 0, 0, 0, 1]),
        # no commune: not complete
        ([row("m", commune=None, issues=[ic.COMMUNE_UNKNOWN])], [1, 1, 1, 1, 0, 0, 1, 1, 0, 0]),
        # no sex: not complete
        ([row("m", sex=None, issues=[ic.SEX_MISSING])], [1, 1, 1, 1, 0, 0, 1, 1, 0, 0]),
        # two rows merged into one member: one duplicate, and the member is not clean
        (
            [row("m"), row("m", cccd_status="missing", match="no_cccd", issues=[ic.DUPLICATE_IN_ORG])],
            [2, 1, 1, 1, 1, 0, 1, 1, 1, 0],
        ),
        # the golden row is the better row whichever order the rows come in
        ([row("m", cccd_status="missing", match="no_cccd"), row("m")], [2, 1, 1, 1, 1, 0, 1, 1, 1, 0]),
    ],
)
def test_member_flags(rows: list[dict], expected: list[int]) -> None:
    got = national(compute_metrics(frame(rows)))
    assert [got[f] for f in COUNTS] == expected


def test_record_stale_blocks_live() -> None:
    df = frame([row("a"), row("b")]).with_columns(record_stale=pl.Series([True, None]))
    got = national(compute_metrics(df))
    assert (got["matched"], got["live"]) == (2, 1)


def small() -> pl.DataFrame:
    return frame(
        [
            row("w1", person="p1", branch="Chi hội 1"),
            row("w1", person="p1", cccd_status="missing", match="no_cccd", branch="Chi hội 1"),
            row("w2", person="p2", commune="00008", match="not_found", issues=[ic.MATCH_NOT_FOUND]),
            row("w3", person="p3", province="79", commune="26734", cccd_status="missing", match="no_cccd"),
            row("w4", person="p4", province=None, commune=None, match="matched_fuzzy"),
            row("y1", org="doan-thanh-nien", person="p1", province="79", commune="26734"),
            row(
                "y2",
                org="doan-thanh-nien",
                person="p5",
                province="79",
                commune="26734",
                issues=[ic.CCCD_BIRTH_YEAR_MISMATCH],
            ),
        ]
    )


def test_exact_counts_small_frame() -> None:
    m = compute_metrics(small())
    # women: w1 (2 rows, dup), w2 (not found), w3 (no CCCD), w4 (unknown place, fuzzy match)
    w = national(m, "hoi-phu-nu")
    assert (w["rows_entered"], w["members"], w["duplicates"]) == (5, 4, 1)
    assert (w["with_cccd"], w["matched"], w["complete"], w["clean"]) == (3, 2, 2, 1)
    assert (w["pct_with_cccd"], w["pct_matched"]) == (75.0, 50.0)
    star = national(m)
    assert (star["members"], star["persons"], star["with_cccd"], star["clean"]) == (6, 5, 5, 2)
    assert star["pct_clean"] == round(100 * 2 / 6, 2) == 33.33
    province = m.filter((pl.col("org") == "*") & (pl.col("level") == "province"))
    assert dict(zip(province["province_code"], province["members"], strict=True)) == {
        "01": 2,
        "79": 3,
        None: 1,
    }
    commune = m.filter((pl.col("org") == "hoi-phu-nu") & (pl.col("level") == "commune"))
    assert commune.filter(pl.col("commune_code").is_null())["province_code"].to_list() == [None]


def test_columns_follow_the_contract() -> None:
    m = compute_metrics(small(), as_of=date(2026, 11, 25))
    assert m.columns[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS and tuple(m.columns) == METRIC_COLUMNS
    assert set(m["level"]) == {"national", "province", "commune"}
    assert (
        m.filter(pl.col("level") == "national")[["province_code", "commune_code"]].null_count().row(0)
        == (m.filter(pl.col("level") == "national").height,) * 2
    )
    assert "cccd" not in m.columns and "full_name" not in m.columns


def test_targets_give_coverage() -> None:
    targets = pl.DataFrame(
        {
            "org": ["hoi-phu-nu", "hoi-phu-nu", "hoi-phu-nu", "doan-thanh-nien"],
            "province_code": ["01", "79", "79", "48"],
            "commune_code": [None, "26734", "26737", ""],
            "expected_members": [4, 2, 8, 10],
        }
    )
    m = compute_metrics(small(), targets)
    get = lambda o, lvl, p=None, c=None: m.filter(  # noqa: E731
        (pl.col("org") == o)
        & (pl.col("level") == lvl)
        & pl.col("province_code").eq_missing(p)
        & pl.col("commune_code").eq_missing(c)
    ).row(0, named=True)
    assert (get("hoi-phu-nu", "province", "01")["pct_entered"]) == 50.0  # 2 members / 4 expected
    assert get("hoi-phu-nu", "province", "79")["expected_members"] == 10  # no province row: communes summed
    assert get("hoi-phu-nu", "national")["expected_members"] == 14
    empty = get("doan-thanh-nien", "province", "48")  # a target but nobody entered yet
    assert (empty["members"], empty["pct_entered"], empty["pct_with_cccd"]) == (0, 0.0, None)
    # the youth union has members in 79 without a target: its national total has no comparable target
    assert get("doan-thanh-nien", "national")["expected_members"] is None
    assert (
        get("*", "national")["expected_members"] is None
        and get("*", "province", "01")["expected_members"] == 4
    )
    assert get("hoi-phu-nu", "commune", "79", "26734")["pct_entered"] == 50.0  # 1 member / 2 expected
    assert national(compute_metrics(small()))["pct_entered"] is None  # metrics work without targets


def test_coverage_is_capped_at_100() -> None:
    targets = pl.DataFrame({"org": ["hoi-phu-nu"], "province_code": ["01"], "commune_code": [None],
                            "expected_members": [1]})  # fmt: skip
    got = compute_metrics(small(), targets).filter(
        pl.col("province_code") == "01", pl.col("level") == "province"
    )
    assert got.filter(pl.col("org") == "hoi-phu-nu")["pct_entered"].to_list() == [100.0]


def check_rollups(m: pl.DataFrame) -> None:
    for org in m["org"].unique():
        o = m.filter(pl.col("org") == org)
        nat = o.filter(pl.col("level") == "national").select(COUNTS)
        assert o.filter(pl.col("level") == "province").select(pl.col(COUNTS).sum()).rows() == nat.rows()
        by_prov = o.filter(pl.col("level") == "commune").group_by("province_code").agg(pl.col(COUNTS).sum())
        prov = o.filter(pl.col("level") == "province").select("province_code", *COUNTS)
        assert by_prov.sort("province_code").rows() == prov.sort("province_code").rows()
    nat = m.filter(pl.col("level") == "national")
    assert (
        nat.filter(pl.col("org") != "*").select(pl.col(COUNTS).sum()).rows()
        == nat.filter(pl.col("org") == "*").select(COUNTS).rows()
    )
    assert (m["rows_entered"] == m["members"] + m["duplicates"]).all()
    for p in [c for c in m.columns if c.startswith("pct_")]:
        assert m[p].drop_nulls().is_between(0, 100).all()
    for flag in ["with_cccd", "matched", "complete", "clean", "correct", "live", "deceased"]:
        assert (m[flag] <= m["members"]).all()
    assert (m["clean"] <= m["complete"]).all() and (m["correct"] <= m["matched"]).all()


def test_rollups_add_up() -> None:
    check_rollups(compute_metrics(small()))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.integers(0, 6),
            st.sampled_from(["01", "79", None]),
            st.sampled_from(["x", "y", None]),
            st.sampled_from(["valid", "missing", "repaired"]),
            st.sampled_from(["matched", "not_found", "deceased", "no_cccd"]),
            st.sampled_from([[], [ic.SEX_MISSING], [ic.NAME_CASE_FIXED]]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_rollups_add_up_on_any_frame(rows: list[tuple]) -> None:
    df = frame(
        [
            row(
                f"m{m}",
                org=o,
                province=p,
                commune=(f"{p}{c}" if p and c else None),
                cccd_status=s,
                match=ms,
                issues=i,
            )
            for o, m, p, c, s, ms, i in rows
        ]
    )
    check_rollups(compute_metrics(df))


def test_branch_and_issue_tables() -> None:
    result = compute_all(small(), as_of=date(2026, 11, 25))
    b = result.branch.filter(pl.col("org") == "hoi-phu-nu")
    assert b.select("branch", "members", "rows_entered").rows() == [("Chi hội 1", 1, 2)]
    issues = result.issue_counts.filter(pl.col("org") == "*")
    assert dict(zip(issues["code"], issues["rows"], strict=True)) == {
        ic.MATCH_NOT_FOUND: 1,
        ic.CCCD_BIRTH_YEAR_MISMATCH: 1,
    }
    assert result.issue_counts["as_of"].unique().to_list() == [date(2026, 11, 25)]


def test_every_issue_code_is_classified() -> None:
    assert not INFORMATIONAL_CODES & OPEN_CODES and not RECONCILE_CODES & OPEN_CODES
    assert MISMATCH_CODES <= RECONCILE_CODES
    assert set(ic.LABELS) == INFORMATIONAL_CODES | RECONCILE_CODES | OPEN_CODES
    assert ic.NAME_CASE_FIXED in INFORMATIONAL_CODES and ic.SEX_MISSING in OPEN_CODES


def test_definitions_table_is_documented() -> None:
    md = definitions_markdown()
    for col in [
        c
        for c in CONTRACT_COLUMNS
        if c not in ("as_of", "org", "level", "province_code", "commune_code") and not c.startswith("pct_")
    ] + ["pct_entered"]:
        assert f"`{col}`" in md
    docs = Path(__file__).resolve().parents[2] / "docs" / "METRICS.md"
    table = "\n".join(md.splitlines()[: len(METRIC_DEFINITIONS) + 2])  # code lists may grow with issues.py
    assert table in docs.read_text(encoding="utf-8"), "regenerate docs/METRICS.md from definitions_markdown()"


def test_headline_is_numbers_only() -> None:
    figures = headline(compute_metrics(small()))
    assert figures["members"] == 6 and figures["pct_with_cccd"] == round(100 * 5 / 6, 2)
    assert all(v is None or isinstance(v, int | float) for v in figures.values())
