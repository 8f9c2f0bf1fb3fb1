"""Precision benchmark: how many of arsearch's hits a person would trust.

The relevance benchmark (relevance.py) rewards recall and never penalizes a
hit that contains none of the query's words. This one looks at the hits
themselves, on an index of the first N news articles:

1. **Absent and nonsense words.** (a) Real words of modern Arabic news that
   no indexed article contains (:data:`ABSENT_WORDS`, each checked against
   the light stems of the indexed text at run time: a candidate found there
   is moved to row (c) with the number of articles holding it), (b) seeded
   random strings of 4–8 Arabic letters whose normalized form, light stem
   and ISRI root all occur nowhere in the indexed text. Ideally none of them
   has a hit.
2. **Hits whose words are absent.** For realistic 1–3 word queries
   (``benchmarks/queries_news.txt``, plus :data:`EXTRA_QUERIES`), over *all*
   hits: the share of hits whose title or body contains the light stem of at
   least one query word (stored title + body analyzed with the default
   analyzer), and the same among the top 10; the worst queries.
3. **Hits with nothing marked.** For the same queries, the top 10 and top 100
   hits: the share whose snippet (and highlighted title, where the library
   has one: ``hit.title``) has no ``<mark``; hits marked only with
   ``<mark class="near">`` are counted apart.
4. **Spelling-variant pairs** (:data:`VARIANT_PAIRS`, names the corpus writes
   two ways). For a pair (a, b), in each direction: recall = share of the
   articles holding b's light stem but not a's that the query ``a`` finds;
   precision = share of the query's hits that hold a's or b's stem.

For the hits without a query stem, the tables name the corpus words that
most often come with them: words sharing an ISRI root or a character n-gram
(one the engine does not skip as too frequent) with a query word. That is
what brings such hits in (the default ranking adds roots and 4-grams to the
light stem).

Usage:
    python benchmarks/precision.py [--data DIR] [--limit N] [--index DIR | --save-index DIR]
        [--queries N] [--random N] [--seed S] [--max-hits N] [--json OUT] [--no-save]

Without ``--index`` it builds an index of the first ``--limit`` articles
(``Index.create`` then ``add_many(docs, procs=2)``, about 35 s for 20,000) in
a temporary directory, or in ``--save-index DIR`` to keep it for later runs.
``--index DIR`` opens an existing index read-only (it must hold the same
first N articles: checked by count and a sample of ids). The vocabularies,
the articles per stem and the n-grams' document frequencies come from two
passes over the news file itself (same first N articles), never from the
index's internals; searches use the public API only. A run takes about 90 s
on 20,000 articles with ``--index`` (peak memory about 0.9 GB).

Output: machine and commit, the four tables in Markdown, notes; the full
results (per query, per word, per pair) go to
``benchmarks/results/precision.json`` (not with ``--no-save``) and ``--json OUT``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import whoosh  # noqa: E402
from common import REPO, RESULTS, add_data_arg, cpu_model, format_table, iter_news, write_json, git  # noqa: E402

import arsearch  # noqa: E402
from arsearch import Analyzer, Index  # noqa: E402
from arsearch.tokenize import WORD_PATTERN  # noqa: E402

QUERIES_FILE = REPO / "benchmarks" / "queries_news.txt"
RESULT_FILE = RESULTS / "precision.json"

#: Real words of modern Arabic news (mostly after 2019: the indexed articles
#: are from 2014–2018), and a few English ones. Each is checked at run time:
#: one whose light stem occurs in the indexed articles goes to row (c). On
#: the first 20,000 articles كورونا (stem كورو: لا كورونا, the Swedish krona)
#: and football ("Football Foundation") are found there.
ABSENT_WORDS: tuple[str, ...] = (
    "كورونا", "كوفيد", "متحور", "أوميكرون", "موديرنا", "أسترازينيكا", "سينوفارم",
    "ميتافيرس", "تيكتوك", "كلوبهاوس", "ثريدز", "زووم", "يوتيوبر", "إنفلونسر", "ستارلينك", "إيثريوم",
    "سوناك", "بزشكيان", "سموتريتش", "بلينكن", "حمدوك", "حميدتي", "دقلو",
    "باخموت", "خيرسون", "ماريوبول",
    "football", "covid", "metaverse", "tiktok", "chatgpt", "zoom",
)  # fmt: skip

#: Transliterated names (and two loanwords) the corpus spells two ways.
VARIANT_PAIRS: tuple[tuple[str, str], ...] = (
    ("ترامب", "ترمب"),
    ("بوتين", "بوتن"),
    ("جوجل", "غوغل"),
    ("فيسبوك", "فايسبوك"),
    ("نتنياهو", "نتانياهو"),
    ("ديمقراطية", "ديموقراطية"),
    ("أمريكا", "أميركا"),
    ("كمبيوتر", "كومبيوتر"),
    ("الكونغرس", "الكونجرس"),
    ("سامسونغ", "سامسونج"),
)

#: Queries reported on their own besides the query file's (not in its totals).
EXTRA_QUERIES: tuple[str, ...] = ("مهرجان السينما",)

#: The 28 letters random strings are drawn from (no hamza seats, ة or ى).
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
RANDOM_SEED = 20240611
TOP = (10, 100)  # snippet cut-offs of table 3
WORST = 10  # worst queries listed in table 2

_MARK = re.compile(r"<mark\b([^>]*)>")
_NEAR_CLASS = re.compile(r"""\bclass\s*=\s*["'][^"']*\bnear\b""")


# -- pure helpers (unit-tested in tests/test_precision.py) ------------------------------------


def mark_counts(html: str) -> tuple[int, int]:
    """``(plain, near)``: the number of ``<mark>`` and of ``<mark class="near">`` in ``html``.

    >>> mark_counts('a <mark>b</mark> <mark class="near">c</mark> <mark class="x near">d</mark>')
    (1, 2)
    """
    plain = near = 0
    for m in _MARK.finditer(html or ""):
        if _NEAR_CLASS.search(m.group(1)):
            near += 1
        else:
            plain += 1
    return plain, near


def mark_status(*htmls: str) -> str:
    """``"marked"`` if any text has a plain mark, ``"near-only"`` if only near
    marks, else ``"unmarked"``.

    >>> mark_status("no mark", '<mark class="near">x</mark>'), mark_status("", "<mark>y</mark>")
    ('near-only', 'marked')
    """
    plain = near = 0
    for text in htmls:
        p, n = mark_counts(text)
        plain, near = plain + p, near + n
    return "marked" if plain else "near-only" if near else "unmarked"


def query_kind(query: str) -> str:
    """``"phrase"`` for a quoted query, else ``"1 word"``, ``"2 words"``, ...

    >>> query_kind('"وزير الخارجية"'), query_kind("وزير"), query_kind("وزير الخارجية")
    ('phrase', '1 word', '2 words')
    """
    if query.lstrip().startswith('"'):
        return "phrase"
    n = len(WORD_PATTERN.findall(query))
    return "1 word" if n == 1 else f"{n} words"


def ratio(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0 (printed as "-")."""
    return num / den if den else float("nan")


def random_words(
    n: int, is_known: Callable[[str], bool], seed: int = RANDOM_SEED, letters: str = ARABIC_LETTERS,
    lengths: tuple[int, int] = (4, 8), max_tries: int = 1_000_000,
) -> list[str]:  # fmt: skip
    """``n`` distinct seeded random strings of ``letters`` (lengths in the
    inclusive range) for which ``is_known`` is false, in drawing order.

    Raises ValueError if ``max_tries`` draws do not give ``n`` of them.
    """
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    for _ in range(max_tries):
        if len(out) >= n:
            break
        word = "".join(rng.choice(letters) for _ in range(rng.randint(*lengths)))
        if word in seen:
            continue
        seen.add(word)
        if not is_known(word):
            out.append(word)
    if len(out) < n:
        raise ValueError(f"only {len(out)} of {n} unknown random words in {max_tries} draws")
    return out


def variant_direction(
    hits: Sequence[str], hit_has_either: Sequence[bool], docs_query: set[str], docs_other: set[str]
) -> dict[str, Any]:
    """Recall and precision of query ``a`` against its variant ``b``.

    ``hits``: ids of all of a's hits; ``hit_has_either``: for each hit, whether
    it holds a's or b's term; ``docs_query`` / ``docs_other``: the articles
    holding a's / b's term. Recall is over the articles with b's term and not
    a's; precision over the hits.

    >>> r = variant_direction(["1", "3", "9"], [True, True, False], {"1"}, {"2", "3"})
    >>> r["other_only"], r["found"], r["recall"], round(r["precision"], 3)
    (2, 1, 0.5, 0.667)
    """
    other_only = docs_other - docs_query
    found = len(other_only.intersection(hits))
    return {
        "other_only": len(other_only),
        "found": found,
        "recall": ratio(found, len(other_only)),
        "hits": len(hits),
        "hits_with_either": sum(hit_has_either),
        "precision": ratio(sum(hit_has_either), len(hits)),
    }


def worst_queries(rows: Iterable[dict[str, Any]], n: int = WORST) -> list[dict[str, Any]]:
    """The ``n`` queries with hits whose share of hits holding a query stem is
    lowest (ties: more hits first, then the query text)."""
    with_hits = [r for r in rows if r["hits"]]
    return sorted(with_hits, key=lambda r: (r["with_stem"] / r["hits"], -r["hits"], r["query"]))[:n]


def without_nan(value: Any) -> Any:
    """``value`` with every float NaN replaced by None (JSON has no NaN).

    >>> without_nan({"a": [1.0, float("nan")], "b": (float("nan"),)})
    {'a': [1.0, None], 'b': [None]}
    """
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nan(v) for v in value]
    return value


def _mean(values: Iterable[float]) -> float:
    xs = [v for v in values if v == v]  # NaN-free
    return sum(xs) / len(xs) if xs else float("nan")


# -- the corpus ----------------------------------------------------------------------------------


@dataclass
class Corpus:
    """What the first N articles hold: vocabularies, the ids of the articles
    holding each light stem asked about (title + body), and the document
    frequency of each character n-gram asked about."""

    ids: list[str]
    surfaces: set[str]  # normalized surface forms
    stems: set[str]  # default analyzer's terms (light stems), stop words kept
    roots: set[str]  # ISRI analyzer's terms
    postings: dict[str, set[str]] = field(default_factory=dict)  # light stem → article ids
    gram_df: Counter[str] = field(default_factory=Counter)  # n-gram → articles

    def docs(self, *terms: str) -> set[str]:
        return set().union(*(self.postings.get(t, ()) for t in terms))


def article_doc(a: dict[str, Any]) -> dict[str, str]:
    """An article as indexed: ``{"id", "title", "body"}``."""
    return {"id": str(a["id"]), "title": a["title"] or "", "body": a["text"] or ""}


def scan_vocabulary(data: Path, limit: int, light: Analyzer, isri: Analyzer) -> Corpus:
    """First pass over the first ``limit`` articles: ids and vocabularies."""
    corpus = Corpus([], set(), set(), set())
    raw: set[str] = set()
    for a in iter_news(data, limit):
        doc = article_doc(a)
        text = doc["title"] + "\n" + doc["body"]
        corpus.ids.append(doc["id"])
        raw.update(WORD_PATTERN.findall(text))
        corpus.stems.update(light.terms(text, keep_stopwords=True))
        corpus.roots.update(isri.terms(text, keep_stopwords=True))
    corpus.surfaces = {light.normalize(s) for s in raw}
    return corpus


def scan_postings(
    corpus: Corpus, data: Path, limit: int, stems: set[str], grams: set[str], light: Analyzer, ngrams: NGrams | None
) -> None:
    """Second pass: the articles holding each light stem of ``stems`` and
    the document frequency of each n-gram of ``grams`` (as the index counts
    them: n-grams of every word of title + body)."""
    corpus.postings = {t: set() for t in stems}
    corpus.gram_df = Counter()
    word_grams: dict[str, frozenset[str]] = {}  # surface → its n-grams among ``grams``
    for a in iter_news(data, limit):
        doc = article_doc(a)
        text = doc["title"] + "\n" + doc["body"]
        for t in stems.intersection(light.terms(text, keep_stopwords=True)):
            corpus.postings[t].add(doc["id"])
        if ngrams is not None:
            found: set[str] = set()
            for w in set(WORD_PATTERN.findall(text)):
                g = word_grams.get(w)
                if g is None:
                    g = word_grams[w] = frozenset(grams.intersection(ngrams.of(w)))
                found |= g
            corpus.gram_df.update(found)


@dataclass
class NGrams:
    """The index's n-gram representation: its analyzer, n and document-frequency cap."""

    analyzer: Analyzer
    n: int
    max_df: float

    def of(self, word: str) -> list[str]:
        return self.analyzer.word_ngrams(word, self.n)


class Culprits:
    """Corpus words that share an (uncapped) n-gram or an ISRI root with the
    words asked about: what can bring a hit in without a query stem."""

    def __init__(
        self, corpus: Corpus, words: Iterable[str], light: Analyzer, isri: Analyzer, ngrams: NGrams | None
    ) -> None:
        self.light, self.isri, self.ngrams = light, isri, ngrams
        cap = ngrams.max_df * len(corpus.ids) if ngrams else 0
        self.capped = {g for g, df in corpus.gram_df.items() if df > cap}
        grams, roots = set(), set()
        for w in words:
            grams.update(self.grams(w))
            roots.update(self.roots(w))
        self.stem: dict[str, str] = {}
        self.by_gram: dict[str, set[str]] = {g: set() for g in grams}
        self.by_root: dict[str, set[str]] = {r: set() for r in roots}
        for w in corpus.surfaces:
            e = light.entry(w)
            if e is None:
                continue
            hit = False
            r = isri.entry(w)
            if r is not None and r[0] in self.by_root:
                self.by_root[r[0]].add(w)
                hit = True
            for g in grams.intersection(ngrams.of(w)) if ngrams else ():
                self.by_gram[g].add(w)
                hit = True
            if hit:
                self.stem[w] = e[0]
        self.pool = frozenset(self.stem)  # every candidate word

    def grams(self, word: str) -> list[str]:
        """The n-grams a query word is searched with (capped ones left out)."""
        return [g for g in dict.fromkeys(self.ngrams.of(word)) if g not in self.capped] if self.ngrams else []

    def roots(self, word: str) -> list[str]:
        return list(dict.fromkeys(self.isri.terms(word)))

    def candidates(self, query: str, exclude: set[str]) -> dict[str, str]:
        """Corpus word → what it shares with a (non-stop) word of ``query``
        (``"root X"`` or the n-grams), for words whose stem is not in ``exclude``."""
        out: dict[str, list[str]] = {}
        for w in query_words(query, self.light):
            for r in self.roots(w):
                for c in self.by_root.get(r, ()):
                    out.setdefault(c, []).append("root " + r)
            for g in self.grams(w):
                for c in self.by_gram.get(g, ()):
                    out.setdefault(c, []).append(g)
        return {c: " ".join(dict.fromkeys(why)) for c, why in out.items() if self.stem[c] not in exclude}


def query_words(query: str, light: Analyzer) -> list[str]:
    """The query's words that are searched: not stop words (unless all are)."""
    words = WORD_PATTERN.findall(query)
    entries = [(w, light.entry(w)) for w in words]
    kept = [w for w, e in entries if e is not None and not e[1]]
    return kept or [w for w, e in entries if e is not None]


@dataclass(frozen=True)
class HitInfo:
    stems: frozenset[str]  # light stems asked about, in title + body
    roots: frozenset[str]  # ISRI roots asked about, in title + body
    title_stems: frozenset[str]  # light stems asked about, in the title
    words: frozenset[str]  # culprit-pool words (normalized), in title + body


class HitTerms:
    """What a hit's stored title + body holds, computed once per document id
    (only the terms and words asked about are kept)."""

    def __init__(self, stems: set[str], roots: set[str], pool: frozenset[str], light: Analyzer, isri: Analyzer) -> None:
        self.stems, self.roots, self.pool, self.light, self.isri = stems, roots, pool, light, isri
        self._cache: dict[str, HitInfo] = {}
        self._norm: dict[str, str] = {}

    def get(self, hit: Any) -> HitInfo:
        got = self._cache.get(hit.id)
        if got is None:
            title, body = hit.fields.get("title") or "", hit.fields.get("body") or ""
            text = title + "\n" + body
            norm = self._norm
            words = set()
            for s in set(WORD_PATTERN.findall(text)):
                w = norm.get(s)
                if w is None:
                    w = norm[s] = self.light.normalize(s)
                words.add(w)
            got = HitInfo(
                frozenset(self.stems.intersection(self.light.terms(text, keep_stopwords=True))),
                frozenset(self.roots.intersection(self.isri.terms(text, keep_stopwords=True))),
                frozenset(self.stems.intersection(self.light.terms(title, keep_stopwords=True))),
                frozenset(self.pool.intersection(words)),
            )
            self._cache[hit.id] = got
        return got


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Setup:
    ix: Index
    corpus: Corpus
    light: Analyzer
    isri: Analyzer
    culprits: Culprits
    hit_terms: HitTerms
    max_hits: int  # 0: all

    def search(self, query: str) -> arsearch.Results:
        limit = self.max_hits or max(1, len(self.ix))
        return self.ix.search(query, limit=limit, snippet_format="html")

    def stems_of(self, text: str) -> list[str]:
        return list(dict.fromkeys(self.light.terms(text)))

    def roots_of(self, text: str) -> list[str]:
        return list(dict.fromkeys(self.isri.terms(text)))

    def top_culprits(self, query: str, exclude: set[str], infos: Iterable[HitInfo], k: int = 3) -> list[list[Any]]:
        """The ``k`` candidate words found in most of ``infos`` (hits without a
        wanted stem): ``[word, hits, what it shares with the query]``."""
        cands = self.culprits.candidates(query, exclude)
        counts: Counter[str] = Counter()
        for info in infos:
            counts.update(info.words.intersection(cands))
        return [[w, c, cands[w]] for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:k]]


def measure_words(s: Setup, words: Sequence[str]) -> list[dict[str, Any]]:
    """Table 1: each word's hits, how many share its ISRI root, and which words brought them in."""
    rows = []
    for w in words:
        stems, roots = s.stems_of(w), s.roots_of(w)
        res = s.search(w)
        infos = [s.hit_terms.get(h) for h in res]
        stemless = [i for i in infos if not i.stems.intersection(stems)]
        rows.append(
            {
                "word": w,
                "stems": stems,
                "roots": roots,
                "root_in_corpus": any(r in s.corpus.roots for r in roots),
                "docs_with_stem": len(s.corpus.docs(*stems)),
                "total": res.total,
                "examined": len(res),
                "hits_with_root": sum(bool(i.roots.intersection(roots)) for i in infos),
                "culprits": s.top_culprits(w, set(stems), stemless),
                "top": [h.id for h in res[:3]],
            }
        )
    return rows


def word_summary(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals = [r["total"] for r in rows]
    return {
        "set": name,
        "queries": len(rows),
        "with_hits": sum(t > 0 for t in totals),
        "mean_hits": ratio(sum(totals), len(rows)),
        "total_hits": sum(totals),
        "max_hits": max(totals, default=0),
        "hits_with_root": sum(r["hits_with_root"] for r in rows),
        "examined": sum(r["examined"] for r in rows),
        "docs_with_stem": sum(r["docs_with_stem"] for r in rows),
    }


def measure_query(s: Setup, query: str) -> dict[str, Any]:
    """Tables 2 and 3 for one query: stems in all hits, marks in the top hits."""
    stems, roots = set(s.stems_of(query)), set(s.roots_of(query))
    res = s.search(query)
    row: dict[str, Any] = {
        "query": query,
        "kind": query_kind(query),
        "stems": sorted(stems),
        "docs_with_stem": len(s.corpus.docs(*stems)),
        "total": res.total,
        "hits": len(res),
        "with_stem": 0,
        "stemless_with_root": 0,
        "top10_hits": min(10, len(res)),
        "top10_with_stem": 0,
    }
    for k in TOP:
        row[f"top{k}_marks"] = {"hits": 0, "marked": 0, "near-only": 0, "unmarked": 0, "unmarked_with_stem": 0,
                                "unmarked_stem_in_title": 0}  # fmt: skip
    stemless: list[HitInfo] = []
    examples: list[str] = []
    for i, hit in enumerate(res):
        info = s.hit_terms.get(hit)
        has_stem = bool(info.stems & stems)
        row["with_stem"] += has_stem
        if not has_stem:
            row["stemless_with_root"] += bool(info.roots & roots)
            stemless.append(info)
            if len(examples) < 5:
                examples.append(hit.id)
        if i < 10:
            row["top10_with_stem"] += has_stem
        if i < max(TOP):
            status = mark_status(hit.snippet, getattr(hit, "title", "") or "")
            for k in TOP:
                if i < k:
                    m = row[f"top{k}_marks"]
                    m["hits"] += 1
                    m[status] += 1
                    if status == "unmarked" and has_stem:
                        m["unmarked_with_stem"] += 1
                        m["unmarked_stem_in_title"] += bool(info.title_stems & stems)
    row["stemless_examples"] = examples
    row["culprits"] = s.top_culprits(query, stems, stemless) if stemless else []
    return row


def query_summary(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    hits = sum(r["hits"] for r in rows)
    with_stem = sum(r["with_stem"] for r in rows)
    top10 = sum(r["top10_hits"] for r in rows)
    words = [r for r in rows if r["kind"] != "phrase"]
    return {
        "set": name,
        "queries": len(rows),
        "with_hits": sum(r["hits"] > 0 for r in rows),
        "total": sum(r["total"] for r in rows),
        "hits": hits,
        "share_with_stem": ratio(with_stem, hits),
        "mean_share_with_stem": _mean(ratio(r["with_stem"], r["hits"]) for r in rows),
        "docs_with_stem": sum(r["docs_with_stem"] for r in rows),
        # a phrase needs its words together: the articles with any of its stems are not its target
        "stem_docs_found": ratio(sum(r["with_stem"] for r in words), sum(r["docs_with_stem"] for r in words)),
        "top10_hits": top10,
        "top10_share_with_stem": ratio(sum(r["top10_with_stem"] for r in rows), top10),
        "stemless_hits": hits - with_stem,
        "stemless_share_with_root": ratio(sum(r["stemless_with_root"] for r in rows), hits - with_stem),
    }


def mark_summary(name: str, rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    tot = {key: sum(r[f"top{k}_marks"][key] for r in rows) for key in rows[0][f"top{k}_marks"]} if rows else {}
    hits = tot.get("hits", 0)
    return {
        "set": name,
        "cutoff": k,
        "queries": len(rows),
        **tot,
        "unmarked_share": ratio(tot.get("unmarked", 0), hits),
        "near_only_share": ratio(tot.get("near-only", 0), hits),
        "mean_unmarked_share": _mean(ratio(r[f"top{k}_marks"]["unmarked"], r[f"top{k}_marks"]["hits"]) for r in rows),
    }


def measure_pairs(s: Setup) -> list[dict[str, Any]]:
    """Table 4: both directions of every variant pair."""
    out = []
    for a, b in VARIANT_PAIRS:
        terms = {a: s.stems_of(a), b: s.stems_of(b)}
        either = set(terms[a]) | set(terms[b])
        for q, other in ((a, b), (b, a)):
            res = s.search(q)
            infos = [s.hit_terms.get(h) for h in res]
            has = [bool(i.stems & either) for i in infos]
            docs_q, docs_o = s.corpus.docs(*terms[q]), s.corpus.docs(*terms[other])
            row = {"pair": f"{a}/{b}", "query": q, "other": other, "query_terms": terms[q],
                   "other_terms": terms[other], "same_stem": set(terms[a]) == set(terms[b]), "total": res.total,
                   "docs_query": len(docs_q), "docs_other": len(docs_o)}  # fmt: skip
            row.update(variant_direction([h.id for h in res], has, docs_q, docs_o))
            row["culprits"] = s.top_culprits(q, either, [i for i, h in zip(infos, has) if not h])
            out.append(row)
    return out


# -- reporting --------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    return {
        "cpu": cpu_model(platform.processor() or platform.machine()),
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "whoosh": whoosh.versionstring(),
        "arsearch": arsearch.__version__,
        "arsearch_path": str(Path(arsearch.__file__).resolve().parent),
        "analyzer_version": arsearch.ANALYZER_VERSION,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "arsearch_dirty": bool(git("status", "--porcelain", "--", "arsearch")),
    }


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.1f}%"


def _num(x: float) -> str:
    return "-" if x != x else f"{x:,.1f}"


def _culprits(items: Sequence[Sequence[Any]], limit: int = 3) -> str:
    """``[[word, hits, why], ...]`` as ``word hits (why); ...``."""
    return "; ".join(f"{w} {c:,} ({why})" for w, c, why in items[:limit]) or "-"


def render(result: dict[str, Any]) -> str:
    info, ix, t = result["machine"], result["index"], result["tables"]
    lines = [
        "# Precision benchmark",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['platform']}, Python {info['python']}, "
        f"Whoosh {info['whoosh']}, arsearch {info['arsearch']} (analyzer {info['analyzer_version']}, "
        f"commit {info['git_commit'] or '?'}{', arsearch/ modified' if info['arsearch_dirty'] else ', clean'}); "
        f"load average at start {info['load_average']}",
        f"Index: {ix['path']} ({ix['how']}): {ix['documents']:,} documents, representations "
        f"{ix['representations'] or 'none'}; corpus: first {result['settings']['limit']:,} news articles "
        f"({result['corpus']['surfaces']:,} surface forms, {result['corpus']['stems']:,} light stems, "
        f"{result['corpus']['roots']:,} ISRI roots)",
        f"Run: {result['command']} — {result['elapsed_s']:.0f} s wall"
        + (f" (index build {ix['build_s']:.0f} s)" if ix.get("build_s") else ""),
    ]
    if ix.get("warning"):
        lines.append(f"WARNING: {ix['warning']}")

    lines += ["", "## 1. Absent and nonsense words (ideally no hits)", ""]
    lines.append(
        format_table(
            ["set", "queries", "queries with ≥1 hit", "mean hits/query", "total hits", "max hits",
             "hits sharing the ISRI root", "articles with the stem"],
            [[r["set"], r["queries"], r["with_hits"], _num(r["mean_hits"]), r["total_hits"], r["max_hits"],
              r["hits_with_root"], r["docs_with_stem"]] for r in t["absent"]["summary"]],
        )
    )  # fmt: skip
    lines += ["", "Real words, one by one (stem present: moved to row (c)):", ""]
    lines.append(
        format_table(
            ["word", "light stem", "ISRI root", "root in corpus", "articles with the stem", "hits", "sharing the root",
             "most hits come with (hits; shared root or n-grams)"],
            [[r["word"], " ".join(r["stems"]), " ".join(r["roots"]), "yes" if r["root_in_corpus"] else "no",
              r["docs_with_stem"], r["total"], r["hits_with_root"], _culprits(r["culprits"], 2)]
             for r in t["absent"]["words"]],
        )
    )  # fmt: skip
    rnd = sorted(t["absent"]["random"], key=lambda r: (-r["total"], r["word"]))[:8]
    lines += ["", f"Random strings with the most hits (of {len(t['absent']['random'])}):", ""]
    lines.append(
        format_table(
            ["string", "hits", "most hits come with (hits; shared n-grams)"],
            [[r["word"], r["total"], _culprits(r["culprits"], 2)] for r in rnd],
        )
    )

    lines += ["", "## 2. Hits that contain none of the query's words (light stems, title or body)", ""]
    lines.append(
        format_table(
            ["queries", "n", "with hits", "hits (all)", "with a query stem", "mean per query", "top-10 hits",
             "top-10 with a stem", "stem-less hits", "of which share a root",
             "articles with a stem found (word queries)"],
            [[r["set"], r["queries"], r["with_hits"], r["hits"], _pct(r["share_with_stem"]),
              _pct(r["mean_share_with_stem"]), r["top10_hits"], _pct(r["top10_share_with_stem"]),
              r["stemless_hits"], _pct(r["stemless_share_with_root"]), _pct(r["stem_docs_found"])]
             for r in t["stems"]["summary"]],
        )
    )  # fmt: skip
    lines += ["", f"Worst {WORST} queries (lowest share of hits with a query stem), then the extra queries:", ""]
    lines.append(
        format_table(
            ["query", "stems", "articles with a stem", "hits", "with a stem", "share", "top-10 with a stem",
             "stem-less sharing a root", "stem-less hits come with (hits; shared root or n-grams)"],
            [[r["query"], " ".join(r["stems"]), r["docs_with_stem"], r["hits"], r["with_stem"],
              _pct(ratio(r["with_stem"], r["hits"])), f"{r['top10_with_stem']}/{r['top10_hits']}",
              r["stemless_with_root"], _culprits(r["culprits"])]
             for r in [*t["stems"]["worst"], *t["stems"]["extra"]]],
        )
    )  # fmt: skip

    lines += ["", "## 3. Hits with nothing marked (snippet, and hit.title where the library has it)", ""]
    lines.append(
        format_table(
            ["queries", "top", "hits", "unmarked", "unmarked share", "mean per query", "near-only", "near-only share",
             "unmarked holding a query stem", "… in the title"],
            [[r["set"], r["cutoff"], r.get("hits", 0), r.get("unmarked", 0), _pct(r["unmarked_share"]),
              _pct(r["mean_unmarked_share"]), r.get("near-only", 0), _pct(r["near_only_share"]),
              r.get("unmarked_with_stem", 0), r.get("unmarked_stem_in_title", 0)] for r in t["marks"]],
        )
    )  # fmt: skip

    lines += ["", "## 4. Spelling-variant pairs (query → its variant)", ""]
    lines.append(
        format_table(
            ["query", "variant", "stems", "articles query/variant", "variant only", "found", "recall", "hits",
             "precision", "other hits come with"],
            [[r["query"], r["other"],
              ("same: " + " ".join(r["query_terms"])) if r["same_stem"] else f"{' '.join(r['query_terms'])} / "
              f"{' '.join(r['other_terms'])}", f"{r['docs_query']:,}/{r['docs_other']:,}", r["other_only"],
              r["found"], _pct(r["recall"]), r["hits"], _pct(r["precision"]), _culprits(r["culprits"], 2)]
             for r in t["variants"]["rows"]],
        )
    )  # fmt: skip
    avg = t["variants"]["average"]
    lines += [
        "",
        f"Average over {avg['directions']} directions with distinct stems and variant-only articles: "
        f"recall {_pct(avg['recall'])}, precision {_pct(avg['precision'])} "
        f"(pairs with the same light stem: {', '.join(avg['same_stem_pairs']) or 'none'}).",
        "",
        "Notes:",
        *(f"- {note}" for note in NOTES),
    ]
    return "\n".join(lines)


NOTES = (
    "Every search is ix.search(query, limit=all hits, snippet_format='html'); 'hits' counts the hits examined "
    "(all of Results.total unless --max-hits). Words and stems: arsearch.Analyzer() (the default analyzer: "
    "normalized light stems, stop words dropped from queries); roots: Analyzer(stemmer='isri').",
    "Table 1: (a) real words whose light stem no indexed article holds; (b) seeded random strings of 4-8 of the 28 "
    "basic letters whose normalized form, light stem and ISRI root no indexed article holds; (c) candidates of (a) "
    "found in the articles after all. 'hits sharing the ISRI root': hits whose stored text holds the word's root "
    "(the rest are reached through character n-grams only).",
    "Table 2: a hit 'has a query stem' when its stored title + body holds the light stem of at least one query word "
    "(any one of them, also for phrase queries: a lenient test). 'mean per query' averages each query's share over "
    "queries with hits; the other shares pool all hits. Extra queries (مهرجان السينما) are not in the totals.",
    "Table 3: a hit is unmarked when neither hit.snippet nor hit.title (if the library sets it) contains '<mark'; "
    "near-only: only <mark class=\"near\"> marks. 'unmarked holding a query stem': the hit holds a query word the "
    "snippet does not show (e.g. only in the title, which the body snippet cannot mark).",
    "'come with': the corpus words (normalized) that share an ISRI root or an n-gram (one the engine does not "
    "skip: document frequency at most ngram_max_df of the articles) with a query word, whose light stem is not a query "
    "stem, ranked by how many of the hits without a query stem hold them; a hit can hold several, so the counts "
    "overlap and show what brings hits in, not a proof of which term matched.",
    "Table 4: articles per term come from the news file (the same first N articles); 'variant only' = articles with "
    "the variant's stem and not the query's; recall = share of them among the query's hits; precision = share of "
    "the query's hits whose stored text holds either stem.",
)


# -- running ------------------------------------------------------------------------------------


def load_queries(n: int, path: Path = QUERIES_FILE) -> list[str]:
    """The first ``n`` queries of the query file (comment lines skipped)."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")][:n]


def open_index(args: argparse.Namespace, log: Callable[[str], None]) -> tuple[Index, dict[str, Any], str | None]:
    """Open ``--index`` or build an index of the first ``--limit`` articles; returns (index, info, temp dir)."""
    if args.index:
        ix = Index.open(args.index)
        return ix, {"path": str(args.index), "how": "opened"}, None
    tmp = None
    if args.save_index:
        path = args.save_index
    else:
        tmp = tempfile.mkdtemp(prefix="arsearch-precision-")
        path = Path(tmp) / "index"
    log(f"building an index of the first {args.limit:,} articles in {path} ...")
    t0 = time.perf_counter()
    ix = Index.create(path, overwrite=bool(args.save_index))
    ix.add_many((article_doc(a) for a in iter_news(args.data, args.limit)), procs=2)
    build_s = time.perf_counter() - t0
    info = {"path": str(path) if args.save_index else "(temporary)", "how": "built", "build_s": build_s}
    return ix, info, tmp


def check_index(ix: Index, corpus: Corpus, sample: int = 200) -> str | None:
    """A warning if the index does not hold the corpus's articles (count, a sample of ids)."""
    n = len(ix)
    rng = random.Random(0)
    ids = rng.sample(corpus.ids, min(sample, len(corpus.ids)))
    missing = sum(i not in ix for i in ids)
    if n != len(corpus.ids) or missing:
        return (
            f"the index holds {n:,} documents and {len(ids) - missing}/{len(ids)} sampled article ids; the corpus "
            f"has {len(corpus.ids):,} articles (--limit): the tables compare different texts"
        )
    return None


def index_ngrams(ix: Index) -> NGrams | None:
    """The index's n-gram representation, if it has one."""
    for name, weight in ix.ranking.representations:
        analyzer, n = ix.analyzer.for_representation(name)
        if n and weight > 0:
            return NGrams(analyzer, n, ix.ranking.ngram_max_df)
    return None


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    t_start = time.perf_counter()
    light, isri = Analyzer(), Analyzer(stemmer="isri")
    queries = load_queries(args.queries)
    extras = [q for q in EXTRA_QUERIES if q not in queries]
    pair_words = [w for pair in VARIANT_PAIRS for w in pair]
    asked = [*ABSENT_WORDS, *queries, *extras, *pair_words]
    stems = {t for text in asked for t in light.terms(text)}

    ix, ix_info, tmp = open_index(args, log)
    try:
        ngrams = index_ngrams(ix)
        log(f"reading the first {args.limit:,} articles (vocabularies: surface forms, light stems, ISRI roots) ...")
        corpus = scan_vocabulary(args.data, args.limit, light, isri)
        if not corpus.ids:
            raise SystemExit("error: the news file holds no articles")

        def is_known(word: str) -> bool:
            return (
                light.normalize(word) in corpus.surfaces
                or any(t in corpus.stems for t in light.terms(word, keep_stopwords=True))
                or any(t in corpus.roots for t in isri.terms(word, keep_stopwords=True))
                or not light.terms(word)  # a stop word (or nothing)
            )

        randoms = random_words(args.random, is_known, args.seed)
        stems |= {t for w in randoms for t in light.terms(w)}
        roots = {t for text in [*asked, *randoms] for t in isri.terms(text)}
        searched = [w for text in [*asked, *randoms] for w in query_words(text, light)]
        grams = {g for w in searched for g in (ngrams.of(w) if ngrams else ())}
        log("reading them again (articles per stem, n-gram document frequencies) ...")
        scan_postings(corpus, args.data, args.limit, stems, grams, light, ngrams)
        culprits = Culprits(corpus, searched, light, isri, ngrams)
        ix_info.update(documents=len(ix), representations=[list(r) for r in ix.ranking.representations])
        ix_info["warning"] = check_index(ix, corpus)
        if ix_info["warning"]:
            log("WARNING: " + ix_info["warning"])
        s = Setup(ix, corpus, light, isri, culprits, HitTerms(stems, roots, culprits.pool, light, isri), args.max_hits)

        log(f"table 1: {len(ABSENT_WORDS)} candidate words, {len(randoms)} random strings ...")
        words = measure_words(s, ABSENT_WORDS)
        absent = [r for r in words if not r["docs_with_stem"]]
        present = [r for r in words if r["docs_with_stem"]]
        random_rows = measure_words(s, randoms)
        summary1 = [
            word_summary("(a) real words absent from the articles", absent),
            word_summary(f"(b) random strings, seed {args.seed}", random_rows),
            word_summary("(c) candidates found in the articles after all", present),
        ]

        log(f"tables 2 and 3: {len(queries)} queries + {len(extras)} extra, all hits ...")
        qrows = [measure_query(s, q) for q in queries]
        xrows = [measure_query(s, q) for q in extras]
        kinds = sorted({r["kind"] for r in qrows}, key=lambda k: (k == "phrase", k))
        groups = [(f"all {len(qrows)}", qrows), *((k, [r for r in qrows if r["kind"] == k]) for k in kinds)]
        groups += [(r["query"], [r]) for r in xrows]
        summary2 = [query_summary(name, rows) for name, rows in groups]
        marks = [mark_summary(name, rows, k) for name, rows in (groups[0], *groups[len(kinds) + 1:]) for k in TOP]

        log(f"table 4: {len(VARIANT_PAIRS)} variant pairs ...")
        vrows = measure_pairs(s)
        counted = [r for r in vrows if not r["same_stem"] and r["other_only"]]
        average = {
            "directions": len(counted),
            "recall": _mean(r["recall"] for r in counted),
            "precision": _mean(r["precision"] for r in counted),
            "same_stem_pairs": sorted({r["pair"] for r in vrows if r["same_stem"]}),
        }
    finally:
        ix.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    return {
        "benchmark": "precision",
        "date_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/precision.py " + " ".join(args.argv),
        "elapsed_s": time.perf_counter() - t_start,
        "machine": args.machine,
        "settings": {"limit": args.limit, "queries": len(queries), "extra_queries": extras, "random": args.random,
                     "seed": args.seed, "max_hits": args.max_hits or None},  # fmt: skip
        "index": ix_info,
        "corpus": {"articles": len(corpus.ids), "surfaces": len(corpus.surfaces), "stems": len(corpus.stems),
                   "roots": len(corpus.roots)},  # fmt: skip
        "notes": list(NOTES),
        "tables": {
            "absent": {"summary": summary1, "words": words, "random": random_rows},
            "stems": {"summary": summary2, "worst": worst_queries(qrows), "queries": qrows, "extra": xrows},
            "marks": marks,
            "variants": {"rows": vrows, "average": average},
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_arg(parser)
    parser.add_argument("--limit", type=int, default=20_000, help="index the first N articles (default %(default)s)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--index", type=Path, metavar="DIR", help="use this index (read-only) instead of building one")
    where.add_argument("--save-index", type=Path, metavar="DIR", help="build the index here and keep it")
    parser.add_argument("--queries", type=int, default=200, help="first N lines of queries_news.txt (default 200)")
    parser.add_argument("--random", type=int, default=200, help="random strings in table 1 (default 200)")
    parser.add_argument("--seed", type=int, default=RANDOM_SEED, help="seed of the random strings")
    parser.add_argument(
        "--max-hits", type=int, default=0, metavar="N", help="examine at most N hits per query (0: all)"
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results here")
    parser.add_argument("--no-save", action="store_true", help=f"do not write {RESULT_FILE.relative_to(REPO)}")
    args = parser.parse_args(argv)
    for name in ("limit", "queries"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    if args.random < 0 or args.max_hits < 0:
        parser.error("--random and --max-hits must be >= 0")
    if not (args.data / "news" / "ant-news.jsonl.gz").exists():
        sys.stderr.write(
            f"error: the news corpus (news/ant-news.jsonl.gz) not found under {args.data}\n"
            f"Point --data (or ARSEARCH_DATA) at the directory holding news/ and qa-dev/.\n"
        )
        return 2
    if args.index and not args.index.is_dir():
        sys.stderr.write(f"error: no index directory at {args.index}\n")
        return 2
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.machine = machine_info()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    result = run(args, log)
    print(render(result))
    targets = ([] if args.no_save else [RESULT_FILE]) + ([args.json] if args.json else [])
    for target in targets:
        write_json(target, without_nan(result))
        log(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
