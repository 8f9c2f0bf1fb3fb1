"""Property tests: arbitrary Unicode through analysis, query parsing, search and highlighting.

Text is any surrogate-free Unicode, or text drawn mostly from Arabic letters,
harakat (U+064B-U+065F), the superscript alef (U+0670), tatweel, ZWNJ/ZWJ,
bidi marks, digits, punctuation and the query operators. The properties:

* nothing raises (analysis, parse_query/build_plan, Index.search, highlight);
* token spans point into the text, and re-analyzing a span gives its term;
* a highlighted snippet, marks and ellipses removed, is made of pieces of
  the original text; every mark wraps a whole word whose term (or prefix)
  the query asked for;
* HTML snippets are escaped: no ``<`` but ``<mark>``/``</mark>``, no ``&``
  that does not start an entity;
* a document of any text is found by any of its terms.

Runs are derandomized (the same examples every time) and modest in size;
``ARSEARCH_FUZZ_EXAMPLES=N`` runs N random examples per test instead.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch import Analyzer, Index, analyze, highlight
from arsearch.fields import DEFAULT_FIELDS, Ranking
from arsearch.highlight import ELLIPSIS, QueryMatcher
from arsearch.query import build_plan, leaves, parse_query
from arsearch.tokenize import WORD_PATTERN

#: ARSEARCH_FUZZ_EXAMPLES=5000 runs a longer, randomized search (e.g. before a release).
_EXAMPLES = int(os.environ.get("ARSEARCH_FUZZ_EXAMPLES", "0")) or None
SETTINGS = settings(
    max_examples=_EXAMPLES or 150,
    deadline=None,
    derandomize=_EXAMPLES is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ANALYZER = Analyzer()

ARABIC_LETTERS = [chr(c) for c in range(0x0621, 0x063B)] + [chr(c) for c in range(0x0641, 0x064B)]
HARAKAT = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670"]
SPECIAL = ["\u0640", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u0654", "\u0655"]
DIGITS = [chr(c) for c in range(0x0660, 0x066A)] + list("0123456789") + ["\u066b", "."]
PUNCT = list(" \t\n،؛؟!.,:;-+*\"'()[]{}«»“”<>&/\\") + ["\u00a0", "\u2028", "\x00", "\x1b"]
OTHER = ["ی", "ک", "ە", "پ", "چ", "ڤ", "ﻻ", "ﺍ", "a", "Z", "é", "ß", "😀", "\u0301"]
# "[", "]" and "…" are the text format's marks and ellipsis: kept out of texts whose
# snippets are taken apart (see plain_text below).
HIGHLIGHT_UNSAFE = "[]" + ELLIPSIS

arabic_chars = st.one_of(
    st.sampled_from(ARABIC_LETTERS),
    st.sampled_from(ARABIC_LETTERS),
    st.sampled_from(ARABIC_LETTERS),
    st.sampled_from(HARAKAT),
    st.sampled_from(SPECIAL),
    st.sampled_from(DIGITS),
    st.sampled_from(PUNCT),
    st.sampled_from(OTHER),
)
any_chars = st.characters(blacklist_categories=("Cs",))  # every code point but surrogates

arabic_text = st.text(arabic_chars, max_size=200)
any_text = st.text(any_chars, max_size=120)
texts = st.one_of(arabic_text, any_text, st.lists(st.sampled_from(
    ["المكتبة", "الطُّلّابُ", "مـــدرسة", "في", "من", "هو", "كتب", "الكتاب", "وَالْمَكْتَبَاتُ", "قال", "إلى", "school"]
), max_size=30).map(" ".join))

QUERY_PIECES = ["مكتب*", '"', "-", "+", "title:", "body:", "(", ")", "*", "«", "»", ":", "مكتبة", "الطلاب", "في", "من"]
queries = st.one_of(
    arabic_text.map(lambda t: t[:60]),
    any_text.map(lambda t: t[:60]),
    st.lists(st.one_of(st.sampled_from(QUERY_PIECES), arabic_text.map(lambda t: t[:12])), max_size=8).map(" ".join),
)


def plain_text(s: str) -> str:
    """``s`` without the characters the text format uses for marks and ellipses."""
    return s.translate({ord(c): None for c in HIGHLIGHT_UNSAFE})


CORPUS = [
    {"id": "1", "title": "المكتبة العامة", "body": "ذَهَبَ الطُّلّابُ إلى المَكْتَبَةِ العامّةِ لِقِراءَةِ الكُتُبِ."},
    {"id": "2", "title": "الملعب", "body": "لعب الأطفال كرة القدم في الملعب بعد المـــدرسة"},
    {"id": "3", "title": "رأي", "body": "قال سمير: \"الكتاب <جديد> & مفيد\" لـ 'سارة' [ملاحظة]"},
    {"id": "4", "title": "Python", "body": "تعلم البرمجة بلغة Python في عشرة ايام ١٩٤٥ 3.5"},
    {"id": "5", "title": "سؤال", "body": "من هو الرجل الذي سافر إلى آسيا"},
]


@functools.lru_cache(maxsize=1)
def small_index() -> Index:
    """A small in-memory index, built once for this module (read-only)."""
    ix = Index.memory({"title": "text", "body": "text", "tags": "keyword"})
    with ix:
        for d in CORPUS:
            ix.add(d)
    return ix


# -- analysis ---------------------------------------------------------------------------------


@SETTINGS
@given(text=texts, keep=st.booleans())
def test_analyze_spans_point_into_the_text(text: str, keep: bool) -> None:
    tokens = analyze(text, keep_stopwords=keep)
    last_end = 0
    for k, t in enumerate(tokens):
        assert t.position == k
        assert last_end <= t.start < t.end <= len(text)
        last_end = t.end
        span = text[t.start : t.end]
        assert WORD_PATTERN.fullmatch(span), span
        entry = ANALYZER.entry(span)
        assert entry is not None and entry[0] == t.text  # re-analyzing the span gives its term
        assert t.text and t.text == t.text.strip()
    assert ANALYZER.terms(text, keep_stopwords=keep) == [t.text for t in tokens]


# -- queries ------------------------------------------------------------------------------------


@SETTINGS
@given(query=queries)
def test_parse_and_plan_never_raise(query: str) -> None:
    fields = dict(DEFAULT_FIELDS)
    clauses = parse_query(query, fields)
    assert len(leaves(clauses)) <= 64
    for ranking in (Ranking(), Ranking(operator="and", coordination=0.5, phrase_boost=0.3, representations=(("none", 0.3),))):
        plan = build_plan(query, fields, ANALYZER, ranking, ["title", "body"])
        for item, _ in plan.walk():
            assert item.kind in ("terms", "phrase", "prefix")
            for ref in item.refs:
                assert ref.term and ref.field


@SETTINGS
@given(query=queries, fmt=st.sampled_from(["html", "text", "ansi"]), limit=st.integers(0, 6), offset=st.integers(0, 6))
def test_search_never_raises(query: str, fmt: str, limit: int, offset: int) -> None:
    ix = small_index()
    results = ix.search(query, limit=limit, offset=offset, snippet_format=fmt)
    assert 0 <= len(results) <= limit
    assert results.total >= len(results)
    assert results.total <= len(CORPUS)
    assert {h.id for h in results} <= {d["id"] for d in CORPUS}
    assert [h.rank for h in results] == list(range(offset + 1, offset + 1 + len(results)))
    scores = [h.score for h in results]
    assert scores == sorted(scores, reverse=True)


# -- highlighting -------------------------------------------------------------------------------

MARKED = re.compile(r"\[([^\[\]]*)\]")
ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#x27|#39);")


def assert_marks_are_query_words(snippet: str, query: str, max_chars: int | None = None) -> None:
    matcher = QueryMatcher.from_query(query, ANALYZER)
    terms = matcher.terms | {w for words, _ in matcher.phrases for w in words}
    for word in MARKED.findall(snippet):
        assert WORD_PATTERN.fullmatch(word), (word, snippet)
        entry = ANALYZER.entry(word)
        assert entry is not None, word
        if max_chars is not None and len(word) >= max_chars:
            continue  # a matched word longer than the fragment: its marked start
        norm = ANALYZER.normalize(word)
        assert entry[0] in terms or any(norm.startswith(p) or entry[0].startswith(p) for p in matcher.prefixes), (
            word,
            entry,
            matcher,
        )


def assert_pieces_of(snippet: str, text: str) -> None:
    for piece in MARKED.sub(r"\1", snippet).split(ELLIPSIS):
        piece = piece.strip()
        assert piece in text, (piece, text)


@SETTINGS
@given(
    text=texts.map(plain_text),
    query=queries,
    max_chars=st.integers(1, 300),
    fragments=st.integers(1, 3),
)
def test_highlight_text_is_pieces_of_the_original_and_marks_only_query_words(
    text: str, query: str, max_chars: int, fragments: int
) -> None:
    snippet = highlight(text, query, format="text", max_chars=max_chars, fragments=fragments)
    assert_pieces_of(snippet, text)
    assert_marks_are_query_words(snippet, query, max_chars)


@SETTINGS
@given(data=st.data(), max_chars=st.integers(10, 200))
def test_highlight_marks_words_picked_from_the_text(data: Any, max_chars: int) -> None:
    """Queries made of the text's own words (exact, prefix or phrase): marks exist and are right."""
    text = plain_text(data.draw(texts))
    words = WORD_PATTERN.findall(text)
    if not words:
        return
    picked = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=3))
    style = data.draw(st.sampled_from(["words", "prefix", "phrase"]))
    query = {"words": " ".join(picked), "prefix": " ".join(w[:3] + "*" for w in picked), "phrase": '"' + " ".join(picked) + '"'}[style]
    snippet = highlight(text, query, format="text", max_chars=max_chars)
    assert_pieces_of(snippet, text)
    assert_marks_are_query_words(snippet, query, max_chars)


