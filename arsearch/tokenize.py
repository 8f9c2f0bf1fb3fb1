"""Tokenizing with offsets into the original text.

Python's ``\\w`` does not match Arabic vowel marks, the superscript alef,
Quranic marks, or zero-width joiners, so ``\\w+`` splits ``الطّالِبُ`` into
three pieces. The word pattern here adds those characters (see
:data:`arsearch.chars.IN_WORD_MARKS`), so a word keeps its marks and its
``(start, end)`` span covers the whole surface form. Everything that is not a
word character separates words: spaces, Arabic punctuation (، ؛ ؟ « »), Latin
punctuation. Decimal numbers (``3.5``, ``٣٫٥``) stay one token.

Example:
    >>> [(m.group(), m.start(), m.end()) for m in iter_words("قال: الطّالِبُ، 3.5")]
    [('قال', 0, 3), ('الطّالِبُ', 5, 14), ('3.5', 16, 19)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pyarabic.araby import DECIMAL

from .chars import IN_WORD_MARKS

__all__ = ["WORD_PATTERN", "NGRAM_BOUNDARY", "iter_words", "tokenize", "char_ngrams"]

_DIGIT_SEPARATORS = "." + DECIMAL  # 3.5 and ٣٫٥ are one number

#: Marks the start and end of a word in its character n-grams; never part of a word.
NGRAM_BOUNDARY = "#"

#: A decimal number, or a run of word characters and in-word marks.
WORD_PATTERN: re.Pattern[str] = re.compile(
    rf"\d+(?:[{re.escape(_DIGIT_SEPARATORS)}]\d+)+|[\w{re.escape(IN_WORD_MARKS)}]+"
)


def iter_words(text: str) -> Iterator[re.Match[str]]:
    """Yield one regex match per word of ``text`` (``.group()``, ``.start()``, ``.end()``)."""
    return WORD_PATTERN.finditer(text)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Split ``text`` into ``(surface, start, end)`` triples, offsets into ``text``.

    >>> tokenize("مـــدرسة، school")
    [('مـــدرسة', 0, 8), ('school', 10, 16)]
    """
    return [(m.group(), m.start(), m.end()) for m in WORD_PATTERN.finditer(text)]


def char_ngrams(term: str, n: int) -> list[str]:
    """The character ``n``-grams of ``term`` framed by :data:`NGRAM_BOUNDARY`,
    in order; a framed term shorter than ``n`` is its own single gram.

    >>> char_ngrams("كتاب", 4)
    ['#كتا', 'كتاب', 'تاب#']
    >>> char_ngrams("من", 4)
    ['#من#']
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    framed = f"{NGRAM_BOUNDARY}{term}{NGRAM_BOUNDARY}"
    if len(framed) <= n:
        return [framed]
    return [framed[i : i + n] for i in range(len(framed) - n + 1)]
