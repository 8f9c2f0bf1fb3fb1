"""The match policy and the one plan behind search and highlighting.

A document is a hit only if it holds a query word's light stem, its root
(for a word the index knows) or a close spelling of it found in the index;
character n-grams only add score. Every hit shows why: its title or snippet
marks what matched, close spellings and roots with a "near" mark.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from arsearch import Analyzer, Index
from arsearch.variants import spelling_variants

NEWS = [
    {"id": "verona", "title": "فيرونا", "body": "فاز نادي فيرونا على ضيفه في الدوري الإيطالي"},
    {"id": "trump1", "title": "ترامب في البيت الأبيض", "body": "قال الرئيس ترامب إن الاقتصاد الأمريكي قوي"},
    {"id": "trump2", "title": "تصريحات", "body": "انتقد ترمب وسائل الإعلام في خطاب طويل"},
    {"id": "google1", "title": "شركة جوجل", "body": "أعلنت جوجل عن هاتف جديد"},
    {"id": "google2", "title": "غوغل", "body": "تطبيقات غوغل الجديدة متاحة الآن"},
    {"id": "tunis", "title": "تونس", "body": "زار الرئيس التونسي العاصمة تونس أمس"},
    {"id": "both", "title": "تونس والجزائر", "body": "اتفاق بين تونس والجزائر على الحدود"},
    {"id": "algeria", "title": "الجزائر", "body": "الجزائر تستضيف القمة العربية"},
    {"id": "oil", "title": "أسعار النفط والغاز", "body": "ارتفعت الأسعار في الأسواق"},
    {"id": "oil-body", "title": "الأسواق", "body": "ارتفعت أسعار النفط والغاز في الأسواق"},
    {"id": "ocd", "title": "", "body": "يصيب الاضطراب الوسواسي حوالي 2% من الناس"},
    {"id": "schools", "title": "التعليم", "body": "افتتحت الوزارة المدارس الجديدة في المدينة"},
]


@pytest.fixture(scope="module")
def ix() -> Iterator[Index]:
    index = Index.memory()
    with index:
        for d in NEWS:
            index.add(d)
    yield index
    index.close()


def ids(index: Index, query: str) -> set[str]:
    return {h.id for h in index.search(query, limit=100)}


# -- no phantom hits ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["كورونا", "ميتافيرس", "football", "COVIDX", "زقطفغ"])
def test_a_word_absent_from_the_index_finds_nothing(ix: Index, query: str) -> None:
    """كورونا shares the 4-grams #ورونا… with فيرونا: n-grams alone never make a hit."""
    results = ix.search(query)
    assert results.total == 0
    assert list(results) == []


def test_total_counts_hits_only(ix: Index) -> None:
    results = ix.search("تونس", limit=1)
    assert len(results) == 1
    assert results.total == 2  # tunis and both; الجزائر's documents share no word with it


def test_an_unknown_word_next_to_a_known_one_adds_no_hits(ix: Index) -> None:
    assert ids(ix, "الجزائر كورونا") == ids(ix, "الجزائر")


# -- close spellings ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("ترامب", {"trump1", "trump2"}),
        ("ترمب", {"trump1", "trump2"}),
        ("جوجل", {"google1", "google2"}),  # one convention (ج for g) applied throughout the word
        ("غوغل", {"google1", "google2"}),
        ("الاظطراب", {"ocd"}),  # a confusable letter: ظ for ض
    ],
)
def test_a_spelling_variant_finds_the_other_spelling(ix: Index, query: str, expected: set[str]) -> None:
    assert ids(ix, query) == expected


def test_the_word_itself_ranks_above_its_close_spelling(ix: Index) -> None:
    assert [h.id for h in ix.search("ترامب")] == ["trump1", "trump2"]
    assert [h.id for h in ix.search("ترمب")] == ["trump2", "trump1"]


def test_close_spellings_can_be_turned_off() -> None:
    import dataclasses

    from arsearch import DEFAULT_RANKING

    no_near = Index.memory(ranking=dataclasses.replace(DEFAULT_RANKING, near_weight=0.0))
    light_only = Index.memory(ranking=dataclasses.replace(DEFAULT_RANKING, near_weight=0.0, root_match=False))
    for index in (no_near, light_only):
        with index:
            for d in NEWS:
                index.add(d)
    assert ids(no_near, "ترامب") == {"trump1", "trump2"}  # the ISRI root رمب of both spellings
    assert ids(no_near, "جوجل") == {"google1"}
    assert ids(light_only, "ترامب") == {"trump1"}


