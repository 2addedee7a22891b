"""Integer codes that `_ids` uses in place of strings keep their order and equality."""

import polars as pl

from ddss.linkage.ranks import equality_codes, inverse_permutation


def test_inverse_is_the_ordinal_rank() -> None:
    values = pl.Series(["r10", "r2", "r1", "r30", "r03"])
    assert inverse_permutation(values.arg_sort()).to_list() == (values.rank("ordinal") - 1).to_list()


def test_codes_of_twelve_digit_numbers_keep_equality_and_nulls() -> None:
    values = pl.Series(["001234567890", None, "001234567890", "101234567890"])
    assert equality_codes(values).to_list() == [1234567890, None, 1234567890, 101234567890]


def test_codes_of_mixed_lengths_never_merge_a_leading_zero() -> None:
    # as numbers "0123" and "123" would be equal; as strings they are not
    codes = equality_codes(pl.Series(["0123", "123", "0123", None, "12a"]))
    assert codes[0] == codes[2]
    assert len({codes[0], codes[1], codes[4]}) == 3
    assert codes[3] is None
