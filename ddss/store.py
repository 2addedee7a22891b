"""Write the two DuckDB outputs so that a run never leaves a half-written file behind.

Both files are built as a new file beside the old one and swapped in with `os.replace`: a run
killed half-way leaves the previous file intact, and an analyst holding a read-only connection
keeps reading the old inode undisturbed (analysts are never locked out by a run, CONTRACT.md).
`members.duckdb` holds personal data (Personal Data Protection Law, DOMAIN.md), so it is
owner-only (0600); `metrics.duckdb` holds codes and counts only.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from ddss.metrics import COUNT_COLUMNS, KEY_COLUMNS, METRIC_COLUMNS, PCT_COLUMNS

REPORT_DAY = 25  # the monthly report is due on the 25th (DOMAIN.md, seeds/004)

MEMBER_TABLES: dict[str, dict[str, str]] = {
    "members": {
        "source_file": "VARCHAR",
        "source_sheet": "VARCHAR",
        "source_row": "INTEGER",
        "org": "VARCHAR",
        "province_code": "VARCHAR",
        "commune_code": "VARCHAR",
        "full_name": "VARCHAR",
        "birth_date": "DATE",
        "birth_year": "INTEGER",
        "sex": "VARCHAR",
        "cccd": "VARCHAR",
        "cccd_status": "VARCHAR",
        "member_id": "VARCHAR",
        "person_id": "VARCHAR",
        "match_status": "VARCHAR",
        "matched_cccd": "VARCHAR",
        "match_score": "DOUBLE",
        "issues": "VARCHAR[]",
    },
    "rejected_rows": {
        "source_file": "VARCHAR",
        "source_sheet": "VARCHAR",
        "source_row": "INTEGER",
        "org": "VARCHAR",
        "reason": "VARCHAR",
        "raw": "VARCHAR",
    },
    "rejected_files": {"source_file": "VARCHAR", "reason": "VARCHAR"},
}
PROVENANCE = ("source_file", "source_sheet", "source_row")
"""The order of every contract table (reruns give identical files)."""
_PAIR_KEY = ("row_id_l", "row_id_r")
ZSTD_COLUMNS = ("row_id", "member_id", "person_id", *_PAIR_KEY, "cccd", "matched_cccd", "phone")
"""Near-unique strings: ids ddss mints as hashes, and CCCD and phone numbers. DuckDB's default
string compression (dictionary + FSST) finds little to share in them at a high analysis
cost; zstd writes the ids with ~10 % less CPU and smaller (members.duckdb 121 -> 92 MB at
1M rows, issue #10), the digit strings with ~40 % less CPU for 7 MB more at 1M rows."""
_SAME_TYPES = (
    (pl.String, "VARCHAR"),
    (pl.Int32, "INTEGER"),
    (pl.Int64, "BIGINT"),
    (pl.Float64, "DOUBLE"),
    (pl.Date, "DATE"),
    (pl.Boolean, "BOOLEAN"),
    (pl.List(pl.String), "VARCHAR[]"),
)

_METRIC_TYPES = {
    **{c: "VARCHAR" for c in KEY_COLUMNS},
    "as_of": "DATE",
    **{c: "BIGINT" for c in (*COUNT_COLUMNS, "expected_members", "persons")},
    **{p: "DOUBLE" for p, _, _ in PCT_COLUMNS},
}
_BRANCH_COLUMNS = (
    "as_of",
    "org",
    "province_code",
    "commune_code",
    "branch",
    *COUNT_COLUMNS,
    "persons",
    *(p for p, _, d in PCT_COLUMNS if d == "members"),
)
METRICS_TABLES: dict[str, dict[str, str]] = {
    "ddss_metrics": {c: _METRIC_TYPES[c] for c in METRIC_COLUMNS},
    "ddss_metrics_branch": {c: _METRIC_TYPES.get(c, "VARCHAR") for c in _BRANCH_COLUMNS},
    "issue_counts": {
        "as_of": "DATE",
        "org": "VARCHAR",
        "province_code": "VARCHAR",
        "code": "VARCHAR",
        "rows": "BIGINT",
    },
    "ddss_metrics_monthly": {"month": "VARCHAR", **{c: _METRIC_TYPES[c] for c in METRIC_COLUMNS}},
}


def _tmp_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.tmp-{os.getpid()}")


@contextmanager
def _rebuild(path: Path, *, copy_old: bool, mode: int) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection on a fresh file beside `path` (a copy of it if asked), then swap it in.

    The copy is taken with plain file I/O, so the old file is never opened by DuckDB here and an
    analyst's read-only connection on it cannot conflict with the run.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Files left by a killed run hold personal data; one writer at a time (the duckdb_writer
    # pool), so any temporary sibling is stale.
    for stale in path.parent.glob(f"{path.name}.tmp-*"):
        stale.unlink(missing_ok=True)
    tmp = _tmp_path(path)
    wal = tmp.with_name(tmp.name + ".wal")
    if copy_old and path.exists():
        shutil.copyfile(path, tmp)
        os.chmod(tmp, mode)
    try:
        con = duckdb.connect(str(tmp))
        os.chmod(tmp, mode)  # before any row is written
        try:
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
        raise


def _create_sql(table: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    return f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})'