@SETTINGS
@given(text=texts, query=queries, max_chars=st.integers(1, 300), fragments=st.integers(1, 3))
def test_highlight_html_is_escaped(text: str, query: str, max_chars: int, fragments: int) -> None:
    snippet = highlight(text, query, format="html", max_chars=max_chars, fragments=fragments)
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare, snippet
    assert "&" not in ENTITY.sub("", bare), snippet
    assert snippet.count("<mark>") == snippet.count("</mark>")
    assert "<mark></mark>" not in snippet
    highlight(text, query, format="ansi", max_chars=max_chars, fragments=fragments)


@SETTINGS
@given(query=queries, fmt=st.sampled_from(["html", "text"]))
def test_search_snippets_mark_only_query_words(query: str, fmt: str) -> None:
    ix = small_index()
    for hit in ix.search(query, limit=10, snippet_format=fmt):
        if fmt == "html":
            bare = hit.snippet.replace('<mark class="near">', "").replace("<mark>", "").replace("</mark>", "")
            assert "<" not in bare and "&" not in ENTITY.sub("", bare)
        elif "[" not in hit.fields.get("body", ""):
            assert_marks_are_query_words(hit.snippet, query)


# -- documents ------------------------------------------------------------------------------------


@settings(SETTINGS, max_examples=_EXAMPLES or 60)
@given(title=texts, body=texts)
def test_any_document_is_indexed_and_found_by_its_terms(title: str, body: str) -> None:
    # A fresh index per example: Hypothesis reseeds the global ``random`` for every
    # example, and Whoosh names segments with it, so two commits to one index would
    # pick the same segment name (a bug of its own, tested in test_reliability.py).
    ix = Index.memory()
    doc_id = "d"
    ix.add({"id": doc_id, "title": title, "body": body})
    ix.commit()
    stored = ix.get(doc_id)
    title, body = title.replace("\x00", ""), body.replace("\x00", "")  # NULs are dropped when indexing
    assert stored == {"id": doc_id, "title": title, "body": body}
    terms = [t.text for t in analyze(title + " " + body)]
    for term_word in {text[t.start : t.end] for text in (title, body) for t in analyze(text)}:
        found = {h.id for h in ix.search(term_word, limit=1000)}
        assert doc_id in found, (term_word, terms)
