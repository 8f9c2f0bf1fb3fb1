"""Query latency on an existing index: search, then the 10 hits' snippets.

Opens ``--index DIR`` (any engine; never written), runs the ``--queries``
first queries of ``benchmarks/queries_news.txt`` (built by bench_search.py
from the news titles) ``--passes`` times after one untimed warm-up pass, and
prints p50/p95/mean of: ``Index.search`` (``limit=10``), the snippets of its
hits (``hit.snippet`` for each: title and body highlighted), and the two
together. The warm-up fills the analyzer's caches and the engine's pages, so
this is a long-running process's steady state; the machine's 1-minute load
average is printed with the table.

Usage:
    python benchmarks/bench_query.py --index DIR [--queries 200] [--passes 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from common import REPO, format_table, git, pct, write_json

from arsearch import Index

QUERIES = REPO / "benchmarks" / "queries_news.txt"


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="an existing index (opened read-only)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args()
    queries = [q for q in QUERIES.read_text(encoding="utf-8").splitlines() if q.strip() and not q.startswith("#")]
    queries = queries[: args.queries]
    ix = Index.open(args.index)
    rows: dict[str, list[float]] = {"search": [], "snippets (10 hits)": [], "search + snippets": []}
    hits = 0
    loads = [load()]
    for n in range(args.passes + 1):
        for q in queries:
            t0 = time.perf_counter()
            results = ix.search(q, limit=10)
            t1 = time.perf_counter()
            for hit in results:
                _ = hit.snippet
            t2 = time.perf_counter()
            if n:  # the first pass warms up
                rows["search"].append((t1 - t0) * 1000)
                rows["snippets (10 hits)"].append((t2 - t1) * 1000)
                rows["search + snippets"].append((t2 - t0) * 1000)
                hits += len(results)
    loads.append(load())
    print(f"\n{len(ix):,} documents ({ix.engine}, {ix.stats()['segments']} segments), {len(queries)} queries x "
          f"{args.passes} passes, {hits / args.passes / len(queries):.1f} hits a query, commit "
          f"{git('rev-parse', '--short', 'HEAD')}, 1-min load {' -> '.join(loads)}\n")
    table = [[name, f"{statistics.median(v):.2f}", f"{pct(v, 95):.2f}", f"{statistics.fmean(v):.2f}"]
             for name, v in rows.items()]
    print(format_table(["ms", "p50", "p95", "mean"], table))
    if args.json:
        write_json(args.json, {"index": str(args.index), "engine": ix.engine, "documents": len(ix), "loadavg": loads,
                               "commit": git("rev-parse", "--short", "HEAD"),
                               **{name: {"p50": statistics.median(v), "p95": pct(v, 95), "mean": statistics.fmean(v)}
                                  for name, v in rows.items()}})
    ix.close()


if __name__ == "__main__":
    main()
