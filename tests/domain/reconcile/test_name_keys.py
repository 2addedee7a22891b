"""Name keys for đối soát must equal the ones ddss.names builds word by word."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ddss.names import given_key_expr, surname_key_expr
from ddss.reconcile._names import with_name_keys

# DOMAIN.md (Names): surname, middle name(s), given name; regional spellings vary.
WORDS = ["Nguyễn", "Huỳnh", "Hoàng", "Võ", "Vũ", "Trần", "Thị", "Văn", "Ngọc", "Giang", "Dung",
         "Rạng", "Khoa", "Kiên", "Thuỳ", "Thúy", "Phương", "Fương", "Trung", "Sơn", "Xuân", "Mỹ"]  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join), min_size=1, max_size=20)
)
def test_word_keys_match_ddss_names(names):
    frame = pl.DataFrame({"full_name": names})
    got = with_name_keys(frame)
    want = frame.select(given_key_expr("full_name").alias("g"), surname_key_expr("full_name").alias("s"))
    assert got["given_key"].to_list() == want["g"].to_list()
    assert got["surname_key"].to_list() == want["s"].to_list()


def test_keys_join_back_per_row_including_nulls():
    frame = pl.DataFrame({"full_name": ["Huỳnh Văn An", None, "Hoàng Văn An"], "i": [1, 2, 3]})
    got = with_name_keys(frame)
    assert got["i"].to_list() == [1, 2, 3]
    keys = got["surname_key"].to_list()
    assert keys[0] == keys[2] and keys[1] is None  # Huỳnh ≈ Hoàng, a missing name has no key
