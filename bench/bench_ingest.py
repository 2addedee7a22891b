"""Ingest throughput and peak memory for xlsx and csv (issue #4 "Tests and figures").

For each size (default 100k and 1M rows) writes the rows spread over F files per format
(F = rows / 50,000, at least 10; xlsxwriter constant_memory for xlsx), then ingests each
format in a fresh process so peak RSS is the ingest's own (its children's peak is added,
should any exist). `--tree DIR` also times existing raw/ trees, such as the many-small-files
bench sets (one csv per chi hội). The 2 cores are shared with other work, so CPU seconds and
rows per CPU-second are reported beside wall time, with the load average at the start;
`--out` appends every run to a JSON file (bench/results_ingest.json). The 1M runs are
heavy: run them under `flock /tmp/ddss-heavy.lock`.

What the clock covers: "cold" is the first ingest in a fresh process. Importing ddss.ingest
(polars, fastexcel) happens before the clock starts and is printed apart (`import`); what the
first ingest pays once (the pyarrow import on the first workbook, polars' first queries,
regex compilation) is inside it. `--warm` adds a second ingest of the same tree in the same
process ("warm"): the steady rate of a long run, which a one-off import does not dilute.

    .venv/bin/python bench/bench_ingest.py --rows 100000      # 100k rows, 10 files per format
    flock /tmp/ddss-heavy.lock .venv/bin/python bench/bench_ingest.py --corpus /tmp/ddss-bench \
        --workers 2 --out bench/results_ingest.json --tree bench/data/hard_1000000_s20251125/raw
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Địa chỉ", "Số điện thoại"]
TITLES = ["HỘI LHPN XÃ AN PHÚ", "DANH SÁCH HỘI VIÊN NĂM 2025", ""]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh"]
GIVENS = ["An", "Bình", "Lan", "Hoa", "Tâm", "Thu", "Hùng", "Đào", "Phương", "Quân"]


def _member(rng: random.Random, i: int) -> list[object]:
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)}"
    birth = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2007)}"
    cccd = rng.randint(10**10, 10**11 - 1)  # typed as a number, as Excel users do
    phone = f"09{rng.randint(10**7, 10**8 - 1)}"
    return [i, name, birth, rng.choice(["Nam", "Nữ"]), cccd, "Kinh", f"Ấp {rng.randint(1, 9)}", phone]


def write_corpus(root: Path, rows: int, files: int, fmt: str) -> None:
    import xlsxwriter

    rng = random.Random(7)
    per_file = rows // files
    folder = root / fmt / "raw" / "hoi-phu-nu"
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        path = folder / f"ds_{f:03d}.{fmt}"
        if fmt == "xlsx":
            book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
            ws = book.add_worksheet("DS")
            for r, title in enumerate(TITLES):
                ws.write(r, 0, title)
            ws.write_row(len(TITLES), 0, HEADER)
            for i in range(per_file):
                ws.write_row(len(TITLES) + 1 + i, 0, _member(rng, i + 1))
            book.close()
        else:
            with path.open("w", encoding="utf-8") as out:
                out.write("\n".join(TITLES) + "\n" + ",".join(HEADER) + "\n")
                for i in range(per_file):
                    out.write(",".join(str(v) for v in _member(rng, i + 1)) + "\n")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_mb() -> float:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak_kib + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def ingest_only(raw: Path, workers: int | None, warm: bool) -> None:
    """Child process: time the import, the first (cold) ingest and, with `warm`, a second one;
    print one JSON line per phase (rows, seconds, CPU seconds, peak RSS so far)."""
    before, start = _cpu(), time.perf_counter()
    from ddss.ingest import ingest_tree

    imported = {"seconds": time.perf_counter() - start, "cpu_seconds": _cpu() - before}
    for phase in ("cold", "warm") if warm else ("cold",):
        before, start = _cpu(), time.perf_counter()
        result = ingest_tree(raw, workers=workers)
        seconds, cpu_seconds = time.perf_counter() - start, _cpu() - before
        rows = result.member_rows.height + result.rejected_rows.height
        del result
        stats = {"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": _peak_mb()}
        print(json.dumps({"phase": phase, "import": imported, **stats}))


def _record(out: Path, entry: dict[str, object]) -> None:
    runs = json.loads(out.read_text()) if out.exists() else []
    runs.append(entry)
    out.write_text(json.dumps(runs, indent=1, ensure_ascii=False) + "\n")


def _run(raw: Path, workers: int | None, warm: bool) -> tuple[list[dict], tuple[float, float, float]]:
    load = os.getloadavg()
    command = [sys.executable, __file__, "--ingest-only", str(raw)]
    if workers is not None:
        command += ["--workers", str(workers)]
    if warm:
        command.append("--warm")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.strip().splitlines() if line.startswith("{")], load


def _report(args: argparse.Namespace, fmt: str, files: int, stats: dict, load: tuple) -> None:
    imported = stats["import"]
    print(
        f"{fmt} [{stats['phase']}; import {imported['seconds']:.2f} s / {imported['cpu_seconds']:.2f} CPU-s "
        "not counted]: "
        f"{stats['rows']:,} rows in {files} files: "
        f"{stats['seconds']:.2f} s wall = {stats['rows'] / stats['seconds']:,.0f} rows/s; "
        f"{stats['cpu_seconds']:.2f} s CPU = "
        f"{stats['rows'] / stats['cpu_seconds']:,.0f} rows/CPU-s; "
        f"peak RSS {stats['peak_rss_mb']:.0f} MB; load {load[0]:.1f}",
        flush=True,
    )
    if args.out:
        _record(
            args.out,
            {
                "utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "label": args.label,
                "format": fmt,
                "phase": stats["phase"],
                "import_s": round(stats["import"]["seconds"], 3),
                "files": files,
                "workers": args.workers or os.cpu_count(),
                "rows": stats["rows"],
                "wall_s": round(stats["seconds"], 3),
                "cpu_s": round(stats["cpu_seconds"], 3),
                "rows_per_s": round(stats["rows"] / stats["seconds"]),
                "rows_per_cpu_s": round(stats["rows"] / stats["cpu_seconds"]),
                "peak_rss_mb": round(stats["peak_rss_mb"], 1),
                "load_avg_1m": round(load[0], 2),
                "cores": os.cpu_count(),
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--files", type=int, help="files per format (default rows / 50,000, at least 10)")
    parser.add_argument("--formats", nargs="+", default=["xlsx", "csv"])
    parser.add_argument("--corpus", type=Path, help="keep/reuse the written files in this folder")
    parser.add_argument("--tree", type=Path, action="append", default=[], help="also ingest this raw/ tree")
    parser.add_argument("--workers", type=int, help="ingest_tree(workers=...); default one per CPU")
    parser.add_argument("--repeat", type=int, default=1, help="ingest runs per format (fresh process each)")
    parser.add_argument("--out", type=Path, help="append each run to this JSON list")
    parser.add_argument("--label", default="", help="free text stored with each run")
    parser.add_argument("--warm", action="store_true", help="also time a second ingest in the same process")
    parser.add_argument("--ingest-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest_only:
        ingest_only(args.ingest_only, args.workers, args.warm)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.corpus or Path(tmp)
        for rows in args.rows:
            files = args.files or max(10, rows // 50_000)
            for fmt in args.formats:
                raw = root / f"{rows}_{files}" / fmt / "raw"
                if not raw.exists():
                    write_corpus(raw.parent.parent, rows, files, fmt)
                for _ in range(args.repeat):
                    phases, load = _run(raw, args.workers, args.warm)
                    for stats in phases:
                        _report(args, fmt, files, stats, load)
    for tree in args.tree:
        count = sum(1 for p in tree.rglob("*") if p.is_file() and "population" not in p.parts)
        for _ in range(args.repeat):
            phases, load = _run(tree, args.workers, args.warm)
            for stats in phases:
                _report(args, f"tree:{tree.parent.name}", count, stats, load)


if __name__ == "__main__":
    main()
