"""Completions as you type: the words and two-word phrases of an index, by prefix.

A :class:`Completions` table holds, for the text fields of every live
document of an index:

* each word as written (``surface``: diacritics and tatweel removed, hamza,
  ى and ة kept) and how many documents hold it;
* each normalized word (the index's normalization: ``الأمن`` → ``الامن``),
  how many documents hold it in any spelling, and its most frequent surface
  form (ties: the one that sorts first), which is what a completion shows;
* each pair of adjacent normalized words (not across punctuation or a line
  break) and how many documents hold it.

Words are kept sorted, so a prefix is a range of them (a bisection), and a
pair is a 64-bit key ``first << 32 | second`` over those word numbers, so the
pairs of one first word whose second word starts with a prefix are also one
range of a sorted array. The best of a range are found with NumPy.

:meth:`Completions.apply` returns the table with some documents' text added
and others' removed (exact counts: documents are counted again, never
estimated), which is how :class:`~arsearch.Index` keeps it at each commit.

Example:
    >>> from arsearch import Analyzer
    >>> table = Completions.empty().apply(["مجلس الأمن الدولي", "مجلس الأمة، الأمن"], [], Analyzer())
    >>> [(c.text, c.count) for c in table.complete("مجلس الا", Analyzer())]
    [('مجلس الأمن', 1), ('مجلس الأمة', 1)]
    >>> [(c.text, c.count) for c in table.complete("والامـ", Analyzer())]
    [('والأمن', 2), ('والأمة', 1)]
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import Analyzer
from .chars import DELETED_MARKS, IN_WORD_MARKS
from .errors import IndexCorruptedError
from .tokenize import WORD_PATTERN

__all__ = ["Completion", "Completions", "WordCounts", "COMPLETIONS_FILE", "FORMAT", "STALE_MARK"]

#: The completions table's file in an index folder.
COMPLETIONS_FILE = "completions.bin"
#: Version of that file's layout.
FORMAT = 1
_MAGIC = b"ARSEARCH-COMPLETIONS\n"

_MARKS = re.compile(f"[{re.escape(''.join(DELETED_MARKS))}]+")
#: A word, or one character that ends a phrase: punctuation, a symbol, a line break.
_TOKENS = re.compile(rf"{WORD_PATTERN.pattern}|[^\w\s{re.escape(IN_WORD_MARKS)}]|\n")
_SHIFT = np.uint64(32)
_TOP = "\U0010ffff"  # sorts after every character: prefix + _TOP bounds a prefix's range

# Conjunctions and prepositions written joined to the next word (see _splits).
_WAW = "\N{ARABIC LETTER WAW}"
_FEH = "\N{ARABIC LETTER FEH}"
_BEH = "\N{ARABIC LETTER BEH}"
_KAF = "\N{ARABIC LETTER KAF}"
_LAM = "\N{ARABIC LETTER LAM}"
_ALEF = "\N{ARABIC LETTER ALEF}"
_ARTICLE = _ALEF + _LAM  # ال
_CONJUNCTIONS = (_WAW, _FEH)
_PREPOSITIONS = (_BEH, _KAF, _LAM)
#: Letters of a word a clitic is split from must be at least this many.
MIN_SPLIT_REST = 3


@dataclass(frozen=True)
class Completion:
    """A suggested query: ``text`` (what was typed, its last word completed)
    and ``count``, the documents holding the completed word or phrase.

    >>> Completion("مجلس الأمن", 12)
    Completion(text='مجلس الأمن', count=12)
    """

    text: str
    count: int


class Completions:
    """The completion table of an index (see the module docstring)."""

    def __init__(
        self,
        words: list[str],
        word_df: np.ndarray,
        best: np.ndarray,
        surfaces: list[str],
        surface_df: np.ndarray,
        surface_word: np.ndarray,
        pairs: np.ndarray,
        pair_df: np.ndarray,
    ) -> None:
        self.words = words  # sorted normalized words
        self.word_df = word_df  # uint32, per word
        self.best = best  # uint32, per word: its most frequent surface
        self.surfaces = surfaces  # sorted surface forms
        self.surface_df = surface_df  # uint32, per surface
        self.surface_word = surface_word  # uint32, per surface: its normalized word
        self.pairs = pairs  # uint64 first << 32 | second, sorted
        self.pair_df = pair_df  # uint32, per pair

    @classmethod
    def empty(cls) -> Completions:
        u32 = np.zeros(0, np.uint32)
        return cls([], u32, u32, [], u32, u32, np.zeros(0, np.uint64), u32)

    def __len__(self) -> int:
        return len(self.words)

    # -- building ----------------------------------------------------------------------
    def apply(self, added: Sequence[str], removed: Sequence[str], analyzer: Analyzer) -> Completions:
        """This table with the documents whose text is ``added`` counted and
        those whose text is ``removed`` (counted before) taken away. A count
        that would go below zero stops at zero; words and pairs left with no
        document are dropped."""
        if not added and not removed:
            return self
        batch = Batch(analyzer)
        batch.count_texts(added, removed)
        return self.merge(batch.totals())

    def merge(self, totals: Totals) -> Completions:
        """This table with a batch's signed counts (:meth:`Batch.totals`) added."""
        b_surfaces, b_sdf, b_swords, b_words, b_wdf, b_pairs, b_pdf = totals
        if not b_surfaces and not len(b_pairs):
            return self

        # surfaces and words: the unions, sorted, and where the old and the batch's are in them
        surfaces, old_s, new_s = _merge_sorted(self.surfaces, b_surfaces)
        words, old_w, new_w = _merge_sorted(self.words, b_words)
        same_words = len(words) == len(self.words)  # no new word: the old numbers stand

        sdf = np.zeros(len(surfaces), np.int64)
        sdf[old_s] = self.surface_df
        np.add.at(sdf, new_s, b_sdf)
        surface_word = np.zeros(len(surfaces), np.int64)
        surface_word[old_s] = old_w[self.surface_word] if len(old_w) else 0
        surface_word[new_s] = new_w[b_swords] if len(new_w) else 0
        wdf = np.zeros(len(words), np.int64)
        wdf[old_w] = self.word_df
        np.add.at(wdf, new_w, b_wdf)

        # pairs: renumbering keeps their order (words are numbered in sorted order)
        old_pairs = self.pairs if same_words else _renumber(self.pairs, old_w)
        new_pairs = _renumber(b_pairs, new_w)
        order = np.argsort(new_pairs, kind="stable")
        new_pairs, new_pdf = new_pairs[order], b_pdf[order]
        at = np.searchsorted(old_pairs, new_pairs)
        found = at < len(old_pairs)
        found[found] = old_pairs[at[found]] == new_pairs[found]
        pdf = self.pair_df.astype(np.int64)
        np.add.at(pdf, at[found], new_pdf[found])
        pairs = np.insert(old_pairs, at[~found], new_pairs[~found])
        pdf = np.insert(pdf, at[~found], new_pdf[~found])

        # drop what no document holds any more; renumber what is left
        np.maximum(sdf, 0, out=sdf)
        np.maximum(wdf, 0, out=wdf)
        keep_s = sdf > 0
        keep_w = wdf > 0
        keep_p = pdf > 0
        if len(pairs):  # a pair counts only while both its words do (always, unless text was not stored)
            keep_p &= keep_w[(pairs >> _SHIFT).astype(np.int64)] & keep_w[(pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)]
        w_new = np.cumsum(keep_w) - 1
        surfaces = [s for s, k in zip(surfaces, keep_s.tolist()) if k]
        words = [w for w, k in zip(words, keep_w.tolist()) if k]
        sdf, surface_word = sdf[keep_s], w_new[surface_word[keep_s]]
        pairs, pdf = (pairs[keep_p] if keep_w.all() else _renumber(pairs[keep_p], w_new)), pdf[keep_p]
        return Completions(
            words,
            wdf[keep_w].astype(np.uint32),
            _best_surfaces(len(words), sdf, surface_word),
            surfaces,
            sdf.astype(np.uint32),
            surface_word.astype(np.uint32),
            pairs,
            pdf.astype(np.uint32),
        )

    # -- completing --------------------------------------------------------------------
    def complete(self, text: str, analyzer: Analyzer, limit: int = 10) -> list[Completion]:
        """Completions of ``text``: its last word completed, ``limit`` at most.

        When a word comes before the last one (separated by spaces only), the
        pairs it begins whose second word starts with the last word come
        first, by their document count; then the words starting with the
        last word, by theirs. A last word beginning with و or ف, optionally
        followed by ب ك ل and the article (وال، فبال، لل...), is also
        completed without them, keeping what was typed (والمدر → والمدرسة,
        counted as المدرسة). Ties: phrases before words, a word completed
        directly before one completed through a clitic, then the
        completions' normalized text in code point order. Text ending with
        a space completes the next word from the pairs alone.
        """
        if limit <= 0 or not self.words:
            return []
        found = [m for m in _TOKENS.finditer(text) if WORD_PATTERN.fullmatch(m.group())]
        if not found:
            return []
        last = found[-1]
        tail = text[last.end():]
        if tail and not tail.isspace():
            return []  # punctuation after the last word: nothing to complete
        if tail:  # "مجلس ": the next word, from the pairs
            head, typed, previous = text, "", last
        else:
            head, typed = text[: last.start()], last.group()
            gap = text[found[-2].end(): last.start()] if len(found) > 1 else ""
            previous = found[-2] if gap and gap.isspace() and "\n" not in gap else None
        prefix = analyzer.normalize(_MARKS.sub("", typed))
        # (sort key, normalized text, Completion)
        ranked: dict[str, tuple[tuple[Any, ...], Completion]] = {}

        def offer(rank: tuple[Any, ...], key: str, completion: Completion) -> None:
            if key not in ranked or rank < ranked[key][0]:
                ranked[key] = (rank, completion)

        if previous is not None:
            first = self._word_id(analyzer.normalize(_MARKS.sub("", previous.group())))
            if first is not None:
                lo, hi = self._range(prefix)
                base = np.uint64(first) << _SHIFT
                a = int(np.searchsorted(self.pairs, base | np.uint64(lo)))
                b = int(np.searchsorted(self.pairs, base | np.uint64(hi)))
                for i in _top(self.pair_df, a, b, limit):
                    second = int(self.pairs[i] & np.uint64(0xFFFFFFFF))
                    count = int(self.pair_df[i])
                    word = self.words[second]
                    offer((0, -count, 0, word), word, Completion(head + self.surfaces[self.best[second]], count))
        if prefix:
            for kind, (cut, base_prefix, drop) in enumerate(_splits(prefix)):
                lo, hi = self._range(base_prefix)
                clitic = _typed_head(typed, cut, analyzer)
                for i in _top(self.word_df, lo, hi, limit):
                    count = int(self.word_df[i])
                    surface = self.surfaces[self.best[i]][drop:]
                    key = prefix[:cut] + self.words[i][drop:]
                    offer((1, -count, min(kind, 1), key), key, Completion(head + clitic + surface, count))
        return [c for _, c in sorted(ranked.values(), key=lambda r: r[0])[:limit]]

    def _range(self, prefix: str) -> tuple[int, int]:
        """The words starting with ``prefix``: ``words[lo:hi]``."""
        if not prefix:
            return 0, len(self.words)
        return bisect.bisect_left(self.words, prefix), bisect.bisect_left(self.words, prefix + _TOP)

    def word_counts(self) -> WordCounts:
        """The table's documents per normalized word, as a lookup.

        >>> table = Completions.empty().apply(["الأمن والأمان", "الامن"], [], Analyzer())
        >>> counts = table.word_counts()
        >>> counts("الامن"), counts("الأمن"), counts("الامم")
        (2, 0, 0)
        """
        return WordCounts(self.words, self.word_df)

    def _word_id(self, word: str) -> int | None:
        return _position(self.words, word)

    # -- storing -----------------------------------------------------------------------
    def to_bytes(self, stamp: Any = None) -> bytes:
        """The table as a file's bytes, with ``stamp`` (what it was built for)."""
        parts = [
            "\n".join(self.words).encode("utf-8"),
            "\n".join(self.surfaces).encode("utf-8"),
            self.word_df.astype("<u4").tobytes(),
            self.best.astype("<u4").tobytes(),
            self.surface_df.astype("<u4").tobytes(),
            self.surface_word.astype("<u4").tobytes(),
            np.diff(self.pairs, prepend=np.uint64(0)).astype("<u8").tobytes(),
            self.pair_df.astype("<u4").tobytes(),
        ]
        packed = [zlib.compress(p, 1) for p in parts]
        header = json.dumps({"format": FORMAT, "stamp": stamp, "sizes": [len(p) for p in packed],
                             "counts": [len(self.words), len(self.surfaces), len(self.pairs)]}).encode("utf-8")
        return _MAGIC + len(header).to_bytes(4, "little") + header + b"".join(packed)

    @classmethod
    def from_bytes(cls, data: bytes) -> tuple[Completions, Any]:
        """A table and its stamp from :meth:`to_bytes`'s output;
        :class:`~arsearch.IndexCorruptedError` when the bytes are not one."""
        try:
            header, sections = _sections(data)
            parts = [zlib.decompress(p) for p in sections]
            n_words, n_surfaces, n_pairs = header["counts"]
            words = parts[0].decode("utf-8").split("\n") if n_words else []
            surfaces = parts[1].decode("utf-8").split("\n") if n_surfaces else []
            arrays = [np.frombuffer(p, "<u4").astype(np.uint32) for p in (parts[2], parts[3], parts[4], parts[5], parts[7])]
            pairs = np.cumsum(np.frombuffer(parts[6], "<u8"), dtype=np.uint64)
            word_df, best, surface_df, surface_word, pair_df = arrays
            sizes = (len(words), len(word_df), len(best), len(surfaces), len(surface_df), len(surface_word))
            if sizes != (n_words, n_words, n_words, n_surfaces, n_surfaces, n_surfaces) or len(pairs) != n_pairs \
                    or len(pair_df) != n_pairs:
                raise ValueError("its sections disagree on their sizes")
            if n_words and (int(best.max(initial=0)) >= n_surfaces or int(surface_word.max(initial=0)) >= n_words
                            or int((pairs >> _SHIFT).max(initial=0)) >= n_words
                            or int((pairs & np.uint64(0xFFFFFFFF)).max(initial=0)) >= n_words):
                raise ValueError("a number points past the end of its table")
        except _DAMAGE as e:
            raise _damaged(e) from e
        return cls(words, word_df, best, surfaces, surface_df, surface_word, pairs, pair_df), header.get("stamp")

    def size_bytes(self) -> int:
        """Bytes of :meth:`to_bytes` (for reports)."""
        return len(self.to_bytes())


