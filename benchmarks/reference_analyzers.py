"""Reference analyzers for the relevance benchmark (not part of the library).

Each one is an :class:`arsearch.Analyzer` subclass that overrides
``compute(surface) -> (term, is_stop) | None`` (plus ``name`` and
``config``), so it runs through the very same path as arsearch's own
analyzers: arsearch's tokenizer, ``Index.memory``, BM25 scoring, the query compiler
and the highlighter. Only the word → term rules differ. The classes are
module-level and picklable because Whoosh pickles the schema (analyzer
included) when it creates an index.

* :class:`LuceneArabicAnalyzer` re-implements Apache Lucene's
  ``ArabicAnalyzer`` word rules: lowercase → decimal digits to 0–9 → stop
  words (Savoy's list, *unnormalized*, checked before normalization) →
  ``ArabicNormalizer`` → ``ArabicStemmer``.
* :class:`SnowballArabicAnalyzer` stems lowercased words with PyStemmer's
  Snowball Arabic stemmer (which does its own normalization).

One difference from Lucene stays, because it is the Index's behaviour, not
the analyzer's: arsearch keeps stop words in the index (so a query made only
of stop words can match) and drops them from queries. Lucene drops them at
both ends.

The row that does not fit here, plain Whoosh ``StandardAnalyzer``, has its own
small index class, :class:`WhooshStandardIndex`: Whoosh's ``\\w+`` tokenizer
splits words at vowel marks, so it cannot be expressed as a per-word rule.

Example:
    >>> lucene = LuceneArabicAnalyzer(["من", "على"])
    >>> lucene.terms("وللصحيفة على علي والكتاب ٣")  # على is stopped, علي is not (list not normalized)
    ['للصحيف', 'عل', 'كتاب', '3']
    >>> lucene_stem("وبالمدرسه"), lucene_stem("الو")
    ('بالمدرس', 'الو')
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from arsearch import Analyzer
from arsearch.stopwords import is_stopword

__all__ = [
    "LUCENE_STOPWORDS_FILE",
    "LuceneArabicAnalyzer",
    "SnowballArabicAnalyzer",
    "WhooshStandardIndex",
    "lucene_normalize",
    "lucene_stem",
    "read_lucene_stopwords",
]

#: Where the Lucene stop-word list lives, relative to the data directory.
LUCENE_STOPWORDS_FILE = Path("reference") / "lucene-arabic-stopwords.txt"

# -- Lucene's ArabicNormalizer --------------------------------------------------------------
ALEF = "\N{ARABIC LETTER ALEF}"
ALEF_MADDA = "\N{ARABIC LETTER ALEF WITH MADDA ABOVE}"
ALEF_HAMZA_ABOVE = "\N{ARABIC LETTER ALEF WITH HAMZA ABOVE}"
ALEF_HAMZA_BELOW = "\N{ARABIC LETTER ALEF WITH HAMZA BELOW}"
YEH = "\N{ARABIC LETTER YEH}"
DOTLESS_YEH = "\N{ARABIC LETTER ALEF MAKSURA}"
TEH_MARBUTA = "\N{ARABIC LETTER TEH MARBUTA}"
HEH = "\N{ARABIC LETTER HEH}"
TATWEEL = "\N{ARABIC TATWEEL}"
FATHATAN = "\N{ARABIC FATHATAN}"  # U+064B, first deleted mark
SUKUN = "\N{ARABIC SUKUN}"  # U+0652, last deleted mark

_LUCENE_NORMALIZER = str.maketrans(
    {
        ALEF_MADDA: ALEF,
        ALEF_HAMZA_ABOVE: ALEF,
        ALEF_HAMZA_BELOW: ALEF,
        DOTLESS_YEH: YEH,
        TEH_MARBUTA: HEH,
        TATWEEL: None,
        # fathatan, dammatan, kasratan, fatha, damma, kasra, shadda, sukun
        **{chr(cp): None for cp in range(ord(FATHATAN), ord(SUKUN) + 1)},
    }
)


def lucene_normalize(word: str) -> str:
    """Lucene's ``ArabicNormalizer``: آ أ إ → ا, ى → ي, ة → ه; delete tatweel and U+064B–U+0652.

    >>> lucene_normalize("مَدْرَسَةٌ"), lucene_normalize("إلى"), lucene_normalize("مسئول")
    ('مدرسه', 'الي', 'مسئول')
    """
    return word.translate(_LUCENE_NORMALIZER)


# -- Lucene's ArabicStemmer --------------------------------------------------------------------
_A = ALEF
_L = "\N{ARABIC LETTER LAM}"
_W = "\N{ARABIC LETTER WAW}"
_B = "\N{ARABIC LETTER BEH}"
_K = "\N{ARABIC LETTER KAF}"
_F = "\N{ARABIC LETTER FEH}"
_N = "\N{ARABIC LETTER NOON}"
_T = "\N{ARABIC LETTER TEH}"

#: Tried in this order; only the first match is removed.
LUCENE_PREFIXES: tuple[str, ...] = (
    _A + _L,  # ال
    _W + _A + _L,  # وال
    _B + _A + _L,  # بال
    _K + _A + _L,  # كال
    _F + _A + _L,  # فال
    _L + _L,  # لل
    _W,  # و
)
#: One ordered pass; each is removed if the word is long enough at that point.
LUCENE_SUFFIXES: tuple[str, ...] = (
    HEH + _A,  # ها
    _A + _N,  # ان
    _A + _T,  # ات
    _W + _N,  # ون
    YEH + _N,  # ين
    YEH + HEH,  # يه
    YEH + TEH_MARBUTA,  # ية (never matches after the normalizer)
    HEH,  # ه
    TEH_MARBUTA,  # ة (never matches after the normalizer)
    YEH,  # ي
)


def lucene_stem(word: str) -> str:
    """Lucene's ``ArabicStemmer`` on a normalized word.

    >>> lucene_stem("وللصحيفه"), lucene_stem("والمكتبات"), lucene_stem("ولد")
    ('للصحيف', 'مكتب', 'ولد')
    """
    for prefix in LUCENE_PREFIXES:
        # the single-letter و needs a word of >= 4 letters; the others leave >= 2 letters
        min_len = 4 if len(prefix) == 1 else len(prefix) + 2
        if len(word) >= min_len and word.startswith(prefix):
            word = word[len(prefix) :]
            break
    for suffix in LUCENE_SUFFIXES:
        # every suffix must leave >= 2 letters (checked against the current length)
        if len(word) >= len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


def _fold_digits(word: str) -> str:
    """Lucene's ``DecimalDigitFilter``: any Unicode decimal digit → ASCII 0–9."""
    if word.isascii() or not any(ch.isdecimal() for ch in word):
        return word
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in word)


