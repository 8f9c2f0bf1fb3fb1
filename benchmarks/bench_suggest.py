"""Spelling suggestions ("did you mean"): fix rate, false alarms and speed.

One command builds (or reuses, ``--index``) an arsearch index of the first
``--limit`` news articles (default 20,000) and measures
:meth:`arsearch.Index.suggest`:

* **Typo sets** (seeded, deterministic). Real words of the indexed articles,
  in at least 5 of them (``MIN_DF``), of at least 4 letters, not stop words,
  each given one error of one type: a confusable letter, a neighbouring key
  on the Arabic (101) keyboard, a dropped, doubled or swapped letter, a stray
  space (``split``: the fix is a join) or, for two adjacent title words, a
  missing space (``join``: the fix is a split); ``--per-type`` of each. A typo
  is kept only if its normalized form is a word of no article of the whole
  corpus (all 40,008; for a split typo, not both parts are) and if it
  changes the index term (a typo with the original's term changes no
  search). The typo's *term* may still be in the index (another word's
  stem): those typos are counted too. Fixed = the suggestion equals the
  original, normalized, or has the same terms. The originals come from
  ``titles`` (word occurrences in the indexed titles: frequent topics often,
  as in queries; the set the speller was tuned on, cut by a seeded shuffle
  into a ``tune`` half, used to choose the costs and thresholds, and a
  ``test`` half) and from ``vocabulary`` (each distinct word equally often:
  rare words as often as common ones; a harder set, not used for tuning).
  Multi-word rows: 2-3 consecutive words of an indexed title, one of them
  given a single-word error; fixed = the whole query comes back right.
* **Well-spelled queries**: the speed benchmark's 200 queries
  (``benchmarks/queries_news.txt``, from the titles of all 40,008 articles)
  and ``--heldout`` chunks of 1-3 consecutive words from titles of articles
  *not* in the index (after the first ``--limit``). Unseen text, with its new
  names and inflections, is where a speller that only knows the index raises
  false alarms. False-alarm rate = share of these queries rewritten (a few
  titles hold real typos; the rewrites are listed in the JSON).
* **Time per suggestion**: ``Index.suggest`` on a freshly opened index, one
  pass over the typo queries and one over the well-spelled ones (each query
  once; the speller's df cache is kept across queries, as in a long-lived
  process), after a warm-up pass over the ``vocabulary`` typos on another
  index object (index files in the page cache, the timed speller's caches
  empty), on the ``--limit`` index and on all 40,008 articles; with
  ``--optimized``, also on a copy of the 40,008-article index merged into one
  segment (a df lookup costs one hash lookup per segment and field).

* **Over written words** (not ``Index.suggest``): the same rates and false
  alarms for :meth:`arsearch.suggest.Speller.over_surface_forms` over the
  document frequencies of the indexed articles' normalized words, i.e.
  what the speller would do if the index kept its surface forms next to
  the light stems (a typo's stem is often another word's; its written form
  is in no document).

Targets: fix >= 85% of typos, rewrite <= 5% of well-spelled queries,
<= 5 ms per suggestion at 40,008 articles (median and mean).

Usage:
    python benchmarks/bench_suggest.py [--data DIR] [--limit 20000] [--index DIR] [--full-index DIR]
                                       [--no-full] [--optimized] [--per-type 300] [--heldout 500]
                                       [--seed 7] [--json OUT]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, RESULTS, add_data_arg, cpu_model, format_table, iter_news, pct, require, write_json  # noqa: E402

from arsearch import Index  # noqa: E402
from arsearch.analysis import Analyzer  # noqa: E402
from arsearch.chars import DELETED_MARKS  # noqa: E402
from arsearch.index import _clean_query, truncate_query  # noqa: E402
from arsearch.suggest import CONFUSABLE_GROUPS, KEYBOARD_NEIGHBOURS, WORD_LETTERS, Speller  # noqa: E402
from arsearch.tokenize import WORD_PATTERN  # noqa: E402

QUERIES_FILE = REPO / "benchmarks" / "queries_news.txt"
FULL_CORPUS = 40_008
MIN_DF = 5  # typo source words: in at least this many indexed articles
MIN_LEN = 4  # ... and at least this many letters
SINGLE_KINDS = ("confusable", "keyboard", "drop", "double", "swap")
KINDS = (*SINGLE_KINDS, "split", "join")
TARGET_FIX = 0.85
TARGET_FALSE_ALARM = 0.05
TARGET_MS = 5.0

#: Each letter's confusable letters (arsearch.suggest.CONFUSABLE_GROUPS).
CONFUSABLE_WITH: dict[str, str] = {
    a: "".join(sorted({b for g in CONFUSABLE_GROUPS if a in g for b in g if b != a})) for g in CONFUSABLE_GROUPS for a in g
}
_MARKS = str.maketrans({c: None for c in DELETED_MARKS})
_ARABIC = re.compile(f"[{re.escape(WORD_LETTERS)}]+")


# -- corpus statistics ----------------------------------------------------------------------
class Corpus:
    """What the typo set needs from the news corpus: normalized-word document
    frequencies in the indexed articles, every normalized word of the whole
    corpus, each word's most common spelling, and the titles."""

    def __init__(self, data: Path, limit: int, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.limit = limit
        self.df: Counter[str] = Counter()  # normalized word -> articles among the first `limit`
        self.spellings: Counter[str] = Counter()  # bare word (no diacritics) -> articles, first `limit`
        self.everywhere: set[str] = set()  # normalized words of all articles
        self.titles: list[str] = []
        norm: dict[str, str] = {}
        for i, art in enumerate(iter_news(data)):
            title = art.get("title") or ""
            self.titles.append(title)
            bares = set(WORD_PATTERN.findall(f"{title}\n{art.get('text') or ''}".translate(_MARKS)))
            norms = set()
            for b in bares:
                n = norm.get(b)
                if n is None:
                    n = norm[b] = analyzer.normalize(b)
                norms.add(n)
            self.everywhere |= norms
            if i < limit:
                self.df.update(norms)
                self.spellings.update(bares)
        best: dict[str, tuple[int, str]] = {}
        for bare, count in self.spellings.items():
            n = norm[bare]
            if (count, bare) > best.get(n, (0, "")):
                best[n] = (count, bare)
        self.spelling = {n: b for n, (_, b) in best.items()}  # normalized -> most common bare spelling

    def is_source(self, norm: str) -> bool:
        """A word typos are made from: frequent, long enough, Arabic letters only, not a stop word."""
        e = self.analyzer.entry(norm)
        return (
            self.df[norm] >= MIN_DF
            and len(norm) >= MIN_LEN
            and _ARABIC.fullmatch(norm) is not None
            and e is not None
            and not e[1]
        )

    def seen(self, word: str) -> bool:
        return self.analyzer.normalize(word) in self.everywhere


# -- typos ----------------------------------------------------------------------------------------
def make_typo(rng: random.Random, word: str, kind: str) -> str | None:
    """``word`` with one error of ``kind`` (None if the word has no place for it)."""
    n = len(word)
    if kind == "confusable":
        spots = [i for i, c in enumerate(word) if c in CONFUSABLE_WITH]
        if not spots:
            return None
        i = rng.choice(spots)
        return word[:i] + rng.choice(CONFUSABLE_WITH[word[i]]) + word[i + 1 :]
    if kind == "keyboard":
        spots = [i for i, c in enumerate(word) if KEYBOARD_NEIGHBOURS.get(c)]
        if not spots:
            return None
        i = rng.choice(spots)
        return word[:i] + rng.choice(KEYBOARD_NEIGHBOURS[word[i]]) + word[i + 1 :]
    if kind == "drop":
        i = rng.randrange(n)
        return word[:i] + word[i + 1 :]
    if kind == "double":
        i = rng.randrange(n)
        return word[: i + 1] + word[i:]
    if kind == "swap":
        spots = [i for i in range(n - 1) if word[i] != word[i + 1]]
        if not spots:
            return None
        i = rng.choice(spots)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "split":
        if n < 4:
            return None
        i = rng.randrange(2, n - 1)
        return f"{word[:i]} {word[i:]}"
    raise ValueError(kind)


def is_new_typo(corpus: Corpus, original: str, typo: str) -> bool:
    """The typo is in no article and changes the search (another term)."""
    a = corpus.analyzer
    if " " in typo:
        parts = typo.split()
        return not all(corpus.seen(p) for p in parts) and a.normalize(typo) != a.normalize(original)
    if corpus.seen(typo):
        return False
    e_typo, e_orig = a.entry(typo), a.entry(original)
    return e_typo is not None and e_orig is not None and e_typo[0] != e_orig[0]


def title_words(title: str) -> list[str]:
    return title.translate(_MARKS).split()


def source_words(corpus: Corpus, source: str) -> list[str]:
    """The words typos are made from, each as often as it should be drawn.

    ``titles``: every word occurrence in the titles of the indexed articles
    (titles read like queries, so frequent topics come up often);
    ``vocabulary``: each distinct word once (rare words as often as common
    ones: a harder set).
    """
    if source == "vocabulary":
        return [corpus.spelling[n] for n in sorted(corpus.df) if corpus.is_source(n)]
    out = []
    ok: dict[str, bool] = {}
    for title in corpus.titles[: corpus.limit]:
        for w in title_words(title):
            good = ok.get(w)
            if good is None:
                good = ok[w] = _ARABIC.fullmatch(w) is not None and corpus.is_source(corpus.analyzer.normalize(w))
            if good:
                out.append(w)
    return out


def build_typos(corpus: Corpus, per_type: int, seed: int, source: str = "titles") -> list[dict[str, str]]:
    """``per_type`` typos of each kind: ``{kind, original, typo}``; originals
    drawn from :func:`source_words` (each used once per kind)."""
    rng = random.Random(seed)
    words = source_words(corpus, source)
    out: list[dict[str, str]] = []
    for kind in KINDS:
        if kind == "join":
            out += _join_typos(corpus, rng, per_type)
            continue
        made: set[str] = set()
        tries = 0
        while len(made) < per_type and tries < per_type * 50:
            tries += 1
            original = rng.choice(words)
            typo = make_typo(rng, original, kind)
            if typo is None or original in made or not is_new_typo(corpus, original, typo):
                continue
            made.add(original)
            out.append({"kind": kind, "original": original, "typo": typo})
    return out


def _join_typos(corpus: Corpus, rng: random.Random, per_type: int) -> list[dict[str, str]]:
    """Two adjacent title words (each in >= MIN_DF articles, >= 2 letters),
    written without the space."""
    a = corpus.analyzer
    pairs: set[tuple[str, str]] = set()
    for title in corpus.titles[: corpus.limit]:
        words = title_words(title)
        for x, y in zip(words, words[1:]):
            if (
                _ARABIC.fullmatch(x)
                and _ARABIC.fullmatch(y)
                and len(x) >= 2
                and len(y) >= 2
                and corpus.df[a.normalize(x)] >= MIN_DF
                and corpus.df[a.normalize(y)] >= MIN_DF
            ):
                pairs.add((x, y))
    ordered = sorted(pairs)
    rng.shuffle(ordered)
    out = []
    for x, y in ordered:
        if len(out) >= per_type:
            break
        if not corpus.seen(x + y):
            out.append({"kind": "join", "original": f"{x} {y}", "typo": x + y})
    return out


def build_phrase_typos(corpus: Corpus, per_type: int, seed: int) -> list[dict[str, str]]:
    """2-3 consecutive Arabic words of an indexed title, one made a typo (single-word kinds)."""
    rng = random.Random(seed + 1)
    titles = corpus.titles[: corpus.limit]
    out: list[dict[str, str]] = []
    for kind in SINGLE_KINDS:
        made = 0
        tries = 0
        while made < per_type and tries < per_type * 50:
            tries += 1
            words = title_words(rng.choice(titles))
            size = rng.choice((2, 3))
            if len(words) < size:
                continue
            start = rng.randrange(len(words) - size + 1)
            chunk = words[start : start + size]
            if not all(_ARABIC.fullmatch(w) for w in chunk):
                continue
            spots = [i for i, w in enumerate(chunk) if corpus.is_source(corpus.analyzer.normalize(w))]
            if not spots:
                continue
            i = rng.choice(spots)
            typo = make_typo(rng, chunk[i], kind)
            if typo is None or not is_new_typo(corpus, chunk[i], typo):
                continue
            out.append({"kind": kind, "original": " ".join(chunk), "typo": " ".join(chunk[:i] + [typo] + chunk[i + 1 :])})
            made += 1
    return out


def heldout_queries(corpus: Corpus, n: int, seed: int) -> list[str]:
    """1-3 consecutive words from titles of articles not in the index."""
    rng = random.Random(seed + 2)
    titles = [t for t in corpus.titles[corpus.limit :] if title_words(t)]
    if not titles:
        return []
    out: list[str] = []
    seen: set[str] = set()
    tries = 0
    while len(out) < n and tries < n * 20:
        tries += 1
        words = [w for w in re.split(r"[\s،؛؟?!:.,\"'«»()\-]+", rng.choice(titles)) if w]
        if not words:
            continue
        size = min(rng.choice((1, 2, 3)), len(words))
        start = rng.randrange(len(words) - size + 1)
        q = " ".join(words[start : start + size])
        if q not in seen and any(_ARABIC.search(w) for w in words[start : start + size]):
            seen.add(q)
            out.append(q)
    return out


def load_queries() -> list[str]:
    lines = QUERIES_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


# -- measuring ---------------------------------------------------------------------------------------
Suggest = Callable[[str], str | None]  # a query -> its suggestion


def surface_suggest(ix: Index, corpus: Corpus) -> Suggest:
    """Suggestions of :meth:`Speller.over_surface_forms` over the written words
    of the indexed articles (``corpus.df``): what ``Index.suggest`` would give
    if the index kept its surface forms (it keeps light stems only)."""
    speller = Speller.over_surface_forms(ix.analyzer, lambda w: corpus.df.get(w, 0), documents=len(ix))
    return lambda q: speller.suggest(truncate_query(_clean_query(q)))


def same(analyzer: Analyzer, got: str | None, expected: str) -> bool:
    """The suggestion says the same as ``expected``: equal normalized words, or the same terms."""
    if got is None:
        return False
    if analyzer.normalize(got).split() == analyzer.normalize(expected).split():
        return True
    return analyzer.terms(got, keep_stopwords=True) == analyzer.terms(expected, keep_stopwords=True)


def fix_rates(
    ix: Index, typos: Sequence[dict[str, str]], suggest: Suggest | None = None
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Per error kind and ``all``: typos, fixed, rate; plus each typo's outcome
    (suggestions from ``suggest``, by default ``ix.suggest``)."""
    suggest = suggest or ix.suggest
    per: dict[str, list[bool]] = {}
    outcomes = []
    for t in typos:
        got = suggest(t["typo"])
        ok = same(ix.analyzer, got, t["original"])
        per.setdefault(t["kind"], []).append(ok)
        outcomes.append({**t, "suggestion": got, "fixed": ok})
    per["all"] = [o["fixed"] for o in outcomes]
    return {k: {"typos": len(v), "fixed": sum(v), "rate": sum(v) / len(v) if v else float("nan")} for k, v in per.items()}, outcomes


def false_alarms(ix: Index, queries: Sequence[str], suggest: Suggest | None = None) -> dict[str, Any]:
    suggest = suggest or ix.suggest
    rewritten = [(q, s) for q in queries for s in [suggest(q)] if s is not None]
    return {
        "queries": len(queries),
        "rewritten": len(rewritten),
        "rate": len(rewritten) / len(queries) if queries else float("nan"),
        "examples": [{"query": q, "suggestion": s} for q, s in rewritten],
    }


def time_suggest(path: Path, queries: Sequence[str], warmup: Sequence[str]) -> dict[str, Any]:
    """One pass of ``Index.suggest`` over ``queries`` on a freshly opened index,
    after a pass over ``warmup`` on another index object (the index files are
    then in the page cache, but the timed speller's caches are empty)."""
    ix = Index.open(path)
    for q in warmup:
        ix.suggest(q)
    ix.close()
    ix = Index.open(path)
    try:
        ix.suggest("تمهيد")  # opens the searcher and builds the speller: not a suggestion's cost
        speller = ix._speller[1]
        lookups = speller.lookups
        times = []
        for q in queries:
            t0 = time.perf_counter()
            ix.suggest(q)
            times.append((time.perf_counter() - t0) * 1000)
        return {
            "documents": len(ix),
            "segments": ix.stats()["segments"],
            "n": len(times),
            "p50_ms": pct(times, 50),
            "p95_ms": pct(times, 95),
            "mean_ms": statistics.fmean(times),
            "max_ms": max(times),
            "df_lookups_per_query": (speller.lookups - lookups) / len(times),
        }
    finally:
        ix.close()


def build_index(data: Path, limit: int, path: Path, procs: int) -> float:
    docs = [{"id": str(a["id"]), "title": a.get("title") or "", "body": a.get("text") or ""} for a in iter_news(data, limit)]
    t0 = time.perf_counter()
    ix = Index.create(path, overwrite=True)
    ix.add_many(docs, procs=procs)
    ix.close()
    return time.perf_counter() - t0


def open_or_build(data: Path, limit: int, given: Path | None, workdir: Path, procs: int, name: str) -> Path:
    """``given`` (checked), or a new index of the first ``limit`` articles in ``workdir``."""
    if given is not None:
        ix = Index.open(given)
        n = len(ix)
        ix.close()
        if n != limit:
            sys.stderr.write(f"warning: {given} holds {n:,} documents, not {limit:,}\n")
        return given
    path = workdir / name
    print(f"building an index of {limit:,} articles in {path} (add_many, procs={procs}) ...", flush=True)
    print(f"  built in {build_index(data, limit, path, procs):.1f} s", flush=True)
    return path


def optimized_copy(path: Path, workdir: Path) -> Path:
    """A copy of the index at ``path`` merged into one segment."""
    copy = workdir / (path.name + "-optimized")
    print(f"copying {path} to {copy} and merging it into one segment ...", flush=True)
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns("*WRITELOCK"))
    ix = Index.open(copy)
    t0 = time.perf_counter()
    ix.commit(optimize=True)
    ix.close()
    print(f"  merged in {time.perf_counter() - t0:.1f} s", flush=True)
    return copy


# -- report --------------------------------------------------------------------------------------------
def _cell(r: dict[str, Any] | None) -> str:
    return f"{r['rate']:.1%} ({r['fixed']}/{r['typos']})" if r else "-"


def rate_table(rates: dict[str, dict[str, dict[str, Any]]]) -> str:
    columns = list(rates)
    rows = [[kind] + [_cell(rates[c].get(kind)) for c in columns] for kind in (*KINDS, "all")]
    return format_table(["error type", *columns], rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arg(parser)
    parser.add_argument("--limit", type=int, default=20_000, help="articles indexed for the rates (default %(default)s)")
    parser.add_argument("--index", type=Path, help="reuse this index of the first --limit articles")
    parser.add_argument("--full-index", type=Path, help=f"reuse this index of all {FULL_CORPUS:,} articles (timing rows)")
    parser.add_argument("--no-full", action="store_true", help=f"skip the {FULL_CORPUS:,}-article timing rows")
    parser.add_argument("--optimized", action="store_true", help="also time a one-segment copy of the full index")
    parser.add_argument("--per-type", type=int, default=300, help="typos per error type and source (default %(default)s)")
    parser.add_argument("--heldout", type=int, default=500, help="held-out title queries (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--procs", type=int, default=2, help="writer processes when building (default %(default)s)")
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_suggest.json")
    args = parser.parse_args(argv)
    require(args.data / "news" / "ant-news.jsonl.gz", "the news corpus (news/ant-news.jsonl.gz)")

    workdir = Path(tempfile.mkdtemp(prefix="arsearch-suggest-"))
    try:
        path = open_or_build(args.data, args.limit, args.index, workdir, args.procs, f"ix{args.limit}")
        ix = Index.open(path)
        print("reading the corpus ...", flush=True)
        corpus = Corpus(args.data, args.limit, ix.analyzer)
        typos = build_typos(corpus, args.per_type, args.seed, "titles")
        random.Random(args.seed + 3).shuffle(typos)
        vocab_typos = build_typos(corpus, args.per_type, args.seed + 10, "vocabulary")
        phrase_typos = build_phrase_typos(corpus, args.per_type // 3, args.seed)
        well = {"queries_news.txt": load_queries(), "held-out titles": heldout_queries(corpus, args.heldout, args.seed)}

        print("measuring ...", flush=True)
        sets = (
            ("titles, tune half", typos[0::2]),
            ("titles, test half", typos[1::2]),
            ("vocabulary", vocab_typos),
            ("in 2-3 word queries", phrase_typos),
        )
        rates: dict[str, dict[str, dict[str, Any]]] = {}
        outcomes: dict[str, list[dict[str, Any]]] = {}
        for name, items in sets:
            rates[name], outcomes[name] = fix_rates(ix, items)
        alarms = {name: false_alarms(ix, qs) for name, qs in well.items()}
        # the same over the indexed articles' written words (a hook the index lacks)
        surface = surface_suggest(ix, corpus)
        s_rates: dict[str, dict[str, dict[str, Any]]] = {}
        s_outcomes: dict[str, list[dict[str, Any]]] = {}
        for name, items in sets:
            s_rates[name], s_outcomes[name] = fix_rates(ix, items, surface)
        s_alarms = {name: false_alarms(ix, qs, surface) for name, qs in well.items()}
        ix.close()
        del corpus, ix, surface  # the corpus statistics are a large heap the garbage collector would walk while timing
        gc.collect()

        typo_queries = [t["typo"] for t in typos]
        warmup = [t["typo"] for t in vocab_typos]
        well_queries = [q for qs in well.values() for q in qs]
        indexes = [(args.limit, path)]
        if not args.no_full:
            full = open_or_build(args.data, FULL_CORPUS, args.full_index, workdir, args.procs, "ixfull")
            indexes.append((FULL_CORPUS, full))
            if args.optimized:
                indexes.append((FULL_CORPUS, optimized_copy(full, workdir)))
        timings = []
        for n, p in indexes:
            for what, qs in (("typos", typo_queries), ("well-spelled", well_queries)):
                timings.append({"articles": n, "queries": what, **time_suggest(p, qs, warmup)})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"python {platform.python_version()} on {platform.platform()}; {cpu_model('unknown CPU')}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"index of the first {args.limit:,} articles; seed {args.seed}; {args.per_type} typos per error type and source")
    print()
    print(rate_table(rates))
    print()
    rows_a = [[name, r["queries"], r["rewritten"], f"{r['rate']:.1%}"] for name, r in alarms.items()]
    print(format_table(["well-spelled queries", "queries", "rewritten", "false alarms"], rows_a))
    print()
    print("Speller.over_surface_forms alone, over the articles' written words counted by the benchmark (no")
    print("fallback to stems; Index.suggest reads the same words from the index's vocabulary field, all__words)")
    print()
    print(rate_table(s_rates))
    print()
    rows_s = [[name, r["queries"], r["rewritten"], f"{r['rate']:.1%}"] for name, r in s_alarms.items()]
    print(format_table(["well-spelled queries", "queries", "rewritten", "false alarms"], rows_s))
    print()
    rows_t = [[t["articles"], t["segments"], t["queries"], t["n"], t["p50_ms"], t["p95_ms"], t["mean_ms"], t["max_ms"], round(t["df_lookups_per_query"], 1)] for t in timings]
    print(format_table(["articles", "segments", "queries", "n", "p50 ms", "p95 ms", "mean ms", "max ms", "df lookups/query"], rows_t))
    fix_test = rates["titles, test half"]["all"]["rate"]
    worst_alarm = max(r["rate"] for r in alarms.values())
    full_rows = [t for t in timings if t["articles"] == FULL_CORPUS and t["queries"] == "typos"]
    print()
    print(
        f"targets: fixed {fix_test:.1%} of the test half (>= {TARGET_FIX:.0%}) {'✓' if fix_test >= TARGET_FIX else '✗'}; "
        f"false alarms at most {worst_alarm:.1%} (<= {TARGET_FALSE_ALARM:.0%}) {'✓' if worst_alarm <= TARGET_FALSE_ALARM else '✗'}"
        + "".join(
            f"; {t['segments']}-segment index of {FULL_CORPUS:,}: typo p50 {t['p50_ms']:.2f} / p95 {t['p95_ms']:.2f} / "
            f"mean {t['mean_ms']:.2f} ms (p50 and mean <= {TARGET_MS:g}) "
            f"{'✓' if max(t['p50_ms'], t['mean_ms']) <= TARGET_MS else '✗'}"
            for t in full_rows
        )
    )
    write_json(args.json, {
        "settings": {"limit": args.limit, "per_type": args.per_type, "seed": args.seed, "heldout": args.heldout},
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpu": cpu_model("unknown"),
                    "cpus": os.cpu_count(), "load_average": os.getloadavg()[0]},
        "fix_rates": rates,
        "false_alarms": alarms,
        "timing": timings,
        "misses": {name: [o for o in outs if not o["fixed"]] for name, outs in outcomes.items()},
        "surface_forms": {
            "fix_rates": s_rates,
            "false_alarms": s_alarms,
            "misses": {name: [o for o in outs if not o["fixed"]] for name, outs in s_outcomes.items()},
        },
    })
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
