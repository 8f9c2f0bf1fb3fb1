"""Compiling parsed queries and filters into Whoosh queries (index glue)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from whoosh import query as wq

from .analysis import Analyzer
from .errors import QueryError
from .query import Clause, parse_query
from .schema import Field, Ranking, rep_field
from .tokenize import WORD_PATTERN

__all__ = ["compile_query", "compile_filter"]


class _Compiler:
    def __init__(self, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking, search_fields: Sequence[str]):
        self.fields = fields
        self.analyzer = analyzer
        self.ranking = ranking
        self.search_fields = search_fields
        config = analyzer.config()
        self.reps = [(s, w, Analyzer(**{**config, "stemmer": s})) for s, w in ranking.representations]

    def targets(self, clause: Clause) -> list[str]:
        return [clause.field] if clause.field is not None else list(self.search_fields)

    def word(self, word: str, targets: list[str]) -> wq.Query | None:
        """All representations of one word in all target fields, summed."""
        parts: list[wq.Query] = []
        main = self.analyzer.entry(word)
        if main is None:
            return None
        for f in targets:
            spec = self.fields[f]
            if spec.kind == "keyword":
                parts.append(wq.Term(f, word.casefold()))
                continue
            if spec.kind != "text":
                continue
            parts.append(wq.Term(f, main[0]))
            for stemmer, weight, rep in self.reps:
                e = rep.entry(word)
                if e is not None and weight > 0:
                    parts.append(wq.Term(rep_field(f, stemmer), e[0], boost=weight))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def clause(self, clause: Clause, keep_stops: bool) -> list[wq.Query]:
        targets = self.targets(clause)
        if clause.kind == "prefix":
            prefix = self.analyzer.normalize(clause.text)
            out: list[wq.Query] = []
            for f in targets:
                if self.fields[f].kind != "text":
                    continue
                out.append(wq.Prefix(f, prefix))
                if any(s == "none" for s, _, _ in self.reps):
                    out.append(wq.Prefix(rep_field(f, "none"), prefix))
            return [wq.Or(out)] if out else []
        if clause.kind == "phrase":
            terms = self.analyzer.terms(clause.text, keep_stopwords=True)
            if not terms:
                return []
            if len(terms) == 1:
                q = self.word(WORD_PATTERN.findall(clause.text)[0], targets) if WORD_PATTERN.findall(clause.text) else None
                return [q] if q is not None else []
            phrases = [wq.Phrase(f, terms) for f in targets if self.fields[f].kind == "text"]
            return [wq.Or(phrases)] if phrases else []
        words = []
        for w in WORD_PATTERN.findall(clause.text):
            e = self.analyzer.entry(w)
            if e is not None and (keep_stops or not e[1]):
                q = self.word(w, targets)
                if q is not None:
                    words.append(q)
        return words


def compile_query(
    query: str,
    fields: Mapping[str, Field],
    analyzer: Analyzer,
    ranking: Ranking,
    search_fields: Sequence[str],
) -> wq.Query:
    """Parse and compile ``query``; returns ``NullQuery`` when nothing is searchable."""
    clauses = parse_query(query, fields)
    comp = _Compiler(fields, analyzer, ranking, search_fields)
    plain = [
        e
        for c in clauses
        if c.kind == "word" and c.occur != "must_not"
        for e in (analyzer.entry(w) for w in WORD_PATTERN.findall(c.text))
        if e is not None
    ]
    keep_stops = bool(plain) and all(is_stop for _, is_stop in plain)
    should: list[wq.Query] = []
    must: list[wq.Query] = []
    must_not: list[wq.Query] = []
    for c in clauses:
        parts = comp.clause(c, keep_stops or c.occur == "must_not")
        if not parts:
            continue
        if c.occur == "must":
            must.append(parts[0] if len(parts) == 1 else wq.And(parts))
        elif c.occur == "must_not":
            must_not.extend(parts)
        else:
            should.extend(parts)
    if ranking.operator == "and" and should:
        must.extend(should)
        should = []
    if should:
        scale = ranking.coordination if ranking.coordination > 0 else None
        optional: wq.Query = should[0] if len(should) == 1 else wq.Or(should, scale=scale)
    if must:
        required: wq.Query = must[0] if len(must) == 1 else wq.And(must)
        q: wq.Query = wq.AndMaybe(required, optional) if should else required
    elif should:
        q = optional
    else:
        return wq.NullQuery
    if ranking.phrase_boost > 0 and len(should) > 1:
        terms = [t for c in clauses if c.kind == "word" and c.occur == "should" for t in analyzer.terms(c.text, keep_stops)]
        if len(terms) > 1:
            prox = wq.Or([wq.Phrase(f, terms, slop=3, boost=ranking.phrase_boost) for f in search_fields])
            q = wq.AndMaybe(q, prox)
    if must_not:
        q = wq.AndNot(q, must_not[0] if len(must_not) == 1 else wq.Or(must_not))
    return q


def compile_filter(filters: Mapping[str, Any] | None, fields: Mapping[str, Field]) -> wq.Query | None:
    """``{"source": "bbc", "year": (2010, 2020), "tags": ["a", "b"]}`` → a Whoosh filter.

    A keyword value matches exactly (a list matches any of its items); a
    numeric or date value matches exactly, a ``(low, high)`` tuple is an
    inclusive range (``None`` for an open end).
    """
    if not filters:
        return None
    if not isinstance(filters, Mapping):
        raise QueryError("filter must be a mapping of field → value or (low, high)")
    parts: list[wq.Query] = []
    for name, value in filters.items():
        if name == "id":
            values = value if isinstance(value, (list, set, frozenset)) else [value]
            parts.append(wq.Or([wq.Term("id", str(v)) for v in values]))
            continue
        spec = fields.get(name)
        if spec is None or spec.kind == "text":
            raise QueryError(f"cannot filter on {name!r}: filter on id or a keyword, numeric or date field")
        if spec.kind == "keyword":
            values = value if isinstance(value, (list, set, frozenset)) else [value]
            parts.append(wq.Or([wq.Term(name, str(v).casefold()) for v in values]))
        elif isinstance(value, tuple):
            if len(value) != 2:
                raise QueryError(f"range filter on {name!r} must be a (low, high) tuple")
            low, high = value
            rng = wq.NumericRange if spec.kind == "numeric" else wq.DateRange
            _check_types(name, spec, [v for v in (low, high) if v is not None])
            parts.append(rng(name, low, high))
        else:
            _check_types(name, spec, [value])
            parts.append(wq.NumericRange(name, value, value) if spec.kind == "numeric" else wq.DateRange(name, value, value))
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _check_types(name: str, spec: Field, values: list[Any]) -> None:
    for v in values:
        ok = (
            isinstance(v, (int, float)) and not isinstance(v, bool)
            if spec.kind == "numeric"
            else isinstance(v, (dt.date, dt.datetime))
        )
        if not ok:
            raise QueryError(f"filter value {v!r} does not fit {spec.kind} field {name!r}")
