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
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, repeat
from typing import Literal, NamedTuple

from .analysis import DEFAULT_ANALYZER, Analyzer
from .fields import Field, Ranking, rep_field
from .query import Plan, build_plan
from .terminal import printable
from .tokenize import WORD_PATTERN

__all__ = ["highlight", "QueryMatcher", "Match", "FORMATS", "NEAR_FORMATS"]

Format = Literal["html", "text", "ansi"]

#: Marks and escaping for each output format: (before, after, escape).
FORMATS: dict[str, tuple[str, str, bool]] = {
    "html": ("<mark>", "</mark>", True),
    "text": ("[", "]", False),
    "ansi": ("\x1b[1;33m", "\x1b[0m", False),
}
#: Marks for words matched by their root or a close spelling, not the word itself.
NEAR_FORMATS: dict[str, tuple[str, str]] = {
    "html": ('<mark class="near">', "</mark>"),
    "text": ("{", "}"),
    "ansi": ("\x1b[4;36m", "\x1b[0m"),
}
ELLIPSIS = "…"
#: A text is searched for matches this many characters at a time, from the
#: start, until a stretch holds one (a huge text's snippet costs its first
#: matching stretch, not the whole text) ...
MAX_SCAN_CHARS = 100_000
#: ... and no further than this.
MAX_SCAN_TOTAL = 2_000_000


def _stretches(text: str) -> list[tuple[int, int]]:
    """The stretches of ``text`` searched in turn, cut at spaces."""
    out: list[tuple[int, int]] = []
    lo, n = 0, min(len(text), MAX_SCAN_TOTAL)
    while lo < n:
        hi = lo + MAX_SCAN_CHARS
        if hi < n:
            space = text.find(" ", hi, min(n, hi + 1000))
            hi = space if space > 0 else hi
        hi = min(hi, n)
        out.append((lo, hi))
        lo = hi
    return out

How = Literal["form", "stem", "root", "near", "prefix"]


class Match(NamedTuple):
    """One marked word: the query ``word`` it answers, ``how`` (form: the
    same spelling; stem: the same light stem; root; near: a close
    spelling; prefix), its ``start``/``end`` in the text, the ``text`` and
    the ``field`` it is in (when known)."""

    word: str
    how: How
    start: int
    end: int
    text: str
    field: str = ""


