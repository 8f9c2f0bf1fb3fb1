"""Completions as you type (``Index.complete``): quality, latency, size, commit cost.

One command, per engine (``--engines``, default whoosh and tantivy):

1. builds an index of the first ``--limit`` news articles (default all
   40,008; ``add_many``, one process, default ranking, commits every 20,000)
   and times the whole build and, inside it, the completions' share, in wall
   and CPU seconds: "without" = the build minus that share. The wall share
   is what each commit spends outside the engine's own commit (waiting for
   the counts, merging them into the table, writing its file) plus the time
   spent sending texts to the counting helper process (arsearch.counting);
   the CPU share is this process's threads' CPU time doing that work plus
   the helper's CPU time (also added to the build's CPU);
2. reports the completions file's size against the rest of the index;
3. reopens the index and times the first call (reading the file) and then
   every query of the quality set below, one call each, after one warm-up pass;
4. scores the quality set: how often the intended word (or phrase) is among
   the top 5 completions.

The quality set comes from held-out text: the last ``--heldout`` articles
(default 4,000) are counted apart (they are indexed too: the index is the
whole corpus). The intended words are the ``--words`` (default 200) most
frequent words there, as written (marks removed), of 4+ Arabic letters and
not stop words. Each gives prefixes of 2..6 letters (shorter than the word)
typed five ways: as written; with أ إ آ written ا (only words holding one in
the prefix); with a fatha after every letter; with a tatweel after the first
letter; with و joined in front (the intended completion is then و + word).
The intended phrases are the ``--phrases`` (default 100) most frequent pairs
of adjacent words there (no punctuation between them, the first not a stop
word, both of 2+ Arabic letters), typed as the first word, a space and 1..4
letters of the second. A query scores when a top-5 completion equals the
intended text once normalized.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, add_data_arg, format_table, git, iter_news, pct, write_json  # noqa: E402

from arsearch import DEFAULT_STOPWORDS, Index, normalize  # noqa: E402
from arsearch import complete as acm  # noqa: E402
from arsearch import counting  # noqa: E402
from arsearch import index as aix  # noqa: E402
from arsearch.chars import DELETED_MARKS  # noqa: E402

FATHA = "\N{ARABIC FATHA}"
TATWEEL = "\N{ARABIC TATWEEL}"
WAW = "\N{ARABIC LETTER WAW}"
HAMZA_ALEFS = {"\N{ARABIC LETTER ALEF WITH HAMZA ABOVE}", "\N{ARABIC LETTER ALEF WITH HAMZA BELOW}",
               "\N{ARABIC LETTER ALEF WITH MADDA ABOVE}"}
ALEF = "\N{ARABIC LETTER ALEF}"
ARABIC_WORD = re.compile("^[\N{ARABIC LETTER HAMZA}-\N{ARABIC LETTER YEH}]+$")
MARKS = re.compile(f"[{re.escape(''.join(DELETED_MARKS))}]")
PUNCT = re.compile(r"[^\w\s]")
TOP = 5


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def doc(article: dict[str, str]) -> dict[str, str]:
    return {"id": article["id"], "title": article.get("title") or "", "body": article.get("text") or ""}


def quality_set(articles: list[dict[str, str]], n_words: int, n_phrases: int) -> list[tuple[str, str, int, str]]:
    """(variant, typed text, prefix letters, intended text)."""
    stop = {normalize(w) for w in DEFAULT_STOPWORDS}
    words: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for a in articles:
        for line in f"{a.get('title') or ''}\n{a.get('text') or ''}".split("\n"):
            for chunk in PUNCT.split(MARKS.sub("", line)):
                toks = chunk.split()
                words.update(t for t in toks if ARABIC_WORD.match(t) and len(t) >= 4 and normalize(t) not in stop)
                pairs.update((x, y) for x, y in zip(toks, toks[1:])
                             if ARABIC_WORD.match(x) and ARABIC_WORD.match(y) and len(x) >= 2 and len(y) >= 2
                             and normalize(x) not in stop)
    out = []
    for word, _ in words.most_common(n_words):
        for n in range(2, 7):
            if n >= len(word):
                break
            p = word[:n]
            out.append(("as written", p, n, word))
            if any(c in HAMZA_ALEFS for c in p):  # the same words as written, for comparison
                out.append(("hamza words, as written", p, n, word))
                out.append(("hamza dropped", "".join(ALEF if c in HAMZA_ALEFS else c for c in p), n, word))
            out.append(("diacritics", "".join(c + FATHA for c in p), n, word))
            out.append(("tatweel", p[0] + TATWEEL + p[1:], n, word))
            out.append(("و joined", WAW + p, n, WAW + word))
    for (x, y), _ in pairs.most_common(n_phrases):
        for n in range(1, 5):
            if n >= len(y):
                break
            out.append(("phrase", f"{x} {y[:n]}", n, f"{x} {y}"))
    return out


def timed(fn, totals, clock=time.thread_time):  # type: ignore[no-untyped-def]
    """``fn`` adding its wall time and its thread's CPU time (``clock``) to ``totals``."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        w, c = time.perf_counter(), clock()
        try:
            return fn(*args, **kwargs)
        finally:
            totals["wall"] += time.perf_counter() - w
            totals["cpu"] += clock() - c

    return wrapper


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_engine(engine: str, articles: list[dict[str, str]], queries: list[tuple[str, str, int, str]],
               root: Path, reuse: dict[str, object] | None = None) -> dict[str, object]:
    path = root / f"ix-{engine}"
    if reuse is not None:  # measure the queries again on the index built before
        return {**reuse, **measure(path, queries)}
    shutil.rmtree(path, ignore_errors=True)
    # The completions' share of the build, in this process:
    # - wall: each commit's time outside the engine's own commit (waiting for the
    #   count, merging, writing the file), and sending texts to the counting helper;
    # - CPU: the threads' CPU time counting, merging, writing and sending.
    # The helper process's CPU is added to both the build's CPU and the share.
    commits, engine_commits, work, send = ({"wall": 0.0, "cpu": 0.0} for _ in range(4))
    patched = [(aix.Index, "commit", commits), (aix.Index, "_completions_after", work), (acm, "write_file", work),
               (counting.PendingTexts, "_send_changes", send)]
    originals = [(obj, name, getattr(obj, name)) for obj, name, _ in patched]
    for obj, name, totals in patched:
        setattr(obj, name, timed(getattr(obj, name), totals))
    load0 = loadavg()
    try:
        ix = Index.create(path, engine=engine)
        store_commit = ix._store.commit
        ix._store.commit = timed(store_commit, engine_commits)  # type: ignore[method-assign]
        w, c, h = time.perf_counter(), time.process_time(), children_cpu()
        ix.add_many(doc(a) for a in articles)
        build_wall, build_cpu, helper_cpu = time.perf_counter() - w, time.process_time() - c, children_cpu() - h
        ix.close()
    finally:
        for obj, name, original in originals:
            setattr(obj, name, original)
    load1 = loadavg()
    share_wall = commits["wall"] - engine_commits["wall"] + send["wall"]
    share_cpu = work["cpu"] + send["cpu"] + helper_cpu
    cpl_bytes = (path / acm.COMPLETIONS_FILE).stat().st_size
    index_bytes = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) - cpl_bytes
    print(f"… {engine}: built in {build_wall:.1f}s (completions {share_wall:.1f}s), load {load0}→{load1}", file=sys.stderr)

    return {
        "engine": engine,
        "documents": len(articles),
        "build_s": round(build_wall, 2),
        "build_cpu_s": round(build_cpu + helper_cpu, 2),
        "completions_s": round(share_wall, 2),
        "completions_cpu_s": round(share_cpu, 2),
        "helper_cpu_s": round(helper_cpu, 2),
        "sending_s": round(send["wall"], 2),
        "build_without_s": round(build_wall - share_wall, 2),
        "commit_cost_pct": round(100 * share_wall / (build_wall - share_wall), 1),
        "commit_cost_cpu_pct": round(100 * share_cpu / (build_cpu + helper_cpu - share_cpu), 1),
        "load_build": [load0, load1],
        "completions_mb": round(cpl_bytes / 1e6, 2),
        "index_mb": round(index_bytes / 1e6, 1),
        "size_pct": round(100 * cpl_bytes / index_bytes, 1),
        **measure(path, queries),
    }


