"""Query plans run by tantivy: one boolean query per plan, coordination by re-scoring.

A plan item becomes two tantivy queries: one that matches the documents the
item makes hits (:attr:`~arsearch.query.TermRef.matches`), and one that
scores them (every ref, boosted by its weight). The plan's query requires the
match part of its items (under a zero constant score, so it adds nothing)
and adds their score parts as optional clauses: the same hits and the same
BM25 sum as the Whoosh engine (tantivy's BM25 is Lucene's, with k1 1.2 and
b 0.75; a phrase scores its phrase frequency where Whoosh's engine sums its
words' BM25).

Coordination (``1 − c + c·m/n`` for a document matching m of the n optional
words) is a product, which a tantivy query cannot express. The reader takes
tantivy's top K by the plain score, finds which words each of those K
documents matches (one small query per word, restricted to their keys), and
re-ranks them. That is exact: a document outside the K has a plain score of
at most the K-th's, so it cannot beat a re-scored document at or above that;
when the k-th re-scored document falls below it, K doubles.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tantivy

from ...filters import Condition, SortKey
from ...query import Plan, PlanItem
from .schema import DOC_FIELD, KEY_FIELD, doc_from_json

__all__ = ["TantivyReader"]

Q = tantivy.Query
MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
_MAX_PREFIX_TERMS = 2000  # a prefix matches at most this many terms per field (the most frequent), as on Whoosh
_FIRST_K = 32  # candidates re-scored for coordination at least (then doubled while not exact)
_FLAG_BITS = 24  # words flagged per query by a power of two (a float32's exact integers)
_STATS_LIMIT = 200_000  # document frequencies remembered per reader before a reset


def _any(queries: list[Any]) -> Any:
    """Documents matching one of ``queries`` (None for none)."""
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else Q.boolean_query([(SHOULD, q) for q in queries])


def _silent(query: Any) -> Any:
    """``query`` as a condition that adds no score."""
    return Q.const_score_query(query, 0.0)


class TantivyReader:
    """One searcher of a tantivy index (see :class:`~arsearch.engines.base.Reader`)."""

    def __init__(self, index: Any, schema: Any, text_fields: Sequence[str] = (), meta: Path | None = None) -> None:
        self._schema = schema
        self._text_fields = list(text_fields)
        self._meta = meta
        self.searcher = index.searcher()
        self.n = int(self.searcher.num_docs)
        self.memo: dict[Any, Any] = {}
        self._df: dict[tuple[str, str], int] = {}
        self._keywords: dict[str, tuple[list[str], dict[int, tuple[np.ndarray, np.ndarray]]]] = {}
        self._extremes: dict[tuple[str, bool, int], np.ndarray] = {}
        self._not_fast: set[str] = set()  # keyword fields without a fast column (older indexes)
        self._term_counts: dict[str, int] = {}
        self._last_all: tuple[Any, tuple[np.ndarray, np.ndarray, np.ndarray, list[Any]]] | None = None

    # -- the term dictionary ------------------------------------------------------------
    def df(self, field: str, term: str) -> int:
        key = (field, term)
        value = self._df.get(key)
        if value is None:
            if len(self._df) >= _STATS_LIMIT:
                self._df.clear()
            value = self._df[key] = int(self.searcher.doc_freq(field, term))
        return value

    def has_field(self, field: str) -> bool:
        try:
            self.searcher.doc_freq(field, "")
        except ValueError:  # "Field … is not defined in the schema"
            return False
        return True

    def has_term(self, term: str, fields: Sequence[str]) -> bool:
        return any(self.df(f, term) for f in fields)

    # -- plans ----------------------------------------------------------------------------
    def _term(self, field: str, term: str) -> Any:
        return Q.term_query(self._schema, field, term, index_option="freq")

    def _item(self, item: PlanItem, strict: bool) -> tuple[Any, Any]:
        """(the query of the documents ``item`` makes hits, the query scoring
        them); either may be None."""
        if item.kind == "group":
            full = self._combine(item.children, strict or item.occur == "must_not")
            return full, full  # a group scores only where it matches
        if item.kind == "terms":
            matching, scoring = [], []
            own = strict or item.occur != "should"  # a required or excluded word: its own term only
            for ref in item.refs:
                if ref.max_df < 1.0 and self.df(ref.field, ref.term) > ref.max_df * self.n:
                    continue  # too common to tell documents apart (an affix n-gram)
                if not self.df(ref.field, ref.term):
                    continue
                query = self._term(ref.field, ref.term)
                if (ref.how == "stem") if own else ref.matches:
                    matching.append(query)
                if ref.weight:
                    scoring.append(Q.boost_query(query, ref.weight))
            return _any(matching), _any(scoring)
        if item.kind in ("phrase", "near"):
            slop = item.window - 1 if item.kind == "near" else item.slop
            words = list(item.words)
            phrases = []
            for field, boost in item.fields:
                if any(not self.df(field, w) for w in set(words)):
                    continue
                phrase = Q.phrase_query(self._schema, field, words, slop=slop) if len(words) > 1 else self._term(field, words[0])
                phrases.append((phrase, boost))
            matching = None if item.bonus else _any([p for p, _ in phrases])
            return matching, _any([Q.boost_query(p, item.weight * boost) for p, boost in phrases])
        # prefix: constant score, the best of its fields
        per_field = []
        for field, boost in item.fields:
            terms: list[str] = []
            for k, prefix in enumerate(item.prefixes):
                for term, _df in self.searcher.terms_with_prefix(field, prefix, limit=_MAX_PREFIX_TERMS):
                    if k == 0 or term not in item.skip:
                        terms.append(term)
            if terms:
                per_field.append((Q.term_set_query(self._schema, field, terms[: _MAX_PREFIX_TERMS]), boost))
        if not per_field:
            return None, None
        scoring = [Q.const_score_query(q, boost) for q, boost in per_field]
        return _any([q for q, _ in per_field]), scoring[0] if len(scoring) == 1 else Q.disjunction_max_query(scoring)

    def _combine(self, items: Sequence[PlanItem], strict: bool = False, words: list[Any] | None = None) -> Any:
        """Items as one boolean query: the hits of Whoosh's ``Engine._combine``,
        scored by their sum; ``words`` collects the match queries of the
        optional items (those coordination counts)."""
        required: list[Any] = []
        optional: list[Any] = []
        excluded: list[Any] = []
        scores: list[Any] = []
        for item in items:
            if item.occur == "must_not":
                matching, _ = self._item(item, True)
                if matching is not None:
                    excluded.append(matching)
                continue
            matching, scoring = self._item(item, strict)
            if scoring is not None:
                scores.append(scoring)
            if item.bonus:
                continue
            if item.occur == "must":
                if matching is None:
                    return Q.empty_query()  # a required word no document holds
                required.append(matching)
            elif matching is not None:
                optional.append(matching)
                if words is not None:
                    words.append(matching)
        if not required:
            if not optional:
                return Q.empty_query()
            required.append(_any(optional))  # at least one word
        clauses = [(MUST, _silent(q)) for q in required]
        clauses += [(MUST_NOT, q) for q in excluded]
        clauses += [(SHOULD, q) for q in scores]
        return Q.boolean_query(clauses)

    def _filter(self, conditions: Sequence[Condition]) -> list[Any]:
        out = []
        for c in conditions:
            if c.kind in ("id", "keyword"):
                out.append(Q.term_set_query(self._schema, c.field, list(c.values)))
            elif c.kind == "numeric":
                low = float(c.low) if c.low is not None else None
                high = float(c.high) if c.high is not None else None
                out.append(Q.range_query(self._schema, c.field, tantivy.FieldType.Float, low, high))
            else:
                out.append(Q.range_query(self._schema, c.field, tantivy.FieldType.Date, _utc(c.low), _utc(c.high)))
        return out

    def _query(self, plan: Plan, conditions: Sequence[Condition] | None) -> tuple[Any, list[Any], int, float]:
        """(the plan's query under ``conditions``, the optional words' match
        queries, their number, the coordination to apply)."""
        matching: list[Any] = []  # the optional words' match queries, built once for coordination
        query = self._combine(plan.items, words=matching)
        if conditions:
            query = Q.boolean_query([(MUST, query), *((MUST, _silent(f)) for f in self._filter(conditions))])
        words = [it for it in plan.items if it.occur == "should" and not it.bonus]
        c = plan.coordination if len(words) > 1 else 0.0
        return query, matching, len(words), c

    def top(
        self, plan: Plan, k: int, conditions: Sequence[Condition] | None = None, sort: SortKey | None = None
    ) -> tuple[list[tuple[Any, float]], int]:
        query, matching, n_words, c = self._query(plan, conditions)
        if k <= 0:
            found = self.searcher.search(query, 1, count=True)
            return [], int(found.count or 0)
        if sort is not None:
            return self._sorted(plan, conditions, query, matching, n_words, c, k, sort)
        want = max(k, _FIRST_K) if c else k
        while True:
            found = self.searcher.search(query, want, count=True)
            total = int(found.count or 0)
            hits = [(addr, float(score)) for score, addr in found.hits]
            if not c or not hits:
                break
            scored = self._coordinate(hits, matching, n_words, c)
            # exact when the k-th re-scored hit is at least the last plain score:
            # a document beyond ``want`` scores at most that before coordination
            if len(hits) >= total or (len(scored) >= k and scored[k - 1][1] >= hits[-1][1]):
                hits = scored
                break
            want *= 2
        hits.sort(key=lambda h: (-h[1], h[0].segment_ord, h[0].doc))
        return hits[:k], total

    def _all(self, plan: Plan, conditions: Sequence[Condition] | None, query: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Any]]:
        """Every hit of a plan: (segment ordinals, segment-local docs, plain
        scores, addresses); the last one is kept, so a search's sort and
        facets run its query once."""
        key = tuple(conditions or ())
        last = self._last_all
        if last is not None and last[0][0] is plan and last[0][1] == key:
            return last[1]
        total = int(self.searcher.search(query, 1, count=True).count or 0)
        hits = self.searcher.search(query, total, count=False).hits if total else []
        addrs = [a for _, a in hits]
        segs = np.fromiter((a.segment_ord for a in addrs), dtype=np.int64, count=len(addrs))
        docs = np.fromiter((a.doc for a in addrs), dtype=np.int64, count=len(addrs))
        scores = np.fromiter((s for s, _ in hits), dtype=np.float64, count=len(addrs))
        result = (segs, docs, scores, addrs)
        self._last_all = ((plan, key), result)
        return result

    def _sorted(
        self, plan: Plan, conditions: Sequence[Condition] | None, query: Any, matching: list[Any], n_words: int,
        c: float, k: int, key: SortKey,
    ) -> tuple[list[tuple[Any, float]], int]:
        """The first ``k`` of all the hits in ``key``'s order (see :class:`~arsearch.filters.SortKey`)."""
        segs, docs, scores, addrs = self._all(plan, conditions, query)
        total = len(addrs)
        if not total:
            return [], 0
        values, missing = self._sort_values(key, query, segs, docs, addrs)
        by_value = np.lexsort((values, missing))
        if c:
            # Coordination scales scores, which only orders hits of equal value: re-score the
            # hits up to and including every one that ties with the k-th by value.
            last = by_value[min(k, total) - 1]
            within = (missing < missing[last]) | ((missing == missing[last]) & (values <= values[last]))
            idx = np.flatnonzero(within)
            rescored = self._coordinate([(addrs[i], float(scores[i])) for i in idx.tolist()], matching, n_words, c)
            new = {(a.segment_ord, a.doc): s for a, s in rescored}
            scores = scores.copy()
            scores[idx] = [new[(int(segs[i]), int(docs[i]))] for i in idx.tolist()]
            order = idx[np.lexsort((docs[idx], segs[idx], -scores[idx], values[idx], missing[idx]))]
        else:
            order = np.lexsort((docs, segs, -scores, values, missing))
        return [(addrs[i], float(scores[i])) for i in order[:k].tolist()], total

    def _sort_values(
        self, key: SortKey, query: Any, segs: np.ndarray, docs: np.ndarray, addrs: list[Any]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sort values, missing) of each hit: ascending order of the values
        is the sort's order (negated when descending)."""
        n = len(addrs)
        if key.kind == "keyword":
            fill = -1 if key.descending else np.iinfo(np.int64).max
            best = np.full(n, fill, dtype=np.int64)
            for seg in np.unique(segs).tolist():
                at = np.flatnonzero(segs == seg)
                per_doc = self._keyword_extremes(key.field, key.descending, seg, int(docs[at].max()) + 1)
                best[at] = per_doc[docs[at]]
            missing = best == fill
            values = -best if key.descending else best
            return values.astype(np.float64), missing
        if key.kind == "numeric":
            raw = self.searcher.fast_field_values(key.field, addrs)
            missing = np.fromiter((v is None for v in raw), dtype=bool, count=n)
            values = np.fromiter((0.0 if v is None else v for v in raw), dtype=np.float64, count=n)
        else:  # dates: tantivy returns them (in nanoseconds) only as the sort key of a search
            found = self.searcher.search(query, n, count=False, order_by_field=key.field).hits
            when = {(a.segment_ord, a.doc): v for v, a in found}
            raw = [when.get((a.segment_ord, a.doc)) for a in addrs]
            missing = np.fromiter((v is None for v in raw), dtype=bool, count=n)
            values = np.fromiter((0 if v is None else v for v in raw), dtype=np.int64, count=n)
        ranks = np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.float64)  # exact order
        ranks[missing] = 0.0
        return (-ranks if key.descending else ranks), missing

    def _keyword_extremes(self, field: str, descending: bool, segment: int, size: int) -> np.ndarray:
        """Per document of a segment (at least ``size`` of them): its largest
        (``descending``) or smallest keyword term ordinal, or -1 / the int64
        maximum for none; made once per reader."""
        key = (field, descending, segment)
        per_doc = self._extremes.get(key)
        if per_doc is None or len(per_doc) < size:
            _terms, per_segment = self.keyword_values(field)
            kw_docs, ords = per_segment.get(segment, (np.empty(0, np.int64), np.empty(0, np.int64)))
            fill = -1 if descending else np.iinfo(np.int64).max
            per_doc = np.full(max(size, int(kw_docs.max()) + 1 if len(kw_docs) else 0), fill, dtype=np.int64)
            (np.maximum if descending else np.minimum).at(per_doc, kw_docs, ords)
            self._extremes[key] = per_doc
        return per_doc

    def _aggregate(self, query: Any, field: str) -> dict[str, int] | None:
        """The hits per value of a keyword field, counted by tantivy's terms
        aggregation over its fast column; None where the field has none (an
        index built before keyword fields were fast) or the count is not exact."""
        if field in self._not_fast:
            return None
        size = self._term_counts.get(field)
        if size is None:
            size = self._term_counts[field] = len(self.searcher.terms_with_prefix(field, "", limit=None))
        if not size:
            return {}
        try:
            found = self.searcher.aggregate(query, {"v": {"terms": {"field": field, "size": size}}})["v"]
        except ValueError:  # "not configured as fast field"
            self._not_fast.add(field)
            return None
        if found.get("sum_other_doc_count") or found.get("doc_count_error_upper_bound"):
            return None  # some values left out: count them in Python
        return {str(b["key"]): int(b["doc_count"]) for b in found["buckets"] if b["doc_count"]}

    def keyword_values(self, field: str) -> tuple[list[str], dict[int, tuple[np.ndarray, np.ndarray]]]:
        """A keyword field's values: (its terms, sorted; per segment, the
        live documents holding each and the term's ordinal), made once per reader."""
        cached = self._keywords.get(field)
        if cached is None:
            terms = sorted(t for t, _df in self.searcher.terms_with_prefix(field, "", limit=None))
            parts: dict[int, tuple[list[int], list[int]]] = {}
            for i, term in enumerate(terms):
                df = self.df(field, term)
                if not df:
                    continue
                found = self.searcher.search(Q.term_query(self._schema, field, term, index_option="basic"), df, count=False)
                for _, addr in found.hits:
                    seg_docs, seg_ords = parts.setdefault(addr.segment_ord, ([], []))
                    seg_docs.append(addr.doc)
                    seg_ords.append(i)
            per_segment = {seg: (np.asarray(d, dtype=np.int64), np.asarray(o, dtype=np.int64)) for seg, (d, o) in parts.items()}
            cached = self._keywords[field] = (terms, per_segment)
        return cached

    def facets(
        self, plan: Plan, conditions: Sequence[Condition] | None, fields: Sequence[str]
    ) -> dict[str, dict[str, int]]:
        query, _, _, _ = self._query(plan, conditions)
        out: dict[str, dict[str, int]] = {}
        for field in fields:
            counted = self._aggregate(query, field)
            if counted is not None:
                out[field] = counted
                continue
            segs, docs, _, _ = self._all(plan, conditions, query)
            terms, per_segment = self.keyword_values(field)
            counts = np.zeros(len(terms), dtype=np.int64)
            for seg in np.unique(segs).tolist():
                kw_docs, ords = per_segment.get(seg, (None, None))
                if kw_docs is None or not len(kw_docs):
                    continue
                hit_docs = docs[segs == seg]
                size = int(max(hit_docs.max(), kw_docs.max())) + 1
                is_hit = np.zeros(size, dtype=bool)
                is_hit[hit_docs] = True
                counts += np.bincount(ords[is_hit[kw_docs]], minlength=len(terms))
            out[field] = {terms[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}
        return out

    def _coordinate(self, hits: list[tuple[Any, float]], matching: list[Any], n: int, c: float) -> list[tuple[Any, float]]:
        """``hits`` re-scored by ``1 − c + c·m/n`` (``matching``: the match
        queries of the n optional words, less those no document holds), best first.

        One query finds every hit's m: restricted to the hits' keys, word i
        adds a constant 2^i, so a hit's score is the bit set of the words it
        matches (exact in a float32 up to 24 words; more are counted 24 at a time).
        """
        keys = self.searcher.fast_field_values(KEY_FIELD, [a for a, _ in hits])
        among = _silent(_any([Q.term_query(self._schema, KEY_FIELD, int(k), index_option="basic") for k in keys]))
        matched = dict.fromkeys(((a.segment_ord, a.doc) for a, _ in hits), 0)
        for start in range(0, len(matching), _FLAG_BITS):
            flags = [(SHOULD, Q.const_score_query(m, float(1 << i))) for i, m in enumerate(matching[start : start + _FLAG_BITS])]
            found = self.searcher.search(Q.boolean_query([(MUST, among), *flags]), len(hits), count=False).hits
            for score, addr in found:
                spot = (addr.segment_ord, addr.doc)
                if spot in matched:
                    matched[spot] += int(score).bit_count()
        out = [(a, s * ((1.0 - c) + c * matched[(a.segment_ord, a.doc)] / n)) for a, s in hits]
        out.sort(key=lambda h: (-h[1], h[0].segment_ord, h[0].doc))
        return out

    # -- documents ------------------------------------------------------------------------
    def stored(self, doc: Any) -> dict[str, Any]:
        return doc_from_json(self.searcher.doc(doc).get_first(DOC_FIELD))

    def document(self, doc_id: str) -> dict[str, Any] | None:
        found = self.searcher.search(Q.term_query(self._schema, "id", doc_id, index_option="basic"), 1, count=False).hits
        return self.stored(found[0][1]) if found else None

    def doc_count(self) -> int:
        return self.n

    def documents(self) -> Iterator[dict[str, Any]]:
        if not self.n:
            return iter(())
        hits = self.searcher.search(Q.all_query(), self.n, count=False).hits
        return (self.stored(address) for _, address in hits)

    def stats(self) -> dict[str, Any]:
        deleted = None
        if self._meta is not None:  # tantivy's meta.json lists each segment's deletions
            try:
                segments = json.loads(self._meta.read_text(encoding="utf-8"))["segments"]
                deleted = sum((s.get("deletes") or {}).get("num_deleted_docs", 0) for s in segments)
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                deleted = None
        terms = {f: len(self.searcher.terms_with_prefix(f, "", limit=None)) for f in self._text_fields}
        return {"deleted": deleted, "segments": int(self.searcher.num_segments), "terms": terms}


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A naive datetime (arsearch's dates) as tantivy reads it: UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)
