"""A one-process segment writer that keeps postings grouped per term (index glue).

Whoosh's :class:`~whoosh.writing.SegmentWriter` puts every posting in a
sorting pool as a ``(fieldname, btext, docnum, weight, value)`` tuple, sorts
them all at commit and feeds them one by one to the codec: about 40% of
indexing time is that per-posting bookkeeping. A segment writer hands out
document numbers in increasing order, so a term's postings already arrive
sorted by document; :class:`GroupedPool` appends each posting to its term's
list as it comes, sorts only the terms at commit, and :class:`GroupedSegmentWriter`
writes each term's postings a block at a time
(:meth:`arsearch.engines.whoosh.schema._FieldWriter.add_grouped_postings`). The files are
byte for byte those of Whoosh's writer with the same codec.

ArabicText fields go to bulk stores instead: for the ranking
representations (a word's root, its character 4-grams; most of an index's
postings) each document's term counts are appended to three arrays (term id,
docnum, count), for the positional fields each word (term id, docnum,
position), with C loops; at commit one NumPy sort groups them per term, the
positions are encoded in one buffer, and whole terms are written at a time
(:meth:`arsearch.engines.whoosh.schema._PostingsWriter.add_frequency_postings`).

Anything that breaks the one assumption (a term's postings in increasing
document order) — Whoosh's spelling words, a field yielding the same term
twice for a document, postings added out of order by other code — switches
the pool to Whoosh's own :class:`~whoosh.writing.PostingPool` for the rest
of the writer's life, so correctness never rests on the fast path. Over its
memory limit the pool spills sorted runs of whole terms to temporary files
and merges them at commit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import heapq
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import compress, count, repeat
from operator import is_, itemgetter, methodcaller
from typing import Any

import numpy as np
from whoosh import multiproc
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.util import random_name
from whoosh.writing import PostingPool, SegmentWriter

from ...errors import IndexWriteError

__all__ = ["GroupedPool", "GroupedSegmentWriter", "GroupedMpWriter"]

#: A term's postings: docnum, weight, value, docnum, weight, value, ... in docnum order.
#: One flat list costs one append per posting and no per-posting tuple.
Postings = list[Any]
#: A term's postings from a bulk store: docnums and counts (a Frequency
#: field), plus each posting's value (a Positions field: the encoded positions).
FreqPostings = tuple[Any, ...]
TermPostings = tuple[str, bytes, Postings]

# Rough memory per posting (three list slots and the value's bytes object
# header) and per new term (dict entry, list, key object), for the limit.
_POSTING_BYTES = 64
_TERM_BYTES = 200
# The same in a bulk store: three array items a posting (a Frequency field)
# or a word (a Positions field); a vocabulary entry. Grouping a store at a
# spill or commit needs more for a moment — sort keys and order and sorted
# copies (about 1.25 times a Frequency store's arrays), and for a Positions
# store the encoded values too (about 2.5 times its arrays on news text) —
# not counted here: counting it made a 40,000-article build spill 5 times
# instead of 2, at about 6 s a spill.
_BULK_POSTING_BYTES = 16
_BULK_WORD_BYTES = 16
_BULK_TERM_BYTES = 120
# Largest fixed-width bytes array _utf8_order sorts a field's terms in (else Python's sort).
_SORT_ARRAY_BYTES = 32 * 1024 * 1024
# Runs joined at once at commit (one open file each); more are joined in steps.
_MAX_OPEN_RUNS = 64
# A sub-writer process checks this often whether its parent is still alive
# (where the OS cannot kill it with its parent, and as a second guard).
_PARENT_CHECK_S = 0.2
# Seconds a sub-writer gets to end after SIGTERM (on cancel) before SIGKILL.
_TERMINATE_WAIT_S = 2.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h: the signal a process gets when its parent dies


class _FreqStore:
    """One field's postings as parallel arrays appended a document at a time
    without a Python step per posting: (term id, docnum, count) for a
    Frequency field — the ranking representations, most of an index's
    postings (a word's 4-grams, its root) — or (term id, docnum, position)
    per word for a Positions field, grouped into postings at commit."""

    __slots__ = ("vocab", "termids", "docnums", "counts", "lastdoc", "positions")

    def __init__(self, positions: bool = False) -> None:
        self.vocab: dict[str, int] = {}
        self.termids = array("q")
        self.docnums = array("I")
        self.counts = array("I")  # counts, or positions for a Positions field
        self.lastdoc = -1
        self.positions = positions

    def _ids(self, terms: Iterable[str]) -> tuple[list[int], int]:
        # one vocabulary lookup per item, in C; only new terms reach Python
        vocab = self.vocab
        ids = list(map(vocab.get, terms))
        if None not in ids:
            return ids, 0
        added = dict.fromkeys(compress(terms, map(is_, ids, repeat(None))))
        added = dict(zip(added, count(len(vocab))))
        vocab.update(added)
        return list(map(added.get, terms, ids)), len(added)

    def add(self, docnum: int, counts: Counter[str]) -> int:
        """Add a document's term counts (docnum above every earlier one);
        returns the number of new terms."""
        ids, new = self._ids(counts)
        self.termids.extend(ids)
        self.counts.extend(counts.values())
        self.docnums.extend(repeat(docnum, len(counts)))
        self.lastdoc = docnum
        return new

    def add_terms(self, docnum: int, terms: list[str]) -> int:
        """Add a document's terms in order (positions 0, 1, ...) to a
        Positions field's store; returns the number of new terms."""
        ids, new = self._ids(terms)
        self.termids.extend(ids)
        self.counts.extend(range(len(terms)))
        self.docnums.extend(repeat(docnum, len(terms)))
        self.lastdoc = docnum
        return new

    def __len__(self) -> int:
        return len(self.termids)

    def iter_terms(self) -> Iterator[tuple[bytes, FreqPostings]]:
        """``(btext, postings)`` in term order, docnums increasing:
        ``(docnums, counts)``, or for a Positions field ``(docnums, counts,
        values)`` with each posting's ArabicPositions value."""
        if not self.vocab:
            return
        # term ids are 0, 1, ... in the vocabulary's order
        vocab = list(self.vocab)
        ids = _utf8_order(vocab)
        terms = list(map(vocab.__getitem__, ids.tolist()))
        del vocab
        rank = np.empty(len(terms), dtype=np.int32 if len(terms) < 2**31 else np.int64)
        rank[ids] = np.arange(len(terms))
        del ids
        keys = rank[np.frombuffer(self.termids, dtype=np.int64)]
        # stable: each term's items stay in arrival (= docnum, position) order
        order = np.argsort(keys, kind="stable")
        if not self.positions:
            ends = np.cumsum(np.bincount(keys, minlength=len(terms))).tolist()
            del keys
            docnums = np.frombuffer(self.docnums, dtype=np.uint32)[order]
            counts = np.frombuffer(self.counts, dtype=np.uint32)[order]
            del order
            start = 0
            for term, end in zip(terms, ends):
                yield term.encode("utf-8"), (docnums[start:end], counts[start:end])
                start = end
            return
        keys = keys[order]
        words_docnums = np.frombuffer(self.docnums, dtype=np.uint32)[order]
        positions = np.frombuffer(self.counts, dtype=np.uint32)[order]
        del order
        # a posting starts where the term or the document changes
        n = len(keys)
        starts_mask = np.ones(n, dtype=bool)
        starts_mask[1:] = (keys[1:] != keys[:-1]) | (words_docnums[1:] != words_docnums[:-1])
        starts = np.flatnonzero(starts_mask)
        del starts_mask
        counts = np.diff(np.append(starts, n)).astype(np.uint32)
        docnums = words_docnums[starts]
        per_term = np.cumsum(np.bincount(keys[starts], minlength=len(terms))).tolist()
        del keys, words_docnums
        # ArabicPositions values, all in one buffer: each posting's count
        # (4 bytes big-endian, pack_uint) followed by its positions (native uint32)
        heads = starts + np.arange(len(starts))
        del starts
        buf = np.empty(n + len(heads), dtype=np.uint32)
        is_position = np.ones(len(buf), dtype=bool)
        is_position[heads] = False
        buf[heads] = counts.astype(">u4").view(np.uint32)
        buf[is_position] = positions
        del is_position, positions
        raw = buf.tobytes()
        del buf
        # byte offsets of the values, the end appended (one term's at a time
        # as a list: a list for all postings would outweigh the arrays)
        offsets = np.append(heads * 4, len(raw))
        del heads
        start = 0
        for term, end in zip(terms, per_term):
            cut = offsets[start : end + 1].tolist()
            values = list(map(raw.__getitem__, map(slice, cut, cut[1:])))
            yield term.encode("utf-8"), (docnums[start:end], counts[start:end], values)
            start = end


_ends_with_nul = methodcaller("endswith", "\x00")


def _utf8_order(terms: list[str]) -> np.ndarray:
    """The indexes of ``terms`` (distinct) in str order, which is their
    UTF-8 bytes' order: a NumPy sort of the bytes at a fixed width (a shorter
    key sorts first, as its padding NULs are lowest), unless that array would
    be large or a term ends in NUL (NumPy drops trailing NULs): then Python's
    sort of the str."""
    if not terms:
        return np.empty(0, dtype=np.int64)
    width = max(map(len, map(str.encode, terms)))
    if len(terms) * width <= _SORT_ARRAY_BYTES and not any(map(_ends_with_nul, terms)):
        keys = np.fromiter(map(str.encode, terms), dtype=f"S{width}", count=len(terms))
        return np.argsort(keys, kind="stable")
    return np.array(sorted(range(len(terms)), key=terms.__getitem__), dtype=np.int64)


def _flat(postings: FreqPostings) -> Postings:
    """A bulk store's postings as the pool's flat docnum, weight, value list."""
    out: Postings = []
    counts = postings[1].tolist()
    values = postings[2] if len(postings) > 2 else map(pack_uint, counts)
    for docnum, freq, value in zip(postings[0].tolist(), counts, values):
        out += (docnum, float(freq), value)
    return out


class GroupedPool:
    """Postings grouped by field and term, in arrival (= document) order.

    Drop-in for Whoosh's :class:`~whoosh.writing.PostingPool` as used by
    :class:`~whoosh.writing.SegmentWriter` (``add``, ``iter_postings``,
    ``cleanup``, ``fieldnames``), plus :meth:`add_field` for a document
    field's postings at once and :meth:`iter_terms` for the grouped postings.
    """

    def __init__(self, tempstore: Any, segment: Any, limitmb: float = 128) -> None:
        self.tempstore = tempstore
        self.segment = segment
        self.limitmb = limitmb
        self.limit = limitmb * 1024 * 1024
        #: Estimated bytes held in memory (spilled to a run above ``limit``).
        self.size = 0
        self.fieldnames: set[str] = set()
        self._fields: dict[str, dict[bytes, Postings]] = {}
        # Highest docnum seen per field: a new document's postings for that
        # field can then be appended without checking each term's last one.
        self._lastdoc: dict[str, int] = {}
        # Each spilled term's last docnum: a term absent from memory may
        # still have postings in the runs, which new ones must follow.
        self._spilled: dict[str, dict[bytes, int]] = {}
        # Frequency fields' bulk stores (add_counts), and each field's highest
        # docnum ever put in one: a bound on every term's last bulk posting.
        self._bulk: dict[str, _FreqStore] = {}
        self._bulk_last: dict[str, int] = {}
        self._runs: list[str] = []
        self._fallback: PostingPool | None = None

    @property
    def grouped(self) -> bool:
        """True while postings are grouped (no fallback to Whoosh's pool)."""
        return self._fallback is None

    @property
    def bulk_fieldnames(self) -> list[str]:
        """Fields with postings in a bulk store (Frequency fields added with :meth:`add_counts`)."""
        return sorted(name for name, store in self._bulk.items() if len(store))

    @property
    def runs(self) -> list[str]:
        """Names of the spilled run files in the temp storage."""
        return list(self._runs)

    # -- adding ----------------------------------------------------------------
    def _terms(self, fieldname: str) -> dict[bytes, Postings]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one ``(fieldname, btext, docnum, weight, value)`` posting
        (segment merges, spelling words, other code's postings)."""
        fallback = self._fallback
        if fallback is not None:
            fallback.add(item)
            return
        fieldname, btext, docnum, weight, vbytes = item
        # The same checks as Whoosh's pool, so bad postings fail the same way.
        assert isinstance(btext, bytes), "tbytes=%r" % btext
        if vbytes is not None:
            assert isinstance(vbytes, bytes), "vbytes=%r" % vbytes
        terms = self._terms(fieldname)
        postings = terms.get(btext)
        if postings is None:
            before = max(self._spilled.get(fieldname, {}).get(btext, -1), self._bulk_last.get(fieldname, -1))
            if docnum < 0 or (docnum <= self._lastdoc.get(fieldname, -1) and docnum <= before):
                self._fall_back(item)
                return
            terms[btext] = [docnum, weight, vbytes]
            self.size += _TERM_BYTES + len(btext)
        elif postings[-3] < docnum:
            postings += (docnum, weight, vbytes)
        else:
            self._fall_back(item)
            return
        if docnum > self._lastdoc.get(fieldname, -1):
            self._lastdoc[fieldname] = docnum
        self.size += _POSTING_BYTES + len(vbytes or b"")
        if self.size > self.limit:
            self.spill()

    def add_field(
        self,
        fieldname: str,
        docnum: int,
        items: Iterable[tuple[bytes, int, float, bytes]],
        boost: float,
        distinct: bool,
    ) -> int:
        """Add one document field's ``(btext, freq, weight, value)`` postings
        (a field's ``index()`` output), weights times ``boost`` as Whoosh's
        writer does; returns the sum of the frequencies.

        ``distinct``: ``items`` name each term once and weights are floats
        (``ArabicText``), so they can be appended without per-posting checks
        (and ``weight * 1.0`` skipped).
        """
        if self._fallback is not None or not distinct or docnum <= self._lastdoc.get(fieldname, -1):
            return self._add_checked(fieldname, docnum, items, boost)
        terms = self._terms(fieldname)
        get = terms.get
        total = count = vsize = tsize = 0
        if boost != 1.0:
            items = [(t, f, w * boost, v) for t, f, w, v in items]
        for btext, freq, weight, vbytes in items:
            postings = get(btext)
            if postings is None:
                terms[btext] = [docnum, weight, vbytes]
                tsize += _TERM_BYTES + len(btext)
            else:
                postings += (docnum, weight, vbytes)
            total += freq
            count += 1
            vsize += len(vbytes)
        self._lastdoc[fieldname] = docnum
        self.size += count * _POSTING_BYTES + vsize + tsize
        if self.size > self.limit:
            self.spill()
        return total

    def add_counts(self, fieldname: str, docnum: int, counts: Counter[str]) -> bool:
        """Add one document's postings for a Frequency field as its term
        counts (weight = count, value = ``pack_uint(count)``, no boost) to the
        field's bulk store. False when they must go through :meth:`add_field`
        instead: the pool fell back, the field already holds postings added
        one by one, or ``docnum`` is not above the field's last one."""
        return self._add_bulk(fieldname, docnum, counts, positions=False)

    def add_terms(self, fieldname: str, docnum: int, terms: list[str]) -> bool:
        """Add one document's postings for an ArabicPositions field as its
        terms in order (positions 0, 1, ...; weight = count, no boost) to the
        field's bulk store. False as for :meth:`add_counts`."""
        return self._add_bulk(fieldname, docnum, terms, positions=True)

    def _add_bulk(self, fieldname: str, docnum: int, items: Any, positions: bool) -> bool:
        if self._fallback is not None or self._fields.get(fieldname) or docnum <= self._lastdoc.get(fieldname, -1):
            return False
        store = self._bulk.get(fieldname)
        if store is None:
            store = self._bulk[fieldname] = _FreqStore(positions)
            self.fieldnames.add(fieldname)
        if store.positions != positions:
            return False
        if positions:
            new_terms = store.add_terms(docnum, items)
            size = len(items) * _BULK_WORD_BYTES
        else:
            new_terms = store.add(docnum, items)
            size = len(items) * _BULK_POSTING_BYTES
        self._lastdoc[fieldname] = self._bulk_last[fieldname] = docnum
        self.size += size + new_terms * _BULK_TERM_BYTES
        if self.size > self.limit:
            self.spill()
        return True

    def _add_checked(
        self, fieldname: str, docnum: int, items: Iterable[tuple[bytes, int, float, bytes]], boost: float
    ) -> int:
        total = 0
        add = self.add
        for btext, freq, weight, vbytes in items:
            total += freq
            add((fieldname, btext, docnum, weight * boost, vbytes))
        return total

    # -- falling back, spilling ---------------------------------------------
    def _fall_back(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Move everything to Whoosh's sorting pool (which sorts it all again at
        commit), then add ``item`` there; every later posting goes there too."""
        fallback = PostingPool(self.tempstore, self.segment, limitmb=self.limitmb)
        add = fallback.add
        for fieldname, btext, postings in self.iter_terms():
            for i in range(0, len(postings), 3):
                add((fieldname, btext, postings[i], postings[i + 1], postings[i + 2]))
        self._release()
        fallback.fieldnames |= self.fieldnames
        self._fallback = fallback
        add(item)

    def _release(self) -> None:
        self._fields = {}
        self._lastdoc = {}
        self._spilled = {}
        self._bulk = {}
        self._bulk_last = {}
        self.size = 0
        self._remove_runs()

    def spill(self) -> None:
        """Write the in-memory postings to a run file, sorted by field and term."""
        if not self._fields and not self._bulk:
            return
        name = "%s.grun" % random_name()
        with self.tempstore.create_file(name).raw_file() as f:
            self._runs.append(name)
            dump = _record_writer(f)
            for record in self._iter_memory(compact=True):
                dump(_to_run(record))
        for fieldname, terms in self._fields.items():
            spilled = self._spilled.setdefault(fieldname, {})
            for btext, postings in terms.items():
                spilled[btext] = postings[-3]
        self._fields = {fieldname: {} for fieldname in self._fields}
        self._bulk = {}  # _bulk_last keeps bounding the spilled bulk postings
        self.size = 0

    def _read_run(self, name: str) -> Iterator[TermPostings]:
        with self.tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    # one pickle a record, each with its own memo: one Unpickler for
                    # the whole run would keep every record it loaded alive
                    yield _from_run(pickle.load(f))
                except EOFError:
                    return

    def _remove_runs(self) -> None:
        for name in self._runs:
            try:
                self.tempstore.delete_file(name)
            except OSError:
                pass
        self._runs = []

    # -- reading back ----------------------------------------------------------
    def _iter_memory(self, compact: bool = False) -> Iterator[tuple[str, bytes, Postings | FreqPostings]]:
        """In-memory postings in field and term order; ``compact``: a bulk
        store's terms as :data:`FreqPostings` (else flat lists)."""
        for fieldname in sorted(self._fields.keys() | self._bulk.keys()):
            terms = self._fields.get(fieldname, {})
            store = self._bulk.get(fieldname)
            if store is None or not len(store):
                for btext in sorted(terms):
                    yield fieldname, btext, terms[btext]
                continue
            # The bulk postings all come before the one-by-one ones (docnums),
            # so a term in both is the bulk part followed by the other.
            bulk = store.iter_terms()
            if not compact:
                bulk = ((btext, _flat(p)) for btext, p in bulk)
            if not terms:  # bulk postings alone (the usual case for a text field)
                for btext, postings in bulk:
                    yield fieldname, btext, postings
                continue
            merged = heapq.merge(
                ((btext, 0, p) for btext, p in bulk), ((btext, 1, terms[btext]) for btext in sorted(terms))
            )
            pending: tuple[bytes, Any] | None = None
            for btext, _part, postings in merged:
                if pending is not None and pending[0] == btext:
                    bulk_part = pending[1] if isinstance(pending[1], list) else _flat(pending[1])
                    pending = (btext, bulk_part + postings)
                    continue
                if pending is not None:
                    yield fieldname, pending[0], pending[1]
                pending = (btext, postings)
            if pending is not None:
                yield fieldname, pending[0], pending[1]

    def iter_terms(self, compact: bool = False) -> Iterator[tuple[str, bytes, Postings | FreqPostings]]:
        """``(fieldname, btext, postings)`` in field and term order, each
        term's postings complete (spilled runs and memory joined): a flat
        list of docnum, weight, value triples, or with ``compact`` and no
        spilled runs, a bulk-stored term's :data:`FreqPostings`."""
        if self._fallback is not None:
            raise RuntimeError("the pool fell back to Whoosh's sorting pool: use iter_postings()")
        if not self._runs:
            yield from self._iter_memory(compact)
            return
        self._reduce_runs(_MAX_OPEN_RUNS)
        joined = _joined([self._read_run(name) for name in self._runs] + [self._iter_memory(compact=True)])
        if compact:
            yield from joined
        else:
            for fieldname, btext, postings in joined:
                yield fieldname, btext, postings if isinstance(postings, list) else _flat(postings)

    def _reduce_runs(self, maxfiles: int) -> None:
        """Join the oldest runs into one until at most ``maxfiles`` are left
        (each open run is an open file while joining)."""
        while len(self._runs) > maxfiles:
            oldest, rest = self._runs[:maxfiles], self._runs[maxfiles:]
            name = "%s.grun" % random_name()
            with self.tempstore.create_file(name).raw_file() as f:
                dump = _record_writer(f)
                for record in _joined([self._read_run(old) for old in oldest]):
                    dump(_to_run(record))
            for old in oldest:
                self.tempstore.delete_file(old)
            # the joined run holds the earliest documents: it goes first
            self._runs = [name, *rest]

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """All postings as Whoosh's pool gives them: sorted tuples."""
        if self._fallback is not None:
            yield from self._fallback.iter_postings()
            return
        for fieldname, btext, postings in self.iter_terms():
            for i in range(0, len(postings), 3):
                yield (fieldname, btext, postings[i], postings[i + 1], postings[i + 2])

    def cleanup(self) -> None:
        self._remove_runs()
        if self._fallback is not None:
            self._fallback.cleanup()


AnyTermPostings = tuple[str, bytes, Postings | FreqPostings]


def _record_writer(f: Any) -> Any:
    """A function writing each record to ``f`` as a pickle of its own.

    One Pickler for a whole run would memoize, and so keep alive until the
    run is written, every record dumped (about the pool's size again)."""

    def dump(record: Any) -> None:
        f.write(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))

    return dump


def _to_run(record: AnyTermPostings) -> tuple[str, bytes, Any]:
    """A record as pickled in a run: a bulk term's arrays as raw bytes."""
    fieldname, btext, postings = record
    if isinstance(postings, list):
        return record
    return fieldname, btext, (postings[0].tobytes(), postings[1].tobytes(), *postings[2:])


def _from_run(record: tuple[str, bytes, Any]) -> AnyTermPostings:
    fieldname, btext, postings = record
    if isinstance(postings, list):
        return record
    docnums, counts = np.frombuffer(postings[0], dtype=np.uint32), np.frombuffer(postings[1], dtype=np.uint32)
    return fieldname, btext, (docnums, counts, *postings[2:])


def _join(pieces: list[Postings | FreqPostings]) -> Postings | FreqPostings:
    """A term's postings from its pieces in docnum order (a new object)."""
    if not any(isinstance(p, list) for p in pieces):
        if len({len(p) for p in pieces}) > 1:
            raise ValueError("cannot join a Positions store's postings with a Frequency store's")
        joined = np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])
        if len(pieces[0]) > 2:  # Positions values
            return (*joined, [v for p in pieces for v in p[2]])
        return joined
    out: Postings = []
    for p in pieces:
        out.extend(p if isinstance(p, list) else _flat(p))
    return out


