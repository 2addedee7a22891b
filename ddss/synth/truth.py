"""The answer key written beside `raw/`: what every written row truly says.

`truth/member_rows.parquet` has one row per written data row (source_file, source_sheet,
source_row point at it), `truth/population.parquet` one row per person (member or not),
`truth/rejected_files.parquet` the unreadable files and the reason the pipeline should give.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl

from ddss import issues
from ddss.synth.writers import FIXED_TIME

MEMBER_ROW_COLUMNS = (
    "source_file", "source_sheet", "source_row", "org", "person_id", "true_member_key", "full_name",
    "birth_date", "birth_year", "sex", "cccd", "cccd_status", "cccd_kind", "date_kind", "sex_kind",
    "phone", "phone_kind", "province_code", "commune_code", "place_mode", "in_population", "deceased",
    "is_duplicate_copy", "damage", "written_name", "written_cccd", "is_header_noise",
)  # fmt: skip


def member_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """Truth rows from the generator's working frame (sorted by position in the files)."""
    damage = pl.concat_list(
        [
            pl.col("name_tags"),
            pl.when(pl.col("cccd_kind") != "ok").then(pl.format("cccd_{}", pl.col("cccd_kind"))),
            pl.when(~pl.col("date_kind").is_in(["dmy", "iso"])).then(
                pl.format("date_{}", pl.col("date_kind"))
            ),
            pl.when(pl.col("sex_kind") == "missing").then(pl.lit("sex_missing")),
            pl.when(pl.col("copy_no") > 0).then(pl.lit("duplicate_copy")),
            pl.when(
                (pl.col("place_mode") == "columns") & pl.col("s_address_col") & pl.col("old_address_used")
            ).then(pl.lit("place_old_address")),
        ]
    ).list.drop_nulls()
    return (
        rows.with_columns(
            true_member_key=pl.format("{}:{}", pl.col("org"), pl.col("person_id")),
            is_duplicate_copy=pl.col("copy_no") > 0,
            damage=damage,
            written_name=pl.col("w_name"),
            written_cccd=pl.col("w_cccd"),
            is_header_noise=pl.lit(False),
            source_row=pl.col("source_row").cast(pl.Int64),
        )
        .select(MEMBER_ROW_COLUMNS)
        .sort("source_file", "source_sheet", "source_row")
    )


def persons_truth(persons: pl.DataFrame) -> pl.DataFrame:
    """Every person: identity, true values and whether they are a member / in the population file."""
    return persons.select(
        "person_id", "cccd", "full_name", "birth_date", "birth_year", "sex", "province_code", "commune_code",
        "is_member", "in_population", "deceased",
    ).sort("person_id")  # fmt: skip


def _tiny_xlsx() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": FIXED_TIME})
    ws = wb.add_worksheet("Chi hội 1")
    ws.write_row(0, 0, ["DANH SÁCH HỘI VIÊN"])
    ws.write_row(2, 0, ["STT", "Họ và tên", "Ngày sinh", "Số CCCD"])
    for i in range(40):
        ws.write_row(3 + i, 0, [i + 1, "Hội viên", "01/01/1980", ""])
    wb.close()
    return buf.getvalue()


def write_rejected_files(raw: Path, org: str, folder: str) -> pl.DataFrame:
    """One truncated xlsx and one password-protected-looking workbook; returns the expected reasons."""
    corrupt = f"{org}/{folder}/DS hoi vien (file loi).xlsx"
    locked = f"{org}/{folder}/DS hoi vien (co mat khau).xlsx"
    data = _tiny_xlsx()
    (raw / corrupt).parent.mkdir(parents=True, exist_ok=True)
    (raw / corrupt).write_bytes(data[: len(data) * 6 // 10])
    # An encrypted OOXML workbook is an OLE2 compound file holding these two streams.
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    streams = "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le")
    (raw / locked).write_bytes(header + streams + bytes(4096 - len(header) - len(streams)))
    assert zipfile.is_zipfile(io.BytesIO(data))
    return pl.DataFrame(
        {
            "source_file": [corrupt, locked],
            "reason": [issues.FILE_CORRUPT, issues.FILE_PASSWORD_PROTECTED],
        }
    ).sort("source_file")
