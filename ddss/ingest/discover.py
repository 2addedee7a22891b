"""Find member files under raw/ and tell what each file really is from its first bytes."""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from enum import Enum
from pathlib import Path

# raw/population and raw/targets hold reference data, not member lists (CONTRACT.md inputs).
NOT_MEMBER_FOLDERS = frozenset({"population", "targets"})
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt"})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is an OLE container holding a stream named "EncryptedPackage";
# directory entry names are stored as UTF-16LE.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Every byte except the control bytes text never holds (0x00-0x08, 0x0e): deleting them
# leaves those to count in one C pass.
_NOT_CONTROL = bytes(b for b in range(256) if b > 8 and b != 0x0E)


class Kind(Enum):
    """What a file's bytes say it is, whatever its extension claims."""

    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"
    TEXT = "text"
    ENCRYPTED = "encrypted"
    EMPTY = "empty"
    ZIP_OTHER = "zip_other"
    HTML = "html"
    UNKNOWN = "unknown"


def member_files(raw_dir: Path, orgs: Collection[str] | None = None) -> list[Path]:
    """Every file under raw/<org>/ (any depth), sorted; lock and hidden files are skipped.

    Files directly in raw/ have no organisation folder and are not member files (CONTRACT.md).
    `orgs` limits the walk to those organisations (one Dagster partition each).
    """
    found: list[Path] = []
    for org_dir in sorted(p for p in raw_dir.iterdir() if p.is_dir()):
        if org_dir.name in NOT_MEMBER_FOLDERS or org_dir.name.startswith("."):
            continue
        if orgs is not None and org_dir.name not in orgs:
            continue
        depth = len(raw_dir.parts)
        for path in org_dir.rglob("*"):
            if any(part.startswith((".", "~$")) for part in path.parts[depth:]) or not path.is_file():
                continue
            found.append(path)
    # Every path starts with raw_dir: sorting whole paths sorts them by `relative_name`.
    return sorted(found, key=Path.as_posix)


def relative_name(path: Path, raw_dir: Path) -> str:
    """`source_file`: the path relative to raw/ with forward slashes (CONTRACT.md)."""
    return path.relative_to(raw_dir).as_posix()


def org_of(path: Path, raw_dir: Path) -> str:
    """`<org>` is the first folder under raw/ (CONTRACT.md)."""
    return path.relative_to(raw_dir).parts[0]


def sniff(data: bytes) -> Kind:
    """Classify bytes by magic numbers, so a csv named .xlsx or an xlsx named .xls still reads."""
    if not data.strip():
        return Kind.EMPTY
    if data.startswith(_OLE_MAGIC):
        return Kind.ENCRYPTED if _ENCRYPTED_PACKAGE in data else Kind.XLS
    if data.startswith(_ZIP_MAGIC):
        return _sniff_zip(data)
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        return Kind.HTML
    if _looks_like_text(data[:65536]):
        return Kind.TEXT
    return Kind.UNKNOWN


def _sniff_zip(data: bytes) -> Kind:
    import io

    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return Kind.UNKNOWN
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return Kind.XLSX
    if "content.xml" in names:
        return Kind.ODS
    return Kind.ZIP_OTHER


def _looks_like_text(sample: bytes) -> bool:
    """UTF-16 text has NULs in every other byte; other text has almost no control bytes."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if sample.count(b"\x00") > len(sample) // 4:
        odd = sample[1::2].count(b"\x00")
        even = sample[0::2].count(b"\x00")
        return max(odd, even) > len(sample) // 3
    controls = len(sample.translate(None, _NOT_CONTROL))
    return controls * 100 < len(sample)
