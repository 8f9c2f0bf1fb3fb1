"""Snippets with the matched words marked in the original text.

The text is tokenized as it is stored; each word's term is computed by the
same analyzer used for indexing, and a word is marked when its term is one
the query asked for. Marks wrap the *original* span, so diacritics, tatweel
and the original hamza spelling are kept. Stop words are only marked when
the query searched for them, and a stem never collides with a stop word
(see :mod:`arsearch.analysis`), so فيها or له are not marked for في or الله.

Fragments are the windows of at most ``max_chars`` characters holding the
most distinct matched terms, cut at spaces and marked with an ellipsis
where text was left out.

Example:
    >>> print(highlight("ذهبَ الطُّلّابُ إلى المكتبةِ & عادوا", "مكتبه طلاب"))
    ذهبَ <mark>الطُّلّابُ</mark> إلى <mark>المكتبةِ</mark> &amp; عادوا
    >>> print(highlight("ذهبَ الطُّلّابُ إلى المكتبةِ", "مكتبه", format="text"))
    ذهبَ الطُّلّابُ إلى [المكتبةِ]
"""

from __future__ import annotations

import html
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from .analysis import DEFAULT_ANALYZER, Analyzer
from .query import analyze_query, parse_query
from .tokenize import WORD_PATTERN

__all__ = ["highlight", "QueryMatcher", "FORMATS"]

Format = Literal["html", "text", "ansi"]

#: Marks and escaping for each output format: (before, after, escape).
FORMATS: dict[str, tuple[str, str, bool]] = {
    "html": ("<mark>", "</mark>", True),
    "text": ("[", "]", False),
    "ansi": ("\x1b[1;33m", "\x1b[0m", False),
}
ELLIPSIS = "…"
#: Only this many leading characters of a huge text are searched for matches.
MAX_SCAN_CHARS = 100_000


@dataclass(frozen=True)
class QueryMatcher:
    """What a query matches: index terms and normalized prefixes.

    >>> QueryMatcher.from_query("المكتبات مدر*").terms, QueryMatcher.from_query("مدر*").prefixes
    (frozenset({'مكتب'}), ('مدر',))
    """

    terms: frozenset[str]
    prefixes: tuple[str, ...] = ()

    @classmethod
    def from_query(
        cls, query: str, analyzer: Analyzer | None = None, fields: Collection[str] = (), field: str | None = None
    ) -> QueryMatcher:
        """Build from a query string. With ``field``, clauses restricted to
        another field (``title:x`` when highlighting ``body``) are ignored."""
        analyzer = analyzer or DEFAULT_ANALYZER
        terms: set[str] = set()
        prefixes: list[str] = []
        for ac in analyze_query(parse_query(query, fields), analyzer):
            c = ac.clause
            if c.occur == "must_not" or (c.field is not None and field is not None and c.field != field):
                continue
            if c.kind == "prefix":
                prefixes.extend(ac.terms)
            else:
                terms.update(ac.terms)
        return cls(frozenset(terms), tuple(prefixes))

    def __bool__(self) -> bool:
        return bool(self.terms or self.prefixes)


def _matches(text: str, matcher: QueryMatcher, analyzer: Analyzer) -> list[tuple[int, int, str]]:
    """(start, end, term) of every matched word in ``text``."""
    cache = analyzer._cache
    entry = analyzer.entry
    terms = matcher.terms
    prefixes = matcher.prefixes
    found: list[tuple[int, int, str]] = []
    for m in WORD_PATTERN.finditer(text, 0, MAX_SCAN_CHARS):
        e = cache.get(m.group()) or entry(m.group())
        if e is None:
            continue
        term = e[0]
        if term in terms:
            found.append((*m.span(), term))
        elif prefixes:
            norm = analyzer.normalize(m.group())
            for p in prefixes:
                if norm.startswith(p) or term.startswith(p):
                    found.append((*m.span(), p))
                    break
    return found


def _best_window(matches: list[tuple[int, int, str]], max_chars: int, shown: set[str]) -> tuple[int, int]:
    """Indexes [i, j) of the matches forming the best window: most terms not
    yet ``shown``, then most distinct terms, then most matches."""
    best = (0, 1)
    best_score = (0, 0, 0)
    j = 0
    for i in range(len(matches)):
        j = max(j, i + 1)
        while j < len(matches) and matches[j][1] - matches[i][0] <= max_chars:
            j += 1
        window = matches[i:j]
        distinct = {t for _, _, t in window}
        score = (len(distinct - shown), len(distinct), len(window))
        if score > best_score:
            best, best_score = (i, j), score
    return best


