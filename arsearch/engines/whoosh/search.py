"""Query execution over a Whoosh index: term-at-a-time BM25 with NumPy.

Whoosh's document-at-a-time matchers spend a few microseconds of Python per
posting, and its block-quality skipping does not help BM25 top-k here
(measured: a single common term at 40k documents took ~37 ms with and
without it). This engine reads each query term's postings block by block
from Whoosh's segment files, scores whole blocks with NumPy, and keeps the
decoded postings in a small per-searcher cache. Whoosh still owns storage,
segments, merging, locking, stored fields and the term dictionary.

Scoring (per term ``t`` in field ``f``, summed over the query's terms)::

    weight × idf(t, f) × tf × (k1 + 1) / (tf + k1 × (1 − b + b × len_f / avglen_f))

with the BM25 (Robertson/Lucene) idf, ``ln(1 + (N − df + 0.5) / (df + 0.5))``,
and ``weight`` = the field boost in a text field, the representation weight
in a representation field (times the n-gram's count in the word). (Whoosh's
own idf, ``log(N / (df + 1)) + 1``, keeps common words near 1 and measured
lower on qa-dev: MRR@10 0.8201 vs 0.8241 for a tuned configuration.) With
``coordination`` c, a document matching m of the query's n optional clauses
has its score scaled by ``1 − c + c·m/n``.
"""

from __future__ import annotations

import bisect
import functools
import math
import pickle
import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from ...errors import IndexCorruptedError
from ...filters import Condition, SortKey
from ...query import Plan, PlanItem, TermRef
from .filters import whoosh_filter
from .schema import ArabicPositions, field_length_bytes
from .unpickle import loads as restricted_loads

__all__ = ["Engine"]

# Decoded posting lists kept per engine (least recently used first out), bounded
# by their total postings (16 bytes each: id and weight; phrase lists count
# double for their positions) and by their number.
_CACHE_POSTINGS = 4_000_000
_CACHE_LISTS = 32_768
_MAX_PREFIX_TERMS = 2000  # a prefix matches at most this many terms per field
_STATS_LIMIT = 200_000  # document frequencies (and idfs) remembered per reader before a reset


class _Segment:
    """Per-segment data: docnum offset, live-document mask, length norms per field."""

    def __init__(self, reader: Any, offset: int) -> None:
        self.reader = reader
        self.offset = offset
        self.size = reader.doc_count_all()
        self.lengths: dict[str, np.ndarray] = {}
        self.columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        terms = getattr(reader, "_terms", None)  # W3TermsReader: field numbers and the term hash table
        fieldmap, table = getattr(terms, "_fieldmap", None), getattr(terms, "_tindex", None)
        self.term_lookup: tuple[dict[str, int], Any] | None = (fieldmap, table) if fieldmap is not None and table is not None else None
        try:  # the segment's identity: its field lengths never change (deletions only mark documents)
            self.key: Any = (reader.segment().segment_id(), self.size)
        except AttributeError:
            self.key = id(reader)

    def field_lengths(self, field: str) -> np.ndarray:
        lengths = self.lengths.get(field)
        if lengths is None:
            # the segment's length bytes (one read from a W3 segment), decoded as doc_field_length does
            raw = field_length_bytes(getattr(self.reader, "_perdoc", self.reader), field)
            lengths = _BYTE_LENGTHS[np.frombuffer(raw, dtype=np.uint8)[: self.size]] if raw is not None else np.zeros(self.size)
            self.lengths[field] = lengths
        return lengths

    def column(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """A numeric or date field's sort column: (one raw value per
        document, whether the document has none). The raw value is Whoosh's
        sortable form of the value, in the same order: exact for dates; for
        numbers a float64 (Whoosh's column type here), so two numbers within
        about 1e-13 of each other may compare equal."""
        cached = self.columns.get(field)
        if cached is None:
            reader = self.reader
            if not reader.has_column(field):
                cached = (np.zeros(self.size), np.ones(self.size, dtype=bool))
            else:
                col = reader.column_reader(field, translate=False)
                if isinstance(col, NumericColumn.Reader) and col._fixedlen in (4, 8):
                    # one read: big-endian fixed-width values up to the last non-default one
                    count = min(col._count, self.size)
                    raw = col._dbfile.get(col._basepos, count * col._fixedlen) if count else b""
                    dtype = np.dtype(">" + col._typecode)
                    values = np.full(self.size, col._default, dtype=dtype.newbyteorder("="))
                    values[:count] = np.frombuffer(raw, dtype=dtype)[:count]
                else:  # any other column: value by value
                    values = np.array(list(col))
                cached = (values, values == col._default)
            self.columns[field] = cached
        return cached


#: What reading damaged segment data raises (zero-filled or garbled bytes: bad
#: compressed data, pickles, packed numbers, text); see :func:`_damage_is_an_error`.
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    zlib.error, pickle.UnpicklingError, struct.error, EOFError, UnicodeDecodeError,
)


