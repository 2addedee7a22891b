"""Phone normalisation rules (2018 renumbering of 11-digit mobile prefixes; 02x landlines)."""

from __future__ import annotations

import polars as pl
import pytest

from ddss import issues as iss
from ddss.phone import OLD_MOBILE_PREFIXES, phone_exprs

NORM = iss.PHONE_NORMALISED
OLD = iss.PHONE_OLD_PREFIX
BAD = iss.PHONE_INVALID


@pytest.mark.parametrize(
    ("raw", "phone", "issues"),
    [
        ("0912345678", "0912345678", []),  # already the national 10-digit form
        # country code written as +84, 84, 0084
        ("+84912345678", "0912345678", [NORM]),
        ("84912345678", "0912345678", [NORM]),
        ("0084912345678", "0912345678", [NORM]),
        ("(+84) 912 345 678", "0912345678", [NORM]),
        # separators
        ("0912 345 678", "0912345678", [NORM]),
        ("0912.345.678", "0912345678", [NORM]),
        ("0912-345-678", "0912345678", [NORM]),
        # Excel dropped the leading 0 (9 digits starting 3/5/7/8/9)
        ("912345678", "0912345678", [NORM]),
        ("383456789", "0383456789", [NORM]),
        ("912345678.0", "0912345678", [NORM]),
        # a 9-digit number starting 84 is a lost-zero VinaPhone number, not a country code
        ("845678901", "0845678901", [NORM]),
        # old 11-digit mobile prefixes -> 2018 10-digit ones
        ("01689123456", "0389123456", [NORM, OLD]),  # Viettel 0168 -> 038
        ("1689123456", "0389123456", [NORM, OLD]),  # ... that also lost its 0
        ("+841689123456", "0389123456", [NORM, OLD]),
        ("01203456789", "0703456789", [NORM, OLD]),  # MobiFone 0120 -> 070
        ("01213456789", "0793456789", [NORM, OLD]),  # MobiFone 0121 -> 079
        ("01233456789", "0833456789", [NORM, OLD]),  # VinaPhone 0123 -> 083
        ("01273456789", "0813456789", [NORM, OLD]),  # VinaPhone 0127 -> 081
        ("01863456789", "0563456789", [NORM, OLD]),  # Vietnamobile 0186 -> 056
        ("01993456789", "0593456789", [NORM, OLD]),  # Gmobile 0199 -> 059
        # landlines (02x, 11 digits) kept and not flagged
        ("02438123456", "02438123456", []),
        ("024 3812 3456", "02438123456", [NORM]),
        # several numbers in one cell: the first
        ("0912345678 / 0987654321", "0912345678", [NORM]),
        # invalid
        ("12345", None, [BAD]),
        ("0112345678", None, [BAD]),  # no 011 network
        ("0162123456", None, [BAD]),  # old prefix with a digit missing
        ("01303456789", None, [BAD]),  # 0130 was never a mobile prefix
        ("không có", None, [BAD]),
        # missing is not a problem: the phone is optional
        (None, None, []),
        ("  ", None, []),
    ],
)
def test_phone(raw: str | None, phone: str | None, issues: list) -> None:
    out = pl.DataFrame({"raw": [raw]}, schema={"raw": pl.String}).select(phone_exprs("raw")).row(0)
    assert out == (phone, issues)


def test_prefix_table_is_complete() -> None:
    # Viettel 0162-0169 (8), MobiFone 5, VinaPhone 5, Vietnamobile 2, Gmobile 1.
    assert len(OLD_MOBILE_PREFIXES) == 21
    assert all(len(k) == 4 and len(v) == 3 for k, v in OLD_MOBILE_PREFIXES.items())
