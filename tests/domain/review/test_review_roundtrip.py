"""Steward loop: workbook written by ddss, filled in through openpyxl, read back, applied."""

from __future__ import annotations

import stat
import zipfile

import openpyxl
import polars as pl
import pytest
import review_data as data

from ddss import issues
from ddss.reconcile import reconcile_members
from ddss.review import duplicate_decisions, read_decisions, write_review_workbooks
from ddss.review.workbook import (
    DECISION_HEADER,
    HEADER_ROW,
    KEY2_HEADER,
    KEY_HEADER,
    SHEET_CANDIDATES,
    SHEET_CORRECTIONS,
    SHEET_DUPLICATES,
    SHEET_MISMATCH,
    SHEET_REJECTED,
    STEWARD_HEADER,
)


def _write(tmp_path, decisions=None):
    members = data.members()
    result = reconcile_members(members, data.population(), decisions=decisions)
    paths = write_review_workbooks(
        tmp_path / "review",
        members,
        result.matches,
        result.candidates,
        result.corrections,
        data.duplicates_review(),
        data.rejected_rows(),
    )
    return members, result, paths


def _fill(ws, choices: dict[tuple[str, str | None], str], steward: str | None = None) -> None:
    """Pick a decision on the rows whose hidden keys match (as a steward would)."""
    header = [c.value for c in ws[HEADER_ROW + 1]]
    key, key2, dec = header.index(KEY_HEADER), header.index(KEY2_HEADER), header.index(DECISION_HEADER)
    for row in ws.iter_rows(min_row=HEADER_ROW + 2):
        pick = choices.get((row[key].value, row[key2].value))
        if pick:
            row[dec].value = pick
            if steward:
                row[header.index(STEWARD_HEADER)].value = steward


@pytest.fixture
def filled(tmp_path):
    members, first, paths = _write(tmp_path)
    assert len(paths) == 1
    wb = openpyxl.load_workbook(paths[0])
    _fill(wb[SHEET_CANDIDATES], {("m6", "079190000007"): "Đồng ý", ("m6", "079190000006"): "Từ chối"})
    _fill(wb[SHEET_MISMATCH], {("m2", None): "Từ chối"}, steward="Chị Lan")
    _fill(wb[SHEET_CORRECTIONS], {("m5", "079085000005"): "Đồng ý"})
    _fill(wb[SHEET_DUPLICATES], {("d1", "d2"): "Từ chối"})
    wb.properties.lastModifiedBy = "can-bo-xa"
    out = tmp_path / "decisions" / "hoi-phu-nu_79_da-duyet.xlsx"
    out.parent.mkdir()
    wb.save(out)
    return members, first, tmp_path / "decisions"


def test_workbook_has_vietnamese_sheets_and_private_mode(tmp_path):
    _, _, paths = _write(tmp_path)
    assert paths[0].relative_to(tmp_path / "review").as_posix() == "hoi-phu-nu/hoi-phu-nu_79.xlsx"
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o600  # personal data: owner only
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == [
        SHEET_MISMATCH,
        SHEET_CANDIDATES,
        SHEET_CORRECTIONS,
        SHEET_DUPLICATES,
        SHEET_REJECTED,
    ]
    ws = wb[SHEET_CANDIDATES]
    assert ws.column_dimensions["A"].hidden
    assert any("Đồng ý" in str(dv.formula1) for dv in ws.data_validations.dataValidation)
    assert wb[SHEET_REJECTED].cell(HEADER_ROW + 2, 5).value == issues.label(issues.ROW_NO_NAME)


def test_decisions_read_back(filled):
    _, _, decisions_dir = filled
    result = read_decisions(decisions_dir)
    got = result.decisions.select("kind", "row_id", "row_id_r", "decision", "value").sort(
        "row_id", "decision"
    )
    assert got.rows() == [
        ("duplicate", "d1", "d2", "split", None),
        ("match", "m2", None, "reject", None),
        ("cccd_correction", "m5", None, "correct", "079085000005"),
        ("match", "m6", None, "accept", "079190000007"),
        ("match", "m6", None, "reject", "079190000006"),
    ]
    stewards = dict(result.decisions.select("row_id", "steward").unique().iter_rows())
    assert stewards["m2"] == "Chị Lan" and stewards["m5"] == "can-bo-xa"  # column, else file author
    assert result.decisions["source_file"].unique().to_list() == ["hoi-phu-nu_79_da-duyet.xlsx"]
    assert result.audit.height == 5 and set(result.audit["outcome"]) == {"read"}
    assert duplicate_decisions(result.decisions).rows() == [("d1", "d2", "split")]


