"""Reproductions of bugs found reviewing the match policy / one plan / Lucene parser change.

Each test fails on the reviewed commit (73a34b2) and states the expected
behaviour. Small in-memory indexes only.
"""

from __future__ import annotations

import gc
import re
import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest

from arsearch import Index, Ranking
from arsearch.query import MAX_QUERY_CHARS

MARK = re.compile(r"<mark")

# Filler documents, so that a root is in at most root_max_df (20%) of the documents.
FILLER = [
    {"id": f"f{i}", "title": "عنوان", "body": body}
    for i, body in enumerate(
        ["مقال اخر", "رحلة بحرية", "شمس ساطعة", "قمر منير", "سيارة سريعة", "طقس بارد", "مدينة كبيرة", "نهر طويل"]
    )
]


def make(docs: Iterable[dict[str, Any]], fields: Any = None, ranking: Ranking | None = None) -> Index:
    ix = Index.memory(fields, ranking=ranking)
    with ix:
        for d in docs:
            ix.add(d)
    return ix


def ids(ix: Index, query: str, **kw: Any) -> set[str]:
    return {h.id for h in ix.search(query, limit=100, **kw)}


def marked(hit: Any) -> bool:
    return bool(MARK.search(hit.title + " " + hit.snippet))


# -- engine: groups ---------------------------------------------------------------------


def test_a_group_that_does_not_match_adds_no_score() -> None:
    """Engine.evaluate returns a group's summed child scores for every document,
    also where the group did not match: (القمة -الجزائر) does not match a
    document holding الجزائر, yet القمة's score lifts it above the better one."""
    docs = [
        {"id": "a", "title": "خبر", "body": "تونس القمة الجزائر"},
        {"id": "b", "title": "خبر", "body": "تونس"},
        {"id": "c", "title": "خبر", "body": "القمة"},
        *FILLER,
    ]
    ix = make(docs, ranking=Ranking())
    plain = {h.id: h.score for h in ix.search("تونس")}
    for query in ("تونس (القمة -الجزائر)", "تونس (+الرباط القمة)"):
        scores = {h.id: h.score for h in ix.search(query)}
        # "a" matches only through تونس: the group is not satisfied in it
        assert scores["a"] == pytest.approx(plain["a"]), query


def test_an_excluded_group_excludes_by_the_words_own_term_only() -> None:
    """-word excludes by the word's own term only, but -(word ...) excludes
    documents holding the word's root or a close spelling (the group's
    children are evaluated as "should" words)."""
    docs = [
        {"id": "trump", "title": "خبر", "body": "تونس ترامب"},
        {"id": "trmb", "title": "خبر", "body": "تونس ترمب"},
        {"id": "written", "title": "خبر", "body": "تونس مكتوب"},
        {"id": "book", "title": "خبر", "body": "الكتاب"},
        *FILLER,
    ]
    ix = make(docs)
    assert ids(ix, "تونس -ترامب") == {"trmb", "written"}
    assert ids(ix, "تونس -(ترامب بايدن)") == ids(ix, "تونس -ترامب -بايدن")
    assert ids(ix, "تونس NOT (الكتاب OR بايدن)") == ids(ix, "تونس -الكتاب -بايدن")


def test_or_stays_optional_with_the_and_operator() -> None:
    """Ranking(operator="and") turns every top-level "should" item into "must"
    after parsing, so an explicit OR becomes AND (Lucene: with the AND
    operator, "a OR b" leaves both optional)."""
    docs = [
        {"id": "1", "title": "تونس", "body": "زار الرئيس العاصمة"},
        {"id": "2", "title": "الجزائر", "body": "الجزائر تستضيف القمة"},
    ]
    ix = make(docs, ranking=Ranking(operator="and"))
    assert ids(ix, "تونس OR الجزائر") == {"1", "2"}


