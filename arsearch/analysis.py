"""The analyzer: tokenize → normalize → stop words → stem, in one pass.

Each word is normalized *after* tokenizing, so token offsets point into the
original text: ``text[t.start:t.end]`` is the surface word with its
diacritics, tatweel and original hamza spelling.

The term of a word is computed once per distinct surface form and cached
per process (Zipf's law makes the cache hit most of the time), so analysis
costs little more than the regex scan.

Two rules keep stems honest:

* a stop word's term is its normalized surface, never stemmed;
* a stem that happens to equal a stop word (الله → له, فيها → في) is not
  used: the word keeps its normalized surface as its term.

Example:
    >>> [(t.text, t.start, t.end) for t in analyze("وَالْمَكْتَبَاتُ في القاهرة")]
    [('مكتب', 0, 16), ('قاهر', 20, 27)]
    >>> [t.text for t in analyze("من هو", keep_stopwords=True)]
    ['من', 'هو']
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from itertools import chain, compress, count, repeat
from operator import is_
from typing import Any, NamedTuple

import numpy as np

from .chars import make_translation_table
from .stem import SLICING_STEMMERS, STEMMERS, get_stemmer
from .stopwords import is_stopword, resolve_stopwords
from .tokenize import WORD_PATTERN, char_ngrams

__all__ = ["Token", "Analyzer", "analyze", "DEFAULT_ANALYZER", "ANALYZER_VERSION", "NGRAM_SIZES"]

#: Bump whenever a change can give a word a different term: indexes built
#: with another version are refused (see ``arsearch.Index.open``).
ANALYZER_VERSION = "2"

_new_tuple = tuple.__new__  # builds a Token without a Python-level __new__ call
_group, _start, _end = re.Match.group, re.Match.start, re.Match.end  # mapped in C over matches

# Per-process caches, keyed by analyzer configuration, surface → entry.
_CACHES: dict[str, dict[str, tuple[str, bool] | None]] = {}
_CACHE_LIMIT = 300_000  # distinct surfaces kept before the cache is reset
# Per-process term tables derived from the entries, for the bulk paths of
# analyze/terms and the Whoosh tokenizer: surface → term, or "" when the word
# gives no token. The first table keeps stop words, the second drops them.
_TERM_TABLES: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
#: Character n-gram sizes an index representation can use ("ngram4" → 4).
NGRAM_SIZES: dict[str, int] = {"ngram3": 3, "ngram4": 4, "ngram5": 5}
# Per-process n-gram tables: n → term → its grams (about 0.5 KB a term).
_NGRAM_TABLES: dict[int, dict[str, list[str]]] = {}
_NGRAM_CACHE_LIMIT = 100_000  # terms kept per table before it is reset
# Per-process surface → n-grams of its term (stop words kept; [] for no
# term), keyed by analyzer configuration and n: one lookup per word.
_SURFACE_NGRAMS: dict[tuple[str, int], dict[str, list[str]]] = {}


def limit_caches(surfaces: int) -> None:
    """Keep at most ``surfaces`` distinct words per analysis cache (a third
    as many per n-gram table) before it resets: the caches are per process,
    so the last writer's memory budget sets them (:mod:`arsearch.memory`).

    >>> limit_caches(300_000)
    """
    global _CACHE_LIMIT, _NGRAM_CACHE_LIMIT
    _CACHE_LIMIT = max(1, surfaces)
    _NGRAM_CACHE_LIMIT = max(1, surfaces // 3)


def _term_ngrams(terms: list[str], n: int) -> list[list[str]]:
    """The n-grams of each of ``terms``, through the per-process table.

    Looked up once per term and computed where missing, never read back
    after a reset, so another thread clearing the table is harmless.
    """
    table = _NGRAM_TABLES.setdefault(n, {})
    grams: list[list[str] | None] = list(map(table.get, terms))
    if None in grams:
        if len(table) >= _NGRAM_CACHE_LIMIT:
            table.clear()
        # only the missing terms reach Python (found in C, not by a loop over all)
        computed = {term: char_ngrams(term, n) for term in set(compress(terms, map(is_, grams, repeat(None))))}
        table.update(computed)
        grams = list(map(computed.get, terms, grams))
    return grams  # type: ignore[return-value]


# The last long text's words: an index gives the same str object (all text
# fields joined) to each ranking representation's analyzer in turn. Texts
# over _MEMO_MAX_CHARS are not kept (the memo lives as long as the process).
_LAST_SURFACES: list[tuple[str, list[str]]] = [("", [])]
_MEMO_MIN_CHARS = 256
_MEMO_MAX_CHARS = 1_000_000


def _surfaces(text: str) -> list[str]:
    """``WORD_PATTERN.findall(text)``, remembered for the last long text
    (by identity; the list is shared: callers must not modify it)."""
    last = _LAST_SURFACES[0]
    if last[0] is text:
        return last[1]
    surfaces = WORD_PATTERN.findall(text)
    if _MEMO_MIN_CHARS <= len(text) <= _MEMO_MAX_CHARS:
        _LAST_SURFACES[0] = (text, surfaces)  # one assignment: safe across threads
    return surfaces


# normalize_mapped's per-character table: each BMP character's normalized
# code, or one of these (built once per translation table, in about 20 ms).
_BMP_LAST = 0xFFFF
_REMOVED = np.uint32(0xFFFFFFFE)  # removed (a vowel mark, tatweel)
_EXPANDS = np.uint32(0xFFFFFFFF)  # becomes several characters (a ligature, ß casefolded)
_CHAR_TABLES: dict[tuple[tuple[int, Any], ...], np.ndarray] = {}


def _char_table(table: dict[int, Any]) -> np.ndarray:
    """Each BMP character's code after ``translate(table).casefold()``."""
    key = tuple(sorted(table.items()))
    out = _CHAR_TABLES.get(key)
    if out is None:
        codes = [c for c in range(1, _BMP_LAST + 1) if not 0xD800 <= c <= 0xDFFF]  # NUL and surrogates map to themselves
        normalized = "\0".join(map(chr, codes)).translate(table).casefold().split("\0")
        assert len(normalized) == len(codes)
        out = np.arange(_BMP_LAST + 1, dtype=np.uint32)
        out[codes] = [ord(n) if len(n) == 1 else _REMOVED if not n else _EXPANDS for n in normalized]
        _CHAR_TABLES[key] = out
    return out


