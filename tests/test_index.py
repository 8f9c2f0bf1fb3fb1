"""Tests for arsearch.index: on-disk and in-memory indexes, writing, searching, errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from arsearch import (
    Analyzer,
    FAST_RANKING,
    DocumentError,
    Field,
    IncompatibleIndexError,
    Index,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    QueryError,
    Ranking,
)
from arsearch.highlight import MAX_SCAN_TOTAL
from arsearch.index import META_FILE
from arsearch.query import MAX_CLAUSES

from tests.conftest import ALL_IDS, DOCS, FIELDS

#: Matches 11 of the 12 documents with distinct words, for paging.
BROAD_QUERY = "مدرسة مستشفى رئيس كتاب سافر الشاعر ملعب طلاب"
BROAD_IDS = ALL_IDS - {"mixed"}


def ids(ix: Index, query: str, **kwargs: Any) -> set[str]:
    return {h.id for h in ix.search(query, limit=100, **kwargs)}


def ranked(ix: Index, query: str, **kwargs: Any) -> list[str]:
    return [h.id for h in ix.search(query, limit=100, **kwargs)]


def doc(doc_id: str) -> dict[str, Any]:
    return next(dict(d) for d in DOCS if d["id"] == doc_id)


# -- round trips ---------------------------------------------------------------------


def test_create_commit_reopen_round_trip(index_path: Path) -> None:
    ix = Index.create(index_path, FIELDS)
    for d in DOCS:
        ix.add(d)
    assert len(ix) == 0  # nothing visible before commit
    ix.commit()
    assert len(ix) == len(DOCS)
    ix.close()

    reopened = Index.open(index_path)
    assert len(reopened) == len(DOCS)
    assert reopened.fields == ix.fields
    for d in DOCS:
        assert reopened.get(d["id"]) == d
        assert d["id"] in reopened
    assert reopened.get("missing") is None
    assert "missing" not in reopened
    reopened.close()


def test_stored_values_keep_their_types(disk_index: Index) -> None:
    stored = disk_index.get("diacritized")
    assert stored == {
        "id": "diacritized",
        "title": "المَكْتَبَةُ العامّةُ",
        "body": "ذَهَبَ الطُّلّابُ إلى المَكْتَبَةِ العامّةِ لِقِراءَةِ الكُتُبِ.",
        "source": "bbc",
        "published": dt.datetime(2001, 5, 1),
    }


def test_memory_index(memory_index: Index) -> None:
    assert len(memory_index) == len(DOCS)
    assert memory_index.get("hamza") == doc("hamza")
    assert memory_index.path is None


def test_memory_index_default_fields() -> None:
    ix = Index.memory()
    with ix:
        ix.add({"id": "1", "title": "المكتبة", "body": "ذهب الطلاب إلى المكتبة"})
    assert ix.get("1") == {"id": "1", "title": "المكتبة", "body": "ذهب الطلاب إلى المكتبة"}
    assert ids(ix, "مكتبة") == {"1"}


def test_uncommitted_writes_are_invisible_to_other_readers(disk_index: Index, index_path: Path) -> None:
    other = Index.open(index_path)
    disk_index.add({"id": "new", "body": "نص جديد عن الزراعة"})
    assert "new" not in other
    assert ids(other, "الزراعة") == set()
    disk_index.commit()
    assert "new" in other  # a reader sees commits made by another Index object
    assert ids(other, "الزراعة") == {"new"}
    other.close()


def test_update_replaces_by_id(disk_index: Index, index_path: Path) -> None:
    disk_index.update({"id": "hamza", "title": "رحلة", "body": "نص جديد عن الزراعة"})
    disk_index.commit()
    assert len(disk_index) == len(DOCS)
    assert disk_index.get("hamza") == {"id": "hamza", "title": "رحلة", "body": "نص جديد عن الزراعة"}
    assert ids(disk_index, "ابراهيم") == set()
    assert ids(disk_index, "الزراعة") == {"hamza"}
    assert Index.open(index_path).get("hamza") == {"id": "hamza", "title": "رحلة", "body": "نص جديد عن الزراعة"}


def test_update_with_new_id_adds(disk_index: Index) -> None:
    disk_index.update({"id": "brand-new", "body": "الزراعة"})
    disk_index.commit()
    assert len(disk_index) == len(DOCS) + 1
    assert ids(disk_index, "زراعة") == {"brand-new"}


def test_delete(disk_index: Index, index_path: Path) -> None:
    assert disk_index.delete("hamza") == 1
    assert disk_index.delete("missing") == 0
    disk_index.commit()
    assert len(disk_index) == len(DOCS) - 1
    assert "hamza" not in disk_index
    assert disk_index.get("hamza") is None
    assert ids(disk_index, "ابراهيم") == set()
    reopened = Index.open(index_path)
    assert len(reopened) == len(DOCS) - 1
    assert "hamza" not in reopened


@pytest.mark.parametrize("bad_id", [5, None, b"hamza"])
def test_delete_needs_a_str_id(disk_index: Index, bad_id: object) -> None:
    with pytest.raises(DocumentError):
        disk_index.delete(bad_id)  # type: ignore[arg-type]


def test_cancel_drops_pending_writes(disk_index: Index) -> None:
    disk_index.add({"id": "new", "body": "الزراعة"})
    disk_index.delete("hamza")
    disk_index.cancel()
    disk_index.commit()
    assert len(disk_index) == len(DOCS)
    assert "new" not in disk_index
    assert "hamza" in disk_index


# -- context manager -----------------------------------------------------------------


def test_context_manager_commits_on_success(index_path: Path) -> None:
    with Index.create(index_path, FIELDS) as ix:
        ix.add(doc("hamza"))
        ix.add(doc("digits"))
    assert len(ix) == 2
    assert len(Index.open(index_path)) == 2


def test_context_manager_cancels_on_error(disk_index: Index, index_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with disk_index as ix:
            ix.add({"id": "new", "body": "الزراعة"})
            ix.delete("hamza")
            raise RuntimeError("boom")
    # Nothing of the failed block was written, in this object or on disk.
    assert len(disk_index) == len(DOCS)
    assert "new" not in disk_index and "hamza" in disk_index
    reopened = Index.open(index_path)
    assert len(reopened) == len(DOCS)
    assert "new" not in reopened and "hamza" in reopened
    assert ids(reopened, "ابراهيم") == {"hamza"}
    # The write lock was released: another object can write.
    with reopened:
        reopened.add({"id": "later", "body": "الزراعة"})
    assert ids(Index.open(index_path), "الزراعة") == {"later"}


# -- searching: normalization --------------------------------------------------------

VARIANTS = [
    ("diacritics", ["مكتبة", "المكتبة", "الْمَكْتَبَةُ", "مَكْتَبَة", "المكتبات"], {"diacritized"}),
    ("diacritized query on plain text", ["ملعب", "الْمَلْعَبُ", "مَلْعَب"], {"playground"}),
    ("diacritized alef maksura", ["مُسْتَشْفَى", "مستشفى"], {"hospital"}),
    ("shadda and damma", ["الطلاب", "الطُّلّابُ", "طلاب"], {"diacritized"}),
    ("alef hamza", ["احمد", "أحمد", "إحمد", "آحمد"], {"hamza"}),
    ("alef hamza below", ["ابراهيم", "إبراهيم", "أبراهيم"], {"hamza"}),
    ("alef madda", ["اسيا", "آسيا"], {"hamza"}),
    ("alef maksura", ["مستشفي", "مستشفى"], {"hospital"}),
    ("teh marbuta", ["مدرسه", "مدرسة", "المدرسة", "المدرسه"], {"hospital", "playground", "tatweel"}),
    ("tatweel", ["مدرسة", "مـــدرسة", "مــدرســة", "مدرسـة"], {"hospital", "playground", "tatweel"}),
    ("arabic-indic digits", ["1945", "١٩٤٥", "۱۹۴۵"], {"digits"}),
    ("persian keheh", ["كتاب", "کتاب", "الكتاب"], {"html", "persian"}),
    ("persian yeh", ["فارسي", "فارسی", "الفارسی", "الفارسي"], {"persian"}),
    ("latin case", ["python", "Python", "PYTHON"], {"mixed"}),
]


@pytest.mark.parametrize("description, variants, expected", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_spelling_variants_find_the_same_documents(
    memory_index: Index, description: str, variants: list[str], expected: set[str]
) -> None:
    for variant in variants:
        assert ids(memory_index, variant) == expected, variant


def test_diacritized_document_found_and_snippet_keeps_diacritics(memory_index: Index) -> None:
    (hit,) = memory_index.search("مكتبة الطلاب", fields=["body"])
    assert hit.id == "diacritized"
    assert hit.snippet == "ذَهَبَ <mark>الطُّلّابُ</mark> إلى <mark>المَكْتَبَةِ</mark> العامّةِ لِقِراءَةِ الكُتُبِ."


def test_snippet_formats(memory_index: Index) -> None:
    (hit,) = memory_index.search("مفيد", snippet_format="text")
    assert hit.snippet == "قال سمير: \"الكتاب <جديد> & [مفيد]\" لـ 'سارة'"
    (hit,) = memory_index.search("مفيد", snippet_format="html")
    assert hit.snippet == "قال سمير: &quot;الكتاب &lt;جديد&gt; &amp; <mark>مفيد</mark>&quot; لـ &#x27;سارة&#x27;"
    (hit,) = memory_index.search("أحمد", snippet_format="ansi")
    assert hit.snippet == "سافر إبراهيم \x1b[1;33mوأحمد\x1b[0m إلى آسيا"


# -- searching: query language ------------------------------------------------------

QUERIES = [
    ("or of words", "رئيس الوزراء", {"phrase", "phrase_reversed"}),
    ("phrase: adjacent and in order", '"رئيس الوزراء"', {"phrase"}),
    ("phrase with diacritics", '"رَئِيسُ الوُزَرَاءِ"', {"phrase"}),
    ("phrase in reverse order", '"الوزراء رئيس"', set()),
    ("phrase with a stop word inside", '"الرجل الذي سافر"', {"who"}),
    ("phrase words not adjacent", '"الرجل سافر"', set()),
    ("guillemet phrase", "«رئيس الوزراء»", {"phrase"}),
    ("unclosed phrase: plain words", '"رئيس الوزراء', {"phrase", "phrase_reversed"}),
    ("excluded word", "رئيس -البلدية", {"phrase"}),
    ("excluded word among several", "مدرسة -القرية", {"playground", "tatweel"}),
    ("excluded phrase", 'مدرسة -"مستشفى جديد"', {"playground", "tatweel"}),
    ("excluded stop word", "سافر -من", {"hamza"}),
    ("excluded variant spelling", "مدرسة -مـــدرسة", set()),
    ("required words", "+رئيس +البلدية", {"phrase_reversed"}),
    ("required and optional", "+مستشفى مدرسة", {"hospital"}),
    ("required phrase", '+"رئيس الوزراء" مدرسة', {"phrase"}),
    ("field title", "title:مدرسة", {"tatweel"}),
    ("field body", "body:مدرسة", {"hospital", "playground", "tatweel"}),
    ("field latin", "title:programming", {"mixed"}),
    ("field phrase", 'title:"مستشفى القرية"', {"hospital"}),
    ("unknown field is words", "foo:مدرسة", {"hospital", "playground", "tatweel"}),
    ("prefix", "مدر*", {"hospital", "playground", "tatweel"}),
    ("prefix on several words", "كت*", {"diacritized", "html", "persian"}),
    ("prefix with hamza folded", "إبرا*", {"hamza"}),
    ("latin prefix case folded", "PROG*", {"mixed"}),
    ("stop words only", "من هو", {"who"}),
    ("one stop word", "مع", {"phrase", "phrase_reversed"}),
    ("stop word في", "في", {"playground", "digits", "mixed"}),
    ("stop words dropped next to content words", "من هو الشاعر", {"digits"}),
]


@pytest.mark.parametrize("description, query, expected", QUERIES, ids=[q[0] for q in QUERIES])
def test_query_language(memory_index: Index, description: str, query: str, expected: set[str]) -> None:
    assert ids(memory_index, query) == expected


def test_prefix_with_article_matches_words_starting_with_it(memory_index: Index) -> None:
    """``prefix*`` is documented as "words starting with the prefix (normalized,
    not stemmed)": المدر* must find المدرسة, الكت* must find الكتاب."""
    assert "playground" in ids(memory_index, "المدر*")  # "... بعد المدرسة"
    assert "html" in ids(memory_index, "الكت*")  # "الكتاب <جديد>"


