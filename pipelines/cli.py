"""`ddss`: generate demo data, run the pipeline, show metrics, explain a member, open the UI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import typer
from rich.console import Console

from ddss.config import DataPaths

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold member data
    help="Đúng·Đủ·Sạch·Sống: member data quality pipeline.",
)
# The metrics table has 13 columns; below ~140 characters rich would squeeze every cell.
console = Console(width=max(140, shutil.get_terminal_size().columns))

DataDir = typer.Option(None, "--data-dir", help="Data folder (default: $DDSS_DATA_DIR, then ./data).")


@app.command()
def generate(
    out: Path = typer.Option(Path("data"), "--out", help="Folder to write raw/ and truth/ into."),
    members: int = typer.Option(20_000, "--members", help="Member rows to write."),
    seed: int = typer.Option(7, "--seed"),
    profile: str = typer.Option("standard", "--profile", help="standard | hard"),
    formats: str = typer.Option("mixed", "--formats", help="mixed (xlsx/xls/ods/csv) | csv"),
) -> None:
    """Write a seeded, realistic demo data set (spreadsheets, population, targets, truth)."""
    from ddss.synth import generate as synth_generate

    with console.status(f"Generating {members:,} member rows…"):
        started = time.perf_counter()
        summary = synth_generate(out, members=members, seed=seed, profile=profile, formats=formats)
    console.print(f"[green]Wrote[/] {summary} in {time.perf_counter() - started:.1f} s to {out}")


@app.command()
def run(data_dir: Path | None = DataDir, verbose: bool = typer.Option(False, "--verbose")) -> None:
    """Materialise every asset in-process (ingest → normalise → dedupe → đối soát → publish)."""
    from pipelines.runner import run_pipeline

    paths = DataPaths.from_env(data_dir)
    with console.status("Running the ddss pipeline…"):
        started = time.perf_counter()
        result = run_pipeline(paths.root, quiet=not verbose)
    elapsed = time.perf_counter() - started
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        console.print(f"[red]Run failed[/] at {failed} after {elapsed:.1f} s (see `ddss ui` for the logs)")
        raise typer.Exit(1)
    console.print(f"[green]Run succeeded[/] in {elapsed:.1f} s; outputs in {paths.clean}")


@app.command()
def metrics(
    data_dir: Path | None = DataDir,
    org: str | None = typer.Option(None, "--org"),
    level: str = typer.Option("national", "--level", help="national | province | commune"),
) -> None:
    """Print the latest đúng–đủ–sạch–sống metrics as a table."""
    from ddss.report import metrics_table

    console.print(metrics_table(DataPaths.from_env(data_dir).metrics_db, org=org, level=level))


@app.command()
def demo(
    members: int = typer.Option(20_000, "--members"),
    seed: int = typer.Option(7, "--seed"),
) -> None:
    """Generate demo data into ./data, run the pipeline, print the headline metrics."""
    out = Path(os.environ.get("DDSS_DATA_DIR") or "data")
    generate(out=out, members=members, seed=seed, profile="standard", formats="mixed")
    run(data_dir=out, verbose=False)
    metrics(data_dir=out, org=None, level="national")


@app.command()
def explain(
    member_id: str,
    data_dir: Path | None = DataDir,
    show_personal_data: bool = typer.Option(
        False, "--show-personal-data", help="Show names and full CCCD (stewards only)."
    ),
) -> None:
    """Why rows were judged the same member: each field's agreement level and weight."""
    from ddss.member_explain import explain_member

    console.print(
        explain_member(
            DataPaths.from_env(data_dir).members_db, member_id, show_personal_data=show_personal_data
        )
    )


@app.command()
def ui(port: int = typer.Option(3000, "--port"), host: str = typer.Option("127.0.0.1", "--host")) -> None:
    """Start the Dagster UI on this data folder (lineage, checks, schedules, runs)."""
    from pipelines.runner import REPO_ROOT, ensure_dagster_home

    ensure_dagster_home()
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-h", host, "-p", str(port)]
    raise typer.Exit(subprocess.call(cmd, cwd=REPO_ROOT))


if __name__ == "__main__":
    app()