#: What reading a damaged completions file raises (a deeply nested header: RecursionError).
_DAMAGE = (ValueError, KeyError, TypeError, IndexError, RecursionError, zlib.error, UnicodeDecodeError)


def _damaged(error: BaseException) -> IndexCorruptedError:
    return IndexCorruptedError(f"the completions file is damaged ({error}); commit to the index to rebuild it")


def stamp_for(documents: int) -> dict[str, Any]:
    """The stamp a table is written with: the live documents it counts."""
    return {"documents": documents}


def stamp_counts(stamp: Any, documents: int) -> bool:
    """Whether a table's ``stamp`` says it counts ``documents`` live documents
    (a table stamped for another number is another commit's)."""
    return isinstance(stamp, dict) and stamp.get("documents") == documents


def _position(words: list[str], word: str) -> int | None:
    """Where ``word`` is in the sorted ``words`` (None: not there)."""
    i = bisect.bisect_left(words, word)
    return i if i < len(words) and words[i] == word else None


def _sections(data: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The header and the compressed sections of a completions file (ValueError: not one)."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a completions file")
    at = len(_MAGIC)
    size = int.from_bytes(data[at: at + 4], "little")
    header = json.loads(data[at + 4: at + 4 + size].decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"format {header.get('format') if isinstance(header, dict) else None!r}, not {FORMAT}")
    at += 4 + size
    sections = []
    for n in header["sizes"]:
        sections.append(data[at: at + n])
        at += n
    if len(sections) != 8 or at != len(data):
        raise ValueError("its sections do not fill the file")
    return header, sections