def _damage_is_an_error(method: Any) -> Any:
    """Raise :class:`~arsearch.IndexCorruptedError` (with the original error
    chained) where a reading method fails to decode the index's data."""

    @functools.wraps(method)
    def guarded(self: Engine, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except DECODE_ERRORS as e:
            raise IndexCorruptedError(
                f"the index's data cannot be read ({type(e).__name__}: {e}): a file is damaged; "
                f"restore it from a backup or rebuild the index"
            ) from e

    return guarded


_PACK_FIELD = struct.Struct(">H").pack  # a W3 term key: the field number (as Whoosh's pack_ushort), then the term

_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)  # Whoosh's length byte → length


def _read_postings(reader: Any, field: str, btext: bytes, values: bool) -> tuple[np.ndarray, np.ndarray, list[bytes] | None]:
    """All postings of one term in one segment: (ids, weights, values)."""
    m = reader._terms.matcher(field, btext, reader.schema[field].format)
    if isinstance(m, W3LeafMatcher):
        # Walk the blocks with the matcher, but decode each block's data here:
        # W3 delta-decodes ids and copies weights one posting at a time in Python.
        id_parts: list[np.ndarray] = []
        w_parts: list[np.ndarray] = []
        vals: list[bytes] | None = [] if values else None
        get = m._postfile.get
        while True:
            data = get(m._dataoffset, m._nextoffset - m._dataoffset)
            if m._compression:
                data = zlib.decompress(data)
            m._data = block = restricted_loads(data)  # (delta-encoded ids, weights, values)
            id_parts.append(np.cumsum(np.array(block[0], dtype=np.int64)))
            w = block[1]  # None: all 1.0; a float: all equal; else one per posting
            if w is None or isinstance(w, float):
                w_parts.append(np.full(m._blocklength, 1.0 if w is None else w))
            else:
                w_parts.append(np.array(w, dtype=np.float64))
            if vals is not None:
                m._read_values()
                vals.extend(m._values)
            if m._lastblock:
                break
            m._goto(m._nextoffset)
        ids = np.concatenate(id_parts) if id_parts else np.empty(0, np.int64)
        weights = np.concatenate(w_parts) if w_parts else np.empty(0, np.float64)
        return ids, weights, vals
    # Inlined (tiny) posting lists and any other matcher: the generic API.
    id_list: list[int] = []
    w_list: list[float] = []
    v_list: list[bytes] = []
    while m.is_active():
        id_list.append(m.id())
        w_list.append(m.weight())
        if values:
            v_list.append(m.value())
        m.next()
    return np.asarray(id_list, dtype=np.int64), np.asarray(w_list, dtype=np.float64), (v_list if values else None)


def _cache_cost(plist: list[tuple[int, np.ndarray, np.ndarray, list[bytes] | None]]) -> int:
    """What a cached posting list counts against the cache budget."""
    return sum(len(ids) * (1 if vals is None else 2) for _, ids, _, vals in plist) + 1


_POS_BITS = 32  # phrase keys: docnum << 32 | position


