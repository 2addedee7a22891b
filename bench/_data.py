"""Benchmark data sets: generated once under bench/data/ (git-ignored) and reused by seed and size.

Sizes up to a few million rows go through `ddss.synth.generate` directly. Larger sets are built
from several independently seeded sets (`replicas`), each a full generator run with its own
people, places and CCCDs, whose files are hard-linked side by side under `raw/<org>/r<k>/`.
That keeps every person distinct (no copied people inflating the blocks) at a fraction of the
generator's memory; the price is that each replica has its own 600-commune area and CCCDs may
rarely collide across replicas, which only affects quality figures (not scored at that size).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ddss.synth import generate
from ddss.synth.population import RATES

DATA_ROOT = Path(__file__).resolve().parent / "data"
_MARKER = "bench_summary.json"


@dataclass(frozen=True)
class Dataset:
    """One benchmark input folder: `raw/` for the pipeline, `truth/` for scoring (if any)."""

    root: Path
    members: int
    summary: dict

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def truth(self) -> Path | None:
        path = self.root / "truth"
        return path if (path / "member_rows.parquet").exists() else None

    @property
    def population_files(self) -> list[Path]:
        return sorted(p for p in (self.raw / "population").iterdir() if p.suffix in (".parquet", ".csv"))


def population_factor(profile: str, pop_ratio: float) -> float:
    """The generator scales the population by its primary members (rows less duplicates and
    second memberships); this returns the factor that makes population ≈ pop_ratio × rows."""
    rates = RATES[profile]
    return pop_ratio / (1.0 - rates.dup - rates.cross)


def _cached(root: Path, params: dict) -> dict | None:
    marker = root / _MARKER
    if not marker.exists():
        return None
    summary = json.loads(marker.read_text())
    return summary if summary.get("params") == params else None


def dataset(members: int, *, seed: int = 20251125, profile: str = "hard", pop_ratio: float = 3.0) -> Dataset:
    """The generated csv set of `members` rows (generated now unless already on disk)."""
    params = {"members": members, "seed": seed, "profile": profile, "pop_ratio": pop_ratio, "formats": "csv"}
    root = DATA_ROOT / f"{profile}_{members}_s{seed}"
    summary = _cached(root, params)
    if summary is None:
        shutil.rmtree(root, ignore_errors=True)
        start = time.perf_counter()
        result = generate(
            root,
            members=members,
            seed=seed,
            profile=profile,  # type: ignore[arg-type]
            population_factor=population_factor(profile, pop_ratio),
            formats="csv",
        )
        summary = {
            "params": params,
            "generated_seconds": round(time.perf_counter() - start, 1),
            "member_rows": result.member_rows,
            "population_rows": result.population_rows,
            "files": result.files,
            "distinct_members": result.distinct_members,
            "member_persons": result.member_persons,
            "replicas": 1,
        }
        (root / _MARKER).write_text(json.dumps(summary, indent=2))
    return Dataset(root, members, summary)


def replicated_dataset(
    base_members: int, replicas: int, *, seed: int = 20251125, profile: str = "hard", pop_ratio: float = 3.0
) -> Dataset:
    """`replicas` independently seeded sets of `base_members` rows merged into one raw tree.

    Replica k is `dataset(base_members, seed=seed + k)`; its member files are hard-linked under
    `raw/<org>/r<k>/...`, its population files as `raw/population/<name>_r<k>`, and the targets
    summed. No truth is written (quality is scored on the single-generator sizes).
    """
    members = base_members * replicas
    params = {
        "base": base_members,
        "replicas": replicas,
        "seed": seed,
        "profile": profile,
        "pop_ratio": pop_ratio,
    }
    root = DATA_ROOT / f"{profile}_{members}_s{seed}_x{replicas}"
    summary = _cached(root, params)
    if summary is not None:
        return Dataset(root, members, summary)
    shutil.rmtree(root, ignore_errors=True)
    parts = [
        dataset(base_members, seed=seed + k, profile=profile, pop_ratio=pop_ratio) for k in range(replicas)
    ]
    raw = root / "raw"
    targets = []
    for k, part in enumerate(parts):
        for org_dir in sorted(p for p in part.raw.iterdir() if p.is_dir()):
            if org_dir.name == "targets":
                targets += [pl.read_csv(f, infer_schema=False) for f in org_dir.glob("*.csv")]
                continue
            for src in org_dir.rglob("*"):
                if not src.is_file():
                    continue
                rel = src.relative_to(org_dir)
                if org_dir.name == "population":
                    dst = raw / "population" / f"{src.stem}_r{k}{src.suffix}"
                else:
                    dst = raw / org_dir.name / f"r{k}" / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.link(src, dst)
    (raw / "targets").mkdir(parents=True, exist_ok=True)
    keys = ["org", "province_code", "commune_code"]
    pl.concat(targets).with_columns(pl.col("expected_members").cast(pl.Int64, strict=False)).group_by(
        keys
    ).agg(pl.col("expected_members").sum()).sort(keys).write_csv(raw / "targets" / "targets.csv")
    summary = {
        "params": params,
        "generated_seconds": round(sum(p.summary["generated_seconds"] for p in parts), 1),
        "member_rows": sum(p.summary["member_rows"] for p in parts),
        "population_rows": sum(p.summary["population_rows"] for p in parts),
        "files": sum(p.summary["files"] for p in parts),
        "replicas": replicas,
    }
    (root / _MARKER).write_text(json.dumps(summary, indent=2))
    return Dataset(root, members, summary)