def test_required_word_ranks_first(memory_index: Index) -> None:
    assert ranked(memory_index, "+مستشفى مدرسة")[0] == "hospital"


#: Two documents with the same words, مدرسة in the title of one and the body of the other.
BOOST_DOCS = [
    {"id": "in-title", "title": "مدرسة القرية", "body": "افتتح مستشفى جديد"},
    {"id": "in-body", "title": "مستشفى جديد", "body": "افتتح مدرسة القرية"},
    *({"id": f"filler-{i}", "title": "خبر", "body": "نص آخر عن الطقس"} for i in range(5)),
]


def _boosted_scores(title_boost: float) -> dict[str, float]:
    ix = Index.memory({"title": Field("text", boost=title_boost), "body": "text"}, ranking=Ranking())
    with ix:
        ix.add_many(BOOST_DOCS)
    return {h.id: h.score for h in ix.search("مدرسة")}


def test_title_boost_ranks_title_match_first() -> None:
    """The title's boost decides which of two otherwise alike documents ranks
    first, and scales the title's part of the score by exactly that boost."""
    plain, up, down = _boosted_scores(1.0), _boosted_scores(2.0), _boosted_scores(0.5)
    assert set(plain) == set(up) == set(down) == {"in-title", "in-body"}
    assert up["in-title"] > up["in-body"]  # boost 2: the title match wins
    assert down["in-title"] < down["in-body"]  # boost 0.5: the body match wins
    assert up["in-title"] == pytest.approx(2.0 * plain["in-title"])
    assert down["in-title"] == pytest.approx(0.5 * plain["in-title"])
    assert up["in-body"] == down["in-body"] == plain["in-body"]  # the body's score does not move