def test_decisions_applied_and_never_undone(filled, tmp_path):
    members, first, decisions_dir = filled
    decisions = read_decisions(decisions_dir).decisions
    before = {r: s for r, s in first.matches.select("row_id", "match_status").iter_rows()}
    # m5's typed number is wrong but its details found the citizen (search path)
    assert before["m2"] == "mismatch" and before["m5"] == "matched_fuzzy" and before["m6"] == "no_cccd"
    runs = [reconcile_members(members, data.population(), decisions=decisions) for _ in range(2)]
    after = {r["row_id"]: r for r in runs[0].matches.iter_rows(named=True)}
    assert (after["m6"]["match_status"], after["m6"]["matched_cccd"]) == ("matched_fuzzy", "079190000007")
    assert (after["m5"]["match_status"], after["m5"]["matched_cccd"]) == ("matched", "079085000005")
    assert after["m2"]["match_status"] == "mismatch" and after["m2"]["matched_cccd"] is None
    assert all(issues.STEWARD_DECISION_APPLIED in after[r]["match_issues"] for r in ("m2", "m5", "m6"))
    assert runs[1].matches.equals(runs[0].matches)
    # The next workbook no longer asks about decided rows.
    _, _, paths = _write(tmp_path / "next", decisions=decisions)
    wb = openpyxl.load_workbook(paths[0])
    keys = {
        row[0]
        for name in (SHEET_MISMATCH, SHEET_CANDIDATES, SHEET_CORRECTIONS)
        for row in wb[name].iter_rows(min_row=HEADER_ROW + 2, values_only=True)
    }
    assert keys.isdisjoint({"m2", "m5", "m6"})


def test_bad_typed_value_is_audited_not_applied(tmp_path):
    _, _, paths = _write(tmp_path)
    wb = openpyxl.load_workbook(paths[0])
    ws = wb[SHEET_MISMATCH]
    header = [c.value for c in ws[HEADER_ROW + 1]]
    ws.cell(HEADER_ROW + 2, header.index(DECISION_HEADER) + 1, "Sửa")
    ws.cell(HEADER_ROW + 2, header.index("Giá trị sửa") + 1, "12ab")
    (tmp_path / "decisions").mkdir()
    wb.save(tmp_path / "decisions" / "x.xlsx")
    result = read_decisions(tmp_path / "decisions")
    assert result.decisions.is_empty()
    assert result.audit["outcome"].to_list() == ["invalid_value"]


def test_name_that_looks_like_a_formula_stays_text(tmp_path):
    _, _, paths = _write(tmp_path)
    with zipfile.ZipFile(paths[0]) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml  # no formula cell anywhere
    ws = openpyxl.load_workbook(paths[0])[SHEET_MISMATCH]
    cell = next(c for c in ws[HEADER_ROW + 2] if c.value == data.INJECTION)
    assert cell.data_type == "s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (data.INJECTION, "'" + data.INJECTION),
        ("+84912345678", "'+84912345678"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        (None, None),
    ],
)
def test_csv_values_neutralised(value, expected):
    from ddss.review import neutralise_frame

    got = neutralise_frame(pl.DataFrame({"v": [value]}, schema={"v": pl.String}))
    assert got["v"].to_list() == [expected]


def test_published_members_table_is_enough(tmp_path):
    """The contract `members` table (no row_id, match columns inside) and the linkage pairs
    with their own decision column can feed the workbook directly."""
    result = reconcile_members(data.members(), data.population())
    members = (
        data.members().join(result.matches, on="row_id").rename({"match_issues": "issues"}).drop("row_id")
    )
    pairs = data.duplicates_review().with_columns(
        row_id_l=pl.lit("hoi-phu-nu/tp-hcm/ds.xlsx|Sheet1|9"),
        row_id_r=pl.lit("hoi-phu-nu/tp-hcm/ds.xlsx|Sheet1|10"),
        decision=pl.lit("review"),
    )
    paths = write_review_workbooks(tmp_path, members, linkage_pairs=pairs, rejected_rows=data.rejected_rows())
    wb = openpyxl.load_workbook(paths[0])
    mismatch_keys = [r[0] for r in wb[SHEET_MISMATCH].iter_rows(min_row=HEADER_ROW + 2, values_only=True)]
    assert mismatch_keys == ["hoi-phu-nu/tp-hcm/ds.xlsx|Sheet1|6"]
    dup = next(wb[SHEET_DUPLICATES].iter_rows(min_row=HEADER_ROW + 2, values_only=True))
    assert dup[:2] == ("hoi-phu-nu/tp-hcm/ds.xlsx|Sheet1|9", "hoi-phu-nu/tp-hcm/ds.xlsx|Sheet1|10")


def test_unreadable_decision_file_is_skipped(tmp_path):
    (tmp_path / "decisions").mkdir()
    (tmp_path / "decisions" / "hong.xlsx").write_bytes(b"not a zip")
    result = read_decisions(tmp_path / "decisions")
    assert result.decisions.is_empty() and result.audit.is_empty()
    assert read_decisions(tmp_path / "absent").decisions.is_empty()
