"""Relevance benchmark: arsearch configurations against reference analyzers on a TREC-style set.

Usage:
    python benchmarks/relevance.py [--data DIR | --dataset DIR] [--configs NAME,...]
        [--split all|tune|test] [--limit-queries N] [--jobs N] [--json OUT] [--per-query]

A dataset directory holds ``corpus.tsv`` (docid<TAB>title<TAB>text),
``queries.tsv`` (qid<TAB>text) and ``qrels.txt`` (``qid 0 docid rel``); the
default is ``<data>/qa-dev``.

Every row runs end to end through the public API: ``arsearch.Index.memory``
with a title and a body field, ``add_many`` of the corpus, then
``ix.search(query, limit=100)`` for each query, timed (snippets for all 100
hits are part of that time). Only ``whoosh-standard`` bypasses arsearch: it is
plain Whoosh (see :class:`reference_analyzers.WhooshStandardIndex`).

Rows (``--configs`` takes a comma-separated list of names, or the groups
``default`` = reference rows + the two library rows, ``experiments``, ``all``):

* reference rows (:data:`REFERENCE_ROWS` plus the two ``whoosh-standard``
  rows): other analyzers under identical ranking (BM25 k1=1.2 b=0.75, OR,
  title boost 1);
* ``arsearch-default``: ``Index.memory()`` with no analyzer/ranking, i.e.
  whatever the library's defaults are when the benchmark runs, and
  ``arsearch FAST_RANKING``, the light stem alone;
* experiments (:data:`EXPERIMENTS`): named variations of analyzer and
  ranking; add one by adding a line to the dict.

Queries are split into fixed "tune" and "test" halves by a stable hash of
the qid (:func:`split_of`): tune knobs on one half, check them on the other.
With several rows, rows run in ``--jobs`` worker processes (default 2).

Output: machine info, dataset stats, one Markdown table, notes; the full
results (per split, per source, settings, latency percentiles) go to
``benchmarks/results/relevance-<UTC date>.json`` and to ``--json OUT``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import whoosh  # noqa: E402
from common import RESULTS, add_data_arg, cpu_model, format_table, require, git  # noqa: E402
from metrics import METRIC_NAMES, evaluate  # noqa: E402
from reference_analyzers import LuceneArabicAnalyzer, SnowballArabicAnalyzer, WhooshStandardIndex  # noqa: E402

import arsearch  # noqa: E402
import arsearch.fields  # noqa: E402
from arsearch.engines import ENGINES  # noqa: E402
from arsearch import Analyzer, Field, Index, Ranking  # noqa: E402
from arsearch.tokenize import WORD_PATTERN  # noqa: E402

LIMIT = 100  # hits retrieved per query (Recall@100 needs 100)
SPLITS = ("all", "tune", "test")

# -- configurations ---------------------------------------------------------------------


class Setup(NamedTuple):
    """What a registered configuration builds: ``None`` means "the library default"."""

    analyzer: Analyzer | None
    ranking: Ranking | None
    title_boost: float | None


Factory = Callable[[Path], Setup]  # called with the data directory

#: Ranking shared by every reference row and the experiments' baseline, fixed
#: here so that the reference rows do not move when library defaults do. The
#: title boost is neutral (1.0, as in Lucene/Elasticsearch multi-field queries).
BASE_RANKING = {"k1": 1.2, "b": 0.75, "operator": "or", "near_weight": 0.0}
BASE_TITLE_BOOST = 1.0


def _ranking(**changes: Any) -> Ranking:
    return Ranking(**{**BASE_RANKING, **changes})


def _stemmer(name: str) -> Factory:
    return lambda data: Setup(Analyzer(stemmer=name), _ranking(), BASE_TITLE_BOOST)


WHOOSH_STANDARD = "whoosh-standard"
WHOOSH_STANDARD_TERMS = "whoosh-standard-terms"
WHOOSH_ROWS = (WHOOSH_STANDARD, WHOOSH_STANDARD_TERMS)
DEFAULT_ROW = "arsearch-default"
FAST_ROW = "arsearch FAST_RANKING"

#: Reference analyzers run through arsearch's Index, same ranking.
REFERENCE_ROWS: dict[str, Factory] = {
    "lucene": lambda data: Setup(LuceneArabicAnalyzer.from_data(data), _ranking(), BASE_TITLE_BOOST),
    "snowball": lambda data: Setup(SnowballArabicAnalyzer(), _ranking(), BASE_TITLE_BOOST),
    "isri": _stemmer("isri"),
    "tashaphyne": _stemmer("tashaphyne"),
    "light10": _stemmer("light10"),
}


def policy(**changes: Any) -> Factory:
    """An experiment: the library's default with some match-policy knobs changed."""
    ranking = dataclasses.replace(arsearch.DEFAULT_RANKING, **changes)
    return lambda data: Setup(Analyzer(), ranking, arsearch.fields.DEFAULT_FIELDS["title"].boost)