def _joined(sources: list[Iterator[AnyTermPostings]]) -> Iterator[AnyTermPostings]:
    """Merge sorted term streams, joining each term's pieces. Sources are in
    document order (older runs first) and heapq.merge keeps equal keys in
    source order, so each joined term's postings stay in docnum order."""
    key: tuple[str, bytes] | None = None
    pieces: list[Postings | FreqPostings] = []
    for fieldname, btext, postings in heapq.merge(*sources, key=itemgetter(0, 1)):
        if key is not None and key[1] == btext and key[0] == fieldname:
            pieces.append(postings)
            continue
        if key is not None:
            # one piece is passed on as it is (the pool never modifies it afterwards)
            yield key[0], key[1], pieces[0] if len(pieces) == 1 else _join(pieces)
        key, pieces = (fieldname, btext), [postings]
    if key is not None:
        yield key[0], key[1], pieces[0] if len(pieces) == 1 else _join(pieces)


class GroupedSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's one-process :class:`~whoosh.writing.SegmentWriter` with a
    :class:`GroupedPool`: same arguments, same files.

    Documents with a field that has term vectors or separate spelling words
    go through Whoosh's own ``add_document`` (its postings still land in the
    pool, through the checked :meth:`GroupedPool.add`).
    """

    def __init__(self, ix: Any, limitmb: float = 128, **kwargs: Any) -> None:
        _init_or_release(self, super().__init__, ix, limitmb=limitmb, **kwargs)
        self.pool = GroupedPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        schema = self.schema
        fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        for name in fieldnames:
            field = schema[name]
            if fields[name] is not None and (field.vector or field.separate_spelling()):
                super().add_document(**fields)
                return

        # Whoosh's SegmentWriter.add_document, the postings going to the pool
        # a field at a time.
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                freqs = self._index_field(field, fieldname, docnum, value, self._field_boost(fields, fieldname, docboost))
                if field.scorable:
                    length = freqs
            customval = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _index_field(self, field: Any, fieldname: str, docnum: int, value: Any, boost: float) -> int:
        """Put one field's postings in the pool (an ArabicText field's str
        in a bulk store when unboosted); returns the sum of the frequencies."""
        pool = self.pool
        if not (getattr(field, "distinct_postings", False) and isinstance(value, str)):
            return pool.add_field(fieldname, docnum, field.index(value), boost, False)
        counts = field.frequencies(value)
        if counts is not None:
            if boost == 1.0 and pool.add_counts(fieldname, docnum, counts):
                return counts.total()
            return pool.add_field(fieldname, docnum, field.frequency_postings(counts), boost, True)
        terms = field.position_terms(value)
        if terms is not None:
            if boost == 1.0 and pool.add_terms(fieldname, docnum, terms):
                return len(terms)
            return pool.add_field(fieldname, docnum, field.positions_postings(terms), boost, True)
        return pool.add_field(fieldname, docnum, field.index(value), boost, True)

    def _flush_segment(self) -> None:
        """Whoosh's _flush_segment, writing the grouped postings a term at a
        time (Whoosh's per-posting stream if the pool fell back)."""
        pool = self.pool
        fieldwriter = self.fieldwriter
        if not (isinstance(pool, GroupedPool) and pool.grouped and hasattr(fieldwriter, "add_grouped_postings")):
            super()._flush_segment()
            return
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            fieldwriter.add_grouped_postings(self.schema, pdr, pool.iter_terms(compact=True))
        finally:
            if pdr:
                pdr.close()
        fieldwriter.close()


def _init_or_release(writer: Any, init: Any, *args: Any, **kwargs: Any) -> None:
    """Run a Whoosh writer's ``__init__``; if it fails after taking the write
    lock (a full disk or a read-only folder when it creates its temporary
    folder or segment files), release the lock and remove the temporary
    folder before raising: no one else holds the half-made writer."""
    try:
        init(*args, **kwargs)
    except BaseException:
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "locked", True):
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - the original error matters
                pass
        temp = getattr(writer, "_tempstorage", None)
        if temp is not None:
            try:
                temp.destroy()
            except Exception:  # noqa: BLE001
                pass
        raise


