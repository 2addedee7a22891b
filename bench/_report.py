"""bench/results.md from bench/results.json, and the pyinstrument summary that goes into both.

Growth is judged per stage on the ratio of wall seconds between sizes against the ratio of
rows: with rows ×10, a ratio above `SUPERLINEAR` (the n^1.1 line) is flagged. Wall time on a
shared 2-core machine carries the neighbours' load too, so CPU seconds are shown beside it.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

SUPERLINEAR_EXPONENT = 1.1
OLD_MODE = "one batch, every stage's frame held until the end (before the org-batched mode)"
TARGETS = {  # issue #10: rows -> (seconds, GiB)
    1_000_000: (120, 6),
    10_000_000: (20 * 60, 16),
}


def top_frames(session: Any, n: int = 12) -> dict[str, list[dict]]:
    """Self time per function (where the time is spent, native calls included in their Python
    caller) and cumulative time per ddss function (which of our steps pays for it)."""
    self_time: dict[str, float] = defaultdict(float)
    cumulative: dict[str, float] = defaultdict(float)

    def walk(frame: Any, on_stack: frozenset[str]) -> None:
        if frame.is_synthetic:
            return
        key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        kids = [c for c in frame.children if not c.is_synthetic]
        self_time[key] += frame.time - sum(c.time for c in kids)
        path = frame.file_path or ""
        if "/ddss/" in path and key not in on_stack:
            cumulative[key] += frame.time
            on_stack = on_stack | {key}
        for child in kids:
            walk(child, on_stack)

    root = session.root_frame()
    total = root.time if root else 0.0
    if root:
        walk(root, frozenset())

    def rows(data: dict[str, float]) -> list[dict]:
        best = sorted(data.items(), key=lambda kv: -kv[1])[:n]
        return [
            {"frame": k, "seconds": round(v, 2), "share": round(v / total, 3) if total else 0}
            for k, v in best
        ]

    return {"total_seconds": round(total, 2), "self": rows(self_time), "ddss_cumulative": rows(cumulative)}


def _mib(x: float) -> str:
    return f"{x:,.0f}"


def _stage_table(run: dict) -> list[str]:
    lines = [
        "| stage | input rows | wall s | CPU s | rows/s | peak RSS MiB | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for s in run["stages"]:
        note = s.get("note", "")
        if s.get("batches", 1) > 1:
            note = f"{note} ({s['batches']} batches; peak = largest batch)".lstrip()
        lines.append(
            f"| {s['stage']} | {s['rows']:,} | {s['wall_s']:.2f} | {s['cpu_s']:.2f} | {s['rows_per_s']:,} "
            f"| {_mib(s['peak_rss_mib'])} | {note} |"
        )
    if "total" not in run:
        return lines
    t = run["total"]
    lines.append(
        f"| **pipeline total** | {t['rows']:,} | **{t['wall_s']:.1f}** | {t['cpu_s']:.1f} | "
        f"{t['rows_per_s']:,} | **{_mib(t['peak_rss_mib'])}** | |"
    )
    return lines


def _mode_line(run: dict) -> str:
    """Runs from before the org-batched mode have no `mode`: they held every stage's frame."""
    return f"Mode: {run.get('mode', OLD_MODE)}."


def _target_line(run: dict) -> str:
    target = TARGETS.get(run["size"])
    if not target:
        return ""
    secs, gib = target
    t = run["total"]
    ok_t, ok_m = t["wall_s"] < secs, t["peak_rss_mib"] / 1024 < gib
    return (
        f"Target (issue #10): < {secs} s and < {gib} GiB → {t['wall_s']:.0f} s "
        f"({'met' if ok_t else 'NOT met'}), {t['peak_rss_mib'] / 1024:.1f} GiB "
        f"({'met' if ok_m else 'NOT met'})."
    )


QUALITY_HEADER = [
    "| engine | within-org dedupe P / R / **F1** | person linking P / R / **F1** | match P / R "
    "| false matches (not in population) | no-CCCD members found |",
    "|---|---|---|---|---:|---:|",
]