def test_close_spellings_need_four_letters() -> None:
    assert spelling_variants("مصر") == set()
    assert "كتب" not in spelling_variants("كتاب")


# -- every hit shows why --------------------------------------------------------------


def test_near_matches_get_a_distinct_mark(ix: Index) -> None:
    (exact, near) = ix.search("ترامب")
    assert "<mark>ترامب</mark>" in exact.snippet
    assert near.snippet == 'انتقد <mark class="near">ترمب</mark> وسائل الإعلام في خطاب طويل'
    (near_text,) = [h for h in ix.search("ترامب", snippet_format="text") if h.id == "trump2"]
    assert "{ترمب}" in near_text.snippet


def test_titles_are_highlighted(ix: Index) -> None:
    (hit,) = [h for h in ix.search("النفط") if h.id == "oil"]
    assert hit.title == "أسعار <mark>النفط</mark> والغاز"
    assert "<mark>" not in hit.snippet  # the body does not hold the word: the title shows why


def test_explain_says_how_each_word_matched(ix: Index) -> None:
    hits = {h.id: h for h in ix.search("تونس ترامب المدرسة")}
    tunis = {(m.word, m.how, m.field, m.text) for m in hits["tunis"].explain()}
    assert ("تونس", "form", "title", "تونس") in tunis
    assert ("تونس", "stem", "body", "التونسي") in tunis
    assert {(m.how, m.text) for m in hits["trump2"].explain()} == {("near", "ترمب")}
    assert ("near", "المدارس") in {(m.how, m.text) for m in hits["schools"].explain()}


def test_root_matches_are_marked_near() -> None:
    index = Index.memory()
    with index:
        index.add({"id": "library", "title": "", "body": "افتتحت المكتبات العامة"})
        index.add({"id": "writer", "title": "", "body": "كتب الروائي"})
        for i in range(10):  # the root كتب in at most 20% of the documents (root_max_df)
            index.add({"id": f"filler{i}", "title": "", "body": f"نص آخر رقم {i}"})
    hits = {h.id: h for h in index.search("كتب")}
    assert hits["writer"].snippet == "<mark>كتب</mark> الروائي"
    assert hits["library"].snippet == 'افتتحت <mark class="near">المكتبات</mark> العامة'
    assert [(m.how, m.text) for m in hits["library"].explain()] == [("root", "المكتبات")]


def test_prefix_with_article_marks_what_it_found(ix: Index) -> None:
    (hit,) = ix.search("المدار*")  # also looks for مدار*: the light stem of المدارس
    assert hit.id == "schools"
    assert "<mark>المدارس</mark>" in hit.snippet


# -- Lucene query_string operators ---------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("تونس AND الجزائر", {"both"}),
        ("تونس && الجزائر", {"both"}),
        ("تونس OR الجزائر", {"tunis", "both", "algeria"}),
        ("تونس || الجزائر", {"tunis", "both", "algeria"}),
        ("تونس NOT الجزائر", {"tunis"}),
        ("تونس !الجزائر", {"tunis"}),
        ("تونس -الجزائر", {"tunis"}),
        ("NOT الجزائر", set()),  # only an exclusion: nothing to rank
        ("(تونس OR الجزائر) AND اتفاق", {"both"}),
        ("الجزائر AND NOT (تونس OR القمة)", set()),
        ("الجزائر AND NOT تونس", {"algeria"}),
        ("title:(النفط الغاز)", {"oil"}),
        ("body:(النفط الغاز)", {"oil-body"}),
        ('"الرئيس ترامب"', {"trump1"}),
        ('"الرئيس الاقتصاد"~2', {"trump1"}),  # ترامب and إن between them (stop words hold positions)
        ('"الرئيس الاقتصاد"~1', set()),
        ('"الرئيس الاقتصاد"', set()),
        ('"زار التونسي العاصمة"~1', {"tunis"}),
        ('"زار العاصمة تونس"~2', {"tunis"}),
        ('"زار العاصمة تونس"~1', set()),
        ("and الجزائر", {"algeria", "both"}),  # lower-case "and" is a word (a stop word here)
    ],
)
def test_lucene_operators(ix: Index, query: str, expected: set[str]) -> None:
    assert ids(ix, query) == expected