def light(
    *, analyzer: dict[str, Any] | None = None, title_boost: float = BASE_TITLE_BOOST, **ranking: Any
) -> Factory:
    """An experiment: arsearch's light stemmer with some analyzer/ranking options changed."""
    options = {"stemmer": "light", **(analyzer or {})}
    return lambda data: Setup(Analyzer(**options), _ranking(**ranking), title_boost)


#: Named experiments: name → factory. Add a line to add a row. The baseline
#: ("light") has the reference rows' ranking; each other row changes one knob.
EXPERIMENTS: dict[str, Factory] = {
    # The library's light-stem-only option, with the default fields.
    FAST_ROW: lambda data: Setup(Analyzer(), arsearch.FAST_RANKING, arsearch.fields.DEFAULT_FIELDS["title"].boost),
    "light": light(),
    "light title=0.5": light(title_boost=0.5),
    "light title=2": light(title_boost=2.0),
    "light+fold-hamza": light(analyzer={"fold_hamza_seats": True}),
    "light-no-stop": light(analyzer={"stopwords": None}),
    "light+surface0.3": light(representations=(("none", 0.3),)),
    "light+isri0.3": light(representations=(("isri", 0.3),)),
    "light+isri0.5": light(representations=(("isri", 0.5),)),
    "light+isri0.3+surface0.3": light(representations=(("isri", 0.3), ("none", 0.3))),
    "light+and": light(operator="and"),
    "light+coord0.5": light(coordination=0.5),
    "light+phrase1": light(phrase_boost=1.0),
    "light k1=1.5 b=0.6": light(k1=1.5, b=0.6),
    "light k1=0.9 b=0.4": light(k1=0.9, b=0.4),
    # Combinations: the one-knob winners together; the last was picked on the tune half only.
    "light+isri0.3+surface0.3 title=0.5": light(title_boost=0.5, representations=(("isri", 0.3), ("none", 0.3))),
    "light+isri0.3+surface0.3+coord0.5 title=0.5": light(
        title_boost=0.5, coordination=0.5, representations=(("isri", 0.3), ("none", 0.3))
    ),
    # The same without the ISRI representation, which needs nltk (an optional extra).
    "light+surface0.3+coord0.5 title=0.5": light(title_boost=0.5, coordination=0.5, representations=(("none", 0.3),)),
    # Character 4-grams of the normalized word; n-grams in more than ngram_max_df of the documents skipped.
    "light+ngram4 0.7+coord0.5 title=0.5 maxdf=1": light(
        title_boost=0.5, coordination=0.5, ngram_max_df=1.0, representations=(("ngram4", 0.7),)
    ),
    "light+ngram4 0.7+coord0.5 title=0.5": light(title_boost=0.5, coordination=0.5, representations=(("ngram4", 0.7),)),
    "light+isri0.3+ngram4 0.7+coord0.5 title=0.5": light(
        title_boost=0.5, coordination=0.5, representations=(("isri", 0.3), ("ngram4", 0.7))
    ),
    "light+isri0.3+ngram4 0.7+coord0.5 title=0.5 maxdf=0.05": light(
        title_boost=0.5, coordination=0.5, ngram_max_df=0.05, representations=(("isri", 0.3), ("ngram4", 0.7))
    ),
    "light+isri0.3+ngram4 0.7+coord0.5 title=0.5 maxdf=0.2": light(
        title_boost=0.5, coordination=0.5, ngram_max_df=0.2, representations=(("isri", 0.3), ("ngram4", 0.7))
    ),
    "light+isri0.3+ngram3 0.7+coord0.5 title=0.5": light(
        title_boost=0.5, coordination=0.5, representations=(("isri", 0.3), ("ngram3", 0.7))
    ),
    "light+isri0.3+ngram5 0.7+coord0.5 title=0.5": light(
        title_boost=0.5, coordination=0.5, representations=(("isri", 0.3), ("ngram5", 0.7))
    ),
    # The match policy (a hit holds a query word's stem, root or close spelling; n-grams only score):
    # the default with one of its knobs changed.
    "default near=0": policy(near_weight=0.0),
    "default near=0.3": policy(near_weight=0.3),
    "default near=0.8": policy(near_weight=0.8),
    "default roots score only": policy(root_match=False),
    "default roots score only near=0": policy(root_match=False, near_weight=0.0),
    "default rootdf=0.2": policy(root_max_df=0.2),
    "default rootdf=0.1": policy(root_max_df=0.1),
    "default rootdf=0.05": policy(root_max_df=0.05),
    "default rootdf=0.02": policy(root_max_df=0.02),
}

