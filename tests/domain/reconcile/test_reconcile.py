"""đối soát: statuses, one-to-one links, repair suggestions, steward overrides."""

from __future__ import annotations

import polars as pl
import pytest
from reconcile_data import citizens_frame, make_members

from ddss import issues
from ddss.reconcile import MATCH_STATUSES, reconcile_members
from ddss.reconcile.population import normalise_population
from ddss.reconcile.repair import cccd_variants


def _by_row(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["row_id"]: r for r in frame.iter_rows(named=True)}


@pytest.mark.parametrize(
    ("row_id", "status", "cccd", "codes"),
    [
        ("m1", "matched", "001085000001", []),
        # DOMAIN.md (CCCD): details that disagree mean a typo or someone else's number.
        ("m2", "mismatch", None, [issues.MATCH_NAME_DIFFERS, issues.MATCH_SEX_DIFFERS]),
        ("m3", "deceased", "001090000003", [issues.MATCH_DECEASED]),
        # DOMAIN.md (Names): diacritic-free spelling compares equal on the folded key.
        ("m4", "matched_fuzzy", "079185000004", []),
        # DOMAIN.md (CCCD): a typo leads nowhere; the details still find the citizen, the
        # number itself is only suggested for correction.
        (
            "m5",
            "matched_fuzzy",
            "079085000005",
            [issues.MATCH_NOT_FOUND, issues.MATCH_CCCD_CORRECTION_SUGGESTED],
        ),
        ("m8", "not_found", None, [issues.MATCH_NOT_FOUND]),
        ("m6", "no_cccd", None, [issues.MATCH_REVIEW]),
        ("m7", "no_cccd", None, []),
    ],
)
def test_every_status(members, population, row_id, status, cccd, codes):
    result = reconcile_members(members, population)
    row = _by_row(result.matches)[row_id]
    assert (row["match_status"], row["matched_cccd"], row["match_issues"]) == (status, cccd, codes)


def test_one_row_per_member_and_summary_counts(members, population):
    result = reconcile_members(members, population)
    assert sorted(result.matches["row_id"]) == sorted(members["row_id"])
    assert set(result.matches["match_status"]) <= set(MATCH_STATUSES)
    assert sum(result.summary[f"members_{s}"] for s in MATCH_STATUSES) == members.height
    assert all(isinstance(v, int) for v in result.summary.values())  # counts only, no values


def test_tie_gives_up_to_three_candidates_not_a_link(members, population):
    result = reconcile_members(members, population)
    cands = result.candidates.filter(pl.col("row_id") == "m6")
    assert cands["candidate_cccd"].sort().to_list() == ["079190000006", "079190000007"]
    assert cands["rank"].to_list() == [1, 2]
    assert cands["explanation"].str.contains("Ngày sinh: trùng").all()


def _twins(org_b: str, commune_b: str) -> pl.DataFrame:
    return make_members(
        [
            {"row_id": "a", "full_name": "Đặng Thị Hạnh", "birth_date": "1970-02-03", "sex": "F"},
            {
                "row_id": "b",
                "full_name": "Đặng Thị Hạnh",
                "birth_date": "1970-02-03",
                "sex": "F",
                "org": org_b,
                "commune_code": commune_b,
            },
        ]
    )


@pytest.mark.parametrize(
    ("org_b", "commune_b", "expected"),
    [
        # same org, equal evidence: nobody gets the citizen, both go to review
        ("hoi-phu-nu", "26734", {"a": "no_cccd", "b": "no_cccd"}),
        # same org, 'a' clearly stronger (same commune vs other province): 'a' wins
        ("hoi-phu-nu", None, {"a": "matched_fuzzy", "b": "no_cccd"}),
        # different orgs: one person may be a member of both (CONTRACT.md: two memberships)
        ("hoi-nong-dan", "26734", {"a": "matched_fuzzy", "b": "matched_fuzzy"}),
    ],
)
def test_one_to_one_conflicts(population, org_b, commune_b, expected):
    members = _twins(org_b, commune_b)
    if commune_b is None:
        members = members.with_columns(
            pl.when(pl.col("row_id") == "b")
            .then(pl.lit("01"))
            .otherwise(pl.col("province_code"))
            .alias("province_code")
        )
    got = {
        r: s
        for r, s in reconcile_members(members, population)
        .matches.select("row_id", "match_status")
        .iter_rows()
    }
    assert got == expected


def test_same_member_id_may_share_a_citizen(population):
    """Two rows of one member (same member_id) are one claimant, not a conflict."""
    members = _twins("hoi-phu-nu", "26734").with_columns(member_id=pl.lit("M-1"))
    statuses = reconcile_members(members, population).matches["match_status"].to_list()
    assert statuses == ["matched_fuzzy", "matched_fuzzy"]