def _quality_lines(title: str, q: dict) -> list[str]:
    w, p, m = q["within_org_dedupe"], q["person_linking"], q["population_matching"]
    return [
        f"| {title} | {w['precision']:.4f} / {w['recall']:.4f} / **{w['f1']:.4f}** "
        f"| {p['precision']:.4f} / {p['recall']:.4f} / **{p['f1']:.4f}** "
        f"| {m['precision']:.4f} / {m['recall']:.4f} | {m.get('false_match_rate', math.nan):.3%} "
        f"| {m.get('no_cccd_found_share', math.nan):.2%} |"
    ]


def _other_quality(q: dict) -> list[str]:
    """Conservation and normalisation accuracy (ddss.synth.score), one line each."""
    c, n = q.get("conservation"), q.get("normalisation")
    lines = []
    if c:
        lines.append(
            f"Row conservation vs truth: {c['accepted']:,} accepted, {c['rejected']:,} rejected, "
            f"{c['lost']:,} lost, {c['in_both']:,} in both, {c['accepted_not_in_truth']:,} not in truth."
        )
    if n:
        shares = ", ".join(f"{k} {v:.2%}" for k, v in n.items() if k != "cccd_unrecoverable_repaired")
        lines.append(
            f"Normalisation vs truth: {shares}; unrecoverable CCCDs 'repaired': "
            f"{n['cccd_unrecoverable_repaired']:.0f}."
        )
    return lines


def _splink_section(run: dict) -> list[str]:
    sp = run.get("splink")
    if not sp:
        return []
    ddss_side = sp.get("ddss") or {"stages": run["stages"], "quality": run.get("quality")}
    wall = {s["stage"]: s for s in ddss_side["stages"]}
    spl = {s["stage"]: s for s in sp["stages"]}
    lines = [
        "",
        f"#### ddss vs Splink 5 (duckdb) at {run['label']}, same process, same normalised frame",
        "",
        *(
            [f"(Splink and ddss figures below are from the run finished {sp['from_run_finished']}.)", ""]
            if sp.get("from_run_finished")
            else []
        ),
        "| task | ddss wall s | ddss peak MiB | Splink wall s | Splink peak MiB | Splink / ddss time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for task, ours, theirs in (("dedupe + person linking", "dedupe", "splink_dedupe"),
                               ("population matching", "reconcile", "splink_match")):  # fmt: skip
        a, b = wall[ours], spl[theirs]
        ratio = b["wall_s"] / a["wall_s"] if a["wall_s"] else math.nan
        lines.append(
            f"| {task} | {a['wall_s']:.1f} | {_mib(a['peak_rss_mib'])} | {b['wall_s']:.1f} "
            f"| {_mib(b['peak_rss_mib'])} | {ratio:.2f}× |"
        )
    if "within_org_dedupe" in sp and ddss_side.get("quality"):
        lines += [
            "",
            *QUALITY_HEADER,
            *_quality_lines("ddss", ddss_side["quality"]),
            *_quality_lines("Splink", sp),
        ]
    return lines


def _growth(runs: list[dict], blocking: str) -> list[str]:
    if len(runs) < 2:
        return []
    lines = [
        "",
        f"## Growth ({blocking} blocking)",
        "",
        f"Ratio of wall (CPU) seconds between consecutive sizes; `n^k` is the fitted exponent. "
        f"⚠ marks growth above n^{SUPERLINEAR_EXPONENT} (clearly super-linear).",
        "",
    ]
    pairs = list(itertools.pairwise(runs))
    lines.append("| stage | " + " | ".join(f"{b['label']} / {a['label']}" for a, b in pairs) + " |")
    lines.append("|---|" + "---:|" * len(pairs))
    stages = [s["stage"] for s in runs[0]["stages"]] + ["total"]
    for stage in stages:
        cells = []
        for a, b in pairs:
            sa = (
                a["total"]
                if stage == "total"
                else next((s for s in a["stages"] if s["stage"] == stage), None)
            )
            sb = (
                b["total"]
                if stage == "total"
                else next((s for s in b["stages"] if s["stage"] == stage), None)
            )
            if not sa or not sb or sa["wall_s"] <= 0 or sb["wall_s"] <= 0:
                cells.append("–")
                continue
            rows = (sb["rows"] / sa["rows"]) if sa["rows"] else b["size"] / a["size"]
            ratio, cpu = sb["wall_s"] / sa["wall_s"], (sb["cpu_s"] / sa["cpu_s"] if sa["cpu_s"] else math.nan)
            k = math.log(ratio) / math.log(rows) if rows > 1 else math.nan
            flag = " ⚠" if k > SUPERLINEAR_EXPONENT and sa["wall_s"] > 0.5 else ""
            cells.append(f"×{ratio:.1f} ({cpu:.1f}) n^{k:.2f}{flag}")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    return lines


