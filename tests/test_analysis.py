"""Golden and property tests for arsearch.analysis (Lucene assertAnalyzesTo style)."""

from __future__ import annotations

import importlib.util
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch.analysis import DEFAULT_ANALYZER, Analyzer, analyze
from arsearch.chars import make_translation_table, normalize
from arsearch.stem import STEMMERS, get_stemmer

# "isri" needs the optional nltk extra; test it only where nltk is installed.
AVAILABLE_STEMMERS = tuple(n for n in STEMMERS if n != "isri" or importlib.util.find_spec("nltk"))

ZWNJ = "\N{ZERO WIDTH NON-JOINER}"


def terms(text: str, **options: object) -> list[str]:
    return [t.text for t in analyze(text, **options)]  # type: ignore[arg-type]


ANALYZES_TO = [
    ("diacritized", "الْمَكْتَبَةُ", ["مكتب"]),
    ("plain", "المكتبة", ["مكتب"]),
    ("hamza forms", "أحمد إبراهيم آمال", ["احمد", "ابراهيم", "امال"]),
    ("bare alef", "احمد ابراهيم امال", ["احمد", "ابراهيم", "امال"]),
    ("alef maksura", "مستشفى", ["مستشف"]),
    ("yeh for alef maksura", "مستشفي", ["مستشف"]),
    ("teh marbuta", "مدرسة", ["مدرس"]),
    ("heh for teh marbuta", "مدرسه", ["مدرس"]),
    ("tatweel", "مـــدرسة", ["مدرس"]),
    ("lam-alef ligature inside a word", "ﺍﻟﻼﻋﺐ", ["لاعب"]),
    ("lam-alef with hamza", "ﻷن", ["لان"]),
    ("persian letters", "کتاب فارسی", ["كتاب", "فارس"]),
    ("arabic spelling of the same", "كتاب فارسي", ["كتاب", "فارس"]),
    ("arabic-indic digits", "١٢٣", ["123"]),
    ("eastern digits", "۱۲۳", ["123"]),
    ("arabic decimal", "٣٫٥", ["3.5"]),
    ("zwnj inside a word", f"مدر{ZWNJ}سة", ["مدرس"]),
    ("mixed arabic and english", "Python و العربية 3.11", ["python", "عرب", "3.11"]),
    ("empty string", "", []),
    ("punctuation only", "،؛؟«» !?.-", []),
    ("two-letter word is not stemmed", "يد", ["يد"]),
    ("stop words dropped", "ذهب الطالب إلى المدرسة", ["ذهب", "طالب", "مدرس"]),
    ("only stop words", "هو في على", []),
]


@pytest.mark.parametrize("description, text, expected", ANALYZES_TO)
def test_analyzes_to(description: str, text: str, expected: list[str]) -> None:
    assert terms(text) == expected


OFFSETS = [
    ("marks keep their span", "قال: الطّالِبُ، 3.5", [("قال", 0, 3), ("طالب", 5, 14), ("3.5", 16, 19)]),
    ("stop word dropped, offsets kept", "وَالْمَكْتَبَاتُ في القاهرة", [("مكتب", 0, 16), ("قاهر", 20, 27)]),
    ("tatweel", "مـــدرسة", [("مدرس", 0, 8)]),
    ("zwnj", f"مدر{ZWNJ}سة جديدة", [("مدرس", 0, 6), ("جديد", 7, 12)]),
]


@pytest.mark.parametrize("description, text, expected", OFFSETS)
def test_analyzes_to_with_offsets(description: str, text: str, expected: list[tuple[str, int, int]]) -> None:
    tokens = analyze(text)
    assert [(t.text, t.start, t.end) for t in tokens] == expected
    assert [t.position for t in tokens] == list(range(len(tokens)))


def test_keep_stopwords() -> None:
    tokens = analyze("ذهب الطالب إلى المدرسة", keep_stopwords=True)
    assert [(t.text, t.position) for t in tokens] == [("ذهب", 0), ("طالب", 1), ("الي", 2), ("مدرس", 3)]


COLLISIONS = [
    ("الله would stem to the stop word له", "الله", "الله"),
    ("عنده would stem to the stop word عند", "عنده", "عنده"),
    ("بعضهم would stem to the stop word بعض", "بعضهم", "بعضهم"),
    ("a stop word is never stemmed", "فيها", "فيها"),
    ("no collision: stemmed as usual", "كتابه", "كتاب"),
]


