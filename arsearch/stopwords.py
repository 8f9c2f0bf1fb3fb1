"""Stop words: the shipped Arabic list, loaded and normalized.

The list (``arsearch/data/stopwords-ar.txt``, MIT, its source in its header)
is normalized when loaded, so the test runs *after* normalization: على, علي
and عليّ are all stop words, as are إلى and الى. A word made of the
conjunction و plus a stop word (وهو, وفي, ولكن) is a stop word too.

Example:
    >>> is_stopword("علي", DEFAULT_STOPWORDS), is_stopword("وهو", DEFAULT_STOPWORDS)
    (True, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

from pyarabic.araby import WAW

from .chars import normalize

__all__ = ["DEFAULT_STOPWORDS", "load_stopwords", "resolve_stopwords", "is_stopword"]


def load_stopwords(lines: Iterable[str]) -> frozenset[str]:
    """Normalize an iterable of words (``#`` comments and blanks skipped)."""
    words = (normalize(line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return frozenset(w for w in words if w)


def _load_default() -> frozenset[str]:
    text = resources.files("arsearch").joinpath("data/stopwords-ar.txt").read_text(encoding="utf-8")
    return load_stopwords(text.splitlines())


#: The shipped list, normalized.
DEFAULT_STOPWORDS: frozenset[str] = _load_default()


def resolve_stopwords(stopwords: str | Iterable[str] | None) -> frozenset[str]:
    """Turn the ``stopwords=`` option into a normalized set.

    ``"default"`` is the shipped list; ``None`` or ``"none"`` means no stop
    words; any other iterable of strings is a custom list (normalized here).
    """
    if stopwords is None or stopwords == "none":
        return frozenset()
    if stopwords == "default":
        return DEFAULT_STOPWORDS
    if isinstance(stopwords, str):
        raise ValueError(f"stopwords must be 'default', 'none', None or an iterable of words, not {stopwords!r}")
    return load_stopwords(stopwords)


def is_stopword(normalized: str, stopwords: frozenset[str]) -> bool:
    """True if a *normalized* word is a stop word, or و + a stop word."""
    if normalized in stopwords:
        return True
    return len(normalized) > 1 and normalized[0] == WAW and normalized[1:] in stopwords