def _position_keys(ids: np.ndarray, weights: np.ndarray, vals: list[bytes], shift: int) -> np.ndarray | None:
    """``docnum << 32 | (position − shift)`` for every position of a term,
    decoded in bulk from :class:`~arsearch.engines.whoosh.schema.ArabicPositions` values
    (a 4-byte count, then the positions as uint32); None if not that layout."""
    tf = weights.astype(np.int64)
    raw = np.frombuffer(b"".join(vals), dtype=np.uint32)
    if len(raw) != int(tf.sum()) + len(tf):
        return None
    starts = np.cumsum(tf + 1) - (tf + 1)  # where each document's count sits
    keep = np.ones(len(raw), dtype=bool)
    keep[starts] = False
    positions = raw[keep].astype(np.int64)
    return (np.repeat(ids, tf) << _POS_BITS) + positions - shift


def _near_docs(per: list[tuple[np.ndarray, np.ndarray, list[bytes] | None]], window: int) -> np.ndarray:
    """Local docnums where the second word follows the first within ``window`` positions."""
    (ids_a, w_a, v_a), (ids_b, w_b, v_b) = per
    common = np.intersect1d(ids_a, ids_b, assume_unique=True)
    if not len(common):
        return common
    ia = np.flatnonzero(np.isin(ids_a, common, assume_unique=True))
    ib = np.flatnonzero(np.isin(ids_b, common, assume_unique=True))
    keys_a = _position_keys(ids_a[ia], w_a[ia], [v_a[i] for i in ia.tolist()], 0)  # type: ignore[index]
    keys_b = _position_keys(ids_b[ib], w_b[ib], [v_b[i] for i in ib.tolist()], 0)  # type: ignore[index]
    if keys_a is None or keys_b is None:
        return common[:0]
    # For each position of the second word, the nearest earlier position of the first.
    keys_a = np.sort(keys_a)
    keys_b = np.sort(keys_b)
    before = np.searchsorted(keys_a, keys_b, side="left") - 1
    ok = before >= 0
    prev = keys_a[np.maximum(before, 0)]
    gap = keys_b - prev
    ok &= (prev >> _POS_BITS) == (keys_b >> _POS_BITS)
    ok &= (gap >= 1) & (gap <= max(1, window))
    return np.unique(keys_b[ok] >> _POS_BITS)


def _common_docs(per: list[tuple[np.ndarray, np.ndarray, list[bytes] | None]]) -> np.ndarray:
    """Local docnums holding every word (one posting triple each)."""
    common = per[0][0]
    for ids, _, _ in per[1:]:
        common = np.intersect1d(common, ids, assume_unique=True)
    return common


def _sloppy_docs(per: list[tuple[np.ndarray, np.ndarray, list[bytes] | None]], fmt: Any, slop: int) -> np.ndarray:
    """Local docnums where the words occur in order with at most ``slop``
    other words between them in all (Lucene's slop, without reordering)."""
    common = _common_docs(per)
    hits = []
    k = len(per)
    for d in common.tolist():
        lists = [sorted(fmt.decode_positions(vals[int(np.searchsorted(ids, d))])) for ids, _, vals in per]  # type: ignore[index]
        for start in lists[0]:
            pos = start
            for later in lists[1:]:
                i = bisect.bisect_right(later, pos)
                if i == len(later):
                    pos = -1
                    break
                pos = later[i]
            if pos < 0:
                break  # no later start can complete the sequence either
            if pos - start - (k - 1) <= slop:
                hits.append(d)
                break
    return np.asarray(hits, dtype=np.int64)


def _phrase_docs(per: list[tuple[np.ndarray, np.ndarray, list[bytes] | None]], fmt: Any) -> np.ndarray:
    """Local docnums where the words (one posting triple each, in order) are adjacent."""
    common = _common_docs(per)
    if not len(common):
        return common
    if isinstance(fmt, ArabicPositions):
        keys = None
        for k, (ids, weights, vals) in enumerate(per):
            sel = np.isin(ids, common, assume_unique=True)
            idx = np.flatnonzero(sel)
            word_keys = _position_keys(ids[idx], weights[idx], [vals[i] for i in idx.tolist()], k)  # type: ignore[index]
            if word_keys is None:
                break
            keys = word_keys if keys is None else np.intersect1d(keys, word_keys)
        else:
            return np.unique(keys >> _POS_BITS) if keys is not None else common[:0]
    # Any other positions format: decode per document.
    hits = []
    for d in common.tolist():
        positions = [fmt.decode_positions(vals[int(np.searchsorted(ids, d))]) for ids, _, vals in per]  # type: ignore[index]
        rest = [set(p) for p in positions[1:]]
        if any(all(p + k + 1 in s for k, s in enumerate(rest)) for p in positions[0]):
            hits.append(d)
    return np.asarray(hits, dtype=np.int64)


