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

import dataclasses
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from .analysis import Analyzer
from .fields import Field, Ranking, rep_field
from .stem import strip_article
from .tokenize import WORD_PATTERN

__all__ = ["Clause", "AnalyzedClause", "TermRef", "PlanItem", "Plan", "parse_query", "analyze_query", "build_plan", "MAX_QUERY_CHARS"]

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
            # Not a field we know: "x:y" is just words, "x:\"y z\"" a word and a phrase.
            if bare is not None:
                bare = f"{field}:{bare}"
            else:
                clauses.append(Clause("word", field, occur, None))
            field = None
        if phrase is not None:
            words = phrase.strip()
            if words:
                clauses.append(Clause("phrase", words, occur, field))
            continue
        chunk = (bare or "").strip(_STRIP)
        if chunk.endswith("*") and chunk.rstrip("*").strip("*:+-"):
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


def only_stopwords(clauses: list[Clause], analyzer: Analyzer) -> bool:
    """True when every word of the plain (non-excluded) word clauses is a stop
    word: then stop words are searched instead of dropped ("من هو")."""
    plain = [
        e
        for c in clauses
        if c.kind == "word" and c.occur != "must_not"
        for e in (analyzer.entry(w) for w in WORD_PATTERN.findall(c.text))
        if e is not None
    ]
    return bool(plain) and all(is_stop for _, is_stop in plain)


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
    keep_stops = only_stopwords(clauses, analyzer)
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


# -- query plans: what the engine executes ---------------------------------


@dataclass(frozen=True)
class TermRef:
    """One index term in one field, with its score weight (0 = match only)."""

    field: str
    term: str
    weight: float
    max_df: float = 1.0  # skipped when found in more than this fraction of the documents
    # A representation (root, n-gram): it makes a document match a ranked
    # word, but for a required or excluded word it only scores.
    representation: bool = False


@dataclass(frozen=True)
class PlanItem:
    """One clause, ready to execute.

    ``terms``: a document matches if it has any of ``refs`` (for a required
    or excluded word, any of its text-field refs), and scores the weighted
    BM25 sum of those it has (the word in each field, and its
    representations). ``phrase``: ``words`` in order, in any of ``fields`` (field,
    boost). ``prefix``: any term starting with one of ``prefixes`` in
    ``fields`` (the typed prefix, then the prefix without و/article, which
    never expands to a term in ``skip``).
    """

    kind: Literal["terms", "phrase", "prefix", "near"]
    occur: Occur
    refs: tuple[TermRef, ...] = ()
    words: tuple[str, ...] = ()
    fields: tuple[tuple[str, float], ...] = ()
    prefixes: tuple[str, ...] = ()
    skip: frozenset[str] = frozenset()  # terms a stripped prefix must not expand to (stop words)
    weight: float = 1.0
    window: int = 1  # "near": the second word within this many positions after the first
    bonus: bool = False  # adds score only: does not make a document match


@dataclass(frozen=True)
class Plan:
    """The executable form of a query: items plus ranking knobs."""

    items: tuple[PlanItem, ...]
    coordination: float = 0.0

    @property
    def empty(self) -> bool:
        return not any(i.occur != "must_not" for i in self.items)


