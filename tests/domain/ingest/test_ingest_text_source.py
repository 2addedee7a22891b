"""Delimiter, width and stackability of a text file, as `str.splitlines` defines its lines."""

from __future__ import annotations

import pytest

from ddss.ingest.readers import text_source


@pytest.mark.parametrize(
    "text",
    [
        "a,b\nc,d,e\n",
        "a,b\r\nc,d,e\r\n",
        "a,b\rc,d,e\n",
        "a,b\x0bc,d\ne\n",
        "x;y\x1ez;w;v\n",
        "a|b\u2028c|d|e|f\n",
        "a\tb\x85c\td\te",
        "",
    ],
)
def test_width_counts_fields_per_line_as_splitlines_does(text: str) -> None:
    # The reference: the widest line of `str.splitlines` sets the width; the file is read in a
    # stack with others only when no "\n"-separated line is wider.
    source = text_source(text.encode())
    delimiter = max((",", ";", "\t", "|"), key=text.count)
    width = max(line.count(delimiter) for line in text.splitlines() or [""]) + 1
    longest = max(line.count(delimiter) for line in text.split("\n")) + 1
    assert (source.delimiter, source.width, source.batchable) == (delimiter, width, longest <= width)
