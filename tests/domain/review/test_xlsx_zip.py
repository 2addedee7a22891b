"""The hand-written zip container: any deflater, the same archive contents."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from ddss.review import xlsx_zip


@pytest.mark.parametrize("deflater", ["default", "zlib"])
def test_parts_read_back_whatever_the_deflater(monkeypatch, deflater):
    if deflater == "zlib":
        monkeypatch.setattr(xlsx_zip, "_deflater", zlib)
    xlsx_zip._deflated_text.cache_clear()
    sheet = [b"<row>", memoryview(b"<c>" * 50_000 + "Nguyễn".encode()), b"</row>"]
    data = xlsx_zip.zip_bytes([("a.xml", "<x/>" * 100), ("sheet.xml", sheet), ("b.xml", "<x/>" * 100)])
    xlsx_zip._deflated_text.cache_clear()
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None  # every CRC matches
    assert [i.filename for i in archive.infolist()] == ["a.xml", "sheet.xml", "b.xml"]
    assert archive.read("sheet.xml") == b"".join(bytes(c) for c in sheet)
    assert archive.read("b.xml") == b"<x/>" * 100
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
