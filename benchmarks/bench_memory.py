"""Memory benchmark: peak RSS of indexing the news articles under a memory budget.

For each engine, budget and size, in a fresh child process: ``Index.create(dir,
engine=..., memory_mb=BUDGET)``, the interpreter's baseline RSS measured
there (arsearch and the engine imported, the empty index open), then one
``add_many`` of the first N news articles (news/ant-news.jsonl.gz, streamed
from the file, never held in memory) and its commit. Reported: the baseline,
the peak RSS of the process (VmHWM: every resident page, the memory-mapped
files tantivy reads while it merges included), its peak anonymous memory
(sampled every 50 ms), build seconds and docs/s.

Target (#14): peak RSS ≤ 1.5 × the budget + the baseline.

Usage:
    python benchmarks/bench_memory.py [--data DIR] [--sizes 10000,20000,40000]
                                      [--engines whoosh,tantivy] [--budgets 512,256]
                                      [--workdir DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, add_data_arg, cpu_model, format_table, git, require, write_json  # noqa: E402

TARGET_FACTOR = 1.5  # peak RSS ≤ TARGET_FACTOR × budget + baseline


def _status() -> dict[str, int]:
    """This process's VmRSS, VmHWM, RssAnon and RssFile in MiB (Linux)."""
    out: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) // 1024
    return out


def _articles(path: Path, n: int) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= n:
                return
            a = json.loads(line)
            yield {"id": str(a["id"]), "title": a.get("title") or "", "body": a.get("text") or ""}


def child(news: Path, engine: str, budget: int, n: int, workdir: Path) -> dict[str, Any]:
    """One row, measured in this (fresh) process."""
    from arsearch import Index

    folder = workdir / f"{engine}-{budget}-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    ix = Index.create(folder, engine=engine, memory_mb=budget)
    base = _status()
    peak_anon = base["RssAnon"]
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_anon
        while not done.wait(0.05):
            peak_anon = max(peak_anon, _status()["RssAnon"])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    ix.add_many(_articles(news, n))
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    end = _status()
    count = len(ix)
    ix.close()
    shutil.rmtree(folder, ignore_errors=True)
    peak = end["VmHWM"]
    limit = TARGET_FACTOR * budget + base["VmRSS"]
    return {
        "engine": engine,
        "budget_mb": budget,
        "docs": count,
        "baseline_mb": base["VmRSS"],
        "peak_rss_mb": peak,
        "peak_anon_mb": max(peak_anon, end["RssAnon"]),
        "limit_mb": limit,
        "within": peak <= limit,
        "seconds": seconds,
        "docs_per_s": count / seconds if seconds else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(parser)
    parser.add_argument("--sizes", default="10000,20000,40000", help="articles per row (comma-separated)")
    parser.add_argument("--engines", default="whoosh,tantivy")
    parser.add_argument("--budgets", default="512,256", help="memory_mb values (comma-separated)")
    parser.add_argument("--workdir", type=Path, help="where the indexes are built (default: a temporary folder)")
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_memory.json", help="where to save the rows")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # engine,budget,n: run one row, print JSON
    args = parser.parse_args()
    news = require(args.data / "news" / "ant-news.jsonl.gz", "the news articles")
    if args.child:
        engine, budget, n = args.child.split(",")
        print(json.dumps(child(news, engine, int(budget), int(n), args.workdir)))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    rows: list[dict[str, Any]] = []
    try:
        for engine in args.engines.split(","):
            for budget in map(int, args.budgets.split(",")):
                for n in map(int, args.sizes.split(",")):
                    cmd = [sys.executable, __file__, "--data", str(args.data), "--workdir", str(workdir),
                           "--child", f"{engine},{budget},{n}"]
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                    row = json.loads(out.strip().splitlines()[-1])
                    row["load"] = os.getloadavg()[0]
                    rows.append(row)
                    print(f"  {engine} {budget} MiB {n:,}: peak {row['peak_rss_mb']:,} MiB "
                          f"(limit {row['limit_mb']:,.0f}) in {row['seconds']:.0f} s", file=sys.stderr, flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    headers = ["engine", "budget MiB", "docs", "baseline MiB", "peak RSS MiB", "peak anon MiB",
               f"limit ({TARGET_FACTOR}×budget+baseline)", "within", "build s", "docs/s", "load"]
    table = [[r["engine"], r["budget_mb"], r["docs"], r["baseline_mb"], r["peak_rss_mb"], r["peak_anon_mb"],
              round(r["limit_mb"]), "yes" if r["within"] else "NO", r["seconds"], r["docs_per_s"], r["load"]]
             for r in rows]
    print(format_table(headers, table))
    write_json(args.json, {"commit": git("rev-parse", "--short", "HEAD"), "cpu": cpu_model("unknown"),
                           "cores": os.cpu_count(), "rows": rows})


if __name__ == "__main__":
    main()
