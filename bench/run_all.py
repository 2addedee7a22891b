"""The scale benchmark (issue #10): generate, then run every pipeline stage, per size.

    .venv/bin/python -m bench.run_all                       # 100k and 1M member rows
    .venv/bin/python -m bench.run_all --sizes 100k --splink # plus the Splink baseline
    .venv/bin/python -m bench.run_all --with-10m            # adds 10M (long: see README)

Each size runs in its own child process (so one size's memory never inflates the next), calling
the same `ddss` functions the Dagster assets call, in the same order, in one process, with the
Dagster run's memory bounds: ingest and normalise one org at a time through parquet, every
frame freed after its last use (`MODE`). Figures merge into bench/results.json (other sizes'
earlier figures are kept) and bench/results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from bench._blocking import place_bounded_search, place_bounded_settings
from bench._data import Dataset, dataset, replicated_dataset
from bench._measure import Recorder, start_memory_guard
from bench._report import write_markdown

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_JSON = BENCH_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "results.md"
SECRET = b"bench-id-secret"
PIPELINE = (
    "ingest", "persist", "normalise", "dedupe", "population", "reconcile", "assemble",
    "publish_members", "metrics", "steward_files",
)  # fmt: skip
MODE = (
    "org-batched: ingest + normalise one org at a time, handed over through parquet; "
    "each later stage reads back only its columns; every frame freed after its last use"
)
"""How the pipeline ran (results.md says so: runs before this mode held every stage's frame)."""
INGEST_TABLES = ("member_rows", "rejected_rows", "rejected_files")
PERSIST_NOTE = "parquet hand-over: per-org writes; each stage reads back only its columns"
PROFILED = ("ingest", "population", "dedupe", "reconcile")
"""Stages `--profile` can re-run from kept inputs; the slowest of them is profiled."""
HANDOVER = {"compression": "uncompressed", "statistics": False}
"""Stage hand-over files live for one run on local disk: fast to write and read beats small.
Uncompressed and without column statistics (read back whole, never filtered), writes cost
~20 % less CPU than with lz4 (1M rows: 1.12 -> 0.89 s for the largest org's two tables),
reads the same; the files are ~3x larger (10M rows: ~4 GB in the run's temporary folder)."""
REPLICATE_ABOVE = 2_000_000
"""Larger sets are built from independently seeded 1M sets (see bench/_data.py)."""


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def size_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1_000}k"


def machine_info() -> dict:
    meminfo = Path("/proc/meminfo").read_text().split("\n")
    total_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    import pyinstrument
    import splink

    return {
        "cores": os.cpu_count(),
        "memory_gib": round(total_kib / 1024**2, 1),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "duckdb": duckdb.__version__,
        "splink": splink.__version__,
        "pyinstrument": pyinstrument.__version__,
        "platform": platform.platform(),
    }


