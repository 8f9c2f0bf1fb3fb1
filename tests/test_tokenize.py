"""Golden tests for arsearch.tokenize: word spans with offsets into the original text."""

from __future__ import annotations

import pytest

from hypothesis import given
from hypothesis import strategies as st

from arsearch.tokenize import NGRAM_BOUNDARY, char_ngrams, iter_words, tokenize

ZWNJ = "\N{ZERO WIDTH NON-JOINER}"
RLM = "\N{RIGHT-TO-LEFT MARK}"
SMALL_LOW_MEEM = "\N{ARABIC SMALL LOW MEEM}"


def test_offsets_point_into_the_original_text() -> None:
    text = "قال: الطّالِبُ، 3.5"
    assert tokenize(text) == [("قال", 0, 3), ("الطّالِبُ", 5, 14), ("3.5", 16, 19)]
    assert all(text[start:end] == word for word, start, end in tokenize(text))


ONE_WORD = [
    ("harakat and shadda stay inside the word", "الطّالِبُ"),
    ("tanween at the end", "كتابًا"),
    ("superscript alef", "الرَّحْمَٰنِ"),
    ("quranic mark at the end of the U+06D6..U+06ED range", f"من{SMALL_LOW_MEEM}ه"),
    ("tatweel", "مـــدرسة"),
    ("zwnj (persian)", f"می{ZWNJ}خواهم"),
    ("rlm inside a word", f"كتا{RLM}ب"),
    ("latin combining accent", "cafe\N{COMBINING ACUTE ACCENT}"),
    ("decimal with a full stop", "3.5"),
    ("decimal with the arabic decimal separator", "٣٫٥"),
    ("eastern digits", "۱۲۳"),
    ("letters and digits", "covid19"),
]


@pytest.mark.parametrize("description, text", ONE_WORD)
def test_one_token(description: str, text: str) -> None:
    assert tokenize(text) == [(text, 0, len(text))]


SPLITS = [
    ("arabic comma", "كتاب،قلم", ["كتاب", "قلم"]),
    ("arabic semicolon", "كتاب؛قلم", ["كتاب", "قلم"]),
    ("arabic question mark", "لماذا؟لأن", ["لماذا", "لأن"]),
    ("guillemets", "«كتاب»", ["كتاب"]),
    ("latin punctuation", "a,b.c!d?e-f(g)", ["a", "b", "c", "d", "e", "f", "g"]),
    ("hyphen between arabic words", "كوفيد-19", ["كوفيد", "19"]),
    ("sentence-final full stop is not part of a number", "عام 2020.", ["عام", "2020"]),
    ("whitespace of all kinds", "كتاب\tقلم\n\N{NO-BREAK SPACE}ورقة", ["كتاب", "قلم", "ورقة"]),
    ("mixed arabic, english and digits", "Python 3.11 بالعربية ٢٠٢٤", ["Python", "3.11", "بالعربية", "٢٠٢٤"]),
]


@pytest.mark.parametrize("description, text, expected", SPLITS)
def test_splits(description: str, text: str, expected: list[str]) -> None:
    assert [word for word, _, _ in tokenize(text)] == expected


@pytest.mark.parametrize("description, text", [("empty", ""), ("punctuation only", "،؛؟«»!?.- ...")])
def test_no_tokens(description: str, text: str) -> None:
    assert tokenize(text) == []


def test_iter_words_matches_tokenize() -> None:
    text = "ذهب الطّالِبُ إلى المكتبة، ثم عاد 3.5 ساعة"
    assert [(m.group(), m.start(), m.end()) for m in iter_words(text)] == tokenize(text)


# -- character n-grams -----------------------------------------------------------

NGRAM_CASES = [
    ("a word: framed, then every window", "كتاب", 4, ["#كتا", "كتاب", "تاب#"]),
    ("a framed word of exactly n characters is one gram", "من", 4, ["#من#"]),
    ("a framed word shorter than n is one gram", "و", 4, ["#و#"]),
    ("trigrams", "قلم", 3, ["#قل", "قلم", "لم#"]),
    ("a repeated gram is listed each time", "ااااا", 4, ["#ااا", "اااا", "اااا", "ااا#"]),
    ("Latin and digits alike", "2024", 5, ["#2024", "2024#"]),
]


@pytest.mark.parametrize("description,term,n,expected", NGRAM_CASES, ids=[c[0] for c in NGRAM_CASES])
def test_char_ngrams(description: str, term: str, n: int, expected: list[str]) -> None:
    assert char_ngrams(term, n) == expected


@given(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي", min_size=1, max_size=20), st.integers(1, 6))
def test_char_ngrams_cover_the_framed_term(term: str, n: int) -> None:
    grams = char_ngrams(term, n)
    framed = f"{NGRAM_BOUNDARY}{term}{NGRAM_BOUNDARY}"
    assert all(len(g) == min(n, len(framed)) for g in grams)
    # consecutive grams overlap by n-1 characters, so they spell the framed term
    assert grams[0] + "".join(g[-1] for g in grams[1:]) == framed


def test_ngram_boundary_is_never_part_of_a_word() -> None:
    assert tokenize(f"a{NGRAM_BOUNDARY}b") == [("a", 0, 1), ("b", 2, 3)]


def test_char_ngrams_rejects_n_below_one() -> None:
    with pytest.raises(ValueError):
        char_ngrams("كتاب", 0)