class WordCounts:
    """How many documents hold each normalized word: the words and counts of a
    completion table without the rest (read from its file in a tenth of the
    time), looked up by bisection.

    >>> counts = WordCounts(["الامن", "مجلس"], np.array([2, 1], np.uint32))
    >>> counts("الامن"), counts("الأمن"), counts("الامم")
    (2, 0, 0)
    """

    def __init__(self, words: list[str], counts: np.ndarray) -> None:
        self.words = words  # sorted
        self.counts = counts

    def __call__(self, word: str) -> int:
        i = _position(self.words, word)
        return 0 if i is None else int(self.counts[i])

    @classmethod
    def from_bytes(cls, data: bytes) -> tuple[WordCounts, Any]:
        """The word counts and stamp of a completions file's bytes (only
        their two sections are decompressed); :class:`~arsearch.IndexCorruptedError`
        when the bytes are not a completions file."""
        try:
            header, sections = _sections(data)
            n_words = header["counts"][0]
            words = zlib.decompress(sections[0]).decode("utf-8").split("\n") if n_words else []
            counts = np.frombuffer(zlib.decompress(sections[2]), "<u4").astype(np.uint32)
            if len(words) != n_words or len(counts) != n_words:
                raise ValueError("its sections disagree on their sizes")
        except _DAMAGE as e:
            raise _damaged(e) from e
        return cls(words, counts), header.get("stamp")