def test_scores_are_descending(memory_index: Index) -> None:
    scores = [h.score for h in memory_index.search(BROAD_QUERY, limit=100)]
    assert len(scores) == len(BROAD_IDS)
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


MALFORMED = [
    ("lone quote", '"', set()),
    ("lone minus", "-", set()),
    ("lone plus", "+", set()),
    ("lone colon", ":", set()),
    ("lone star", "*", set()),
    ("parentheses", "(((", set()),
    ("field without term", "title:", set()),
    ("empty", "", set()),
    ("whitespace", " \t\n", set()),
    ("punctuation only", "!!! ؟؟ ،،", set()),
    ("unbalanced quote", '"مدرسة', {"hospital", "playground", "tatweel"}),
    ("unbalanced parenthesis", "(مدرسة", {"hospital", "playground", "tatweel"}),
    ("closing parenthesis", "مدرسة)", {"hospital", "playground", "tatweel"}),
    ("trailing minus", "مدرسة -", {"hospital", "playground", "tatweel"}),
    ("required punctuation word", "مدرسة +!", {"hospital", "playground", "tatweel"}),
    ("required punctuation prefix", "مدرسة +؟*", {"hospital", "playground", "tatweel"}),
    ("required operators prefix", "مدرسة +:*", {"hospital", "playground", "tatweel"}),
    ("operators soup", '+- :: ** "" مدرسة ()', {"hospital", "playground", "tatweel"}),
    ("NUL character", "\x00مدرسة\x00", {"hospital", "playground", "tatweel"}),
    ("control characters", "\x01\x07مدرسة\x1b", {"hospital", "playground", "tatweel"}),
    ("lone surrogate", "\ud800مدرسة", {"hospital", "playground", "tatweel"}),
    ("html", "<b>مدرسة</b> &amp;", {"hospital", "playground", "tatweel"}),
    ("10,000 characters", ("مدرسة " * 2_000)[:10_000], {"hospital", "playground", "tatweel"}),
    ("10,000 characters no spaces", "م" * 10_000, set()),
]


