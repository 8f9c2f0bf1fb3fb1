"""Load test: readers query an index continuously while a writer adds, deletes and commits.

Builds an index of the news corpus (news/ant-news.jsonl.gz, the first
``--docs`` articles as ``{"id", "title", "body"}``), or reuses one given with
``--index DIR``. Then, for ``--seconds``:

* ``--readers`` readers (threads or processes, ``--mode``), each with its own
  ``Index.open(dir)``, run queries back to back (``benchmarks/queries_news.txt``
  if present, else words from the titles), ``limit=10`` with snippets;
* one writer (in the main process, its own ``Index``) adds batches of
  ``--batch`` new documents (articles again, ids ``load-<run>-<n>``), deletes
  ``--deletes`` of the ones it added before, and commits each batch.

Reported: queries/s, p50/p95/p99/max latency (ms) and errors per reader and
overall; the writer's committed batches, documents added/deleted and commit
times; and a consistency check: the document count after the run equals the
count before + added − deleted (and sampled added/deleted ids are
present/absent). The exit status is 1 if any query failed or the check fails.

Each reader runs one untimed warm-up query before the clock starts. Latency
includes everything ``Index.search`` does: refreshing to the newest commit
(reading new segments' norms), scoring and snippets.

Usage:
    python benchmarks/bench_load.py [--data DIR] [--docs 40008] [--seconds 60] [--readers 2]
                                    [--mode threads|processes] [--index DIR] [--batch 100]
                                    [--deletes 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, add_data_arg, format_table, iter_news, pct, write_json  # noqa: E402

QUERIES_FILE = REPO / "benchmarks" / "queries_news.txt"
_ARABIC_WORD = re.compile(r"[\u0621-\u063A\u0641-\u064A]{4,}")


# -- data ------------------------------------------------------------------------------------------


def load_articles(data: Path, n: int) -> list[dict[str, str]]:
    return [
        {"id": str(a["id"]), "title": a.get("title") or "", "body": a.get("text") or ""}
        for a in iter_news(data, n)
    ]


def load_queries(articles: Sequence[dict[str, str]], n: int = 200, seed: int = 7) -> list[str]:
    """The benchmark queries file if present, else ``n`` words sampled from the titles."""
    if QUERIES_FILE.is_file():
        lines = [ln.strip() for ln in QUERIES_FILE.read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if lines:
            return lines
    words = sorted({w for a in articles for w in _ARABIC_WORD.findall(a["title"])})
    rnd = random.Random(seed)
    return rnd.sample(words, min(n, len(words))) or ["الدولة"]


# -- readers -----------------------------------------------------------------------------------------


def reader_loop(
    name: str,
    path: str,
    queries: Sequence[str],
    limit: int,
    seed: int,
    ready: Any,
    go: Any,
    deadline: Any,
    results: Any,
) -> None:
    """Search ``queries`` (shuffled) back to back until ``deadline.value``; put a summary on ``results``."""
    from arsearch import Index

    out: dict[str, Any] = {"name": name, "queries": 0, "latencies": [], "errors": 0, "messages": [], "totals_bad": 0}
    try:
        ix = Index.open(path)
        order = list(queries)
        random.Random(seed).shuffle(order)
        ix.search(order[0], limit=limit)  # warm-up (untimed): opens the segments, reads norms
    except Exception as e:  # noqa: BLE001 - reported, not raised
        out["errors"] += 1
        out["messages"].append(f"open/warm-up: {type(e).__name__}: {e}")
        ready.put(name)
        results.put(out)
        return
    ready.put(name)
    go.wait()
    end = deadline.value
    lat = out["latencies"]
    i = 0
    while True:
        t0 = time.perf_counter()
        if time.time() >= end:
            break
        q = order[i % len(order)]
        i += 1
        try:
            r = ix.search(q, limit=limit)
            if r.total < len(r.hits) or len(r.hits) > limit:
                out["totals_bad"] += 1
        except Exception as e:  # noqa: BLE001
            out["errors"] += 1
            if len(out["messages"]) < 5:
                out["messages"].append(f"{q!r}: {type(e).__name__}: {e} | {traceback.format_exc(limit=3)!r}")
        lat.append((time.perf_counter() - t0) * 1000)
    out["queries"] = len(lat)
    ix.close()
    results.put(out)


class _Value:
    def __init__(self, value: float) -> None:
        self.value = value


# -- writer ----------------------------------------------------------------------------------------------


def run_writer(
    path: Path, source: Sequence[dict[str, str]], run: str, batch: int, deletes: int, deadline: float, seed: int
) -> dict[str, Any]:
    """Add ``batch`` documents, delete ``deletes`` earlier ones, commit; repeat until ``deadline``."""
    from arsearch import Index

    ix = Index.open(path)
    rnd = random.Random(seed)
    live: list[str] = []  # added and committed, not deleted
    deleted: list[str] = []
    added = removed = batches = 0
    commit_ms: list[float] = []
    n = 0
    t_start = time.perf_counter()
    while time.time() < deadline:
        for _ in range(batch):
            art = source[n % len(source)]
            ix.add({"id": f"load-{run}-{n}", "title": art["title"], "body": art["body"]})
            n += 1
        new_ids = [f"load-{run}-{k}" for k in range(n - batch, n)]
        victims = rnd.sample(live, min(deletes, len(live)))
        for doc_id in victims:
            removed += ix.delete(doc_id)
        t0 = time.perf_counter()
        ix.commit()
        commit_ms.append((time.perf_counter() - t0) * 1000)
        batches += 1
        added += batch
        gone = set(victims)
        live = [d for d in live if d not in gone] + new_ids
        deleted += victims
    ix.close()
    return {
        "batches": batches,
        "added": added,
        "deleted": removed,
        "deleted_requested": len(deleted),
        "commit_ms": commit_ms,
        "elapsed_s": time.perf_counter() - t_start,
        "live_sample": rnd.sample(live, min(50, len(live))),
        "deleted_sample": rnd.sample(deleted, min(50, len(deleted))),
    }


# -- main -------------------------------------------------------------------------------------------------


def build_index(path: Path, articles: Sequence[dict[str, str]]) -> float:
    from arsearch import Index

    t0 = time.perf_counter()
    ix = Index.create(path, overwrite=True)
    ix.add_many(articles)
    ix.close()
    return time.perf_counter() - t0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(ap)
    ap.add_argument("--docs", type=int, default=40008, help="articles in the initial index (default %(default)s)")
    ap.add_argument("--seconds", type=float, default=60.0, help="duration of the load phase (default %(default)s)")
    ap.add_argument("--readers", type=int, default=2, help="reader threads or processes (default %(default)s)")
    ap.add_argument("--mode", choices=("threads", "processes"), default="threads", help="readers as (default %(default)s)")
    ap.add_argument("--index", type=Path, help="reuse the index in DIR (built there first if missing)")
    ap.add_argument("--batch", type=int, default=100, help="documents added per writer commit (default %(default)s)")
    ap.add_argument("--deletes", type=int, default=20, help="earlier load documents deleted per commit (default %(default)s)")
    ap.add_argument("--limit", type=int, default=10, help="hits per query (default %(default)s)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    if args.readers < 1 or args.batch < 1 or args.deletes < 0 or args.seconds <= 0:
        ap.error("--readers and --batch must be >= 1, --deletes >= 0, --seconds > 0")

    from arsearch import Index

    t0 = time.perf_counter()
    articles = load_articles(args.data, None)
    initial_articles = articles[: args.docs]
    # New documents for the writer: the articles after the initial ones, then all of them again.
    source = articles[args.docs :] + articles or articles
    queries = load_queries(initial_articles)
    print(f"read {len(articles):,} articles and {len(queries)} queries in {time.perf_counter() - t0:.1f} s", flush=True)

    tmp: Path | None = None
    if args.index is not None:
        path = args.index
    else:
        tmp = Path(tempfile.mkdtemp(prefix="arsearch-load-"))
        path = tmp / "ix"
    try:
        if (path / "arsearch.json").is_file():
            print(f"reusing the index at {path}", flush=True)
            build_s = None
        else:
            print(f"building an index of {len(initial_articles):,} articles at {path} ...", flush=True)
            build_s = build_index(path, initial_articles)
            print(f"built in {build_s:.1f} s", flush=True)
        initial = len(Index.open(path))
        run = time.strftime("%Y%m%d%H%M%S")

        if args.mode == "processes":
            ctx = mp.get_context("spawn")
            ready: Any = ctx.Queue()
            results: Any = ctx.Queue()
            go: Any = ctx.Event()
            deadline: Any = ctx.Value("d", 0.0)
            workers: list[Any] = [
                ctx.Process(
                    target=reader_loop,
                    args=(f"reader {k + 1}", str(path), queries, args.limit, k, ready, go, deadline, results),
                    daemon=True,
                )
                for k in range(args.readers)
            ]
        else:
            ready = queue.Queue()
            results = queue.Queue()
            go = threading.Event()
            deadline = _Value(0.0)
            workers = [
                threading.Thread(
                    target=reader_loop,
                    args=(f"reader {k + 1}", str(path), queries, args.limit, k, ready, go, deadline, results),
                    daemon=True,
                )
                for k in range(args.readers)
            ]
        for w in workers:
            w.start()
        for _ in workers:
            ready.get(timeout=300)
        deadline.value = time.time() + args.seconds
        go.set()
        print(
            f"load: {args.readers} reader {args.mode} + 1 writer ({args.batch} adds, {args.deletes} deletes per commit) "
            f"for {args.seconds:g} s on {initial:,} documents ...",
            flush=True,
        )
        writer = run_writer(path, source, run, args.batch, args.deletes, deadline.value, seed=12345)
        reports = [results.get(timeout=args.seconds + 300) for _ in workers]
        for w in workers:
            w.join(timeout=60)
        reports.sort(key=lambda r: r["name"])

        # -- consistency ---------------------------------------------------------------------
        final_ix = Index.open(path)
        final = len(final_ix)
        expected = initial + writer["added"] - writer["deleted"]
        missing = [d for d in writer["live_sample"] if d not in final_ix]
        resurrected = [d for d in writer["deleted_sample"] if d in final_ix]
        consistent = final == expected and not missing and not resurrected
        final_ix.close()

        # -- report ---------------------------------------------------------------------------------
        seconds = args.seconds
        rows = []
        all_lat: list[float] = []
        errors = 0
        for r in reports:
            lat = r["latencies"]
            all_lat += lat
            errors += r["errors"] + r["totals_bad"]
            rows.append([r["name"], r["queries"], r["queries"] / seconds, pct(lat, 50), pct(lat, 95), pct(lat, 99),
                         max(lat) if lat else float("nan"), r["errors"] + r["totals_bad"]])
        rows.append(["all readers", len(all_lat), len(all_lat) / seconds, pct(all_lat, 50), pct(all_lat, 95),
                     pct(all_lat, 99), max(all_lat) if all_lat else float("nan"), errors])
        print()
        print(f"Readers ({args.mode}, {seconds:g} s, limit={args.limit}, {len(queries)} queries cycled, latency in ms):")
        print(format_table(["reader", "queries", "queries/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"], rows))
        cms = writer["commit_ms"]
        print()
        print("Writer (one Index in the main process; each batch = adds + deletes + commit):")
        print(
            format_table(
                ["batches committed", "docs added", "docs deleted", "docs added/s", "commit p50 ms", "commit max ms"],
                [[writer["batches"], writer["added"], writer["deleted"], writer["added"] / writer["elapsed_s"],
                  pct(cms, 50), max(cms) if cms else float("nan")]],
            )
        )
        print()
        print("Consistency (reopened after the run):")
        print(
            format_table(
                ["initial", "+ added", "− deleted", "expected", "len(index)", "sampled live missing",
                 "sampled deleted present", "ok"],
                [[initial, writer["added"], writer["deleted"], expected, final, len(missing), len(resurrected),
                  "yes" if consistent else "NO"]],
            )
        )
        for r in reports:
            for m in r["messages"]:
                print(f"{r['name']}: {m}", file=sys.stderr)
        if writer["deleted"] != writer["deleted_requested"]:
            print(f"note: {writer['deleted_requested']} deletes requested, {writer['deleted']} matched", file=sys.stderr)
        if args.json:
            payload = {
                "benchmark": "bench_load",
                "command": "python benchmarks/bench_load.py " + " ".join(sys.argv[1:] if argv is None else argv),
                "docs": len(initial_articles),
                "build_s": build_s,
                "mode": args.mode,
                "readers": args.readers,
                "seconds": seconds,
                "queries": len(all_lat),
                "queries_per_s": len(all_lat) / seconds,
                "p50_ms": pct(all_lat, 50),
                "p95_ms": pct(all_lat, 95),
                "p99_ms": pct(all_lat, 99),
                "errors": errors,
                "writer": {k: v for k, v in writer.items() if not k.endswith("_sample") and k != "commit_ms"}
                | {"commit_p50_ms": pct(cms, 50), "commit_max_ms": max(cms) if cms else None},
                "initial": initial,
                "final": final,
                "expected": expected,
                "consistent": consistent,
            }
            write_json(args.json, payload)
        return 0 if errors == 0 and consistent else 1
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