def measure(path: Path, queries: list[tuple[str, str, int, str]]) -> dict[str, object]:
    ix = Index.open(path)
    w = time.perf_counter()
    ix.complete("ال")
    first_ms = (time.perf_counter() - w) * 1000
    for _, typed, _, _ in queries:  # warm-up
        ix.complete(typed)
    lat: list[float] = []
    hits: Counter[tuple[str, int]] = Counter()
    total: Counter[tuple[str, int]] = Counter()
    load2 = loadavg()
    for variant, typed, n, intended in queries:
        w = time.perf_counter()
        found = ix.complete(typed, limit=TOP)
        lat.append((time.perf_counter() - w) * 1000)
        total[variant, n] += 1
        hits[variant, n] += normalize(intended) in {normalize(c.text) for c in found}
    load3 = loadavg()
    ix.close()
    return {
        "first_call_ms": round(first_ms, 1),
        "calls": len(lat),
        "p50_ms": round(pct(lat, 50), 3),
        "p95_ms": round(pct(lat, 95), 3),
        "mean_ms": round(statistics.fmean(lat), 3),
        "max_ms": round(max(lat), 3),
        "load_queries": [load2, load3],
        "quality": {f"{v}|{n}": [hits[v, n], total[v, n]] for v, n in sorted(total)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arg(parser)
    parser.add_argument("--limit", type=int, default=None, help="articles to index (default: all)")
    parser.add_argument("--heldout", type=int, default=4000, help="last articles counted for the quality set")
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--phrases", type=int, default=100)
    parser.add_argument("--engines", default="whoosh,tantivy")
    parser.add_argument("--work", type=Path, default=None, help="folder for the indexes (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench_complete.json")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="a results file of an earlier run with --work: keep its build rows, measure the queries again")
    args = parser.parse_args()
    articles = list(iter_news(args.data, args.limit))
    queries = quality_set(articles[-args.heldout:], args.words, args.phrases)
    root = args.work or Path(tempfile.mkdtemp(prefix="bench-complete-"))
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        old = {r["engine"]: r for r in json.loads(args.reuse.read_text())["rows"]} if args.reuse else {}
        for engine in args.engines.split(","):
            rows.append(run_engine(engine, articles, queries, root, old.get(engine) if args.reuse else None))
    finally:
        if args.work is None:
            shutil.rmtree(root, ignore_errors=True)
    print(format_table(
        ["engine", "docs", "build s", "completions s (CPU s)", "commit cost (CPU)", "load", "file MB", "index MB",
         "size", "1st call ms", "calls", "p50 ms", "p95 ms", "mean ms", "load"],
        [[r["engine"], r["documents"], r["build_s"], f"{r['completions_s']} ({r['completions_cpu_s']})",
          f"+{r['commit_cost_pct']}% (+{r['commit_cost_cpu_pct']}%)", "→".join(map(str, r["load_build"])),
          r["completions_mb"], r["index_mb"], f"{r['size_pct']}%", r["first_call_ms"], r["calls"], r["p50_ms"],
          r["p95_ms"], r["mean_ms"], "→".join(map(str, r["load_queries"]))] for r in rows]))
    print()
    quality = rows[0]["quality"]
    variants = sorted({k.split("|")[0] for k in quality}, key=["as written", "hamza words, as written", "hamza dropped",
                                                               "diacritics", "tatweel", "و joined", "phrase"].index)
    lengths = sorted({int(k.split("|")[1]) for k in quality})
    table = []
    for v in variants:
        cells = [quality.get(f"{v}|{n}") for n in lengths]
        got = sum(c[0] for c in cells if c)
        n_all = sum(c[1] for c in cells if c)
        table.append([v, *[f"{100 * c[0] / c[1]:.1f}% ({c[1]})" if c else "" for c in cells],
                      f"{100 * got / n_all:.1f}% ({n_all})"])
    print(f"intended in the top {TOP} ({rows[0]['engine']}; rows by how the prefix is typed, columns by its letters:"
          f" the second word's for phrases)")
    print(format_table(["typed", *[str(n) for n in lengths], "all"], table))
    same = all(r["quality"] == quality for r in rows)
    print(f"\nquality identical on {', '.join(r['engine'] for r in rows)}: {same}")
    write_json(args.out, {"commit": git("rev-parse", "--short", "HEAD"), "cpus": os.cpu_count(), "rows": rows,
                          "quality_identical": same, "argv": sys.argv[1:]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