@pytest.mark.parametrize("description, query, expected", MALFORMED, ids=[q[0] for q in MALFORMED])
def test_malformed_queries_never_raise(memory_index: Index, description: str, query: str, expected: set[str]) -> None:
    results = memory_index.search(query, limit=100)
    assert {h.id for h in results} == expected
    assert results.total == len(expected)


# -- paging, fields, filters ------------------------------------------------------


def test_paging_gives_consecutive_slices_of_one_ranking(memory_index: Index) -> None:
    full = memory_index.search(BROAD_QUERY, limit=100)
    assert {h.id for h in full} == BROAD_IDS
    assert [h.rank for h in full] == list(range(1, len(BROAD_IDS) + 1))
    paged: list[str] = []
    for offset in range(0, 15, 3):
        page = memory_index.search(BROAD_QUERY, limit=3, offset=offset)
        assert page.offset == offset
        assert [h.rank for h in page] == list(range(offset + 1, offset + 1 + len(page)))
        assert [h.id for h in page] == [h.id for h in full][offset : offset + 3]
        paged.extend(h.id for h in page)
    assert paged == [h.id for h in full]


def test_paging_with_tied_scores() -> None:
    # 40 documents in three groups of identical scores: every page must still
    # be a slice of the one full ranking (ties broken the same way on every page).
    bodies = ["الزراعة في الريف", "الزراعة", "الزراعة والري في الريف الجميل"]
    ix = Index.memory()
    with ix:
        for i in range(40):
            ix.add({"id": f"d{i:02}", "body": bodies[i % 3]})
    full = [h.id for h in ix.search("الزراعة", limit=40)]
    assert sorted(full) == [f"d{i:02}" for i in range(40)]
    for limit in (1, 3, 7, 10):
        for offset in range(0, 40, limit):
            page = [h.id for h in ix.search("الزراعة", limit=limit, offset=offset)]
            assert page == full[offset : offset + limit], (offset, limit)


def test_total_is_the_number_of_matches_on_every_page(memory_index: Index) -> None:
    totals = {memory_index.search(BROAD_QUERY, limit=3, offset=o).total for o in (0, 3, 6, 9, 30)}
    assert totals == {len(BROAD_IDS)}