def _die_with_parent(parent_pid: int) -> None:
    """Make this (sub-writer) process end when ``parent_pid`` does: on Linux
    the kernel sends SIGKILL (``PR_SET_PDEATHSIG``); everywhere a daemon
    thread checks every _PARENT_CHECK_S that the parent is still there. A
    sub-writer that outlived its parent would keep writing into a folder no
    one will commit, and hold its inherited copy of the write lock."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the thread below still ends it
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_PARENT_CHECK_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="arsearch-parent-watch", daemon=True).start()


class _GroupedSubWriterTask(SubWriterTask):  # type: ignore[misc]
    """Whoosh's sub-writer process, writing its own segment with a
    :class:`GroupedSegmentWriter` (Whoosh's pool spills every posting of a
    batch to disk as pickled tuples and sorts them back). It dies with the
    process that started it, and closes its inherited copy of the write lock."""

    def __init__(self, *args: Any, lock_fd: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent_pid = os.getpid()
        self.lock_fd = lock_fd  # the parent's write lock descriptor, inherited by a forked child

    def run(self) -> None:
        _die_with_parent(self.parent_pid)
        # Ctrl-C reaches every process of the terminal's group: the parent decides
        # (commit what was read, or cancel and stop this process).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # a forked child inherits the parent's Python handlers: terminate() (SIGTERM) must end it
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if self.lock_fd is not None:
            # The lock is the parent's: with this copy closed, it is free as soon as the parent is gone.
            try:
                os.close(self.lock_fd)
            except OSError:
                pass
        if self.multisegment:
            # SubWriterTask.run builds its writer from this module-level name. run()
            # executes in the child process, so rebinding it there changes nothing
            # in the parent or in other writers.
            multiproc.SegmentWriter = GroupedSegmentWriter
        super().run()


class GroupedMpWriter(MpWriter):  # type: ignore[misc]
    """Whoosh's multi-process writer whose sub-processes write their segments
    with :class:`GroupedSegmentWriter` (with ``multisegment=True``; otherwise
    they keep Whoosh's pool, whose runs the parent merges).

    Unlike Whoosh's, its sub-processes die with the parent (see
    :func:`_die_with_parent`), :meth:`cancel` stops and joins them before it
    removes the temporary folder they read their documents from, and a
    commit fails (committing nothing) if one of them failed, instead of
    leaving its documents out.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        _init_or_release(self, super().__init__, ix, **kwargs)

    def _new_task(self) -> SubWriterTask:
        fork = multiprocessing.get_start_method() == "fork"  # only a forked child holds the lock's descriptor
        lock_fd = getattr(self.writelock, "fd", None) if fork else None
        task = _GroupedSubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment,
            lock_fd=lock_fd if isinstance(lock_fd, int) else None,
        )
        task.daemon = True  # an interpreter that exits without commit or cancel ends them
        self.tasks.append(task)
        task.start()
        return task

    def _stop_tasks(self) -> None:
        """Stop the sub-processes still running and wait for them."""
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(_TERMINATE_WAIT_S)
            if task.is_alive():
                task.kill()
                task.join()
        for q in (self.jobqueue, self.resultqueue):
            q.cancel_join_thread()  # documents no one will read must not keep this process from exiting
            q.close()

    def cancel(self) -> None:
        try:
            self._stop_tasks()
        finally:
            SegmentWriter.cancel(self)

    def _commit_toc(self, segments: Any) -> None:
        # Reached after Whoosh's _commit joined the sub-processes; a failed one sent no segment.
        failed = [task.exitcode for task in self.tasks if task.exitcode != 0]
        if failed:
            raise IndexWriteError(
                f"{len(failed)} of the {len(self.tasks)} indexing sub-processes failed (exit codes "
                f"{', '.join(map(str, failed))}); nothing was committed"
            )
        super()._commit_toc(segments)
