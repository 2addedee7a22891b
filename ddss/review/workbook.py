"""Steward review workbooks: one xlsx per org × province with everything that needs a human.

Sheets: mismatches, suggested matches, suggested CCCD corrections, suspected duplicates and
rows rejected at ingest. Personal data is shown (these files are the stewards' own, written
0o600); each decision row carries hidden key columns so `decisions.read_decisions` can
apply the answer to the right row in the next run.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ddss import issues
from ddss.keys import row_id_expr
from ddss.review.xlsx import Bodies, Column, ListValidation, Sheet, Style, render_bodies, write_workbooks

SHEET_MISMATCH = "Sai lệch"
SHEET_CANDIDATES = "Gợi ý khớp"
SHEET_CORRECTIONS = "Gợi ý sửa CCCD"
SHEET_DUPLICATES = "Nghi trùng"
SHEET_REJECTED = "Dòng bị loại"

KEY_HEADER = "Mã dòng (không sửa)"
KEY2_HEADER = "Mã đối chiếu (không sửa)"
DECISION_HEADER = "Quyết định"
VALUE_HEADER = "Giá trị sửa"
STEWARD_HEADER = "Người duyệt"
NOTE_HEADER = "Ghi chú"
DECISION_CHOICES = ("Đồng ý", "Từ chối", "Sửa")
HEADER_ROW = 3  # 0-based; rows above hold the title and the instruction line
NO_PROVINCE = "chua-ro-tinh"

_DECISION_TAIL = (DECISION_HEADER, VALUE_HEADER, STEWARD_HEADER, NOTE_HEADER)
_MEMBER_HEADERS = ("Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD")
_PROVENANCE_HEADERS = ("Tệp nguồn", "Trang", "Dòng")
_STATUS_LABELS = {
    "mismatch": "Sai lệch với CSDL dân cư",
    "not_found": "Không có trong CSDL dân cư",
    "deceased": "Đã mất theo CSDL dân cư",
}
_EDIT_LABELS = {"one_digit": "Sai một chữ số", "transposition": "Đảo hai chữ số liền nhau"}
_INSTRUCTION = (
    "Chọn Quyết định: Đồng ý / Từ chối / Sửa (ghi số đúng vào cột Giá trị sửa). "
    "Không sửa hai cột mã ẩn. Lưu tệp và đặt vào thư mục decisions/."
)


def _member_cols() -> list[pl.Expr]:
    """Member identity columns as the steward reads them (dd/mm/yyyy, Nam/Nữ)."""
    birth = pl.coalesce(
        pl.col("birth_date").cast(pl.Date, strict=False).dt.strftime("%d/%m/%Y"),
        pl.col("birth_year").cast(pl.String),
    )
    sex = pl.col("sex").replace_strict({"M": "Nam", "F": "Nữ"}, default=None, return_dtype=pl.String)
    return [pl.col("full_name"), birth.alias("birth_text"), sex.alias("sex_text"), pl.col("cccd")]


def _labels_expr(col: str) -> pl.Expr:
    codes = sorted(issues.LABELS)
    return (
        pl.col(col)
        .list.eval(pl.element().replace_strict(codes, [issues.label(c) for c in codes], default=pl.element()))
        .list.join("; ")
    )


def _members_view(members: pl.DataFrame) -> pl.DataFrame:
    cols = {"source_file": pl.String, "source_sheet": pl.String, "source_row": pl.Int64, "org": pl.String}
    frame = members.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in cols.items() if c not in members.columns
    )
    return frame.select(
        "row_id",
        "org",
        pl.col("province_code").fill_null(NO_PROVINCE),
        pl.col("commune_code"),
        *_member_cols(),
        "source_file",
        "source_sheet",
        "source_row",
    )


def _mismatch_rows(view: pl.DataFrame, matches: pl.DataFrame) -> pl.DataFrame:
    # The list test only on the few rows with an open status (a list scan of every row costs).
    open_rows = matches.filter(pl.col("match_status").is_in(list(_STATUS_LABELS))).filter(
        ~pl.col("match_issues").list.contains(issues.STEWARD_DECISION_APPLIED)
    )
    return open_rows.join(view, on="row_id").select(
        "org",
        "province_code",
        "row_id",
        pl.lit(None, dtype=pl.String).alias("_key2"),
        *_display_member(),
        pl.col("match_status").replace_strict(_STATUS_LABELS, default=None, return_dtype=pl.String),
        _labels_expr("match_issues"),
        "source_file",
        "source_sheet",
        "source_row",
    )


def _display_member(suffix: str = "") -> list[str]:
    return [f"full_name{suffix}", f"birth_text{suffix}", f"sex_text{suffix}", f"cccd{suffix}"]


def _candidate_rows(view: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    return candidates.join(view, on="row_id").select(
        "org",
        "province_code",
        "row_id",
        pl.col("candidate_cccd").alias("_key2"),
        *_display_member(),
        pl.col("rank").cast(pl.Int64),
        "candidate_cccd",
        (pl.col("score") * 100).round(1),
        "explanation",
    )


def _correction_rows(view: pl.DataFrame, corrections: pl.DataFrame) -> pl.DataFrame:
    return corrections.join(view, on="row_id").select(
        "org",
        "province_code",
        "row_id",
        pl.col("suggested_cccd").alias("_key2"),
        *_display_member(),
        "suggested_cccd",
        pl.col("edit").replace_strict(_EDIT_LABELS, default=None, return_dtype=pl.String),
        "explanation",
    )


def _duplicate_rows(view: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    dup = _ensure(
        duplicates,
        {
            "row_id_l": pl.String,
            "row_id_r": pl.String,
            "match_probability": pl.Float64,
            "explanation": pl.String,
        },
    )
    left = view.select("row_id", "org", "province_code", *_display_member())
    right = view.select("row_id", *[pl.col(c).alias(f"{c}_2") for c in _display_member()])
    return (
        dup.join(left, left_on="row_id_l", right_on="row_id")
        .join(right, left_on="row_id_r", right_on="row_id")
        .select(
            "org",
            "province_code",
            pl.col("row_id_l").alias("row_id"),
            pl.col("row_id_r").alias("_key2"),
            *_display_member(),
            *_display_member("_2"),
            (pl.col("match_probability") * 100).round(1),
            "explanation",
        )
    )


def _ensure(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Add missing optional columns as nulls (callers may pass an empty frame)."""
    return frame.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns
    ).cast({c: t for c, t in schema.items()})