def test_limit_zero_counts_without_hits(memory_index: Index) -> None:
    r = memory_index.search("مدرسة", limit=0)
    assert (len(r), r.total) == (0, 3)


def test_offset_past_the_end(memory_index: Index) -> None:
    r = memory_index.search("مدرسة", offset=10)
    assert list(r) == []
    assert r.total == 3


def test_results_sequence(memory_index: Index) -> None:
    r = memory_index.search("مدرسة")
    assert len(r) == 3
    assert r[0].id == r.hits[0].id
    assert [h.id for h in r] == [h.id for h in r.hits]
    assert r.query == "مدرسة"


@pytest.mark.parametrize(
    "fields, expected",
    [
        (["title"], {"tatweel"}),
        ("title", {"tatweel"}),
        (["body"], {"hospital", "playground", "tatweel"}),
        (["title", "body"], {"hospital", "playground", "tatweel"}),
        (None, {"hospital", "playground", "tatweel"}),
    ],
)
def test_fields_restriction(memory_index: Index, fields: Any, expected: set[str]) -> None:
    assert ids(memory_index, "مدرسة", fields=fields) == expected


def test_fields_restriction_with_title_only_word(memory_index: Index) -> None:
    # "رأي" is only in a title.
    assert ids(memory_index, "رأي", fields=["body"]) == set()
    assert ids(memory_index, "رأي", fields=["title"]) == {"html"}


FILTERS = [
    ("keyword", {"source": "bbc"}, {"diacritized", "hamza", "phrase"}),
    ("keyword case-insensitive", {"source": "BBC"}, {"diacritized", "hamza", "phrase"}),
    ("keyword list", {"source": ["bbc", "wiki"]}, {"diacritized", "hamza", "phrase", "digits", "persian", "who"}),
    ("keyword no match", {"source": "cnn"}, set()),
    (
        "date range",
        {"published": (dt.datetime(2010, 1, 1), dt.datetime(2015, 12, 31))},
        {"hamza", "hospital", "tatweel"},
    ),
    ("date open range", {"published": (dt.datetime(2023, 1, 1), None)}, {"who", "phrase", "phrase_reversed"}),
    ("date exact", {"published": dt.datetime(2010, 3, 3)}, {"hamza"}),
    ("date range given as dates", {"published": (dt.date(2010, 1, 1), dt.date(2015, 12, 31))}, {"hamza", "hospital", "tatweel"}),
    ("date exact given as a date", {"published": dt.date(2010, 3, 3)}, {"hamza"}),
    ("id", {"id": "hamza"}, {"hamza"}),
    ("id list", {"id": ["hamza", "digits", "mixed"]}, {"hamza", "digits"}),
    ("two filters", {"source": "bbc", "published": (None, dt.datetime(2005, 1, 1))}, {"diacritized"}),
    ("empty filter", {}, BROAD_IDS),
]


@pytest.mark.parametrize("description, flt, expected", FILTERS, ids=[f[0] for f in FILTERS])
def test_filters(memory_index: Index, description: str, flt: dict[str, Any], expected: set[str]) -> None:
    results = memory_index.search(BROAD_QUERY, limit=100, filter=flt)
    assert {h.id for h in results} == expected
    assert results.total == len(expected)


def test_numeric_field_filters(index_path: Path) -> None:
    fields = {"title": "text", "body": "text", "source": "keyword", "year": "numeric"}
    with Index.create(index_path, fields=fields) as ix:
        for d in DOCS:
            ix.add({"id": d["id"], "title": d["title"], "body": d["body"], "source": d["source"], "year": d["published"].year})
    ix = Index.open(index_path)
    assert ix.get("digits") == {**{k: doc("digits")[k] for k in ("id", "title", "body", "source")}, "year": 1999.0}
    assert ids(ix, BROAD_QUERY, filter={"year": (2010, 2015)}) == {"hamza", "hospital", "tatweel"}
    assert ids(ix, BROAD_QUERY, filter={"year": 2024}) == {"phrase", "phrase_reversed"}
    assert ids(ix, BROAD_QUERY, filter={"year": (2023, None)}) == {"who", "phrase", "phrase_reversed"}
    assert ids(ix, BROAD_QUERY, filter={"year": (None, 2001.5), "source": "bbc"}) == {"diacritized"}