class _Numbering(dict[str, int]):
    """Strings numbered in the order first looked up (``numbering[s]``);
    :meth:`take_fresh` returns those numbered since its last call."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh: list[str] = []

    def __missing__(self, key: str) -> int:
        k = self[key] = len(self)
        self.fresh.append(key)
        return k

    def take_fresh(self) -> list[str]:
        fresh, self.fresh = self.fresh, []
        return fresh


#: A batch's signed counts (:meth:`Batch.totals`): surfaces, their counts and
#: word numbers; words and their counts; pairs (in word numbers) and their counts.
Totals = tuple[list[str], np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]


class Batch:
    """Counts of some documents' surface forms, words and pairs (each counted
    once per document), with a sign: +1 for added text, -1 for removed.

    A document is split at whitespace (C speed); each distinct
    whitespace-separated piece is read once with the word pattern into its
    first and last word and whether punctuation closes it on either side
    (which ends a phrase). Documents are then counted in chunks with NumPy.
    """

    CHUNK = 2048  # documents per counting step

    def __init__(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        self._pieces = _Numbering()  # whitespace-separated piece → number (numbered when first seen)
        self._surfaces: dict[str, int] = {}
        self._words: dict[str, int] = {}
        # per piece: first and last surface (-1: none), open on the left / right (no punctuation there)
        self._first: list[int] = []
        self._last: list[int] = []
        self._open: list[int] = []  # bit 1: left open, bit 2: right open
        self._middle: dict[int, list[int]] = {}  # piece → the surfaces between its first and last
        self._surface_word: list[int] = []
        self._docs: list[np.ndarray] = []  # the piece numbers of the documents counted since the last flush
        self._signs: list[int] = []
        self._sdf = np.zeros(0, np.int64)
        self._wdf = np.zeros(0, np.int64)
        self._pairs: list[tuple[np.ndarray, np.ndarray]] = []
        self._cache: dict[str, np.ndarray] = {}

    def _learn(self, new: list[str]) -> None:
        """Read the pieces numbered since the last call, ``new`` in the order
        of their numbers (all at once: one pass to remove marks, one to
        normalize the new surface forms)."""
        surfaces, fresh = self._surfaces, []

        def number(surface: str) -> int:
            k = surfaces.get(surface)
            if k is None:
                k = surfaces[surface] = len(surfaces)
                fresh.append(surface)
            return k

        first, last, opened = self._first, self._last, self._open
        # pieces hold no whitespace: a line break separates them
        for piece, stripped in zip(new, _MARKS.sub("", "\n".join(new)).split("\n")):
            if WORD_PATTERN.fullmatch(piece):  # most pieces: one word
                k = number(stripped) if stripped else -1
                first.append(k)
                last.append(k)
                opened.append(3 if k >= 0 else 0)
                continue
            words = []
            for token in _TOKENS.findall(piece):
                stripped = _MARKS.sub("", token) if WORD_PATTERN.fullmatch(token) else ""
                words.append(number(stripped) if stripped else -1)
            if len(words) > 2 and any(w >= 0 for w in words[1:-1]):
                self._middle[len(first)] = [w for w in words[1:-1] if w >= 0]
            first.append(words[0] if words else -1)
            last.append(words[-1] if words else -1)
            opened.append((1 if words and words[0] >= 0 else 0) | (2 if words and words[-1] >= 0 else 0))
        if fresh:
            normalized = self._analyzer.normalize("\n".join(fresh)).split("\n")
            if len(normalized) != len(fresh):  # a line break out of normalization (never with the stock table)
                normalized = [self._analyzer.normalize(f) for f in fresh]
            words = self._words
            self._surface_word.extend([words.setdefault(w, len(words)) for w in normalized])

    def count(self, text: str, sign: int) -> None:
        pieces = text.replace("\n", " \x00 ").split()  # NUL (never in stored text): a line break ends a phrase
        if pieces:  # numbered where they are read (hot in the cache), read with the word pattern at the flush
            self._docs.append(np.fromiter(map(self._pieces.__getitem__, pieces), np.int64, len(pieces)))
            self._signs.append(sign)
            if len(self._docs) >= self.CHUNK:
                self._flush()

    def count_texts(self, added: Iterable[str | None], removed: Iterable[str]) -> None:
        """Count each text of ``added`` (``None``: nothing) and take away each of ``removed``."""
        for text in added:
            if text is not None:
                self.count(text, 1)
        for text in removed:
            self.count(text, -1)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The per-piece lists as arrays (extended with what was learnt since the last call)."""
        out = []
        for name in ("_first", "_last", "_open", "_surface_word"):
            values: list[int] = getattr(self, name)
            have = self._cache.get(name, np.zeros(0, np.int64))
            if len(have) < len(values):
                have = np.concatenate([have, np.array(values[len(have):], np.int64)])
                self._cache[name] = have
            out.append(have)
        return out[0], out[1], out[2], out[3]

    def _flush(self) -> None:
        if not self._docs:
            return
        docs, signs = self._docs, np.array(self._signs, np.int64)
        self._docs, self._signs = [], []
        if self._pieces.fresh:
            self._learn(self._pieces.take_fresh())
        ids = np.concatenate(docs)
        doc = np.repeat(np.arange(len(docs), dtype=np.int64), [len(d) for d in docs])
        first_of, last_of, open_of, word_of = self._arrays()
        first, last = first_of[ids], last_of[ids]
        # surfaces of each document, once
        other = (last >= 0) & (last != first)  # most pieces are one word: first is last
        parts = [(doc[first >= 0] << 32) | first[first >= 0], (doc[other] << 32) | last[other]]
        if self._middle:
            has_middle = np.zeros(len(self._first), bool)
            has_middle[list(self._middle)] = True
            at = np.flatnonzero(has_middle[ids])
            if len(at):
                extra = [(d << 32) | m for d, i in zip(doc[at].tolist(), ids[at].tolist()) for m in self._middle[i]]
                parts.append(np.array(extra, np.int64))
        keys = _unique(np.concatenate(parts))
        key_doc, surface = keys >> 32, keys & 0xFFFFFFFF
        self._sdf = _add_counts(self._sdf, surface, signs[key_doc], len(self._surfaces))
        keys = _unique((key_doc << 32) | word_of[surface])
        self._wdf = _add_counts(self._wdf, keys & 0xFFFFFFFF, signs[keys >> 32], len(self._words))
        # pairs: a piece's last word and the next piece's first, with no punctuation between
        opened = open_of[ids]
        join = ((opened[:-1] & 2) > 0) & ((opened[1:] & 1) > 0) & (doc[:-1] == doc[1:])
        w1, w2 = word_of[last[:-1][join]], word_of[first[1:][join]]
        pair_doc = doc[:-1][join]
        if len(w1):
            pairs, inverse = _unique_inverse((w1 << 32) | w2)
            keys = _unique((pair_doc << 32) | inverse)
            counts = np.bincount(keys & 0xFFFFFFFF, weights=signs[keys >> 32], minlength=len(pairs))
            self._pairs.append((pairs, counts.astype(np.int64)))

    def totals(self) -> Totals:
        """Surfaces, their counts and word numbers; words and their counts;
        pairs (in word numbers) and their counts."""
        self._flush()
        surfaces, words = list(self._surfaces), list(self._words)
        sdf = np.zeros(len(surfaces), np.int64)
        sdf[: len(self._sdf)] = self._sdf
        wdf = np.zeros(len(words), np.int64)
        wdf[: len(self._wdf)] = self._wdf
        self._join_pairs()
        pairs, pdf = self._pairs[0] if self._pairs else (np.zeros(0, np.int64), np.zeros(0, np.int64))
        return surfaces, sdf, np.array(self._surface_word, np.int64), words, wdf, pairs.astype(np.uint64), pdf

    def flush(self) -> None:
        """Count the documents read so far now (not at the next :data:`CHUNK`),
        keeping the pairs' partial counts few: what a process counting in the
        background does while it waits for more text, so :meth:`totals` is quick."""
        self._flush()
        if len(self._pairs) > _PAIR_PARTS:
            self._join_pairs()

    def _join_pairs(self) -> None:
        """The pairs' partial counts (one per flush) summed into one."""
        if len(self._pairs) > 1:
            keys = np.concatenate([k for k, _ in self._pairs])
            counts = np.concatenate([c for _, c in self._pairs])
            pairs, inverse = _unique_inverse(keys, presorted=True)
            self._pairs = [(pairs, np.bincount(inverse, weights=counts, minlength=len(pairs)).astype(np.int64))]


