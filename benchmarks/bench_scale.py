"""Scale benchmark: build time, size, memory and query latency as the index grows.

A deterministic synthetic corpus is made from the news articles' sentences
(news/ant-news.jsonl.gz, all 40,008 articles): article i has a title (one
sentence, at most 12 words) and a body of 3-15 sentences, all drawn with
``random.Random(seed + i)``, so any size is reproducible and a bigger corpus
extends a smaller one. Sentences keep the corpus' vocabulary and word
statistics; the articles are new combinations of them.

For each engine and size, in a fresh child process: ``Index.create(dir,
engine=...)`` then ``add_many(docs, procs=N)`` (documents generated on the
fly, not held in memory), then the search benchmark's queries
(benchmarks/queries_news.txt): one warm-up pass and ``--passes`` timed passes,
``search(q, limit=10)`` reading every hit's snippet and title (the cost a user
sees). Reported: build seconds, docs/s, index MB, the peak RSS of the process
(and of its largest child: an analyzing worker), query p50/p95, and how each
cost grows with size (the exponent k in cost ∝ size^k between two sizes).

Usage:
    python benchmarks/bench_scale.py [--data DIR] [--sizes 40000,200000,1000000]
                                     [--engines tantivy,whoosh] [--whoosh-max 200000]
                                     [--procs 2] [--passes 2] [--queries 200] [--workdir DIR]
                                     [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, RESULTS, add_data_arg, cpu_model, dir_size, format_table, git, iter_news, pct, require, write_json  # noqa: E402

QUERIES_FILE = REPO / "benchmarks" / "queries_news.txt"
SEED = 20261130
TITLE_WORDS = 12
BODY_SENTENCES = (3, 15)
#: Targets at scale with snippets (engine issue): p50 ≤ 10 ms, p95 ≤ 50 ms for tantivy
#: at 1M documents and for Whoosh at 200k.
TARGET_P50_MS = 10.0
TARGET_P95_MS = 50.0

_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")


def load_sentences(data: Path) -> list[str]:
    """Every sentence of at least 4 words of the news articles' bodies, in corpus order."""
    out: list[str] = []
    for article in iter_news(data):
        for s in _SENTENCE_END.split(article.get("text") or ""):
            s = s.strip()
            if len(s.split()) >= 4:
                out.append(s)
    return out


def synthetic(sentences: Sequence[str], n: int, seed: int = SEED) -> Iterator[dict[str, str]]:
    """``n`` articles made of ``sentences``; article i depends only on (seed, i)."""
    for i in range(n):
        rng = random.Random(seed * 1_000_003 + i)
        title = " ".join(rng.choice(sentences).split()[:TITLE_WORDS])
        body = " ".join(rng.choice(sentences) for _ in range(rng.randint(*BODY_SENTENCES)))
        yield {"id": f"s{i}", "title": title, "body": body}


# -- one row, in a child process ------------------------------------------------------------
def run_row(args: argparse.Namespace) -> int:
    from arsearch import Index

    sentences = load_sentences(args.data)
    queries = [q for q in QUERIES_FILE.read_text(encoding="utf-8").splitlines() if q.strip()][: args.queries]
    path = args.row_dir
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    c0 = os.times()
    ix = Index.create(path, engine=args.engine)
    n = ix.add_many(synthetic(sentences, args.size), procs=args.procs)
    build_s = time.perf_counter() - t0
    c1 = os.times()
    build_cpu = (c1.user + c1.system + c1.children_user + c1.children_system) - (
        c0.user + c0.system + c0.children_user + c0.children_system
    )
    build_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert n == args.size, (n, args.size)

    def once(q: str) -> float:
        t = time.perf_counter()
        for hit in ix.search(q, limit=10):
            hit.snippet, hit.title  # noqa: B018 - made on first access: read them, as a user would
        return (time.perf_counter() - t) * 1000

    first = [once(q) for q in queries]
    lat = [once(q) for _ in range(args.passes) for q in queries]
    stats = ix.stats()
    ix.close()
    row = {
        "engine": args.engine,
        "size": args.size,
        "procs": args.procs,
        "build_s": build_s,
        "build_cpu_s": build_cpu,
        "docs_per_s": args.size / build_s,
        "index_mb": dir_size(path) / 1e6,
        "segments": stats["segments"],
        "sentences": len(sentences),
        "rss_before_build_mb": rss_before,
        "peak_rss_build_mb": build_rss,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "first_p50_ms": pct(first, 50),
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "mean_ms": sum(lat) / len(lat),
        "queries": len(queries),
        "samples": len(lat),
    }
    args.row_out.write_text(json.dumps(row), encoding="utf-8")
    return 0


# -- report ---------------------------------------------------------------------------------------
def growth(rows: list[dict[str, Any]], key: str) -> dict[tuple[str, int], float]:
    """k in cost ∝ size^k from the previous size of the same engine."""
    out: dict[tuple[str, int], float] = {}
    by_engine: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_engine.setdefault(r["engine"], []).append(r)
    for engine, rs in by_engine.items():
        rs.sort(key=lambda r: r["size"])
        for a, b in zip(rs, rs[1:]):
            if a[key] > 0 and b[key] > 0:
                out[(engine, b["size"])] = math.log(b[key] / a[key]) / math.log(b["size"] / a["size"])
    return out


