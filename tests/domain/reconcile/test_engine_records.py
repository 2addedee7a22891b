"""The search path builds member names once per distinct name and reads citizens in extract
order: the records and scores must be those of building every record on its own."""

from __future__ import annotations

import polars as pl
from reconcile_data import population_lf
from test_engine import _trained

from ddss.linkage import prepare_records
from ddss.names import split_name_exprs
from ddss.reconcile import ReconcileSettings
from ddss.reconcile.codes import CITIZEN_CODE, MEMBER_CODE
from ddss.reconcile.engine import (
    _NAME_PARTS,
    _name_parts,
    engine_score,
    name_reference,
    sorted_tf_tables,
    with_name_codes,
)
from ddss.reconcile.exact import member_side
from ddss.reconcile.search import candidate_pairs, search_index


def test_name_parts_once_per_name_equal_per_row() -> None:
    linkage = _trained()
    names = pl.Series(
        "full_name", ["Phạm Thị Dung", None, "Nguyễn  Văn An", "Pham Thi Dung", "Phạm Thị Dung"]
    )
    per_row = prepare_records(names.to_frame().with_columns(split_name_exprs("full_name")), linkage)
    once = _name_parts(names, linkage)
    assert once.columns == [c for c in _NAME_PARTS if c in per_row.columns]
    assert once.equals(per_row.select(once.columns))


def test_pairs_scored_together_as_each_alone(members: pl.DataFrame) -> None:
    """Records are gathered per pair (members by id, citizens in extract order): scoring a
    chunk's pairs together gives each pair the score it gets alone, whatever their order."""
    settings = ReconcileSettings(linkage=_trained())
    side, index = member_side(members), search_index(population_lf())
    ref = name_reference(population_lf(), settings.linkage)
    citizens, tf = with_name_codes(index.frame, ref), sorted_tf_tables(ref, settings.linkage)
    pairs = candidate_pairs(side, index, fields=False).reverse()
    assert pairs.get_column(MEMBER_CODE).n_unique() > 2 and pairs.get_column(CITIZEN_CODE).n_unique() > 2
    keys = [MEMBER_CODE, CITIZEN_CODE]
    together = engine_score(pairs, side, citizens, settings, ref, 8, tf).sort(keys)
    alone = pl.concat(
        engine_score(pairs.slice(i, 1), side, citizens, settings, ref, 8, tf) for i in range(pairs.height)
    ).sort(keys)
    assert together.height == pairs.height
    assert together.equals(alone)