DEFAULT_SET: tuple[str, ...] = (*WHOOSH_ROWS, *REFERENCE_ROWS, FAST_ROW, DEFAULT_ROW)
ALL_NAMES: tuple[str, ...] = tuple(dict.fromkeys((*DEFAULT_SET, *EXPERIMENTS)))
GROUPS: dict[str, tuple[str, ...]] = {
    "default": DEFAULT_SET,
    "experiments": tuple(EXPERIMENTS),
    "all": ALL_NAMES,
}


def resolve_configs(spec: str | None) -> list[str]:
    """``"lucene,light+and"`` or a group name → row names in table order (unknown names raise)."""
    if not spec:
        return list(DEFAULT_SET)
    wanted: list[str] = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        item, _, engine = item.partition("@")
        if engine and engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r} in {item}@{engine}; choose from: {', '.join(ENGINES)}")
        names = GROUPS.get(item, (item,))
        for name in names:
            if name not in ALL_NAMES:
                raise ValueError(f"unknown config {name!r}; choose from: {', '.join(ALL_NAMES)} or {', '.join(GROUPS)}")
            if engine and name in WHOOSH_ROWS:
                raise ValueError(f"{name} is plain Whoosh: it has no arsearch engine to choose")
            full = f"{name}@{engine}" if engine and engine != "whoosh" else name
            if full not in wanted:
                wanted.append(full)
    order = {name: i for i, name in enumerate(ALL_NAMES)}
    return sorted(wanted, key=lambda n: (order[n.partition("@")[0]], n))


def kind_of(name: str) -> str:
    name = name.partition("@")[0]
    if name == DEFAULT_ROW:
        return "default"
    if name in WHOOSH_ROWS:
        return "reference"
    return "experiment" if name in EXPERIMENTS else "reference"


# -- the dataset -------------------------------------------------------------------------


@dataclass
class Dataset:
    path: Path
    docs: list[dict[str, str]]  # {"id", "title", "body"}
    queries: list[tuple[str, str]]  # (qid, text), file order
    qrels: dict[str, dict[str, int]]  # qid → {docid: grade}

    def qids(self, split: str) -> list[str]:
        return [qid for qid, _ in self.queries if split == "all" or split_of(qid) == split]


