"""Tests for arsearch.engines.whoosh.analysis: the Whoosh tokenizer agrees with analyze()."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser
from whoosh.query import Term

from arsearch.analysis import Analyzer, analyze
from arsearch.engines.whoosh.analysis import ArabicAnalyzer, ArabicTokenizer

TEXTS = [
    "وَالْمَكْتَبَاتُ في القاهرة",
    "ذهب الطالب إلى المدرسة، ثم عاد في 3.5 ساعة",
    "أحمد إبراهيم Python مـــدرسة ١٢٣",
    "",
    "،؛؟",
]


@pytest.mark.parametrize("text", TEXTS)
def test_same_terms_and_offsets_as_analyze(text: str) -> None:
    expected = [(t.text, t.start, t.end, t.position) for t in analyze(text)]
    tokens = ArabicAnalyzer()(text, positions=True, chars=True)
    assert [(t.text, t.startchar, t.endchar, t.pos) for t in tokens] == expected


def test_start_char_and_start_pos_shift_the_tokens() -> None:
    text = "الطّالِبُ المجتهد"
    tokens = ArabicAnalyzer()(text, positions=True, chars=True, start_pos=5, start_char=100)
    assert [(t.text, t.startchar, t.endchar, t.pos) for t in tokens] == [("طالب", 100, 109, 5), ("مجتهد", 110, 117, 6)]


def test_keeporiginal_gives_the_surface() -> None:
    assert [t.original for t in ArabicAnalyzer()("الطّالِبُ", keeporiginal=True)] == ["الطّالِبُ"]


STOPS = "ذهب الطالب إلى المدرسة"


@pytest.mark.parametrize(
    "description, options, keep_stopwords",
    [
        ("index mode keeps stop words", {"mode": "index"}, True),
        ("query mode drops stop words", {"mode": "query"}, False),
        ("query mode with removestops=False keeps them", {"mode": "query", "removestops": False}, True),
        ("default mode drops stop words", {}, False),
    ],
)
def test_stop_words_by_mode(description: str, options: dict[str, object], keep_stopwords: bool) -> None:
    got = [t.text for t in ArabicAnalyzer()(STOPS, **options)]
    assert got == [t.text for t in analyze(STOPS, keep_stopwords=keep_stopwords)]


def test_untokenized_value_is_normalized_whole() -> None:
    tokens = ArabicAnalyzer()("الْمَكْتَبَاتُ العامة", tokenize=False, chars=True)
    assert [(t.text, t.startchar, t.endchar) for t in tokens] == [("المكتبات العامه", 0, 21)]


def test_options_build_an_analyzer() -> None:
    assert ArabicAnalyzer(stemmer="none").analyzer == Analyzer(stemmer="none")
    assert [t.text for t in ArabicAnalyzer(stemmer="none")("المكتبات")] == ["المكتبات"]
    assert ArabicAnalyzer().has_morph()
    assert not ArabicAnalyzer(stemmer="none").has_morph()


@pytest.mark.parametrize("analyzer", [ArabicAnalyzer(), ArabicAnalyzer(stemmer="light10", fold_hamza_seats=True)])
def test_pickles_equal(analyzer: ArabicTokenizer) -> None:
    restored = pickle.loads(pickle.dumps(analyzer))
    assert restored == analyzer
    assert restored != ArabicAnalyzer(stemmer="none")
    assert [t.text for t in restored(TEXTS[0])] == [t.text for t in analyzer(TEXTS[0])]


DOCS = [
    ("1", "زارَ الطُّلّابُ الْمَكْتَبَةَ الوطنيّة"),
    ("2", "وَالْمَكْتَبَاتُ في القاهرة كثيرة"),
    ("3", "ذهب أحمد إلى المدرسة"),
]


@pytest.fixture
def index() -> Any:
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=ArabicAnalyzer(), stored=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for docid, body in DOCS:
            writer.add_document(id=docid, body=body)
    return ix


@pytest.mark.parametrize(
    "description, query_word, expected_ids",
    [
        ("plain word finds diacritized singular and plural", "المكتبة", ["1", "2"]),
        ("without the article", "مكتبات", ["1", "2"]),
        ("hamza folded", "احمد", ["3"]),
        ("stop word kept at index time", "إلى", ["3"]),
    ],
)
def test_term_query_in_a_whoosh_index(index: Any, description: str, query_word: str, expected_ids: list[str]) -> None:
    (term,) = [t.text for t in analyze(query_word, keep_stopwords=True)]
    with index.searcher() as searcher:
        hits = searcher.search(Term("body", term), limit=None)
        assert sorted(hit["id"] for hit in hits) == expected_ids


def test_query_parser_uses_the_analyzer(index: Any) -> None:
    query = QueryParser("body", index.schema).parse("المكتبة القاهرة")
    with index.searcher() as searcher:
        assert [hit["id"] for hit in searcher.search(query)] == ["2"]


def test_schema_round_trips_through_storage(tmp_path: Path) -> None:
    schema = Schema(body=TEXT(analyzer=ArabicAnalyzer(stemmer="light10"), stored=True))
    whoosh_index.create_in(str(tmp_path), schema)
    reopened = whoosh_index.open_dir(str(tmp_path))
    assert reopened.schema["body"].analyzer == ArabicAnalyzer(stemmer="light10")