@pytest.mark.parametrize(
    "flt",
    [
        {"body": "مدرسة"},  # text field
        {"nope": "x"},  # unknown field
        {"published": 2010},  # wrong type for a date
        {"published": (dt.datetime(2010, 1, 1),)},  # not a pair
        {"published": "2010-01-01"},
        ["source", "bbc"],  # not a mapping
    ],
)
def test_bad_filters_raise_query_error(memory_index: Index, flt: Any) -> None:
    with pytest.raises(QueryError):
        memory_index.search("مدرسة", filter=flt)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": -1},
        {"offset": -1},
        {"limit": 1.5},
        {"fields": ["nope"]},
        {"fields": ["source"]},
        {"fields": []},
        {"snippet_format": "xml"},
    ],
)
def test_bad_search_arguments_raise_query_error(memory_index: Index, kwargs: dict[str, Any]) -> None:
    with pytest.raises(QueryError):
        memory_index.search("مدرسة", **kwargs)


@pytest.mark.parametrize("query", [None, b"\xd9\x85", 5])
def test_non_str_query_raises_query_error(memory_index: Index, query: object) -> None:
    with pytest.raises(QueryError):
        memory_index.search(query)  # type: ignore[arg-type]


# -- hits ------------------------------------------------------------------------------


def test_hit_to_json_is_serializable(memory_index: Index) -> None:
    (hit,) = memory_index.search("ابراهيم")
    data = json.loads(json.dumps(hit.to_json(), ensure_ascii=False))
    assert data == {
        "rank": 1,
        "id": "hamza",
        "score": round(hit.score, 4),
        "fields": {
            "title": "رحلة أحمد",
            "body": "سافر إبراهيم وأحمد إلى آسيا",
            "source": "bbc",
            "published": "2010-03-03T00:00:00",
        },
        "title": "رحلة أحمد",
        "snippet": "سافر <mark>إبراهيم</mark> وأحمد إلى آسيا",
    }
    assert hit.fields["published"] == dt.datetime(2010, 3, 3)
    assert "id" not in hit.fields


# -- creating and opening ---------------------------------------------------------------


def test_create_on_existing_index_raises(disk_index: Index, index_path: Path) -> None:
    with pytest.raises(IndexExistsError):
        Index.create(index_path, FIELDS)
    assert len(Index.open(index_path)) == len(DOCS)  # untouched


def test_create_overwrite_gives_an_empty_index(disk_index: Index, index_path: Path) -> None:
    disk_index.close()
    ix = Index.create(index_path, {"body": "text"}, overwrite=True)
    assert len(ix) == 0
    assert Index.open(index_path).fields == {"body": ix.fields["body"]}


def test_open_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        Index.open(tmp_path / "missing")


def test_open_directory_without_index_raises(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexNotFoundError):
        Index.open(tmp_path / "empty")


def test_open_with_another_analyzer_raises(index_path: Path) -> None:
    with Index.create(index_path, analyzer=Analyzer(stemmer="none")) as ix:
        ix.add({"id": "1", "body": "المكتبات"})
    with pytest.raises(IncompatibleIndexError):
        Index.open(index_path, analyzer=Analyzer())
    # Without analyzer= the index opens with the analyzer that built it.
    ix = Index.open(index_path)
    assert ix.analyzer == Analyzer(stemmer="none")
    assert ids(ix, "المكتبات") == {"1"}
    assert ids(ix, "مكتبة") == set()  # not stemmed
    assert Index.open(index_path, analyzer=Analyzer(stemmer="none")).analyzer.stemmer == "none"


def test_open_with_edited_analyzer_version_raises(disk_index: Index, index_path: Path) -> None:
    disk_index.close()
    meta_path = index_path / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["analyzer"]["version"] == Analyzer().version
    meta["analyzer"]["version"] = "0:an-older-analyzer"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IncompatibleIndexError, match="(?i)rebuild"):
        Index.open(index_path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda meta: {**meta, "format": 999},
        lambda meta: {k: v for k, v in meta.items() if k != "analyzer"},
        lambda meta: {**meta, "fields": {"body": {"kind": "bogus"}}},
    ],
    ids=["format", "no analyzer", "bad field"],
)
def test_open_with_damaged_metadata_raises(disk_index: Index, index_path: Path, edit: Any) -> None:
    disk_index.close()
    meta_path = index_path / META_FILE
    meta_path.write_text(json.dumps(edit(json.loads(meta_path.read_text(encoding="utf-8")))), encoding="utf-8")
    with pytest.raises(IncompatibleIndexError, match="(?i)rebuild"):
        Index.open(index_path)


