"""Find the header row(s) of a sheet and map its cells onto the canonical fields of frame 1.

Headers sit anywhere in the first rows below titles and a motto, often as two rows with
merged cells (DOMAIN.md "Spreadsheet layouts"). Cells are compared on a compact key:
`ddss.text.ascii_fold_expr`, then remarks in parentheses and every non-alphanumeric
character dropped ("Họ và tên\\n(ghi đầy đủ)" -> "hovaten", "CMND/CCCD" -> "cmndcccd").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from ddss.ingest.readers import ROW_COLUMN
from ddss.text import ascii_fold_expr, decode_legacy_expr

SCAN_ROWS = 25
LEGACY_ENCODINGS = ("tcvn3", "vni", "viqr")
STT = "stt"
NAME_FIELDS = frozenset({"full_name", "surname_part", "given_part"})

_PLACE_VILLAGE = r"(ten)?(thon|ap|ban|xom|khupho|khom|todanpho|tdp|lang|buon|plei|to)+"
_PLACE_COMMUNE = r"(ten)?(xa|phuong|thitran|dackhu|xaphuong)+"
_PLACE_PROVINCE = r"(ten)?(tinh|thanhpho|tp|tinhthanhpho|tinhthanh)+"
_ID_TOKEN = r"(cccd|cmnd|cmt|cmtnd|cancuoc(congdan)?|chungminh(nhandan|thu)?|(so|ma)?dinhdanh(canhan)?)"

# The one synonym table (DOMAIN.md "Header variants"): (field, regex over the compact key).
# Order matters: the first full match wins, and when two columns map to the same field the
# one matched by the earlier entry is kept (e.g. "Nơi ở hiện nay" beats "Quê quán").
HEADER_SYNONYMS: tuple[tuple[str, str], ...] = (
    (STT, r"s?tt|so(thu)?tu|thutu|sott|sothutu"),
    ("surname_part", r"ho(va)?(ten)?dem|ho|hovachulot|holot"),
    ("given_part", r"ten|tenrieng|tengoi"),
    ("birth_date_male", r"(ngay|ngaythang|ngaythangnam|nam)sinh(cua)?nam"),
    ("birth_date_female", r"(ngay|ngaythang|ngaythangnam|nam)sinh(cua)?nu"),
    ("birth_date", r"(ngay|ngaythang|ngaythangnam|nam|thangnam)sinh|sinhngay|ngaysinhnamsinh"),
    ("sex", r"gioitinh|gioi|gt|phai|namnu|namhoacnu"),
    ("female_mark", r"nu"),
    ("male_mark", r"nam"),
    ("cccd_issue_date", r"ngay(thangnam)?cap[a-z]*"),
    ("cccd", rf"(so|ma)?{_ID_TOKEN}((hoac|va)?(so)?{_ID_TOKEN})*"),
    ("ethnicity", r"dantoc"),
    ("religion", r"tongiao"),
    (
        "join_date",
        r"(ngay|nam|thoigian|ngaythangnam|thangnam)?(vao|ketnap|gianhap)"
        r"(hoi|doan|congdoan|cd|tochuc|hoiphunu|hoinongdan|hoiccb|hoicuuchienbinh)",
    ),
    ("join_date", r"(ngay|nam|ngaythangnam)(vao|ketnap|gianhap)"),
    ("member_card", r"(so|ma)the[a-z]*|sothe"),
    (
        "branch",
        r"(ten)?(chihoi|tohoi|chidoan|chibo|tocongdoan|congdoanbophan|tocd|phanhoi|donvi)[a-z]*",
    ),
    ("village", _PLACE_VILLAGE),
    ("commune", _PLACE_COMMUNE),
    ("province", _PLACE_PROVINCE),
    ("full_name", r"(ho(va)?)?ten[a-z]*|hovaten|hoten"),
    ("phone", r"(so)?(dienthoai|dt|dtdd|didong|sdt)[a-z0-9]*|lienhe"),
    (
        "address",
        r"[a-z]*(diachi|noio|choo|noicutru|cutru|thuongtru|tamtru|hokhau)[a-z]*",
    ),
    ("address", r"quequan|nguyenquan|noisinh"),
)

# Sub-headers under a merged parent: (parent field, child regex, field or None for extra).
CHILD_SYNONYMS: tuple[tuple[str, str, str | None], ...] = (
    ("birth_date", r"nam", "birth_date_male"),
    ("birth_date", r"nu", "birth_date_female"),
    ("sex", r"nam", "male_mark"),
    ("sex", r"nu", "female_mark"),
    ("cccd", r"so|socccd|socmnd|sodinhdanh", "cccd"),
    ("cccd", r"ngay(thangnam)?cap", "cccd_issue_date"),
    ("cccd", r"noicap", None),
    ("full_name", r"ho(va)?(ten)?dem|ho|holot", "surname_part"),
    ("full_name", r"ten", "given_part"),
    ("address", r"sonha[a-z]*|duong[a-z]*|sonhaduong|diachi", "address"),
    ("address", _PLACE_VILLAGE, "village"),
    ("address", _PLACE_COMMUNE, "commune"),
    ("address", _PLACE_PROVINCE, "province"),
    ("address", r"huyen|quan|thixa", None),
)

# One alternation for the whole table: the regex engine tries the alternatives in order and
# keeps the first that matches the whole key, which is the first full match of the table.
_ANY_MAIN = re.compile("|".join(f"(?P<g{i}>{rx})" for i, (_, rx) in enumerate(HEADER_SYNONYMS)))
# The same test for polars (Rust regex), to pick the few known keys out of a whole batch.
ANY_HEADER_RX = "^(?:" + "|".join(f"(?:{rx})" for _, rx in HEADER_SYNONYMS) + ")$"
# Compact key and display label of a header cell, built once (building costs more than
# running it on ~25 rows).
KEY_AND_LABEL = (
    ascii_fold_expr("v").str.replace_all(r"\(.*?\)", "").str.replace_all(r"[^a-z0-9]", "").alias("k"),
    pl.col("v").str.replace_all(r"\s+", " ").alias("l"),
)
_CHILD = [(parent, re.compile(rx), field) for parent, rx, field in CHILD_SYNONYMS]
CHILD_PARENTS = frozenset(parent for parent, _, _ in CHILD_SYNONYMS)


@dataclass(frozen=True)
class HeaderColumn:
    """One grid column under the header: its canonical field (None = extra) and its label."""

    column: str
    field: str | None
    label: str


@dataclass(frozen=True)
class Header:
    """Where the header is (grid indices) and what each column means."""

    first_row: int
    data_start: int
    columns: tuple[HeaderColumn, ...]
    encoding: str | None = None  # legacy encoding the header (and titles) were typed in


@lru_cache(maxsize=65536)
def field_of(key: str | None) -> tuple[str, int] | None:
    """(field, table rank) of a compact header key, or None when it is not a known header."""
    if not key:
        return None
    found = _ANY_MAIN.fullmatch(key)
    if found is None:
        return None
    rank = next(int(name[1:]) for name, value in found.groupdict().items() if value is not None)
    return HEADER_SYNONYMS[rank][0], rank


def _child_field(parent: str | None, key: str) -> tuple[bool, str | None]:
    for parent_field, rx, field in _CHILD:
        if parent == parent_field and rx.fullmatch(key):
            return True, field
    return False, None


def header_keys(
    head: pl.DataFrame, cells: list[str], encoding: str | None = None
) -> tuple[list[list], list[list]]:
    """Compact keys and display labels of the first rows (vectorised over the small head).

    With `encoding`, the cells are first converted from that legacy encoding: a sheet typed
    in TCVN3/VNI has its header typed the same way (DOMAIN.md "Names").
    """
    if encoding is not None:
        head = head.with_columns(decode_legacy_expr(c, encoding).alias(c) for c in cells)
    # One column holding the head row by row: one fold expression instead of one per column.
    flat = head.select(pl.concat_list(pl.col(c) for c in cells).alias("v")).explode("v")
    out = flat.select(KEY_AND_LABEL)
    width = len(cells)
    keys, labels = out.get_column("k").to_list(), out.get_column("l").to_list()
    rows = range(0, len(keys), width)
    return [keys[i : i + width] for i in rows], [labels[i : i + width] for i in rows]


def _single(keys: list) -> dict[int, tuple[str, int] | None]:
    return {j: field_of(k) for j, k in enumerate(keys) if k}


def _score(mapped: dict[int, tuple[str, int] | None]) -> int:
    fields = {m[0] for m in mapped.values() if m}
    return len(fields) if fields & NAME_FIELDS and len(fields) >= 2 else 0


def _two_row(
    parent_keys: list, child_keys: list, parent_labels: list, child_labels: list
) -> tuple[dict[int, tuple[str, int] | None], list[str], bool]:
    """Combine a parent row and its sub-header row; fill merged parents right.

    Returns as soon as the pair cannot qualify (most parent rows are a one-row header over a
    data row), so data cells are not looked up one by one.
    """
    width = len(parent_keys)
    parent_map = [field_of(k) if k else None for k in parent_keys]
    parent_fields = {m[0] for m in parent_map if m}
    # Sub-headers leave the (vertically merged) name column empty; a data row never does.
    name_empty = all(not child_keys[j] for j, m in enumerate(parent_map) if m and m[0] in NAME_FIELDS)
    if not parent_fields:
        return {}, [], False
    pkeys, plabels = list(parent_keys), list(parent_labels)
    for j in range(1, width):
        # A merged parent is stored only in its first column (calamine) -> fill it right
        # over the sub-headers it spans.
        if pkeys[j] is None and child_keys[j] and pkeys[j - 1] and child_keys[j - 1]:
            pkeys[j], plabels[j] = pkeys[j - 1], plabels[j - 1]
    mapped: dict[int, tuple[str, int] | None] = {}
    labels = [""] * width
    known = unknown = 0
    parent_used = False
    for j in range(width):
        pf = field_of(pkeys[j])
        ck = child_keys[j]
        if not ck:
            if pkeys[j]:
                mapped[j], labels[j] = pf, plabels[j] or ""
            continue
        labels[j] = f"{plabels[j]} / {child_labels[j]}" if plabels[j] else child_labels[j]
        hit, field = _child_field(pf[0] if pf else None, ck)
        if hit:
            parent_used = True
            known += 1
            mapped[j] = (field, -1) if field else None
            continue
        own = field_of(ck)
        if own is None and not name_empty:  # an unknown sub-header needs an empty name column
            return {}, [], False
        known, unknown = known + (own is not None), unknown + (own is None)
        mapped[j] = own
    children_ok = unknown == 0 or (name_empty and known >= unknown)
    qualifies = bool(children_ok and (parent_used or len(parent_fields) >= 2))
    return mapped, labels, qualifies


def detect_header(grid: pl.DataFrame, scan_rows: int = SCAN_ROWS) -> Header | None:
    """Best-scoring header in the first `scan_rows` rows (one or two rows), or None."""
    cells = [c for c in grid.columns if c != ROW_COLUMN]
    head = grid.head(scan_rows)
    if not cells or head.height == 0:
        return None
    for encoding in (None, *LEGACY_ENCODINGS):
        header = _detect(head, cells, encoding)
        if header is not None:
            return header
    return None


def _detect(head: pl.DataFrame, cells: list[str], encoding: str | None) -> Header | None:
    keys, labels = header_keys(head, cells, encoding)
    return detect_from_keys(keys, labels, cells, encoding)


def _may_parent(single: dict[int, tuple[str, int] | None]) -> bool:
    """A row can head a two-row header only if its fields are >= 2 or one has sub-headers
    (`_two_row` qualifies on exactly that); skipping the rest keeps the scan cheap on data rows."""
    fields = {m[0] for m in single.values() if m}
    return len(fields) >= 2 or bool(fields & CHILD_PARENTS)


def detect_from_keys(
    keys: list[list], labels: list[list], cells: list[str], encoding: str | None = None
) -> Header | None:
    """Best-scoring header from the head's compact keys and labels (row lists, one per row)."""
    best: tuple[int, int, int, dict, list[str]] | None = None  # (score, -row, rows, map, labels)
    for r in range(len(keys)):
        if not any(keys[r]):  # an empty row scores nothing and heads nothing
            continue
        single = _single(keys[r])
        candidates = [(_score(single), 1, single, [lab or "" for lab in labels[r]])]
        if r + 1 < len(keys) and _may_parent(single) and any(keys[r + 1]):
            mapped, two_labels, ok = _two_row(keys[r], keys[r + 1], labels[r], labels[r + 1])
            if ok:
                candidates.append((_score(mapped), 2, mapped, two_labels))
        for score, rows, mapped, labs in candidates:
            if score and (best is None or (score, -r) > (best[0], best[1])):
                best = (score, -r, rows, mapped, labs)
    if best is None:
        return None
    _, neg_row, rows, mapped, labs = best
    columns = _resolve(tuple(cells), tuple(mapped.items()), tuple(labs))
    return Header(-neg_row, -neg_row + rows, columns, encoding)


