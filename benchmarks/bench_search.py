"""Indexing and query benchmark: plain Whoosh vs arsearch, side by side.

Indexes the news corpus (news/ant-news.jsonl.gz, each article as
``{"id", "title", "body"}``) several ways, in one run:

(a) plain Whoosh: ``id=ID(unique, stored)``, ``title``/``body`` = ``TEXT(StandardAnalyzer(),
    stored)`` (title with arsearch's default title boost), one writer
    (``procs=1, limitmb=256``), one ``add_document`` per article, one commit;
    searched with ``MultifieldParser(["title", "body"], group=OrGroup)`` and
    BM25F with arsearch's default ``B``/``K1``;
(b) arsearch, one process: ``Index.create(dir)`` then ``ix.add_many(docs)``;
(c) arsearch with Whoosh's multi-process writer: ``ix.add_many(docs, procs=N)``;
(d), (e) the same as (b), (c) with ``ranking=FAST_RANKING`` (the light stem
    alone: the baseline of the relevance issue's latency and size budget);
(f) plain tantivy (tantivy-py) with its own Arabic analysis: simple tokenizer,
    lowercase, Snowball Arabic stemmer; stored title/body; one writer, one
    commit; queries through tantivy's lenient parser over title (boost as
    arsearch's) and body, plus the stored documents of the hits;
(g) arsearch on the tantivy engine: ``Index.create(dir, engine="tantivy")``,
    ``add_many(docs)`` and with ``procs=N``.

Each row also reports its process's peak RSS (build and queries; ``+N``: its
largest child process, e.g. an analyzing worker).

For each: indexing docs/s (wall time including commit, documents already in
memory), index size on disk, and query latency (p50/p95/mean, ms) for a fixed
list of queries (``benchmarks/queries_news.txt``, built deterministically from
the titles when missing), top 10 hits, one searcher reused for all queries:
one warm-up pass, then ``--passes`` timed passes pooled. Each row runs in a
fresh child process (cold analyzer caches, clean heap); CPU times (all
processes) are recorded next to wall times, since wall times suffer on a
busy machine.

arsearch's latency is ``ix.search(q, limit=10)`` — which *includes* building
a snippet for each hit. Plain Whoosh's latency is parse + search + the stored
fields of the 10 hits, without highlighting. "snippet ms/hit" is measured
apart: for arsearch ``highlight_matches`` on each hit's stored body with a
``QueryMatcher.from_query`` (built once per query, not timed), for Whoosh
``hit.highlights("body")`` (for reference).

Usage:
    python benchmarks/bench_search.py [--data DIR] [--limit N] [--procs 2] [--queries 200]
                                      [--passes 3] [--workdir DIR] [--keep] [--json OUT]
                                      [--only whoosh,arsearch,arsearch-mp,arsearch-single,arsearch-single-mp,
                                              tantivy,arsearch-tantivy,arsearch-tantivy-mp]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, RESULTS, add_data_arg, cpu_model, dir_size, format_table, iter_news, pct, require, write_json  # noqa: E402

QUERIES_FILE = REPO / "benchmarks" / "queries_news.txt"
QUERY_SEED = 20240611

#: Targets for arsearch (rows b and c).
TARGET_SPEEDUP_1 = 1.5  # docs/s vs plain Whoosh, one process
TARGET_SPEEDUP_MP = 2.5  # docs/s vs plain Whoosh, multi-process writer
TARGET_P50_MS = 5.0
TARGET_P95_MS = 25.0
TARGET_SNIPPET_MS = 0.5

_ARABIC_WORD = re.compile(r"[\u0621-\u063A\u0641-\u064A]{3,}")  # plain letters only, no marks/tatweel


# -- data ------------------------------------------------------------------------------------
def load_docs(data: Path, limit: int | None) -> list[dict[str, str]]:
    """The articles as ``{"id", "title", "body"}``, all in memory (reading is not timed)."""
    return [{"id": str(a["id"]), "title": a.get("title") or "", "body": a.get("text") or ""} for a in iter_news(data, limit)]


def build_queries(data: Path, n: int, seed: int = QUERY_SEED) -> list[str]:
    """``n`` distinct queries sampled from all titles of the corpus, deterministically.

    Words: plain Arabic words (3+ letters, no marks) that are not stop words,
    occurring in at least 5 titles, skipping the 25 most frequent. Pairs and
    triples: adjacent such words in a title (at least 3 and 2 titles). Mix:
    30% one word, 30% two words, 20% three words, 20% quoted phrases (mostly
    two words, some three).
    """
    from arsearch import normalize
    from arsearch.stopwords import DEFAULT_STOPWORDS, is_stopword
    from arsearch.tokenize import WORD_PATTERN

    words: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    triples: Counter[tuple[str, str, str]] = Counter()
    stop_cache: dict[str, bool] = {}

    def ok(w: str) -> bool:
        r = stop_cache.get(w)
        if r is None:
            r = stop_cache[w] = bool(_ARABIC_WORD.fullmatch(w)) and not is_stopword(normalize(w), DEFAULT_STOPWORDS)
        return r

    for art in iter_news(data):  # always all titles: the list does not depend on --limit
        toks = WORD_PATTERN.findall(art.get("title") or "")
        seen: set[Any] = set()
        run: list[str] = []
        for t in [*toks, ""]:
            if t and ok(t):
                run.append(t)
                continue
            for i, w in enumerate(run):
                seen.add(w)
                if i + 1 < len(run):
                    seen.add((w, run[i + 1]))
                if i + 2 < len(run):
                    seen.add((w, run[i + 1], run[i + 2]))
            run = []
        for s in seen:  # count titles, not occurrences
            if isinstance(s, str):
                words[s] += 1
            elif len(s) == 2:
                pairs[s] += 1
            else:
                triples[s] += 1

    def ranked(counter: Counter[Any], min_count: int, skip: int = 0) -> list[Any]:
        items = sorted((k for k, c in counter.items() if c >= min_count), key=lambda k: (-counter[k], k))
        return items[skip:]

    word_pool = ranked(words, 5, skip=25)
    pair_pool = ranked(pairs, 3)
    triple_pool = ranked(triples, 2)
    if not word_pool or not pair_pool:
        raise SystemExit("error: too few titles to build a query list")
    rng = random.Random(seed)
    n_phrase = round(n * 0.2)
    n_phrase3 = n_phrase // 4 if triple_pool else 0
    plan = [("w1", round(n * 0.3)), ("w2", round(n * 0.3)), ("w3", 0), ("p2", n_phrase - n_phrase3), ("p3", n_phrase3)]
    plan[2] = ("w3", n - sum(c for _, c in plan))
    out: list[str] = []
    seen_q: set[str] = set()

    def make(kind: str) -> str:
        if kind == "w1":
            return rng.choice(word_pool)
        if kind == "w2":  # half adjacent pairs, half two unrelated words
            return " ".join(rng.choice(pair_pool)) if rng.random() < 0.5 else " ".join(rng.sample(word_pool, 2))
        if kind == "w3":  # a title pair plus a word, or three words
            if rng.random() < 0.5:
                return " ".join([*rng.choice(pair_pool), rng.choice(word_pool)])
            return " ".join(rng.sample(word_pool, 3))
        if kind == "p2":
            return '"' + " ".join(rng.choice(pair_pool)) + '"'
        return '"' + " ".join(rng.choice(triple_pool)) + '"'

    for kind, count in plan:
        made = 0
        for _ in range(count * 50):
            if made == count:
                break
            q = make(kind)
            if q not in seen_q:
                seen_q.add(q)
                out.append(q)
                made += 1
    rng.shuffle(out)
    return out


def load_queries(data: Path, n: int, path: Path = QUERIES_FILE) -> list[str]:
    """Reuse ``path`` when it holds at least ``n`` queries, else (re)build and write it."""
    if path.is_file():
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        if len(lines) >= n:
            return lines[:n]
    queries = build_queries(data, max(n, 200))
    header = (
        f"# {len(queries)} benchmark queries for the news corpus, built by benchmarks/bench_search.py\n"
        f"# (seed {QUERY_SEED}, from all titles; delete this file to rebuild). One query per line.\n"
    )
    path.write_text(header + "\n".join(queries) + "\n", encoding="utf-8")
    print(f"wrote {len(queries)} queries to {path}", file=sys.stderr)
    return queries[:n]


# -- measuring ---------------------------------------------------------------------------------
class Clock:
    """Wall time and CPU time (this process plus reaped children, e.g. Whoosh's sub-writers)."""

    def __enter__(self) -> Clock:
        gc.collect()
        self._t = time.perf_counter()
        self._c = _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t
        self.cpu = _cpu() - self._c


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_queries(run: Callable[[str], int], queries: Sequence[str], passes: int) -> dict[str, Any]:
    """One warm-up pass, then ``passes`` timed passes; latencies pooled (ms, wall and CPU).

    The warm-up pass is timed too and reported apart ("first pass"): it is
    the one that reads postings from disk into any per-searcher cache, which
    the repeated passes then hit.
    """
    clock, pclock = time.perf_counter, time.process_time
    hits: list[int] = []
    first: list[float] = []
    first_cpu: list[float] = []
    gc.collect()
    for q in queries:
        c0 = pclock()
        t0 = clock()
        hits.append(run(q))
        t1 = clock()
        first_cpu.append((pclock() - c0) * 1000)
        first.append((t1 - t0) * 1000)
    lat: list[float] = []
    cpu: list[float] = []
    gc.collect()
    for _ in range(passes):
        for q in queries:
            c0 = pclock()
            t0 = clock()
            run(q)
            t1 = clock()
            cpu.append((pclock() - c0) * 1000)
            lat.append((t1 - t0) * 1000)
    return {
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "p99_ms": pct(lat, 99),
        "mean_ms": statistics.fmean(lat),
        "max_ms": max(lat),
        "cpu_p50_ms": pct(cpu, 50),
        "cpu_p95_ms": pct(cpu, 95),
        "cpu_mean_ms": statistics.fmean(cpu),
        "samples": len(lat),
        "first_p50_ms": pct(first, 50),
        "first_p95_ms": pct(first, 95),
        "first_mean_ms": statistics.fmean(first),
        "first_cpu_p50_ms": pct(first_cpu, 50),
        "first_cpu_p95_ms": pct(first_cpu, 95),
        "zero_hit_queries": sum(1 for h in hits if h == 0),
        "mean_hits": statistics.fmean(hits) if hits else 0.0,
    }


def time_snippets(per_query: Callable[[str, list[float]], None], queries: Sequence[str], passes: int) -> dict[str, Any]:
    """``per_query(q, out)`` appends one duration (s) per highlighted hit; warm-up pass first."""
    for q in queries:
        per_query(q, [])
    per_hit: list[float] = []
    for _ in range(passes):
        for q in queries:
            per_query(q, per_hit)
    ms = [t * 1000 for t in per_hit]
    return {
        "snippet_ms_per_hit": statistics.fmean(ms) if ms else float("nan"),
        "snippet_p95_ms": pct(ms, 95),
        "snippet_hits": len(ms),
    }


# -- targets -----------------------------------------------------------------------------------
def bench_whoosh(docs: list[dict[str, str]], queries: Sequence[str], path: Path, passes: int) -> dict[str, Any]:
    from whoosh import index as wi
    from whoosh import scoring
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import MultifieldParser, OrGroup

    try:
        from arsearch.fields import DEFAULT_FIELDS, DEFAULT_RANKING
    except ImportError:  # older layout
        from arsearch.schema import DEFAULT_FIELDS, DEFAULT_RANKING

    schema = Schema(
        id=ID(unique=True, stored=True),
        title=TEXT(analyzer=StandardAnalyzer(), stored=True, field_boost=DEFAULT_FIELDS["title"].boost),
        body=TEXT(analyzer=StandardAnalyzer(), stored=True),
    )
    path.mkdir(parents=True)
    ix = wi.create_in(str(path), schema)
    with Clock() as clk:
        w = ix.writer(procs=1, limitmb=256)
        for d in docs:
            w.add_document(**d)
        w.commit()

    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
    weighting = scoring.BM25F(B=DEFAULT_RANKING.b, K1=DEFAULT_RANKING.k1)
    with ix.searcher(weighting=weighting) as s:

        def run(q: str) -> int:
            r = s.search(parser.parse(q), limit=10)
            for hit in r:
                hit.fields()
            return r.scored_length()

        lat = time_queries(run, queries, passes)

        def snip(q: str, out: list[float]) -> None:
            r = s.search(parser.parse(q), limit=10)
            for hit in r:
                t = time.perf_counter()
                hit.highlights("body")
                out.append(time.perf_counter() - t)

        snips = time_snippets(snip, queries, passes)
        segments = len(ix._segments())
    ix.close()
    return {"index_s": clk.wall, "index_cpu_s": clk.cpu, "size_bytes": dir_size(path), "segments": segments, **lat, **snips}


def bench_tantivy(docs: list[dict[str, str]], queries: Sequence[str], path: Path, passes: int) -> dict[str, Any]:
    """Plain tantivy with its own Arabic analysis: simple tokenizer, lowercase, Snowball Arabic stemmer."""
    import tantivy

    from arsearch.fields import DEFAULT_FIELDS

    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("arabic"))
        .build()
    )
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="ar_snowball")
    sb.add_text_field("body", stored=True, tokenizer_name="ar_snowball")
    path.mkdir(parents=True)
    ix = tantivy.Index(sb.build(), path=str(path))
    ix.register_tokenizer("ar_snowball", analyzer)
    with Clock() as clk:
        w = ix.writer(heap_size=256_000_000)
        for d in docs:
            w.add_document(tantivy.Document(id=d["id"], title=d["title"], body=d["body"]))
        w.commit()
        w.wait_merging_threads()
    ix.reload()
    s = ix.searcher()
    boosts = {"title": DEFAULT_FIELDS["title"].boost}

    def parse(q: str) -> Any:
        return ix.parse_query_lenient(q, ["title", "body"], field_boosts=boosts)[0]

    def run(q: str) -> int:
        r = s.search(parse(q), limit=10)
        for _, addr in r.hits:
            s.doc(addr)
        return int(r.count or 0)

    lat = time_queries(run, queries, passes)

    def snip(q: str, out: list[float]) -> None:
        query = parse(q)
        r = s.search(query, limit=10)
        gen = tantivy.SnippetGenerator.create(s, query, ix.schema, "body")
        for _, addr in r.hits:
            doc = s.doc(addr)
            t = time.perf_counter()
            gen.snippet_from_doc(doc).to_html()
            out.append(time.perf_counter() - t)

    snips = time_snippets(snip, queries, passes)
    return {"index_s": clk.wall, "index_cpu_s": clk.cpu, "size_bytes": dir_size(path), "segments": s.num_segments, **lat, **snips}


