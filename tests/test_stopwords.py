"""Tests for arsearch.stopwords: the shipped list, normalization, options."""

from __future__ import annotations

from importlib import resources

import pytest

from arsearch.analysis import Analyzer
from arsearch.chars import normalize
from arsearch.stopwords import DEFAULT_STOPWORDS, is_stopword, load_stopwords, resolve_stopwords

STOP = [
    ("on, with alef maksura", "على"),
    ("on, written with yeh", "علي"),
    ("on, with shadda", "عليّ"),
    ("to, with hamza below", "إلى"),
    ("to, bare alef", "الى"),
    ("to, diacritized", "إِلَى"),
    ("until, alef maksura", "حتى"),
    ("until, yeh", "حتي"),
    ("and + he", "وهو"),
    ("and + in", "وفي"),
    ("and + but", "ولكن"),
    ("and + on", "وعلى"),
    ("the conjunction alone", "و"),
]


@pytest.mark.parametrize("description, word", STOP)
def test_stop_words_after_normalization(description: str, word: str) -> None:
    assert is_stopword(normalize(word), DEFAULT_STOPWORDS)


NOT_STOP = [
    ("noun", "كتاب"),
    ("and + noun", "وكتاب"),
    ("word starting with waw", "ولد"),
    ("noun with teh marbuta", "مدرسة"),
]


@pytest.mark.parametrize("description, word", NOT_STOP)
def test_not_stop_words(description: str, word: str) -> None:
    assert not is_stopword(normalize(word), DEFAULT_STOPWORDS)


def test_default_list_is_normalized() -> None:
    assert DEFAULT_STOPWORDS
    assert all(w and normalize(w) == w for w in DEFAULT_STOPWORDS)


def test_shipped_file_has_source_and_license_header() -> None:
    text = resources.files("arsearch").joinpath("data/stopwords-ar.txt").read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.casefold())
    header_text = "\n".join(header)
    assert "source" in header_text
    assert "license" in header_text


def test_load_skips_comments_and_blanks() -> None:
    assert load_stopwords(["# comment", "", "  ", " على ", "إلى"]) == frozenset({"علي", "الي"})


@pytest.mark.parametrize(
    "description, option, expected",
    [
        ("default", "default", DEFAULT_STOPWORDS),
        ("none string", "none", frozenset()),
        ("None", None, frozenset()),
        ("custom list is normalized", ["على", "الكتاب"], frozenset({"علي", "الكتاب"})),
        ("empty custom list", [], frozenset()),
    ],
)
def test_resolve_stopwords(description: str, option: object, expected: frozenset[str]) -> None:
    assert resolve_stopwords(option) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("option", ["english", "على", ""])
def test_bad_option_raises(option: str) -> None:
    with pytest.raises(ValueError, match="stopwords must be"):
        resolve_stopwords(option)
    with pytest.raises(ValueError):
        Analyzer(stopwords=option)


def test_analyzer_with_custom_and_no_stop_words() -> None:
    text = "الكتاب في المكتبة"
    assert Analyzer().terms(text) == ["كتاب", "مكتب"]
    assert Analyzer(stopwords="none").terms(text) == ["كتاب", "في", "مكتب"]
    # custom stop words match the normalized surface, not the stem
    assert Analyzer(stopwords=["المكتبة"]).terms(text) == ["كتاب", "في"]
    assert Analyzer(stopwords=["مكتبة"]).terms(text) == ["كتاب", "في", "مكتب"]
