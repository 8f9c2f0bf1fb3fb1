"""The query language, parsed once into a plan that the engine and the highlighter share.

Syntax (Lucene/Elasticsearch ``query_string`` conventions):

* ``word word``          either word, ranked with BM25F
* ``"exact phrase"``     the words in this order; ``"a b"~N``: at most N other words between them
* ``+word`` / ``-word``  required / excluded (also ``+"..."``, ``-(...)``)
* ``a AND b``, ``a OR b``, ``a NOT b``, ``NOT a`` (also ``&&``, ``||``, ``!``) and ``( )``
* ``field:word``, ``field:"phrase"``, ``field:(a b)``
* ``word^2``, ``"phrase"^2``, ``(a b)^2``  boosts
* ``prefix*``            words starting with the prefix (normalized, not stemmed)

``AND`` makes the clauses on both sides required, ``NOT`` excludes the next
clause, as Lucene's classic query parser does (``a OR b AND c`` is ``a +b
+c``). The operators are the upper-case words only: ``and``/``not`` are
plain words. Malformed input never raises: an unclosed quote or parenthesis
degrades to plain words, stray operators are dropped, very long input is cut
(at :data:`MAX_QUERY_CHARS` characters and :data:`MAX_CLAUSES` clauses), with
a warning. An unknown field name (``foo:word``) searches ``foo:word`` as plain
words and adds a warning (see :attr:`arsearch.Results.warnings`).

Example:
    >>> [(c.kind, c.text, c.occur, c.field) for c in parse_query('كتاب "وزير الخارجية" -سوريا title:مصر مكت*', {"title"})]
    [('word', 'كتاب', 'should', None), ('phrase', 'وزير الخارجية', 'should', None), ('word', 'سوريا', 'must_not', None), ('word', 'مصر', 'should', 'title'), ('prefix', 'مكت', 'should', None)]
    >>> [(c.text, c.occur) for c in parse_query("تونس AND الجزائر")]
    [('تونس', 'must'), ('الجزائر', 'must')]
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .analysis import Analyzer
from .arabizi import ARTICLE, Reading, fold_latin, has_arabizi_digits, is_latin_word, read_word
from .fields import VOCABULARY_FIELD, Field, Ranking, rep_field
from .stem import strip_article
from .tokenize import WORD_PATTERN
from .variants import spelling_variants

__all__ = [
    "Clause",
    "AnalyzedClause",
    "TermRef",
    "PlanItem",
    "Plan",
    "parse_query",
    "analyze_query",
    "build_plan",
    "leaves",
    "truncate_query",
    "MAX_QUERY_CHARS",
    "MAX_CLAUSES",
    "NEAR_WEIGHT",
]

#: Longer queries are cut here (at a space when possible) before parsing, with a warning.
MAX_QUERY_CHARS = 1000
#: At most this many word, phrase or prefix clauses are kept; the rest are ignored, with a warning.
MAX_CLAUSES = 64
#: Groups nested deeper than this are read as plain words.
MAX_DEPTH = 16

Kind = Literal["word", "phrase", "prefix", "group"]
Occur = Literal["should", "must", "must_not"]

_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "＂": '"'})
_BRACKETS = "[]{}"  # Lucene range syntax is not supported: read as words
_CONJUNCTIONS = {"AND": "and", "&&": "and", "OR": "or", "||": "or"}
_NEGATIONS = ("NOT", "!")
_LEX = re.compile(r'\s+|(?P<open>\()|(?P<close>\))|(?P<quote>")|(?P<chunk>[^\s()"]+)')
# optional +/-/! modifier, optional field name and colon, the rest
_CHUNK = re.compile(r"(?P<mod>[+\-!]?)(?:(?P<field>[^\W\d][\w.]*):)?(?P<rest>.*)", re.S)
# trailing ~N (slop, or fuzziness on a word: ignored) and ^N (boost) parts, in either order
_SUFFIX = re.compile(r"(?:~\d*|\^\d+(?:\.\d+)?)+$")
_SUFFIX_PART = re.compile(r"~(?P<slop>\d*)|\^(?P<boost>\d+(?:\.\d+)?)")
MAX_SLOP = 10_000
MAX_BOOST = 10_000.0


def _slop_boost(suffix: str) -> tuple[int, float]:
    """The slop and boost of a suffix such as ``~3^2`` (the last of each wins)."""
    slop, boost = 0, 1.0
    for m in _SUFFIX_PART.finditer(suffix):
        if m.group("slop") is not None:
            slop = min(int(m.group("slop") or 0), MAX_SLOP)
        elif m.group("boost") is not None:
            boost = min(float(m.group("boost")), MAX_BOOST)
    return slop, boost


@dataclass(frozen=True)
class Clause:
    """One parsed query item.

    ``kind`` is word, phrase, prefix or group (``children``, from
    parentheses); ``text`` is the raw text; ``occur`` should/must/must_not;
    ``field`` restricts it to one field; ``boost`` multiplies its score (a
    group's boost is passed down to its clauses when parsed);
    ``slop`` is a phrase's ``~N``.
    """

    kind: Kind
    text: str
    occur: Occur = "should"
    field: str | None = None
    boost: float = 1.0
    slop: int = 0
    children: tuple[Clause, ...] = ()


def truncate_query(query: str) -> str:
    """``query`` cut to :data:`MAX_QUERY_CHARS`, at a space when possible."""
    if len(query) <= MAX_QUERY_CHARS:
        return query
    cut = query.rfind(" ", 0, MAX_QUERY_CHARS)
    return query[: cut if cut > 0 else MAX_QUERY_CHARS]


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens ``(kind, text)``: open, close, phrase, chunk. A quote with no
    closing quote is dropped, so what follows it is read as plain words."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _LEX.match(text, pos)
        if m is None:  # pragma: no cover - every character matches one branch
            break
        pos = m.end()
        if m.group("quote"):
            end = text.find('"', pos)
            if end < 0:
                continue  # unclosed: the rest is plain words
            tokens.append(("phrase", text[pos:end]))
            pos = end + 1
        elif m.group("open"):
            tokens.append(("open", "("))
        elif m.group("close"):
            tokens.append(("close", ")"))
        elif m.group("chunk"):
            tokens.append(("chunk", m.group("chunk")))
    return tokens


class _Parser:
    def __init__(
        self, tokens: list[tuple[str, str]], fields: Collection[str], warnings: list[str] | None, default_and: bool = False
    ) -> None:
        self.default_and = default_and
        self.tokens = tokens
        self.pos = 0
        self.fields = fields
        self.warnings = warnings
        self.leaves = 0
        self.dropped = 0  # clauses past MAX_CLAUSES, ignored

    def _warn(self, message: str) -> None:
        if self.warnings is not None and message not in self.warnings:
            self.warnings.append(message)

    def _suffix(self) -> tuple[int, float]:
        """A ``~N`` / ``^N`` chunk right after a phrase or a group."""
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == "chunk":
            chunk = self.tokens[self.pos][1]
            if _SUFFIX.fullmatch(chunk):
                self.pos += 1
                return _slop_boost(chunk)
            if chunk[0] in "^~" and not chunk.strip("^~.0123456789"):
                self.pos += 1  # a malformed suffix ("^", "~x" are words): dropped, never searched
        return 0, 1.0

    def group(self, depth: int) -> tuple[list[Clause], bool]:
        """Clauses up to the matching ``)``; True if it was closed."""
        clauses: list[Clause] = []
        implicit: list[bool] = []  # made required by the default operator alone
        conj: str | None = None
        negate = False
        while self.pos < len(self.tokens):
            kind, text = self.tokens[self.pos]
            self.pos += 1
            if kind == "close":
                if depth > 0:
                    return clauses, True
                continue  # a stray ")"
            if kind == "chunk" and text in _CONJUNCTIONS:
                conj = _CONJUNCTIONS[text]
                continue
            if kind == "chunk" and text in _NEGATIONS:
                negate = True
                continue
            made = self._clause(kind, text, depth)
            for clause in made:
                by_default = False
                if clause is made[0]:
                    if negate:
                        clause = dataclasses.replace(clause, occur="must_not")
                    if conj == "and":
                        # Lucene: "a AND b" makes both required (unless excluded)
                        if clauses and clauses[-1].occur == "should":
                            clauses[-1] = dataclasses.replace(clauses[-1], occur="must")
                        if clause.occur == "should":
                            clause = dataclasses.replace(clause, occur="must")
                    elif conj == "or" and clauses and implicit[-1]:
                        # with AND as the default operator, "a OR b" keeps both optional
                        clauses[-1] = dataclasses.replace(clauses[-1], occur="should")
                        implicit[-1] = False
                if self.default_and and clause.occur == "should" and not (clause is made[0] and conj == "or"):
                    clause, by_default = dataclasses.replace(clause, occur="must"), True
                clauses.append(clause)
                implicit.append(by_default)
            if made:
                conj, negate = None, False
        return clauses, False

    def _clause(self, kind: str, text: str, depth: int) -> list[Clause]:
        """The clause(s) one token starts (a chunk may take the next token as its value)."""
        if kind == "phrase":
            return self._phrase(text, "should", None)
        if kind == "open":
            return self._group("should", None, depth)
        m = _CHUNK.match(text)
        assert m is not None  # the pattern matches any string
        mod, field, rest = m.group("mod", "field", "rest")
        occur: Occur = "must" if mod == "+" else "must_not" if mod in ("-", "!") else "should"
        if field is not None and field not in self.fields:
            if rest:
                self._warn(f"unknown field {field!r}: searched {field}:{rest} as words")
                return self._word(f"{field}:{rest}", occur, None)
            if self.pos < len(self.tokens) and self.tokens[self.pos][0] in ("phrase", "open"):
                # the phrase or group that follows keeps the clause's +/-, over every field
                self._warn(f"unknown field {field!r}: searched what follows {field}: in every field")
                nxt_kind, nxt_text = self.tokens[self.pos]
                self.pos += 1
                return self._phrase(nxt_text, occur, None) if nxt_kind == "phrase" else self._group(occur, None, depth)
            self._warn(f"unknown field {field!r}: searched {field}: as a word")
            return self._word(f"{field}:", occur, None)
        if not rest and self.pos < len(self.tokens) and (field is not None or mod):
            nxt_kind, nxt_text = self.tokens[self.pos]
            if nxt_kind == "phrase":
                self.pos += 1
                return self._phrase(nxt_text, occur, field)
            if nxt_kind == "open":
                self.pos += 1
                return self._group(occur, field, depth)
        if field is not None and not rest:
            return self._word(f"{field}:", occur, None)  # "title:" with nothing after it
        return self._word(rest, occur, field)

    def _word(self, chunk: str, occur: Occur, field: str | None) -> list[Clause]:
        suffix = _SUFFIX.search(chunk)
        boost = 1.0
        if suffix and suffix.start() > 0:
            boost = _slop_boost(suffix.group())[1]
            chunk = chunk[: suffix.start()]
        chunk = chunk.strip(_BRACKETS)
        if chunk.endswith("*") and chunk.rstrip("*").strip("*:+-!"):
            kind: Kind = "prefix"
        elif chunk.strip("*:+-!"):
            kind = "word"
        else:
            return []
        if not self._room():
            return []
        return [Clause(kind, chunk.rstrip("*") if kind == "prefix" else chunk, occur, field, boost)]

    def _room(self) -> bool:
        """Count one more clause: False (and counted as dropped) past :data:`MAX_CLAUSES`."""
        if self.leaves >= MAX_CLAUSES:
            self.dropped += 1
            return False
        self.leaves += 1
        return True

    def _phrase(self, text: str, occur: Occur, field: str | None) -> list[Clause]:
        slop, boost = self._suffix()
        words = text.strip()
        if not words or not self._room():
            return []
        return [Clause("phrase", words, occur, field, boost, slop)]

    def _group(self, occur: Occur, field: str | None, depth: int) -> list[Clause]:
        children, closed = self.group(depth + 1) if depth < MAX_DEPTH else ([], False)
        if field is not None:
            children = [c if c.field is not None else _with_field(c, field) for c in children]
        if not closed:
            return children  # an unclosed "(": its words, as plain clauses
        _, boost = self._suffix()
        if not children:
            return []
        if boost != 1.0:  # a group's boost is its clauses' (each of word, phrase and prefix applies its own)
            children = [_with_boost(c, boost) for c in children]
        if len(children) == 1 and children[0].occur == "should":
            return [dataclasses.replace(children[0], occur=occur)]
        text = " ".join(c.text for c in children)
        return [Clause("group", text, occur, field, 1.0, 0, tuple(children))]


def _with_boost(clause: Clause, boost: float) -> Clause:
    if clause.kind == "group":
        return dataclasses.replace(clause, children=tuple(_with_boost(c, boost) for c in clause.children))
    return dataclasses.replace(clause, boost=clause.boost * boost)


def _with_field(clause: Clause, field: str) -> Clause:
    children = tuple(c if c.field is not None else _with_field(c, field) for c in clause.children)
    return dataclasses.replace(clause, field=field, children=children)


def parse_query(
    query: str, fields: Collection[str] = (), warnings: list[str] | None = None, default_operator: str = "or"
) -> list[Clause]:
    """Parse ``query`` into clauses; ``fields`` are the names allowed before ``:``.

    Problems the user should hear about (an unknown field) are appended to
    ``warnings`` when a list is given. With ``default_operator="and"``,
    words without an operator are required, as in Lucene (``a OR b`` stays
    optional).

    >>> parse_query('"غير مغلق')
    [Clause(kind='word', text='غير', occur='should', field=None, boost=1.0, slop=0, children=()), Clause(kind='word', text='مغلق', occur='should', field=None, boost=1.0, slop=0, children=())]
    >>> [(c.kind, c.occur, [k.text for k in c.children]) for c in parse_query("تونس NOT (الجزائر OR المغرب)")]
    [('word', 'should', []), ('group', 'must_not', ['الجزائر', 'المغرب'])]
    >>> parse_query('- + : *')
    []
    """
    if not isinstance(query, str):
        return []
    text = truncate_query(query).translate(_QUOTES)
    parser = _Parser([], fields, warnings, default_operator == "and")
    if len(text) < len(query):
        parser._warn(f"the query was cut to its first {MAX_QUERY_CHARS:,} characters ({len(query) - len(text):,} more not searched)")
        if text.count('"') % 2:
            text += '"'  # the cut took a phrase's closing quote: the phrase stays a phrase
    parser.tokens = _lex(text)
    clauses, _ = parser.group(0)
    if parser.dropped:
        parser._warn(f"the query was cut to its first {MAX_CLAUSES} words, phrases and prefixes ({parser.dropped} more not searched)")
    return clauses


def leaves(clauses: Collection[Clause]) -> list[Clause]:
    """The word, phrase and prefix clauses, groups opened (in order)."""
    out: list[Clause] = []
    for c in clauses:
        out.extend(leaves(c.children) if c.kind == "group" else [c])
    return out


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
        for c in leaves(clauses)
        if c.kind == "word" and c.occur != "must_not"
        for e in (analyzer.entry(w) for w in WORD_PATTERN.findall(c.text))
        if e is not None
    ]
    return bool(plain) and all(is_stop for _, is_stop in plain)


def analyze_query(clauses: list[Clause], analyzer: Analyzer) -> list[AnalyzedClause]:
    """Turn clauses (groups opened) into index terms with ``analyzer``.

    Stop words in plain words are dropped, unless every plain word of the
    query is a stop word (then they are searched: "من هو" still matches).
    Phrases keep their stop words. Clauses left with no terms are dropped.

    >>> from arsearch.analysis import Analyzer
    >>> [c.terms for c in analyze_query(parse_query("من هو"), Analyzer())]
    [('من',), ('هو',)]
    >>> [c.terms for c in analyze_query(parse_query("من هو البغدادي"), Analyzer())]
    [('بغداد',)]
    """
    keep_stops = only_stopwords(clauses, analyzer)
    out: list[AnalyzedClause] = []
    for c in leaves(clauses):
        if c.kind == "prefix":
            prefix = analyzer.normalize(c.text)
            terms: tuple[str, ...] = (prefix,) if WORD_PATTERN.fullmatch(prefix) else ()
        else:
            es = [e for e in (analyzer.entry(w) for w in WORD_PATTERN.findall(c.text)) if e is not None]
            if c.kind == "phrase":
                terms = tuple(t for t, _ in es)
            else:
                terms = tuple(t for t, is_stop in es if keep_stops or not is_stop)
        if terms:
            out.append(AnalyzedClause(c, terms))
    return out


# -- query plans: what the engine executes and the highlighter marks ----------------

#: How a term reference matches: the word's own term (its light stem, or a
#: keyword's value), its root, a close spelling of it, or "score": it only
#: adds score to hits, never makes one (character n-grams; the root of a
#: word the index does not know; a root too common to tell documents apart).
How = Literal["stem", "root", "near", "score"]
#: A close spelling scores this fraction of what the word itself scores (the default).
NEAR_WEIGHT = 0.5

class Lexicon(Protocol):
    """The index's vocabulary, as the planner needs it (an engine provides it)."""

    #: per-index-generation memo the planner may use (bounded by the planner)
    memo: dict[Any, Any]

    #: the number of documents (deleted ones included, as in ``df``)
    n: int

    def has_term(self, term: str, fields: Sequence[str]) -> bool:
        """Whether any document holds ``term`` in one of ``fields``."""
        ...

    def df(self, field: str, term: str) -> int:
        """How many documents hold ``term`` in ``field``."""
        ...