def read_lucene_stopwords(path: Path) -> list[str]:
    """The words of a Lucene stop-word file (``#`` comments and blanks skipped), unnormalized."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class LuceneArabicAnalyzer(Analyzer):
    """Lucene's ``ArabicAnalyzer`` word rules behind arsearch's Analyzer interface.

    Chain per word: lowercase → decimal digit folding → stop words (exact
    match against the unnormalized list) → ``ArabicNormalizer`` →
    ``ArabicStemmer``. Stop words are reported as ``(word, True)`` so the
    Index drops them from queries.
    """

    name = "reference-lucene-arabic"

    def __init__(self, stopwords: Iterable[str]) -> None:
        self.lucene_stopwords = frozenset(w.strip() for w in stopwords if w.strip())
        # The base class only uses its (normalized) copy to label the cache and the index.
        super().__init__(stemmer="none", stopwords=self.lucene_stopwords)

    @classmethod
    def from_data(cls, data: Path) -> LuceneArabicAnalyzer:
        """Load the stop list from ``<data>/reference/lucene-arabic-stopwords.txt``."""
        return cls(read_lucene_stopwords(Path(data) / LUCENE_STOPWORDS_FILE))

    def config(self) -> dict[str, Any]:
        return {"rules": "lucene-ArabicAnalyzer", "stopwords": sorted(self.lucene_stopwords)}

    def __getstate__(self) -> dict[str, Any]:
        return {"lucene_stopwords": sorted(self.lucene_stopwords)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["lucene_stopwords"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"LuceneArabicAnalyzer(<{len(self.lucene_stopwords)} stop words>)"

    def compute(self, surface: str) -> tuple[str, bool] | None:
        word = _fold_digits(surface.lower())
        if word in self.lucene_stopwords:
            return (word, True)
        word = lucene_normalize(word)
        if not word:
            return None
        return (lucene_stem(word), False)


_SNOWBALL: list[Callable[[str], str]] = []


def _snowball_stem(word: str) -> str:
    if not _SNOWBALL:
        import Stemmer  # PyStemmer, a bench extra

        _SNOWBALL.append(Stemmer.Stemmer("arabic").stemWord)
    return _SNOWBALL[0](word)


class SnowballArabicAnalyzer(Analyzer):
    """Snowball Arabic (PyStemmer) on lowercased words.

    Stop words: arsearch's list (``stopwords=``, checked on the
    arsearch-normalized word), so the row differs from arsearch's only in the
    stemmer. The stem itself comes from the lowercased surface word: Snowball
    strips marks, tatweel and folds digits on its own.
    """

    name = "reference-snowball-arabic"

    def __init__(self, stopwords: str | Iterable[str] | None = "default") -> None:
        super().__init__(stemmer="none", stopwords=stopwords)

    def config(self) -> dict[str, Any]:
        return {"rules": "snowball-arabic (PyStemmer)", "stopwords": sorted(self.stopwords)}

    def __repr__(self) -> str:
        return f"SnowballArabicAnalyzer(stopwords=<{len(self.stopwords)} words>)"

    def compute(self, surface: str) -> tuple[str, bool] | None:
        norm = self.normalize(surface)
        if not norm:
            return None
        if is_stopword(norm, self.stopwords):
            return (norm, True)
        return (_snowball_stem(surface.lower()) or norm, False)


class WhooshStandardIndex:
    """Plain Whoosh: ``StandardAnalyzer`` on title and body, BM25F, ``MultifieldParser`` with OR.

    This is what a Whoosh user gets without any Arabic handling. It bypasses
    arsearch entirely (own schema, own query parser, no snippets).
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75, title_boost: float = 1.0) -> None:
        from whoosh import fields, scoring
        from whoosh.analysis import StandardAnalyzer
        from whoosh.filedb.filestore import RamStorage
        from whoosh.qparser import MultifieldParser, OrGroup

        schema = fields.Schema(
            id=fields.ID(stored=True, unique=True),
            title=fields.TEXT(analyzer=StandardAnalyzer(), field_boost=title_boost),
            body=fields.TEXT(analyzer=StandardAnalyzer()),
        )
        self._ix = RamStorage().create_index(schema)
        self._analyzer = schema["body"].analyzer
        self._weighting = scoring.BM25F(B=b, K1=k1)
        self._parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
        self._searcher: Any = None

    def add_many(self, docs: Iterable[dict[str, str]]) -> int:
        writer = self._ix.writer()
        n = 0
        for doc in docs:
            writer.add_document(id=doc["id"], title=doc.get("title", ""), body=doc.get("body", ""))
            n += 1
        writer.commit()
        self._searcher = self._ix.searcher(weighting=self._weighting)
        return n

    def search(self, query: str, limit: int = 100, parse: bool = True) -> list[str]:
        """Ranked document ids.

        With ``parse`` (what a Whoosh user gets) the query goes through
        ``MultifieldParser``, which splits on spaces only and passes each
        chunk to the analyzer *untokenized*, so punctuation stays on the word
        (``مصر؟`` never matches ``مصر``). Without it, the query text is run
        through the same ``StandardAnalyzer`` and its terms are OR-ed over
        both fields: the parser's query shape with proper tokenization.
        A query Whoosh cannot parse returns nothing.
        """
        from whoosh import query as wq

        if parse:
            try:
                q = self._parser.parse(query)
            except Exception:  # noqa: BLE001 - a reference row must not stop the run
                return []
        else:
            terms = [t.text for t in self._analyzer(query, mode="query")]
            if not terms:
                return []
            q = wq.Or([wq.Term(field, term) for term in terms for field in ("title", "body")])
        return [hit["id"] for hit in self._searcher.search(q, limit=limit)]