def _duck_type(dtype: pl.DataType) -> str | None:
    """The DuckDB type a polars column arrives as (None when no contract type matches as is)."""
    for polars_type, duck in _SAME_TYPES:
        if dtype == polars_type:
            return duck
    return None


def _typed_select(frame: pl.DataFrame, columns: dict[str, str], view: str) -> tuple[str, list[str]]:
    """SELECT with each contract column in its contract type, and the columns that needed a
    cast. TRY_CAST so an error can never print a value; columns already of the right type
    pass through untouched (a cast of 1M strings to VARCHAR still costs a copy)."""
    cast = [c for c, t in columns.items() if _duck_type(frame.schema[c]) != t]
    parts = [f'TRY_CAST("{c}" AS {t}) AS "{c}"' if c in cast else f'"{c}"' for c, t in columns.items()]
    parts += [f'"{c}"' for c in frame.columns if c not in columns]
    return f"SELECT {', '.join(parts)} FROM {view}", cast


def _check_lossless(con: duckdb.DuckDBPyConnection, table: str, view: str, columns: list[str]) -> None:
    """Fail (with counts only) if a cast turned a present value into null."""
    if not columns:
        return
    counts = ", ".join(f'count("{c}")' for c in columns)
    before = con.execute(f"SELECT {counts} FROM {view}").fetchall()[0]
    after = con.execute(f'SELECT {counts} FROM "{table}"').fetchall()[0]
    for c, b, a in zip(columns, before, after, strict=True):
        if b != a:
            raise ValueError(f"{table}.{c}: {b - a} values do not fit the contract type")


def _order_columns(name: str, frame: pl.DataFrame) -> list[str]:
    """Provenance for contract tables, the pair key for linkage pairs, else every scalar column."""
    spec = MEMBER_TABLES.get(name, {})
    if spec:
        return [c for c in PROVENANCE if c in spec]
    if set(_PAIR_KEY) <= set(frame.columns):
        return list(_PAIR_KEY)
    return [c for c, t in frame.schema.items() if not t.is_nested() and t != pl.Object]


def _rows_ascending(columns: list[str]) -> pl.Expr:
    """Per row: does it sort at or before the next row by `columns`, nulls last? (The last
    row compares with nulls: true.) Column by column, the first that differs decides."""
    ok = pl.lit(True)
    for c in reversed(columns):
        this, after = pl.col(c), pl.col(c).shift(-1)
        before = (this < after).fill_null(False) | (this.is_not_null() & after.is_null())
        ok = before | (this.eq_missing(after) & ok)
    return ok


def in_order(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The frame sorted by `columns` (nulls last, as DuckDB sorts); no copy when it already is,
    which is the usual case (upstream stages emit sorted frames): the check compares each row
    with the next (text, integer and date keys; 10M provenance rows: no sort of the strings),
    the copy would be every column."""
    if frame.height < 2 or not columns:
        return frame
    types = [frame.schema[c] for c in columns]
    comparable = all(t == pl.String or t.is_integer() or t.is_temporal() for t in types)
    if comparable and frame.select(_rows_ascending(columns).all()).item():
        return frame
    order = pl.arg_sort_by(columns, nulls_last=True, maintain_order=True)
    if frame.select((order == pl.int_range(pl.len(), dtype=pl.get_index_type())).all()).item():
        return frame
    return frame.select(pl.all().gather(order))


def _create_as_sql(con: duckdb.DuckDBPyConnection, table: str, select: str) -> str:
    """CREATE TABLE with the columns `select` yields, minted ids stored with zstd."""
    described = con.execute(f"DESCRIBE {select}").fetchall()
    cols = ", ".join(
        f'"{c}" {t}' + (" USING COMPRESSION zstd" if c in ZSTD_COLUMNS and t == "VARCHAR" else "")
        for c, t, *_ in described
    )
    return f'CREATE TABLE "{table}" ({cols})'


def write_members_db(members_db: Path, tables: dict[str, pl.DataFrame]) -> None:
    """Write `members.duckdb` (contract tables + any extra tables), owner-only, swapped in whole.

    Rows are sorted by provenance so reruns give identical files; a missing contract table is
    written empty so the file always has the contract's shape. Frames go in through Arrow with
    string views (zero-copy from polars), one CREATE TABLE + INSERT per table.
    """
    for name, spec in MEMBER_TABLES.items():
        if name in tables:
            missing = sorted(set(spec) - set(tables[name].columns))
            if missing:
                raise ValueError(f"table {name} lacks contract columns: {missing}")
    with _rebuild(members_db, copy_old=False, mode=0o600) as con:
        # One thread appends the scanned chunks in order, so rows land in provenance order
        # without DuckDB's order-preserving path, which buffers the whole table and then
        # compresses it a second time at checkpoint (twice the CPU at 1M rows, issue #10).
        con.execute("SET threads = 1")
        con.execute("SET preserve_insertion_order = false")
        for name, spec in MEMBER_TABLES.items():
            if name not in tables:
                con.execute(_create_sql(name, spec))
        # The members table on this connection, the others (pairs mostly) meanwhile on a second
        # one: each runs on its own core. The file is swapped in only once both are done.
        side_tables = {n: f for n, f in tables.items() if n != "members"}
        side_con = con.cursor()
        try:
            with ThreadPoolExecutor(max_workers=1) as side:
                others = side.submit(_write_tables, side_con, side_tables)
                _write_tables(con, {n: f for n, f in tables.items() if n == "members"})
                others.result()
        finally:
            side_con.close()


def _write_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    """CREATE + INSERT each frame, rows in `_order_columns` order, contract types checked."""
    for name, frame in tables.items():
        view = f"_in_{name}"
        ordered = in_order(frame, _order_columns(name, frame))
        con.register(view, ordered.to_arrow(compat_level=pl.CompatLevel.newest()))
        select, cast = _typed_select(ordered, MEMBER_TABLES.get(name, {}), view)
        con.execute(_create_as_sql(con, name, select))
        con.execute(f'INSERT INTO "{name}" {select}')
        _check_lossless(con, name, view, cast)
        con.unregister(view)


def _metric_views_sql() -> list[str]:
    """The latest view and the change table (newest as_of vs the one before it)."""
    pcts = [p for p, _, _ in PCT_COLUMNS]
    deltas = ", ".join(f"round(c.{p} - p.{p}, 2) AS delta_{p}" for p in pcts)
    keys = " AND ".join(
        f"c.{k} IS NOT DISTINCT FROM p.{k}" for k in ("org", "level", "province_code", "commune_code")
    )
    return [
        "CREATE OR REPLACE VIEW ddss_metrics_latest AS SELECT * FROM ddss_metrics "
        "WHERE as_of = (SELECT max(as_of) FROM ddss_metrics)",
        f"""CREATE OR REPLACE TABLE ddss_metrics_changes AS
        WITH d AS (SELECT max(as_of) AS cur,
                     (SELECT max(as_of) FROM ddss_metrics
                      WHERE as_of < (SELECT max(as_of) FROM ddss_metrics)) AS prev
                   FROM ddss_metrics),
        c AS (SELECT m.* FROM ddss_metrics m, d WHERE m.as_of = d.cur),
        p AS (SELECT m.* FROM ddss_metrics m, d WHERE m.as_of = d.prev)
        SELECT c.as_of, (SELECT prev FROM d) AS previous_as_of,
          c.org, c.level, c.province_code, c.commune_code,
          c.members - p.members AS delta_members, {deltas}
        FROM c LEFT JOIN p ON {keys}
        ORDER BY c.org, CASE c.level WHEN 'national' THEN 0 WHEN 'province' THEN 1 ELSE 2 END,
          c.province_code NULLS LAST, c.commune_code NULLS LAST""",
    ]


def _replace_as_of(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, as_of: date) -> None:
    """Delete this `as_of` then insert it again: a rerun the same day is idempotent."""
    spec = METRICS_TABLES[table]
    con.execute(f'DELETE FROM "{table}" WHERE as_of = ?', [as_of])
    stamped = frame.with_columns(pl.lit(as_of, dtype=pl.Date).alias("as_of"))
    con.register("_frame", stamped)
    cols = [c for c in spec if c in stamped.columns]
    select = ", ".join(f'CAST("{c}" AS {spec[c]}) AS "{c}"' for c in cols)
    con.execute(f'INSERT INTO "{table}" BY NAME SELECT {select} FROM _frame')
    con.unregister("_frame")


def publish_metrics(
    metrics_db: Path,
    metrics: pl.DataFrame,
    as_of: date,
    *,
    branch: pl.DataFrame | None = None,
    issue_counts: pl.DataFrame | None = None,
) -> None:
    """Append one `as_of` to `metrics.duckdb` (replacing a same-day run), atomically."""
    with _rebuild(metrics_db, copy_old=True, mode=0o644) as con:
        for table, spec in METRICS_TABLES.items():
            con.execute(_create_sql(table, spec))
        _replace_as_of(con, "ddss_metrics", metrics, as_of)
        if branch is not None:
            _replace_as_of(con, "ddss_metrics_branch", branch, as_of)
        if issue_counts is not None:
            _replace_as_of(con, "issue_counts", issue_counts, as_of)
        for sql in _metric_views_sql():
            con.execute(sql)


def _month_key(month: date | str) -> tuple[str, date]:
    if isinstance(month, str):
        year, mon = (int(x) for x in month.split("-")[:2])
    else:
        year, mon = month.year, month.month
    return f"{year:04d}-{mon:02d}", date(year, mon, REPORT_DAY)


def freeze_monthly_snapshot(metrics_db: Path, month: date | str) -> date | None:
    """Freeze, for the report due on the 25th of `month`, the newest `as_of` on or before it.

    Returns the frozen `as_of`, or None when no run precedes the cut-off. Freezing a month again
    replaces its snapshot (same history, same result).
    """
    key, cutoff = _month_key(month)
    if not metrics_db.exists():
        return None
    with _rebuild(metrics_db, copy_old=True, mode=0o644) as con:
        for table, spec in METRICS_TABLES.items():
            con.execute(_create_sql(table, spec))
        frozen = con.execute("SELECT max(as_of) FROM ddss_metrics WHERE as_of <= ?", [cutoff]).fetchall()[0][
            0
        ]
        if frozen is not None:
            con.execute("DELETE FROM ddss_metrics_monthly WHERE month = ?", [key])
            con.execute(
                "INSERT INTO ddss_metrics_monthly BY NAME "
                "SELECT ? AS month, * FROM ddss_metrics WHERE as_of = ?",
                [key, frozen],
            )
    return frozen
