"""The Whoosh schema built from field declarations (index glue).

Text fields use :class:`ArabicText`, which indexes a value in one pass with
the arsearch analyzer. Field boosts are applied at query time by the engine
(:mod:`arsearch.engine`), so the stored term weights are plain frequencies.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from whoosh import fields as wf
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3Segment
from whoosh.columns import NumericColumn
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE, pack_uint

from .analysis import Analyzer
from .fields import DEFAULT_FIELDS, DEFAULT_RANKING, ID_FIELD, Field, Ranking, rep_field, resolve_fields
from .whoosh_analysis import ArabicTokenizer

_SEGMENT_RANDOM = random.SystemRandom()

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

    def __init__(self, analyzer: Analyzer, phrase: bool = True, stored: bool = False) -> None:
        super().__init__(analyzer=ArabicTokenizer(analyzer), phrase=phrase, stored=stored)
        if phrase:
            self.format = ArabicPositions()

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        terms = self.analyzer.analyzer.terms(value, keep_stopwords=True)
        if isinstance(self.format, Positions):
            poses: dict[str, list[int]] = {}
            for i, term in enumerate(terms):
                if term in poses:
                    poses[term].append(i)
                else:
                    poses[term] = [i]
            encode = self.format.encode
            for w, pl in poses.items():
                yield (w.encode("utf-8"), len(pl), float(len(pl)), encode(pl))
        else:
            for w, n in Counter(terms).items():
                yield (w.encode("utf-8"), n, float(n), pack_uint(n))


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


class _FieldWriter(W3FieldWriter):  # type: ignore[misc]
    def add_postings(self, schema: Any, lengths: Any, items: Any) -> Any:
        return super().add_postings(schema, _LengthCache(lengths) if lengths else lengths, items)


class ArabicCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec with cached field lengths while writing postings
    and zlib level 1 for posting blocks. Recorded in each segment, so it
    must stay importable under this name."""

    def __init__(self, blocklimit: int = 128, compression: int = 1, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def new_segment(self, storage: Any, indexname: str) -> Any:
        # Whoosh names segments with the global ``random`` module: after random.seed(42)
        # every commit would pick the same name. Use the OS's randomness instead.
        segid = "".join(_SEGMENT_RANDOM.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(16))
        return W3Segment(self, indexname, segid=segid)

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _FieldWriter(self, storage, segment)


def build_schema(fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> wf.Schema:
    """The Whoosh schema for the declared fields and ranking representations."""
    schema = wf.Schema()
    schema.add(ID_FIELD, wf.ID(unique=True, stored=True))
    for name, f in fields.items():
        if f.kind == "text":
            schema.add(name, ArabicText(analyzer, stored=f.stored))
            for stemmer, _weight in ranking.representations:
                rep = analyzer.with_stemmer(stemmer)
                # Extra representations need no positions: phrases use the main field.
                schema.add(rep_field(name, stemmer), ArabicText(rep, phrase=False))
        elif f.kind == "keyword":
            schema.add(name, wf.KEYWORD(stored=f.stored, lowercase=True, commas=True, scorable=False))
        elif f.kind == "numeric":
            # Whoosh 2.7's default sort column for floats uses NaN as its
            # default and fails to pack it: give it an explicit default.
            column = NumericColumn("d", default=0.0)
            schema.add(name, wf.NUMERIC(numtype=float, stored=f.stored, sortable=column, signed=True))
        else:
            schema.add(name, wf.DATETIME(stored=f.stored, sortable=True))
    return schema
