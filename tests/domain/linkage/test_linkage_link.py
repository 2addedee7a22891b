"""End-to-end linkage: accuracy on known truth, ids, reruns, incremental, steward decisions."""

from __future__ import annotations

import hashlib
import hmac
import json
from itertools import combinations

import polars as pl
import pytest
from linkage_data import make_members, synthetic

from ddss.linkage import (
    LinkageResult,
    LinkageSettings,
    explain_cluster,
    golden_records,
    hmac_hex,
    link_incremental,
    link_members,
)

SECRET = b"test-secret"


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    return synthetic(800)


@pytest.fixture(scope="module")
def full(data: pl.DataFrame) -> LinkageResult:
    return link_members(data.drop("person"), id_secret=SECRET)


def _pairs(frame: pl.DataFrame, key: str) -> set[tuple[str, str]]:
    groups = frame.group_by(key).agg(pl.col("row_id").sort()).get_column("row_id").to_list()
    return {p for g in groups for p in combinations(g, 2)}


def _f1(pred: set, truth: set) -> float:
    tp = len(pred & truth)
    return 2 * tp / (len(pred) + len(truth))


def _partition(links: pl.DataFrame, key: str) -> set[frozenset[str]]:
    return {frozenset(g) for g in links.group_by(key).agg("row_id").get_column("row_id").to_list()}


def test_people_are_found_within_and_across_orgs(data: pl.DataFrame, full: LinkageResult) -> None:
    truth_person = _pairs(data, "person")
    truth_member = _pairs(data.with_columns(k=pl.format("{}|{}", "org", "person")), "k")
    assert _f1(_pairs(full.links, "person_id"), truth_person) >= 0.99
    assert _f1(_pairs(full.links, "member_id"), truth_member) >= 0.99
    assert full.links.height == data.height
    assert full.links.get_column("is_duplicate").sum() == data.height - full.links["member_id"].n_unique()


def test_hmac_in_duckdb_equals_python_hmac() -> None:
    msgs = ["cccd:001180001234", "row:f|s|2", "hội-phụ-nữ\x1fNguyễn"]
    got = hmac_hex(pl.Series(msgs), SECRET).to_list()
    assert got == [hmac.new(SECRET, m.encode(), hashlib.sha256).hexdigest() for m in msgs]
    long_key = b"k" * 100  # keys longer than the block are hashed first (RFC 2104)
    assert (
        hmac_hex(pl.Series(msgs[:1]), long_key)[0]
        == hmac.new(long_key, msgs[0].encode(), hashlib.sha256).hexdigest()
    )


def test_rerun_on_shuffled_input_gives_the_same_ids(data: pl.DataFrame, full: LinkageResult) -> None:
    again = link_members(data.drop("person").sample(fraction=1.0, shuffle=True, seed=1), id_secret=SECRET)
    assert again.links.equals(full.links)
    assert full.links.get_column("member_id").str.contains(r"^M[0-9a-f]{16}$").all()


def test_settings_round_trip_through_json(full: LinkageResult, tmp_path) -> None:
    path = tmp_path / "settings.json"
    full.settings.to_json(path)
    assert LinkageSettings.from_json(path) == full.settings


def test_explanation_sums_to_match_weight(full: LinkageResult) -> None:
    last = full.explanations.group_by("row_id_l", "row_id_r").agg(
        pl.col("cumulative_weight").sort_by("step").last()
    )
    joined = last.join(full.pairs, on=["row_id_l", "row_id_r"])
    assert joined.height == full.explanations.select("row_id_l", "row_id_r").unique().height > 0
    assert (joined["cumulative_weight"] - joined["match_weight"]).abs().max() < 1e-9
    member = full.links.filter(pl.col("member_cluster_size") > 1).get_column("member_id")[0]
    assert explain_cluster(full, member).height > 0


def test_incremental_equals_full_run(data: pl.DataFrame, full: LinkageResult) -> None:
    members = data.drop("person")
    new_ids = members.filter(pl.col("row_id").str.starts_with("f2")).get_column("row_id")
    old = members.filter(~pl.col("row_id").is_in(new_ids.implode()))
    new = members.filter(pl.col("row_id").is_in(new_ids.implode()))
    settings = full.settings  # trained once, so both runs score with the same weights
    reference = link_members(members, settings=settings, id_secret=SECRET)
    before = link_members(old, settings=settings, id_secret=SECRET)
    after = link_incremental(old, before.links, new, settings=settings, id_secret=SECRET)
    assert after.pairs.height < reference.pairs.height  # old pairs were not recomputed
    assert after.links.equals(reference.links)


def test_summary_holds_numbers_not_personal_data(data: pl.DataFrame, full: LinkageResult) -> None:
    text = json.dumps(full.summary, ensure_ascii=False, default=str)
    for value in data.select("full_name", "cccd").drop_nulls().head(50).to_numpy().ravel():
        assert str(value) not in text
    assert {s["match_key"] for s in full.summary["blocking"]} >= {"cccd", "org_given_year"}


