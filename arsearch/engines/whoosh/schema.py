"""The Whoosh schema built from field declarations (index glue).

Text fields use :class:`ArabicText`, which indexes a value in one pass with
the arsearch analyzer. Field boosts are applied at query time by the engine
(:mod:`arsearch.engines.whoosh.search`), so the stored term weights are plain frequencies.
"""

from __future__ import annotations

import pickle
import random
import struct
import sys
import zlib
from hashlib import md5
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain, repeat, starmap
from operator import add, itemgetter, methodcaller
from operator import sub as _sub
from typing import Any

import numpy as np
from whoosh import fields as wf
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PostingsWriter,
    WHOOSH3_HEADER_MAGIC,
    W3Segment,
    W3TermInfo,
)
from whoosh.columns import NumericColumn
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.formats import Positions
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numlists import GrowableArray
from whoosh.util.numeric import byte_to_length, length_to_byte

from ...analysis import Analyzer
from ...fields import DEFAULT_FIELDS, DEFAULT_RANKING, ID_FIELD, VOCABULARY_FIELD, Field, Ranking, rep_field, resolve_fields
from .analysis import ArabicTokenizer
from .private import _INT_SIZE, _lenfield

_SEGMENT_RANDOM = random.SystemRandom()
_ONE_POSITION = pack_uint(1)  # ArabicPositions.encode's header for one position
_SMALL_COUNTS = 64
_COUNT_WEIGHTS = tuple(float(n) for n in range(_SMALL_COUNTS))
_COUNT_VALUES = tuple(pack_uint(n) for n in range(_SMALL_COUNTS))  # Whoosh Frequency's value for count n

__all__ = [
    "ArabicCodec",
    "ArabicText",
    "ArabicPositions",
    "build_schema",
    # re-exported declarations
    "Field",
    "Ranking",
    "DEFAULT_FIELDS",
    "DEFAULT_RANKING",
    "ID_FIELD",
    "resolve_fields",
    "rep_field",
]