_MEMO_LIMIT = 50_000  # close-spelling and Arabizi lookups remembered per index generation
#: The Arabic article as Arabizi writes it apart from its word (el 7ekouma, al-9adam).
_ARTICLES = frozenset({"el", "al", "il", "l"})
#: A word's term and its close spellings' terms have at least this many
#: letters: three-letter stems are too often other words (كرو, كور for
#: كورونا; بيوت for بوتين, whose stem is بوت).
MIN_NEAR_STEM = 4


@dataclass(frozen=True)
class TermRef:
    """One index term in one field, with its score weight (0 = match only)
    and ``how`` it relates to the query word."""

    field: str
    term: str
    weight: float
    max_df: float = 1.0  # skipped when found in more than this fraction of the documents
    how: How = "stem"

    @property
    def matches(self) -> bool:
        """Whether a document holding this term is a hit (n-grams only score)."""
        return self.how != "score"


@dataclass(frozen=True)
class PlanItem:
    """One clause, ready to execute.

    ``terms``: one query ``word``; a document matches if it has any of the
    ``refs`` that :attr:`TermRef.matches` (for a required or excluded word,
    only its own term: ``how == "stem"``), and scores the weighted BM25 sum
    of all the refs it has. ``phrase``: ``words`` in order in any of
    ``fields`` (field, boost), at most ``slop`` other words between them.
    ``prefix``: any term starting with one of ``prefixes`` in ``fields``
    (the typed prefix, then the prefix without و/article, which never
    expands to a term in ``skip``). ``group``: ``children`` combined like a
    query (should/must/must_not). ``near`` is a ranking bonus: the second
    word within ``window`` positions after the first.
    """

    kind: Literal["terms", "phrase", "prefix", "near", "group"]
    occur: Occur
    refs: tuple[TermRef, ...] = ()
    words: tuple[str, ...] = ()
    fields: tuple[tuple[str, float], ...] = ()
    prefixes: tuple[str, ...] = ()
    skip: frozenset[str] = frozenset()  # terms a stripped prefix must not expand to (stop words)
    weight: float = 1.0
    window: int = 1  # "near": the second word within this many positions after the first
    bonus: bool = False  # adds score only: does not make a document match
    slop: int = 0  # "phrase": other words allowed between the phrase's words, in all
    children: tuple[PlanItem, ...] = ()
    word: str = ""  # "terms": the query word as typed; "phrase"/"prefix": the clause text