def bench_arsearch(
    docs: list[dict[str, str]], queries: Sequence[str], path: Path, passes: int, procs: int, single: bool = False,
    engine: str = "whoosh",
) -> dict[str, Any]:
    from arsearch import FAST_RANKING, Index
    from arsearch.highlight import QueryMatcher, highlight_matches

    with Clock() as clk:
        # single: FAST_RANKING, the light stem alone (one index field per text
        # field) — the baseline for the relevance issue's "the multi-field
        # default costs at most 1.5x the latency and 2.5x the size" check.
        ix = Index.create(path, ranking=FAST_RANKING, engine=engine) if single else Index.create(path, engine=engine)
        n = ix.add_many(docs, procs=procs)
    assert n == len(docs), (n, len(docs))

    def run(q: str) -> int:
        # Snippets are made on first access: read them, as a user would.
        return sum(1 for hit in ix.search(q, limit=10) if hit.snippet is not None)

    lat = time_queries(run, queries, passes)

    def snip(q: str, out: list[float]) -> None:
        res = ix.search(q, limit=10)
        matcher = QueryMatcher.from_query(q, ix.analyzer, ix.fields, field="body")
        for hit in res:
            text = hit.fields.get("body") or ""
            t = time.perf_counter()
            highlight_matches(text, matcher, ix.analyzer, format="html", max_chars=240, fragments=1)
            out.append(time.perf_counter() - t)

    snips = time_snippets(snip, queries, passes)
    stats = ix.stats()
    ix.close()
    return {"index_s": clk.wall, "index_cpu_s": clk.cpu, "size_bytes": dir_size(path), "segments": stats["segments"], **lat, **snips}