@pytest.mark.parametrize(
    ("typed", "edit"),
    [
        ("079085000050", "transposition"),  # two neighbours swapped
        ("079085000009", "one_digit"),  # one wrong digit
        ("079085100005", "one_digit"),
    ],
)
def test_repair_suggestion(population, typed, edit):
    members = make_members(
        [
            {
                "row_id": "r",
                "full_name": "Hoàng Văn Em",
                "birth_date": "1985-09-10",
                "sex": "M",
                "cccd": typed,
                "cccd_status": "valid",
            }
        ]
    )
    result = reconcile_members(members, population)
    fix = result.corrections.row(0, named=True)
    assert (fix["current_cccd"], fix["suggested_cccd"], fix["edit"]) == (typed, "079085000005", edit)
    assert result.matches["match_status"].to_list() == ["matched_fuzzy"]
    assert result.cccd_updates.is_empty()  # never applied automatically


def test_repair_suggestion_when_the_extract_lists_a_number_twice_or_non_numeric(population):
    extract = population.collect()
    twice = extract.filter(pl.col("cccd") == "079085000005")
    odd = extract.head(2).with_columns(cccd=pl.Series(["07908500000X", "79085000006"]))
    members = make_members(
        [
            {
                "row_id": "r",
                "full_name": "Hoàng Văn Em",
                "birth_date": "1985-09-10",
                "sex": "M",
                "cccd": "079085000006",
                "cccd_status": "valid",
            }
        ]
    )
    result = reconcile_members(members, pl.concat([extract, twice, odd]).lazy())
    fixes = result.corrections.select("current_cccd", "suggested_cccd").rows()
    assert fixes == [("079085000006", "079085000005")]


def test_no_repair_when_details_disagree(population):
    members = make_members(
        [
            {
                "row_id": "r",
                "full_name": "Bùi Văn Khoa",
                "birth_date": "1985-09-10",
                "sex": "M",
                "cccd": "079085000050",
                "cccd_status": "valid",
            }
        ]
    )
    assert reconcile_members(members, population).corrections.is_empty()


def test_variants_are_all_one_edit_away():
    variants = cccd_variants(pl.DataFrame({"row_id": ["r"], "cccd": ["001085000001"]}))
    assert variants.height == variants["variant"].n_unique()
    # 12 positions x 9 other digits, plus swaps of the 6 unequal neighbour pairs
    assert variants.height == 12 * 9 + 6
    assert variants["variant"].str.len_chars().unique().to_list() == [12]


def _decisions(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["kind", "row_id", "decision", "value"], orient="row").with_columns(
        row_id_r=pl.lit(None, dtype=pl.String)
    )


def test_steward_decisions_override_and_stick(members, population):
    decisions = _decisions(
        [
            ("match", "m6", "accept", "079190000007"),  # steward picks the namesake in the other commune
            ("match", "m4", "reject", "079185000004"),  # steward says the fuzzy link is wrong
            ("cccd_correction", "m5", "correct", "079085000005"),  # steward confirms the repair
            ("match", "m2", "accept", None),  # steward vouches for the mismatched row
            ("match", "m8", "accept", None),  # vouching for a number the file lacks: still not_found
        ]
    )
    first = _by_row(reconcile_members(members, population, decisions=decisions).matches)
    assert first["m6"]["match_status"] == "matched_fuzzy" and first["m6"]["matched_cccd"] == "079190000007"
    assert first["m4"]["match_status"] == "no_cccd" and first["m4"]["matched_cccd"] is None
    assert first["m5"]["match_status"] == "matched" and first["m5"]["matched_cccd"] == "079085000005"
    assert first["m2"]["match_status"] == "matched"
    assert first["m8"]["match_status"] == "not_found" and first["m8"]["matched_cccd"] is None
    for r in ("m2", "m4", "m5", "m6"):
        assert issues.STEWARD_DECISION_APPLIED in first[r]["match_issues"]
    again = reconcile_members(members, population, decisions=decisions)
    assert _by_row(again.matches) == first  # a later automatic run never undoes a decision
    assert again.cccd_updates.rows() == [("m5", "079085000005")]
    assert "m4" not in again.candidates["row_id"].to_list()


def test_population_duplicates_use_newest_record(members):
    rows = citizens_frame().vstack(
        citizens_frame(
            [("001085000001", "Nguyễn Văn An", "1985-01-02", "M", "01", "00004", "deceased")]
        ).with_columns(updated_at=pl.lit("2026-01-15"))
    )
    result = reconcile_members(members, normalise_population(rows.lazy()))
    assert _by_row(result.matches)["m1"]["match_status"] == "deceased"


def test_empty_inputs_do_not_crash(members, population):
    empty_pop = normalise_population(citizens_frame([]).lazy())
    result = reconcile_members(members, empty_pop)
    statuses = dict(result.matches.select("row_id", "match_status").iter_rows())
    assert statuses["m1"] == "not_found" and statuses["m4"] == "no_cccd"
    assert reconcile_members(members.clear(), population).matches.is_empty()
