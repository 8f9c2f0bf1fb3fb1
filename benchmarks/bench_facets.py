"""Facets and sorting at scale: what ``search(facets=..., sort=...)`` adds to a search.

Indexes the news corpus (news/ant-news.jsonl.gz) with the default fields and
ranking plus ``source`` (keyword: the article's source) and ``length``
(numeric: its text's length in characters), on each engine, then times, for
the benchmark queries (``benchmarks/queries_news.txt``), one searcher reused:

* ``plain``: ``ix.search(q, limit=10)`` (snippets not read: they cost the
  same in every row);
* ``facet``: the same with ``facets=["source"]`` (counts over all the hits);
* ``facet only``: ``limit=0, facets=["source"]`` (``arsearch search -n 0 --facet source``);
* ``sort -length``: ``sort="-length"`` (a numeric field, over all the hits);
* ``sort source``: ``sort="source"`` (a keyword field: many ties, ordered by score).

The variants are interleaved: each query runs all five in turn (the order
rotating), one warm-up pass then ``--passes`` timed passes, so that a shared
machine's changing load weighs on every variant alike; wall and CPU times
are reported (CPU time suffers less from other processes). The first facet
or keyword sort on a reader also reads the keyword field's values once:
timed apart as "keyword values". The machine's 1-minute load average is
recorded after each pass (the table shows its range).

Usage:
    python benchmarks/bench_facets.py [--data DIR] [--limit N] [--engines whoosh,tantivy]
                                      [--queries 200] [--passes 3] [--workdir DIR] [--keep]
                                      [--reuse DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import load_queries, machine_info  # noqa: E402
from common import RESULTS, add_data_arg, iter_news, pct  # noqa: E402


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def build(path: Path, data: Path, limit: int | None, engine: str, procs: int) -> tuple[Any, float, int]:
    from arsearch import Field, Index

    fields = {"title": Field("text", boost=0.5), "body": "text", "source": "keyword", "length": "numeric"}
    if (path / "arsearch.json").is_file():
        ix = Index.open(path)
        return ix, 0.0, len(ix)
    docs = (
        {"id": a["id"], "title": a["title"], "body": a["text"], "source": a["source"], "length": len(a["text"])}
        for a in iter_news(data, limit)
    )
    t = time.perf_counter()
    ix = Index.create(path, fields, engine=engine)
    n = ix.add_many(docs, procs=procs)
    return ix, time.perf_counter() - t, n


def bench(ix: Any, queries: Sequence[str], passes: int) -> dict[str, Any]:
    rows: dict[str, Callable[[str], int]] = {
        "plain": lambda q: ix.search(q, limit=10).total,
        "facet": lambda q: ix.search(q, limit=10, facets=["source"]).total,
        "facet only": lambda q: ix.search(q, limit=0, facets=["source"]).total,
        "sort -length": lambda q: ix.search(q, limit=10, sort="-length").total,
        "sort source": lambda q: ix.search(q, limit=10, sort="source").total,
    }
    # the keyword field's values, read once per reader (on the first facet or keyword sort)
    ix.refresh()
    reader = ix._store.reader()
    t = time.perf_counter()
    reader.keyword_values("source")
    out: dict[str, Any] = {"keyword_values_ms": (time.perf_counter() - t) * 1000}
    # Interleaved: each query runs every variant in turn (the order rotating), so that a
    # shared machine's changing load weighs on every variant alike.
    names = list(rows)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    hits: dict[str, list[int]] = {n: [] for n in names}
    loads = [_load()]
    for p in range(passes + 1):  # pass 0: warm-up, not timed
        for i, q in enumerate(queries):
            for j in range(len(names)):
                name = names[(i + j) % len(names)]
                c0, t0 = time.process_time(), time.perf_counter()
                total = rows[name](q)
                t1, c1 = time.perf_counter(), time.process_time()
                if p:
                    wall[name].append((t1 - t0) * 1000)
                    cpu[name].append((c1 - c0) * 1000)
                else:
                    hits[name].append(total)
        loads.append(_load())
    for name in names:
        out[name] = {
            "p50_ms": pct(wall[name], 50), "p95_ms": pct(wall[name], 95), "mean_ms": statistics.fmean(wall[name]),
            "cpu_p50_ms": pct(cpu[name], 50), "cpu_p95_ms": pct(cpu[name], 95), "samples": len(wall[name]),
            "mean_hits": statistics.fmean(hits[name]), "load_before": loads[0], "load_after": loads[-1], "loads": loads,
        }
    return out


def table(results: dict[str, Any]) -> str:
    lines = [
        "| engine | docs | query | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | mean hits | load (1 min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for engine, r in results["engines"].items():
        for name in ("plain", "facet", "facet only", "sort -length", "sort source"):
            row = r["times"][name]
            lines.append(
                f"| {engine} | {r['docs']:,} | {name} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                f"{row['cpu_p50_ms']:.1f} | {row['cpu_p95_ms']:.1f} | {row['mean_hits']:.0f} | "
                f"{min(row['loads']):.1f}–{max(row['loads']):.1f} |"
            )
        lines.append(f"| {engine} | | keyword values (once per reader) | {r['times']['keyword_values_ms']:.1f} | | | | | |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arg(ap)
    ap.add_argument("--limit", type=int, default=None, help="index only the first N articles (default: all)")
    ap.add_argument("--engines", default="whoosh,tantivy")
    ap.add_argument("--procs", type=int, default=2, help="writer processes for the build")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the indexes (prints where)")
    ap.add_argument("--reuse", type=Path, default=None, help="a folder of indexes kept by --keep: open, do not build")
    ap.add_argument("--json", type=Path, default=RESULTS / "bench_facets.json")
    args = ap.parse_args(argv)

    queries = load_queries(args.data, args.queries)
    root = args.reuse or Path(tempfile.mkdtemp(prefix="bench-facets-", dir=args.workdir))
    results: dict[str, Any] = {"machine": machine_info(), "queries": len(queries), "passes": args.passes, "engines": {}}
    try:
        for engine in args.engines.split(","):
            load = _load()
            ix, build_s, n = build(root / engine, args.data, args.limit, engine, args.procs)
            try:
                times = bench(ix, queries, args.passes)
            finally:
                ix.close()
            results["engines"][engine] = {"docs": n, "build_s": build_s, "build_load": load, "times": times}
            print(f"{engine}: {n:,} documents (built in {build_s:.0f} s)", file=sys.stderr)
    finally:
        if args.keep or args.reuse:
            print(f"indexes kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