def test_no_chaining_through_a_record_without_cccd(full: LinkageResult) -> None:
    # A and C share name, birth date and commune with B but hold different CCCDs
    base = ("hpn", "Trần", "Thị", "Mai", "1970-03-04", "F")
    place = (None, "01", "00009")
    rows = [
        ("a", *base, "001170000111", *place),
        ("b", *base, None, *place),
        ("c", *base, "040170999888", *place),
    ]
    result = link_members(make_members(rows), settings=full.settings, id_secret=SECRET)
    assert len(_partition(result.links, "member_id")) == 2
    assert (
        result.links.filter(pl.col("row_id") == "a")["member_id"][0]
        != result.links.filter(pl.col("row_id") == "c")["member_id"][0]
    )


def test_people_kept_apart_never_share_an_id_through_one_cccd(full: LinkageResult) -> None:
    # DOMAIN.md "CCCD": a member may carry someone else's number. Two different people (other
    # name, sex and birth year) holding one CCCD are vetoed apart: their ids must differ too,
    # although each cluster has that single CCCD as its anchor.
    rows = [
        ("a", "hpn", "Trần", "Thị", "Mai", "1970-03-04", "F", "001170000111", None, "01", "00009"),
        ("b", "hpn", "Lê", "Văn", "Nam", "1990-07-08", "M", "001170000111", None, "01", "00009"),
    ]
    links = link_members(make_members(rows), settings=full.settings, id_secret=SECRET).links
    ids = {r["row_id"]: (r["member_id"], r["person_id"]) for r in links.iter_rows(named=True)}
    assert ids["a"][0] != ids["b"][0]
    assert ids["a"][1] != ids["b"][1]


def test_steward_decisions_force_edges(full: LinkageResult) -> None:
    base = ("hpn", "Lê", "Văn", "Nam", "1965-07-08", "M", None, None, "01", "00003")
    rows = [
        ("a", *base),
        ("b", *base),
        ("c", "hpn", "Bùi", "Thị", "Yến", "1990-01-01", "F", None, None, "01", "00005"),
    ]
    members = make_members(rows)
    plain = link_members(members, settings=full.settings, id_secret=SECRET)
    assert len(_partition(plain.links, "member_id")) == 2
    decisions = pl.DataFrame(
        {"row_id_l": ["b", "a"], "row_id_r": ["a", "c"], "decision": ["split", "confirm"]}
    )
    forced = link_members(members, settings=full.settings, id_secret=SECRET, decisions=decisions)
    assert _partition(forced.links, "member_id") == {frozenset({"a", "c"}), frozenset({"b"})}


def test_golden_record_prefers_majority_and_diacritics(full: LinkageResult) -> None:
    base = ("hpn", "Nguyễn", "Thị", "Lan", "1980-05-12", "F")
    rows = [
        ("a", *base, "001180001234", None, "01", "00004"),
        ("b", "hpn", "Nguyen", "Thi", "Lan", "1980-05-12", "F", None, "0912345678", "01", "00004"),
    ]
    members = make_members(rows)
    result = link_members(members, settings=full.settings, id_secret=SECRET)
    golden = golden_records(members, result.links)
    assert golden.height == 1
    row = golden.row(0, named=True)
    assert row["full_name"] == "Nguyễn Thị Lan" and row["full_name_rule"] == "tie_most_complete"
    assert row["cccd"] == "001180001234" and row["cccd_rule"] == "only_value"
    assert row["source_row_ids"] == ["a", "b"]
    assert golden_records(members, result.links, level="person").height == 1


def test_trained_weights_point_the_right_way(full: LinkageResult) -> None:
    """Disagreement is evidence against a match, agreement for it (a free EM over blocked
    pairs once learned the opposite); a surname match is weaker than a given-name match
    (DOMAIN.md "Names": Nguyễn 38.4 %)."""
    import math

    w = {(x.comparison, x.label): math.log2(x.m / x.u) for x in full.settings.weights}
    for comparison in ("given_name", "surname", "birth_date", "cccd"):
        assert w[(comparison, "else")] < 0
        assert w[(comparison, "exact")] > 0
    assert w[("surname", "exact")] < w[("given_name", "exact")]
    assert 0 < full.settings.prior < 0.01  # a prior over random pairs, not over candidates


def test_training_is_independent_of_row_order(data: pl.DataFrame, full: LinkageResult) -> None:
    shuffled = link_members(data.drop("person").sample(fraction=1.0, shuffle=True, seed=5), id_secret=SECRET)
    # same random-pair sample and patterns; only float summation order may differ
    for a, b in zip(shuffled.settings.weights, full.settings.weights, strict=True):
        assert (a.comparison, a.gamma) == (b.comparison, b.gamma)
        assert a.m == pytest.approx(b.m, rel=1e-6) and a.u == pytest.approx(b.u, rel=1e-6)
    assert _partition(shuffled.links, "person_id") == _partition(full.links, "person_id")