def build_plan(
    query: str,
    fields: dict[str, Field],
    analyzer: Analyzer,
    ranking: Ranking,
    search_fields: list[str],
) -> Plan:
    """Parse ``query`` and turn it into a :class:`Plan` over ``search_fields``.

    Each plain word becomes one ``terms`` item holding its term in every
    searched text field (weighted by the field boost) and, when every text
    field is searched, its term in each representation of ``ranking``
    (weighted by the representation's weight; n-grams each).

    >>> from arsearch.fields import DEFAULT_FIELDS, Ranking
    >>> plan = build_plan("المكتبات", DEFAULT_FIELDS, Analyzer(), Ranking(), ["title", "body"])
    >>> [(r.field, r.term, r.weight) for r in plan.items[0].refs]
    [('title', 'مكتب', 0.5), ('body', 'مكتب', 1.0)]
    """
    clauses = parse_query(query, fields)
    reps = [(s, w, *analyzer.for_representation(s)) for s, w in ranking.representations]
    keep_stops = only_stopwords(clauses, analyzer)
    items: list[PlanItem] = []

    def targets(c: Clause) -> list[str]:
        return [c.field] if c.field is not None else search_fields

    all_text = {n for n, f in fields.items() if f.kind == "text"}

    def word_refs(word: str, names: list[str]) -> tuple[TermRef, ...]:
        main = analyzer.entry(word)
        refs: list[TermRef] = []
        if main is None:
            return ()
        for name in names:
            spec = fields[name]
            if spec.kind == "keyword":
                refs.append(TermRef(name, word.casefold(), 0.0))
            elif spec.kind == "text":
                refs.append(TermRef(name, main[0], spec.boost))
        if all_text <= set(names):  # the representations hold every text field
            for rep_name, weight, rep, n in reps:
                if weight <= 0:
                    continue
                if n:  # every n-gram of the word; the engine skips the frequent ones
                    for gram, k in Counter(rep.word_ngrams(word, n)).items():
                        refs.append(TermRef(rep_field(rep_name), gram, weight * k, ranking.ngram_max_df, True))
                    continue
                e = rep.entry(word)
                if e is not None:
                    refs.append(TermRef(rep_field(rep_name), e[0], weight, representation=True))
        return tuple(refs)

    for c in clauses:
        names = targets(c)
        text_fields = tuple((n, fields[n].boost) for n in names if fields[n].kind == "text")
        if c.kind == "prefix":
            prefix = analyzer.normalize(c.text)
            if prefix and WORD_PATTERN.fullmatch(prefix) and text_fields:
                stripped = strip_article(prefix)
                prefixes = (prefix, stripped) if stripped != prefix else (prefix,)
                if "none" in dict(ranking.representations) and all_text <= set(names):
                    # the unstemmed words too: a prefix longer than a word's stem still finds it
                    text_fields += ((rep_field("none"), 1.0),)
                items.append(PlanItem("prefix", c.occur, fields=text_fields, prefixes=prefixes, skip=analyzer.stopwords))
            continue
        if c.kind == "phrase":
            words = tuple(analyzer.terms(c.text, keep_stopwords=True))
            if len(words) > 1 and text_fields:
                items.append(PlanItem("phrase", c.occur, words=words, fields=text_fields))
                continue
            # a one-word phrase is that word
        for w in WORD_PATTERN.findall(c.text):
            e = analyzer.entry(w)
            if e is None or (e[1] and not (keep_stops or c.kind == "phrase" or c.occur == "must_not")):
                continue
            refs = word_refs(w, names)
            if refs:
                items.append(PlanItem("terms", c.occur, refs=refs))
    if ranking.operator == "and":
        items = [dataclasses.replace(i, occur="must") if i.occur == "should" else i for i in items]
    if ranking.phrase_boost > 0:
        words = tuple(r.term for i in items if i.kind == "terms" and i.occur != "must_not"
                      for r in i.refs[:1] if r.field in dict(fields) and fields[r.field].kind == "text")
        text_fields = tuple((n, fields[n].boost) for n in search_fields if fields[n].kind == "text")
        if len(words) > 1:
            items.append(
                PlanItem("phrase", "should", words=words, fields=text_fields, weight=ranking.phrase_boost, bonus=True)
            )
    if ranking.proximity > 0:
        text_fields = tuple((n, fields[n].boost) for n in search_fields if fields[n].kind == "text")
        words = [i.refs[0].term for i in items if i.kind == "terms" and i.occur != "must_not" and i.refs
                 and fields[i.refs[0].field].kind == "text"]
        for a, b in zip(words, words[1:]):
            if a != b:
                items.append(PlanItem("near", "should", words=(a, b), fields=text_fields,
                                      weight=ranking.proximity, window=ranking.proximity_window, bonus=True))
    return Plan(tuple(items), ranking.coordination)