def _load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def get_dataset(members: int, seed: int, profile: str) -> Dataset:
    if members > REPLICATE_ABOVE:
        base = 1_000_000
        if members % base:
            raise SystemExit(f"sizes above {REPLICATE_ABOVE:,} must be whole millions")
        return replicated_dataset(base, members // base, seed=seed, profile=profile)
    return dataset(members, seed=seed, profile=profile)


# --- one size, in this process --------------------------------------------------------------------


def _org_order(orgs: list[str]) -> list[str]:
    """Orgs in the order their rows sort by `source_file` ("<org>/..."), so the per-org frames
    concatenate into exactly the order one whole-tree ingest gives."""
    return sorted(orgs, key=lambda org: f"{org}/")


def ingest_normalise_by_org(raw: Path, orgs: list[str], store: Path, rec: Recorder) -> dict[str, int]:
    """Ingest and normalise one org at a time, each output written to `store/<table>/<org>.parquet`
    and freed before the next org (the Dagster org partitions + parquet IO manager)."""
    from ddss.ingest import ingest_tree
    from ddss.normalise import normalise_members

    counts = dict.fromkeys(INGEST_TABLES, 0)
    for table in (*INGEST_TABLES, "normalised"):
        (store / table).mkdir(parents=True, exist_ok=True)
    for org in _org_order(orgs):
        with rec.stage("ingest") as r:
            ingested = ingest_tree(raw, orgs=[org])
            r.rows = ingested.member_rows.height + ingested.rejected_rows.height
        with rec.stage("persist", note=PERSIST_NOTE):
            for table in INGEST_TABLES:
                frame = getattr(ingested, table)
                frame.write_parquet(store / table / f"{org}.parquet", **HANDOVER)
                counts[table] += frame.height
        with rec.stage("normalise", rows=ingested.member_rows.height):
            normalised = normalise_members(ingested.member_rows).frame
        del ingested, frame
        with rec.stage("persist", note=PERSIST_NOTE):
            path = store / "normalised" / f"{org}.parquet"
            normalised.write_parquet(path, **HANDOVER)
        del normalised
    return counts


def read_stage(store: Path, table: str, orgs: list[str], columns: list[str] | None = None) -> pl.DataFrame:
    """`columns` (all when None) of one table of every org, read back in provenance order, in
    one chunk per column: later stages combining these columns with new ones would otherwise
    re-chunk them piecemeal (measured at 1M: assemble needs 0.9 GiB on the chunked frame, 0.3
    GiB on a rechunked one). Each stage reads only what it uses, so no national frame
    outlives the stage (issue #10: 10M held ~9 GiB of normalised rows through every stage).

    Read and rechunked one column at a time: rechunking a whole frame holds it twice (10M
    proxy, dedupe's 21 columns: peak +5.9 GiB and 17.0 CPU s whole, +3.1 GiB and 6.8 s so)."""
    scan = pl.scan_parquet([store / table / f"{org}.parquet" for org in _org_order(orgs)])
    names = scan.collect_schema().names() if columns is None else columns
    return pl.DataFrame([scan.select(c).collect().to_series().rechunk() for c in names])


def _columns(store: Path, table: str, keep: Callable[[str], bool]) -> list[str]:
    """The table's columns (from the first file's schema) that `keep` accepts."""
    first = min((store / table).glob("*.parquet"))
    return [c for c in pl.read_parquet_schema(first) if keep(c)]


def _persist(frame: pl.DataFrame, store: Path, name: str) -> None:
    """A whole-run frame (links, pairs) to `store/name.parquet`: later stages re-read the columns
    they need instead of holding it through the stages between."""
    frame.write_parquet(store / f"{name}.parquet", **HANDOVER)


def _reread(store: Path, name: str, columns: list[str] | None = None) -> pl.DataFrame:
    frame = pl.scan_parquet(store / f"{name}.parquet")
    return (frame if columns is None else frame.select(columns)).collect()


def run_pipeline(ds: Dataset, work: Path, rec: Recorder, blocking: str) -> dict:
    """Every stage, timed; the resident set at any point is one stage's working set.

    Peak memory is the largest stage's working set, not the sum of the stages' outputs
    (issue #10): ingest + normalise go one org at a time through parquet in `work`; each
    later stage reads back only the columns it uses (timed as `persist`), and whole-run
    outputs (links, explanatory pairs) go to parquet too, re-read where needed. The
    population is loaded only for đối soát and freed right after it.
    """
    from ddss.config import DataPaths
    from ddss.linkage import link_members
    from ddss.members import EXTRA_COLUMNS, MEMBER_COLUMNS, assemble_members
    from ddss.publish import (
        explanatory_pairs,
        publish_member_store,
        publish_metrics_outputs,
        publish_steward_files,
    )
    from ddss.reconcile import RECONCILE_COLUMNS, load_population
    from ddss.reconcile.linked import reconcile_linked
    from ddss.store import PROVENANCE

    (work / "raw").symlink_to(ds.raw)
    paths = DataPaths(work)
    store, orgs = work / "stage", paths.orgs()
    as_of = dt.date(2026, 6, 30)
    ingest_counts = ingest_normalise_by_org(ds.raw, orgs, store, rec)
    # Provenance is read by no matching stage (row_id carries it); assemble reads it back.
    dedupe_cols = _columns(store, "normalised", lambda c: c not in PROVENANCE)
    reconcile_cols = _columns(store, "normalised", lambda c: c in RECONCILE_COLUMNS and c not in PROVENANCE)
    assemble_cols = _columns(store, "normalised", lambda c: c in (*MEMBER_COLUMNS, *EXTRA_COLUMNS))
    with rec.stage("persist", note=PERSIST_NOTE):
        frame = read_stage(store, "normalised", orgs, dedupe_cols)
    settings = place_bounded_settings() if blocking == "place" else None
    if blocking == "place":
        place_bounded_search()
    with rec.stage("dedupe", rows=frame.height, note=f"{blocking} blocking"):
        linked = link_members(frame, settings=settings, id_secret=SECRET)
    del frame
    model, link_summary, pairs_kept = linked.settings, linked.summary, linked.pairs.height
    with rec.stage("persist", note=PERSIST_NOTE):
        _persist(linked.links, store, "links")
        # all publish and review read; the rest is dropped
        _persist(explanatory_pairs(linked.pairs), store, "pairs")
    del linked
    with rec.stage("population") as r:
        population = load_population(ds.population_files).collect()
        r.rows = population.height
    population_rows = population.height
    with rec.stage("persist", note=PERSIST_NOTE):
        frame = read_stage(store, "normalised", orgs, reconcile_cols)
        links = _reread(store, "links", ["row_id", "member_id", "person_id"])
    with rec.stage("reconcile", rows=frame.height):
        matched = reconcile_linked(frame, links, population, linkage_model=model.to_dict(), decisions=None)
    del population, frame, links
    candidates, corrections, matches = matched.candidates, matched.corrections, matched.matches
    del matched
    with rec.stage("persist", note=PERSIST_NOTE):
        frame = read_stage(store, "normalised", orgs, assemble_cols)
        links = _reread(store, "links")
    with rec.stage("assemble", rows=frame.height):
        members = assemble_members(frame, links, matches)
    del frame, links, matches
    empty_decisions = pl.DataFrame(
        schema={"kind": pl.String, "row_id": pl.String, "decision": pl.String, "value": pl.String}
    )
    rejected_rows = read_stage(store, "rejected_rows", orgs)
    pairs = _reread(store, "pairs")
    with rec.stage("publish_members", rows=members.height):
        publish_member_store(
            paths,
            members=members,
            rejected_rows=rejected_rows,
            rejected_files=read_stage(store, "rejected_files", orgs),
            linkage_pairs=pairs,
            steward_decisions=empty_decisions,
        )
    with rec.stage("metrics", rows=members.height, note="compute + metrics.duckdb + report.html/xlsx"):
        publish_metrics_outputs(paths, members, as_of=as_of)
    with rec.stage("steward_files", rows=members.height, note="review workbooks + member lists (xlsx)"):
        written = publish_steward_files(
            paths,
            members=members,
            candidates=candidates,
            corrections=corrections,
            linkage_pairs=pairs,
            rejected_rows=rejected_rows,
        )
    del candidates, corrections, pairs
    counts = {
        **ingest_counts,
        "population_rows": population_rows,
        "candidate_pairs": link_summary["candidate_pairs"],
        "pairs_kept": pairs_kept,
        "blocking": link_summary.get("blocking"),
        "members": members["member_id"].n_unique(),
        "persons": members["person_id"].n_unique(),
        "match_status": dict(members.group_by("match_status").len().sort("match_status").iter_rows()),
        "review_workbooks": written.review,
        "member_lists": written.exports,
    }
    return {
        "counts": counts,
        "members": members,
        "rejected_rows": rejected_rows,
        "inputs": {"store": store, "orgs": orgs, "settings": settings, "model": model},
    }


def score_quality(ds: Dataset, members: pl.DataFrame, rejected_rows: pl.DataFrame) -> dict:
    """The shared scorers of `ddss.synth.score` (the tests use them too)."""
    from ddss.synth.score import (
        conservation,
        load_truth,
        match_quality,
        normalisation_accuracy,
        pairwise_f1,
        with_truth,
    )

    truth = load_truth(ds.root)
    joined = with_truth(members, truth)
    return {
        "conservation": conservation(members, rejected_rows, truth),
        "normalisation": normalisation_accuracy(joined),
        "within_org_dedupe": pairwise_f1(joined, "member_id", "true_true_member_key"),
        "person_linking": pairwise_f1(joined, "person_id", "true_person_id"),
        "population_matching": match_quality(joined),
    }


def run_splink(
    ds: Dataset, frame: pl.DataFrame, population: pl.DataFrame, rec: Recorder, *, place: bool
) -> dict:
    from bench._splink import splink_dedupe, splink_match
    from ddss.synth.score import load_truth, match_quality, pairwise_f1, with_truth

    with rec.stage("splink_dedupe", rows=frame.height) as r:
        dedupe = splink_dedupe(frame, place=place)
        r.note = f"{dedupe.pairs} pairs >= p0.5"
    with rec.stage("splink_match", rows=frame.height) as r:
        match = splink_match(frame, population, place=place)
        r.note = f"{match.pairs} pairs >= p{0.9}"
    out: dict = {"dedupe_pairs": dedupe.pairs, "match_pairs": match.pairs}
    if ds.truth is not None:
        truth = load_truth(ds.root)
        prov = frame.select("row_id", "source_file", "source_sheet", "source_row", "cccd_status")
        d = with_truth(dedupe.frame.drop("org").join(prov, on="row_id"), truth)
        m = with_truth(prov.join(match.frame, on="row_id", how="left"), truth)
        out |= {
            "within_org_dedupe": pairwise_f1(d, "member_cluster", "true_true_member_key"),
            "person_linking": pairwise_f1(d, "person_cluster", "true_person_id"),
            "population_matching": match_quality(m),
        }
    return out


def reload_inputs(ds: Dataset, inputs: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The normalised frame and the population again, for Splink and the profile (untimed):
    the pipeline freed them as soon as it was done with them."""
    from ddss.reconcile import load_population

    frame = read_stage(inputs["store"], "normalised", inputs["orgs"])
    return frame, load_population(ds.population_files).collect()


def profile_stage(stage: str, inputs: dict, ds: Dataset, out_html: Path) -> dict:
    """Run one stage again under pyinstrument; write the HTML and return the top frames."""
    from pyinstrument import Profiler

    from bench._report import top_frames
    from ddss.ingest import ingest_tree
    from ddss.linkage import link_members
    from ddss.reconcile import load_population
    from ddss.reconcile.linked import reconcile_linked

    if stage not in PROFILED:
        return {"stage": stage, "note": "no profile hook for this stage"}
    frame, population = reload_inputs(ds, inputs) if stage in ("dedupe", "reconcile") else (None, None)
    calls = {
        # one worker: pyinstrument samples the calling thread only, and the parse threads
        # would otherwise show up as time spent waiting for futures
        "ingest": lambda: ingest_tree(ds.raw, workers=1),
        "dedupe": lambda: link_members(frame, settings=inputs["settings"], id_secret=SECRET),
        "reconcile": lambda: reconcile_linked(
            frame,
            _reread(inputs["store"], "links"),
            population,
            linkage_model=inputs["model"].to_dict(),
            decisions=None,
        ),
        "population": lambda: load_population(ds.population_files).collect(),
    }
    profiler = Profiler(interval=0.005)
    profiler.start()
    calls[stage]()
    profiler.stop()
    out_html.write_text(profiler.output_html())
    return {"stage": stage, "html": out_html.name, "top_frames": top_frames(profiler.last_session)}


def _mem_available_gib() -> float:
    line = next(x for x in Path("/proc/meminfo").read_text().split("\n") if x.startswith("MemAvailable"))
    return int(line.split()[1]) / 1024**2


def run_one(
    members: int,
    *,
    seed: int,
    profile: str,
    splink: bool,
    do_profile: bool,
    json_out: Path,
    guard_gib: float,
    blocking: str,
) -> dict:
    """One size in this process; if RSS passes `guard_gib`, write what was measured and exit 3."""
    load_before = _load_avg()
    ds = get_dataset(members, seed, profile)
    rec, splink_rec = Recorder(), Recorder()
    result: dict = {"size": members, "label": size_label(members), "data": ds.summary}
    result |= {"load_avg_before": load_before, "mem_guard_gib": round(guard_gib, 1), "blocking": blocking}
    result["mode"] = MODE

    def breach(rss_mib: float) -> None:
        stage = splink_rec.current or rec.current
        result["stopped"] = {"stage": stage, "rss_mib": round(rss_mib), "guard_gib": round(guard_gib, 1)}
        result["stages"] = [r.as_dict() for r in rec.records]
        json_out.write_text(json.dumps(result, indent=2, default=str))
        print(
            f"[bench] memory guard: {stage} passed {guard_gib:.1f} GiB; stopping", file=sys.stderr, flush=True
        )
        os._exit(3)

    start_memory_guard(guard_gib * 1024, breach)
    with tempfile.TemporaryDirectory(prefix="ddss-bench-", dir=ds.root) as tmp:
        state = run_pipeline(ds, Path(tmp), rec, blocking)
        result |= {
            "load_avg_after_pipeline": _load_avg(),
            "counts": state["counts"],
            "stages": [r.as_dict() for r in rec.records],
            "total": rec.total(list(PIPELINE)).as_dict(),
        }
        if ds.truth is not None:
            result["quality"] = score_quality(ds, state["members"], state["rejected_rows"])
        inputs = state["inputs"]
        del state
        if splink:
            frame, population = reload_inputs(ds, inputs)
            result["splink"] = run_splink(ds, frame, population, splink_rec, place=blocking == "place")
            del frame, population
            result["splink"]["blocking"] = blocking
            result["splink"]["stages"] = [r.as_dict() for r in splink_rec.records]
            result["splink"]["ddss"] = _ddss_side(result)
        if do_profile:
            slowest = max((r for r in rec.records if r.stage in PROFILED), key=lambda r: r.wall_s).stage
            result["profile"] = profile_stage(slowest, inputs, ds, BENCH_DIR / f"profile_{slowest}.html")
    result["finished_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return result


# --- orchestration --------------------------------------------------------------------------------


def _ddss_side(run: dict) -> dict:
    """ddss's own dedupe/reconcile figures and quality, kept beside Splink's for the comparison."""
    stages = [s for s in run["stages"] if s["stage"] in ("dedupe", "reconcile")]
    return {"stages": stages, "quality": run.get("quality")}


def _merge(results: dict) -> dict:
    old = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    runs = old.get("runs", {})
    for key, new in results.items():
        # A rerun without --splink/--profile keeps the earlier run's Splink/profile figures, marked.
        for part in ("splink", "profile"):
            if part not in new and part in runs.get(key, {}):
                old_run = runs[key]
                new[part] = old_run[part] | {"from_run_finished": old_run.get("finished_utc")}
                if part == "splink" and "ddss" not in new[part]:
                    new[part]["ddss"] = _ddss_side(old_run)
        runs[key] = new
    order = sorted(runs, key=lambda k: (runs[k].get("blocking", "default"), runs[k]["size"]))
    return {
        "machine": machine_info(),
        "updated_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "runs": {k: runs[k] for k in order},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100k,1m", help="comma list of member-row counts, e.g. 20k,100k,1m"
    )
    parser.add_argument(
        "--with-10m", action="store_true", help="also run 10M (built from ten seeded 1M sets)"
    )
    parser.add_argument("--splink", action="store_true", help="run the Splink baseline (sizes up to 1M)")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument the slowest stage (at the smallest size ≥ 100k)"
    )
    parser.add_argument("--seed", type=int, default=20251125)
    parser.add_argument("--data-profile", default="hard", choices=["standard", "hard"])
    parser.add_argument(
        "--mem-guard-gib",
        type=float,
        default=0.0,
        help="stop a size whose RSS passes this (default 85%% of MemAvailable when it starts)",
    )
    parser.add_argument(
        "--blocking",
        default="default",
        choices=["default", "place"],
        help="ddss linkage blocking: as shipped, or with province added to fixed-domain rules",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:
        guard = args.mem_guard_gib or 0.85 * _mem_available_gib()
        out = run_one(
            int(args.one),
            seed=args.seed,
            profile=args.data_profile,
            splink=args.splink,
            do_profile=args.profile,
            json_out=Path(args.json_out),
            guard_gib=guard,
            blocking=args.blocking,
        )
        Path(args.json_out).write_text(json.dumps(out, indent=2, default=str))
        return

    sizes = sorted(
        {parse_size(s) for s in args.sizes.split(",") if s.strip()} | ({10**7} if args.with_10m else set())
    )
    if any(n >= 10**7 for n in sizes) and not args.with_10m:
        raise SystemExit("10M is opt-in: add --with-10m")
    profiled = min((n for n in sizes if n >= 100_000), default=max(sizes)) if args.profile else None
    results = {}
    for n in sizes:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out_path = Path(handle.name)
        cmd = [sys.executable, "-m", "bench.run_all", "--one", str(n), "--json-out", str(out_path),
               "--seed", str(args.seed), "--data-profile", args.data_profile]  # fmt: skip
        cmd += ["--splink"] if args.splink and n <= 1_000_000 else []
        cmd += ["--profile"] if n == profiled else []
        cmd += ["--mem-guard-gib", str(args.mem_guard_gib)] if args.mem_guard_gib else []
        cmd += ["--blocking", args.blocking]
        print(f"[bench] {size_label(n)}: {' '.join(cmd[1:])}", flush=True)
        done = subprocess.run(cmd, cwd=BENCH_DIR.parent, check=False)
        if done.returncode != 0 and (done.returncode != 3 or not out_path.stat().st_size):
            print(
                f"[bench] {size_label(n)} failed (exit {done.returncode}); earlier figures kept", flush=True
            )
            continue
        result = json.loads(out_path.read_text())
        out_path.unlink()
        result["command"] = "python -m bench.run_all " + " ".join(argv if argv is not None else sys.argv[1:])
        results[f"{n}:{args.blocking}"] = result
        merged = _merge(results)
        RESULTS_JSON.write_text(json.dumps(merged, indent=2, default=str) + "\n")
        write_markdown(merged, RESULTS_MD)
        if "stopped" in result:
            print(f"[bench] {size_label(n)}: stopped by the memory guard in {result['stopped']['stage']}")
            continue
        total = result["total"]
        print(
            f"[bench] {size_label(n)}: {total['wall_s']:.1f} s, peak {total['peak_rss_mib']:.0f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