def _file_provinces(view: pl.DataFrame) -> pl.DataFrame:
    """Province of each source file (its most common among accepted rows): a rejected row
    goes to the workbook of the province its file came from."""
    return (
        view.filter(pl.col("province_code") != NO_PROVINCE)
        .group_by("source_file", "province_code")
        .agg(pl.len().alias("_n"))
        .sort("_n", "province_code", descending=[True, False])
        .unique("source_file", keep="first")
        .select("source_file", pl.col("province_code").alias("_file_province"))
    )


def _rejected_rows(rejected: pl.DataFrame, view: pl.DataFrame) -> pl.DataFrame:
    frame = _ensure(
        rejected,
        {
            "org": pl.String,
            "province_code": pl.String,
            "source_file": pl.String,
            "source_sheet": pl.String,
            "source_row": pl.Int64,
            "reason": pl.String,
            "raw": pl.String,
        },
    )
    files = view.filter(pl.col("source_file").is_in(frame.get_column("source_file").unique().implode()))
    return frame.join(_file_provinces(files), on="source_file", how="left").select(
        "org",
        pl.coalesce("province_code", "_file_province").fill_null(NO_PROVINCE).alias("province_code"),
        "source_file",
        "source_sheet",
        "source_row",
        pl.col("reason").replace_strict(
            sorted(issues.LABELS), [issues.label(c) for c in sorted(issues.LABELS)], default=pl.col("reason")
        ),
        "raw",
    )


_CANDIDATE_SCHEMA = {
    "row_id": pl.String,
    "candidate_cccd": pl.String,
    "score": pl.Float64,
    "rank": pl.Int8,
    "explanation": pl.String,
}
_CORRECTION_SCHEMA = {
    "row_id": pl.String,
    "current_cccd": pl.String,
    "suggested_cccd": pl.String,
    "edit": pl.String,
    "score": pl.Float64,
    "explanation": pl.String,
}


def _or_empty(frame: pl.DataFrame | None) -> pl.DataFrame:
    return pl.DataFrame() if frame is None else frame


SHEETS: dict[str, tuple[str, ...]] = {
    SHEET_MISMATCH: (*_MEMBER_HEADERS, "Tình trạng", "Vấn đề", *_PROVENANCE_HEADERS),
    SHEET_CANDIDATES: (*_MEMBER_HEADERS, "Hạng", "Số CCCD công dân", "Độ tin cậy (%)", "Giải thích"),
    SHEET_CORRECTIONS: (*_MEMBER_HEADERS, "Số CCCD đề xuất", "Kiểu sai", "Giải thích"),
    SHEET_DUPLICATES: (
        *(f"{h} (1)" for h in _MEMBER_HEADERS),
        *(f"{h} (2)" for h in _MEMBER_HEADERS),
        "Độ tin cậy (%)",
        "Giải thích",
    ),
    SHEET_REJECTED: ("Tệp nguồn", "Trang", "Dòng", "Lý do", "Nội dung dòng"),
}


_KEYS = ["org", "province_code"]


def _headers(name: str) -> tuple[str, ...]:
    if name == SHEET_REJECTED:
        return ("STT", *SHEETS[name])
    return (KEY_HEADER, KEY2_HEADER, "STT", *SHEETS[name], *_DECISION_TAIL)