# -- report ------------------------------------------------------------------------------------
def machine_info() -> dict[str, Any]:
    import hashlib

    import whoosh

    import arsearch

    cpu = cpu_model("")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()

    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    pkg = Path(arsearch.__file__).resolve().parent
    digest = hashlib.sha1()
    for f in sorted(pkg.glob("*.py")):
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "whoosh": whoosh.versionstring(),
        "arsearch": arsearch.__version__,
        "arsearch_path": str(pkg),
        "arsearch_source_sha1": digest.hexdigest()[:12],
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "arsearch_from_repo": pkg == (REPO / "arsearch").resolve(),
        "arsearch_dirty_files": git("status", "--short", "--", "arsearch").splitlines(),
    }


def check(ratio: float, ok: bool) -> str:
    return f"{ratio:.2f} {'✓' if ok else '✗'}"


def table(rows: list[dict[str, Any]]) -> str:
    base = rows[0]["docs_per_s"]
    headers = [
        "target",
        "docs/s",
        "docs/CPU-s",
        "index MB",
        "peak RSS MB",
        "segs",
        "p50 ms",
        "p95 ms",
        "mean ms",
        "CPU p50/p95 ms",
        "1st pass p50/p95 ms",
        "snippet ms/hit",
        "speedup vs Whoosh (≥1.5× / ≥2.5×)",
        "p50/5ms",
        "p95/25ms",
        "snippet/0.5ms",
    ]
    out = []
    for r in rows:
        if r["kind"] in ("whoosh", "tantivy"):
            speed = "1.00× (ref)" if r["kind"] == "whoosh" else f"{r['docs_per_s'] / base:.2f}×"
        else:
            target = TARGET_SPEEDUP_MP if r["procs"] > 1 else TARGET_SPEEDUP_1
            speed = f"{r['docs_per_s'] / base:.2f}× / {target}× {'✓' if r['docs_per_s'] / base >= target else '✗'}"
        out.append(
            [
                r["name"],
                round(r["docs_per_s"]),
                round(r["docs"] / r["index_cpu_s"]),
                r["size_bytes"] / 1e6,
                f"{r.get('peak_rss_mb', 0):.0f}" + (f" (+{r['children_peak_rss_mb']:.0f})" if r.get("children_peak_rss_mb") else ""),
                r["segments"],
                r["p50_ms"],
                r["p95_ms"],
                r["mean_ms"],
                f"{r['cpu_p50_ms']:.2f} / {r['cpu_p95_ms']:.2f}",
                f"{r['first_p50_ms']:.2f} / {r['first_p95_ms']:.2f}",
                r["snippet_ms_per_hit"],
                speed,
                check(r["p50_ms"] / TARGET_P50_MS, r["p50_ms"] <= TARGET_P50_MS),
                check(r["p95_ms"] / TARGET_P95_MS, r["p95_ms"] <= TARGET_P95_MS),
                check(r["snippet_ms_per_hit"] / TARGET_SNIPPET_MS, r["snippet_ms_per_hit"] <= TARGET_SNIPPET_MS),
            ]
        )
    return format_table(headers, out)