def _profile_section(run: dict) -> list[str]:
    prof = run.get("profile")
    if not prof or "top_frames" not in prof:
        return []
    top = prof["top_frames"]
    lines = [
        "",
        f"## Profile: `{prof['stage']}` at {run['label']} (pyinstrument, `bench/{prof['html']}`)",
        "",
        f"Profiled again after the timed run: {top['total_seconds']} s sampled. Native polars/DuckDB time "
        "is charged to the Python line that called it.",
        "",
        "| ddss frame (cumulative) | s | share |",
        "|---|---:|---:|",
        *[f"| `{r['frame']}` | {r['seconds']} | {r['share']:.0%} |" for r in top["ddss_cumulative"]],
        "",
        "| frame (self time) | s | share |",
        "|---|---:|---:|",
        *[f"| `{r['frame']}` | {r['seconds']} | {r['share']:.0%} |" for r in top["self"]],
    ]
    return lines


def write_markdown(results: dict, path: Path) -> None:
    m = results["machine"]
    runs = list(results["runs"].values())
    lines = [
        "# ddss scale benchmark: results",
        "",
        "Written by `python -m bench.run_all` (see bench/README.md); do not edit by hand.",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gib']} GiB RAM; Python {m['python']}, "
        f"polars {m['polars']}, "
        f"DuckDB {m['duckdb']}, Splink {m['splink']}; {m['platform']}. Updated {results['updated_utc']}.",
        "",
        "Wall seconds include whatever else ran on the machine (the load average before each run is "
        "given); CPU seconds are this process only and can exceed wall when polars/DuckDB use both cores. "
        "Peak RSS is each stage's own high-water mark (kernel VmHWM, reset before the stage).",
    ]
    for run in runs:
        d = run["data"]
        if "stopped" in run:
            st = run["stopped"]
            lines += [
                "",
                f"## {run['label']} member rows, {run.get('blocking', 'default')} blocking: stopped",
                "",
                f"The memory guard stopped this size in `{st['stage']}` at {st['rss_mib']:,} MiB RSS "
                f"(guard {st['guard_gib']} GiB, set from the memory free on the shared machine). "
                f"Stages measured before it (load average before: {run['load_avg_before']}):",
                "",
                _mode_line(run),
                "",
                *_stage_table(run),
            ]
            continue
        c = run["counts"]
        how = (
            f"{d['replicas']} independently seeded generator runs of {run['size'] // d['replicas']:,} rows "
            "hard-linked side by side (bench/_data.py)"
            if d.get("replicas", 1) > 1
            else "one `ddss.synth.generate` run"
        )
        lines += [
            "",
            f"## {run['label']} member rows, {run.get('blocking', 'default')} blocking",
            "",
            f"Data: {c['member_rows']:,} accepted + {c['rejected_rows']:,} rejected rows in "
            f"{d['files']:,} csv files, "
            f"{c['population_rows']:,} citizens; {how}, profile `{d['params'].get('profile', 'hard')}`, "
            f"seed {d['params']['seed']}. Load average before: {run['load_avg_before']}. Finished "
            f"{run.get('finished_utc', '?')}. Command: `{run.get('command', '')}`.",
            "",
            _mode_line(run),
            "",
            *_stage_table(run),
            "",
            _target_line(run),
            "",
            f"Output: {c['members']:,} members, {c['persons']:,} persons, "
            f"{c['candidate_pairs']:,} scored pairs; "
            f"match status {c['match_status']}; {c['review_workbooks']} review workbooks, "
            f"{c['member_lists']} member lists.",
        ]
        if "quality" in run:
            lines += ["", *_other_quality(run["quality"])]
        if "quality" in run and "splink" not in run:
            lines += ["", *QUALITY_HEADER, *_quality_lines("ddss", run["quality"])]
        lines += _splink_section(run)
    for blocking in sorted({r.get("blocking", "default") for r in runs}):
        lines += _growth(
            [r for r in runs if "total" in r and r.get("blocking", "default") == blocking], blocking
        )
    for run in runs:
        lines += _profile_section(run)
    path.write_text("\n".join(lines) + "\n")
