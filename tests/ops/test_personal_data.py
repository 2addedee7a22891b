"""No generated name, CCCD, birth date or phone anywhere a run leaves traces outside the PII store.

Runs the pipeline on a generated demo set against a real instance in a tmp DAGSTER_HOME with
every log line captured (Python logging via caplog, everything written to the process's stdout
and stderr via capfd), then searches the Dagster event log (every event of the run serialised,
materialisation and check metadata included), the files under DAGSTER_HOME, the captured output
and metrics.duckdb for the exact values the generator wrote (its truth/ tables).
Personal Data Protection Law: these must stay in members.duckdb and the review workbooks.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from dagster._serdes import serialize_value

from ddss.config import DataPaths
from ddss.privacy import scan_for_personal_data


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _personal_values(truth: Path) -> tuple[list[str], list[str]]:
    """(names, numbers-and-dates) from the generator's truth: what must never leak."""
    members = pl.read_parquet(truth / "member_rows.parquet")
    population = pl.read_parquet(truth / "population.parquet")
    names = pl.concat([members["full_name"], members["written_name"], population["full_name"]]).drop_nulls()
    names = [n for n in names.unique().to_list() if len(n.split()) >= 2]  # full names only
    cccd = pl.concat([members["cccd"], members["written_cccd"], population["cccd"]]).drop_nulls().unique()
    cccd = [c for c in cccd.to_list() if len(c) >= 9 and c.isdigit()]
    no_zero = [c.lstrip("0") for c in cccd if c.startswith("0") and len(c.lstrip("0")) >= 9]
    births = pl.concat([members["birth_date"], population["birth_date"]]).drop_nulls().unique()
    dates = births.dt.strftime("%d/%m/%Y").to_list() + births.dt.strftime("%Y-%m-%d").to_list()
    phones = [
        p for p in members["phone"].drop_nulls().unique().to_list() if sum(ch.isdigit() for ch in p) >= 9
    ]
    digits = [re.sub(r"\D", "", p) for p in phones]
    return names, sorted({*cccd, *no_zero, *dates, *digits})


_WORD = re.compile(r"\w+")
_NUMBERS = re.compile(
    r"(?<![0-9])(?:[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]+)(?![0-9])"
)


class Finder:
    """Looks for known values in text in linear time (set look-ups, not a huge regex).

    Names are matched as runs of 2-5 consecutive words (case- and Unicode-form-insensitive);
    numbers and dates as whole tokens, so a CCCD inside a longer digit run does not count.
    """

    def __init__(self, names: list[str], numbers: list[str]) -> None:
        self.names = {" ".join(_WORD.findall(_norm(n))) for n in names}
        self.numbers = set(numbers)

    def leaks(self, text: str) -> list[str]:
        """The kinds that matched (never the values: a failing test must not print them)."""
        kinds = set()
        if any(m in self.numbers for m in _NUMBERS.findall(text)):
            kinds.add("digits")
        words = _WORD.findall(_norm(text))
        for n in range(2, 6):
            if any(" ".join(words[i : i + n]) in self.names for i in range(len(words) - n + 1)):
                kinds.add("name")
                break
        return sorted(kinds)


def test_demo_run_leaks_no_personal_data(
    data_dir: Path,
    dagster_home: Path,
    instance: dg.DagsterInstance,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from pipelines.runner import run_pipeline

    names, numbers = _personal_values(data_dir / "truth")
    assert len(names) > 1000 and len(numbers) > 1000  # the scan has something to look for
    finder = Finder(names, numbers)
    # The finder works: it catches each kind in text it is fed.
    assert finder.leaks(f"row of {names[0]} born {numbers[-1]}") == ["digits", "name"]

    caplog.set_level(logging.DEBUG)
    result = run_pipeline(data_dir, instance=instance, quiet=False)
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    out, err = capfd.readouterr()
    assert "ingest" in caplog.text + out + err  # the run did log, and we captured it

    # 1. Everything the run wrote to the event log, metadata included.
    entries = instance.all_logs(result.run_id)
    kinds = {e.dagster_event.event_type_value for e in entries if e.dagster_event}
    assert {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"} <= kinds
    event_text = "\n".join(json.dumps(json.loads(serialize_value(e)), ensure_ascii=False) for e in entries)
    assert "dagster/row_count" in event_text
    assert finder.leaks(event_text) == [], "personal data in the Dagster event log"
    # The run record (tags, config) too.
    run = instance.get_run_by_id(result.run_id)
    assert finder.leaks(json.dumps(json.loads(serialize_value(run)), ensure_ascii=False)) == []

    # 2. Every file Dagster keeps (sqlite storage, compute logs): ASCII values in raw bytes.
    for path in dagster_home.rglob("*"):
        if path.is_file():
            assert finder.leaks(path.read_bytes().decode("utf-8", "ignore")) == [], path.name

    # 3. All log output: Python logging and both output streams.
    assert finder.leaks(caplog.text) == [], "personal data in log records"
    assert finder.leaks(out + err) == [], "personal data on stdout/stderr"

    # 4. The analysts' database: no personal column, ID-like digits, day dates or known names.
    paths = DataPaths.from_env(data_dir)
    assert scan_for_personal_data(paths.metrics_db, known_values=names) == []
    # ...whereas the stewards' store does hold them (so the scan above is not vacuous).
    assert {f.kind for f in scan_for_personal_data(paths.members_db, known_values=names[:200])} >= {
        "personal_column_name",
        "known_value",
    }