def test_boost_changes_the_order_and_is_not_a_word(ix: Index) -> None:
    plain = [h.id for h in ix.search("جوجل تطبيقات")]
    boosted = ix.search("جوجل^5 تطبيقات")
    assert plain[0] == "google2"  # both words (one by its close spelling غوغل)
    assert boosted[0].id == "google1"
    assert "5" not in re.findall(r"<mark[^>]*>([^<]*)</mark>", boosted[0].snippet + boosted[0].title)


def test_unclosed_quote_and_parenthesis_degrade_to_words(ix: Index) -> None:
    assert ids(ix, '"الرئيس الاقتصاد') == ids(ix, "الرئيس الاقتصاد")
    assert ids(ix, "(تونس الجزائر") == ids(ix, "تونس الجزائر")


def test_unknown_field_is_a_warning(ix: Index) -> None:
    results = ix.search("foo:تونس")
    assert results.warnings == ("unknown field 'foo': searched foo:تونس as words",)
    assert {h.id for h in results} == {"tunis", "both"}
    assert ix.search("title:تونس").warnings == ()


# -- properties ------------------------------------------------------------------------------

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
_ANALYZER = Analyzer()
_ROOTS = _ANALYZER.with_stemmer("isri")
_VOCABULARY = {t.text for d in NEWS for f in ("title", "body") for t in _ANALYZER.analyze(d[f], keep_stopwords=True)}


def _near_anything(word: str) -> bool:
    """Whether ``word``, or a close spelling of it, is a term of the corpus."""
    norm = _ANALYZER.normalize(word)
    entry = _ANALYZER.entry(word)
    candidates = {entry[0]} if entry else set()
    candidates |= {e[0] for v in spelling_variants(norm) if (e := _ANALYZER.entry(v))}
    return bool(candidates & _VOCABULARY)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=LETTERS, min_size=3, max_size=9))
def test_a_random_string_that_occurs_nowhere_finds_nothing(ix: Index, word: str) -> None:
    assume(not _near_anything(word))
    assert ix.search(word).total == 0


WORDS = sorted({w for d in NEWS for f in ("title", "body") for w in re.findall(r"\w+", d[f])})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(alphabet=LETTERS, min_size=2, max_size=7)), min_size=1, max_size=4),
    st.sampled_from(["", "*", "^2"]),
)
def test_every_hit_of_a_random_query_has_a_mark(ix: Index, words: list[str], suffix: str) -> None:
    query = " ".join(words) + suffix
    results = ix.search(query, limit=100)
    assert results.total == len(results.hits)
    for hit in results:
        assert "<mark" in hit.title + hit.snippet, (query, hit.id, hit.title, hit.snippet)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_every_hit_holds_a_query_word_stem_root_or_close_spelling(ix: Index, words: list[str]) -> None:
    query = " ".join(words)
    wanted = {e[0] for w in words if (e := _ANALYZER.entry(w)) and not e[1]}
    assume(wanted)
    for hit in ix.search(query, limit=100):
        assert hit.explain(), (query, hit.id)
        assert {m.word for m in hit.explain()} <= set(words)


def test_search_results_with_a_disk_index(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "ix")
    with index:
        for d in NEWS:
            index.add(d)
    reopened = Index.open(tmp_path / "ix")
    assert ids(reopened, "ترامب") == {"trump1", "trump2"}
    assert reopened.search("كورونا").total == 0


def test_a_required_word_matches_by_its_own_term_only(ix: Index) -> None:
    """+ترامب: the close spelling ترمب neither makes a hit nor is marked."""
    (hit,) = ix.search("+ترامب")
    assert hit.id == "trump1"
    assert ids(ix, "ترمب +ترامب") == {"trump1"}
    hits = ix.search("الإعلام +ترمب")
    assert [h.id for h in hits] == ["trump2"]
    assert "near" not in hits[0].snippet


def test_results_carry_a_did_you_mean_suggestion(ix: Index) -> None:
    results = ix.search("تونسس")
    assert results.total == 0
    assert results.suggestion == "تونس"
    assert ix.search("تونس").suggestion is None


def test_a_group_boost_boosts_prefixes_too(ix: Index) -> None:
    plain = {h.id: h.score for h in ix.search("(النفط* الاضطر*)")}
    boosted = {h.id: h.score for h in ix.search("(النفط* الاضطر*)^3")}
    assert plain and plain.keys() == boosted.keys()
    assert all(boosted[k] == pytest.approx(3 * plain[k]) for k in plain)