_PAIR_PARTS = 8  # partial pair counts a background count keeps before summing them


def _unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (by sorting: faster than np.unique's hashing here)."""
    values = np.sort(values)
    keep = np.ones(len(values), bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def _unique_inverse(values: np.ndarray, presorted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and each value's position among them;
    ``presorted``: ``values`` are a few sorted runs (a merge sort takes them in one pass each)."""
    order = np.argsort(values, kind="stable" if presorted else None)
    ordered = values[order]
    new = np.ones(len(values), bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(values), np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def _add_counts(counts: np.ndarray, ids: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, np.int64)
    out[: len(counts)] = counts
    out += np.bincount(ids, weights=weights, minlength=n).astype(np.int64)
    return out


def _merge_sorted(old: list[str], batch: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``old`` (sorted) with the new strings of ``batch`` added, sorted; the
    positions there of ``old``'s strings and of ``batch``'s."""
    fresh = sorted(set(batch).difference(old))
    merged = old + fresh
    merged.sort()  # two sorted runs: one merge pass
    if len(batch) * 8 > len(merged):  # a big batch: one dict of positions beats a bisection per string
        position = {s: i for i, s in enumerate(merged)}
        find = position.__getitem__
    else:
        find = functools.partial(bisect.bisect_left, merged)
    is_fresh = np.zeros(len(merged), bool)
    is_fresh[list(map(find, fresh))] = True
    at = np.fromiter(map(find, batch), np.int64, len(batch))
    return merged, np.flatnonzero(~is_fresh), at


def _renumber(pairs: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Pair keys with both word numbers mapped through ``mapping``."""
    if not len(pairs):
        return np.zeros(0, np.uint64)
    pairs = pairs.astype(np.uint64)
    first = mapping[(pairs >> _SHIFT).astype(np.int64)].astype(np.uint64)
    second = mapping[(pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)].astype(np.uint64)
    return (first << _SHIFT) | second


def _best_surfaces(n_words: int, sdf: np.ndarray, surface_word: np.ndarray) -> np.ndarray:
    """Per word, its surface with the highest count (ties: the first in sort order)."""
    best = np.zeros(n_words, np.uint32)
    if not n_words:
        return best
    order = np.lexsort((np.arange(len(sdf)), -sdf, surface_word))
    firsts = np.ones(len(order), bool)
    firsts[1:] = surface_word[order][1:] != surface_word[order][:-1]
    best[surface_word[order][firsts]] = order[firsts]
    return best


def _top(counts: np.ndarray, lo: int, hi: int, k: int) -> list[int]:
    """Positions of the ``k`` highest ``counts[lo:hi]``, highest first (ties: lower position)."""
    if hi <= lo:
        return []
    window = counts[lo:hi]
    if hi - lo > k:
        part = np.argpartition(-window.astype(np.int64), k - 1)[:k]
        # the k-th count may be tied past the cut: take every position holding it
        kth = window[part].min()
        part = np.flatnonzero(window >= kth)
    else:
        part = np.arange(hi - lo)
    order = np.lexsort((part, -window[part].astype(np.int64)))
    return (part[order][:k] + lo).tolist()


def _splits(prefix: str) -> list[tuple[int, str, int]]:
    """Ways to read a normalized ``prefix``: ``(letters typed before the
    word, the word's prefix, letters of the word's surface to drop)``, the
    prefix itself first. و/ف may lead; ب/ك/ل are split only before the
    article (بال، لل for ل + ال)."""
    out = [(0, prefix, 0)]
    for conj in ("", *_CONJUNCTIONS):
        if not prefix.startswith(conj):
            continue
        rest = prefix[len(conj):]
        if conj and len(rest) >= MIN_SPLIT_REST:
            out.append((len(conj), rest, 0))
        for prep in _PREPOSITIONS:
            if rest.startswith(prep + _ARTICLE) and len(rest) - 1 >= MIN_SPLIT_REST:
                out.append((len(conj) + 1, rest[1:], 0))
        if rest.startswith(_LAM + _LAM) and len(rest) >= MIN_SPLIT_REST:  # لل: ل + ال, its alef dropped
            out.append((len(conj) + 1, _ARTICLE + rest[2:], 1))
    return out


def _typed_head(typed: str, letters: int, analyzer: Analyzer) -> str:
    """The start of the typed word covering its first ``letters`` normalized letters (with their marks)."""
    if letters == 0:
        return ""
    for end in range(1, len(typed) + 1):
        if len(analyzer.normalize(typed[:end])) >= letters and (end == len(typed) or analyzer.normalize(typed[end])):
            return typed[:end]
    return typed


# -- the table's file in an index folder -----------------------------------------------
#: Present while a commit is between the engine's commit and the table's: left by
#: a writer that stopped there, it marks the table as stale (rebuilt at the next commit).
STALE_MARK = COMPLETIONS_FILE + ".stale"


def file_key(folder: Path) -> tuple[int, int, int] | None:
    """What changes when the table's file is replaced (None: no file)."""
    try:
        st = (folder / COMPLETIONS_FILE).stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def read_file(folder: Path) -> tuple[Completions, Any] | None:
    """The table and stamp stored in ``folder`` (None: no file)."""
    data = _file_bytes(folder)
    return None if data is None else Completions.from_bytes(data)


def read_word_counts(folder: Path) -> tuple[WordCounts, Any] | None:
    """The word counts and stamp stored in ``folder`` (None: no file)."""
    data = _file_bytes(folder)
    return None if data is None else WordCounts.from_bytes(data)


def _file_bytes(folder: Path) -> bytes | None:
    try:
        return (folder / COMPLETIONS_FILE).read_bytes()
    except FileNotFoundError:
        return None


def write_file(folder: Path, table: Completions, stamp: Any) -> None:
    """Replace the table's file in one step (a temporary file renamed over it)."""
    tmp = folder / (COMPLETIONS_FILE + ".tmp")
    tmp.write_bytes(table.to_bytes(stamp))
    os.replace(tmp, folder / COMPLETIONS_FILE)


def remove_files(folder: Path) -> None:
    """Remove the table's files from ``folder`` (an index being overwritten)."""
    for name in (COMPLETIONS_FILE, COMPLETIONS_FILE + ".tmp", STALE_MARK):
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            pass
