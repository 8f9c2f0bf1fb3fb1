"""Tests for arsearch.suggest: the Speller (with a dict-based df) and Index.suggest."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arsearch.suggest as suggest_module
from arsearch import Analyzer, Index, QueryError, Ranking
from arsearch.suggest import (
    COSTS,
    KEYBOARD_NEIGHBOURS,
    KEYBOARD_ROWS,
    Costs,
    Speller,
    _plain_words,
    edit_cost,
)

ANALYZER = Analyzer()

#: The documents of the in-memory index.
DOCS: list[dict[str, str]] = [
    {"id": "1", "title": "تونس العاصمة", "body": "زار الرئيس تونس العاصمة واجتمع مع الحكومة في المدرسة"},
    {"id": "2", "title": "عبد الله", "body": "قال عبد الله إن المدرسة الجديدة مفتوحة"},
    {"id": "3", "title": "كورونا", "body": "انتشر فيروس كورونا في تونس"},
    {"id": "4", "title": "الحكومة", "body": "أعلنت الحكومة عن خطة جديدة للمدارس"},
    {"id": "5", "title": "سؤال", "body": "ما هو الحل للأزمة"},
    {"id": "6", "title": "مستشفى", "body": "افتتح مستشفى جديد في القرية"},
]
VOCABULARY: list[str] = sorted({w for d in DOCS for w in (d["title"] + " " + d["body"]).split()})


@pytest.fixture(scope="module")
def ix() -> Iterator[Index]:
    index = Index.memory(ranking=Ranking())
    with index:
        for d in DOCS:
            index.add(d)
    yield index
    index.close()


def dict_speller(vocab: dict[str, int], documents: int = 1000, **kwargs: object) -> Speller:
    """A Speller over ``vocab`` (surface word -> document frequency of its term)."""
    terms: dict[str, int] = {}
    for word, df in vocab.items():
        e = ANALYZER.entry(word)
        assert e is not None
        terms[e[0]] = max(terms.get(e[0], 0), df)
    return Speller(ANALYZER, lambda term: terms.get(term, 0), documents=documents, **kwargs)  # type: ignore[arg-type]


# -- Index.suggest: golden cases ------------------------------------------------------------

@pytest.mark.parametrize(
    "description, query, expected",
    [
        ("doubled letter", "تونسس", "تونس"),
        ("confusable letter ص for س", "المدرصة", "المدرسة"),
        ("neighbouring key ش for س", "مدرشة", "مدرسة"),
        ("swapped letters", "الحكموة", "الحكومة"),
        ("dropped letter", "مستشفي جدد", "مستشفي جديد"),
        ("missing space", "عبدالله", "عبد الله"),
        ("stray space", "كورو نا", "كورونا"),
        ("typo among good words", "الرئيس زار تونسس", "الرئيس زار تونس"),
        ("diacritics dropped in the corrected word only", "الحُكومة تُونِسس", "الحُكومة تونس"),
        ("hamza form kept", "أعلنتت", "أعلنت"),
        ("Latin untouched", "tounss تونسس", "tounss تونس"),
        (
            "operators untouched",
            '+تونسس -"المدرصة" title:مدرشة مدر* (الحكموة)^2 تونسس~2 AND NOT tunis && !تونسس',
            '+تونس -"المدرسة" title:مدرسة مدر* (الحكومة)^2 تونس~2 AND NOT tunis && !تونس',
        ),
    ],
)
def test_index_suggest_golden(ix: Index, description: str, query: str, expected: str) -> None:
    assert ix.suggest(query) == expected, description


@pytest.mark.parametrize(
    "query",
    [
        "تونس العاصمة",
        "الحكومة",
        "ما هو",  # stop words
        '"عبد الله" -كورونا',
        "tounss",  # Latin is never corrected
        "تونسس*",  # a prefix is not a word
        "تونسس2",  # glued to a digit
        "زززززز",  # nothing close
        "",
    ],
)
def test_index_suggest_none(ix: Index, query: str) -> None:
    assert ix.suggest(query) is None


def test_index_suggest_rejects_non_str(ix: Index) -> None:
    with pytest.raises(QueryError):
        ix.suggest(None)  # type: ignore[arg-type]


def test_index_suggest_sees_new_commits() -> None:
    index = Index.memory(ranking=Ranking())
    with index:
        index.add({"id": "1", "title": "تونس", "body": "تونس"})
    assert index.suggest("بنزرتت") is None  # nothing close yet
    with index:
        index.add({"id": "2", "title": "بنزرت", "body": "مدينة بنزرت"})
    assert index.suggest("بنزرتت") == "بنزرت"
    index.close()


@settings(max_examples=60, deadline=None)
@given(words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4))
def test_index_vocabulary_queries_are_left_alone(ix: Index, words: list[str]) -> None:
    assert ix.suggest(" ".join(words)) is None


# -- Speller: one rule per test --------------------------------------------------------------

VOCAB = {"تونس": 300, "مدرسة": 120, "الحكومة": 400, "عبد": 200, "الله": 500, "كورونا": 150, "ترامب": 90}


def test_unknown_word_gets_closest_known_word() -> None:
    assert dict_speller(VOCAB).suggest("ترانب") == "ترامب"  # ن for م: neighbouring keys


def test_known_words_are_left_alone() -> None:
    assert dict_speller(VOCAB).suggest("تونس الحكومة مدرسة") is None


def test_stop_words_are_never_offered() -> None:
    speller = dict_speller({"في": 900, "تونس": 300})
    assert speller.correct("فيي") is None  # في is one letter away, but a stop word
    assert speller.suggest("فيي تونس") is None


def test_stop_words_are_never_corrected() -> None:
    calls: list[str] = []
    speller = Speller(ANALYZER, lambda t: calls.append(t) or 0, documents=100)  # type: ignore[func-returns-value]
    assert speller.suggest("من هو") is None
    assert len(calls) <= 3  # the two words and their join, no candidate search


def test_split_into_stop_word_and_word() -> None:
    assert dict_speller({"في": 900, "تونس": 300}).suggest("فيتونس") == "في تونس"


def test_clitic_on_known_word_is_not_a_typo() -> None:
    speller = dict_speller({"تونس": 300, "تونسي": 20})
    assert speller.suggest("بتونس") is None  # ب + تونس
    assert speller.suggest("وبتونس") is None  # و ب + تونس


def test_rare_word_next_to_frequent_one_is_corrected() -> None:
    # الحكموة's term is in one document (a real typo in the index); الحكومة's in 400
    vocab = {"الحكومة": 400, "الحكموة": 1}
    assert dict_speller(vocab, documents=20_000).suggest("الحكموة") == "الحكومة"
    # ... but not above rare_df, nor when the other word is not much more frequent
    assert dict_speller(vocab, documents=20_000, rare_df=0).suggest("الحكموة") is None
    assert dict_speller({"الحكومة": 4, "الحكموة": 1}, documents=20_000).suggest("الحكموة") is None


def test_final_teh_for_teh_marbuta() -> None:
    # الخدمت's term (خدمت) is known from خدمته, in 40 documents; الخدمة's (خدم) is in 2,000
    speller = dict_speller({"خدمته": 40, "الخدمة": 2000}, documents=20_000, rare_df=0)
    assert speller.suggest("الخدمت") == "الخدمة"
    # a verb ending in ت is not a misspelled noun: قامت is as common as قامة
    assert dict_speller({"قامت": 2000, "قامة": 2000}, documents=20_000).suggest("قامت") is None


def test_tie_break_prefers_frequent_then_code_point_order() -> None:
    # مكب: a dropped ت (مكتب) or a dropped ر (مركب), both at the same cost
    assert dict_speller({"مكتب": 80, "مركب": 50}).suggest("مكب") == "مكتب"  # higher df
    assert dict_speller({"مكتب": 50, "مركب": 80}).suggest("مكب") == "مركب"
    assert dict_speller({"مكتب": 80, "مركب": 80}).suggest("مكب") == "مركب"  # same df: ر before ك


def test_cheaper_edit_beats_more_frequent_word_within_reason() -> None:
    # مدرصة: ص→س (confusable, 0.5) gives مدرسة; ص→ض (keyboard, 0.7) gives مدرضة, 3x more frequent
    speller = dict_speller({"مدرسة": 100, "مدرضة": 300})
    assert speller.correct("مدرصة").text == "مدرسة"  # type: ignore[union-attr]


def test_max_cost_limits_candidates() -> None:
    assert dict_speller(VOCAB, max_cost=0.3).suggest("ترانب") is None


def test_df_is_cached_and_lookups_are_bounded() -> None:
    calls: list[str] = []

    def df(term: str) -> int:
        calls.append(term)
        return 0

    speller = Speller(ANALYZER, df, documents=1000, max_lookups=20)
    assert speller.suggest("مستشفيات") is None
    first = len(calls)
    assert len(calls) == len(set(calls)) == speller.lookups
    # the word, its clitic readings and splits, and at most max_lookups candidates
    assert first <= 20 + 2 * len("مستشفيات") + 12
    assert speller.suggest("مستشفيات") is None
    assert len(calls) == first  # nothing looked up twice


def test_full_search_finds_rare_dropped_letter() -> None:
    # ظ is near the end of INSERT_ORDER: the lookup budget runs out before it
    vocab = {"محظوظ": 40}
    assert dict_speller(vocab, max_lookups=10_000).suggest("محوظ") == "محظوظ"
    assert dict_speller(vocab).suggest("محوظ") is None
    # a common letter comes early enough
    assert dict_speller({"محلول": 40}).suggest("محلو") == "محلول"


def test_confusable_pairs_come_after_dropped_letters() -> None:
    # two confusable letters at once are tried only with the budget the
    # likelier errors leave: every dropped-letter candidate is looked up first
    calls: list[str] = []
    speller = Speller(ANALYZER, lambda t: calls.append(t) or 0, documents=1000, max_lookups=10_000)  # type: ignore[func-returns-value]
    word = "مدصة"
    assert speller.correct(word) is None
    term = lambda w: ANALYZER.entry(w)[0]  # type: ignore[index]  # noqa: E731
    others = {term(c) for tier in (suggest_module._cheap_edits, suggest_module._key_edits, suggest_module._insertions)
              for _, c in tier(word, COSTS)}
    pairs = {term(c) for _, c in suggest_module._confusable_pairs(word, COSTS)} - others
    inserted = {term(c) for _, c in suggest_module._insertions(word, COSTS)}
    assert pairs & set(calls)
    assert max(calls.index(t) for t in inserted if t in calls) < min(calls.index(t) for t in pairs if t in calls)


def test_confusable_pair_found_with_budget_to_spare() -> None:
    assert dict_speller({"الضريبة": 40}, max_lookups=10_000).suggest("الظريبت") == "الضريبة"  # ظ for ض, ت for ة


def test_good_cheap_candidate_skips_dropped_letters() -> None:
    # تونسس → تونس (a doubled letter, df 300 of 1000) scores 3 × 0.4 + 0.52:
    # a dropped letter (3 × 0.6 + rarity) would need a word in over 3% of the
    # documents to beat it, so with floor_rarity 1.5 none is looked up
    def lookups(floor: float | None) -> list[str]:
        calls: list[str] = []
        terms = {"تونس": 300}
        speller = Speller(ANALYZER, lambda t: calls.append(t) or terms.get(t, 0), documents=1000, floor_rarity=floor)  # type: ignore[func-returns-value]
        assert speller.suggest("تونسس") == "تونس"
        return calls

    assert not _inserted_only("تونسس") & set(lookups(1.5))
    assert _inserted_only("تونسس") & set(lookups(None))
    # a poor candidate (مدرصة → مدرسة at df 1) does not stop the search
    calls: list[str] = []
    speller = Speller(ANALYZER, lambda t: calls.append(t) or (1 if t == "مدرس" else 0), documents=1000)  # type: ignore[func-returns-value]
    assert speller.suggest("مدرصة") == "مدرسة"
    assert _inserted_only("مدرصة") & set(calls)


def _inserted_only(word: str) -> set[str]:
    """The terms only a dropped letter put back into ``word`` gives."""
    term = lambda w: ANALYZER.entry(w)[0]  # type: ignore[index]  # noqa: E731
    others = {term(c) for tier in (suggest_module._cheap_edits, suggest_module._key_edits) for _, c in tier(word, COSTS)}
    return {term(c) for _, c in suggest_module._insertions(word, COSTS)} - others - {word}


def test_custom_costs() -> None:
    cheap_drop = Costs(dropped=0.1)
    assert edit_cost("مدسة", "مدرسة", cheap_drop) == 0.1
    assert dict_speller({"مدرسة": 10}, costs=cheap_drop).correct("مدسة").cost == 0.1  # type: ignore[union-attr]


# -- Speller over surface forms --------------------------------------------------------------

#: Written words (normalized) -> documents; the stems of the typos below are known.
SURFACE_VOCAB = {"الدوليه": 300, "جويه": 80, "للاعلان": 40, "بينهم": 200, "تونس": 300, "الحكومه": 400, "القوات": 90}


def surface_speller(**kwargs: object) -> Speller:
    return Speller.over_surface_forms(ANALYZER, lambda w: SURFACE_VOCAB.get(w, 0), documents=1000, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "typo, expected",
    [
        ("الدوية", "الدولية"),  # dropped ل: stem دو, another word's
        ("كوية", "جوية"),  # ك for ج: stem كو
        ("للعلان", "للاعلان"),  # dropped ا: stem عل
        ("بيينهم", "بينهم"),  # doubled ي: stem بي
        ("الغوات", "القوات"),  # غ for ق: stem غو
        ("تونسس", "تونس"),
    ],
)
def test_surface_forms_correct_typos_with_known_stems(typo: str, expected: str) -> None:
    stem_terms: dict[str, int] = {}
    for word, df in SURFACE_VOCAB.items():
        stem_terms[ANALYZER.entry(word)[0]] = df  # type: ignore[index]
    stem_terms[ANALYZER.entry(typo)[0]] = 50  # type: ignore[index]  # the typo's stem is some other word's
    over_stems = Speller(ANALYZER, lambda t: stem_terms.get(t, 0), documents=1000)
    assert over_stems.suggest(typo) is None  # spelled fine, as far as stems tell
    assert surface_speller().suggest(typo) == expected


def test_surface_forms_keep_clitics_and_known_words() -> None:
    speller = surface_speller()
    assert speller.suggest("بتونس والحكومة") is None  # ب + تونس, و + الحكومة: new inflections, not typos
    assert speller.suggest("الحكومة القوات") is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(sorted(SURFACE_VOCAB)), min_size=1, max_size=4))
def test_surface_vocabulary_queries_are_left_alone(words: list[str]) -> None:
    assert surface_speller().suggest(" ".join(words)) is None


# -- edit_cost ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "typed, intended, expected",
    [
        ("تونس", "تونس", 0.0),
        ("تونسس", "تونس", COSTS.doubled),
        ("مدرصة", "مدرسة", COSTS.confusable),
        ("الظرف", "الضرف", COSTS.confusable),
        ("مسوول", "مسؤول", COSTS.confusable),
        ("مدرشة", "مدرسة", COSTS.keyboard),
        ("مدسرة", "مدرسة", COSTS.swapped),
        ("مدسة", "مدرسة", COSTS.dropped),
        ("مدرزسة", "مدرسة", COSTS.extra),
        ("مدرسة", "مدرسه", COSTS.folded),
        ("مدرخة", "مدرسة", COSTS.substitute),
        ("مدصشة", "مدرسة", COSTS.substitute + COSTS.keyboard),
    ],
)
def test_edit_cost(typed: str, intended: str, expected: float) -> None:
    assert edit_cost(typed, intended) == pytest.approx(expected)


def test_keyboard_layout() -> None:
    assert [len(r) for r in KEYBOARD_ROWS] == [12, 11, 10]
    assert set(KEYBOARD_NEIGHBOURS["س"]) == set("شيصثئء")
    assert set(KEYBOARD_NEIGHBOURS["ض"]) == set("صش")
    assert "ا" in KEYBOARD_NEIGHBOURS["ل"] and "ل" in KEYBOARD_NEIGHBOURS["ا"]
    assert KEYBOARD_NEIGHBOURS["أ"] == KEYBOARD_NEIGHBOURS["ا"]  # Shift+H


@pytest.mark.parametrize(
    "query, words",
    [
        ('عنوان:تونس "مدرسة" مكت* abcمدرسة كتاب^2', ["تونس", "مدرسة", "كتاب"]),
        ("(تونس OR مصر) -ليبيا +الجزائر", ["تونس", "مصر", "ليبيا", "الجزائر"]),
        ("المَكْتَبَةُ مـــدرسة", ["المَكْتَبَةُ", "مـــدرسة"]),
        ("كوفيد19 covid ١٢", []),
    ],
)
def test_plain_words(query: str, words: list[str]) -> None:
    assert [query[s:e] for s, e in _plain_words(query)] == words


# -- properties --------------------------------------------------------------------------------

PROPERTY_VOCAB = {w: 50 for w in ["تونس", "مدرسة", "الحكومة", "عبد", "الله", "كورونا", "وزير", "الخارجية", "ما", "هو", "مستشفى"]}
_PROPERTY_SPELLER = dict_speller(PROPERTY_VOCAB, documents=100)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(PROPERTY_VOCAB)), min_size=1, max_size=5),
    st.sampled_from([" ", "  ", " + ", ' "', " -"]),
)
def test_vocabulary_queries_are_left_alone(words: list[str], sep: str) -> None:
    assert _PROPERTY_SPELLER.suggest(sep.join(words)) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("تونس مدرسة+-\"*:()^~2abc")), max_size=30))
def test_suggest_only_changes_arabic_words(query: str) -> None:
    got = _PROPERTY_SPELLER.suggest(query)
    if got is not None:
        strip = lambda s: "".join(c for c in s if c not in suggest_module.WORD_LETTERS and not c.isspace())  # noqa: E731
        assert strip(got) == strip(query)  # operators, Latin and digits kept, in order


def test_module_does_not_import_whoosh() -> None:
    tree = ast.parse(Path(suggest_module.__file__).read_text(encoding="utf-8"))
    imported = [
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert not [m for m in imported if "whoosh" in m]
