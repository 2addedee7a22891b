"""Bad files are quarantined with a reason code and the run goes on (issue #4 "Bad files")."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from ingest_corpus import STANDARD_ACCEPTED, STANDARD_GRID, csv_text, write_encrypted_ole, write_xlsx

from ddss import issues
from ddss.ingest import ingest_file, ingest_tree, readers


def _truncated_xlsx(path: Path) -> Path:
    good = write_xlsx(path.with_name("tmp_good.xlsx"), {"S": STANDARD_GRID})
    path.write_bytes(good.read_bytes()[:700])
    good.unlink()
    return path


def _docx_like(path: Path) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    path.write_bytes(buf.getvalue())
    return path


BAD_FILES = {
    "random.xlsx": (lambda p: p.write_bytes(bytes(range(256)) * 8), issues.FILE_CORRUPT),
    "truncated.xlsx": (_truncated_xlsx, issues.FILE_CORRUPT),
    "secret.xlsx": (write_encrypted_ole, issues.FILE_PASSWORD_PROTECTED),
    "empty.xlsx": (lambda p: p.write_bytes(b""), issues.FILE_EMPTY),
    "blank.csv": (lambda p: p.write_bytes(b"\n\n  \n"), issues.FILE_EMPTY),
    "page.xls": (
        lambda p: p.write_text("<html><table><tr><td>x</td></tr></table></html>"),
        issues.FILE_WRONG_EXTENSION,
    ),
    "word.xlsx": (_docx_like, issues.FILE_WRONG_EXTENSION),
    "scan.pdf": (lambda p: p.write_bytes(b"%PDF-1.4 ..."), issues.FILE_UNSUPPORTED_FORMAT),
    "notes.csv": (lambda p: p.write_text("ghi chú\nkhông có bảng\n"), issues.FILE_NO_HEADER),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_rejected_with_reason(tmp_path: Path, name: str) -> None:
    raw = tmp_path / "raw"
    (raw / "org").mkdir(parents=True)
    write, reason = BAD_FILES[name]
    write(raw / "org" / name)
    write_xlsx(raw / "org" / "zz_good.xlsx", {"DS": STANDARD_GRID})
    result = ingest_tree(raw)
    assert result.rejected_files.select("source_file", "reason").rows() == [(f"org/{name}", reason)]
    # The run goes on: the good file beside it is read completely.
    assert result.member_rows.select("source_row", "full_name").rows() == STANDARD_ACCEPTED


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("csv_named.xlsx", lambda: csv_text(STANDARD_GRID).encode("utf-8")),
        ("xlsx_named.xls", None),
        ("xlsx_named.csv", None),
    ],
)
def test_wrong_extension_is_read_as_what_it_is(tmp_path: Path, name: str, content) -> None:
    raw = tmp_path / "raw"
    path = raw / "org" / name
    if content is None:
        real = write_xlsx(raw / "real.xlsx", {"DS": STANDARD_GRID})
        path.parent.mkdir(parents=True)
        path.write_bytes(real.read_bytes())
    else:
        path.parent.mkdir(parents=True)
        path.write_bytes(content())
    result = ingest_file(path, raw)
    assert result.reason is None
    assert result.member_rows.select("source_row", "full_name").rows() == STANDARD_ACCEPTED


def test_file_over_size_limit_is_refused_unread(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    path = write_xlsx(raw / "org" / "big.xlsx", {"DS": STANDARD_GRID})
    result = ingest_tree(raw, max_file_bytes=path.stat().st_size - 1)
    assert result.rejected_files.select("source_file", "reason").rows() == [
        ("org/big.xlsx", issues.FILE_TOO_LARGE)
    ]


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "raw"
    path = write_xlsx(raw / "org" / "bomb.xlsx", {"DS": STANDARD_GRID})
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert ingest_file(path, raw).reason == issues.FILE_TOO_LARGE


def test_sheet_over_row_limit_is_noted(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_xlsx(raw / "org" / "long.xlsx", {"DS": STANDARD_GRID})
    result = ingest_tree(raw, max_sheet_rows=5)
    assert result.sheet_counts.select("note").item() == issues.SHEET_TOO_LARGE
    assert result.rejected_files.select("source_file", "reason").rows() == [
        ("org/long.xlsx", issues.FILE_TOO_LARGE)
    ]


def test_population_and_targets_are_not_member_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_xlsx(raw / "population" / "dan_cu.xlsx", {"DS": STANDARD_GRID})
    (raw / "targets").mkdir()
    (raw / "targets" / "t.csv").write_text("org,province_code\n")
    write_xlsx(raw / "org" / "~$lock.xlsx", {"DS": STANDARD_GRID})
    result = ingest_tree(raw)
    assert result.member_rows.height == 0 and result.rejected_files.height == 0