def test_open_with_unreadable_metadata_raises(disk_index: Index, index_path: Path) -> None:
    disk_index.close()
    (index_path / META_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(IncompatibleIndexError, match="(?i)rebuild"):
        Index.open(index_path)


# -- bad documents --------------------------------------------------------------------

BAD_DOCS = [
    ("missing id", {"title": "عنوان"}),
    ("empty id", {"id": "", "body": "نص"}),
    ("blank id", {"id": "  ", "body": "نص"}),
    ("None id", {"id": None, "body": "نص"}),
    ("bool id", {"id": True, "body": "نص"}),
    ("non-str text", {"id": "x", "body": 5}),
    ("list text", {"id": "x", "title": ["a", "b"]}),
    ("unknown field", {"id": "x", "nope": "نص"}),
    ("bytes text", {"id": "x", "body": "نص".encode()}),
    ("nested dict", {"id": "x", "body": {"ar": "نص"}}),
    ("lone surrogate", {"id": "x", "body": "نص \ud800"}),
    ("lone surrogate in id", {"id": "x\udfff", "body": "نص"}),
    ("keyword not str", {"id": "x", "source": 5}),
    ("date not a date", {"id": "x", "published": "2001-01-01"}),
    ("not a mapping", ["id", "x"]),
]


@pytest.mark.parametrize("description, bad", BAD_DOCS, ids=[b[0] for b in BAD_DOCS])
def test_bad_document_raises_and_keeps_data(disk_index: Index, index_path: Path, description: str, bad: Any) -> None:
    disk_index.add({"id": "pending", "body": "الزراعة"})
    with pytest.raises(DocumentError):
        disk_index.add(bad)
    with pytest.raises(DocumentError):
        disk_index.update(bad)
    disk_index.commit()
    assert len(disk_index) == len(DOCS) + 1
    assert "x" not in disk_index
    reopened = Index.open(index_path)
    assert len(reopened) == len(DOCS) + 1
    assert ids(reopened, "الزراعة") == {"pending"}


def test_document_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Index.memory().add({"id": ""})


def test_nul_characters_are_dropped() -> None:
    ix = Index.memory()
    with ix:
        ix.add({"id": "1", "body": "مدر\x00سة"})
    assert ix.get("1") == {"id": "1", "body": "مدرسة"}


# -- add_many ------------------------------------------------------------------------------


def test_add_many_with_on_error_skips_and_reports(disk_index: Index, index_path: Path) -> None:
    errors: list[tuple[Any, str]] = []
    batch = [
        {"id": "m1", "body": "الزراعة الحديثة"},
        {"id": ""},
        {"id": "m2", "body": 3},
        {"id": "m3", "body": "زراعة القمح"},
        {"id": "m4", "nope": "x"},
    ]
    n = disk_index.add_many(batch, on_error=lambda d, e: errors.append((d, type(e).__name__)))
    assert n == 2
    assert errors == [(batch[1], "DocumentError"), (batch[2], "DocumentError"), (batch[4], "DocumentError")]
    assert ids(disk_index, "زراعة") == {"m1", "m3"}
    assert len(Index.open(index_path)) == len(DOCS) + 2


def test_add_many_without_on_error_raises_and_writes_nothing(disk_index: Index, index_path: Path) -> None:
    with pytest.raises(DocumentError):
        disk_index.add_many([{"id": "m1", "body": "الزراعة"}, {"id": "m2", "body": 3}])
    assert "m1" not in disk_index
    reopened = Index.open(index_path)
    assert len(reopened) == len(DOCS)
    assert "m1" not in reopened


def test_add_many_progress(disk_index: Index) -> None:
    seen: list[int] = []
    n = disk_index.add_many(({"id": f"g{i}", "body": "الزراعة"} for i in range(250)), progress=seen.append)
    assert n == 250
    assert seen == [100, 200, 250]
    assert len(disk_index) == len(DOCS) + 250


def test_add_many_batches_and_update(disk_index: Index) -> None:
    n = disk_index.add_many(({"id": f"g{i}", "body": "الزراعة"} for i in range(30)), batch_size=7)
    assert n == 30
    assert len(disk_index) == len(DOCS) + 30
    n = disk_index.add_many([{"id": "g0", "body": "القمح"}, {"id": "hamza", "body": "القمح"}], update=True)
    assert n == 2
    assert len(disk_index) == len(DOCS) + 30
    assert ids(disk_index, "قمح") == {"g0", "hamza"}


def test_add_many_bad_batch_size(disk_index: Index) -> None:
    with pytest.raises(ValueError):
        disk_index.add_many([], batch_size=0)


# -- stats -------------------------------------------------------------------------------------


def test_stats_on_disk(disk_index: Index, index_path: Path, engine: str) -> None:
    stats = disk_index.stats()
    assert set(stats) == {
        "path",
        "engine",
        "documents",
        "deleted",
        "terms",
        "segments",
        "size_bytes",
        "fields",
        "analyzer",
        "representations",
    }
    assert stats["path"] == str(index_path)
    assert stats["engine"] == engine
    assert stats["documents"] == len(DOCS)
    assert stats["deleted"] == 0
    assert stats["size_bytes"] > 0
    assert stats["fields"] == FIELDS
    assert stats["analyzer"] == {"name": "arsearch-arabic", "version": Analyzer().version}
    assert stats["representations"] == [["isri", 0.3], ["ngram4", 0.7]]  # the default ranking's
    assert set(stats["terms"]) == {"title", "body"}
    assert all(n > 0 for n in stats["terms"].values())
    json.dumps(stats)  # serializable (for the CLI)


def test_stats_in_memory(memory_index: Index) -> None:
    stats = memory_index.stats()
    assert stats["path"] is None
    assert stats["size_bytes"] is None
    assert stats["documents"] == len(DOCS)


def test_stats_after_delete(disk_index: Index) -> None:
    disk_index.delete("hamza")
    disk_index.commit()
    assert disk_index.stats()["documents"] == len(DOCS) - 1


# -- locking ------------------------------------------------------------------------------------


def test_second_writer_raises_index_locked(disk_index: Index, index_path: Path) -> None:
    first = Index.open(index_path)
    second = Index.open(index_path)
    first.add({"id": "a", "body": "الزراعة"})  # holds the write lock, uncommitted
    with pytest.raises(IndexLockedError):
        second.add({"id": "b", "body": "القمح"})
    with pytest.raises(IndexLockedError):
        second.delete("hamza")
    first.commit()  # releases the lock
    second.add({"id": "b", "body": "القمح"})
    second.commit()
    assert ids(Index.open(index_path), "الزراعة القمح") == {"a", "b"}


def test_lock_released_by_cancel_and_close(disk_index: Index, index_path: Path) -> None:
    first = Index.open(index_path)
    first.add({"id": "a", "body": "الزراعة"})
    first.close()
    second = Index.open(index_path)
    with second:
        second.add({"id": "b", "body": "القمح"})
    assert "a" not in second and "b" in second


@pytest.mark.whoosh_only
def test_optimize_without_pending_writes_merges_with_arsearchs_codec(tmp_path: Path) -> None:
    from arsearch.engines.whoosh.schema import ArabicCodec

    ix = Index.create(tmp_path / "ix")
    for i in range(3):  # three commits, three segments
        with ix:
            ix.add({"id": str(i), "title": "عنوان", "body": f"نص الخبر رقم {i}"})
    ix.commit(optimize=True)
    segments = ix._store._wix._segments()
    assert len(segments) == 1
    assert isinstance(segments[0].codec(), ArabicCodec)
    assert sorted(h.id for h in ix.search("الخبر")) == ["0", "1", "2"]
    ix.close()


# -- limits are reported, not silent (issue #14) ---------------------------------------

FILLER_QUERY = " ".join(["حشو"] * 70)


def test_a_query_word_past_the_clause_limit_is_reported(memory_index: Index) -> None:
    """70 filler words then المكتبة: the word past the 64th clause is not
    searched, and Results.warnings says so; the other order finds it, unwarned."""
    cut = memory_index.search(FILLER_QUERY + " المكتبة")
    assert cut.total == 0
    assert cut.warnings == (f"the query was cut to its first {MAX_CLAUSES} words, phrases and prefixes (7 more not searched)",)
    whole = memory_index.search("المكتبة " + FILLER_QUERY)
    assert "diacritized" in {h.id for h in whole}
    assert len(whole.warnings) == 1  # the fillers past the limit: reported, though the word was found
    assert memory_index.search("المكتبة").warnings == ()


def test_a_hit_longer_than_the_snippet_scan_is_reported(index_path: Path) -> None:
    """A match past MAX_SCAN_TOTAL characters is not marked in the snippet:
    the hit's text length is reported in Results.warnings."""
    ix = Index.create(index_path, ranking=FAST_RANKING)
    filler = "نص عادي " * (MAX_SCAN_TOTAL // len("نص عادي ") + 1)
    with ix:
        ix.add({"id": "long", "title": "عنوان", "body": filler + "المكتبة"})
        ix.add({"id": "short", "title": "عنوان", "body": "ذهب الطلاب إلى المكتبة"})
    results = ix.search("المكتبة", snippet_format="text")
    assert {h.id: "[المكتبة]" in h.snippet for h in results} == {"long": False, "short": True}
    assert results.warnings == (
        f"document 'long': its body has {len(filler) + len('المكتبة'):,} characters; "
        f"a match past the first {MAX_SCAN_TOTAL:,} is not marked in its snippet",
    )
    assert ix.search("الطلاب").warnings == ()  # the long document is not a hit
    ix.close()