@pytest.mark.parametrize("description, word, expected", COLLISIONS)
def test_stem_never_collides_with_a_stop_word(description: str, word: str, expected: str) -> None:
    assert terms(word, keep_stopwords=True) == [expected]


OPTIONS = [
    ("light (default)", {}, "كتابهم المكتبات", ["كتاب", "مكتب"]),
    ("light10", {"stemmer": "light10"}, "كتابهم المكتبات", ["كتابهم", "مكتب"]),
    ("no stemming", {"stemmer": "none"}, "كتابهم المكتبات", ["كتابهم", "المكتبات"]),
    ("no stop words", {"stopwords": "none"}, "في المكتبة", ["في", "مكتب"]),
    ("custom stop words", {"stopwords": ["المكتبة"]}, "في المكتبة", ["في"]),
    ("hamza seats kept", {}, "سؤال سوال", ["سؤال", "سوال"]),
    ("hamza seats folded", {"fold_hamza_seats": True}, "سؤال سوال رئيس", ["سوال", "سوال", "رييس"]),
]


@pytest.mark.parametrize("description, options, text, expected", OPTIONS)
def test_analyzer_options(description: str, options: dict[str, object], text: str, expected: list[str]) -> None:
    analyzer = Analyzer(**options)  # type: ignore[arg-type]
    assert analyzer.terms(text) == expected
    assert [t.text for t in analyzer.analyze(text)] == expected


def test_tashaphyne_stemmer_option() -> None:
    assert Analyzer(stemmer="tashaphyne").terms("المكتبات") == ["مكتب"]


def test_unknown_stemmer_raises() -> None:
    with pytest.raises(ValueError, match="unknown stemmer"):
        Analyzer(stemmer="porter")


def test_configurations_are_distinct() -> None:
    configs = [Analyzer(), Analyzer(stemmer="none"), Analyzer(stopwords="none"), Analyzer(fold_hamza_seats=True)]
    assert len({a.version for a in configs}) == len(configs)
    assert Analyzer() == DEFAULT_ANALYZER
    assert Analyzer(**Analyzer(stopwords=["على"]).config()) == Analyzer(stopwords=["على"])


def test_analyzer_pickles_without_its_cache() -> None:
    analyzer = Analyzer(stemmer="light10", stopwords=["على"], fold_hamza_seats=True)
    unique = "كلمةفريدةللاختبار"
    analyzer.analyze(unique)
    data = pickle.dumps(analyzer)
    assert normalize(unique).encode() not in data
    assert unique.encode() not in data
    restored = pickle.loads(data)
    assert restored == analyzer
    assert restored.version == analyzer.version
    assert restored.analyze("مسؤول على كتابهم") == analyzer.analyze("مسؤول على كتابهم")


@pytest.mark.parametrize("value", [b"\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8", None, 123])
def test_analyze_rejects_non_str(value: object) -> None:
    with pytest.raises(TypeError, match="expects str"):
        analyze(value)  # type: ignore[arg-type]


ARABIC_HEAVY = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),
        st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFF),
        st.characters(min_codepoint=0x200C, max_codepoint=0x200F),
        st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
        st.sampled_from(" \t\n.,-!AbZß0123456789"),
    ),
    max_size=60,
)
ANY_TEXT = st.one_of(st.text(max_size=60), ARABIC_HEAVY)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.booleans())
def test_tokens_are_consistent(text: str, keep_stopwords: bool) -> None:
    tokens = analyze(text, keep_stopwords=keep_stopwords)
    assert [t.position for t in tokens] == list(range(len(tokens)))
    previous_end = 0
    for t in tokens:
        assert previous_end <= t.start < t.end <= len(text)
        previous_end = t.end
        again = analyze(text[t.start : t.end], keep_stopwords=True)
        assert [(a.text, a.start, a.end) for a in again] == [(t.text, 0, t.end - t.start)]


@settings(max_examples=150, deadline=None)
@given(ARABIC_HEAVY, st.sampled_from(AVAILABLE_STEMMERS), st.booleans(), st.booleans())
def test_any_configuration_never_raises(text: str, stemmer: str, fold_hamza_seats: bool, keep: bool) -> None:
    analyzer = Analyzer(stemmer=stemmer, fold_hamza_seats=fold_hamza_seats)
    tokens = analyzer.analyze(text, keep_stopwords=keep)
    assert all(t.text for t in tokens)
    assert analyzer.terms(text, keep_stopwords=keep) == [t.text for t in tokens]


