"""The query language, parsed into a small engine-agnostic form.

Syntax (anything else is plain words):

* ``word word``      ranked words (OR, ranked with BM25F)
* ``"exact phrase"`` the words in this order
* ``+word``          required; ``-word`` excluded (also ``+"..."``, ``-"..."``)
* ``field:word``     only in that field (``field:"phrase"`` too)
* ``prefix*``        words starting with the prefix (normalized, not stemmed)

The parser never raises: unbalanced quotes, stray operators, parentheses,
unknown fields and very long input all degrade to plain words.

Example:
    >>> [(c.kind, c.text, c.occur, c.field) for c in parse_query('كتاب "وزير الخارجية" -سوريا title:مصر مكت*', {"title"})]
    [('word', 'كتاب', 'should', None), ('phrase', 'وزير الخارجية', 'should', None), ('word', 'سوريا', 'must_not', None), ('word', 'مصر', 'should', 'title'), ('prefix', 'مكت', 'should', None)]
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from .analysis import Analyzer
from .tokenize import WORD_PATTERN

__all__ = ["Clause", "AnalyzedClause", "parse_query", "analyze_query", "MAX_QUERY_CHARS"]

#: Longer queries are cut here (at a space when possible) before parsing.
MAX_QUERY_CHARS = 1000
#: At most this many clauses are kept; the rest are ignored.
MAX_CLAUSES = 64

Kind = Literal["word", "phrase", "prefix"]
Occur = Literal["should", "must", "must_not"]

# One query item: optional +/-, optional field:, then a quoted phrase
# (closing quote optional) or a bare chunk up to the next space.
_ITEM = re.compile(
    r"""(?P<op>[+\-]?)(?:(?P<field>[^\W\d][\w.]*):)?(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))""",
    re.UNICODE,
)
_STRIP = "()[]{}"
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "＂": '"'})


@dataclass(frozen=True)
class Clause:
    """One parsed query item: ``kind`` word/phrase/prefix, raw ``text``, ``occur`` and ``field``."""

    kind: Kind
    text: str
    occur: Occur = "should"
    field: str | None = None


def _truncate(query: str) -> str:
    if len(query) <= MAX_QUERY_CHARS:
        return query
    cut = query.rfind(" ", 0, MAX_QUERY_CHARS)
    return query[: cut if cut > 0 else MAX_QUERY_CHARS]


def parse_query(query: str, fields: Collection[str] = ()) -> list[Clause]:
    """Parse ``query`` into clauses; ``fields`` are the names allowed before ``:``.

    >>> parse_query('"غير مغلق')
    [Clause(kind='phrase', text='غير مغلق', occur='should', field=None)]
    >>> parse_query('- + : *')
    []
    """
    if not isinstance(query, str):
        return []
    text = _truncate(query).translate(_QUOTES)
    clauses: list[Clause] = []
    for m in _ITEM.finditer(text):
        if len(clauses) >= MAX_CLAUSES:
            break
        op, field, phrase, bare = m.group("op", "field", "phrase", "bare")
        occur: Occur = "must" if op == "+" else "must_not" if op == "-" else "should"
        if field is not None and field not in fields:
            # Not a field we know: "x:y" is just words.
            bare = f"{field}:{bare}" if bare is not None else field
            phrase = None if bare is not None else phrase
            field = None
        if phrase is not None:
            words = phrase.strip()
            if words:
                clauses.append(Clause("phrase", words, occur, field))
            continue
        chunk = (bare or "").strip(_STRIP)
        if chunk.endswith("*") and chunk.rstrip("*"):
            clauses.append(Clause("prefix", chunk.rstrip("*"), occur, field))
        elif chunk.strip("*:+-"):
            clauses.append(Clause("word", chunk, occur, field))
    return clauses


@dataclass(frozen=True)
class AnalyzedClause:
    """A clause with its index terms: a word's terms, a phrase's terms in
    order (stop words kept), or a prefix's normalized form."""

    clause: Clause
    terms: tuple[str, ...]


def analyze_query(clauses: list[Clause], analyzer: Analyzer) -> list[AnalyzedClause]:
    """Turn clauses into index terms with ``analyzer``.

    Stop words in plain words are dropped, unless every plain word of the
    query is a stop word (then they are searched: "من هو" still matches).
    Phrases keep their stop words. Clauses left with no terms are dropped.

    >>> from arsearch.analysis import Analyzer
    >>> [c.terms for c in analyze_query(parse_query("من هو"), Analyzer())]
    [('من',), ('هو',)]
    >>> [c.terms for c in analyze_query(parse_query("من هو البغدادي"), Analyzer())]
    [('بغداد',)]
    """
    entries: list[list[tuple[str, bool]]] = []
    for c in clauses:
        if c.kind == "prefix":
            entries.append([])
            continue
        words = [analyzer.entry(w) for w in WORD_PATTERN.findall(c.text)]
        entries.append([e for e in words if e is not None])
    plain = [e for c, es in zip(clauses, entries) if c.kind == "word" and c.occur != "must_not" for e in es]
    keep_stops = bool(plain) and all(is_stop for _, is_stop in plain)
    out: list[AnalyzedClause] = []
    for c, es in zip(clauses, entries):
        if c.kind == "prefix":
            prefix = analyzer.normalize(c.text)
            terms: tuple[str, ...] = (prefix,) if WORD_PATTERN.fullmatch(prefix) else ()
        elif c.kind == "phrase":
            terms = tuple(t for t, _ in es)
        else:
            terms = tuple(t for t, is_stop in es if keep_stops or not is_stop)
        if terms:
            out.append(AnalyzedClause(c, terms))
    return out