def _is_space(ch: str) -> bool:
    return ch.isspace()


def _cut(text: str, core_start: int, core_end: int, max_chars: int) -> tuple[int, int]:
    """Grow [core_start, core_end) to about ``max_chars`` and snap both ends to spaces."""
    if core_end <= max_chars:  # the matches fit from the top: start there
        left, right = 0, min(len(text), max_chars)
    else:  # centre the matches
        slack = max(0, max_chars - (core_end - core_start))
        left = max(0, core_start - slack // 2)
        right = min(len(text), core_end + (slack - (core_start - left)))
        left = min(max(0, right - max_chars), core_start)
    if left > 0 and not _is_space(text[left - 1]):
        k = left
        while k < core_start and not _is_space(text[k]):
            k += 1
        left = k
    if right < len(text) and not _is_space(text[right]):
        k = right
        while k > core_end and not _is_space(text[k - 1]):
            k -= 1
        if k > left:  # a first word longer than max_chars keeps its hard cut
            right = k
    while left < core_start and _is_space(text[left]):
        left += 1
    while right > core_end and _is_space(text[right - 1]):
        right -= 1
    return left, min(right, left + max_chars)  # a matched word longer than max_chars is cut


def _render(text: str, start: int, end: int, marks: list[tuple[int, int, str]], fmt: str) -> str:
    before, after, escape = FORMATS[fmt]
    esc = html.escape if escape else (lambda s: s)
    out: list[str] = [ELLIPSIS + " "] if text[:start].strip() else []
    pos = start
    for s, e, _ in marks:
        if s < pos or e > end:
            continue
        out.append(esc(text[pos:s]))
        out.append(before + esc(text[s:e]) + after)
        pos = e
    out.append(esc(text[pos:end]))
    if text[end:].strip():
        out.append(" " + ELLIPSIS)
    return "".join(out)


def highlight_matches(
    text: str,
    matcher: QueryMatcher,
    analyzer: Analyzer | None = None,
    *,
    format: Format = "html",  # noqa: A002 - the natural name
    max_chars: int = 240,
    fragments: int = 1,
) -> str:
    """:func:`highlight` with a prepared :class:`QueryMatcher` (used per hit by the index)."""
    if format not in FORMATS:
        raise ValueError(f"unknown snippet format {format!r}; choose one of {', '.join(FORMATS)}")
    analyzer = analyzer or DEFAULT_ANALYZER
    max_chars = max(1, int(max_chars))
    matches = _matches(text, matcher, analyzer) if matcher else []
    if not matches:
        _, end = _cut(text, 0, 0, max_chars)
        return _render(text, 0, end, [], format)
    spans: list[tuple[int, int]] = []
    remaining = matches
    shown: set[str] = set()
    for _ in range(max(1, fragments)):
        if not remaining:
            break
        i, j = _best_window(remaining, max_chars, shown)
        shown.update(t for _, _, t in remaining[i:j])
        spans.append(_cut(text, remaining[i][0], remaining[j - 1][1], max_chars))
        lo, hi = spans[-1]
        remaining = [m for m in remaining if m[1] <= lo or m[0] >= hi]
    spans.sort()
    parts = [_render(text, s, e, matches, format) for s, e in spans]
    # Adjacent fragments share one ellipsis.
    return " ".join(p.removeprefix(ELLIPSIS + " ") if k and p.startswith(ELLIPSIS) else p for k, p in enumerate(parts))


def highlight(
    text: str,
    query: str,
    *,
    analyzer: Analyzer | None = None,
    format: Format = "html",  # noqa: A002
    max_chars: int = 240,
    fragments: int = 1,
) -> str:
    """Return the best fragment(s) of ``text`` for ``query``, matched words marked.

    ``format`` is ``"html"`` (``<mark>…</mark>``, the rest HTML-escaped),
    ``"text"`` (``[…]``) or ``"ansi"`` (bold yellow on a terminal). Each
    fragment is at most ``max_chars`` characters (plus ellipses), cut at
    spaces. With no match, the start of the text is returned.

    >>> highlight("النصُّ الأوّلُ. " * 40, "الاول", format="text", max_chars=30)
    'النصُّ [الأوّلُ]. النصُّ [الأوّلُ] …'
    """
    if not isinstance(text, str):
        raise TypeError(f"highlight() expects str text, not {type(text).__name__}")
    analyzer = analyzer or DEFAULT_ANALYZER
    return highlight_matches(
        text, QueryMatcher.from_query(query, analyzer), analyzer, format=format, max_chars=max_chars, fragments=fragments
    )
