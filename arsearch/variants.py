"""Close spellings: the variants of a word that the match policy accepts.

Arabic news writes many words two ways, above all transliterated names:
ترامب/ترمب, بوتين/بوتن, جوجل/غوغل, فيسبوك/فايسبوك, أمريكا/أميركا,
الكونغرس/الكونجرس, مسؤول/مسئول. The differences are of a few kinds only, and
:func:`spelling_variants` generates exactly those, one edit away:

* a long vowel written or not: ا و ي inserted or deleted (ترامب/ترمب);
* a letter for a sound Arabic lacks, or a confusable letter: one of
  :data:`CONFUSABLE_GROUPS` for another, at one place or at every place at
  once (جوجل/غوغل is one convention applied twice, so it counts as one edit);
* a hamza seat for another (مسؤول/مسئول);
* two adjacent letters swapped (أمريكا/أميركا), in words of five letters or more.

A general edit distance would also accept نصر for مصر or كتب for كتاب: real,
different words. These edits keep the consonant skeleton of the word (or
swap a letter for one that sounds alike), which is what spelling variants
and common misspellings (الاظطراب/الاضطراب) change, and words of fewer than
four letters take part in none.

The index decides which candidates are real: a candidate counts only if its
term occurs in the index (see :func:`arsearch.query.build_plan`).

Example:
    >>> "ترمب" in spelling_variants("ترامب") and "غوغل" in spelling_variants("جوجل")
    True
    >>> "نصر" in spelling_variants("مصر"), "كتب" in spelling_variants("كتاب")
    (False, False)
"""

from __future__ import annotations

from pyarabic.araby import (
    ALEF,
    DAD,
    DAL,
    GHAIN,
    HAH,
    HAMZA,
    HEH,
    JEEM,
    KAF,
    QAF,
    SAD,
    SEEN,
    TAH,
    TEH,
    THAL,
    WAW,
    WAW_HAMZA,
    YEH,
    YEH_HAMZA,
    ZAH,
    ZAIN,
)

from .chars import ARABIC_LETTERS

__all__ = ["CONFUSABLE_GROUPS", "LONG_VOWELS", "MIN_VARIANT_LENGTH", "spelling_variants"]

#: Letters written or left out for a long vowel (ترامب/ترمب, بوتين/بوتن).
LONG_VOWELS = ALEF + WAW + YEH

#: Letters that stand for one another in transliteration and in common misspellings.
#: (The speller's :data:`arsearch.suggest.CONFUSABLE_GROUPS` is wider, for typos it
#: only suggests; these make hits, and were measured on precision and relevance.)
CONFUSABLE_GROUPS: tuple[str, ...] = (
    JEEM + GHAIN + QAF + KAF,  # the "g" of foreign names: جوجل/غوغل, الكونغرس/الكونجرس
    DAD + ZAH + DAL + THAL,  # emphatic and plain d/z: الاضطراب/الاظطراب
    THAL + ZAIN,  # ذ/ز
    SEEN + SAD,  # س/ص
    TEH + TAH,  # ت/ط: ايطاليا/ايتاليا
    HAH + HEH,  # ح/ه
    HAMZA + WAW_HAMZA + YEH_HAMZA,  # hamza seats: مسؤول/مسئول
    WAW_HAMZA + WAW,  # ؤ written without its hamza
    YEH_HAMZA + YEH,  # ئ written without its hamza
)

#: Words shorter than this have no variants, and are no variant: short words
#: a letter apart are mostly different words (كتب/كتاب, مصر/مصير).
MIN_VARIANT_LENGTH = 4
#: Adjacent letters are swapped only in words at least this long.
MIN_SWAP_LENGTH = 5

_ALIKE: dict[str, str] = {}
for _group in CONFUSABLE_GROUPS:
    for _ch in _group:
        _ALIKE[_ch] = "".join(dict.fromkeys(_ALIKE.get(_ch, "") + _group.replace(_ch, "")))


def spelling_variants(word: str) -> set[str]:
    """The spellings one variant edit away from a *normalized* ``word``.

    Letters outside the Arabic script never change, and the first letter is
    never dropped or preceded by another (that would change a prefix, not a
    spelling). Returns an empty set for words shorter than
    :data:`MIN_VARIANT_LENGTH` or not wholly Arabic letters.

    >>> sorted(v for v in spelling_variants("بوتين") if len(v) < 5)
    ['بتين', 'بوتن']
    >>> spelling_variants("كتب")
    set()
    """
    n = len(word)
    if n < MIN_VARIANT_LENGTH or not all(ch in _ARABIC_LETTERS for ch in word):
        return set()
    out: set[str] = set()
    for i in range(1, n + 1):
        for v in LONG_VOWELS:  # a long vowel written
            out.add(word[:i] + v + word[i:])
    for i in range(1, n):
        if word[i] in LONG_VOWELS:  # a long vowel left out
            out.add(word[:i] + word[i + 1 :])
    for i, ch in enumerate(word):
        for alt in _ALIKE.get(ch, ""):  # one letter for a confusable one
            out.add(word[:i] + alt + word[i + 1 :])
            if word.count(ch) > 1:  # the same convention throughout the word
                out.add(word.replace(ch, alt))
    if n >= MIN_SWAP_LENGTH:
        for i in range(1, n - 1):
            if word[i] != word[i + 1]:  # two adjacent letters swapped
                out.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    out.discard(word)
    return {v for v in out if len(v) >= MIN_VARIANT_LENGTH}


_ARABIC_LETTERS = frozenset(ARABIC_LETTERS)