@dataclass(frozen=True)
class Plan:
    """The executable form of a query: items plus ranking knobs.

    The same plan drives the engine (which documents are hits, and their
    scores) and the highlighter (which words of a hit to mark, and how).
    ``warnings`` are problems with the query the user should hear about.
    """

    items: tuple[PlanItem, ...]
    coordination: float = 0.0
    warnings: tuple[str, ...] = ()
    #: Arabizi words and how they were read: (the Latin words as typed, an
    #: article before them included; their Arabic readings, best first).
    readings: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()

    @property
    def empty(self) -> bool:
        return not any(i.occur != "must_not" and not i.bonus for i in self.items)

    def walk(self, negated: bool = False) -> list[tuple[PlanItem, bool]]:
        """Every non-group item with whether it sits under an exclusion (groups opened)."""
        out: list[tuple[PlanItem, bool]] = []

        def visit(items: tuple[PlanItem, ...], neg: bool) -> None:
            for item in items:
                excluded = neg or item.occur == "must_not"
                if item.kind == "group":
                    visit(item.children, excluded)
                else:
                    out.append((item, excluded))

        visit(self.items, negated)
        return out


def build_plan(
    query: str,
    fields: dict[str, Field],
    analyzer: Analyzer,
    ranking: Ranking,
    search_fields: list[str],
    lexicon: Lexicon | None = None,
    arabizi: bool = True,
    vocabulary: Callable[[], tuple[Callable[[str], int], int] | None] | None = None,
) -> Plan:
    """Parse ``query`` once and turn it into a :class:`Plan` over ``search_fields``.

    Each plain word becomes one ``terms`` item holding its term in every
    searched text field (weighted by the field boost) and, when every text
    field is searched, its term in each representation of ``ranking``
    (weighted by the representation's weight; n-grams each). With a
    ``lexicon`` (the index's document frequencies), the plan also holds
    the word's close spellings that occur in the index
    (:func:`~arsearch.variants.spelling_variants`, weighted by
    ``ranking.near_weight``), and its root is only a match when the word
    itself occurs in the index (``ranking.root_match``).

    With a ``lexicon`` and ``arabizi``, a Latin word the index does not know,
    or one holding Arabizi digits (``7ekouma``), is also read as Arabic
    (:mod:`arsearch.arabizi`): its readings that occur in the index are
    searched as close spellings, and listed in :attr:`Plan.readings`. An
    article typed apart (``el 7ekouma``) is read with the word after it.
    Readings are checked against the index's words as written: the
    ``lexicon``'s vocabulary field, or, when ``vocabulary`` is given and
    returns one when first needed, ``(documents per normalized word, the
    documents counted)`` (the index's completion table: one bisection in
    memory, where the engine may read its term dictionary from disk).

    >>> from arsearch.fields import DEFAULT_FIELDS, Ranking
    >>> plan = build_plan("المكتبات", DEFAULT_FIELDS, Analyzer(), Ranking(), ["title", "body"])
    >>> [(r.field, r.term, r.weight) for r in plan.items[0].refs]
    [('title', 'مكتب', 0.5), ('body', 'مكتب', 1.0)]
    """
    warnings: list[str] = []
    clauses = parse_query(query, fields, warnings, ranking.operator)
    planner = _Planner(fields, analyzer, ranking, search_fields, lexicon, arabizi, vocabulary)
    return planner.plan(clauses, tuple(warnings))


