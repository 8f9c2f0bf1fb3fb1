"""Spelling suggestions ("did you mean") from an index's own vocabulary.

A :class:`Speller` corrects the words of a query that the index does not
know. It knows nothing about the engine: it takes the
:class:`~arsearch.analysis.Analyzer` the index was built with and a function
``df(term) -> int`` giving a term's document frequency, and it only ever asks
``df`` about candidate terms (each once per speller: answers are cached).

How a query is corrected:

1. Only plain Arabic words are touched: a run of Arabic letters (diacritics
   and tatweel allowed) not glued to Latin letters or digits, not followed by
   ``*`` (a prefix) or ``:`` (a field name). Operators, quotes, parentheses,
   ``^2`` boosts, ``~N``, field names and Latin words are copied unchanged,
   and so are the words that need no correction.
2. A word needs correcting when its term is in no document, unless it reads
   as a clitic (و ف ب ل ك before it, a pronoun after it: :data:`PROCLITICS`,
   :data:`ENCLITICS`) on a known word; a word whose term is in at most
   ``rare_df`` documents is corrected when a candidate is far likelier, and
   so is a word ending in ت whose ة form is far likelier (الخدمت is known
   only from خدمته). Stop words are never corrected.
3. Candidates are the words one typing error away, spelled with the letters
   the user typed (hamza forms and ة kept; diacritics dropped): a confusable
   letter (:data:`CONFUSABLE_GROUPS`), a neighbouring key on the Arabic (101)
   keyboard (:data:`KEYBOARD_ROWS`), a doubled, stray, swapped or dropped
   letter, two confusable letters at once, a split into two known words
   (عبدالله → عبد الله); and, for two adjacent words, their join when a part is
   unknown or rare (كورو نا → كورونا).
4. Each reading is scored with :data:`COSTS` (the edit) against the document
   frequency of the word it gives (see :class:`Speller`); the lowest score wins.

``df`` is asked about the analyzer's terms: light stems, for an arsearch
index. A stem is shared by many words, so a typo whose stem is another
word's looks spelled fine; :meth:`Speller.over_surface_forms` is the same
speller over written words, for an index that keeps them.

Example:
    >>> from arsearch.analysis import Analyzer
    >>> vocab = {"تونس": 120, "عاصم": 40, "رئيس": 300}  # term -> document frequency
    >>> speller = Speller(Analyzer(), lambda term: vocab.get(term, 0), documents=1000)
    >>> speller.suggest("تونسس العاصمة")
    'تونس العاصمة'
    >>> speller.suggest('+"رئيس تونس" title:العاصمة') is None
    True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pyarabic.araby import (
    AIN,
    ALEF,
    ALEF_HAMZA_ABOVE,
    ALEF_HAMZA_BELOW,
    ALEF_MADDA,
    ALEF_MAKSURA,
    BEH,
    DAD,
    DAL,
    FEH,
    GHAIN,
    HAH,
    HAMZA,
    HEH,
    JEEM,
    KAF,
    KHAH,
    LAM,
    MEEM,
    NOON,
    QAF,
    REH,
    SAD,
    SEEN,
    SHEEN,
    TAH,
    TEH,
    TEH_MARBUTA,
    THAL,
    THEH,
    WAW,
    WAW_HAMZA,
    YEH,
    YEH_HAMZA,
    ZAH,
    ZAIN,
)

from .analysis import Analyzer
from .chars import ARABIC_LETTERS, DELETED_MARKS, FARSI_YEH, KEHEH

__all__ = [
    "Speller",
    "Correction",
    "Costs",
    "COSTS",
    "edit_cost",
    "CONFUSABLE_GROUPS",
    "KEYBOARD_ROWS",
    "KEYBOARD_NEIGHBOURS",
    "PROCLITICS",
    "ENCLITICS",
]

# -- letters ---------------------------------------------------------------------------

#: Every letter a correctable word may be made of: the Arabic block's letters
#: (hamza to yeh, tatweel excluded) and the Persian forms the analyzer folds.
WORD_LETTERS: str = ARABIC_LETTERS + KEHEH + FARSI_YEH

#: Letters tried for a dropped letter, most frequent first (the usual order of
#: Arabic letters in running text), so that a lookup budget spent in this
#: order covers the likeliest letters first.
INSERT_ORDER: str = (
    ALEF + LAM + YEH + TEH + WAW + MEEM + REH + NOON + BEH + DAL + HEH + SEEN + AIN + QAF + FEH + HAH + JEEM
    + KAF + SAD + SHEEN + TAH + ZAIN + KHAH + DAD + GHAIN + THEH + YEH_HAMZA + HAMZA + THAL + ZAH + WAW_HAMZA
)

#: Letters people write for one another (similar sound or shape), as typos to
#: correct (close spellings that make hits are arsearch.variants'). The
#: analyzer already folds أ إ آ → ا, ى → ي and ة → ه; ة ى أ stay here because
#: candidates are spelled with the user's letters.
CONFUSABLE_GROUPS: tuple[str, ...] = (
    DAD + ZAH + DAL + THAL,  # ض ظ د ذ (dialects merge the interdentals and emphatics)
    THAL + ZAIN,  # ذ ز
    THEH + SEEN + TEH,  # ث س ت
    SAD + SEEN,  # ص س
    QAF + KAF + GHAIN + JEEM,  # ق ك غ ج (dialectal qaf; g written غ ج ك ق in loanwords)
    HAH + HEH,  # ح ه
    TEH_MARBUTA + TEH + HEH,  # ة ت ه
    ALEF_MAKSURA + YEH + YEH_HAMZA,  # ى ي ئ
    HAMZA + WAW_HAMZA + YEH_HAMZA + ALEF_HAMZA_ABOVE,  # ء ؤ ئ أ (the seat of a hamza)
    WAW + WAW_HAMZA,  # و ؤ (a dropped seat, as ي/ئ above: مسوول for مسؤول)
)

#: The letter keys of the Arabic (101) keyboard, row by row from the top and
#: left to right (the keys of Q..], A..' and Z../). The لا key types two letters.
KEYBOARD_ROWS: tuple[tuple[str, ...], ...] = (
    (DAD, SAD, THEH, QAF, FEH, GHAIN, AIN, HEH, KHAH, HAH, JEEM, DAL),
    (SHEEN, SEEN, YEH, BEH, LAM, ALEF, TEH, NOON, MEEM, KAF, TAH),
    (YEH_HAMZA, HAMZA, WAW_HAMZA, REH, LAM + ALEF, ALEF_MAKSURA, TEH_MARBUTA, WAW, ZAIN, ZAH),
)

#: Letters typed with Shift, and the key that types them.
SHIFTED_KEYS: dict[str, str] = {ALEF_HAMZA_ABOVE: ALEF, ALEF_HAMZA_BELOW: GHAIN, ALEF_MADDA: ALEF_MAKSURA}


def _neighbours(rows: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    """The keys touching each key: left and right in its row; on a staggered
    keyboard, columns c and c+1 of the row above and c-1 and c of the row
    below. Only one-letter keys are listed."""
    out: dict[str, str] = {}
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            near = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)]
            keys = [rows[i][j] for i, j in near if 0 <= i < len(rows) and 0 <= j < len(rows[i])]
            if len(key) == 1:
                out[key] = "".join(k for k in keys if len(k) == 1)
    return out


#: Each letter's neighbouring keys on the Arabic (101) keyboard (a shifted
#: letter has its key's neighbours).
KEYBOARD_NEIGHBOURS: dict[str, str] = _neighbours(KEYBOARD_ROWS)
KEYBOARD_NEIGHBOURS.update({s: KEYBOARD_NEIGHBOURS[k] for s, k in SHIFTED_KEYS.items()})

_CONFUSABLE: frozenset[tuple[str, str]] = frozenset((a, b) for g in CONFUSABLE_GROUPS for a in g for b in g if a != b)
_CONFUSABLE_WITH: dict[str, str] = {a: "".join(sorted({b for x, b in _CONFUSABLE if x == a})) for a, _ in _CONFUSABLE}
_NEIGHBOUR_PAIRS: frozenset[tuple[str, str]] = frozenset((a, b) for a, ns in KEYBOARD_NEIGHBOURS.items() for b in ns)
# Letters normalization folds together: a substitution between them is nearly free.
_FOLDS: dict[str, str] = {ALEF_HAMZA_ABOVE: ALEF, ALEF_HAMZA_BELOW: ALEF, ALEF_MADDA: ALEF, ALEF_MAKSURA: YEH, TEH_MARBUTA: HEH}
_MARKS = str.maketrans({c: None for c in DELETED_MARKS})

#: Clitics written onto a word: conjunctions and prepositions before it, and
#: pronouns after it (the light stemmer strips none of ب ل ك ف alone, nor ك).
#: A word the index lacks that is a clitic on a known word is a new inflection,
#: not a typo (بفيديو, موهبتك).
PROCLITICS: tuple[str, ...] = (WAW, FEH, BEH, LAM, KAF, WAW + BEH, WAW + LAM, WAW + KAF, FEH + BEH, FEH + LAM)
ENCLITICS: tuple[str, ...] = (
    KAF, YEH, HEH, HEH + ALEF, HEH + MEEM, HEH + NOON, HEH + MEEM + ALEF,
    KAF + MEEM, KAF + NOON, KAF + MEEM + ALEF, NOON + ALEF, NOON + YEH,
)
CLITIC_MIN_REST = 3  # letters the word keeps once a clitic is off

_NOT_INITIAL = HAMZA + WAW_HAMZA + YEH_HAMZA  # hamza forms that never start a word


# -- costs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Costs:
    """The cost of each typing error, in edits (any other substitution is 1).

    Lower means likelier. The defaults were tuned on the first half of the
    benchmark's typo set (benchmarks/bench_suggest.py, benchmarks/README.md).
    """

    confusable: float = 0.5  # a letter of the same CONFUSABLE_GROUPS group
    keyboard: float = 0.7  # a neighbouring key
    substitute: float = 1.0  # any other letter
    doubled: float = 0.4  # a letter typed twice (مدرسسة)
    extra: float = 1.2  # a stray letter
    extra_neighbour: float = 0.9  # a stray letter whose key touches the letter before or after it
    dropped: float = 0.6  # a missing letter
    swapped: float = 0.4  # two adjacent letters swapped
    split: float = 0.9  # a missing space (عبدالله for عبد الله)
    joined: float = 0.3  # a stray space (كورو نا for كورونا)
    folded: float = 0.05  # letters the analyzer folds together (أ/ا, ة/ه, ى/ي)
    final_teh: float = 0.2  # ت for a final ة, when the word with ت is known (الخدمت: خدمته)


#: The default edit costs.
COSTS = Costs()


def _extra_cost(typed: str, i: int, costs: Costs) -> float:
    """Cost of ``typed[i]`` being a letter the user should not have typed."""
    ch = typed[i]
    before = typed[i - 1] if i > 0 else ""
    after = typed[i + 1] if i + 1 < len(typed) else ""
    if ch in (before, after):
        return costs.doubled
    near = KEYBOARD_NEIGHBOURS.get(ch, "")
    if (before and before in near) or (after and after in near):
        return costs.extra_neighbour
    return costs.extra


def _sub_cost(typed: str, intended: str, costs: Costs) -> float:
    if typed == intended:
        return 0.0
    if _FOLDS.get(typed, typed) == _FOLDS.get(intended, intended):
        return costs.folded
    if (typed, intended) in _CONFUSABLE:
        return costs.confusable
    if (typed, intended) in _NEIGHBOUR_PAIRS:
        return costs.keyboard
    return costs.substitute


def edit_cost(typed: str, intended: str, costs: Costs = COSTS) -> float:
    """Weighted Damerau-Levenshtein distance (optimal string alignment)
    between what was ``typed`` and the ``intended`` word, priced with typing
    errors: a letter of ``typed`` that ``intended`` lacks is a doubled or
    stray letter, a letter ``typed`` lacks was dropped.

    >>> edit_cost("تونسس", "تونس")  # doubled
    0.4
    >>> edit_cost("مدرصة", "مدرسة")  # ص for س: confusable
    0.5
    >>> edit_cost("مدرشة", "مدرسة")  # ش for س: neighbouring keys
    0.7
    >>> edit_cost("مدسرة", "مدرسة")  # swapped
    0.4
    >>> edit_cost("مدسة", "مدرسة")  # dropped
    0.6
    """
    n, m = len(typed), len(intended)
    before: list[float] = []
    prev = [j * costs.dropped for j in range(m + 1)]
    for i in range(1, n + 1):
        t = typed[i - 1]
        extra = _extra_cost(typed, i - 1, costs)
        cur = [prev[0] + extra] + [0.0] * m
        for j in range(1, m + 1):
            w = intended[j - 1]
            best = min(prev[j - 1] + _sub_cost(t, w, costs), prev[j] + extra, cur[j - 1] + costs.dropped)
            if i > 1 and j > 1 and t == intended[j - 2] and typed[i - 2] == w and t != w:
                best = min(best, before[j - 2] + costs.swapped)
            cur[j] = best
        before, prev = prev, cur
    return round(prev[m], 6)


# -- candidates ------------------------------------------------------------------------------


def _cheap_edits(word: str, costs: Costs) -> Iterator[tuple[float, str]]:
    """Tier 1: a confusable letter, a doubled or stray letter, two letters swapped."""
    for i, ch in enumerate(word):
        head, tail = word[:i], word[i + 1 :]
        for c in _CONFUSABLE_WITH.get(ch, ""):
            yield costs.confusable, head + c + tail
        yield _extra_cost(word, i, costs), head + tail
        if tail and tail[0] != ch:
            yield costs.swapped, head + tail[0] + ch + tail[1:]


def _key_edits(word: str, costs: Costs) -> Iterator[tuple[float, str]]:
    """Tier 2: a neighbouring key."""
    for i, ch in enumerate(word):
        for c in KEYBOARD_NEIGHBOURS.get(ch, ""):
            yield costs.keyboard, word[:i] + c + word[i + 1 :]


def _insertions(word: str, costs: Costs) -> Iterator[tuple[float, str]]:
    """Tier 3: a dropped letter put back, letters in :data:`INSERT_ORDER`."""
    for c in INSERT_ORDER:
        for i in range(len(word) + 1):
            yield costs.dropped, word[:i] + c + word[i:]


def _confusable_pairs(word: str, costs: Costs) -> Iterator[tuple[float, str]]:
    """Tier 4: two confusable letters at once. The last tier: of the four, it
    gives the right word least often per lookup (it is two errors), so it
    gets only the budget the others leave."""
    spots = [(i, _CONFUSABLE_WITH[ch]) for i, ch in enumerate(word) if ch in _CONFUSABLE_WITH]
    for a, (i, alts_i) in enumerate(spots):
        for j, alts_j in spots[a + 1 :]:
            for x in alts_i:
                for y in alts_j:
                    yield 2 * costs.confusable, word[:i] + x + word[i + 1 : j] + y + word[j + 1 :]


_TIERS = (_cheap_edits, _key_edits, _insertions, _confusable_pairs)
#: The cheapest edit of each tier a good enough candidate lets the search skip.
_TIER_CHEAPEST: dict[Callable[[str, Costs], Iterator[tuple[float, str]]], Callable[[Costs], float]] = {
    _insertions: lambda c: c.dropped,
    _confusable_pairs: lambda c: 2 * c.confusable,
}


def _spellable(word: str) -> bool:
    """False for letter sequences Arabic spelling rules out: ة before the
    last letter, ى before the last letter (but in ىء, an old spelling of
    ئ), a word starting with ء ؤ ئ, fewer than two letters."""
    last = len(word) - 1
    if last < 1 or word[0] in _NOT_INITIAL or 0 <= word.find(TEH_MARBUTA) < last:
        return False
    i = word.find(ALEF_MAKSURA)
    while 0 <= i < last:
        if word[i + 1] != HAMZA:
            return False
        i = word.find(ALEF_MAKSURA, i + 1)
    return True


def _without_clitics(word: str) -> Iterator[str]:
    """``word`` with one proclitic, one enclitic, or one of each taken off."""
    heads = [len(p) for p in PROCLITICS if word.startswith(p)]
    tails = [len(t) for t in ENCLITICS if word.endswith(t)]
    for h in heads:
        if len(word) - h >= CLITIC_MIN_REST:
            yield word[h:]
    for t in tails:
        if len(word) - t >= CLITIC_MIN_REST:
            yield word[:-t]
    for h in heads:
        for t in tails:
            if len(word) - h - t >= CLITIC_MIN_REST:
                yield word[h:-t]


# -- the speller ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """A corrected word, or two words for a split: ``text``, its ``cost``
    (:func:`edit_cost`), the document frequency ``df`` of its term (of the
    rarer word, for a split) and its ``score`` (see :class:`Speller`)."""

    text: str
    cost: float
    df: int
    score: float


class Speller:
    """Corrects misspelled query words from an index's vocabulary.

    Every reading of a word is scored, lower being likelier (a noisy channel
    in log10 units):

    * a word as typed scores its *rarity*, ``log10(documents / df)`` of its
      term plus ``affix_weight`` for each letter the stemmer strips (a term's
      documents are shared by all its inflections); a word whose term is in
      no document scores ``inf``, or, read as a clitic on a known word, that
      word's rarity plus ``clitic_penalty``;
    * a correction scores ``error_weight × cost`` plus the rarity of the
      word(s) it gives: one unit of edit cost weighs as much as a factor
      ``10 ** error_weight`` of document frequency.

    A word is replaced by its best-scoring correction when that scores below
    the word itself. Only words whose term is in at most ``rare_df``
    documents are looked at, and words ending in ت, checked against their ة
    form alone (``Costs.final_teh``). Ties go to the lower cost, then the
    higher df, then the text in code point order. Two adjacent words are
    joined when the joined word scores below the two words (each as typed
    or corrected): in practice when a part is unknown, or both are rare next
    to the joined word.

    Candidates are looked up tier by tier, the tiers that most often hold the
    right word per lookup first (cheap edits; neighbouring keys and splits;
    dropped letters, commonest letters first; two confusable letters),
    at most ``max_lookups`` new ``df`` lookups per word (its own term, clitic
    readings and splits come on top): this bounds the time a word can take,
    a lookup costing 10-50 µs against a Whoosh index (one hash lookup per
    segment and text field). The dropped letters and confusable pairs (the
    tiers that spend most lookups per right word) are skipped when a
    candidate already scores at most ``error_weight`` × the tier's cheapest
    edit plus ``floor_rarity``: beating it would take a word in more than
    ``10 ** -floor_rarity`` of the documents (3% for 1.5), and the few such
    terms seldom sit one dropped letter away from a typo that has a cheaper
    reading.

    Args:
        analyzer: the analyzer the index was built with.
        df: the document frequency of an index term (0 if absent).
        documents: documents in the index.
        costs: edit costs (:data:`COSTS` by default).
        error_weight, affix_weight, clitic_penalty, rare_df: see above.
        max_cost: candidates whose edit costs more are not offered.
        max_lookups: new ``df`` lookups spent on one word's candidates at most.
        floor_rarity: the rarity below which a later tier's candidate is not
            expected (see above; None never skips a tier).
        cache_size: ``df`` answers (and corrected words) kept before each
            cache is emptied.

    Example:
        >>> from arsearch.analysis import Analyzer
        >>> vocab = {"عبد": 50, "الله": 80, "مدرس": 30}
        >>> speller = Speller(Analyzer(), lambda term: vocab.get(term, 0), documents=100)
        >>> speller.suggest("عبدالله المدرصة")
        'عبد الله المدرسة'
        >>> speller.suggest("cairo مدرسة") is None
        True
    """

    def __init__(
        self,
        analyzer: Analyzer,
        df: Callable[[str], int],
        *,
        documents: int,
        costs: Costs = COSTS,
        error_weight: float = 3.0,
        affix_weight: float = 0.2,
        clitic_penalty: float = 2.0,
        rare_df: int = 10,
        max_cost: float = 1.6,
        max_lookups: int = 80,
        floor_rarity: float | None = 1.5,
        cache_size: int = 200_000,
    ) -> None:
        self.analyzer = analyzer
        self._df_fn = df
        self.documents = max(int(documents), 1)
        self.costs = costs
        self.error_weight = error_weight
        self.affix_weight = affix_weight
        self.clitic_penalty = clitic_penalty
        self.rare_df = rare_df
        self.max_cost = max_cost
        self.max_lookups = max_lookups
        self.floor_rarity = floor_rarity
        self.cache_size = cache_size
        self._df: dict[str, int] = {}
        self._words: dict[str, Correction | None] = {}
        self.lookups = 0  #: ``df`` calls made so far (cache misses)

    @classmethod
    def over_surface_forms(
        cls, analyzer: Analyzer, surface_df: Callable[[str], int], *, documents: int, **kwargs: Any
    ) -> Speller:
        """A speller over the words of an index as written (normalized, not
        stemmed): ``surface_df(word)`` gives the documents holding the word,
        normalized (:meth:`~arsearch.analysis.Analyzer.normalize`).

        A light stem is shared by many words, and a typo often has the stem
        of another word (الدوية for الدولية: stem دو, in 101 of 20,000 news
        articles), so over stems it looks spelled fine; as a written word it
        is in no document. On the benchmark's typo sets this corrects 90% of
        the test half against 79.5% over stems, with as few false alarms
        (benchmarks/README.md). It needs an index that keeps its surface
        forms and their document frequencies, which arsearch indexes do not
        (yet); ``kwargs`` go to the constructor.

        >>> from arsearch.analysis import Analyzer
        >>> words = {"الدوليه": 50, "الدولي": 70}  # normalized: ة is ه
        >>> Speller(Analyzer(), lambda t: {"دول": 50, "دو": 30}.get(t, 0), documents=100).suggest("الدوية") is None
        True
        >>> speller = Speller.over_surface_forms(Analyzer(), lambda w: words.get(w, 0), documents=100)
        >>> speller.suggest("الدوية")
        'الدولية'
        """
        return cls(analyzer.with_stemmer("none"), surface_df, documents=documents, **kwargs)

    # -- vocabulary ------------------------------------------------------------------
    def df(self, term: str) -> int:
        """Document frequency of ``term``, cached."""
        value = self._df.get(term)
        if value is None:
            if len(self._df) >= self.cache_size:
                self._df.clear()
            value = self._df[term] = self._df_fn(term)
            self.lookups += 1
        return value

    def _rarity(self, word: str, term: str, df: int) -> float:
        if df <= 0:
            return math.inf
        return math.log10(self.documents / df) + self.affix_weight * (len(word) - len(term))

    def rarity(self, word: str) -> float:
        """How unlikely ``word`` is as typed (see the class docstring): ``inf``
        when its term is in no document, 0 for a word without letters or a
        stop word the index does not hold."""
        bare = word.translate(_MARKS)
        e = self.analyzer.entry(bare)
        if e is None:
            return 0.0
        d = self.df(e[0])
        return 0.0 if e[1] and d == 0 else self._rarity(bare, e[0], d)

    def _inflection_rarity(self, word: str) -> float:
        """The rarity of ``word`` read as a clitic on a word the index holds,
        plus ``clitic_penalty`` (``inf`` when it does not read so)."""
        best = math.inf
        for rest in _without_clitics(word):
            e = self.analyzer.compute(rest)
            if e is not None:
                best = min(best, self._rarity(rest, e[0], self.df(e[0])))
        return best + self.clitic_penalty

    # -- one word --------------------------------------------------------------------
    def correct(self, word: str) -> Correction | None:
        """The correction of one word, or None (spelled fine, or no better
        reading). ``word`` may carry diacritics; a correction has none.

        >>> from arsearch.analysis import Analyzer
        >>> speller = Speller(Analyzer(), lambda term: 9 if term == "حكوم" else 0, documents=100)
        >>> speller.correct("الحكومت")
        Correction(text='الحكومة', cost=0.5, df=9, score=3.145757)
        >>> speller.correct("الحكومة") is None
        True
        """
        bare = word.translate(_MARKS)
        cached = self._words.get(bare, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result = None
        e = self.analyzer.entry(bare)
        if e is not None and not e[1]:
            d = self.df(e[0])
            if d <= self.rare_df:
                best = self._search(bare, e[0])
                typed = self._rarity(bare, e[0], d) if d else self._inflection_rarity(bare)
                if best is not None and best.score < typed:
                    result = best
            elif bare.endswith(TEH):
                result = self._final_teh(bare, e[0], d)
        if len(self._words) >= self.cache_size:
            self._words.clear()
        self._words[bare] = result
        return result

    def _final_teh(self, word: str, term: str, df: int) -> Correction | None:
        """A known word ending in ت read as the same word ending in ة: its term
        may be known only from words with a pronoun after the ت (الخدمت: خدمته)."""
        cand = word[:-1] + TEH_MARBUTA
        e = self.analyzer.compute(cand)
        if e is None or e[1] or e[0] == term:
            return None
        d = self.df(e[0])
        cost = self.costs.final_teh
        score = self.error_weight * cost + self._rarity(cand, e[0], d)
        return Correction(cand, cost, d, round(score, 6)) if score < self._rarity(word, term, df) else None

    def _search(self, word: str, own_term: str) -> Correction | None:
        """The best-scoring candidate for ``word``, or None."""
        costs, weight, compute = self.costs, self.error_weight, self.analyzer.compute
        seen = {word}
        found: list[tuple[float, float, int, str]] = []  # (score, cost, -df, text)
        budget_end = self.lookups + self.max_lookups
        for tier in _TIERS:
            cheapest = _TIER_CHEAPEST.get(tier)
            if found and cheapest is not None and self.floor_rarity is not None:
                if min(found)[0] <= weight * cheapest(costs) + self.floor_rarity:
                    break  # no candidate of this tier or the next can plausibly score lower
            for cost, cand in tier(word, costs):
                if cand in seen or cost > self.max_cost:
                    continue
                seen.add(cand)
                if not _spellable(cand):
                    continue
                e = compute(cand)
                if e is None or e[1] or e[0] == own_term:
                    continue  # no letters, a stop word, or the typed word's own term
                if self.lookups >= budget_end and e[0] not in self._df:
                    break
                d = self.df(e[0])
                if d:
                    found.append((weight * cost + self._rarity(cand, e[0], d), cost, -d, cand))
            if tier is _key_edits:
                found += self._splits(word)
            if self.lookups >= budget_end:
                break
        if not found:
            return None
        # The generated cost is that of the edit that made a candidate; the
        # best few get their exact edit_cost (never more, sometimes less).
        rescored = []
        for score, cost, neg_df, cand in sorted(found)[:3]:
            if " " not in cand:
                exact = edit_cost(word, cand, costs)
                score, cost = score + weight * (exact - cost), exact
            rescored.append((score, cost, neg_df, cand))
        score, cost, neg_df, text = min(rescored)
        return Correction(text, cost, -neg_df, round(score, 6))

    def _splits(self, word: str) -> list[tuple[float, float, int, str]]:
        """``word`` read as two known words of at least 2 letters each (stop
        words allowed: ماهو → ما هو, فيتونس → في تونس)."""
        out: list[tuple[float, float, int, str]] = []
        cost = self.costs.split
        if cost > self.max_cost:
            return out
        for i in range(2, len(word) - 1):
            left, right = word[:i], word[i:]
            e_left, e_right = self.analyzer.entry(left), self.analyzer.entry(right)
            if e_left is None or e_right is None:
                continue
            d_left = self.df(e_left[0])
            if not d_left:
                continue
            d_right = self.df(e_right[0])
            if not d_right:
                continue
            score = self.error_weight * cost + self._rarity(left, e_left[0], d_left) + self._rarity(right, e_right[0], d_right)
            out.append((score, cost, -min(d_left, d_right), f"{left} {right}"))
        return out

    # -- a query ------------------------------------------------------------------------
    def suggest(self, query: str) -> str | None:
        """``query`` with its misspelled words corrected, or None when every
        word is spelled fine (or nothing better is known).

        Only plain Arabic words change; the rest of the query is kept as typed.

        >>> from arsearch.analysis import Analyzer
        >>> speller = Speller(Analyzer(), lambda term: {"تونس": 50, "مدرس": 30}.get(term, 0), documents=100)
        >>> speller.suggest('title:"تونسس" -مدرصة مدرص* tunis')
        'title:"تونس" -مدرسة مدرص* tunis'
        """
        spans = list(_plain_words(query))
        if not spans:
            return None
        words = [query[s:e].translate(_MARKS) for s, e in spans]
        fixes: list[tuple[int, int, str]] = []  # (first span, spans replaced, text)
        i = 0
        while i < len(spans):
            if i + 1 < len(spans) and query[spans[i][1] : spans[i + 1][0]].isspace():
                joined = self._join(words[i], words[i + 1])
                if joined is not None:
                    fixes.append((i, 2, joined))
                    i += 2
                    continue
            fix = self.correct(words[i])
            if fix is not None:
                fixes.append((i, 1, fix.text))
            i += 1
        if not fixes:
            return None
        out: list[str] = []
        pos = 0
        for first, count, text in fixes:
            out += [query[pos : spans[first][0]], text]
            pos = spans[first + count - 1][1]
        out.append(query[pos:])
        return "".join(out)

    def _typed_score(self, word: str) -> float:
        """The rarity of ``word`` as typed, or as a clitic on a known word."""
        typed = self.rarity(word)
        return self._inflection_rarity(word) if typed == math.inf else typed

    def _floor(self, word: str, typed: float) -> float:
        """A lower bound of ``word``'s best score (as typed or corrected)
        that costs no candidate search: a correction scores at least
        ``error_weight`` × the cheapest edit it can be made of."""
        e = self.analyzer.entry(word)
        if e is None or e[1]:
            return typed
        c = self.costs
        if self.df(e[0]) <= self.rare_df:
            cheapest = min(c.confusable, c.keyboard, c.doubled, c.extra, c.extra_neighbour, c.dropped, c.swapped, c.split)
        elif word.endswith(TEH):
            cheapest = c.final_teh
        else:
            return typed
        return min(typed, self.error_weight * cheapest)

    def _join(self, left: str, right: str) -> str | None:
        """``left + right`` when that one known word scores below the two
        words, each as typed or corrected (so the parts must be unknown, or
        rare next to the joined word)."""
        if self.costs.joined > self.max_cost:
            return None
        joined = left + right
        e = self.analyzer.compute(joined)
        if e is None or e[1]:
            return None
        d = self.df(e[0])
        if d == 0:
            return None
        score = self.error_weight * self.costs.joined + self._rarity(joined, e[0], d)
        typed = [self._typed_score(w) for w in (left, right)]
        if score < sum(self._floor(w, t) for w, t in zip((left, right), typed)):
            return joined  # better than any correction of the parts: no need to look for them
        fixes = [self.correct(w) for w in (left, right)]
        best = sum(min(t, f.score) if f is not None else t for t, f in zip(typed, fixes))
        return joined if score < best else None


def _plain_words(query: str) -> Iterator[tuple[int, int]]:
    """Spans of the plain Arabic words of ``query`` (see the module docstring).

    >>> q = 'عنوان:تونس "مدرسة" مكت* abcمدرسة كتاب^2'
    >>> [q[s:e] for s, e in _plain_words(q)]
    ['تونس', 'مدرسة', 'كتاب']
    """
    for m in _WORD_RUN.finditer(query):
        s, e = m.span()
        before = query[s - 1] if s > 0 else " "
        after = query[e] if e < len(query) else " "
        if _GLUED.match(before) or _GLUED.match(after) or after in _NOT_A_WORD or before == "*":
            continue
        yield s, e


_WORD_RUN = re.compile(f"[{re.escape(WORD_LETTERS + ''.join(DELETED_MARKS))}]+")
_GLUED = re.compile(r"\w")  # a letter or digit of another script glued to the run
_NOT_A_WORD = "*:"  # prefix* and field:
