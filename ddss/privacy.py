"""Personal-data guards: scan a DuckDB file that must hold none (the analyst database).

Personal Data Protection Law (in force 2026-01-01): names, CCCD numbers and birth dates are
personal data and must stay in the stewards' store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

PERSONAL_COLUMN_NAMES = frozenset(
    {
        "full_name",
        "name",
        "surname",
        "given_name",
        "middle_name",
        "cccd",
        "cmnd",
        "matched_cccd",
        "birth_date",
        "phone",
        "address",
        "raw",
    }
)
# 9-digit CMND, 12-digit CCCD, 10-digit phone numbers, and day-level dates.
_ID_RUN = r"(^|[^0-9])([0-9]{9}|[0-9]{10}|[0-9]{12})([^0-9]|$)"
_DAY_DATE = r"\b[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}\b|\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b"


@dataclass(frozen=True)
class PersonalDataFinding:
    """Where something that looks like personal data was found (never the value itself)."""

    table: str
    column: str
    kind: str
    rows: int


def scan_for_personal_data(
    db_path: Path, *, known_values: list[str] | None = None
) -> list[PersonalDataFinding]:
    """Every column of every table and view: personal column names, ID-like digit runs, day dates
    in text, DATE values old enough to be birth dates (run dates are recent), and any of
    `known_values` (e.g. the members' names)."""
    findings: list[PersonalDataFinding] = []
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cols = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'main' order by table_name, ordinal_position"
        ).fetchall()
        if known_values:  # created after listing columns, so the scan never sees its own table
            con.execute("create temp table known(v varchar)")
            con.executemany("insert into known values (?)", [[v] for v in known_values])
        for table, column, dtype in cols:
            ref = f'"{table}"."{column}"'
            if column.lower() in PERSONAL_COLUMN_NAMES:
                findings.append(PersonalDataFinding(table, column, "personal_column_name", 0))
            if dtype == "DATE":
                n = con.execute(
                    f'select count(*) from "{table}" where {ref} < current_date - interval 10 year'
                ).fetchone()[0]
                if n:
                    findings.append(PersonalDataFinding(table, column, "birth_date_like", int(n)))
            if dtype not in ("VARCHAR",) and not dtype.endswith("[]"):
                continue
            text = f"cast({ref} as varchar)"
            for kind, pattern in (("id_like_digits", _ID_RUN), ("day_date", _DAY_DATE)):
                n = con.execute(
                    f'select count(*) from "{table}" where regexp_matches({text}, ?)', [pattern]
                ).fetchone()[0]
                if n:
                    findings.append(PersonalDataFinding(table, column, kind, int(n)))
            if known_values:
                n = con.execute(
                    f'select count(*) from "{table}" join known k on position(k.v in {text}) > 0'
                ).fetchone()[0]
                if n:
                    findings.append(PersonalDataFinding(table, column, "known_value", int(n)))
    finally:
        con.close()
    return findings
