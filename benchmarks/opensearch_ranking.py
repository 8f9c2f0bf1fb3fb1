"""Relevance of arsearch's OpenSearch export on qa-dev, by a BM25 simulation of the cluster.

No cluster runs here. This script indexes qa-dev the way ``index_body()``
tells a cluster to: each field's tokens come from the settings' analyzers
run by ``arsearch.opensearch.emulate`` (checked against Lucene's classes by
``verify_opensearch.py``), ``copy_to`` fills the n-gram and vocabulary
fields, ``document_source()`` the ISRI field; then it runs each query's
``search_body()`` through an evaluator of that DSL with Lucene 9's BM25
(``boost·idf·tf/(tf + k1·(1 − b + b·dl/avgdl))``, field lengths stored in
one byte by ``SmallFloat.intToByte4``, ``discount_overlaps: false`` on the
n-gram field). Span queries score as Lucene's SpanWeight does (sloppy
frequency ``1/(distance + 1)``, the sum of the terms' idf); prefix queries
score their boost.

    python benchmarks/opensearch_ranking.py --data /work/shared/data

Rows: ``search_body`` with a lexicon of the simulated index (close
spellings, ``ngram_max_df``, ``root_max_df`` as arsearch applies them), and
without one (what a plain client sends).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import add_data_arg, format_table, write_json  # noqa: E402
from metrics import evaluate  # noqa: E402
from relevance import SPLITS, load_dataset  # noqa: E402

from arsearch.fields import DEFAULT_FIELDS, DEFAULT_RANKING, VOCABULARY_FIELD  # noqa: E402
from arsearch.opensearch import document_source, emulate, index_body, search_body  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 100


# -- Lucene's SmallFloat.intToByte4 / byte4ToInt (field-length norms) -------------------------
def _long_to_int4(i: int) -> int:
    num_bits = i.bit_length()
    if num_bits < 4:
        return i
    shift = num_bits - 4
    encoded = (i >> shift) & 0x07
    encoded |= (shift + 1) << 3
    return encoded


def _int4_to_long(i: int) -> int:
    bits = i & 0x07
    shift = (i >> 3) - 1
    if shift == -1:
        return bits
    return (bits | 0x08) << shift


_MAX_INT4 = _long_to_int4(2**31 - 1)
_NUM_FREE_VALUES = 255 - _MAX_INT4


def int_to_byte4(i: int) -> int:
    if i < _NUM_FREE_VALUES:
        return i
    return _NUM_FREE_VALUES + _long_to_int4(i - _NUM_FREE_VALUES)


def byte4_to_int(b: int) -> int:
    if b < _NUM_FREE_VALUES:
        return b
    return _NUM_FREE_VALUES + _int4_to_long(b - _NUM_FREE_VALUES)


def lucene_length(n: int) -> int:
    return byte4_to_int(int_to_byte4(n))


class SimIndex:
    """Postings (doc → tf, positions) and lengths per field, as the cluster would hold them."""

    def __init__(self, docs: list[dict[str, str]], body: dict[str, Any], exact_norms: bool = False) -> None:
        self.body = body
        self.ids = [d["id"] for d in docs]
        self.n = len(docs)
        props = body["mappings"]["properties"]
        self.k1 = {}
        self.b = {}
        sims = body["settings"]["index"]["similarity"]
        # field → term → {doc: [positions]}
        self.post: dict[str, dict[str, dict[int, list[int]]]] = defaultdict(lambda: defaultdict(dict))
        lengths: dict[str, np.ndarray] = {}
        for name, spec in props.items():
            if spec.get("type") == "text":
                sim = sims[spec.get("similarity", "")] if spec.get("similarity") in sims else {"k1": 1.2, "b": 0.75}
                self.k1[name], self.b[name] = sim["k1"], sim["b"]
                lengths[name] = np.zeros(self.n)
        cache: dict[tuple[str, str], list[tuple[str, int, int]]] = {}

        def tokens(analyzer: str, text: str) -> list[tuple[str, int, int]]:
            key = (analyzer, text)
            if key not in cache:
                cache[key] = emulate(body, analyzer, text)
            return cache[key]

        for d, doc in enumerate(docs):
            source = document_source(doc)
            values: dict[str, list[str]] = defaultdict(list)
            for name, spec in props.items():
                if spec.get("type") == "text" and source.get(name):
                    values[name].append(source[name])
                    for target in spec.get("copy_to", []):
                        values[target].append(source[name])
            for name, texts in values.items():
                spec = props[name]
                pos, count = 0, 0
                for text in texts:
                    if spec["analyzer"] == "whitespace":
                        toks = [(t, 0, 0) for t in text.split()]
                    else:  # per word (the analyzers work word by word), cached
                        toks = [t for w in text.split() for t in tokens(spec["analyzer"], w)]
                    for term, _s, _e in toks:
                        self.post[name][term].setdefault(d, []).append(pos)
                        count += 1
                        if not spec["analyzer"].startswith("arsearch_ngram"):
                            pos += 1
                    pos += 100  # position_increment_gap between values
                lengths[name][d] = count if exact_norms else lucene_length(count)
        self.lengths = lengths
        self.avg = {}
        for name, arr in lengths.items():
            raw_total = sum(len(p) for t in self.post[name].values() for p in t.values())
            docs_with = len({d for t in self.post[name].values() for d in t})
            self.avg[name] = raw_total / docs_with if docs_with else 1.0
        self.memo: dict[Any, Any] = {}
        self._terms: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}

    # -- the Lexicon protocol (arsearch.query.Lexicon) --
    def has_term(self, term: str, fields: Any) -> bool:
        return any(term in self.post[f] for f in fields)

    def df(self, field: str, term: str) -> int:
        return len(self.post[field].get(term, {}))

    # -- evaluating the DSL --
    def idf(self, field: str, term: str) -> float:
        df = self.df(field, term)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def bm25(self, field: str, freqs: dict[int, float], idf: float, boost: float) -> np.ndarray:
        scores = np.zeros(self.n)
        if not freqs:
            return scores
        docs = np.fromiter(freqs.keys(), dtype=np.int64, count=len(freqs))
        tf = np.fromiter(freqs.values(), dtype=np.float64, count=len(freqs))
        k1, b, avg = self.k1[field], self.b[field], self.avg[field]
        norm = k1 * (1 - b + b * self.lengths[field][docs] / avg)
        scores[docs] = boost * idf * tf / (tf + norm)
        return scores

    def term_scores(self, field: str, term: str, boost: float) -> tuple[np.ndarray, np.ndarray]:
        key = (field, term)
        hit = self._terms.get(key)
        if hit is None:
            postings = self.post[field].get(term, {})
            mask = np.zeros(self.n, bool)
            mask[list(postings)] = True
            unit = self.bm25(field, {d: len(p) for d, p in postings.items()}, self.idf(field, term), 1.0)
            hit = self._terms[key] = (unit, mask)
        return hit[0] * boost, hit[1]

    def run(self, q: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        (kind, spec), = q.items()
        zero = np.zeros(self.n)
        if kind == "match_none":
            return zero, np.zeros(self.n, bool)
        if kind == "match_all":
            return np.ones(self.n), np.ones(self.n, bool)
        if kind == "term":
            (field, v), = spec.items()
            term, boost = (v["value"], v.get("boost", 1.0)) if isinstance(v, dict) else (v, 1.0)
            return self.term_scores(field, term, boost)
        if kind == "constant_score":
            _s, mask = self.run(spec["filter"])
            return mask * float(spec.get("boost", 1.0)), mask
        if kind == "prefix":
            (field, v), = spec.items()
            mask = np.zeros(self.n, bool)
            for term, postings in self.post[field].items():
                if term.startswith(v["value"]):
                    mask[list(postings)] = True
            return mask * float(v.get("boost", 1.0)), mask
        if kind == "span_near":
            return self.span_near(spec)
        if kind == "bool":
            return self.bool_(spec)
        if kind == "function_score":
            scores, mask = self.run(spec["query"])
            factor = np.zeros(self.n)
            for fn in spec["functions"]:
                fmask = self.run(fn["filter"])[1] if "filter" in fn else np.ones(self.n, bool)
                factor += fmask * fn["weight"]
            return scores * factor, mask
        raise ValueError(f"query {kind!r} is not simulated")

    def bool_(self, spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        total = np.zeros(self.n)
        mask = np.ones(self.n, bool)
        for c in spec.get("must", []):
            s, m = self.run(c)
            total += s
            mask &= m
        should = [self.run(c) for c in spec.get("should", [])]
        for s, m in should:
            total += s * m
        if should and not spec.get("must"):
            any_ = np.zeros(self.n, bool)
            for _s, m in should:
                any_ |= m
            mask &= any_
        for c in spec.get("must_not", []):
            mask &= ~self.run(c)[1]
        return total * mask, mask

    def span_near(self, spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        terms = [next(iter(c["span_term"].items())) for c in spec["clauses"]]
        field = terms[0][0]
        slop = spec["slop"]
        lists = [self.post[field].get(t, {}) for _f, t in terms]
        mask = np.zeros(self.n, bool)
        freqs: dict[int, float] = {}
        if all(lists):
            for d in set.intersection(*(set(p) for p in lists)):
                freq = 0.0
                for start in lists[0][d]:
                    pos, gap, ok = start, 0, True
                    for p in lists[1:]:
                        nxt = [x for x in p[d] if x > pos]
                        if not nxt:
                            ok = False
                            break
                        gap += min(nxt) - pos - 1
                        pos = min(nxt)
                    if ok and gap <= slop:
                        freq += 1.0 / (gap + 1)
                if freq:
                    freqs[d] = freq
                    mask[d] = True
        idf = sum(self.idf(field, t) for _f, t in terms)
        return self.bm25(field, freqs, idf, float(spec.get("boost", 1.0))), mask

    def search(self, body: dict[str, Any], limit: int) -> list[str]:
        scores, mask = self.run(body["query"])
        docs = np.flatnonzero(mask)
        order = docs[np.lexsort((docs, -scores[docs]))][:limit]
        return [self.ids[d] for d in order]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arg(parser)
    parser.add_argument("--limit-queries", type=int, metavar="N")
    parser.add_argument("--exact-norms", action="store_true", help="exact field lengths (not Lucene's one-byte norms): an experiment")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "opensearch_ranking.json")
    args = parser.parse_args(argv)
    ds = load_dataset(args.data / "qa-dev", limit_queries=args.limit_queries)
    t0 = time.perf_counter()
    sim = SimIndex(ds.docs, index_body(DEFAULT_FIELDS, DEFAULT_RANKING), exact_norms=args.exact_norms)
    build_s = time.perf_counter() - t0
    print(f"{sim.n} documents indexed in {build_s:.0f}s; vocabulary {len(sim.post[VOCABULARY_FIELD])} words", flush=True)
    rows, result = [], {"build_s": round(build_s, 1), "rows": {}}
    for name, lexicon in (("search_body + lexicon", sim), ("search_body, no lexicon", None)):
        t1 = time.perf_counter()
        run = {qid: sim.search(search_body(text, lexicon=lexicon, size=LIMIT), LIMIT) for qid, text in ds.queries}
        secs = time.perf_counter() - t1
        metrics = {split: evaluate(run, ds.qrels, ds.qids(split)) for split in SPLITS}
        m = metrics["all"]
        rows.append([name, f"{m['mrr@10']:.4f}", f"{m['recall@10']:.4f}", f"{m['recall@100']:.4f}", f"{secs:.0f}"])
        result["rows"][name] = {"metrics": metrics, "seconds": round(secs, 1)}
        print(rows[-1], flush=True)
    print(format_table(["configuration", "MRR@10", "R@10", "R@100", "search s"], rows))
    load = Path("/proc/loadavg").read_text().split()[0]
    result["load_1min"] = load
    result["queries"] = len(ds.queries)
    result["exact_norms"] = args.exact_norms
    write_json(args.json, result)
    print(f"wrote {args.json} (load {load})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
