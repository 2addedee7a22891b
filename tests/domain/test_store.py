"""members.duckdb and metrics.duckdb: types, transactions, atomic swap, history, no personal data."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ddss import issues as ic
from ddss.metrics import compute_all
from ddss.store import MEMBER_TABLES, freeze_monthly_snapshot, in_order, publish_metrics, write_members_db

CHECKER = Path("/work/shared/tools/check_contract.py")
NAMES = ["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Thu"]
CCCDS = ["001190000001", "079085000002", None]
CMND = "123456789"


def members(n_extra: int = 0) -> pl.DataFrame:
    """Three members (one with two rows) carrying real-looking personal values."""
    base = pl.DataFrame(
        {
            "source_file": [
                "hoi-phu-nu/ha-noi.xlsx",
                "hoi-phu-nu/ha-noi.xlsx",
                "hoi-phu-nu/hcm.csv",
                "hoi-phu-nu/hcm.csv",
            ],
            "source_sheet": ["Thôn 1", "Thôn 1", "", ""],
            "source_row": [12, 9, 5, 6],
            "org": "hoi-phu-nu",
            "province_code": ["01", "01", "79", "79"],
            "commune_code": ["00004", "00004", "26734", "26734"],
            "full_name": [NAMES[0], NAMES[0], NAMES[1], NAMES[2]],
            "birth_date": [date(1990, 3, 1), date(1990, 3, 1), date(1985, 7, 9), None],
            "birth_year": [1990, 1990, 1985, 1962],
            "sex": ["F", "F", "M", "F"],
            "cccd": [CCCDS[0], CCCDS[0], CCCDS[1], None],
            "cccd_status": ["valid", "valid", "valid", "legacy_cmnd"],
            "member_id": ["m1", "m1", "m2", "m3"],
            "person_id": ["p1", "p1", "p2", "p3"],
            "match_status": ["matched", "matched", "not_found", "no_cccd"],
            "matched_cccd": [CCCDS[0], CCCDS[0], None, None],
            "match_score": [1.0, 1.0, None, None],
            "issues": [
                [],
                [ic.DUPLICATE_IN_ORG],
                [ic.MATCH_NOT_FOUND],
                [ic.CCCD_LEGACY_CMND, ic.BIRTH_DATE_YEAR_ONLY],
            ],
            "cmnd": [None, None, None, CMND],
            "branch": ["Chi hội 1", "Chi hội 1", None, None],
        },
        schema_overrides={"issues": pl.List(pl.String)},
    )
    return base.with_columns(pl.col("source_row").cast(pl.Int64), pl.col("birth_year").cast(pl.Int64))


def tables() -> dict[str, pl.DataFrame]:
    return {
        "members": members(),
        "rejected_rows": pl.DataFrame(
            {
                "source_file": ["a.csv"],
                "source_sheet": [""],
                "source_row": [3],
                "org": ["cong-doan"],
                "reason": [ic.ROW_NO_NAME],
                "raw": [" | 1980 |"],
            }
        ),
        "rejected_files": pl.DataFrame({"source_file": ["b.xlsx"], "reason": [ic.FILE_CORRUPT]}),
        "linkage_pairs": pl.DataFrame({"row_id_l": ["x"], "row_id_r": ["y"], "weight": [3.5]}),
    }


# --- members.duckdb -----------------------------------------------------------------------------
def test_members_db_types_order_and_permissions(tmp_path: Path) -> None:
    db = tmp_path / "members.duckdb"
    write_members_db(db, tables())
    assert os.stat(db).st_mode & 0o777 == 0o600  # personal data: owner only (DOMAIN.md, PDP law)
    con = duckdb.connect(str(db), read_only=True)
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'members'"
        ).fetchall()
    )
    for col, expected in MEMBER_TABLES["members"].items():
        assert types[col] == expected, col
    assert types["cmnd"] == "VARCHAR"  # extra columns kept after the contract ones
    assert con.execute("select source_file, source_row from members").fetchall() == [
        ("hoi-phu-nu/ha-noi.xlsx", 9),
        ("hoi-phu-nu/ha-noi.xlsx", 12),
        ("hoi-phu-nu/hcm.csv", 5),
        ("hoi-phu-nu/hcm.csv", 6),
    ]
    names = {r[0] for r in con.execute("show tables").fetchall()}
    assert names == {"members", "rejected_rows", "rejected_files", "linkage_pairs"}
    con.close()
    assert list(tmp_path.iterdir()) == [db]  # no temp file left behind


def test_members_db_missing_tables_are_written_empty(tmp_path: Path) -> None:
    db = tmp_path / "members.duckdb"
    write_members_db(db, {"members": members()})
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from rejected_files").fetchall() == [(0,)]
    con.close()


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    db = tmp_path / "members.duckdb"
    write_members_db(db, tables())
    before = db.read_bytes()
    bad = tables() | {"members": members().with_columns(pl.lit("1990-13-45").alias("birth_date"))}
    with pytest.raises(ValueError) as err:
        write_members_db(db, bad)
    assert "1990" not in str(err.value)  # counts and column names only, never a value
    assert db.read_bytes() == before and list(tmp_path.iterdir()) == [db]
    with pytest.raises(ValueError, match="lacks contract columns"):
        write_members_db(db, {"members": members().drop("person_id")})


# --- metrics.duckdb -----------------------------------------------------------------------------
def publish(db: Path, as_of: date, frame: pl.DataFrame | None = None) -> None:
    result = compute_all(members() if frame is None else frame)
    publish_metrics(db, result.metrics, as_of, branch=result.branch, issue_counts=result.issue_counts)


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_history_latest_changes_and_idempotent_rerun(tmp_path: Path) -> None:
    db = tmp_path / "metrics.duckdb"
    publish(db, date(2026, 10, 20))
    better = members().with_columns(pl.lit("matched").alias("match_status"))
    publish(db, date(2026, 11, 20), better)
    n = query(db, "select count(*) from ddss_metrics")[0][0]
    publish(db, date(2026, 11, 20), better)  # rerun the same day: replaced, not appended
    assert query(db, "select count(*) from ddss_metrics")[0][0] == n
    assert query(db, "select distinct as_of from ddss_metrics_latest") == [(date(2026, 11, 20),)]
    assert query(
        db,
        "select as_of, pct_matched from ddss_metrics where org = '*' and level = 'national' order by as_of",
    ) == [(date(2026, 10, 20), 33.33), (date(2026, 11, 20), 100.0)]
    change = query(
        db,
        "select previous_as_of, delta_members, delta_pct_matched from ddss_metrics_changes "
        "where org = '*' and level = 'national'",
    )
    assert change == [(date(2026, 10, 20), 0, 66.67)]
    assert query(db, "select sum(rows) from issue_counts where org = '*' and as_of = '2026-11-20'") == [(4,)]
    assert query(
        db, "select branch, members from ddss_metrics_branch where org = '*' and as_of = '2026-11-20'"
    ) == [("Chi hội 1", 1)]
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.duckdb"]


def test_monthly_snapshot_freezes_the_run_before_the_25th(tmp_path: Path) -> None:
    db = tmp_path / "metrics.duckdb"
    assert freeze_monthly_snapshot(db, "2026-11") is None  # nothing published yet
    for day in (date(2026, 11, 10), date(2026, 11, 24), date(2026, 11, 28)):
        publish(db, day)
    assert freeze_monthly_snapshot(db, date(2026, 11, 30)) == date(2026, 11, 24)
    assert freeze_monthly_snapshot(db, "2026-11") == date(2026, 11, 24)  # again: same snapshot, not doubled
    rows = query(db, "select month, as_of, count(*) from ddss_metrics_monthly group by all")
    assert rows == [
        ("2026-11", date(2026, 11, 24), query(db, "select count(*) from ddss_metrics_latest")[0][0])
    ]
    publish(db, date(2026, 12, 1))  # publishing keeps frozen months
    assert query(db, "select count(distinct month) from ddss_metrics_monthly") == [(1,)]


_HOLD_READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select count(distinct as_of) from ddss_metrics").fetchall()[0][0], flush=True)
sys.stdin.readline()
print(con.execute("select count(distinct as_of) from ddss_metrics").fetchall()[0][0], flush=True)
"""