@lru_cache(maxsize=4096)
def _resolve(cells: tuple[str, ...], pairs: tuple, labels: tuple[str, ...]) -> tuple[HeaderColumn, ...]:
    """One column per field (best rank, then leftmost); the rest become extra fields.

    Cached: files of one template share their header rows.
    """
    mapped = dict(pairs)
    winner: dict[str, tuple[int, int]] = {}
    for j, m in mapped.items():
        if m and m[0] != STT and (m[0] not in winner or (m[1], j) < winner[m[0]]):
            winner[m[0]] = (m[1], j)
    chosen = {j: field for field, (_, j) in winner.items()}
    if "given_part" in chosen.values() and not {"surname_part", "full_name"} & set(winner):
        # "Tên" alone is the whole name when no surname column exists.
        chosen = {j: ("full_name" if f == "given_part" else f) for j, f in chosen.items()}
    columns: list[HeaderColumn] = []
    seen: set[str] = set()
    for j, cell in enumerate(cells):
        field = chosen.get(j)
        if mapped.get(j) and mapped[j][0] == STT:
            continue
        label = labels[j] if j < len(labels) and labels[j] else f"cột {j + 1}"
        while field is None and label in seen:
            label += "'"
        seen.add(label)
        columns.append(HeaderColumn(cell, field, label))
    return tuple(columns)