class Engine:
    """Executes :class:`~arsearch.query.Plan` objects against one Whoosh searcher."""

    @_damage_is_an_error
    def __init__(self, searcher: Any, k1: float, b: float, previous: Engine | None = None) -> None:
        self.searcher = searcher
        self.k1 = k1
        self.b = b
        self.n = searcher.doc_count_all()
        # Whoosh opens new readers for every segment on refresh (it never reuses them), so
        # match segments by id, not by reader, to keep their field lengths.
        old = {s.key: s for s in previous.segments} if previous is not None else {}
        self.segments: list[_Segment] = []
        for reader, offset in searcher.reader().leaf_readers():
            if not reader.doc_count_all():  # no documents (an index without segments gives an EmptyReader)
                continue
            seg = _Segment(reader, offset)
            prev = old.get(seg.key)
            if prev is not None:
                seg.lengths = prev.lengths
                seg.columns = prev.columns
            self.segments.append(seg)
        self.live = np.ones(self.n, dtype=bool)
        for seg in self.segments:
            if seg.reader.has_deletions():
                live_ids = np.fromiter(seg.reader.all_doc_ids(), dtype=np.int64)
                mask = np.zeros(seg.size, dtype=bool)
                mask[live_ids] = True
                self.live[seg.offset : seg.offset + seg.size] = mask
        self._norms: dict[str, np.ndarray] = {}
        self._idf: dict[tuple[str, str], float] = {}
        self._df: dict[tuple[str, str], int] = {}
        self.memo: dict[Any, Any] = {}  # the query planner's lookups for this generation (see query.Lexicon)
        self._keywords: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
        self._sort_columns: dict[tuple[str, bool | None], tuple[np.ndarray, np.ndarray]] = {}
        self._last_run: tuple[Any, tuple[np.ndarray, np.ndarray]] | None = None
        self._cached = 0  # postings held by the cache
        self._cache: OrderedDict[tuple[str, str, bool], list[tuple[int, np.ndarray, np.ndarray, list[bytes] | None]]] = (
            OrderedDict()
        )

    # -- postings and statistics ----------------------------------------------------
    @_damage_is_an_error
    def postings(self, field: str, term: str, values: bool = False) -> list[tuple[int, np.ndarray, np.ndarray, list[bytes] | None]]:
        """Per segment: (offset, local ids, weights, values) of a term."""
        key = (field, term, values)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        btext = term.encode("utf-8")
        out = []
        for seg in self.segments:
            try:
                ids, weights, vals = _read_postings(seg.reader, field, btext, values)
            except (TermNotFound, KeyError):
                continue
            if len(ids):
                out.append((seg.offset, ids, weights, vals))
        self._cache[key] = out
        self._cached += _cache_cost(out)
        while self._cached > _CACHE_POSTINGS or len(self._cache) > _CACHE_LISTS:
            _, old = self._cache.popitem(last=False)
            self._cached -= _cache_cost(old)
        return out

    def norms(self, field: str) -> np.ndarray:
        """k1 × (1 − b + b × len / avglen) for every document of the index."""
        norm = self._norms.get(field)
        if norm is None:
            lengths = (
                np.concatenate([seg.field_lengths(field) for seg in self.segments])
                if self.segments
                else np.empty(0, np.float64)
            )
            avg = self.searcher.avg_field_length(field) or 1.0
            norm = self.k1 * ((1.0 - self.b) + self.b * lengths / avg)
            self._norms[field] = norm
        return norm

    @_damage_is_an_error
    def has_term(self, term: str, fields: Sequence[str]) -> bool:
        """Whether any live or deleted document holds ``term`` in one of ``fields``
        (a term-dictionary lookup per segment, no postings read)."""
        btext = term.encode("utf-8")
        for seg in self.segments:
            lookup = seg.term_lookup
            if lookup is not None:  # a W3 segment: its term hash table directly (half the time)
                fieldmap, table = lookup
                if any(_PACK_FIELD(fieldmap.get(f, 65535)) + btext in table for f in fields):
                    return True
            elif any((f, term) in seg.reader for f in fields):
                return True
        return False

    @_damage_is_an_error
    def has_field(self, field: str) -> bool:
        return field in self.searcher.schema

    def df(self, field: str, term: str) -> int:
        key = (field, term)
        value = self._df.get(key)
        if value is None:
            if len(self._df) >= _STATS_LIMIT:  # spellers and close spellings look up many absent terms
                self._df.clear()
            value = self._df[key] = self.searcher.doc_frequency(field, term)
        return value

    def idf(self, field: str, term: str) -> float:
        key = (field, term)
        value = self._idf.get(key)
        if value is None:
            df = self.df(field, term)
            if len(self._idf) >= _STATS_LIMIT:
                self._idf.clear()
            value = self._idf[key] = math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))
        return value

    # -- items ------------------------------------------------------------------------
    def _terms(self, refs: Iterable[TermRef], scores: np.ndarray, matched: np.ndarray, strict: bool = False) -> None:
        """Score ``refs`` into ``scores`` and mark the documents that are hits:
        those holding a ref that :attr:`TermRef.matches`; ``strict`` (a
        required or excluded word): only the word's own term."""
        k1p1 = self.k1 + 1.0
        for ref in refs:
            if ref.max_df < 1.0 and self.df(ref.field, ref.term) > ref.max_df * self.n:
                continue  # too common to tell documents apart (an affix n-gram): not worth reading
            plist = self.postings(ref.field, ref.term)
            if not plist:
                continue
            c = ref.weight * self.idf(ref.field, ref.term) * k1p1 if ref.weight else 0.0
            norm = self.norms(ref.field) if c else None
            marks = ref.how == "stem" if strict else ref.matches
            for offset, ids, weights, _ in plist:
                gids = ids + offset
                if marks:
                    matched[gids] = True
                if norm is not None:
                    scores[gids] += c * weights / (weights + norm[gids])

    def _phrase(self, item: PlanItem, scores: np.ndarray, matched: np.ndarray) -> None:
        words = item.words
        k1p1 = self.k1 + 1.0
        for field, boost in item.fields:
            lists = [self.postings(field, w, values=True) for w in dict.fromkeys(words)]
            if any(not pl for pl in lists):
                continue
            by_word = {w: {off: (ids, wts, vals) for off, ids, wts, vals in pl} for w, pl in zip(dict.fromkeys(words), lists)}
            fmt = self.searcher.schema[field].format
            norm = self.norms(field)
            idfs = {w: self.idf(field, w) for w in by_word}
            for seg in self.segments:
                per = [by_word[w].get(seg.offset) for w in words]
                if any(p is None for p in per):
                    continue
                if item.kind == "near":
                    hits = _near_docs(per, item.window)
                elif item.slop and len(per) == 2:
                    hits = _near_docs(per, item.slop + 1)
                elif item.slop:
                    hits = _sloppy_docs(per, fmt, item.slop)
                else:
                    hits = _phrase_docs(per, fmt)
                if not len(hits):
                    continue
                local = hits
                gids = local + seg.offset
                if not item.bonus:
                    matched[gids] = True
                total = np.zeros(len(local))
                for w in dict.fromkeys(words):
                    ids, wts, _ = by_word[w][seg.offset]
                    tf = wts[np.searchsorted(ids, local)]
                    total += idfs[w] * tf * k1p1 / (tf + norm[gids])
                scores[gids] += item.weight * boost * total

    def _prefix(self, item: PlanItem, scores: np.ndarray, matched: np.ndarray) -> None:
        reader = self.searcher.reader()
        for f, boost in item.fields:
            expanded: list[str] = []
            for k, prefix in enumerate(item.prefixes):
                try:
                    for btext in reader.expand_prefix(f, prefix):
                        term = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                        if k == 0 or term not in item.skip:
                            expanded.append(term)
                        if len(expanded) >= _MAX_PREFIX_TERMS:
                            break
                except (TermNotFound, KeyError):
                    continue
            hit = np.zeros(self.n, dtype=bool)
            for term in expanded:
                for offset, ids, _, _ in self.postings(f, term):
                    hit[ids + offset] = True
            matched |= hit
            scores[hit] = np.maximum(scores[hit], boost)  # constant score, like Lucene's prefix queries

    def evaluate(self, item: PlanItem, strict: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(scores, matched) arrays over all documents for one item; ``strict``
        (under an exclusion): words match by their own term only."""
        if item.kind == "group":
            total, hits = self._combine(item.children, strict or item.occur == "must_not")[:2]
            return np.where(hits, total, 0.0), hits  # a group that does not match adds nothing
        scores = np.zeros(self.n, dtype=np.float64)
        matched = np.zeros(self.n, dtype=bool)
        if item.kind == "terms":
            self._terms(item.refs, scores, matched, strict=strict or item.occur != "should")
        elif item.kind in ("phrase", "near"):
            self._phrase(item, scores, matched)
        else:
            self._prefix(item, scores, matched)
        return scores, matched

    def _combine(self, items: Iterable[PlanItem], strict: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Items combined as a boolean query: (scores, hits, optional items
        matched per document, number of optional items); ``strict`` as in
        :meth:`evaluate`, for the items of an excluded group."""
        n = self.n
        total = np.zeros(n, dtype=np.float64)
        any_match = np.zeros(n, dtype=bool)
        required = np.ones(n, dtype=bool)
        excluded = np.zeros(n, dtype=bool)
        count = np.zeros(n, dtype=np.float64)
        optional = 0
        for item in items:
            scores, matched = self.evaluate(item, strict or item.occur == "must_not")
            if item.occur == "must_not":
                excluded |= matched
                continue
            total += scores
            if item.bonus:
                continue
            any_match |= matched
            if item.occur == "must":
                required &= matched
            else:
                count += matched
                optional += 1
        return total, any_match & required & ~excluded, count, optional

    # -- plans -----------------------------------------------------------------------
    def _run_filtered(self, plan: Plan, conditions: Sequence[Condition] | None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`run` with filter conditions; the last result is kept, so a
        search's :meth:`top` and :meth:`facets` score its plan once."""
        key = (plan, tuple(conditions or ()))
        last = self._last_run
        if last is not None and last[0][0] is plan and last[0][1] == key[1]:
            return last[1]
        result = self.run(plan, self.mask_for(whoosh_filter(conditions)) if conditions else None)
        self._last_run = (key, result)
        return result

    def run(self, plan: Plan, filter_mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Score a plan: returns (scores, hit mask) over all documents."""
        total, hits, count, optional = self._combine(plan.items)
        candidates = hits & self.live
        if filter_mask is not None:
            candidates &= filter_mask
        if plan.coordination > 0 and optional > 1:
            c = plan.coordination
            total *= (1.0 - c) + c * count / optional
        return total, candidates

    @_damage_is_an_error
    def top(
        self, plan: Plan, k: int, conditions: Sequence[Condition] | None = None, sort: SortKey | None = None
    ) -> tuple[list[tuple[int, float]], int]:
        """The best ``k`` (docnum, score) pairs, best first (ties by docnum),
        or the first ``k`` in ``sort``'s order, and the match count."""
        scores, candidates = self._run_filtered(plan, conditions)
        docs = np.flatnonzero(candidates)
        total = int(len(docs))
        if not total or k <= 0:
            return [], total
        s = scores[docs]
        if sort is not None:
            values, missing = self._sort_values(sort, docs)
            order = np.lexsort((docs, -s, values, missing))[:k]
            return [(int(docs[i]), float(s[i])) for i in order], total
        if total > k:
            # Keep every document tied with the k-th best, so that ties are
            # broken by docnum below and pages never overlap or skip.
            kth = np.partition(s, total - k)[total - k]
            keep = s >= kth
            docs, s = docs[keep], s[keep]
        order = np.lexsort((docs, -s))[:k]
        return [(int(docs[i]), float(s[i])) for i in order], total

    def _sort_values(self, key: SortKey, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sort values, missing) for ``docs``: ascending order of the values
        is the sort's order (negated when descending)."""
        values, missing = self._sort_column(key)
        values, missing = values[docs], missing[docs]
        return (-values if key.descending else values), missing

    def _sort_column(self, key: SortKey) -> tuple[np.ndarray, np.ndarray]:
        """(a value per docnum, missing per docnum) for a sort, made once per
        reader: a keyword's smallest (ascending) or largest (descending) term
        ordinal; the rank of a number's or date's column value (exact order,
        whatever the column's type)."""
        cache_key = (key.field, key.descending if key.kind == "keyword" else None)
        cached = self._sort_columns.get(cache_key)
        if cached is None:
            if key.kind == "keyword":
                _terms, kw_docs, ords = self.keyword_values(key.field)
                fill = -1 if key.descending else np.iinfo(np.int64).max
                per_doc = np.full(self.n, fill, dtype=np.int64)
                (np.maximum if key.descending else np.minimum).at(per_doc, kw_docs, ords)
                cached = (per_doc.astype(np.float64), per_doc == fill)
            elif self.segments:
                columns = [seg.column(key.field) for seg in self.segments]
                values = np.concatenate([v for v, _ in columns])
                ranks = np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.float64)
                cached = (ranks, np.concatenate([m for _, m in columns]))
            else:
                cached = (np.zeros(0), np.ones(0, dtype=bool))
            self._sort_columns[cache_key] = cached
        return cached

    @_damage_is_an_error
    def keyword_values(self, field: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """A keyword field's values: (its terms, sorted; docnums; the term
        ordinal of each docnum's value), one pair per posting, made once per reader."""
        cached = self._keywords.get(field)
        if cached is None:
            terms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in self.searcher.reader().lexicon(field)]
            doc_parts: list[np.ndarray] = []
            ord_parts: list[np.ndarray] = []
            for i, term in enumerate(terms):
                for offset, ids, _, _ in self.postings(field, term):
                    doc_parts.append(ids + offset)
                    ord_parts.append(np.full(len(ids), i, dtype=np.int64))
            docs = np.concatenate(doc_parts) if doc_parts else np.empty(0, np.int64)
            ords = np.concatenate(ord_parts) if ord_parts else np.empty(0, np.int64)
            cached = self._keywords[field] = (terms, docs, ords)
        return cached

    @_damage_is_an_error
    def facets(
        self, plan: Plan, conditions: Sequence[Condition] | None, fields: Sequence[str]
    ) -> dict[str, dict[str, int]]:
        """Counts of each keyword value among all the hits (see :class:`~arsearch.engines.base.Reader`)."""
        _, candidates = self._run_filtered(plan, conditions)
        out: dict[str, dict[str, int]] = {}
        for field in fields:
            terms, docs, ords = self.keyword_values(field)
            counts = np.bincount(ords[candidates[docs]], minlength=len(terms))
            out[field] = {terms[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}
        return out

    # -- documents ---------------------------------------------------------------------
    @_damage_is_an_error
    def stored(self, doc: int) -> dict[str, Any]:
        return dict(self.searcher.stored_fields(doc))

    @_damage_is_an_error
    def document(self, doc_id: str) -> dict[str, Any] | None:
        found = self.searcher.document(id=doc_id)
        return dict(found) if found is not None else None

    @_damage_is_an_error
    def doc_count(self) -> int:
        return int(self.searcher.doc_count())

    @_damage_is_an_error
    def documents(self) -> Iterator[dict[str, Any]]:
        return (dict(fields) for fields in list(self.searcher.all_stored_fields()))

    @_damage_is_an_error
    def stats(self) -> dict[str, Any]:
        reader = self.searcher.reader()
        # the text fields: the positional ones (representation fields have no positions)
        text = [name for name, spec in self.searcher.schema.items() if isinstance(spec.format, ArabicPositions)]
        return {
            "deleted": int(reader.doc_count_all() - reader.doc_count()),
            "segments": len(self.segments),
            "terms": {f: sum(1 for _ in reader.lexicon(f)) for f in text},
        }

    @_damage_is_an_error
    def mask_for(self, whoosh_query: Any) -> np.ndarray:
        """Documents matching a Whoosh query (used for filters)."""
        mask = np.zeros(self.n, dtype=bool)
        ids = list(self.searcher.docs_for_query(whoosh_query))
        if ids:
            mask[np.asarray(ids, dtype=np.int64)] = True
        return mask