def tantivy_targets(rows: list[dict[str, Any]]) -> str:
    """The engine issue's targets for arsearch on tantivy, checked against the other rows of this run."""
    by = {r["key"]: r for r in rows}
    lines = []
    base, one, mp = by.get("whoosh"), by.get("arsearch-tantivy"), by.get("arsearch-tantivy-mp")
    snowball, on_whoosh = by.get("tantivy"), by.get("arsearch")
    if base and one:
        ratio = one["docs_per_s"] / base["docs_per_s"]
        lines.append(f"arsearch on tantivy, one process: {ratio:.2f}× plain Whoosh's docs/s (≥ {TARGET_TANTIVY_SPEEDUP_1}×) "
                     f"{'✓' if ratio >= TARGET_TANTIVY_SPEEDUP_1 else '✗'}")
    if snowball and mp:
        ratio = mp["docs_per_s"] / snowball["docs_per_s"]
        lines.append(f"arsearch on tantivy, procs={mp['procs']}: {ratio:.2f}× tantivy + Snowball's docs/s "
                     f"(≥ {TARGET_TANTIVY_VS_SNOWBALL_MP}×) {'✓' if ratio >= TARGET_TANTIVY_VS_SNOWBALL_MP else '✗'}")
    for r in (one, mp):
        if r:
            ok = r["p50_ms"] <= TARGET_TANTIVY_P50_MS and r["p95_ms"] <= TARGET_TANTIVY_P95_MS
            lines.append(f"{r['name']}: query p50 {r['p50_ms']:.2f} / p95 {r['p95_ms']:.2f} ms with snippets "
                         f"(≤ {TARGET_TANTIVY_P50_MS} / {TARGET_TANTIVY_P95_MS}) {'✓' if ok else '✗'}")
    if on_whoosh and (one or mp):
        r = one or mp
        ratio = r["size_bytes"] / on_whoosh["size_bytes"]
        lines.append(f"index size on tantivy: {ratio:.2f}× arsearch on Whoosh's (≤ {TARGET_TANTIVY_SIZE}×) "
                     f"{'✓' if ratio <= TARGET_TANTIVY_SIZE else '✗'}")
    return "\n".join(lines)