def _lexicon_words(lexicon: Lexicon, entry: Callable[[str], Any], text_names: list[str]) -> Callable[[str], int]:
    """Documents holding a normalized word, from the engine: its vocabulary
    field (the words as written), or for an index without one, the word's stem."""
    has_field = getattr(lexicon, "has_field", None)
    if has_field is not None and has_field(VOCABULARY_FIELD):
        vocabulary = [VOCABULARY_FIELD]

        def words(arabic: str) -> int:
            return lexicon.df(VOCABULARY_FIELD, arabic) if lexicon.has_term(arabic, vocabulary) else 0

        return words

    def stems(arabic: str) -> int:
        e = entry(arabic)
        if e is None or not lexicon.has_term(e[0], text_names):
            return 0
        return max(lexicon.df(n, e[0]) for n in text_names)

    return stems


class _Planner:
    """Turns parsed clauses into plan items (one planner per query)."""

    def __init__(
        self,
        fields: dict[str, Field],
        analyzer: Analyzer,
        ranking: Ranking,
        search_fields: list[str],
        lexicon: Lexicon | None,
        arabizi: bool = True,
        vocabulary: Callable[[], tuple[Callable[[str], int], int] | None] | None = None,
    ) -> None:
        self.fields = fields
        self.analyzer = analyzer
        self.ranking = ranking
        self.search_fields = search_fields
        self.lexicon = lexicon
        self.reps = [(s, w, *analyzer.for_representation(s)) for s, w in ranking.representations]
        self.all_text = {n for n, f in fields.items() if f.kind == "text"}
        self.keep_stops = False
        self.arabizi = arabizi and lexicon is not None
        self.vocabulary = vocabulary
        # the vocabulary's answer, asked once a plan (its file checks are system calls)
        self._table: tuple[Callable[[str], int], int] | None = None
        self._table_asked = False
        self.readings: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.bonus_terms: dict[str, str] = {}  # an Arabizi word's best reading's term (phrase/proximity bonuses)

    def plan(self, clauses: list[Clause], warnings: tuple[str, ...]) -> Plan:
        self.keep_stops = only_stopwords(clauses, self.analyzer)
        items = self.items(clauses)
        ranking = self.ranking
        text_fields = tuple((n, self.fields[n].boost) for n in self.search_fields if self.fields[n].kind == "text")
        # ranking bonuses over the plain words of the query (top level)
        words = [
            self.bonus_terms.get(i.word, i.refs[0].term)
            for i in items
            if i.kind == "terms" and i.occur != "must_not" and i.refs and self.fields[i.refs[0].field].kind == "text"
        ]
        if ranking.phrase_boost > 0 and len(words) > 1:
            items.append(
                PlanItem("phrase", "should", words=tuple(words), fields=text_fields, weight=ranking.phrase_boost, bonus=True)
            )
        if ranking.proximity > 0:
            for a, b in zip(words, words[1:]):
                if a != b:
                    items.append(PlanItem("near", "should", words=(a, b), fields=text_fields,
                                          weight=ranking.proximity, window=ranking.proximity_window, bonus=True))
        readings = tuple((k, v) for k, v in self.readings.items())
        return Plan(tuple(items), ranking.coordination, warnings, readings)

    def targets(self, field: str | None) -> list[str]:
        return [field] if field is not None else self.search_fields

    def items(self, clauses: list[Clause] | tuple[Clause, ...]) -> list[PlanItem]:
        out: list[PlanItem] = []
        article: Clause | None = None
        for k, c in enumerate(clauses):
            if article is not None:  # an article typed apart: read with this word
                out.extend(self.clause(c, article.text))
                article = None
                continue
            nxt = clauses[k + 1] if k + 1 < len(clauses) else None
            if nxt is not None and self._article_before(c, nxt):
                article = c
                continue
            out.extend(self.clause(c))
        return out

    def _article_before(self, c: Clause, nxt: Clause) -> bool:
        """Whether word clause ``c`` is an Arabizi article (el, al) before an Arabizi word ``nxt``."""
        if not self.arabizi or c.kind != "word" or nxt.kind != "word" or fold_latin(c.text) not in _ARTICLES:
            return False
        if (c.occur, c.field, c.boost) != (nxt.occur, nxt.field, nxt.boost):
            return False
        words = WORD_PATTERN.findall(nxt.text)
        return bool(words) and bool(self.read(words[0], self.targets(nxt.field)))

    def read(self, word: str, names: list[str]) -> tuple[Reading, ...]:
        """The Arabic readings of a Latin query ``word`` in the index (none for
        a word the index knows as it is, unless it has Arabizi digits)."""
        lexicon = self.lexicon
        if not self.arabizi or lexicon is None or not is_latin_word(word):
            return ()
        text_names = [n for n in names if self.fields[n].kind == "text"]
        if not text_names:
            return ()
        e = self.analyzer.entry(word)
        if e is not None and not has_arabizi_digits(word) and lexicon.has_term(e[0], text_names):
            return ()  # Google, FIFA: the index's own Latin words
        if not self._table_asked:
            self._table = self.vocabulary() if self.vocabulary is not None else None
            self._table_asked = True
        table = self._table
        # the memo says where the words came from: a stale table's generation may see both
        key = ("arabizi", fold_latin(word), tuple(text_names), self.analyzer.version, table is not None)
        found = lexicon.memo.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        entry = self.analyzer.entry
        if table is not None:
            df, documents = table  # live documents' words, and how many documents that is
        else:
            df, documents = _lexicon_words(lexicon, entry, text_names), lexicon.n

        def is_stop(arabic: str) -> bool:
            e = entry(arabic)
            return e is None or e[1]

        found = tuple(read_word(word, df, normalize=self.analyzer.normalize, is_stopword=is_stop, documents=documents))
        if len(lexicon.memo) >= _MEMO_LIMIT:
            lexicon.memo.clear()
        lexicon.memo[key] = found
        return found

    def arabizi_item(
        self, c: Clause, word: str, refs: tuple[TermRef, ...], readings: tuple[Reading, ...], names: list[str],
        article: str | None,
    ) -> PlanItem:
        """The item of an Arabizi word: its own refs, and its readings' terms as close spellings
        (for an excluded word, as its own terms: the readings are excluded too)."""
        fields = self.fields
        text_names = [n for n in names if fields[n].kind == "text"]
        out = list(refs)
        terms: list[str] = []
        for reading in readings:
            e = self.analyzer.entry(reading.normalized)
            if e is None or e[0] in terms or any(r.term == e[0] for r in refs):
                continue
            terms.append(e[0])
            scale = 1.0 if len(terms) == 1 else 0.5  # the best reading first
            how: How = "stem" if c.occur == "must_not" else "near"
            out.extend(
                TermRef(n, e[0], fields[n].boost * c.boost * self.ranking.near_weight * scale, how=how) for n in text_names
            )
        typed = (article, word) if article else (word,)
        shown = tuple(ARTICLE + r.arabic if article and not r.arabic.startswith(ARTICLE) else r.arabic for r in readings)
        self.readings[typed] = shown
        if terms:
            self.bonus_terms.setdefault(word, terms[0])
        if c.occur == "must":  # required: a reading is enough (a required word alone matches its own term only)
            inner = PlanItem("terms", "should", refs=tuple(out), word=word)
            return PlanItem("group", "must", children=(inner,), word=word)
        return PlanItem("terms", c.occur, refs=tuple(out), word=word)

    def clause(self, c: Clause, article: str | None = None) -> list[PlanItem]:
        fields, analyzer = self.fields, self.analyzer
        names = self.targets(c.field)
        text_fields = tuple((n, fields[n].boost * c.boost) for n in names if fields[n].kind == "text")
        if c.kind == "group":
            children = tuple(self.items(c.children))
            return [PlanItem("group", c.occur, children=children, word=c.text)] if children else []
        if c.kind == "prefix":
            prefix = analyzer.normalize(c.text)
            if not (prefix and WORD_PATTERN.fullmatch(prefix) and text_fields):
                return []
            stripped = strip_article(prefix)
            prefixes = (prefix, stripped) if stripped != prefix else (prefix,)
            if "none" in dict(self.ranking.representations) and self.all_text <= set(names):
                # the unstemmed words too: a prefix longer than a word's stem still finds it
                text_fields += ((rep_field("none"), c.boost),)
            return [PlanItem("prefix", c.occur, fields=text_fields, prefixes=prefixes, skip=analyzer.stopwords, word=c.text)]
        if c.kind == "phrase":
            words = tuple(analyzer.terms(c.text, keep_stopwords=True))
            if len(words) > 1 and text_fields:
                return [PlanItem("phrase", c.occur, words=words, fields=text_fields, slop=c.slop, word=c.text)]
            # a one-word phrase is that word
        out: list[PlanItem] = []
        words = WORD_PATTERN.findall(c.text)
        for k, w in enumerate(words):
            readings = self.read(w, names) if c.kind == "word" else ()
            if not readings and c.kind == "word" and fold_latin(w) in _ARTICLES and k + 1 < len(words):
                if self.read(words[k + 1], names):  # el-7ekouma: the article of the next word
                    article = w
                    continue
            e = analyzer.entry(w)
            if e is None or (e[1] and not (self.keep_stops or c.kind == "phrase" or c.occur == "must_not")):
                continue
            refs = self.word_refs(w, e, names, c.boost)
            if readings:
                out.append(self.arabizi_item(c, w, refs, readings, names, article))
            elif refs:
                out.append(PlanItem("terms", c.occur, refs=refs, word=w))
            article = None
        return out

    def word_refs(self, word: str, entry: tuple[str, bool], names: list[str], boost: float) -> tuple[TermRef, ...]:
        """The refs of one query word (``entry``: its term and whether it is a stop word)."""
        analyzer, fields, ranking, lexicon = self.analyzer, self.fields, self.ranking, self.lexicon
        term, is_stop = entry
        refs: list[TermRef] = []
        text_names = []
        for name in names:
            spec = fields[name]
            if spec.kind == "keyword":
                refs.append(TermRef(name, word.casefold(), 0.0))
            elif spec.kind == "text":
                refs.append(TermRef(name, term, spec.boost * boost))
                text_names.append(name)
        if not text_names:
            return tuple(refs)
        known = lexicon is None or lexicon.has_term(term, text_names)
        if lexicon is not None and ranking.near_weight > 0 and not is_stop and len(term) >= MIN_NEAR_STEM:
            for variant in self.near_terms(analyzer.normalize(word), term, text_names):
                refs.extend(TermRef(n, variant, fields[n].boost * boost * ranking.near_weight, how="near") for n in text_names)
        if self.all_text <= set(names):  # the representations hold every text field
            for rep_name, weight, rep, n in self.reps:
                if weight <= 0:
                    continue
                if n:  # every n-gram of the word; the engine skips the frequent ones
                    for gram, k in Counter(rep.word_ngrams(word, n)).items():
                        refs.append(TermRef(rep_field(rep_name), gram, weight * k * boost, ranking.ngram_max_df, "score"))
                    continue
                e = rep.entry(word)
                if e is not None:
                    # A root (or another stem) matches only for a word the index knows (an
                    # unknown word's root is a guess), and only when it is rare enough to
                    # tell documents apart (حسب, امر, وطن are in thousands of documents).
                    how: How = "root" if ranking.root_match and known else "score"
                    field = rep_field(rep_name)
                    if how == "root" and lexicon is not None and lexicon.df(field, e[0]) > ranking.root_max_df * lexicon.n:
                        how = "score"
                    refs.append(TermRef(field, e[0], weight * boost, how=how))
        return tuple(refs)

    def near_terms(self, norm: str, term: str, text_names: list[str]) -> tuple[str, ...]:
        """Terms of the close spellings of a normalized word that occur in the
        index (remembered per index generation: tens of lookups a word)."""
        lexicon = self.lexicon
        assert lexicon is not None
        key = ("near", norm, tuple(text_names), self.analyzer.version)
        found = lexicon.memo.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        entry = self.analyzer.entry
        terms: list[str] = []
        seen = {term}
        affixes = len(norm) - len(term)
        for variant in sorted(spelling_variants(norm)):
            e = entry(variant)
            if e is None or e[1] or e[0] in seen:
                continue
            seen.add(e[0])
            # The stemmer must not take more from the variant than from the word:
            # كورنا → كور or حميداتي → حميد are other words, not another spelling.
            if len(e[0]) < MIN_NEAR_STEM or len(variant) - len(e[0]) > affixes:
                continue
            if lexicon.has_term(e[0], text_names):
                terms.append(e[0])
        if len(lexicon.memo) >= _MEMO_LIMIT:
            lexicon.memo.clear()
        found = lexicon.memo[key] = tuple(terms)
        return found