def table(rows: list[dict[str, Any]]) -> str:
    g = {key: growth(rows, key) for key in ("build_s", "index_mb", "peak_rss_mb", "p50_ms", "p95_ms")}

    def k(key: str, r: dict[str, Any]) -> str:
        v = g[key].get((r["engine"], r["size"]))
        return "" if v is None else f" (^{v:.2f})"

    headers = ["engine", "docs", "build s", "docs/s", "index MB", "RSS before MB", "peak RSS MB", "p50 ms", "p95 ms",
               "1st pass p50 ms"]
    out = []
    for r in rows:
        rss = f"{r['peak_rss_build_mb']:.0f}" + (f" (+{r['children_peak_rss_mb']:.0f})" if r["children_peak_rss_mb"] else "")
        out.append([
            r["engine"], f"{r['size']:,}", f"{r['build_s']:.0f}{k('build_s', r)}", f"{r['docs_per_s']:.0f}",
            f"{r['index_mb']:.0f}{k('index_mb', r)}", f"{r['rss_before_build_mb']:.0f}", rss + k("peak_rss_mb", r),
            f"{r['p50_ms']:.2f}{k('p50_ms', r)}", f"{r['p95_ms']:.2f}{k('p95_ms', r)}", f"{r['first_p50_ms']:.2f}",
        ])
    return format_table(headers, out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arg(ap)
    ap.add_argument("--sizes", default="40000,200000,1000000", help="comma-separated corpus sizes (%(default)s)")
    ap.add_argument("--engines", default="tantivy,whoosh", help="comma-separated engines (%(default)s)")
    ap.add_argument("--whoosh-max", type=int, default=200_000, help="largest size run on Whoosh (%(default)s)")
    ap.add_argument("--procs", type=int, default=2, help="analyzing processes for add_many (%(default)s)")
    ap.add_argument("--passes", type=int, default=2, help="timed query passes after the warm-up (%(default)s)")
    ap.add_argument("--queries", type=int, default=200, help="queries from %s (%%(default)s)" % QUERIES_FILE.name)
    ap.add_argument("--workdir", type=Path, default=None, help="where to build the indexes (a temp dir inside it)")
    ap.add_argument("--json", type=Path, default=RESULTS / "bench_scale.json", help="results file (%(default)s)")
    ap.add_argument("--row-engine", dest="engine", help=argparse.SUPPRESS)
    ap.add_argument("--row-size", dest="size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--row-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--row-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.engine:
        return run_row(args)

    require(args.data / "news" / "ant-news.jsonl.gz", "the news corpus (news/ant-news.jsonl.gz)")
    require(QUERIES_FILE, "the query list (run benchmarks/bench_search.py once to build it)")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    import platform

    print(f"python {platform.python_version()} on {platform.platform()}; {os.cpu_count()} cores, {cpu_model('?')}; "
          f"git {git('rev-parse', '--short', 'HEAD')}; procs={args.procs}; {args.queries} queries × {args.passes} passes "
          f"after a warm-up, with snippets; seed {SEED}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench_scale_", dir=args.workdir))
    rows: list[dict[str, Any]] = []
    try:
        for engine in engines:
            for size in sizes:
                if engine == "whoosh" and size > args.whoosh_max:
                    continue
                out = work / f"{engine}-{size}.json"
                load = os.getloadavg()[0]
                print(f"… {engine} {size:,}", end="", flush=True, file=sys.stderr)
                cmd = [sys.executable, str(Path(__file__).resolve()), "--data", str(args.data), "--procs", str(args.procs),
                       "--passes", str(args.passes), "--queries", str(args.queries), "--row-engine", engine,
                       "--row-size", str(size), "--row-dir", str(work / f"{engine}-{size}"), "--row-out", str(out)]
                proc = subprocess.run(cmd, check=False)
                if proc.returncode != 0:
                    print(f"\nerror: {engine} {size} failed (exit {proc.returncode})", file=sys.stderr)
                    return proc.returncode or 1
                row = json.loads(out.read_text(encoding="utf-8"))
                row["loadavg_1m_before"], row["loadavg_1m_after"] = load, os.getloadavg()[0]
                rows.append(row)
                shutil.rmtree(work / f"{engine}-{size}", ignore_errors=True)
                print(f": {row['build_s']:.0f} s, {row['index_mb']:.0f} MB, p50 {row['p50_ms']:.2f} ms", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows))
    print()
    print("(^k): the cost grows as size^k from the previous size (1: linear). RSS before: the process with the "
          "sentence pool loaded, before indexing; peak RSS: the indexing process at its peak (+ its largest "
          "analyzing child).")
    for r in rows:
        big = (r["engine"] == "tantivy" and r["size"] == max(sizes)) or (r["engine"] == "whoosh" and r["size"] == args.whoosh_max)
        if big:
            ok = r["p50_ms"] <= TARGET_P50_MS and r["p95_ms"] <= TARGET_P95_MS
            print(f"target {r['engine']} at {r['size']:,}: p50 {r['p50_ms']:.2f} ≤ {TARGET_P50_MS}, "
                  f"p95 {r['p95_ms']:.2f} ≤ {TARGET_P95_MS} ms {'✓' if ok else '✗'}")
    write_json(args.json, {"benchmark": "bench_scale", "command": "python benchmarks/bench_scale.py "
                           + " ".join(sys.argv[1:] if argv is None else argv), "seed": SEED, "rows": rows})
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