ROWS = (
    "whoosh",
    "arsearch",
    "arsearch-mp",
    "arsearch-single",
    "arsearch-single-mp",
    "tantivy",
    "arsearch-tantivy",
    "arsearch-tantivy-mp",
)
#: Targets of the engine issue for arsearch on tantivy (default ranking).
TARGET_TANTIVY_SPEEDUP_1 = 3.0  # docs/s vs plain Whoosh, one process
TARGET_TANTIVY_VS_SNOWBALL_MP = 0.7  # docs/s vs plain tantivy + Snowball, procs=2
TARGET_TANTIVY_P50_MS = 2.0
TARGET_TANTIVY_P95_MS = 5.0
TARGET_TANTIVY_SIZE = 1.5  # index size vs arsearch on Whoosh


def run_row(args: argparse.Namespace) -> int:
    """Child process: build and measure one row, write its JSON to ``--row-out``."""
    queries = load_queries(args.data, args.queries)
    docs = load_docs(args.data, args.limit)
    path = args.row_dir
    if args.row == "whoosh":
        r = bench_whoosh(docs, queries, path, args.passes)
        r.update(name="(a) plain Whoosh", kind="whoosh", procs=1)
    elif args.row == "tantivy":
        r = bench_tantivy(docs, queries, path, args.passes)
        r.update(name="(f) plain tantivy + Snowball", kind="tantivy", procs=1)
    elif args.row.startswith("arsearch-tantivy"):
        procs = args.procs if args.row.endswith("-mp") else 1
        r = bench_arsearch(docs, queries, path, args.passes, procs, engine="tantivy")
        r.update(name=f"(g) arsearch on tantivy{'' if procs == 1 else f' procs={procs}'}", kind="arsearch", procs=procs)
    else:
        procs = args.procs if args.row.endswith("-mp") else 1
        single = args.row.startswith("arsearch-single")
        r = bench_arsearch(docs, queries, path, args.passes, procs, single)
        name = "(b) arsearch" if procs == 1 else f"(c) arsearch procs={procs}"
        if single:
            name = "(d) arsearch FAST_RANKING" if procs == 1 else f"(e) arsearch FAST_RANKING procs={procs}"
        r.update(name=name, kind="arsearch", procs=procs)
    r.update(key=args.row, docs=len(docs), docs_per_s=len(docs) / r["index_s"])
    import resource

    # peak resident memory of this row's process (build and queries) and of its largest child
    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r["children_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    args.row_out.write_text(json.dumps(r), encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(ap)
    ap.add_argument("--limit", type=int, default=None, help="index only the first N articles (default: all)")
    ap.add_argument("--procs", type=int, default=2, help="processes for row (c), arsearch's multi-process writer")
    ap.add_argument("--queries", type=int, default=200, help="number of queries (from %s)" % QUERIES_FILE.name)
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the queries (after one warm-up)")
    ap.add_argument("--workdir", type=Path, default=None, help="where to build the indexes (a temp dir inside it)")
    ap.add_argument("--keep", action="store_true", help="keep the indexes (prints where)")
    ap.add_argument("--json", type=Path, default=RESULTS / "bench_search.json", help="results file (%(default)s)")
    ap.add_argument("--only", default=",".join(ROWS), help="comma-separated subset of %(default)s (whoosh is always run)")
    # internal: run one row in this (child) process
    ap.add_argument("--row", choices=ROWS, help=argparse.SUPPRESS)
    ap.add_argument("--row-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--row-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.row:
        return run_row(args)
    only = {s.strip() for s in args.only.split(",") if s.strip()} | {"whoosh"}
    if only - set(ROWS):
        ap.error(f"--only takes {', '.join(ROWS)}")

    require(args.data / "news" / "ant-news.jsonl.gz", "the news corpus (news/ant-news.jsonl.gz)")
    info = machine_info()
    print(
        f"python {info['python']} ({info['implementation']}) on {info['platform']}; {info['cores']} cores "
        f"({info['usable_cores']} usable), {info['cpu']}; whoosh {info['whoosh']}; arsearch {info['arsearch']} "
        f"from {info['arsearch_path']} (source sha1 {info['arsearch_source_sha1']}; repository at git "
        f"{info['git_commit']}{', arsearch/ modified: ' + ' '.join(x.split()[-1] for x in info['arsearch_dirty_files']) if info['arsearch_dirty_files'] else ''}"
        f"{'' if info['arsearch_from_repo'] else '; NOT the repository copy'})"
    )
    queries = load_queries(args.data, args.queries)  # builds the file once, before the rows
    docs = load_docs(args.data, args.limit)
    chars = sum(len(d["title"]) + len(d["body"]) for d in docs)
    n_docs = len(docs)
    del docs
    print(
        f"{n_docs:,} articles ({chars / 1e6:.1f} M chars); {len(queries)} queries "
        f"({sum(q.startswith(chr(34)) for q in queries)} phrases), top 10; {args.passes} timed passes after one "
        f"warm-up; each row in a fresh process",
        flush=True,
    )

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench_search_", dir=args.workdir))
    rows: list[dict[str, Any]] = []
    forwarded = ["--data", str(args.data), "--procs", str(args.procs), "--queries", str(args.queries)]
    forwarded += ["--passes", str(args.passes)] + (["--limit", str(args.limit)] if args.limit is not None else [])
    try:
        for key in ROWS:
            if key not in only:
                continue
            out = work / f"{key}.json"
            load0 = os.getloadavg()[0]
            print(f"… {key}", end="", flush=True, file=sys.stderr)
            t = time.perf_counter()
            cmd = [sys.executable, str(Path(__file__).resolve()), *forwarded]
            cmd += ["--row", key, "--row-dir", str(work / key), "--row-out", str(out)]
            proc = subprocess.run(cmd, check=False)
            if proc.returncode != 0:
                print(f"\nerror: row {key} failed (exit {proc.returncode})", file=sys.stderr)
                return proc.returncode or 1
            r = json.loads(out.read_text(encoding="utf-8"))
            r["loadavg_1m_before"] = load0
            r["loadavg_1m_after"] = os.getloadavg()[0]
            rows.append(r)
            print(
                f": indexed in {r['index_s']:.1f}s ({r['docs_per_s']:.0f} docs/s), p50 {r['p50_ms']:.2f} ms, "
                f"load {load0:.1f}→{r['loadavg_1m_after']:.1f} [{time.perf_counter() - t:.0f}s]",
                file=sys.stderr,
                flush=True,
            )
    finally:
        if args.keep:
            print(f"indexes kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    base = rows[0]
    for r in rows:
        r["speedup_vs_whoosh"] = r["docs_per_s"] / base["docs_per_s"]
    print()
    print(table(rows))
    tantivy_notes = tantivy_targets(rows)
    if tantivy_notes:
        print()
        print(tantivy_notes)
    print()
    print(
        "docs/s: wall time of the writer incl. commit (documents in memory); docs/CPU-s: the same per CPU second "
        "of all processes.\narsearch latency = ix.search(q, limit=10), which includes a snippet per hit; Whoosh "
        "latency = parse + search + stored fields of the hits, no highlighting.\np50/p95/mean: the timed passes "
        "(queries repeated, so per-searcher caches are warm); 1st pass: the warm-up pass (wall).\nsnippet ms/hit: arsearch "
        "highlight_matches on the stored body; Whoosh hit.highlights('body'), for reference."
    )
    busy = max(max(r["loadavg_1m_before"], r["loadavg_1m_after"]) for r in rows)
    if busy > (info["usable_cores"] or 1) * 0.75:
        print(f"warning: the machine was busy (1-min load average up to {busy:.1f} on {info['usable_cores']} cores); "
              "wall times are inflated, compare docs/CPU-s and CPU latencies")
    result = {
        "benchmark": "bench_search",
        "command": "python benchmarks/bench_search.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": info,
        "docs": n_docs,
        "chars": chars,
        "queries": len(queries),
        "phrases": sum(q.startswith('"') for q in queries),
        "passes": args.passes,
        "targets": {
            "speedup_single": TARGET_SPEEDUP_1,
            "speedup_multiprocess": TARGET_SPEEDUP_MP,
            "p50_ms": TARGET_P50_MS,
            "p95_ms": TARGET_P95_MS,
            "snippet_ms_per_hit": TARGET_SNIPPET_MS,
        },
        "rows": rows,
    }
    write_json(args.json, result)
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
