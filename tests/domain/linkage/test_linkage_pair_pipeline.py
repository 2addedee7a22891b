"""Chunked pair pipeline: slicing the pairs never changes a result; kept pairs are the ones
a steward or an explanation needs."""

from __future__ import annotations

import polars as pl
import pytest
from linkage_data import make_members, synthetic
from polars.testing import assert_frame_equal

from ddss.linkage import LinkageResult, default_settings, link_members, prepare_records
from ddss.linkage.blocking import block_pair_codes
from ddss.linkage.comparisons import compare
from ddss.linkage.decisions import ACCEPT, CONFIRM, REVIEW, SPLIT
from ddss.linkage.pair_pipeline import NODE, RULE, _Pipeline, _refilled, keep_expr, score_pairs
from ddss.linkage.records import equality_columns, similarity_text_columns

SECRET = b"test-secret"


@pytest.fixture(scope="module")
def members() -> pl.DataFrame:
    return synthetic(300).drop("person")


@pytest.fixture(scope="module")
def everything(members: pl.DataFrame) -> LinkageResult:
    return link_members(members, id_secret=SECRET, keep_all_pairs=True)


def _scored(
    members: pl.DataFrame,
    chunk_pairs: int,
    trained: bool,
    everything: LinkageResult,
    train_pairs: int = 10**9,
):
    settings = everything.settings if trained else default_settings()
    records = prepare_records(members, settings).with_row_index(NODE)
    pairs, _ = block_pair_codes(records, settings.blocking_rules, id_column=NODE, rule_column=RULE)
    return score_pairs(
        records, pairs, settings, None, keep_all=True, chunk_pairs=chunk_pairs, train_pairs=train_pairs
    )


# training pass (EM over all slices), scoring only, and training on a sample (then the pairs
# left out of it, regrouped into full slices)
@pytest.mark.parametrize(("trained", "train_pairs"), [(False, 10**9), (True, 10**9), (False, 150)])
def test_slice_size_does_not_change_any_result(members, everything, trained: bool, train_pairs: int) -> None:
    one, s_one, _ = _scored(members, 10**9, trained, everything, train_pairs)
    many, s_many, _ = _scored(members, 17, trained, everything, train_pairs)  # many slices, one odd-sized
    assert s_many.threshold == pytest.approx(s_one.threshold, rel=1e-9)
    assert s_many.prior == pytest.approx(s_one.prior, rel=1e-9)
    ends = [f"{NODE}_l", f"{NODE}_r"]
    assert_frame_equal(one.kept.sort(ends), many.kept.sort(ends), rel_tol=1e-9)
    for name in ("edges", "cannot", "typo"):
        a, b = getattr(one, name), getattr(many, name)
        assert_frame_equal(a.sort("node_l", "node_r"), b.sort("node_l", "node_r"), rel_tol=1e-9)
    assert one.counts == many.counts and one.scored == many.scored > 0
    assert set(one.review_nodes) == set(many.review_nodes)


def test_kept_pairs_are_those_worth_showing_and_links_do_not_depend_on_them(
    members: pl.DataFrame, everything: LinkageResult
) -> None:
    kept = link_members(members, id_secret=SECRET)
    assert kept.links.equals(everything.links)
    expected = everything.pairs.filter(keep_expr(everything.settings))
    assert_frame_equal(kept.pairs, expected)
    # every merged or review pair is kept; rejects below the review floor are only counted
    decided = [ACCEPT, CONFIRM, REVIEW, SPLIT]
    assert kept.pairs.height < everything.pairs.height
    assert (
        kept.pairs.filter(pl.col("decision").is_in(decided)).height
        == everything.pairs.filter(pl.col("decision").is_in(decided)).height
    )
    assert kept.summary["candidate_pairs"] == everything.pairs.height
    assert kept.summary["pairs_by_decision"] == dict(everything.pairs.group_by("decision").len().iter_rows())
    assert_frame_equal(kept.explanations, everything.explanations)  # float noise only (tf_u sums)


def test_no_candidate_pairs_still_links_every_row(everything: LinkageResult) -> None:
    rows = [  # nothing in common: no rule proposes the pair
        ("a", "hpn", "Lê", "Văn", "Nam", "1965-07-08", "M", None, None, "01", "00003"),
        ("b", "hpn", "Bùi", "Thị", "Yến", "1990-01-01", "F", None, None, "02", "00005"),
    ]
    result = link_members(make_members(rows), settings=everything.settings, id_secret=SECRET)
    assert result.pairs.height == 0 and result.links.height == 2
    assert result.links.get_column("member_id").n_unique() == 2


def test_pieces_are_regrouped_into_full_slices_in_order() -> None:
    frame = pl.DataFrame({"x": range(18)})
    pieces = [frame[0:3], frame[3:3], frame[3:8], frame[8:9], frame[9:18]]
    out = list(_refilled(iter(pieces), 4))
    assert [p.height for p in out] == [4, 4, 4, 4, 2]
    assert pl.concat(out).equals(frame)
    assert list(_refilled(iter([frame.head(0)]), 4)) == []


def test_pipeline_compare_equals_compare(members: pl.DataFrame, everything: LinkageResult) -> None:
    """Sides built once for every record, equality-only text as integer codes: the same
    comparison vectors as `compare` on the records themselves."""
    settings = everything.settings
    records = prepare_records(members, settings).with_row_index(NODE)
    pairs, _ = block_pair_codes(records, settings.blocking_rules, id_column=NODE, rule_column=RULE)
    pipe = _Pipeline(records, settings, None)
    got = pipe.compare(pairs, settings)
    expected = compare(records, records, pairs, settings, id_column=NODE, tf=pipe.tf).select(got.columns)
    assert pairs.height > 100 and got.equals(expected)
    coded = {
        c
        for c in pipe.plain
        if pipe.side.schema[c].is_unsigned_integer() and records.schema.get(c) == pl.String
    }
    folds = set(similarity_text_columns(settings))
    assert folds == {"given_fold", "surname_fold", "middle_fold"} and set(pipe.texts) == folds
    assert coded == set(equality_columns(settings)) | folds and "cccd" in coded


def test_equality_columns_leave_out_what_is_read_as_text() -> None:
    cols = equality_columns(default_settings())
    assert {"given_name", "given_key", "sex", "commune_code", "province_code", "name_fold", "cccd"} <= set(
        cols
    )
    # Jaro-Winkler reads the folds (as codes into their values); dates are read by digits
    assert not {"given_fold", "surname_fold", "middle_fold", "birth_date", "birth_year"} & set(cols)
