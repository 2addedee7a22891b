"""Tests for the demo-data generator: deterministic, realistic, and its truth points at real rows."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from ddss import ids, units
from ddss.synth import generate
from ddss.synth.damage import TONE_DST, TONE_SRC

MEMBERS = 1500


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, members=MEMBERS, seed=7)
    return out


@pytest.fixture(scope="module")
def truth(data_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(data_dir / "truth" / "member_rows.parquet")


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(data_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, members=MEMBERS, seed=7)
    assert _digest(tmp_path) == _digest(data_dir)


def test_other_seed_differs(truth: pl.DataFrame, tmp_path: Path) -> None:
    generate(tmp_path, members=200, seed=8)
    other = pl.read_parquet(tmp_path / "truth" / "member_rows.parquet")
    assert other["full_name"].head(50).to_list() != truth["full_name"].head(50).to_list()


def test_row_count_and_orgs(truth: pl.DataFrame) -> None:
    assert len(truth) == MEMBERS
    assert set(truth["org"].unique()) == {
        "hoi-phu-nu",
        "doan-thanh-nien",
        "hoi-nong-dan",
        "hoi-cuu-chien-binh",
        "cong-doan",
    }


def test_surname_shares_are_realistic(data_dir: Path) -> None:
    # DOMAIN.md "Names": Nguyễn 38.4 %, Trần 12.1 %, Lê 9.5 % (Hoàng/Huỳnh and Vũ/Võ are one name).
    people = pl.read_parquet(data_dir / "truth" / "population.parquet")
    assert len(people) > 3000
    surname = people["full_name"].str.split(" ").list.first()
    share = surname.value_counts(normalize=True).to_dict(as_series=False)
    got = dict(zip(share["full_name"], share["proportion"], strict=True))
    for name, expected in [("Nguyễn", 0.384), ("Trần", 0.121), ("Lê", 0.095), ("Phạm", 0.07)]:
        assert abs(got[name] - expected) < 0.02, name
    assert abs(got.get("Hoàng", 0) + got.get("Huỳnh", 0) - 0.051) < 0.015


def test_about_thirty_percent_missing_cccd(truth: pl.DataFrame) -> None:
    # DOMAIN.md: 66.35 % of Women's Union rows have a CCCD, so roughly a third lack one.
    share = (truth["cccd_status"] == "missing").mean()
    assert 0.25 < share < 0.38


def test_true_cccds_have_valid_structure(data_dir: Path) -> None:
    # DOMAIN.md "CCCD": PPP among the 63 codes, G from century and sex, YY = birth year % 100.
    people = pl.read_parquet(data_dir / "truth" / "population.parquet").filter(pl.col("cccd").is_not_null())
    checked = people.with_columns(
        g_sex=ids.cccd_sex_expr("cccd"),
        g_year=ids.cccd_birth_year_expr("cccd"),
        ppp_ok=pl.col("cccd").str.slice(0, 3).is_in(units.cccd_provinces()["cccd_code"].to_list()),
    )
    assert checked["cccd"].str.contains(r"^\d{12}$").all()
    assert checked["ppp_ok"].all()
    assert (checked["g_sex"] == checked["sex"]).all()
    assert (checked["g_year"] == checked["birth_year"]).all()
    assert checked["cccd"].is_unique().all()


def test_eligibility(truth: pl.DataFrame) -> None:
    age = 2026 - truth["birth_year"]
    assert (truth.filter(pl.col("org") == "hoi-phu-nu")["sex"] == "F").all()
    youth = age.filter(truth["org"] == "doan-thanh-nien")
    assert youth.min() >= 15 and youth.max() <= 36
    veterans = truth.filter(pl.col("org") == "hoi-cuu-chien-binh")
    assert (veterans["sex"] == "M").mean() > 0.85


def test_canonical_names_use_traditional_tones(truth: pl.DataFrame) -> None:
    # DOMAIN.md "Names": one tone style (hòa, thúy); the truth never holds the other one.
    names = truth["full_name"]
    assert (names == names.str.normalize("NFC")).all()
    final = "|".join(TONE_DST)
    assert not names.str.contains(f"(^|[^qQ])({final})(\\s|$)").any()  # "Quý": qu + ý
    assert names.str.contains_any(TONE_SRC).any()


def test_people_in_several_orgs_duplicates_and_gaps(truth: pl.DataFrame) -> None:
    orgs_per_person = truth.group_by("person_id").agg(pl.col("org").n_unique())
    assert (orgs_per_person["org"] > 1).sum() > 0
    assert truth["is_duplicate_copy"].sum() > 0
    assert truth.group_by("true_member_key").len()["len"].max() >= 2
    assert (~truth["in_population"]).sum() > 0
    assert truth["deceased"].sum() > 0


def test_population_holds_the_in_population_members(data_dir: Path, truth: pl.DataFrame) -> None:
    raw = data_dir / "raw" / "population"
    parquet = pl.read_parquet(raw / "population.parquet")
    extra = pl.read_csv(raw / "population_bo_sung.csv", infer_schema=False)
    cccds = set(parquet["cccd"]) | set(extra["Số định danh"])
    expected = set(truth.filter(pl.col("in_population"))["cccd"])
    absent = set(truth.filter(~pl.col("in_population"))["cccd"].drop_nulls())
    assert expected <= cccds
    assert not absent & cccds
    assert len(cccds) > 2 * truth["person_id"].n_unique()
    deceased = parquet.filter(pl.col("status") == "deceased")["cccd"]
    assert set(truth.filter(pl.col("deceased"))["cccd"]) <= set(deceased) | set(extra["Số định danh"])


def _sheet_rows(path: Path, sheet: str) -> list[list[str]]:
    """Rows of a written file as text, index 0 = spreadsheet row 1 (csv: line 1)."""
    if path.suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1258")
        return [list(r) for r in csv.reader(io.StringIO(text))]
    frame = fastexcel.read_excel(path).load_sheet_by_name(sheet, header_row=None).to_polars()
    return [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_every_truth_row_points_at_its_written_row(data_dir: Path, truth: pl.DataFrame) -> None:
    missing = 0
    for (source_file, sheet), rows in truth.group_by("source_file", "source_sheet", maintain_order=True):
        cells = _sheet_rows(data_dir / "raw" / source_file, sheet)
        for row_no, name in rows.select("source_row", "written_name").iter_rows():
            values = {_nfc(v) for v in cells[row_no - 1]}
            parts = _nfc(name).strip().rsplit(" ", 1)
            if _nfc(name) not in values and parts[-1] not in values:
                missing += 1
    assert missing == 0


def test_rejected_files_exist_and_are_not_workbooks(data_dir: Path) -> None:
    rejected = pl.read_parquet(data_dir / "truth" / "rejected_files.parquet")
    assert set(rejected["reason"]) == {"file_corrupt", "file_password_protected"}
    for name in rejected["source_file"]:
        with pytest.raises(Exception):  # noqa: B017 - any reader error is the point
            fastexcel.read_excel(data_dir / "raw" / name).load_sheet(0)


def test_targets_cover_every_org(data_dir: Path, truth: pl.DataFrame) -> None:
    targets = pl.read_csv(data_dir / "raw" / "targets" / "targets.csv", infer_schema=False)
    assert set(targets["org"]) == set(truth["org"])
    province_rows = targets.filter(pl.col("commune_code").is_null())
    assert province_rows["expected_members"].cast(pl.Int64).sum() >= truth["true_member_key"].n_unique()


def test_every_member_file_is_in_the_truth(data_dir: Path, truth: pl.DataFrame) -> None:
    raw = data_dir / "raw"
    written = {
        p.relative_to(raw).as_posix()
        for p in raw.rglob("*")
        if p.is_file() and p.relative_to(raw).parts[0] not in ("population", "targets")
    }
    rejected = set(pl.read_parquet(data_dir / "truth" / "rejected_files.parquet")["source_file"])
    assert written == set(truth["source_file"]) | rejected


def test_hard_profile_is_messier(truth: pl.DataFrame, tmp_path: Path) -> None:
    generate(tmp_path, members=600, seed=7, profile="hard", formats="csv")
    hard = pl.read_parquet(tmp_path / "truth" / "member_rows.parquet")
    assert hard["damage"].list.len().mean() > truth["damage"].list.len().mean()
    assert (hard["cccd_status"] == "valid").mean() < (truth["cccd_status"] == "valid").mean()
