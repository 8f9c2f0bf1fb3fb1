"""arsearch's analysis as OpenSearch / Elasticsearch index settings.

Only components built into OpenSearch 2.x and Elasticsearch 8.x are used (no
plugins, no scripts): the ``mapping`` char filter, the ``pattern`` tokenizer,
and the ``lowercase``, ``arabic_normalization``, ``pattern_replace``,
``length`` and ``ngram`` token filters.

* **Presentation forms** (U+FB50..U+FDFF, U+FE70..U+FEFF, lam-alef included)
  become base letters through a ``mapping`` char filter holding arsearch's
  own table (Lucene corrects the offsets of mapped characters).
* **Tokenizer:** ``pattern`` with :data:`arsearch.tokenize.WORD_PATTERN`
  ported to Java: ``\\w`` is written as the explicit class
  ``[\\p{L}\\p{N}_]`` plus arsearch's in-word marks, because Java's
  ``(?U)\\w`` also takes marks that Python's does not (fatha, ZWNJ, U+0670),
  and ``\\d`` as ``\\p{Nd}`` (Java's ``\\d`` is ASCII only).
* **Normalization:** ``lowercase`` (arsearch case-folds), then
  ``arabic_normalization`` (آ أ إ → ا, ى → ي, ة → ه, tatweel, U+064B..U+0652),
  then ``pattern_replace`` filters for the rest of
  :func:`arsearch.normalize`: the marks U+0653..U+065F, U+0670, U+0610..U+061A,
  U+06D6..U+06ED and the zero-width / bidi controls; ٱ; ک; ی ے; ۀ ہ ە; ٫;
  each Arabic-Indic and Persian digit. (``persian_normalization`` would also
  fold ZWNJ into a space, and ``decimal_digit`` every script's digits, so
  neither is used.) A ``length`` filter then drops words that normalized to
  nothing, as arsearch does.
* **Light stem**, as ``pattern_replace`` passes over a working copy: the
  token ``word`` becomes ``word<SEP>word``; a stop word (or و + a stop word)
  drops the copy at once; otherwise the prefix and suffix rules of
  :func:`arsearch.stem.light_stem` rewrite the copy, each pass anchored to the
  separator and carrying the rule's minimum length in a lookahead or a
  bounded group; a copy that became a stop word (الله → له) is replaced by
  the word; finally the copy replaces the word. Stop words are indexed, as
  arsearch indexes them (a query of stop words only still matches); the
  ``search_analyzer`` drops them for ``match`` queries.
* **Character n-grams:** the unstemmed word framed by ``#`` (a
  ``pattern_replace``), then ``ngram`` n..n with ``preserve_original`` and a
  ``length`` filter of at most n: a framed word shorter than n is its own
  gram, as in :func:`arsearch.tokenize.char_ngrams`, and a longer word's
  preserved original is dropped (this does what a ``condition`` filter would,
  without a script). The field's BM25 similarity sets
  ``discount_overlaps: false``: a word's grams share one position, and
  arsearch counts each gram in the field length.
* **ISRI roots**, and any stemmer other than ``light`` and ``none``, cannot be
  written with built-in filters: :func:`document_source` computes them and
  sends them space-separated in a field analyzed with ``whitespace``.

Example:
    >>> body = index_body()
    >>> sorted(body["mappings"]["properties"])
    ['all__isri', 'all__ngram4', 'all__words', 'body', 'id', 'title']
    >>> body["mappings"]["properties"]["all__isri"]["analyzer"]
    'whitespace'
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from pyarabic.araby import (
    ALEF,
    ALEF_WASLA,
    DECIMAL,
    HEH,
    KAF,
    NUMBERS_EAST,
    NUMBERS_PERS,
    WAW,
    WAW_HAMZA,
    YEH,
    YEH_HAMZA,
)

from ..analysis import DEFAULT_ANALYZER, NGRAM_SIZES, Analyzer
from ..chars import (
    AE,
    ALM,
    FARSI_YEH,
    FULL_STOP,
    HARAKAT_LAST,
    HEH_GOAL,
    HEH_WITH_YEH_ABOVE,
    IN_WORD_MARKS,
    KEHEH,
    LRM,
    PRESENTATION_A_FIRST,
    PRESENTATION_A_LAST,
    PRESENTATION_B_FIRST,
    PRESENTATION_B_LAST,
    QURANIC_MARKS_FIRST,
    QURANIC_MARKS_LAST,
    QURANIC_SIGNS_FIRST,
    QURANIC_SIGNS_LAST,
    RLM,
    YEH_BARREE,
    ZWJ,
    ZWNJ,
    make_translation_table,
)
from ..errors import SchemaError
from ..fields import DEFAULT_FIELDS, DEFAULT_RANKING, ID_FIELD, VOCABULARY_FIELD, Field, Ranking, rep_field, resolve_fields
from ..stem import (
    ARTICLE_PREFIXES,
    CONJ_MIN_LEN,
    CONJ_WAW,
    LIGHT10_SUFFIXES,
    NISBA_MIN_REST,
    NISBA_SUFFIXES,
    PREFIX_MIN_REST,
    PRONOUN_MIN_REST,
    PRONOUN_SUFFIXES,
    SUFFIX_MIN_REST,
)
from ..tokenize import NGRAM_BOUNDARY

__all__ = [
    "index_body",
    "document_source",
    "analysis_settings",
    "analyzer_chain",
    "client_representations",
    "settings_hash",
    "SEPARATOR",
]

#: Joins a word and its working copy while the light stem is computed; never in a token.
SEPARATOR = "\N{START OF HEADING}"
_HARAKAT_NOT_IN_LUCENE_FIRST = "\N{ARABIC MADDAH ABOVE}"  # U+0653: arabic_normalization stops at U+0652
_SMALL_ALEF = "\N{ARABIC LETTER SUPERSCRIPT ALEF}"  # U+0670

#: Python's ``\w`` in Java (letters, numbers, underscore), without Java's marks.
JAVA_WORD_CLASS = r"\p{L}\p{N}_"
#: Python's ``\d`` (decimal digits of every script) in Java.
JAVA_DIGIT_CLASS = r"\p{Nd}"

TEXT_ANALYZER = "arsearch_light"
SEARCH_ANALYZER = "arsearch_light_search"
SURFACE_ANALYZER = "arsearch_surface"
NGRAM_ANALYZER = "arsearch_ngram{n}"
SIMILARITY = "arsearch_bm25"
NGRAM_SIMILARITY = "arsearch_bm25_ngram"


def java_char(ch: str) -> str:
    """One code point as a Java regex escape (``\\x{64E}``), safe in a class."""
    return f"\\x{{{ord(ch):X}}}"


def _java_class(chars: str) -> str:
    """The characters as Java class ranges (consecutive code points joined)."""
    cps = sorted({ord(c) for c in chars})
    out: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        out.append(java_char(chr(cps[i])) + ("-" + java_char(chr(cps[j])) if j > i else ""))
        i = j + 1
    return "".join(out)


def _literal(word: str) -> str:
    """A word as a Java regex literal (letters kept, anything else escaped)."""
    return "".join(c if c.isalnum() else java_char(c) for c in word)


def _alternation(words: Any) -> str:
    return "|".join(_literal(w) for w in sorted(words, key=lambda w: (-len(w), w)))


def _span(first: str, last: str) -> str:
    return "".join(chr(cp) for cp in range(ord(first), ord(last) + 1))


def word_pattern() -> str:
    """:data:`arsearch.tokenize.WORD_PATTERN` in Java regex syntax."""
    seps = _java_class(FULL_STOP + DECIMAL)
    return (
        f"[{JAVA_DIGIT_CLASS}]+(?:[{seps}][{JAVA_DIGIT_CLASS}]+)+"
        f"|[{JAVA_WORD_CLASS}{_java_class(IN_WORD_MARKS)}]+"
    )


def _replace(pattern: str, replacement: str = "", all_: bool = True) -> dict[str, Any]:
    return {"type": "pattern_replace", "pattern": pattern, "replacement": replacement, "all": all_}


_CASEFOLDS: tuple[tuple[str, str, str], ...] = (
    ("arsearch_fold_sharp_s", "\N{LATIN SMALL LETTER SHARP S}\N{LATIN CAPITAL LETTER SHARP S}", "ss"),
    ("arsearch_fold_long_s", "\N{LATIN SMALL LETTER LONG S}", "s"),
    ("arsearch_fold_final_sigma", "\N{GREEK SMALL LETTER FINAL SIGMA}", "\N{GREEK SMALL LETTER SIGMA}"),
    ("arsearch_fold_micro", "\N{MICRO SIGN}", "\N{GREEK SMALL LETTER MU}"),
)


def _normalization_filters(analyzer: Analyzer) -> dict[str, dict[str, Any]]:
    """Token filters for what ``lowercase`` + ``arabic_normalization`` leave to do."""
    deleted = (
        _span(_HARAKAT_NOT_IN_LUCENE_FIRST, HARAKAT_LAST)
        + _SMALL_ALEF
        + _span(QURANIC_SIGNS_FIRST, QURANIC_SIGNS_LAST)
        + _span(QURANIC_MARKS_FIRST, QURANIC_MARKS_LAST)
        + ZWNJ + ZWJ + LRM + RLM + ALM + "\N{ZERO WIDTH NO-BREAK SPACE}"
        + _deleted_presentation_forms(analyzer)
    )
    filters: dict[str, dict[str, Any]] = {
        "arsearch_marks": _replace(f"[{_java_class(deleted)}]"),
        "arsearch_alef_wasla": _replace(f"[{_java_class(ALEF_WASLA)}]", ALEF),
        "arsearch_keheh": _replace(f"[{_java_class(KEHEH)}]", KAF),
        "arsearch_yeh": _replace(f"[{_java_class(FARSI_YEH + YEH_BARREE)}]", YEH),
        "arsearch_heh": _replace(f"[{_java_class(HEH_WITH_YEH_ABOVE + HEH_GOAL + AE)}]", HEH),
        "arsearch_decimal": _replace(f"[{_java_class(DECIMAL)}]", FULL_STOP),
    }
    # str.casefold beyond lowercase, for the letters seen in Latin and Greek text
    # (the other 170-odd case foldings, Cherokee for one, are left to lowercase)
    for name, chars, target in _CASEFOLDS:
        filters[name] = _replace(f"[{_java_class(chars)}]", target)
    for i, (east, pers) in enumerate(zip(NUMBERS_EAST, NUMBERS_PERS)):
        filters[f"arsearch_digit{i}"] = _replace(f"[{_java_class(east + pers)}]", str(i))
    if analyzer.fold_hamza_seats:
        filters["arsearch_waw_hamza"] = _replace(f"[{_java_class(WAW_HAMZA)}]", WAW)
        filters["arsearch_yeh_hamza"] = _replace(f"[{_java_class(YEH_HAMZA)}]", YEH)
    filters["arsearch_nonempty"] = {"type": "length", "min": 1}
    return filters


def _stem_filters(analyzer: Analyzer) -> dict[str, dict[str, Any]]:
    """The light stemmer (with arsearch's stop-word rules) as ``pattern_replace`` passes."""
    sep = java_char(SEPARATOR)
    stops = _alternation(analyzer.stopwords) if analyzer.stopwords else None
    articles = _alternation(ARTICLE_PREFIXES)
    waw = _literal(CONJ_WAW)
    filters: dict[str, dict[str, Any]] = {
        # word → word<SEP>word: the copy is stemmed, the word kept for the stop-word rules
        "arsearch_stem_copy": _replace("^(.+)$", f"$1{SEPARATOR}$1", all_=False),
    }
    if stops:
        # a stop word, or و + a stop word, is never stemmed: drop the copy now
        filters["arsearch_stem_stopword"] = _replace(f"^({waw}?(?:{stops})){sep}.*$", "$1", all_=False)
    rest_after_waw = CONJ_MIN_LEN - 1
    filters["arsearch_stem_waw"] = _replace(f"{sep}{waw}(?=.{{{rest_after_waw},}}$)", SEPARATOR, all_=False)
    # one article group (each leaves >= 2 letters), then و again (arsearch's extension)
    filters["arsearch_stem_article"] = _replace(
        f"{sep}(?:{articles})(?:{waw}(?=.{{{rest_after_waw},}}$))?(?=.{{{PREFIX_MIN_REST},}}$)", SEPARATOR, all_=False
    )
    # the guard "len(w) <= 2: stop" needs no pass: every suffix rule leaves >= 2 letters
    filters["arsearch_stem_pronoun"] = _replace(
        f"{sep}(.{{{PRONOUN_MIN_REST},}}?)(?:{_alternation(PRONOUN_SUFFIXES)})$", f"{SEPARATOR}$1", all_=False
    )
    filters["arsearch_stem_nisba"] = _replace(
        f"{sep}(.{{{NISBA_MIN_REST},}}?)(?:{_alternation(NISBA_SUFFIXES)})$", f"{SEPARATOR}$1", all_=False
    )
    for i, suffix in enumerate(LIGHT10_SUFFIXES):  # one ordered pass: several can go
        filters[f"arsearch_stem_suffix{i}"] = _replace(
            f"{sep}(.{{{SUFFIX_MIN_REST},}}){_literal(suffix)}$", f"{SEPARATOR}$1", all_=False
        )
    if stops:
        # a stem must not be a stop word (الله → له): keep the word
        filters["arsearch_stem_collision"] = _replace(f"^(.*){sep}(?:{stops})$", "$1", all_=False)
    filters["arsearch_stem_take"] = _replace(f"^.*{sep}", "", all_=False)
    return filters


def _presentation_mappings(analyzer: Analyzer) -> list[str]:
    """``mapping`` char filter rules: presentation forms → arsearch's letters."""
    table = make_translation_table(analyzer.fold_hamza_seats)
    word = re.compile(rf"[\w{re.escape(IN_WORD_MARKS)}]")
    rules = []
    for first, last in ((PRESENTATION_A_FIRST, PRESENTATION_A_LAST), (PRESENTATION_B_FIRST, PRESENTATION_B_LAST)):
        for ch in _span(first, last):
            if ord(ch) not in table or not word.match(ch) or unicodedata.normalize("NFKC", ch) == ch:
                continue  # not a word character (a separator in both), or left alone
            target = table[ord(ch)]
            if target:  # the forms of deleted marks are deleted by the "marks" filter
                rules.append(f"{_mapping_escape(ch)} => {''.join(map(_mapping_escape, target))}")
    return rules


def _mapping_escape(ch: str) -> str:
    return "\\u%04X" % ord(ch)


def _deleted_presentation_forms(analyzer: Analyzer) -> str:
    """Presentation forms of marks (U+FE70..): arsearch deletes them."""
    table = make_translation_table(analyzer.fold_hamza_seats)
    word = re.compile(rf"[\w{re.escape(IN_WORD_MARKS)}]")
    return "".join(
        ch
        for first, last in ((PRESENTATION_A_FIRST, PRESENTATION_A_LAST), (PRESENTATION_B_FIRST, PRESENTATION_B_LAST))
        for ch in _span(first, last)
        if ord(ch) in table and table[ord(ch)] is None and word.match(ch)
    )


def analyzer_chain(analyzer: Analyzer | None = None) -> dict[str, Any]:
    """The char filters, tokenizer and token filters, by name, that
    :func:`analysis_settings` composes (one dict each)."""
    analyzer = analyzer or DEFAULT_ANALYZER
    return {
        "char_filter": {"arsearch_presentation": {"type": "mapping", "mappings": _presentation_mappings(analyzer)}},
        "tokenizer": {"arsearch_words": {"type": "pattern", "pattern": word_pattern(), "group": 0}},
        "filter": {
            **_normalization_filters(analyzer),
            **_stem_filters(analyzer),
            # arsearch's stop words: the list, and و + a word of the list
            "arsearch_stop": {"type": "stop", "stopwords": _stop_list(analyzer) or ["_none_"]},
        },
    }


def _stop_list(analyzer: Analyzer) -> list[str]:
    return sorted(analyzer.stopwords | {CONJ_WAW + w for w in analyzer.stopwords})


def normalization_names(analyzer: Analyzer) -> list[str]:
    return ["lowercase", "arabic_normalization", *_normalization_filters(analyzer)]


def stem_names(analyzer: Analyzer) -> list[str]:
    return list(_stem_filters(analyzer))


def analysis_settings(analyzer: Analyzer | None = None, ngram_sizes: tuple[int, ...] = (4,)) -> dict[str, Any]:
    """The ``settings.analysis`` object: the light-stem, surface and n-gram analyzers."""
    analyzer = analyzer or DEFAULT_ANALYZER
    chain = analyzer_chain(analyzer)
    norm = normalization_names(analyzer)
    base = {"type": "custom", "char_filter": ["arsearch_presentation"], "tokenizer": "arsearch_words"}
    analyzers: dict[str, Any] = {
        TEXT_ANALYZER: {**base, "filter": [*norm, *stem_names(analyzer)]},
        # query time, for match queries: stop words dropped after normalization
        SEARCH_ANALYZER: {**base, "filter": [*norm, "arsearch_stop", *stem_names(analyzer)]},
        SURFACE_ANALYZER: {**base, "filter": norm},
    }
    filters = chain["filter"]
    for n in sorted(set(ngram_sizes)):
        filters["arsearch_frame"] = _replace("^(.+)$", f"{NGRAM_BOUNDARY}$1{NGRAM_BOUNDARY}", all_=False)
        filters[f"arsearch_ngram{n}"] = {"type": "ngram", "min_gram": n, "max_gram": n, "preserve_original": True}
        filters[f"arsearch_ngram{n}_only"] = {"type": "length", "max": n}
        analyzers[NGRAM_ANALYZER.format(n=n)] = {
            **base,
            "filter": [*norm, "arsearch_frame", f"arsearch_ngram{n}", f"arsearch_ngram{n}_only"],
        }
    return {"char_filter": chain["char_filter"], "tokenizer": chain["tokenizer"], "filter": filters, "analyzer": analyzers}


def client_representations(ranking: Ranking) -> list[str]:
    """Representations whose terms the client computes (stemmers other than light/none)."""
    return [name for name, _w in ranking.representations if name not in NGRAM_SIZES and name not in ("light", "none")]


def index_body(
    fields: Mapping[str, str | Field] | None = None,
    ranking: Ranking | None = None,
    analyzer: Analyzer | None = None,
    shards: int = 1,
    replicas: int = 1,
) -> dict[str, Any]:
    """Settings and mappings for an OpenSearch 2.x / Elasticsearch 8.x index
    that analyzes and ranks like an arsearch index with these ``fields``,
    ``ranking`` and ``analyzer`` (each defaulting to arsearch's default).

    Text fields use the light stem (positions kept, for phrases); each
    representation of ``ranking`` is a field ``all__<name>`` filled with
    ``copy_to`` from every text field (n-grams, surface forms) or by
    :func:`document_source` (roots); ``all__words`` holds the surface forms
    (arsearch's vocabulary field). Every text field's BM25 uses the
    ranking's ``k1`` and ``b``.

    >>> body = index_body({"title": "text", "year": "numeric"})
    >>> body["mappings"]["properties"]["year"], body["settings"]["index"]["similarity"]["arsearch_bm25"]["k1"]
    ({'type': 'double'}, 1.2)
    """
    fields = resolve_fields(fields if fields is not None else DEFAULT_FIELDS)
    ranking = ranking or DEFAULT_RANKING
    analyzer = analyzer or DEFAULT_ANALYZER
    if analyzer.stemmer not in ("light", "none"):
        raise SchemaError(
            f"the {analyzer.stemmer!r} stemmer cannot be written with OpenSearch's built-in filters; use 'light' or 'none'"
        )
    text_analyzer = TEXT_ANALYZER if analyzer.stemmer == "light" else SURFACE_ANALYZER
    sizes = tuple(NGRAM_SIZES[name] for name, _w in ranking.representations if name in NGRAM_SIZES)
    similarity = {"type": "BM25", "k1": ranking.k1, "b": ranking.b}
    properties: dict[str, Any] = {ID_FIELD: {"type": "keyword"}}
    for name, spec in fields.items():
        if spec.kind == "text":
            properties[name] = {
                "type": "text",
                "analyzer": text_analyzer,
                "search_analyzer": SEARCH_ANALYZER if analyzer.stemmer == "light" else SURFACE_ANALYZER,
                "similarity": SIMILARITY,
                "copy_to": sorted(
                    [rep_field(r) for r, _w in ranking.representations if r not in client_representations(ranking)]
                    + [VOCABULARY_FIELD]
                ),
            }
        else:
            properties[name] = {"type": {"keyword": "keyword", "numeric": "double", "date": "date"}[spec.kind]}
    for rep_name, _w in ranking.representations:
        field = rep_field(rep_name)
        if rep_name in NGRAM_SIZES:
            properties[field] = {"type": "text", "analyzer": NGRAM_ANALYZER.format(n=NGRAM_SIZES[rep_name]),
                                 "similarity": NGRAM_SIMILARITY, "index_options": "freqs"}
        elif rep_name == "light":
            properties[field] = {"type": "text", "analyzer": TEXT_ANALYZER, "similarity": SIMILARITY, "index_options": "freqs"}
        elif rep_name == "none":
            properties[field] = {"type": "text", "analyzer": SURFACE_ANALYZER, "similarity": SIMILARITY, "index_options": "freqs"}
        else:  # computed by the client (document_source)
            properties[field] = {"type": "text", "analyzer": "whitespace", "similarity": SIMILARITY, "index_options": "freqs"}
    if VOCABULARY_FIELD not in properties:
        properties[VOCABULARY_FIELD] = {"type": "text", "analyzer": SURFACE_ANALYZER, "similarity": SIMILARITY,
                                        "index_options": "freqs"}
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "max_ngram_diff": 0,
                "similarity": {
                    SIMILARITY: similarity,
                    NGRAM_SIMILARITY: {**similarity, "discount_overlaps": False},
                },
                "analysis": analysis_settings(analyzer, sizes),
            }
        },
        "mappings": {"dynamic": "strict", "_meta": {"arsearch": settings_meta(fields, ranking, analyzer)},
                     "properties": properties},
    }