def test_sloppy_two_word_phrase_cost_does_not_grow_with_the_slop(monkeypatch: pytest.MonkeyPatch) -> None:
    """_near_docs runs one np.intersect1d over all position keys per allowed
    distance: "a b"~999 runs ~1000 of them (10 s at 1,500 documents here),
    under the index lock. The number of passes should not depend on the slop."""
    docs = [{"id": str(i), "title": "t", "body": "شمس قمر نهر " * 5} for i in range(20)]
    ix = make(docs, ranking=Ranking(near_weight=0))
    calls = 0
    real = np.intersect1d

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "intersect1d", counting)
    assert ix.search('"شمس نهر"~999').total == 20
    assert calls < 50


# -- highlighting: hits without a mark ---------------------------------------------------


def test_root_hits_are_marked_with_two_stemmer_representations() -> None:
    """QueryMatcher.from_plan keeps one root_stemmer (the last representation's)
    and puts every representation's term in one `roots` set: a hit through
    the ISRI root is not marked when another stemmer representation follows."""
    docs = [
        {"id": "book", "title": "خبر", "body": "قرأت الكتاب"},
        {"id": "written", "title": "خبر", "body": "خطاب مكتوب"},
        *FILLER,
    ]
    ix = make(docs, ranking=Ranking(representations=(("isri", 0.3), ("light10", 0.3))))
    hits = {h.id: h for h in ix.search("الكتاب")}
    assert "written" in hits  # through the ISRI root كتب
    assert marked(hits["written"]), hits["written"].snippet
    assert hits["written"].explain()


def test_snippet_field_title_still_shows_body_marks() -> None:
    """search(snippet_field="title") renders the title twice (title_field is
    "title" whatever the snippet field): a hit matching only in the body has
    no mark anywhere."""
    ix = make([{"id": "1", "title": "خبر عاجل", "body": "زار الرئيس تونس"}, {"id": "2", "title": "x", "body": "شيء"}])
    (hit,) = ix.search("تونس", snippet_field="title")
    assert marked(hit), (hit.title, hit.snippet)


def test_a_hit_in_a_third_text_field_is_marked() -> None:
    """The snippet is always the body (or snippet_field) and the title the
    title: a document matching only in another text field is a hit with no
    mark, even when that field is the only one searched (fields=[...])."""
    fields = {"title": "text", "body": "text", "summary": "text"}
    docs = [
        {"id": "1", "title": "خبر", "body": "نص عادي هنا", "summary": "زار الرئيس تونس"},
        {"id": "2", "title": "الجزائر", "body": "الجزائر تستضيف القمة", "summary": "قمة"},
    ]
    ix = make(docs, fields)
    for kw in ({}, {"fields": ["summary"]}):
        (hit,) = ix.search("تونس", **kw)
        assert marked(hit), (kw, hit.title, hit.snippet)


def test_a_match_past_max_scan_chars_is_marked() -> None:
    """The whole body is indexed, but the highlighter (and explain) look at its
    first MAX_SCAN_CHARS (100,000) characters only."""
    body = "كلام " * 25_000 + "تونس"
    ix = make([{"id": "1", "title": "خبر", "body": body}, {"id": "2", "title": "x", "body": "شيء"}])
    (hit,) = ix.search("تونس")
    assert marked(hit)
    assert hit.explain()


def test_prefix_marks_do_not_depend_on_the_order_of_prefix_clauses() -> None:
    """from_plan merges the prefixes of all prefix clauses: عل (stripped from
    العل*) is recorded as "stripped", so the stop word على is not marked for
    the later clause عل*, which the engine matched it with."""
    ix = make([{"id": "1", "title": "خبر", "body": "جلس على الكرسي"}, {"id": "2", "title": "x", "body": "شيء"}])
    for query in ("عل* العل*", "العل* عل*"):
        (hit,) = ix.search(query)
        assert marked(hit), (query, hit.snippet)