def split_of(qid: str) -> str:
    """``"tune"`` or ``"test"``: a fixed half of the queries, by MD5 of the qid.

    >>> split_of("969331847966"), split_of("115150665555")
    ('tune', 'test')
    """
    return "tune" if int(hashlib.md5(qid.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"


def _stable_key(qid: str) -> str:
    return hashlib.md5(b"sample:" + qid.encode("utf-8")).hexdigest()


def load_dataset(path: Path, split: str = "all", limit_queries: int | None = None) -> Dataset:
    """Read corpus.tsv, queries.tsv and qrels.txt (exits with a message if one is missing).

    ``split`` keeps one half of the queries; ``limit_queries`` then keeps a
    fixed pseudo-random sample of that many (by a stable hash, so every
    source is represented), in file order.
    """
    corpus = require(path / "corpus.tsv", "the corpus (corpus.tsv)")
    queries_file = require(path / "queries.tsv", "the queries (queries.tsv)")
    qrels_file = require(path / "qrels.txt", "the relevance judgements (qrels.txt)")
    docs = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            docid, title, text = (line.split("\t", 2) + ["", ""])[:3]
            docs.append({"id": docid, "title": title, "body": text})
    queries = []
    for line in queries_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, text = (line.split("\t", 1) + [""])[:2]
            queries.append((qid, text))
    qrels: dict[str, dict[str, int]] = {}
    for line in qrels_file.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4:
            qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    if split != "all":
        queries = [q for q in queries if split_of(q[0]) == split]
    if limit_queries is not None and limit_queries < len(queries):
        keep = set(sorted((qid for qid, _ in queries), key=_stable_key)[:limit_queries])
        queries = [q for q in queries if q[0] in keep]
    return Dataset(path, docs, queries, qrels)


def source_of(docid: str) -> str:
    """The collection a document came from: the docid's part before ``-`` (``arcd-d0`` → ``arcd``)."""
    return docid.split("-", 1)[0] if "-" in docid else "-"


# -- running one configuration -------------------------------------------------------------


def _summarize_config(config: dict[str, Any]) -> dict[str, Any]:
    out = dict(config)
    if isinstance(out.get("stopwords"), list):
        words = out["stopwords"]
        out["stopwords"] = f"<{len(words)} words, sha1 {hashlib.sha1(chr(10).join(words).encode()).hexdigest()[:10]}>"
    return out


def build_row(name: str, ds: Dataset, data: Path) -> tuple[Callable[[str], list[str]], float, dict[str, Any]]:
    """Build the index of row ``name``; returns (search function → ids, build seconds, settings)."""
    if name in WHOOSH_ROWS:
        parse = name == WHOOSH_STANDARD
        t0 = time.perf_counter()
        wix = WhooshStandardIndex(k1=BASE_RANKING["k1"], b=BASE_RANKING["b"], title_boost=BASE_TITLE_BOOST)
        wix.add_many(ds.docs)
        build_s = time.perf_counter() - t0
        settings = {
            "engine": f"whoosh {whoosh.versionstring()} StandardAnalyzer, "
            + ("MultifieldParser(OrGroup)" if parse else "query analyzed by StandardAnalyzer, OR of terms")
            + ", no arsearch",
            "ranking": {**BASE_RANKING, "coordination": 0.0, "representations": [], "phrase_boost": 0.0},
            "title_boost": BASE_TITLE_BOOST,
        }
        return (lambda q: wix.search(q, limit=LIMIT, parse=parse)), build_s, settings

    name, _, engine = name.partition("@")  # "default@tantivy": the row on the tantivy engine
    engine = engine or "whoosh"
    setup = Setup(None, None, None) if name == DEFAULT_ROW else (REFERENCE_ROWS | EXPERIMENTS)[name](data)
    fields = None if setup.title_boost is None else {"title": Field("text", boost=setup.title_boost), "body": "text"}
    options: dict[str, Any] = {}
    if setup.analyzer is not None:
        options["analyzer"] = setup.analyzer
    if setup.ranking is not None:
        options["ranking"] = setup.ranking
    t0 = time.perf_counter()
    ix = Index.memory(fields, engine=engine, **options)
    ix.add_many(ds.docs)
    build_s = time.perf_counter() - t0
    settings = {
        "engine": f"arsearch {arsearch.__version__} Index.memory(engine={engine!r})",
        "analyzer": {
            "class": type(ix.analyzer).__name__,
            "name": ix.analyzer.name,
            "config": _summarize_config(ix.analyzer.config()),
        },
        "ranking": ix.ranking.to_json(),
        "title_boost": ix.fields["title"].boost if "title" in ix.fields else None,
        "library_defaults": {
            "analyzer": setup.analyzer is None,
            "ranking": setup.ranking is None,
            "fields": fields is None,
        },
    }
    return (lambda q: [hit.id for hit in ix.search(q, limit=LIMIT)]), build_s, settings


def first_relevant_rank(ranking: Sequence[str], judged: dict[str, int]) -> int | None:
    return next((i for i, doc in enumerate(ranking, start=1) if judged.get(doc, 0) > 0), None)


def run_row(name: str, ds: Dataset, data: Path, per_query: bool = False) -> dict[str, Any]:
    """Build, search every query, score: one row of the table as a dict."""
    t_start = time.perf_counter()
    search, build_s, settings = build_row(name, ds, data)
    if ds.queries:
        search(ds.queries[0][1])  # untimed warm-up: opens the searcher
    run: dict[str, list[str]] = {}
    latencies: list[float] = []
    for qid, text in ds.queries:
        t0 = time.perf_counter()
        ids = search(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        run[qid] = ids
    metrics = {split: evaluate(run, ds.qrels, ds.qids(split)) for split in SPLITS}
    by_source: dict[str, list[str]] = {}
    for qid, _ in ds.queries:
        relevant = [d for d, g in ds.qrels.get(qid, {}).items() if g > 0]
        if relevant:
            by_source.setdefault(source_of(relevant[0]), []).append(qid)
    row: dict[str, Any] = {
        "config": name,
        "kind": kind_of(name),
        "metrics": metrics,
        "by_source": {src: evaluate(run, ds.qrels, qids) for src, qids in sorted(by_source.items())},
        "latency_ms": _latency_summary(latencies),
        "index_build_s": build_s,
        "total_s": time.perf_counter() - t_start,
        "settings": settings,
    }
    if per_query:
        row["first_relevant_rank"] = {
            qid: first_relevant_rank(run[qid], ds.qrels.get(qid, {})) for qid, _ in ds.queries
        }
    return row


def _latency_summary(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"mean": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(latencies)
    return {
        "mean": statistics.fmean(latencies),
        "p50": ordered[len(ordered) // 2],
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "max": ordered[-1],
    }


# -- worker processes ------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(
    dataset: Path, data: Path, split: str, limit_queries: int | None, per_query: bool, tmp: str | None = None
) -> None:
    # Whoosh's RamStorage spools postings in <tempdir>/<indexname>.tmp and its writer empties that
    # whole directory when it commits: every in-memory index named MAIN (arsearch's and Whoosh's
    # default name) in every process shares /tmp/MAIN.tmp, and concurrent builds delete each
    # other's files. A private temp directory per process avoids it.
    tempfile.tempdir = tempfile.mkdtemp(prefix="worker-", dir=tmp)
    _WORKER.update(ds=load_dataset(dataset, split, limit_queries), data=data, per_query=per_query)


def _work(name: str) -> dict[str, Any]:
    return run_row(name, _WORKER["ds"], _WORKER["data"], _WORKER["per_query"])


def run_rows(
    names: Sequence[str],
    dataset: Path,
    data: Path,
    split: str = "all",
    limit_queries: int | None = None,
    jobs: int = 2,
    per_query: bool = False,
    log: Callable[[str], None] = lambda s: None,
) -> list[dict[str, Any]]:
    """Run the rows (in ``jobs`` processes when there are several); results in ``names`` order."""
    rows: dict[str, dict[str, Any]] = {}

    def done(row: dict[str, Any]) -> None:
        rows[row["config"]] = row
        m = row["metrics"]["all"]
        log(f"  {row['config']}: MRR@10 {m['mrr@10']:.3f} in {row['total_s']:.0f}s ({len(rows)}/{len(names)})")

    saved_tempdir = tempfile.tempdir
    tmp = tempfile.mkdtemp(prefix="arsearch-relevance-")
    try:
        if jobs > 1 and len(names) > 1:
            import multiprocessing

            initargs = (dataset, data, split, limit_queries, per_query, tmp)
            with multiprocessing.Pool(min(jobs, len(names)), initializer=_init_worker, initargs=initargs) as pool:
                for row in pool.imap_unordered(_work, names):
                    done(row)
        else:
            _init_worker(dataset, data, split, limit_queries, per_query, tmp)
            for name in names:
                done(_work(name))
    finally:
        tempfile.tempdir = saved_tempdir
        shutil.rmtree(tmp, ignore_errors=True)
    return [rows[name] for name in names]


# -- reporting --------------------------------------------------------------------------------

TABLE_HEADERS = (
    "config",
    "MRR@10",
    "nDCG@10",
    "R@10",
    "R@100",
    "MRR@10 tune",
    "MRR@10 test",
    "mean query ms",
    "index build s",
)


def table_rows(rows: Iterable[dict[str, Any]]) -> list[list[object]]:
    out: list[list[object]] = []
    for row in rows:
        m = row["metrics"]
        out.append(
            [
                row["config"],
                m["all"]["mrr@10"],
                m["all"]["ndcg@10"],
                m["all"]["recall@10"],
                m["all"]["recall@100"],
                m["tune"]["mrr@10"] if m["tune"]["queries"] else "-",
                m["test"]["mrr@10"] if m["test"]["queries"] else "-",
                f"{row['latency_ms']['mean']:.1f}",
                f"{row['index_build_s']:.2f}",
            ]
        )
    return out


def machine_info() -> dict[str, Any]:
    cpu = cpu_model(platform.processor() or platform.machine())
    return {
        "cpu": cpu,
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "whoosh": whoosh.versionstring(),
        "arsearch": arsearch.__version__,
        "analyzer_version": arsearch.ANALYZER_VERSION,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "arsearch_dirty": bool(git("status", "--porcelain", "--", "arsearch")),
    }


def dataset_stats(ds: Dataset) -> dict[str, Any]:
    words = WORD_PATTERN.findall
    judged = [qid for qid, _ in ds.queries if any(g > 0 for g in ds.qrels.get(qid, {}).values())]
    return {
        "path": str(ds.path),
        "documents": len(ds.docs),
        "queries": len(ds.queries),
        "judged_queries": len(judged),
        "tune_queries": sum(split_of(q) == "tune" for q in judged),
        "test_queries": sum(split_of(q) == "test" for q in judged),
        "mean_doc_words": statistics.fmean(len(words(d["title"] + " " + d["body"])) for d in ds.docs) if ds.docs else 0,
        "mean_query_words": statistics.fmean(len(words(t)) for _, t in ds.queries) if ds.queries else 0,
    }


NOTES = (
    "All rows except whoosh-standard run end to end through arsearch's public API (Index.memory with title + body, "
    "add_many, search(query, limit=100)); only the word -> term rules differ between them, and they share "
    "arsearch's tokenizer, BM25 scoring (per field, summed with field boosts), query parser and highlighter.",
    "Reference rows and the 'light' baseline use BM25 k1=1.2 b=0.75, OR, title boost 1.0 (fixed in relevance.py, "
    "not the library defaults); each other light* row changes one knob, except the '+...title=0.5' rows, which "
    "combine the one-knob winners and were chosen on the tune half (compare their test column). Representations "
    "(surface 'none', ISRI roots, character n-grams 'ngramN') index title and body together in one field each; "
    "'maxdf=x' skips n-grams found in more than that share of the documents (default 0.1). "
    "arsearch-default uses whatever Index.memory() defaults to at run time; arsearch FAST_RANKING is the library's "
    "light-stem-only option.",
    "lucene re-implements Lucene's ArabicAnalyzer word rules (lowercase, digit folding, Savoy stop list unnormalized "
    "and checked before normalization, ArabicNormalizer, ArabicStemmer). Unlike Lucene, arsearch's Index keeps stop "
    "words at index time (they count in document length) and drops them only at query time (unless every query word "
    "is a stop word); the same holds for every Index row.",
    "snowball = PyStemmer Snowball Arabic on lowercased words; isri = nltk ISRI root stemmer on arsearch-normalized "
    "words; snowball/isri/tashaphyne/light10 use arsearch's stop-word list.",
    "whoosh-standard is a plain Whoosh index (StandardAnalyzer on title/body, Whoosh's BM25F with the same k1, b, "
    "idf and title boost 1.0, "
    "MultifieldParser with OrGroup over the raw query text): its \\w+ tokenizer splits words at vowel marks, so it "
    "cannot run through arsearch's Index. Whoosh's parser splits queries on spaces only and does not re-tokenize "
    "the chunks, so the question's last word keeps its '؟' and never matches; whoosh-standard-terms is the same "
    "index with the query tokenized by StandardAnalyzer (OR of its terms over both fields), i.e. the analyzer alone. "
    "Neither computes snippets, so their query times are not comparable.",
    "Query time for Index rows includes building highlighted snippets for all 100 hits, which is most of it "
    "(profiled: ~80% of ix.search time on qa-dev; ranking itself ~5%). Timings are wall-clock on a shared machine.",
    "Queries are split into tune/test halves by md5(qid) % 2; MRR@10 tune/test are over those halves.",
)


def render(info: dict[str, Any], stats: dict[str, Any], rows: list[dict[str, Any]], extra: dict[str, Any]) -> str:
    lines = [
        "# Relevance benchmark",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['platform']}, Python {info['python']}, "
        f"Whoosh {info['whoosh']}, arsearch {info['arsearch']} (analyzer {info['analyzer_version']}, "
        f"commit {info['git_commit'] or '?'}{', arsearch/ modified' if info['arsearch_dirty'] else ''}); "
        f"load average at start {info['load_average']}",
        f"Dataset: {stats['path']}: {stats['documents']:,} documents (mean {stats['mean_doc_words']:.0f} words), "
        f"{stats['queries']:,} queries (mean {stats['mean_query_words']:.1f} words), "
        f"{stats['judged_queries']:,} judged "
        f"({stats['tune_queries']:,} tune / {stats['test_queries']:,} test)",
        f"Run: {extra['command']} — {extra['elapsed_s']:.0f} s wall, {extra['jobs']} process(es)",
        "",
        format_table(TABLE_HEADERS, table_rows(rows)),
        "",
        "Notes:",
        *(f"- {note}" for note in NOTES),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_arg(parser)
    parser.add_argument("--dataset", type=Path, help="dataset directory (default: <data>/qa-dev)")
    parser.add_argument(
        "--configs",
        help=f"comma-separated rows or groups ({', '.join(GROUPS)}), each optionally with @ENGINE (e.g. default@tantivy); "
        f"default: 'default'. Rows: {', '.join(ALL_NAMES)}",
    )
    parser.add_argument("--split", choices=SPLITS, default="all", help="run only one half of the queries")
    parser.add_argument("--limit-queries", type=int, metavar="N", help="a fixed sample of N queries (quick runs)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for several rows (default 2)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results here")
    parser.add_argument("--per-query", action="store_true", help="store each query's first relevant rank in the JSON")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/relevance-<date>.json")
    args = parser.parse_args(argv)

    try:
        names = resolve_configs(args.configs)
    except ValueError as e:
        parser.error(str(e))
    if args.limit_queries is not None and args.limit_queries < 1:
        parser.error("--limit-queries must be >= 1")
    dataset = args.dataset or args.data / "qa-dev"
    require(dataset, "the dataset directory (qa-dev/)")
    if "lucene" in names:
        require(args.data / "reference" / "lucene-arabic-stopwords.txt", "Lucene's stop-word list (reference/)")
    ds = load_dataset(dataset, args.split, args.limit_queries)
    info, stats = machine_info(), dataset_stats(ds)
    command = "python benchmarks/relevance.py " + " ".join(sys.argv[1:] if argv is None else argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    log(f"running {len(names)} row(s) on {len(ds.queries):,} queries: {', '.join(names)}")
    t0 = time.perf_counter()
    rows = run_rows(names, dataset, args.data, args.split, args.limit_queries, args.jobs, args.per_query, log)
    extra = {"command": command.strip(), "elapsed_s": time.perf_counter() - t0, "jobs": min(args.jobs, len(names))}
    print(render(info, stats, rows, extra))

    result = {
        "benchmark": "relevance",
        "date_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **extra,
        "split": args.split,
        "limit_queries": args.limit_queries,
        "machine": info,
        "dataset": stats,
        "metrics": list(METRIC_NAMES),
        "notes": list(NOTES),
        "rows": rows,
    }
    targets = [] if args.no_save else [RESULTS / f"relevance-{dt.datetime.now(dt.timezone.utc):%Y-%m-%d}.json"]
    if args.json:
        targets.append(args.json)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        log(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