def settings_meta(fields: Mapping[str, Field], ranking: Ranking, analyzer: Analyzer) -> dict[str, Any]:
    """What :func:`index_body` records in the mapping's ``_meta.arsearch``:
    the fields, ranking and analyzer configuration (``arsearch search --url``
    reads them back to write its queries and highlight the hits)."""
    return {
        "analyzer": analyzer.config(),
        "fields": {n: {"kind": f.kind, "stored": f.stored, "boost": f.boost} for n, f in fields.items()},
        "ranking": ranking.to_json(),
    }


def document_source(
    doc: Mapping[str, Any],
    fields: Mapping[str, str | Field] | None = None,
    ranking: Ranking | None = None,
    analyzer: Analyzer | None = None,
) -> dict[str, Any]:
    """The ``_source`` to send for one arsearch document: its declared
    fields, plus each client-computed representation (ISRI roots) as its
    terms joined by spaces, stop words included as arsearch indexes them.

    >>> src = document_source({"id": "1", "title": "", "body": "المكتبات العامة"})
    >>> src["all__isri"]
    'كتب عمه'
    """
    fields = resolve_fields(fields if fields is not None else DEFAULT_FIELDS)
    ranking = ranking or DEFAULT_RANKING
    analyzer = analyzer or DEFAULT_ANALYZER
    source = {k: v for k, v in doc.items() if k == ID_FIELD or k in fields}
    text = "\n".join(str(doc[name]) for name, spec in fields.items() if spec.kind == "text" and doc.get(name))
    for rep_name in client_representations(ranking):
        rep, _n = analyzer.for_representation(rep_name)
        source[rep_field(rep_name)] = " ".join(rep.terms(text, keep_stopwords=True))
    return source


def settings_hash(body: Mapping[str, Any]) -> str:
    """A short digest of a body's analysis and similarity settings (for fixtures)."""
    index = body["settings"]["index"]
    payload = json.dumps({"analysis": index["analysis"], "similarity": index["similarity"]}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
