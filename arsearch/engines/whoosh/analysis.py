"""Whoosh glue for the analyzer: one single-pass Whoosh tokenizer.

Whoosh pickles the schema, analyzer included, into the index. The class here
is module-level and its state is just the :class:`~arsearch.analysis.Analyzer`
configuration (the per-process term cache is never pickled).

At index time (``mode="index"``) stop words are kept, so a query made only of
stop words can still match; at query time they are dropped unless the caller
passes ``removestops=False`` (as Whoosh's highlighter does).

Example:
    >>> [t.text for t in ArabicAnalyzer()("وَالْمَكْتَبَاتُ في القاهرة")]
    ['مكتب', 'قاهر']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer

from ...analysis import DEFAULT_ANALYZER, Analyzer
from ...tokenize import WORD_PATTERN

__all__ = ["ArabicTokenizer", "ArabicAnalyzer"]

_group = re.Match.group  # mapped in C over a list of matches


class ArabicTokenizer(Tokenizer):  # type: ignore[misc]
    """A Whoosh tokenizer that tokenizes, normalizes, stops and stems in one pass."""

    def __init__(self, analyzer: Analyzer | None = None) -> None:
        self.analyzer = analyzer if analyzer is not None else DEFAULT_ANALYZER

    @property
    def version(self) -> str:
        return self.analyzer.version

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArabicTokenizer) and self.analyzer == other.analyzer

    def __hash__(self) -> int:
        return hash(self.analyzer)

    def has_morph(self) -> bool:
        return self.analyzer.stemmer != "none"

    def __call__(  # noqa: PLR0913 - Whoosh's tokenizer signature
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        analyzer = self.analyzer
        if not tokenize:
            t.original = value
            t.text = analyzer.normalize(value)
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        keep_stops = mode == "index" or not removestops
        matches = list(WORD_PATTERN.finditer(value))
        terms = analyzer._lookup_terms(list(map(_group, matches)), keep_stops)
        pos = start_pos
        for term, m in zip(terms, matches):
            if not term:  # no letters, or a dropped stop word
                continue
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = m.group()
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + m.start()
                t.endchar = start_char + m.end()
            yield t


def ArabicAnalyzer(analyzer: Analyzer | None = None, **options: Any) -> ArabicTokenizer:  # noqa: N802 - Whoosh naming
    """Return a Whoosh analyzer for an :class:`Analyzer` (or one built from ``options``).

    >>> ArabicAnalyzer(stemmer="none").analyzer.stemmer
    'none'
    """
    if analyzer is None:
        analyzer = Analyzer(**options) if options else DEFAULT_ANALYZER
    return ArabicTokenizer(analyzer)