@dataclass(frozen=True)
class QueryMatcher:
    """What a query matches in one field: the words' terms, their close
    spellings (``near``), their ``roots`` (each under its stemmer in ``root_stemmers``) and
    normalized ``prefixes``; ``sources`` maps each to the query word.

    Built from the :class:`~arsearch.query.Plan` the engine ran, so the
    highlighter marks exactly what made a document a hit.

    >>> QueryMatcher.from_query("المكتبات مدر*").terms, QueryMatcher.from_query("مدر*").prefixes
    (frozenset({'مكتب'}), ('مدر',))
    """

    terms: frozenset[str]
    prefixes: tuple[str, ...] = ()
    near: frozenset[str] = frozenset()
    roots: frozenset[str] = frozenset()
    root_stemmers: tuple[tuple[str, frozenset[str]], ...] = ()
    skip: frozenset[str] = frozenset()  # terms a prefix without its article never marks (stop words)
    stripped: frozenset[str] = frozenset()  # the prefixes that had their article removed
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    phrases: tuple[tuple[tuple[str, ...], int], ...] = ()  # (terms in order, slop)
    _entries: dict[tuple[str, bool] | None, tuple[str, How]] = field(default_factory=dict, compare=False, repr=False)
    _memo: dict[tuple[Analyzer, bool], dict[str, tuple[str, How] | None]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def from_plan(cls, plan: Plan, field: str) -> QueryMatcher:
        """What ``plan`` matches in text field ``field``: the words searched
        there (excluded ones left out), and the roots of the representation
        fields, which hold every text field."""
        terms: set[str] = set()
        near: set[str] = set()
        roots: dict[str, set[str]] = {}
        prefixes: list[str] = []
        stripped: set[str] = set()
        skip: frozenset[str] = frozenset()
        sources: dict[str, str] = {}
        phrases: list[tuple[tuple[str, ...], int]] = []
        typed: set[str] = set()  # a prefix some clause typed is not "stripped", even if another's article left it
        for item, excluded in plan.walk():
            if excluded or item.bonus:
                continue
            if item.kind == "terms":
                for ref in item.refs:
                    # as in the engine: a required or excluded word matches by its own term only
                    if ref.field == field and (ref.how == "stem" or (ref.how == "near" and item.occur == "should")):
                        (terms if ref.how == "stem" else near).add(ref.term)
                        sources.setdefault(ref.term, item.word)
                    elif ref.how == "root" and item.occur == "should" and ref.field.startswith(rep_field("")):
                        roots.setdefault(ref.field[len(rep_field("")):], set()).add(ref.term)
                        sources.setdefault("\0" + ref.term, item.word)
            elif item.kind == "phrase" and any(f == field for f, _ in item.fields):
                # its words are marked where they form the phrase, not wherever they occur
                if (item.words, item.slop) not in phrases:
                    phrases.append((item.words, item.slop))
                for w in item.words:
                    sources.setdefault(w, item.word)
            elif item.kind == "prefix" and any(f == field or f.startswith(rep_field("")) for f, _ in item.fields):
                typed.add(item.prefixes[0])
                for k, p in enumerate(item.prefixes):
                    if p not in prefixes:
                        prefixes.append(p)
                        sources.setdefault("*" + p, item.word + "*")
                        if k:
                            stripped.add(p)
                skip = item.skip
        all_roots = frozenset(r for rs in roots.values() for r in rs)
        by_stemmer = tuple((name, frozenset(rs)) for name, rs in roots.items())
        return cls(frozenset(terms), tuple(prefixes), frozenset(near - terms), all_roots, by_stemmer,
                   skip, frozenset(stripped - typed), sources, tuple(phrases))

    @classmethod
    def from_query(
        cls, query: str, analyzer: Analyzer | None = None, fields: Collection[str] = (), field: str | None = None
    ) -> QueryMatcher:
        """Build from a query string alone (no index: no roots or close
        spellings). With ``field``, clauses restricted to another field
        (``title:x`` when highlighting ``body``) are ignored."""
        analyzer = analyzer or DEFAULT_ANALYZER
        names = list(dict.fromkeys([*fields, *([field] if field else [])])) or ["body"]
        target = field or names[0]
        plan = build_plan(query, {n: Field("text") for n in names}, analyzer, Ranking(), [target] if field is None else names)
        return cls.from_plan(plan, target)

    def __bool__(self) -> bool:
        return bool(self.terms or self.prefixes or self.near or self.roots or self.phrases)

    def source(self, key: str, how: How) -> str:
        """The query word behind a matched term (``key`` as in :meth:`find`)."""
        if how == "root":
            return self.sources.get("\0" + key, key)
        if how == "prefix":
            return self.sources.get("*" + key, key + "*")
        return self.sources.get(key, key)

    def find(
        self, text: str, analyzer: Analyzer, start: int = 0, end: int | None = None, roots: bool = True
    ) -> list[tuple[int, int, str, How]]:
        """(start, end, key, how) of every matched word in ``text[start:end]``
        (``end`` defaults to :data:`MAX_SCAN_CHARS` past ``start``);
        ``key`` is the term (or root, or prefix) it matched, ``how`` as in
        :class:`Match` except that "form" is reported as "stem". ``roots=False``
        skips root matches (the root stemmer is the slow part)."""
        start = max(start, 0)
        end = start + MAX_SCAN_CHARS if end is None else max(end, start)
        found = self._find_words(text, analyzer, start, end, roots)
        if self.phrases:
            found = sorted({*found, *self._find_phrases(text, analyzer, start, end)})
        return found

    def _find_phrases(self, text: str, analyzer: Analyzer, start: int, end: int) -> list[tuple[int, int, str, How]]:
        """The words of ``text[start:end]`` that form one of the phrases (in
        order, at most ``slop`` other words between them in all)."""
        tokens = analyzer.analyze(text[start:end], keep_stopwords=True)
        at: dict[str, list[int]] = {}
        for i, t in enumerate(tokens):
            at.setdefault(t.text, []).append(i)
        found: list[tuple[int, int, str, How]] = []
        for words, slop in self.phrases:
            for first in at.get(words[0], ()):
                chain, gaps = [first], 0
                for w in words[1:]:
                    nxt = next((j for j in at.get(w, ()) if j > chain[-1]), None)
                    if nxt is None:
                        break
                    gaps += nxt - chain[-1] - 1
                    chain.append(nxt)
                if len(chain) == len(words) and gaps <= slop:
                    found.extend((start + tokens[j].start, start + tokens[j].end, tokens[j].text, "stem") for j in chain)
        return found

    def _find_words(self, text: str, analyzer: Analyzer, start: int, end: int, roots: bool) -> list[tuple[int, int, str, How]]:
        """Words matched by their term, close spelling, prefix or root."""
        if not self.prefixes and not (roots and self.roots):
            found = self._find_by_terms(text, analyzer, start, end)
            if found is not None:
                return found
        return self._scan_words(text, analyzer, start, end, roots)

    def _find_by_terms(self, text: str, analyzer: Analyzer, start: int, end: int) -> list[tuple[int, int, str, How]] | None:
        """What :meth:`_scan_words` finds when words match by their term alone,
        from where the terms occur in the normalized text, reading only the
        words there; None when that is not exact or not cheaper: the
        analyzer's terms are not substrings of its normalized words, a
        character normalizes to several, or the terms occur too often."""
        if not analyzer.terms_are_slices:
            return None
        chunk = text[start:end]
        mapped = analyzer.normalize_mapped(chunk)
        if mapped is None:
            return None
        norm, offsets = mapped
        limit = len(chunk) // _CHARS_PER_CANDIDATE + 8
        at: list[int] = []
        for term in chain(self.terms, self.near):
            i = norm.find(term)
            while i >= 0:
                at.append(i)
                if len(at) > limit:  # a common term: reading every word costs less
                    return None
                i = norm.find(term, i + 1)
        found: list[tuple[int, int, str, How]] = []
        table, entry, search = self._by_entry(), analyzer.entry, WORD_PATTERN.search
        if offsets is not None:  # marks were removed: back to offsets into the text
            at = offsets[at].tolist()
        done = 0  # the text before this is read: the end of the last word found, where a search may resume
        for i in sorted(at):
            if i < done:
                continue  # inside the word just read
            # The word holding i starts after the last space before i, or at the end of
            # the last word read (a search resumed at either finds what one from the start finds:
            # words hold no spaces); rfind looks back no further than that word.
            m = search(chunk, max(chunk.rfind(" ", done, i), chunk.rfind("\n", done, i), done - 1) + 1)
            while m is not None and m.end() <= i:
                m = search(chunk, m.end())
            if m is None:
                break
            if m.start() > i:  # i is between words: m is still to read
                done = m.start()
                continue
            done = m.end()
            hit = table.get(entry(m.group()))
            if hit is not None:
                found.append((start + m.start(), start + m.end(), *hit))
        return found

    def _scan_words(self, text: str, analyzer: Analyzer, start: int, end: int, roots: bool) -> list[tuple[int, int, str, How]]:
        """Words matched by their term, close spelling, prefix or root, reading every word."""
        # The loops over the text's words run in C (split, map, accumulate, compress):
        # only the matched words reach Python.
        parts = _SPLIT_WORDS.split(text[start:end])  # between-words, word, between-words, word, ...
        surfaces = parts[1::2]
        if not self.prefixes and not (roots and self.roots):
            # a word matches by its term alone: its cached entry, looked up in the matcher's table
            entries = list(map(analyzer._cache.get, surfaces, repeat(_UNSEEN, len(surfaces))))
            if _UNSEEN in entries:
                entry = analyzer.entry
                entries = [entry(w) if e is _UNSEEN else e for w, e in zip(surfaces, entries)]
            hits = list(map(self._by_entry().get, entries))
        else:
            # each distinct word classified once per query
            memo = self._memo.setdefault((analyzer, roots), {})  # surface → (key, how) or None
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            classify = self._classify
            for surface in set(surfaces).difference(memo):
                memo[surface] = classify(surface, analyzer, roots)
            hits = list(map(memo.__getitem__, surfaces))
        if not any(hits):
            return []
        ends = list(accumulate(map(len, parts), initial=start))  # word i is text[ends[2i + 1]:ends[2i + 2]]
        return [(ends[2 * i + 1], ends[2 * i + 2], *hits[i]) for i in compress(range(len(hits)), hits)]  # type: ignore[misc]

    def _by_entry(self) -> dict[tuple[str, bool] | None, tuple[str, How]]:
        """An analyzer entry ``(term, is_stopword)`` → (key, how), for the words matched by their term."""
        table = self._entries
        if not table:
            for how, terms in (("near", self.near), ("stem", self.terms)):  # a word's own term wins
                for term in terms:
                    table[(term, False)] = table[(term, True)] = (term, how)
        return table

    def _classify(self, surface: str, analyzer: Analyzer, roots: bool) -> tuple[str, How] | None:
        """How one surface word matches the query, if it does."""
        e = analyzer.entry(surface)
        if e is None:
            return None
        term = e[0]
        if term in self.terms:
            return term, "stem"
        if term in self.near:
            return term, "near"
        prefixes = self.prefixes
        if prefixes:
            norm = analyzer.normalize(surface)
            p = next((p for p in prefixes if norm.startswith(p) or term.startswith(p)), None)
            if p is not None and not (p in self.stripped and term in self.skip):
                return p, "prefix"
        if roots and self.roots and not e[1]:
            norm = analyzer.normalize(surface)
            for stemmer, wanted in self.root_stemmers:
                # the root stemmer is slow: it runs only where a root's letters are all in the word
                if _may_have_root(norm, wanted):
                    r = analyzer.with_stemmer(stemmer).entry(surface)
                    if r is not None and r[0] in wanted:
                        return r[0], "root"
        return None

    def words_shown(self, matches: list[tuple[int, int, str, bool]], spans: list[tuple[int, int]]) -> bool:
        """Whether every query word that has a root is already marked inside ``spans``."""
        with_roots = {self.sources.get("\0" + r) for r in self.roots}
        shown = {
            self.sources.get(k, self.sources.get("*" + k))
            for s, e, k, _ in matches
            if any(lo <= s and e <= hi for lo, hi in spans)
        }
        return with_roots <= shown

    def explain(self, text: str, analyzer: Analyzer) -> list[Match]:
        """Every matched word of ``text`` (up to :data:`MAX_SCAN_TOTAL`
        characters) with the query word it answers and how."""
        out: list[Match] = []
        found = [m for lo, hi in _stretches(text) for m in self.find(text, analyzer, lo, hi)]
        for start, end, key, how in found:
            word = self.source(key, how)
            if how == "stem" and analyzer.normalize(text[start:end]) == analyzer.normalize(word):
                how = "form"
            out.append(Match(word, how, start, end, text[start:end]))
        return out


_UNSEEN = ("", "")  # a sentinel: a word not classified yet
#: Splits a text into the stretches between words and the words (the pattern's group keeps them).
_SPLIT_WORDS = re.compile(f"({WORD_PATTERN.pattern})", WORD_PATTERN.flags)
_MEMO_LIMIT = 200_000  # words classified per matcher before its memo is reset
_CHARS_PER_CANDIDATE = 16  # more term occurrences than one per this many characters: read every word instead


def _may_have_root(norm: str, roots: frozenset[str]) -> bool:
    """A cheap test before the root stemmer: a root's letters are letters of
    the normalized word (held for every word of 300 news articles)."""
    letters = set(norm)
    return any(letters.issuperset(r) for r in roots)


def _matches(
    text: str, matcher: QueryMatcher, analyzer: Analyzer, roots: bool = True, start: int = 0, end: int | None = None
) -> list[tuple[int, int, str, bool]]:
    """(start, end, key, near) of every matched word in ``text[start:end]``:
    ``near`` for a root or a close spelling."""
    return [(s, e, k, how in ("near", "root")) for s, e, k, how in matcher.find(text, analyzer, start, end, roots)]


def _best_window(matches: list[tuple[int, int, str, bool]], max_chars: int, shown: set[str]) -> tuple[int, int]:
    """Indexes [i, j) of the matches forming the best window: most terms not
    yet ``shown``, then most distinct terms, then most matches."""
    best = (0, 1)
    best_score = (0, 0, 0, 0)
    j = 0
    for i in range(len(matches)):
        j = max(j, i + 1)
        while j < len(matches) and matches[j][1] - matches[i][0] <= max_chars:
            j += 1
        window = matches[i:j]
        distinct = {t for _, _, t, _ in window}
        exact = sum(1 for *_, near in window if not near)
        score = (len(distinct - shown), len(distinct), exact, len(window))
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


def _render(text: str, start: int, end: int, marks: list[tuple[int, int, str, bool]], fmt: str) -> str:
    before, after, escape = FORMATS[fmt]
    near_before, near_after = NEAR_FORMATS[fmt]
    # html: HTML-escaped; ansi (for terminals): control characters and bidi overrides shown escaped
    esc = html.escape if escape else printable if fmt == "ansi" else (lambda s: s)
    out: list[str] = [ELLIPSIS + " "] if text[:start].strip() else []
    pos = start
    for s, e, _, near in marks:
        if s < pos or s >= end:
            continue
        e = min(e, end)  # a matched word longer than the fragment: its start, still marked
        out.append(esc(text[pos:s]))
        out.append((near_before if near else before) + esc(text[s:e]) + (near_after if near else after))
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
    # Words matched by their stem, a close spelling or a prefix, over the whole
    # text; root matches (slow to find) over the whole text only when there
    # is nothing else, else only inside the fragments shown.
    matches: list[tuple[int, int, str, bool]] = []
    root_scan_done = False
    for lo, hi in _stretches(text) if matcher else []:
        matches = _matches(text, matcher, analyzer, False, lo, hi)
        if not matches and matcher.roots:
            matches, root_scan_done = _matches(text, matcher, analyzer, True, lo, hi), True
        if matches:
            break
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
        shown.update(t for _, _, t, _ in remaining[i:j])
        spans.append(_cut(text, remaining[i][0], remaining[j - 1][1], max_chars))
        lo, hi = spans[-1]
        remaining = [m for m in remaining if m[1] <= lo or m[0] >= hi]
    spans.sort()
    if matcher.roots and not root_scan_done and not matcher.words_shown(matches, spans):
        # a query word with a root is not marked in the fragments: look for its root there
        matches = sorted({m for s, e in spans for m in _matches(text, matcher, analyzer, True, s, e)} | set(matches))
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
    ``"text"`` (``[…]``) or ``"ansi"`` (bold yellow on a terminal; the
    text's control characters and bidi overrides are shown escaped, as
    ``\\x1b``, so a document cannot send the terminal commands). Each
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
