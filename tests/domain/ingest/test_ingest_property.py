"""Property: any generated layout round-trips every member row exactly once, at its row number.

Layouts follow DOMAIN.md "Spreadsheet layouts": title rows, header variants, one- or two-row
headers, a column-number row, blank rows, rows without a name, totals and signatures.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_corpus import grid_of, write_csv, write_xlsx

from ddss.ingest import ingest_file
from ddss.ingest.body import sheet_rows
from ddss.ingest.headers import detect_header

TITLES = [
    "HỘI LHPN XÃ AN PHÚ",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "DANH SÁCH HỘI VIÊN NĂM 2025",
    None,
]
NAME_HEADERS = ["Họ và tên", "HỌ VÀ TÊN", "Họ tên", "ho va ten", "Họ và tên\nhội viên"]
BIRTH_HEADERS = ["Ngày sinh", "Năm sinh", "Ngày tháng năm sinh"]
CCCD_HEADERS = ["Số CCCD", "CMND/CCCD", "Số định danh cá nhân", "CCCD"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Tống", "Ngô"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh"]
GIVENS = ["An", "Bình", "Công", "Lan", "Hoa", "Tâm", "Thu", "Trường", "Hùng", "Đào"]
TOTALS = ["Tổng cộng", "Cộng", "TỔNG SỐ"]
SIGNATURES = ["Người lập biểu", "TM. BAN THƯỜNG VỤ", "Chủ tịch", "An Phú, ngày 12 tháng 5 năm 2025"]

member = st.tuples(
    st.sampled_from(SURNAMES),
    st.sampled_from(MIDDLES),
    st.sampled_from(GIVENS),
    st.integers(1940, 2007),
    st.from_regex(r"0[0-9]{11}", fullmatch=True),
    st.booleans(),  # female
)
# Each body line: ("member", data), ("blank", None) or ("noname", data).
body_line = st.one_of(
    member.map(lambda m: ("member", m)),
    st.just(("blank", None)),
    member.map(lambda m: ("noname", m)),
)


@st.composite
def layouts(draw):
    titles = draw(st.lists(st.sampled_from(TITLES), max_size=6))
    two_row = draw(st.booleans())
    with_stt = draw(st.booleans())
    name_h = draw(st.sampled_from(NAME_HEADERS))
    birth_h = draw(st.sampled_from(BIRTH_HEADERS))
    cccd_h = draw(st.sampled_from(CCCD_HEADERS))
    lines = draw(st.lists(body_line, min_size=1, max_size=25))
    numbering = draw(st.booleans())
    total = draw(st.sampled_from([None, *TOTALS]))
    signature = draw(st.sampled_from([None, *SIGNATURES]))
    return titles, two_row, with_stt, (name_h, birth_h, cccd_h), lines, numbering, total, signature


def build(layout) -> tuple[list[list], list[tuple[int, str]], list[int]]:
    """Grid, expected accepted (row, name) and expected rejected rows (1-based)."""
    titles, two_row, with_stt, (name_h, birth_h, cccd_h), lines, numbering, total, signature = layout
    stt = ["STT"] if with_stt else []
    grid: list[list] = [[t] for t in titles]
    if two_row:
        grid.append([*stt, name_h, birth_h, None, cccd_h, "Ghi chú"])
        grid.append([*([None] if with_stt else []), None, "Nam", "Nữ", None, None])
    else:
        grid.append([*stt, name_h, birth_h, "Giới tính", cccd_h, "Ghi chú"])
    width = len(grid[-1])
    if numbering:
        grid.append([str(i + 1) for i in range(width)])
    accepted: list[tuple[int, str]] = []
    rejected: list[int] = []
    for i, (kind, data) in enumerate(lines):
        if kind == "blank":
            grid.append([])
            continue
        surname, middle, given, year, cccd, female = data
        name = f"{surname} {middle} {given}" if kind == "member" else None
        if two_row:
            cells = [name, None, str(year), cccd, None] if female else [name, str(year), None, cccd, None]
        else:
            cells = [name, str(year), "Nữ" if female else "Nam", cccd, None]
        grid.append([*([str(i + 1)] if with_stt else []), *cells])
        (accepted.append((len(grid), name)) if name else rejected.append(len(grid)))
    if total:
        grid.append([total, None, str(len(accepted))])
    if signature:
        grid.append([])
        grid.append([None, signature] if with_stt else [signature])
        grid.append([None, "Phạm Thị Thu"] if with_stt else ["Phạm Thị Thu"])
    return grid, accepted, rejected


@settings(max_examples=50, deadline=None)
@given(layouts())
def test_generated_layouts_round_trip(layout) -> None:
    grid, accepted, rejected = build(layout)
    frame = grid_of([row or [None] for row in grid])
    header = detect_header(frame)
    assert header is not None
    rows = sheet_rows(frame, header, sheet="S", date_system="1900", province_hint=None, commune_hint=None)
    ok = rows.filter(rows["reject_reason"].is_null())
    assert ok.select("source_row", "full_name").rows() == accepted
    assert rows.filter(rows["reject_reason"].is_not_null())["source_row"].to_list() == rejected


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layouts(), st.sampled_from(["xlsx", "csv"]))
def test_generated_files_round_trip(tmp_path: Path, layout, fmt: str) -> None:
    grid, accepted, rejected = build(layout)
    raw = tmp_path / "raw"
    path = raw / "org" / f"f.{fmt}"
    if fmt == "xlsx":
        write_xlsx(path, {"S": grid})
    else:
        write_csv(path, grid)
    result = ingest_file(path, raw)
    assert result.member_rows.select("source_row", "full_name").rows() == accepted
    assert result.rejected_rows["source_row"].to_list() == rejected
