"""Golden tests for arsearch.stem: the light stemmer's rules and the stemmer registry."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from arsearch.chars import normalize
from arsearch.stem import STEMMERS, get_stemmer, light10_stem, stem

# "isri" needs the optional nltk extra; test it only where nltk is installed.
AVAILABLE_STEMMERS = tuple(n for n in STEMMERS if n != "isri" or importlib.util.find_spec("nltk"))

FIXTURE = Path(__file__).parent / "fixtures" / "stems.tsv"


def _golden_stems() -> list[tuple[str, str]]:
    rows = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            surface, expected = line.split("\t")
            rows.append((surface, expected))
    return rows


GOLDEN = _golden_stems()


@pytest.mark.parametrize("surface, expected", GOLDEN)
def test_golden_stem(surface: str, expected: str) -> None:
    assert stem(surface) == expected


MUST_CONFLATE = [
    ("plural with article ~ singular", "المكتبات", "مكتبة"),
    ("nominative ~ oblique plural", "المعلمون", "معلمين"),
    ("preposition + article ~ bare", "بالمدرسة", "مدرسة"),
    ("country ~ nisba plural", "فلسطين", "الفلسطينيين"),
    ("nisba feminine ~ nisba masculine", "الفلسطينية", "فلسطيني"),
    ("article + root-initial waw ~ bare word", "الوزير", "وزير"),
    ("country ~ nisba", "الصين", "الصينيين"),
    ("noun ~ noun + pronoun", "كتاب", "كتابهم"),
    ("diacritized ~ plain", "الْمَكْتَبَةُ", "المكتبة"),
]


@pytest.mark.parametrize("description, first, second", MUST_CONFLATE)
def test_must_conflate(description: str, first: str, second: str) -> None:
    assert stem(first) == stem(second)


# Distinct words (different patterns of one root, or different roots) that the
# light stemmer keeps apart.
MUST_NOT_CONFLATE = [
    ("book vs writer", "كتاب", "كاتب"),
    ("book vs office", "كتاب", "مكتب"),
    ("science vs world", "علم", "عالم"),
    ("work vs worker", "العمل", "العامل"),
    ("prince vs command", "أمير", "أمر"),
    ("islam vs peace", "الإسلام", "السلام"),
]


@pytest.mark.parametrize("description, first, second", MUST_NOT_CONFLATE)
def test_must_not_conflate(description: str, first: str, second: str) -> None:
    assert stem(first) != stem(second)


LIGHT10_VS_LIGHT = [
    ("light10 strips ين then ي", "فلسطينيين", "فلسطين", "فلسط"),
    ("light10 leaves pronouns", "كتابهم", "كتابهم", "كتاب"),
    ("light10 leaves verb endings", "كتبوا", "كتبوا", "كتب"),
    ("both strip the article group and ات", "والمكتبات", "مكتب", "مكتب"),
]


@pytest.mark.parametrize("description, word, light10, light", LIGHT10_VS_LIGHT)
def test_light10_is_light_without_extensions(description: str, word: str, light10: str, light: str) -> None:
    assert light10_stem(normalize(word)) == light10
    assert stem(word, "light10") == light10
    assert stem(word) == light


SAMPLE = [normalize(surface) for surface, _ in GOLDEN] + ["a", "Cairo".casefold(), "3.5", "ال", "ي"]


@pytest.mark.parametrize("name", AVAILABLE_STEMMERS)
def test_registered_stemmer_contract(name: str) -> None:
    stemmer = get_stemmer(name)
    assert get_stemmer(name) is stemmer
    for word in SAMPLE:
        result = stemmer(word)
        assert result, word
        assert len(result) <= len(word), word
        assert stemmer(word) == result


def test_none_stemmer_is_identity() -> None:
    assert [get_stemmer("none")(w) for w in SAMPLE] == SAMPLE


def test_unknown_stemmer() -> None:
    with pytest.raises(ValueError, match="unknown stemmer"):
        get_stemmer("porter")


def test_stem_of_empty_word() -> None:
    assert stem("") == ""
    assert stem("\N{ARABIC FATHA}") == ""


_PREFIXES = ["", "و", "ال", "بال", "فال", "وال", "لل"]
_SUFFIXES = ["", "ها", "ات", "ون", "ين", "يه", "ه", "ي", "هم", "كما", "يين", "يون", "نا"]
_BASES = ["كتاب", "مدرس", "فلسطين", "معلم", "سيار"]
WORDS = sorted({p + b + s for p in _PREFIXES for b in _BASES for s in _SUFFIXES}) + SAMPLE

_SCRIPT = """
import json, sys
from arsearch.stem import get_stemmer
words = json.load(sys.stdin)
print(json.dumps({name: [get_stemmer(name)(w) for w in words] for name in ("light", "tashaphyne")}))
"""


def _stems_in_subprocess(seed: str) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        input=json.dumps(WORDS),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        encoding="utf-8",
    )
    return json.loads(done.stdout)


def test_stems_do_not_depend_on_hash_seed() -> None:
    assert len(WORDS) >= 200
    runs = [_stems_in_subprocess(seed) for seed in ("0", "1", "12345")]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0]["light"] == [get_stemmer("light")(w) for w in WORDS]