def test_a_matched_word_longer_than_snippet_chars_stays_marked() -> None:
    """_cut cuts a matched word longer than max_chars, and _render then drops
    its mark (e > end): the hit's title and snippet are unmarked."""
    ix = make([{"id": "1", "title": "خبر", "body": "الاستراتيجيات"}, {"id": "2", "title": "x", "body": "شيء"}])
    (hit,) = ix.search("الاستراتيجيات", snippet_chars=5)
    assert marked(hit), (hit.title, hit.snippet)


def test_phrase_words_outside_the_phrase_do_not_hide_the_real_match() -> None:
    """from_plan adds a phrase's words to the marked terms wherever they are,
    matched as a phrase or not: a lone word of an unmatched phrase takes the
    snippet window, and the word that made the document a hit is not shown;
    explain() reports the lone word as a match."""
    body = "قرأ الطالب " + "كلام عادي جدا " * 40 + "وصلت رسالة اليوم"
    docs = [{"id": "x", "title": "خبر", "body": body}, *FILLER]
    ix = make(docs)
    (hit,) = ix.search('"قرأ الشعر" رسالة')
    assert "<mark>رسالة</mark>" in hit.snippet, hit.snippet
    assert {m.text for m in hit.explain()} == {"رسالة"}


# -- the query parser --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        '"الرئيس التونسي"^2~3',  # Lucene accepts ^boost then ~slop
        '"الرئيس التونسي"~1000',  # slop beyond 3 digits
        "تونس^10000",  # boost beyond 4 digits
        "تونس^2~1",
    ],
)
def test_a_suffix_never_becomes_a_search_word(query: str) -> None:
    """A ^/~ suffix _SUFFIX does not accept is read as a word: its digits are
    searched ("2", "1000"), so documents holding that number become hits."""
    docs = [
        {"id": "1", "title": "تونس", "body": "زار الرئيس التونسي العاصمة"},
        {"id": "digits", "title": "أرقام", "body": "سجلت 2 إصابة و 1000 حالة و 10000 اختبار"},
    ]
    ix = make(docs)
    assert "digits" not in ids(ix, query)


@pytest.mark.parametrize("query", ["تونس -foo:(الجزائر)", 'تونس -foo:"الجزائر تستضيف"', "تونس NOT foo:(الجزائر OR القمة)"])
def test_an_unknown_field_does_not_turn_an_exclusion_into_an_inclusion(query: str) -> None:
    """For an unknown field followed by a group or phrase, the -/NOT applies to
    the field name only and the group/phrase is parsed as a plain "should"
    clause: the words meant to be excluded now bring hits in."""
    docs = [
        {"id": "1", "title": "تونس", "body": "زار الرئيس التونسي العاصمة"},
        {"id": "2", "title": "الجزائر", "body": "الجزائر تستضيف القمة"},
    ]
    ix = make(docs)
    assert "2" not in ids(ix, query)


# -- suggestions and memory ---------------------------------------------------------------


def test_the_suggestion_covers_only_the_query_that_was_searched() -> None:
    """search() cuts the query at MAX_QUERY_CHARS, Index.suggest does not: the
    suggestion corrects words that were never searched (and its cost grows
    with the length of the input, about 1 ms a word, under the index lock)."""
    ix = make([{"id": "1", "title": "تونس", "body": "زار الرئيس تونس العاصمة"}, {"id": "2", "title": "x", "body": "شيء"}])
    query = "تونس " * (MAX_QUERY_CHARS // 5 + 10) + "تونسس"
    results = ix.search(query)
    assert results.suggestion is None


def test_the_speller_does_not_keep_an_old_engine_alive() -> None:
    """Index._speller holds (engine, Speller) and the speller's df closure the
    engine: after a commit the previous engine (its posting cache, up to
    ~64 MB, and its reader) stays alive until suggest() is called again."""
    ix = make([{"id": "1", "title": "تونس", "body": "زار الرئيس تونس العاصمة"}])
    ix.search("تونسس").suggestion
    old = weakref.ref(ix._reader())
    with ix:
        ix.add({"id": "2", "title": "الجزائر", "body": "الجزائر"})
    ix.search("تونس")  # a new engine for the new generation
    gc.collect()
    assert old() is None
