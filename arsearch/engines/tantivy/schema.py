"""The tantivy schema of an arsearch index, and documents in and out of it.

tantivy indexes arsearch's own analysis: each text field and each ranking
representation is sent as its terms joined by spaces, split again by
tantivy's ``whitespace`` tokenizer (no lowercasing, no length filter), so
the terms and their positions are exactly those the Whoosh engine indexes
(stop words kept, one position per word). The original values are stored
once, as JSON in one stored bytes field; the index fields store nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from itertools import chain
from typing import Any

import tantivy

from ...analysis import Analyzer
from ...fields import ID_FIELD, VOCABULARY_FIELD, Field, Ranking, rep_field

__all__ = ["build_schema", "DocAnalyzer", "doc_from_json", "DOC_FIELD", "KEY_FIELD"]

#: The stored original document (JSON).
DOC_FIELD = "__doc"
#: A 63-bit key per id (a hash), indexed and fast: coordination re-scores candidates by it.
KEY_FIELD = "__key"
WORDS = "whitespace"  # tantivy's tokenizer that splits on whitespace only
_DATE = "$date"  # how a date is tagged in the stored JSON


def build_schema(fields: Mapping[str, Field], ranking: Ranking) -> Any:
    """The tantivy schema for the declared fields and ranking representations."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field(ID_FIELD, tokenizer_name="raw", index_option="basic")
    sb.add_unsigned_field(KEY_FIELD, indexed=True, fast=True)
    sb.add_bytes_field(DOC_FIELD, stored=True)
    for name, f in fields.items():
        if f.kind == "text":
            sb.add_text_field(name, tokenizer_name=WORDS, index_option="position")
        elif f.kind == "keyword":
            # fast: facets count its values with tantivy's terms aggregation (indexes
            # built before have no such column: their values are counted in Python)
            sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
        elif f.kind == "numeric":
            sb.add_float_field(name, indexed=True, fast=True)
        else:
            sb.add_date_field(name, indexed=True, fast=True)
    for rep_name, _weight in ranking.representations:
        # one field per representation over all text fields; frequencies, no positions
        sb.add_text_field(rep_field(rep_name), tokenizer_name=WORDS, index_option="freq")
    # the speller's vocabulary: every word as written, normalized; documents only
    sb.add_text_field(VOCABULARY_FIELD, tokenizer_name=WORDS, index_option="basic")
    return sb.build()


def key_of(doc_id: str) -> int:
    """The document's key: 63 bits of a BLAKE2 hash of its id."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {_DATE: value.isoformat()}
    return value


def doc_from_json(raw: bytes) -> dict[str, Any]:
    """The stored fields of a document, as it was written."""
    out = json.loads(raw)
    for name, value in out.items():
        if isinstance(value, dict) and _DATE in value:
            out[name] = dt.datetime.fromisoformat(value[_DATE])
    return out


class DocAnalyzer:
    """Turns a checked arsearch document into what tantivy indexes: plain
    values, picklable, so that worker processes can do it (see
    ``TantivyStore``). :meth:`document` builds the tantivy document."""

    def __init__(self, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> None:
        self.fields = dict(fields)
        self.analyzer = analyzer
        self.text_fields = [n for n, f in fields.items() if f.kind == "text"]
        self.stored = {n for n, f in fields.items() if f.stored}
        self.reps = [(rep_field(name), *analyzer.for_representation(name)) for name, _w in ranking.representations]
        self.reps.append((VOCABULARY_FIELD, analyzer.with_stemmer("none"), 0))

    def __call__(self, doc: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]], list[tuple[str, Any]], bytes]:
        """(id, [(index field, space-joined terms)], [(field, value)], stored JSON)."""
        doc_id = doc[ID_FIELD]
        texts: list[tuple[str, str]] = []
        values: list[tuple[str, Any]] = []
        terms = self.analyzer.terms
        for name in self.text_fields:
            value = doc.get(name)
            if value:
                texts.append((name, " ".join(terms(value, keep_stopwords=True))))
        combined = "\n".join(doc[n] for n in self.text_fields if doc.get(n))
        if combined:
            for field, rep, n in self.reps:
                if n:  # every word's n-grams
                    grams = chain.from_iterable(rep.ngram_lists(combined, n))
                else:
                    grams = iter(rep.terms(combined, keep_stopwords=True))
                texts.append((field, " ".join(grams)))
        for name, value in doc.items():
            spec = self.fields.get(name)
            if spec is None or spec.kind == "text":
                continue
            if spec.kind == "keyword":  # as Whoosh's KEYWORD(commas=True, lowercase=True)
                values.extend((name, v.strip().lower()) for v in value.split(",") if v.strip())
            else:
                values.append((name, value))
        stored = {ID_FIELD: doc_id, **{k: _to_json(v) for k, v in doc.items() if k in self.stored}}
        return doc_id, texts, values, json.dumps(stored, ensure_ascii=False).encode("utf-8")

    def document(self, analyzed: tuple[str, list[tuple[str, str]], list[tuple[str, Any]], bytes]) -> Any:
        doc_id, texts, values, stored = analyzed
        d = tantivy.Document()
        d.add_text(ID_FIELD, doc_id)
        d.add_unsigned(KEY_FIELD, key_of(doc_id))
        d.add_bytes(DOC_FIELD, stored)
        for name, text in texts:
            d.add_text(name, text)
        for name, value in values:
            kind = self.fields[name].kind
            if kind == "keyword":
                d.add_text(name, value)
            elif kind == "numeric":
                d.add_float(name, float(value))
            else:
                d.add_date(name, value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc))
        return d