class ArabicPositions(Positions):  # type: ignore[misc]
    """Whoosh's Positions format with positions stored as a uint32 array
    (Whoosh pickles a delta list per posting, which dominates indexing)."""

    def encode(self, poslist: list[int]) -> bytes:
        return pack_uint(len(poslist)) + array("I", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        positions = array("I")
        positions.frombytes(valuestring[_INT_SIZE:])
        return positions.tolist()


class ArabicText(wf.TEXT):  # type: ignore[misc]
    """A TEXT field indexed in one pass by the arsearch analyzer.

    ``index`` turns the value into terms with :meth:`Analyzer.terms` (stop
    words kept) and builds the postings directly, skipping Whoosh's
    per-token object pipeline. Query-time and highlighting analysis go
    through the same analyzer via :class:`ArabicTokenizer`.
    """

    #: ``index()`` of a str names each term once, with a float weight: the
    #: grouped writer (:mod:`arsearch.engines.whoosh.writer`) appends its postings unchecked.
    distinct_postings = True

    def __init__(self, analyzer: Analyzer, phrase: bool = True, stored: bool = False, ngram: int = 0) -> None:
        super().__init__(analyzer=ArabicTokenizer(analyzer), phrase=phrase, stored=stored)
        if phrase:
            self.format = ArabicPositions()
        self.ngram = ngram  # > 0: index each term's character n-grams instead (no positions)

    def frequencies(self, value: Any) -> Counter[str] | None:
        """Each term's count in ``value`` for a frequency-only field (no
        positions) and a str value: the postings :meth:`index` would yield,
        as a Counter the grouped writer stores in bulk. None otherwise."""
        if not isinstance(value, str) or isinstance(self.format, Positions):
            return None
        if self.ngram:
            return Counter(chain.from_iterable(self.analyzer.analyzer.ngram_lists(value, self.ngram)))
        return Counter(self.analyzer.analyzer.terms(value, keep_stopwords=True))

    @staticmethod
    def frequency_postings(counts: Counter[str]) -> Iterator[tuple[bytes, int, float, bytes]]:
        """:meth:`index`'s postings for :meth:`frequencies`' counts."""
        # Shared weight and value objects for the usual small counts: the
        # grouped writer holds them until commit (Frequency values are
        # joined per block, so sharing does not change the bytes).
        for w, n in counts.items():
            if n < _SMALL_COUNTS:
                yield (w.encode("utf-8"), n, _COUNT_WEIGHTS[n], _COUNT_VALUES[n])
            else:
                yield (w.encode("utf-8"), n, float(n), pack_uint(n))

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        counts = self.frequencies(value)
        if counts is not None:
            yield from self.frequency_postings(counts)
            return
        if self.ngram:
            terms = self.analyzer.analyzer.ngrams(value, self.ngram)
        else:
            terms = self.analyzer.analyzer.terms(value, keep_stopwords=True)
        yield from self.positions_postings(terms)

    def position_terms(self, value: Any) -> list[str] | None:
        """The terms of ``value`` in order (their positions) for a positional
        field and a str value: the postings :meth:`index` would yield, as the
        list the grouped writer stores in bulk. None otherwise."""
        if not isinstance(value, str) or not isinstance(self.format, ArabicPositions) or self.ngram:
            return None
        return self.analyzer.analyzer.terms(value, keep_stopwords=True)

    @staticmethod
    def positions_postings(terms: list[str]) -> Iterator[tuple[bytes, int, float, bytes]]:
        """:meth:`index`'s postings for the terms of a positional field."""
        poses: dict[str, list[int]] = {}
        for i, term in enumerate(terms):
            pl = poses.get(term)
            if pl is None:
                poses[term] = [i]
            else:
                pl.append(i)
        # ArabicPositions.encode inlined; most terms occur once in a
        # document: same bytes without an array. Weights are shared
        # float objects (the grouped writer holds them until commit).
        for w, pl in poses.items():
            n = len(pl)
            if n == 1:
                yield (w.encode("utf-8"), 1, 1.0, _ONE_POSITION + pl[0].to_bytes(4, sys.byteorder))
            else:
                weight = _COUNT_WEIGHTS[n] if n < _SMALL_COUNTS else float(n)
                yield (w.encode("utf-8"), n, weight, pack_uint(n) + array("I", pl).tobytes())


class _LengthCache:
    """Memoizes ``doc_field_length``: Whoosh's segment writer asks for a
    document's field length once per posting (15% of indexing time)."""

    def __init__(self, lengths: Any) -> None:
        self._lengths = lengths
        self._by_field: dict[str, dict[int, int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        cache = self._by_field.get(fieldname)
        if cache is None:
            cache = self._by_field[fieldname] = {}
        try:
            return cache[docnum]
        except KeyError:
            value = cache[docnum] = self._lengths.doc_field_length(docnum, fieldname, default)
            return value


def field_length_bytes(lengths: Any, fieldname: str) -> bytes | None:
    """Each document's length byte for ``fieldname`` (indexed by docnum), as
    Whoosh's writer sees them through ``lengths.doc_field_length``; None when
    every length reads as 0 (no length column, or no per-document reader)."""
    if not lengths:
        return None
    doccount = lengths.doc_count_all()
    if isinstance(lengths, W3PerDocReader):
        column = lengths._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None  # Whoosh's default 0: the field has no lengths in this segment
        if isinstance(column, NumericColumn.Reader) and column._fixedlen == 1 and column._default == 0:
            # The column is one byte per document up to the last non-zero one:
            # read it in one go instead of one file read per document.
            count = min(column._count, doccount)
            raw = column._dbfile.get(column._basepos, count) if count else b""
            return bytes(raw) + bytes(doccount - count)
    dfl = lengths.doc_field_length
    return bytes(length_to_byte(dfl(d, fieldname, 0) or 0) for d in range(doccount))


#: Posting blocks whose pickle is shorter are written uncompressed (see _PostingsWriter._write_block).
_COMPRESS_MIN = 64
# _TermBatch: terms buffered between two writes; W3TermInfo's struct; a
# non-inlined term info's extent (pack_long offset, pack_int length) and its
# size; the lengths before a term index record (filetables.HashWriter.add)
_BATCH_TERMS = 4096
_SINGLE_BLOCKS = 16384  # (docnum, count) blocks kept encoded, per field
_TERMINFO = W3TermInfo._struct
_EXTENT = struct.Struct("!qi")
_TERMINFO_SIZE = _TERMINFO.size + _EXTENT.size
_HASH_LENGTHS = struct.Struct("!ii")
_HASH_POINTER = struct.Struct("!Iq")  # filetables._pointer: a hash table slot
_BLOCK_START = WHOOSH3_HEADER_MAGIC
# zlib's default 32 KB window and 128 KB hash make every compress() set up
# ~256 KB of state: most of the time of compressing a posting block of a few
# hundred bytes (50 µs of 55 on the 2-core benchmark machine). A 4 KB window
# (blocks of 512 postings pickle to a few KB) and a small hash take 5 µs and
# give the same sizes on posting blocks (the stream header differs);
# zlib.decompress reads the window size from that header.
_DEFLATE_WBITS = 12
_DEFLATE_MEMLEVEL = 4


def _deflate(data: bytes, level: int) -> bytes:
    """``zlib.compress(data, level)`` with a small window and hash (the same
    format: any zlib reader decompresses it)."""
    c = zlib.compressobj(level, zlib.DEFLATED, _DEFLATE_WBITS, _DEFLATE_MEMLEVEL)
    return c.compress(data) + c.flush()


def _block_lengths(lenbytes: bytes | None, block_ids: Sequence[int]) -> tuple[int | None, int]:
    """A block's shortest and longest field length as add_posting tracks
    them (zero lengths ignored): ``(None, 0)`` without any."""
    if lenbytes is None:
        return None, 0
    lbs = bytes(map(lenbytes.__getitem__, block_ids))
    top = max(lbs)
    if not top:
        return None, 0
    low = min(lbs) or min(lbs.replace(b"\x00", b""))
    return byte_to_length(low), byte_to_length(top)


class _PostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's W3 postings writer with less Python per posting: list
    minification in C loops, whole blocks at a time from
    :meth:`add_postings_bulk` and :meth:`add_frequency_postings`. The blocks
    and term statistics are Whoosh's; only the compression differs (small
    blocks raw, a small zlib window), which any W3 reader decodes."""

    def _mini_ids(self) -> tuple[Any, ...]:
        ids = self._ids
        if self._byteids:
            return tuple(ids)
        # delta_encode without a generator: the first id, then differences
        return tuple(map(_sub, ids, chain((0,), ids)))

    def _mini_weights(self) -> Any:
        weights = self._weights
        n = len(weights)
        if weights.count(1.0) == n:
            return None
        first = weights[0]
        if weights.count(first) == n:
            return first
        return tuple(weights)

    def _write_block(self, last: bool = False) -> None:
        # Whoosh's _write_block, except that blocks whose pickle is under
        # _COMPRESS_MIN bytes are stored uncompressed, as its comment means to
        # ("less than 20 bytes, don't bother compressing": the next line undoes
        # it). zlib's set-up cost dominates such blocks and adds bytes to them.
        self._terminfo.add_block(self)
        ids = self._ids
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        self._emit_block(data, len(ids), ids[-1], self._maxweight, self._minlength, self._maxlength, last)
        self._new_block()

    def _emit_block(
        self,
        data: tuple[Any, Any, Any],
        count: int,
        last_id: int,
        maxweight: float,
        minlength: int | None,
        maxlength: int,
        last: bool,
    ) -> None:
        """Write one block: the term's header first, the block info, then
        ``data`` (minified ids, weights, values) pickled, compressed unless
        under _COMPRESS_MIN bytes."""
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        raw = pickle.dumps(data, 2)
        comp = self._compression if len(raw) >= _COMPRESS_MIN else 0
        if comp:
            raw = _deflate(raw, comp)
        info = pickle.dumps(
            (count, last_id, maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)), 2
        )
        blocklength = len(info) + len(raw)
        postfile.write_int(-blocklength if last else blocklength)
        postfile.write(info)
        postfile.write(raw)
        self._blockcount += 1

    def add_postings_bulk(
        self, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes | None], lenbytes: bytes | None
    ) -> None:
        """Buffer one term's postings (sorted by docnum) after
        ``start_postings``, writing every full block; ``finish_postings``
        writes the last one. ``lenbytes[docnum]`` is the document's length
        byte (None: all lengths 0). The blocks and term statistics are those
        :meth:`add_posting` would build posting by posting."""
        if self._ids or self._byteids:
            raise ValueError("add_postings_bulk starts a term's postings (document ids only)")
        limit = self._blocklimit
        n = len(ids)
        for start in range(0, n, limit):
            end = start + limit
            block_ids = array("I", ids[start:end])
            block_weights = weights[start:end]
            self._ids = block_ids
            self._weights = array("f", block_weights)
            # add_posting keeps the first weight above 0 (the max starts at int 0)
            self._maxweight = max(chain((0,), block_weights))
            block_values = values[start:end]
            # add_posting keeps only non-empty values (None counts as empty)
            self._values = block_values if all(block_values) else [v for v in block_values if v]
            self._minlength, self._maxlength = _block_lengths(lenbytes, block_ids)
            if end < n:
                self._write_block()

    def add_frequency_postings(
        self, ids: np.ndarray, freqs: np.ndarray, lenbytes: bytes | None, values: list[bytes] | None = None
    ) -> None:
        """Write one term's postings (weight = count) after
        ``start_postings``: ``ids`` (increasing docnums) and ``freqs`` as
        NumPy arrays, ``values`` each posting's value for a variable-size
        format (ArabicPositions), else None for Frequency (value =
        ``pack_uint(count)``); ``lenbytes[docnum]`` each document's length
        byte (None: all 0). Every block is written
        here, in the bytes and term statistics :meth:`add_posting` and
        ``_write_block`` would give, with C loops instead of a Python step
        per posting. (Not for a count of 2**24 or more in one document:
        add_posting keeps weights as float32 and would round it.)"""
        if self._ids or self._byteids or self._blockcount:
            raise ValueError("add_frequency_postings writes a whole term's postings (document ids only)")
        terminfo = self._terminfo
        limit = self._blocklimit
        all_ids = ids.tolist()
        all_freqs = freqs.tolist()
        n = len(all_ids)
        for start in range(0, n, limit):
            block_ids = all_ids[start : start + limit] if n > limit else all_ids
            block_freqs = all_freqs[start : start + limit] if n > limit else all_freqs
            count = len(block_ids)
            top_freq = max(block_freqs)
            maxweight = float(top_freq)
            # _mini_weights: None when every weight is 1.0, one float when all are equal
            if top_freq == 1:
                weights: Any = None
            elif min(block_freqs) == top_freq:
                weights = maxweight
            else:
                weights = tuple(map(float, block_freqs))
            minlength, maxlength = _block_lengths(lenbytes, block_ids)
            # W3TermInfo.add_block
            terminfo._weight += float(sum(block_freqs))
            terminfo._df += count
            terminfo._minlength = minlength if terminfo._minlength is None else min(terminfo._minlength, minlength)
            terminfo._maxlength = max(terminfo._maxlength, maxlength)
            terminfo._maxweight = max(terminfo._maxweight, maxweight)
            if terminfo._minid is None:
                terminfo._minid = block_ids[0]
            last_id = block_ids[-1]
            terminfo._maxid = last_id
            # _write_block's minified ids (delta-coded), weights and values
            deltas = tuple(map(_sub, block_ids, chain((0,), block_ids)))
            if values is None:  # Frequency: the counts joined (4-byte big-endian)
                block_values: Any = struct.pack(">%dI" % count, *block_freqs)
            else:  # variable-size values (ArabicPositions): one per posting
                block_values = tuple(values[start : start + limit]) if n > limit else tuple(values)
            data = (deltas, weights, block_values)
            self._emit_block(data, count, last_id, maxweight, minlength, maxlength, start + limit >= n)


class _TermBatch:
    """Writes one field's single-block bulk terms (:data:`FreqPostings` of at
    most a block of postings) without the postings writer: each term's block
    and term info are encoded here, and a batch of terms is written at once,
    its file offsets counted from one ``tell()`` (a seek system call; Whoosh
    asks four times a term), its term index records, hashes and offsets
    made with C loops. The bytes are those the per-term path writes —
    ``start_term``, :meth:`_PostingsWriter.add_frequency_postings`,
    ``finish_term`` and the term index's ``add`` — which the tests check.

    A term of a Frequency field with one posting has bytes that depend on its
    document and count alone (and the document's length byte): they are
    encoded once per (docnum, count). Call :meth:`flush` before anything
    else writes to the field writer's files."""

    __slots__ = ("_fw", "_tindex", "_lenbytes", "limit", "_compression", "_prefix", "_keys", "_posts", "_heads", "_single")

    def __init__(self, fieldwriter: Any, lenbytes: bytes | None) -> None:
        postwriter = fieldwriter._postwriter
        self._fw = fieldwriter
        self._tindex = fieldwriter._tindex
        self._lenbytes = lenbytes
        #: The most postings a term written here may have (one block).
        self.limit: int = postwriter._blocklimit
        self._compression = postwriter._compression
        self._prefix = pack_ushort(fieldwriter._fieldid)
        #: (docnum, count) → a one-posting Frequency term's block bytes and term info head
        self._single: dict[tuple[int, int], tuple[bytes, bytes]] = {}
        self._keys: list[bytes] = []  # the buffered terms' keys in the term index
        self._posts: list[bytes] = []  # their posting bytes
        self._heads: list[bytes] = []  # their term infos but the extent

    def add(self, btext: bytes, ids: np.ndarray, freqs: np.ndarray, values: list[bytes] | None = None) -> None:
        """Buffer one term (after the previous one in key order) of 1 to
        :attr:`limit` postings: ``ids`` increasing docnums, ``freqs`` their
        counts, ``values`` each posting's value for ArabicPositions (None: a
        Frequency field)."""
        all_ids = ids.tolist()
        all_freqs = freqs.tolist()
        if len(all_ids) == 1 and values is None:
            single = (all_ids[0], all_freqs[0])
            block = self._single.get(single)
            if block is None:
                if len(self._single) >= _SINGLE_BLOCKS:
                    self._single.clear()
                block = self._single[single] = self._block(all_ids, all_freqs, None)
        else:
            block = self._block(all_ids, all_freqs, values)
        key = self._prefix + btext
        keys = self._keys
        last = keys[-1] if keys else self._tindex.lastkey
        if key <= last:
            raise ValueError("Keys must increase: %r..%r" % (last, key))
        keys.append(key)
        self._posts.append(block[0])
        self._heads.append(block[1])
        if len(keys) >= _BATCH_TERMS:
            self.flush()

    def _block(self, ids: list[int], freqs: list[int], values: list[bytes] | None) -> tuple[bytes, bytes]:
        """One term's posting bytes (header and its only block) and the head
        of its term info (W3TermInfo's struct, without the extent)."""
        count = len(ids)
        top_freq = max(freqs)
        maxweight = float(top_freq)
        if top_freq == 1:
            weights: Any = None
        elif count == 1 or min(freqs) == top_freq:
            weights = maxweight
        else:
            weights = tuple(map(float, freqs))
        lenbytes = self._lenbytes
        low = top = 0
        if lenbytes is not None:
            if count == 1:
                low = top = lenbytes[ids[0]]
            else:
                lbs = bytes(map(lenbytes.__getitem__, ids))
                top = max(lbs)
                if top:
                    low = min(lbs) or min(lbs.replace(b"\x00", b""))
        last_id = ids[-1]
        if count == 1:
            deltas: tuple[int, ...] = (last_id,)
        else:
            deltas = tuple(map(_sub, ids, chain((0,), ids)))
        if values is None:
            block_values: Any = struct.pack(">%dI" % count, *freqs)
        else:
            block_values = tuple(values)
        raw = pickle.dumps((deltas, weights, block_values), 2)
        comp = self._compression if len(raw) >= _COMPRESS_MIN else 0
        if comp:
            raw = _deflate(raw, comp)
        info = pickle.dumps((count, last_id, maxweight, comp, low, top), 2)
        post = _BLOCK_START + pack_int(-(len(info) + len(raw))) + info + raw
        head = _TERMINFO.pack(False, float(sum(freqs)), count, low, top, maxweight, ids[0], last_id)
        return post, head

    def flush(self) -> None:
        """Write the buffered terms: their posting bytes, then their term
        index records (what OrderedHashWriter.add writes and remembers)."""
        keys = self._keys
        if not keys:
            return
        posts = self._posts
        postfile = self._fw._postfile
        tindex = self._tindex
        termfile = tindex.dbfile
        post_lengths = list(map(len, posts))
        post_starts = list(accumulate(post_lengths, initial=postfile.tell()))
        postfile.write(b"".join(posts))
        # HashWriter.add's record: key and value lengths, key, value (the term info)
        records = list(
            map(
                _join3,
                map(_HASH_LENGTHS.pack, map(len, keys), repeat(_TERMINFO_SIZE)),
                keys,
                map(add, self._heads, map(_EXTENT.pack, post_starts, post_lengths)),
            )
        )
        starts = list(accumulate(map(len, records), initial=termfile.tell()))
        starts.pop()
        termfile.write(b"".join(records))
        if tindex.hashtype == 0:  # md5_hash: the MD5's low 32 bits, big-endian
            hashes: Iterable[int] = map(int.from_bytes, map(_LOW32, map(_DIGEST, map(md5, keys))), repeat("big"))
        else:
            hashes = map(tindex.hashfn, keys)
        buckets = tindex.buckets
        for h, start in zip(hashes, starts):
            buckets[h & 255].append((h, start))
        _extend_positions(tindex.index, starts)
        tindex.lastkey = keys[-1]
        self._keys, self._posts, self._heads = [], [], []


def _join3(a: bytes, b: bytes, c: bytes) -> bytes:
    return a + b + c


_LOW32 = itemgetter(slice(12, None))
_DIGEST = methodcaller("digest")


def _extend_positions(index: GrowableArray, positions: list[int]) -> None:
    """Append increasing ``positions`` to an OrderedHashWriter's index as
    its ``append`` would one at a time: widened once, for the largest."""
    if not positions:
        return
    array_ = index.array
    if isinstance(array_, array):
        try:
            array(array_.typecode, positions[-1:])
        except OverflowError:
            index._retype(positions[-1])
    index.array.extend(positions)


class _TermIndexWriter(OrderedHashWriter):  # type: ignore[misc]
    """Whoosh's term index writer (an on-disk hash) whose hash tables are
    written a table at a time instead of one ``write`` per slot: the same bytes."""

    def _write_hashes(self) -> None:
        # HashWriter._write_hashes: per bucket, a table of twice as many
        # (hash, position) slots as entries, each entry at (hash >> 8) % size
        # or the next free slot after it, in the order the entries came.
        dbfile = self.dbfile
        pos = dbfile.tell()
        null = (0, 0)
        pack = _HASH_POINTER.pack
        for entries in self.buckets:
            numslots = 2 * len(entries)
            self.directory.append((pos, numslots))
            table = [null] * numslots
            for entry in entries:
                slot = (entry[0] >> 8) % numslots
                while table[slot] is not null:
                    slot = (slot + 1) % numslots
                table[slot] = entry
            data = b"".join(starmap(pack, table))
            dbfile.write(data)
            pos += len(data)


class _FieldWriter(W3FieldWriter):  # type: ignore[misc]
    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        # the same object (its header is written), with the faster hash table writer
        self._tindex.__class__ = _TermIndexWriter

    #: Write a bulk store's single-block terms through a :class:`_TermBatch`
    #: (False: each through the postings writer; the tests compare both).
    batch_terms = True

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> Any:
        return super().add_postings(schema, _LengthCache(lengths) if lengths else lengths, items)

    def add_grouped_postings(self, schema: Any, lengths: Any, terms: Iterable[tuple[str, bytes, list[Any]]]) -> None:
        """Write postings grouped per term: ``(fieldname, btext, postings)``
        in (fieldname, btext) order, ``postings`` a flat list of docnum,
        weight, value triples in docnum order. Field lengths come from
        ``lengths`` (the segment's per-document reader) as in
        :meth:`add_postings`, so the files are byte for byte the same."""
        lastfn: str | None = None
        lenbytes: bytes | None = None
        batch: _TermBatch | None = None
        for fieldname, btext, postings in terms:
            if fieldname != lastfn:
                if batch is not None:
                    batch.flush()
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lenbytes = field_length_bytes(lengths, fieldname)
                lastfn = fieldname
                # (an inline limit above 1 would store some terms in the term index)
                batch = _TermBatch(self, lenbytes) if self.batch_terms and self._postwriter._inlinelimit <= 1 else None
            if batch is not None:
                if type(postings) is tuple and 0 < len(postings[0]) <= batch.limit:
                    batch.add(btext, *postings)
                    continue
                batch.flush()
            self.start_term(btext)
            if isinstance(postings, list):
                self._postwriter.add_postings_bulk(postings[0::3], postings[1::3], postings[2::3], lenbytes)
            else:  # (docnums, counts[, values]) arrays from the pool's bulk store
                self._postwriter.add_frequency_postings(*postings[:2], lenbytes, *postings[2:])
            self.finish_term()
        if batch is not None:
            batch.flush()
        if lastfn is not None:
            self.finish_field()


class ArabicCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec, zlib level 1 for posting blocks (raw under 64
    bytes), with faster writers of the same postings: cached field lengths
    for Whoosh's posting stream, whole-term block writes for
    :mod:`arsearch.engines.whoosh.writer`'s grouped postings and bulk stores. Recorded in
    each segment, so it must stay importable under this name."""

    # 512 postings a block (Whoosh: 128): the engine reads whole posting lists,
    # never skips blocks, and pays a fixed cost per block; on 20,000 news
    # articles with the default ranking, 7% smaller, 10% faster to build and
    # 12% faster on cold queries than 128.
    def __init__(self, blocklimit: int = 512, compression: int = 1, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def new_segment(self, storage: Any, indexname: str) -> Any:
        # Whoosh names segments with the global ``random`` module: after random.seed(42)
        # every commit would pick the same name. Use the OS's randomness instead.
        segid = "".join(_SEGMENT_RANDOM.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(16))
        return W3Segment(self, indexname, segid=segid)

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


def build_schema(fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking, vocabulary: bool = True) -> wf.Schema:
    """The Whoosh schema for the declared fields and ranking representations
    (and the speller's vocabulary field, unless not ``vocabulary``)."""
    schema = wf.Schema()
    schema.add(ID_FIELD, wf.ID(unique=True, stored=True))
    for name, f in fields.items():
        if f.kind == "text":
            schema.add(name, ArabicText(analyzer, stored=f.stored))
        elif f.kind == "keyword":
            schema.add(name, wf.KEYWORD(stored=f.stored, lowercase=True, commas=True, scorable=False))
        elif f.kind == "numeric":
            # Whoosh 2.7's default sort column for floats uses NaN as its
            # default and fails to pack it: give it an explicit default.
            column = NumericColumn("d", default=0.0)
            schema.add(name, wf.NUMERIC(numtype=float, stored=f.stored, sortable=column, signed=True))
        else:
            schema.add(name, wf.DATETIME(stored=f.stored, sortable=True))
    for rep_name, _weight in ranking.representations:
        # One field per representation over all text fields; no positions
        # (phrases use the text fields).
        rep, n = analyzer.for_representation(rep_name)
        schema.add(rep_field(rep_name), ArabicText(rep, phrase=False, ngram=n))
    if vocabulary:  # every word as written, normalized: frequencies only
        schema.add(VOCABULARY_FIELD, ArabicText(analyzer.with_stemmer("none"), phrase=False))
    return schema