def test_cache_resets_do_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    words = "ذهب الطلاب إلى المكتبات العامة في القاهرة ذهب الطلاب إلى".split()
    expected = [Analyzer(stopwords=["إلى", "في", "الاول"]).analyze(w, keep) for w in words for keep in (False, True)]
    monkeypatch.setattr("arsearch.analysis._CACHE_LIMIT", 2)
    analyzer = Analyzer(stopwords=["إلى", "في", "الثاني"])  # same stops for these words, fresh caches
    got = []
    for w in words:
        for keep in (False, True):
            got.append(analyzer.analyze(w, keep))
            assert len(analyzer._cache) <= 2
            assert all(len(table) <= 2 for table in analyzer._term_tables)
    assert got == expected


WORD = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0621, max_codepoint=0x064A),  # arabic letters
        st.characters(min_codepoint=0x064B, max_codepoint=0x0652),  # harakat
        st.sampled_from("ىةیکۀٱآأإؤئـ"),
    ),
    min_size=1,
    max_size=12,
)
TABLES = [make_translation_table(False), make_translation_table(True)]


@settings(max_examples=300, deadline=None)
@given(WORD, st.sampled_from(AVAILABLE_STEMMERS), st.sampled_from(TABLES))
def test_stems_are_non_empty_and_not_longer(word: str, stemmer: str, table: dict[int, str | None]) -> None:
    normalized = normalize(word, table)
    if normalized:
        result = get_stemmer(stemmer)(normalized)
        assert result
        assert len(result) <= len(normalized)


# -- character n-grams of analyzed text ------------------------------------------


def test_ngrams_of_every_term_with_stop_words() -> None:
    # normalized (hamza, diacritics, tatweel), unstemmed; the stop word من stays
    assert Analyzer(stemmer="none").ngrams("أَحمـد من", 4) == ["#احم", "احمد", "حمد#", "#من#"]


def test_ngrams_follow_the_stemmer() -> None:
    assert Analyzer().ngrams("المكتبات", 4) == ["#مكت", "مكتب", "كتب#"]


def test_word_ngrams() -> None:
    none = Analyzer(stemmer="none")
    assert none.word_ngrams("الكتاب", 5) == ["#الكت", "الكتا", "لكتاب", "كتاب#"]
    assert none.word_ngrams("\N{ARABIC FATHA}\N{ARABIC TATWEEL}", 4) == []  # no letters


def test_ngram_cache_resets_do_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    import arsearch.analysis as analysis

    none = Analyzer(stemmer="none")
    text = "قال وزير الخارجية إن المفاوضات مستمرة مع الوزير"
    expected = none.ngrams(text, 4)
    monkeypatch.setattr(analysis, "_NGRAM_CACHE_LIMIT", 3)  # resets in the middle of one text
    analysis._NGRAM_TABLES.clear()
    assert none.ngrams(text, 4) == expected
    assert none.ngrams(text, 4) == expected
    assert none.word_ngrams("المفاوضات", 4) == ["#الم", "المف", "لمفا", "مفاو", "فاوض", "اوضا", "وضات", "ضات#"]


def test_ngram_cache_is_safe_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import arsearch.analysis as analysis

    monkeypatch.setattr(analysis, "_NGRAM_CACHE_LIMIT", 2)  # constant resets while others read
    none = Analyzer(stemmer="none")
    words = ["كتاب", "شمس", "قمر", "نجم", "بحر", "نهر", "جبل", "سهل"]
    expected = {w: none.word_ngrams(w, 4) for w in words}
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(300):
                for w in words:
                    assert none.word_ngrams(w, 4) == expected[w]
                assert none.ngrams(" ".join(words), 4) == [g for w in words for g in expected[w]]
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_with_stemmer_is_memoized_and_equal_to_a_fresh_analyzer() -> None:
    a = Analyzer()
    assert a.with_stemmer("isri") is a.with_stemmer("isri")
    assert a.with_stemmer("isri") == Analyzer(stemmer="isri")
    assert a.with_stemmer("isri").with_stemmer("light") == a