class Token(NamedTuple):
    """One analyzed word.

    ``text`` is the index term; ``start``/``end`` are offsets into the
    original string; ``position`` counts the tokens emitted before it.
    """

    text: str
    start: int
    end: int
    position: int


class Analyzer:
    """Arabic analyzer configuration plus its cached term function.

    Args:
        stemmer: ``"light"`` (default), ``"light10"``, ``"tashaphyne"`` or ``"none"``.
        stopwords: ``"default"`` (shipped list), ``None``/``"none"``, or an
            iterable of words (normalized here).
        fold_hamza_seats: also fold ؤ → و and ئ → ي.

    Example:
        >>> Analyzer(stemmer="none").terms("المكتبات العامة")
        ['المكتبات', 'العامه']
    """

    name = "arsearch-arabic"

    def __init__(
        self,
        stemmer: str = "light",
        stopwords: str | Iterable[str] | None = "default",
        fold_hamza_seats: bool = False,
    ) -> None:
        if stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {stemmer!r}; choose one of {', '.join(STEMMERS)}")
        self.stemmer = stemmer
        self.stopwords = resolve_stopwords(stopwords)
        self.fold_hamza_seats = bool(fold_hamza_seats)
        self._setup()

    # -- configuration -------------------------------------------------
    @property
    def version(self) -> str:
        """Analyzer version plus configuration, recorded in every index."""
        return f"{ANALYZER_VERSION}:{self._key}"

    def config(self) -> dict[str, Any]:
        """A JSON-serializable description that ``Analyzer(**config)`` rebuilds."""
        return {
            "stemmer": self.stemmer,
            "stopwords": sorted(self.stopwords),
            "fold_hamza_seats": self.fold_hamza_seats,
        }

    def with_stemmer(self, stemmer: str) -> Analyzer:
        """The same analyzer (same class and settings) with another stemmer."""
        if stemmer == self.stemmer:
            return self
        # Memoized per analyzer: query plans ask for every representation on every search.
        clones: dict[str, Analyzer] = self.__dict__.setdefault("_clones", {})
        clone = clones.get(stemmer)
        if clone is None:
            clone = copy.copy(self)
            clone.stemmer = stemmer
            clone._setup()
            clones[stemmer] = clone
        return clone

    def _setup(self) -> None:
        import hashlib

        digest = hashlib.sha1("\n".join(sorted(self.stopwords)).encode()).hexdigest()[:10]
        self._key = f"{self.name}:stem={self.stemmer};stop={digest};hamza={int(self.fold_hamza_seats)}"
        self._table = make_translation_table(self.fold_hamza_seats)
        self._stem = get_stemmer(self.stemmer)
        cache_key = f"{type(self).__module__}.{type(self).__qualname__}|{self._key}"  # per class and settings
        self._cache = _CACHES.setdefault(cache_key, {})
        self._term_tables = _TERM_TABLES.setdefault(cache_key, ({}, {}))
        self._cache_key = cache_key

    def __getstate__(self) -> dict[str, Any]:
        return {"stemmer": self.stemmer, "stopwords": self.stopwords, "fold_hamza_seats": self.fold_hamza_seats}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.stemmer = state["stemmer"]
        self.stopwords = frozenset(state["stopwords"])
        self.fold_hamza_seats = state["fold_hamza_seats"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Analyzer) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Analyzer(stemmer={self.stemmer!r}, stopwords=<{len(self.stopwords)} words>, fold_hamza_seats={self.fold_hamza_seats})"

    # -- per-word ------------------------------------------------------
    def normalize(self, word: str) -> str:
        """Normalize one word (or any text) with this analyzer's table."""
        return word.translate(self._table).casefold()

    def normalize_mapped(self, text: str) -> tuple[str, np.ndarray | None] | None:
        """``normalize(text)`` with, for each of its characters, the offset in
        ``text`` it comes from (None: the same offset: nothing was removed),
        so that a word's slice of it is that word normalized; None when a
        character becomes several (a ligature, ß casefolded) or is outside
        the Basic Multilingual Plane. One NumPy lookup per character
        (``normalize`` is a dict lookup per character: ten times slower on
        a news article).

        >>> a = Analyzer()
        >>> a.normalize_mapped("إلى الأمن")
        ('الي الامن', None)
        >>> norm, offsets = a.normalize_mapped("الأمْن")  # the sukun is removed
        >>> norm, offsets.tolist()
        ('الامن', [0, 1, 2, 3, 5])
        """
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
        if not len(codes):
            return "", None
        if int(codes.max()) > _BMP_LAST:
            return None
        mapped = self._char_table[codes]
        if (mapped == _EXPANDS).any():
            return None
        kept = mapped != _REMOVED
        if kept.all():
            return mapped.tobytes().decode("utf-32-le", "surrogatepass"), None
        offsets = np.flatnonzero(kept)
        return mapped[offsets].tobytes().decode("utf-32-le", "surrogatepass"), offsets

    @property
    def _char_table(self) -> np.ndarray:
        """normalize_mapped's table, built on first use."""
        if getattr(self, "_char_table_", None) is None:
            self._char_table_ = _char_table(self._table)
        return self._char_table_

    @property
    def terms_are_slices(self) -> bool:
        """Whether every term is a substring of its word normalized: this
        class's own rules and tables (not a subclass's ``compute`` or
        ``_setup``) with a stemmer that only cuts a prefix and a suffix
        (:data:`~arsearch.stem.SLICING_STEMMERS`)."""
        cls = type(self)
        return cls.compute is Analyzer.compute and cls._setup is Analyzer._setup and self.stemmer in SLICING_STEMMERS

    def entry(self, surface: str) -> tuple[str, bool] | None:
        """``(term, is_stopword)`` for one surface word, or None if it has no letters."""
        cache = self._cache
        try:
            return cache[surface]
        except KeyError:
            pass
        result = self.compute(surface)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[surface] = result
        return result

    def compute(self, surface: str) -> tuple[str, bool] | None:
        """Uncached ``(term, is_stopword)`` of one surface word; the extension point.

        Subclasses may override this (and ``config``/``name``) to index with
        other rules; results are cached per class and configuration.
        """
        norm = surface.translate(self._table).casefold()
        if not norm:
            return None
        if is_stopword(norm, self.stopwords):
            return (norm, True)  # stop words are never stemmed
        term = self._stem(norm) or norm
        if term in self.stopwords:  # a stem must not collide with a stop word
            term = norm
        return (term, False)

    # -- text ----------------------------------------------------------
    def analyze(self, text: str, keep_stopwords: bool = False) -> list[Token]:
        """Analyze ``text`` into tokens with offsets into ``text``.

        Stop words are dropped unless ``keep_stopwords``; positions count
        only the tokens returned.
        """
        if not isinstance(text, str):
            raise TypeError(f"analyze() expects str, not {type(text).__name__}")
        # Bulk form of: for each match with a term, Token(term, start, end, pos).
        # The per-word loop runs in C (map/compress/zip); only unseen words reach Python.
        matches = list(WORD_PATTERN.finditer(text))
        terms = self._lookup_terms(list(map(_group, matches)), keep_stopwords)
        starts = compress(map(_start, matches), terms)
        ends = compress(map(_end, matches), terms)
        return list(map(_new_tuple, repeat(Token), zip(compress(terms, terms), starts, ends, count())))

    def terms(self, text: str, keep_stopwords: bool = False) -> list[str]:
        """Just the terms of :meth:`analyze`, in order."""
        return list(filter(None, self._lookup_terms(_surfaces(text), keep_stopwords)))

    def for_representation(self, name: str) -> tuple[Analyzer, int]:
        """The analyzer that indexes ranking representation ``name`` and its
        n-gram size (0: one term per word). N-grams come from the normalized,
        unstemmed word; any other representation is a stemmer.

        >>> a, n = Analyzer().for_representation("ngram4")
        >>> a.stemmer, n
        ('none', 4)
        """
        n = NGRAM_SIZES.get(name, 0)
        return self.with_stemmer("none" if n else name), n

    def ngrams(self, text: str, n: int) -> list[str]:
        """The character ``n``-grams (:func:`~arsearch.tokenize.char_ngrams`)
        of every term of ``text``, stop words included, in order.

        >>> Analyzer(stemmer="none").ngrams("الكتاب", 4)
        ['#الك', 'الكت', 'لكتا', 'كتاب', 'تاب#']
        """
        return list(chain.from_iterable(self.ngram_lists(text, n)))

    def ngram_lists(self, text: str, n: int) -> list[list[str]]:
        """Each word's n-grams, as :meth:`ngrams` gives them joined (``[]``
        for a word without a term). The lists are shared: do not modify them."""
        surfaces = _surfaces(text)
        table = _SURFACE_NGRAMS.setdefault((self._cache_key, n), {})
        grams: list[list[str] | None] = list(map(table.get, surfaces))
        if None in grams:
            if len(table) >= _NGRAM_CACHE_LIMIT:  # its lists outlive _NGRAM_TABLES' resets
                table.clear()
            # only the missing surfaces reach Python (found in C)
            missing = list(set(compress(surfaces, map(is_, grams, repeat(None)))))
            terms = self._lookup_terms(missing, keep_stopwords=True)
            found = {surface: [] for surface, term in zip(missing, terms) if not term}
            with_term = [(surface, term) for surface, term in zip(missing, terms) if term]
            found.update(zip([s for s, _ in with_term], _term_ngrams([t for _, t in with_term], n)))
            table.update(found)
            # never read back from the shared table: another thread may clear it
            grams = list(map(found.get, surfaces, grams))
        return grams  # type: ignore[return-value]

    def word_ngrams(self, surface: str, n: int) -> list[str]:
        """The character ``n``-grams of one word's term (``[]`` if it has no letters)."""
        e = self.entry(surface)
        return [] if e is None else list(_term_ngrams([e[0]], n)[0])

    def _lookup_terms(self, surfaces: list[str], keep_stopwords: bool = False) -> list[str]:
        """The term of each surface word, or ``""`` where it gives no token
        (no letters, or a stop word when ``keep_stopwords`` is false)."""
        keep, drop = self._term_tables
        terms: list[str | None] = list(map((keep if keep_stopwords else drop).get, surfaces))
        if None in terms:  # first sight of some surfaces: fill both tables from their entries
            if len(keep) >= _CACHE_LIMIT:
                keep.clear()
                drop.clear()
            # only the missing surfaces reach Python (found in C, not by a loop over all)
            found: dict[str, str] = {}
            for surface in set(compress(surfaces, map(is_, terms, repeat(None)))):
                e = self.entry(surface)
                kept = "" if e is None else e[0]
                dropped = "" if e is None or e[1] else kept
                keep[surface] = kept
                drop[surface] = dropped
                found[surface] = kept if keep_stopwords else dropped
            # never read back from the shared tables: another thread may clear them
            terms = list(map(found.get, surfaces, terms))
        return terms  # type: ignore[return-value]


#: The analyzer ``arsearch.analyze`` and ``Index.create()`` use by default.
DEFAULT_ANALYZER = Analyzer()


def analyze(text: str, keep_stopwords: bool = False, analyzer: Analyzer | None = None) -> list[Token]:
    """Analyze ``text`` with the default (or a given) analyzer.

    >>> [(t.text, text[t.start:t.end]) for text in ["الطّالِبُ"] for t in analyze(text)]
    [('طالب', 'الطّالِبُ')]
    """
    return (analyzer or DEFAULT_ANALYZER).analyze(text, keep_stopwords)
