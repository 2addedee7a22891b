"""The zip container of an xlsx file, written directly: a few thousand small workbooks per run.

`zipfile` costs about 1 ms of Python per workbook (a compressor, headers and a timestamp per
part, six parts per file), most of it for parts that are the same in every file: at 3,000
member lists that is seconds under the GIL (issue #10). Here a part that repeats (content
types, relationships, styles) is deflated once and its bytes reused; a sheet is deflated as it
streams from its chunks. Entries carry the fixed 1980-01-01 timestamp, so reruns give
identical files. Plain zip (no ZIP64): one sheet's XML stays far below 4 GiB.

Deflate is most of the CPU an xlsx costs (1M members: 370 MB of sheet XML, 2.0 s with zlib
at level 1); ISA-L (`isal`) writes the same format in a third of that, so it is used where
installed. Contents are the same either way; only the compressed bytes differ.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache

try:  # ISA-L's deflate: the same format, ~3x less CPU than zlib at level 1, smaller output
    from isal import isal_zlib as _deflater
except ImportError:  # without the `isal` package: zlib, same contents
    _deflater = zlib  # type: ignore[no-redef]

COMPRESS_LEVEL = 1  # ~3x faster than zlib's default for ~25 % larger files
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the zip epoch
_DOS_TIME = 0
_VERSION = 20  # 2.0: deflate
_MADE_BY = (3 << 8) | _VERSION  # Unix, so the mode bits below are read
_MODE = 0o600 << 16  # external attributes: owner-only, as the file itself
_LIMIT = 0xFFFFFFFF

Chunk = bytes | memoryview


@lru_cache(maxsize=256)
def _deflated_text(text: str) -> tuple[int, int, bytes]:
    """(crc32, size, deflated bytes) of a repeated part, computed once per distinct text."""
    return _deflate([text.encode()])


def _deflate(chunks: Sequence[Chunk]) -> tuple[int, int, bytes]:
    compressor = _deflater.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    crc, size, out = 0, 0, []
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        out.append(compressor.compress(chunk))
    out.append(compressor.flush())
    return crc, size, b"".join(out)


def zip_bytes(entries: Iterable[tuple[str, str | Sequence[Chunk]]]) -> bytes:
    """A zip archive of `entries`: (name, text) for a part deflated once and cached, or
    (name, chunks) for a part deflated as it comes."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, content in entries:
        crc, size, data = _deflated_text(content) if isinstance(content, str) else _deflate(content)
        if max(size, len(data), offset) >= _LIMIT:
            raise ValueError(f"xlsx part {name} too large for a plain zip")
        encoded = name.encode()
        fields = (_VERSION, 0, zlib.DEFLATED, _DOS_TIME, _DOS_DATE, crc, len(data), size, len(encoded))
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0)
        central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY, *fields, 0, 0, 0, 0, _MODE, offset)
            + encoded
        )
        out += [local, encoded, data]
        offset += len(local) + len(encoded) + len(data)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
    return b"".join([*out, directory, end])
