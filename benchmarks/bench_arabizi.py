"""Arabizi benchmark: Latin-script Arabic queries on the news corpus (issue #15, part 2).

Three measurements on an index of the news articles (40,008 by default):

1. **Found.** For each query of ``benchmarks/data/arabizi_queries.tsv``
   (written the ways people write Arabizi: digits, French spellings, plain
   vowels; several spellings per word), whether one of the top 10 hits holds
   the intended Arabic word (its light stem, in the stored title or body),
   and whether the word's reading ("searched as") is the intended word.
2. **Wrongly read.** For each English or French word of
   ``benchmarks/data/arabizi_foreign.txt``, whether it was read as Arabic at
   all (``Results.read_as`` not empty); and for seeded random Latin strings
   (5-8 letters, no digits; 3-6 letters with an Arabizi digit), how many
   found any hit.
3. **Added latency** per Arabizi word: the time of planning the query with
   Arabizi on minus off (``build_plan`` on the index's reader, measured
   first, so each word's lookups are the engine's first; the reader's memo of
   readings is cleared before each), p50/p95; and the whole search (10 hits,
   snippets) with Arabizi on and off. The English and French word list is
   loaded once per process, before (its time is printed apart).

Usage:
    python benchmarks/bench_arabizi.py --data DIR [--index DIR | --limit N] [--json OUT] [--no-save]

``--index DIR`` opens an existing index of the news corpus read-only (it is
never written); without it the first ``--limit`` articles are indexed in a
temporary directory. The machine's 1-minute load average is printed with
every timing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from common import RESULTS, add_data_arg, format_table, git, iter_news, pct, write_json

from arsearch import Index
from arsearch.arabizi import ARABIZI_DIGITS, foreign_words
from arsearch.query import build_plan

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "data" / "arabizi_queries.tsv"
FOREIGN = HERE / "data" / "arabizi_foreign.txt"


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def random_strings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        if len(out) % 2:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 8)))
        else:
            chars = [rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 5))]
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(ARABIZI_DIGITS))
            word = "".join(chars)
        if word not in out:
            out.append(word)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(parser)
    parser.add_argument("--index", type=Path, help="an existing index of the news corpus (opened read-only)")
    parser.add_argument("--limit", type=int, default=None, help="articles to index without --index (default all)")
    parser.add_argument("--random", type=int, default=200, help="random Latin strings (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="OUT")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/bench_arabizi.json")
    args = parser.parse_args()

    tmp = None
    if args.index:
        ix = Index.open(args.index)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="arabizi-")
        ix = Index.create(Path(tmp.name) / "ix")
        t0 = time.perf_counter()
        ix.add_many(({"id": d["id"], "title": d["title"], "body": d["text"]} for d in iter_news(args.data, args.limit)), procs=2)
        print(f"indexed {len(ix):,} articles in {time.perf_counter() - t0:.0f} s (load {load()})")
    analyzer = ix.analyzer
    reader = ix._reader()  # the index's committed state: the planner's lexicon

    def stems(text: str) -> set[str]:
        return set(analyzer.terms(text))

    queries = [line.split("\t")[0] for line in read_lines(QUERIES)]
    t0 = time.perf_counter()
    foreign_words()
    foreign_load = (time.perf_counter() - t0) * 1000
    # 3. latency, first (the engine remembers the document frequencies it was asked) ------
    fields = ix.fields
    search_fields = list(ix.text_fields)
    added: list[float] = []
    lookups: list[float] = []
    loads = [load()]
    has_term = reader.has_term
    asked = [0]

    def counting_has_term(term: str, names: object) -> bool:  # term-dictionary lookups, whatever the load
        asked[0] += 1
        return has_term(term, names)

    reader.has_term = counting_has_term  # type: ignore[method-assign]
    # the words readings are checked against, as Index.search gives them: the completion
    # table when it is current (loaded once per commit, timed apart), else the engine's
    t0 = time.perf_counter()
    table = ix._word_counts(reader)
    table_load = (time.perf_counter() - t0) * 1000
    source = "the completion table" if table is not None else "the engine's vocabulary field"

    def vocabulary() -> object:
        if table is None:
            return None
        counts, documents = table

        def count(word: str) -> int:
            asked[0] += 1
            return counts(word)

        return count, documents

    for query in queries:
        arabizi_words = max(1, len([w for w in query.split() if w not in ("el", "al", "l")]))
        for key in [k for k in reader.memo if isinstance(k, tuple) and k and k[0] == "arabizi"]:
            del reader.memo[key]
        asked[0] = 0
        t0 = time.perf_counter()
        build_plan(query, fields, analyzer, ix.ranking, search_fields, lexicon=reader, arabizi=True,
                   vocabulary=vocabulary)  # type: ignore[arg-type]
        on = time.perf_counter() - t0
        lookups.append(asked[0] / arabizi_words)
        t0 = time.perf_counter()
        build_plan(query, fields, analyzer, ix.ranking, search_fields, lexicon=reader, arabizi=False)
        off = time.perf_counter() - t0
        added.append(max(0.0, on - off) * 1000 / arabizi_words)
    loads.append(load())
    reader.has_term = has_term  # type: ignore[method-assign]

    # 1. found -----------------------------------------------------------------------------
    rows = []
    per_query = []
    for line in read_lines(QUERIES):
        query, intended, convention = line.split("\t")
        target = analyzer.terms(intended)[0]
        results = ix.search(query, limit=10)
        found = any(target in stems(f"{h.fields.get('title', '')} {h.fields.get('body', '')}") for h in results)
        read = results.searched_as or ""
        read_ok = target in stems(read)
        per_query.append({"query": query, "intended": intended, "convention": convention, "found": found,
                          "read_ok": read_ok, "searched_as": results.searched_as, "total": results.total})
    n = len(per_query)
    found_rate = sum(q["found"] for q in per_query) / n
    read_rate = sum(q["read_ok"] for q in per_query) / n
    by_conv = {}
    for q in per_query:
        by_conv.setdefault(q["convention"], []).append(q)
    for conv, qs in sorted(by_conv.items()):
        rows.append([conv, len(qs), f"{100 * sum(q['found'] for q in qs) / len(qs):.1f}%",
                     f"{100 * sum(q['read_ok'] for q in qs) / len(qs):.1f}%"])
    rows.append(["all", n, f"{100 * found_rate:.1f}%", f"{100 * read_rate:.1f}%"])
    words = len({q["intended"].removeprefix("ال") for q in per_query})

    # 2. wrongly read -------------------------------------------------------------------------
    foreign = []
    for word in read_lines(FOREIGN):
        results = ix.search(word, limit=10)
        foreign.append({"word": word, "read_as": {k: list(v) for k, v in results.read_as.items()}, "total": results.total})
    wrong = [f for f in foreign if f["read_as"]]
    randoms = []
    for word in random_strings(args.random, args.seed):
        results = ix.search(word, limit=1)
        randoms.append({"word": word, "total": results.total, "read_as": {k: list(v) for k, v in results.read_as.items()}})
    random_hits = [r for r in randoms if r["total"]]

    full_on, full_off = [], []
    for q in per_query:
        for flag, out in ((True, full_on), (False, full_off)):
            t0 = time.perf_counter()
            results = ix.search(q["query"], limit=10, arabizi=flag)
            _ = [h.snippet for h in results]
            out.append((time.perf_counter() - t0) * 1000)
    loads.append(load())

    print(f"\nArabizi benchmark: {len(ix):,} articles, commit {git('rev-parse', '--short', 'HEAD')}, engine {ix.engine}\n")
    print(f"Found: {n} queries for {words} words (benchmarks/data/arabizi_queries.tsv)\n")
    print(format_table(["convention", "queries", "top-10 holds the word", "read as the word"], rows))
    misses = [q for q in per_query if not q["found"]]
    print("\nmissed: " + ", ".join(f"{q['query']} ({q['intended']}; read as {q['searched_as']})" for q in misses))
    print(f"\nWrongly read: {len(wrong)}/{len(foreign)} English/French words ({100 * len(wrong) / len(foreign):.1f}%): "
          + ", ".join(f"{f['word']}→{'/'.join(v[0] for v in f['read_as'].values())}" for f in wrong))
    print(f"random Latin strings with hits: {len(random_hits)}/{len(randoms)}: "
          + ", ".join(f"{r['word']}→{'/'.join(v[0] for v in r['read_as'].values())}" for r in random_hits[:12]))
    lat_rows = [
        ["reading, per Arabizi word (plan on - off, cold)", f"{statistics.median(added):.2f}", f"{pct(added, 95):.2f}",
         f"{max(added):.2f}"],
        ["search, Arabizi on (10 hits, snippets)", f"{statistics.median(full_on):.1f}", f"{pct(full_on, 95):.1f}",
         f"{max(full_on):.1f}"],
        ["search, Arabizi off", f"{statistics.median(full_off):.1f}", f"{pct(full_off, 95):.1f}", f"{max(full_off):.1f}"],
    ]
    print(f"\nOnce per process: loading the English and French words, {foreign_load:.0f} ms (load {loads[0]}); "
          f"readings checked against {source} (loading it: {table_load:.0f} ms)")
    print(f"\nLatency (ms; 1-min load average {' / '.join(loads)} at start / after reading / after searches):\n")
    print(format_table(["what", "p50", "p95", "max"], lat_rows))
    print(f"\nword lookups per Arabizi word (with Arabizi on; any load): mean {statistics.mean(lookups):.1f}, "
          f"p95 {pct(lookups, 95):.0f}, max {max(lookups):.0f}")
    out = {
        "articles": len(ix), "engine": ix.engine, "commit": git("rev-parse", "--short", "HEAD"), "loadavg": loads,
        "found_rate": found_rate, "read_rate": read_rate, "queries": per_query,
        "foreign_wrong_rate": len(wrong) / len(foreign), "foreign": foreign,
        "random_with_hits": len(random_hits), "random": randoms,
        "foreign_words_load_ms": foreign_load,
        "vocabulary": source,
        "vocabulary_load_ms": table_load,
        "added_ms_per_word": {"p50": statistics.median(added), "p95": pct(added, 95), "max": max(added)},
        "lookups_per_word": {"mean": statistics.mean(lookups), "p95": pct(lookups, 95), "max": max(lookups)},
        "search_ms_on": {"p50": statistics.median(full_on), "p95": pct(full_on, 95)},
        "search_ms_off": {"p50": statistics.median(full_off), "p95": pct(full_off, 95)},
    }
    if not args.no_save:
        write_json(RESULTS / "bench_arabizi.json", out)
    if args.json:
        write_json(args.json, out)
    ix.close()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