def test_publish_with_analysts_reading(tmp_path: Path) -> None:
    """An analyst's open read-only connection (another process, and this one) never breaks a run
    and keeps a consistent view of the old file."""
    db = tmp_path / "metrics.duckdb"
    publish(db, date(2026, 10, 1))
    reader = subprocess.Popen(
        [sys.executable, "-c", _HOLD_READER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "1"
    local = duckdb.connect(str(db), read_only=True)
    publish(db, date(2026, 11, 1))
    publish(db, date(2026, 11, 2))
    assert local.execute("select count(distinct as_of) from ddss_metrics").fetchall() == [(1,)]
    local.close()
    out, _ = reader.communicate("\n", timeout=60)
    assert out.strip() == "1" and reader.returncode == 0
    assert query(db, "select count(distinct as_of) from ddss_metrics") == [(3,)]


def _personal_values(frame: pl.DataFrame) -> list[str]:
    values = set(frame["full_name"].drop_nulls()) | set(frame["cccd"].drop_nulls()) | {CMND}
    values |= {d.isoformat() for d in frame["birth_date"].drop_nulls()}
    values |= {d.strftime("%d/%m/%Y") for d in frame["birth_date"].drop_nulls()}
    return sorted(values | {n.split()[-1] for n in NAMES})


def test_metrics_db_holds_no_personal_data(tmp_path: Path) -> None:
    db = tmp_path / "metrics.duckdb"
    publish(db, date(2026, 10, 1))
    publish(db, date(2026, 11, 1))
    freeze_monthly_snapshot(db, "2026-11")
    con = duckdb.connect(str(db), read_only=True)
    relations = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
    assert {
        "ddss_metrics",
        "ddss_metrics_latest",
        "ddss_metrics_changes",
        "ddss_metrics_monthly",
        "ddss_metrics_branch",
        "issue_counts",
    } <= set(relations)
    personal = _personal_values(members())
    scanned = 0
    for rel in relations:
        for (col,) in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [rel]
        ).fetchall():
            assert col not in {
                "full_name",
                "cccd",
                "birth_date",
                "matched_cccd",
                "cmnd",
                "person_id",
                "member_id",
            }
            for (value,) in con.execute(f'select distinct cast("{col}" as varchar) from "{rel}"').fetchall():
                scanned += 1
                text = "" if value is None else value
                assert not re.search(r"(?<!\d)(\d{9}|\d{12})(?!\d)", text), (rel, col)
                assert not any(p in text for p in personal), (rel, col)
    con.close()
    assert scanned > 100


def test_outputs_pass_the_contract_checker(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    write_members_db(clean / "members.duckdb", tables())
    publish(clean / "metrics.duckdb", date(2026, 11, 1))
    done = subprocess.run([sys.executable, str(CHECKER), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    ("decision", "probability", "kept"),
    [
        ("accept", 0.99, True),  # why rows were linked
        ("review", 0.30, True),  # a steward is asked about it
        ("split", 0.10, True),  # a steward's own decision
        ("veto", 0.97, True),  # looked alike, stopped by a CCCD / sex veto: a near miss
        ("veto", 0.02, False),  # a stranger in the same block
        ("reject", 0.01, False),
    ],
)
def test_store_keeps_the_pairs_that_explain_something(decision, probability, kept) -> None:
    from ddss.publish import explanatory_pairs

    pairs = pl.DataFrame(
        {"row_id_l": ["a"], "row_id_r": ["b"], "match_probability": [probability], "decision": [decision]}
    )
    assert explanatory_pairs(pairs).height == int(kept)


def test_members_db_sorts_unsorted_frames(tmp_path: Path) -> None:
    """Provenance order whatever order the frame arrives in (reruns give the same table)."""
    db = tmp_path / "members.duckdb"
    shuffled = members().sample(fraction=1.0, shuffle=True, seed=7)
    pairs = pl.DataFrame(
        {"row_id_l": ["y", "x", "x"], "row_id_r": ["z", "z", "y"], "weight": [1.0, 2.0, 3.0]}
    )
    write_members_db(db, {"members": shuffled, "linkage_pairs": pairs})
    rows = query(db, "select source_file, source_row from members order by rowid")
    assert rows == sorted(rows)
    assert query(db, "select row_id_l, row_id_r from linkage_pairs order by rowid") == [
        ("x", "y"),
        ("x", "z"),
        ("y", "z"),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_in_order_agrees_with_a_sort(seed: int) -> None:
    """The row-to-next-row check: a sorted frame comes back as is, any other one sorted,
    nulls last and ties kept in place, exactly as a stable sort orders it."""
    rng = random.Random(seed)
    n = 300
    frame = pl.DataFrame(
        {
            "file": [rng.choice(["a/x.csv", "a/y.csv", "b.csv", "", None]) for _ in range(n)],
            "sheet": [rng.choice(["S1", "S2", None]) for _ in range(n)],
            "row": [rng.choice([1, 2, 10, None]) for _ in range(n)],
            "day": [rng.choice([date(2020, 1, 2), date(1969, 5, 1), None]) for _ in range(n)],
            "pos": range(n),
        }
    )
    keys = ["file", "sheet", "row", "day"]
    expected = frame.sort(keys, nulls_last=True, maintain_order=True)
    assert in_order(frame, keys).equals(expected)
    assert in_order(expected, keys) is expected  # already sorted: no copy
    one_swap = pl.concat([expected.slice(1, 1), expected.slice(0, 1), expected.slice(2)])
    assert in_order(one_swap, keys).equals(one_swap.sort(keys, nulls_last=True, maintain_order=True))


def test_minted_ids_are_stored_with_zstd_and_read_back_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "members.duckdb"
    frames = tables()
    write_members_db(db, frames)
    con = duckdb.connect(str(db), read_only=True)
    storage = con.execute(
        "select column_name, compression from pragma_storage_info('members') "
        "where column_name in ('member_id', 'person_id', 'cccd') and segment_type = 'VARCHAR'"
    ).fetchall()
    assert storage and {c for _, c in storage} == {"ZSTD"}
    stored = con.execute("select member_id, person_id from members").fetchall()
    assert sorted(stored) == sorted(frames["members"].select("member_id", "person_id").rows())
    assert con.execute("select row_id_l, row_id_r from linkage_pairs").fetchall() == [("x", "y")]
    con.close()