def _bodies(name: str, rows: pl.DataFrame) -> Bodies:
    """Body XML and row count of this sheet for every org × province, in one polars pass."""
    stt = pl.int_range(1, pl.len() + 1).over(_KEYS).alias("STT")
    if name == SHEET_REJECTED:
        body = rows.select(*_KEYS, stt, pl.exclude(_KEYS))
    else:
        body = rows.select(*_KEYS, "row_id", "_key2", stt, pl.exclude(*_KEYS, "row_id", "_key2"))
    return render_bodies(body.drop_nulls("org"), _KEYS, HEADER_ROW + 1, Style.DEFAULT)


def _sheet(title: str, name: str, body: tuple[memoryview, int]) -> Sheet:
    """One sheet: title, instruction, header, rows; decision sheets get keys + validation."""
    xml, n = body
    headers = _headers(name)
    decides = name != SHEET_REJECTED
    first_visible = 2 if decides else 0  # the two key columns are hidden
    head: list[tuple[int, int, object, Style]] = [(0, first_visible, f"{title} — {name}", Style.TITLE)]
    if decides:
        head.append((1, first_visible, _INSTRUCTION, Style.DEFAULT))
    head += [(HEADER_ROW, c, h, Style.HEADER) for c, h in enumerate(headers)]
    columns = [Column(width=18) for _ in headers]
    validation = None
    if decides:
        columns[0] = columns[1] = Column(hidden=True)
        # CCCD typed as text so Excel keeps the leading zero (DOMAIN.md, Excel damage).
        columns[headers.index(VALUE_HEADER)] = Column(width=18, style=Style.TEXT)
        last = HEADER_ROW + max(n, 1) + 200  # room for rows the steward may add notes to
        validation = ListValidation(HEADER_ROW + 1, last, headers.index(DECISION_HEADER), DECISION_CHOICES)
    return Sheet(
        name=name,
        head=head,
        body_xml=xml,
        last_row=HEADER_ROW + n,
        n_cols=len(headers),
        columns=columns,
        freeze_rows=HEADER_ROW + 1,
        validation=validation,
    )


def _with_row_id(frame: pl.DataFrame) -> pl.DataFrame:
    """The contract `members` table has provenance, not row_id: rebuild the same key."""
    return frame if "row_id" in frame.columns else frame.with_columns(row_id_expr())


def _matches_from_members(members: pl.DataFrame) -> pl.DataFrame:
    """Published members already carry match_status and issues: use them as the matches."""
    issues_col = pl.col("issues") if "issues" in members.columns else pl.lit([], dtype=pl.List(pl.String))
    return members.select("row_id", "match_status", issues_col.alias("match_issues"))


def _review_pairs(linkage_pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs the linkage engine left for a steward (all pairs if it did not say)."""
    if "decision" in linkage_pairs.columns:
        return linkage_pairs.filter(pl.col("decision") == "review")
    return linkage_pairs


def write_review_workbooks(
    out_dir: Path,
    members: pl.DataFrame,
    matches: pl.DataFrame | None = None,
    candidates: pl.DataFrame | None = None,
    corrections: pl.DataFrame | None = None,
    duplicates_review: pl.DataFrame | None = None,
    rejected_rows: pl.DataFrame | None = None,
    *,
    linkage_pairs: pl.DataFrame | None = None,
) -> list[Path]:
    """Write `<out_dir>/<org>/<org>_<province_code>.xlsx` per org × province with open items.

    `matches` defaults to the match columns of `members`; `linkage_pairs` (scored pairs with
    a `decision` column) may stand in for `duplicates_review`.
    """
    members = _with_row_id(members)
    if duplicates_review is None and linkage_pairs is not None:
        duplicates_review = _review_pairs(linkage_pairs)
    view = _members_view(members)
    parts = {
        SHEET_MISMATCH: _mismatch_rows(
            view, matches if matches is not None else _matches_from_members(members)
        ),
        SHEET_CANDIDATES: _candidate_rows(view, _ensure(_or_empty(candidates), _CANDIDATE_SCHEMA)),
        SHEET_CORRECTIONS: _correction_rows(view, _ensure(_or_empty(corrections), _CORRECTION_SCHEMA)),
        SHEET_DUPLICATES: _duplicate_rows(view, _or_empty(duplicates_review)),
        SHEET_REJECTED: _rejected_rows(_or_empty(rejected_rows), view),
    }
    groups = (
        pl.concat([p.select("org", "province_code") for p in parts.values()])
        .drop_nulls("org")
        .unique()
        .sort("org", "province_code")
    )
    bodies = {name: _bodies(name, frame) for name, frame in parts.items()}
    jobs = []
    for org, province in groups.iter_rows():  # Python per output file
        title = f"Rà soát dữ liệu hội viên — {org} — tỉnh {province}"
        sheets = [_sheet(title, name, bodies[name].get((org, province))) for name in parts]
        jobs.append((out_dir / org / f"{org}_{province}.xlsx", sheets))
    return write_workbooks(jobs)
