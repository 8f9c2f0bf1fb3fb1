"""Arabizi: Arabic typed in Latin letters, with digits for the sounds Latin lacks.

People on phones, and above all in the Maghreb, write ``el 7ekouma`` for
الحكومة, ``tounes`` for تونس, ``ra2is`` for رئيس, ``sha3b`` for شعب. The common
conventions are 2=ء, 3=ع, 5 or kh=خ, 7=ح, 9=ق, 6=ط, 8 or gh=غ, sh or ch=ش,
th=ث/ذ, dh=ذ/ض, ou=و, dj or j=ج; vowels are written freely, or not at all.

:data:`RULES` is a weighted rule table: each rule reads one to three Latin
characters as Arabic letters at a cost (0 for the unambiguous digits, more
for a reading that is possible but less usual: ``t`` is ت, or ط at 0.5).
Some rules hold only at the start of a word (the article ``el``/``al`` →
ال, ``wel`` → وال, a vowel → ا) or at its end (``a``/``ah``/``at`` → ة).
Vowels are optional: ``a`` is nothing (a short vowel) or ا. A doubled
letter (``ss``, ``77``) is the letter once, as Arabic writes a shadda.

:func:`transliterate` yields a word's Arabic spellings cheapest first (an
A* search over the rule table: the k cheapest of millions of spellings
without listing them), written with ة and أ as Arabic writes them.
:func:`read_word` keeps the ones a vocabulary holds, within a lookup budget,
and ranks them by cost and frequency (:class:`Reading`): that is how
:meth:`arsearch.Index.search` reads a Latin query word the index does not
know (see :mod:`arsearch.query`).

Example:
    >>> [a for a, _ in transliterate("7ekouma", limit=1)]
    ['حكومة']
    >>> vocab = {"حكومه": 1500, "الحكومه": 2500, "حكمه": 300, "تونس": 4000}  # normalized words
    >>> [(r.arabic, r.df) for r in read_word("7kouma", vocab.get)]
    [('حكومة', 4000)]
    >>> read_word("government", vocab.get)
    []
"""

from __future__ import annotations

import functools
import gzip
import heapq
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from pyarabic.araby import (
    AIN,
    ALEF,
    ALEF_HAMZA_ABOVE,
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

from .chars import ARABIC_LETTERS
from .chars import normalize as normalize_arabic

__all__ = [
    "Rule",
    "RULES",
    "Reading",
    "ARABIZI_DIGITS",
    "fold_latin",
    "is_latin_word",
    "has_arabizi_digits",
    "is_foreign_word",
    "is_acronym",
    "foreign_words",
    "transliterate",
    "read_word",
    "MAX_LOOKUPS",
    "MAX_READINGS",
]

Where = Literal["any", "start", "end", "inner"]

#: The digits that stand for Arabic letters in Arabizi.
ARABIZI_DIGITS = "2356789"

ARTICLE = ALEF + LAM  # ال


@dataclass(frozen=True)
class Rule:
    """Read ``latin`` as ``arabic`` (normalized letters; "" for a short vowel
    left unwritten) at ``cost``, ``where`` in the word: anywhere, only at its
    ``start`` or ``end``, or ``inner`` (not at the start)."""

    latin: str
    arabic: str
    cost: float
    where: Where = "any"


def _rules(latin: str, *readings: tuple[str, float], where: Where = "any") -> list[Rule]:
    return [Rule(latin, arabic, cost, where) for arabic, cost in readings]


_R: list[Rule] = []
# -- digits: the Arabizi convention ------------------------------------------------
_R += _rules("2", (HAMZA, 0.2), (YEH_HAMZA, 0.2), (WAW_HAMZA, 0.4), (ALEF_HAMZA_ABOVE, 0.3), (QAF, 0.9))  # 2 = ء (ق in Cairo/Levant)
_R += _rules("3", (AIN, 0.0))
_R += _rules("5", (KHAH, 0.0))
_R += _rules("6", (TAH, 0.0))
_R += _rules("7", (HAH, 0.0))
_R += _rules("8", (GHAIN, 0.0), (QAF, 0.8))
_R += _rules("9", (QAF, 0.0), (SAD, 0.6))  # 9 = ص in the Gulf
# -- letter pairs and triples ----------------------------------------------------------
_R += _rules("kh", (KHAH, 0.0))
_R += _rules("gh", (GHAIN, 0.0))
_R += _rules("sh", (SHEEN, 0.0))
_R += _rules("ch", (SHEEN, 0.0))  # French
_R += _rules("sch", (SHEEN, 0.2))
_R += _rules("th", (THEH, 0.2), (THAL, 0.4), (TEH, 0.6))
_R += _rules("dh", (THAL, 0.2), (DAD, 0.3), (ZAH, 0.5))
_R += _rules("dj", (JEEM, 0.0))  # French
_R += _rules("tch", (TEH + SHEEN, 0.3))
_R += _rules("ph", (FEH, 0.3))
_R += _rules("ck", (KAF, 0.1))
_R += _rules("ou", (WAW, 0.1), ("", 0.6))  # French
_R += _rules("oo", (WAW, 0.0))
_R += _rules("uu", (WAW, 0.0))
_R += _rules("aa", (ALEF, 0.1), (AIN, 0.7))
_R += _rules("ee", (YEH, 0.0))
_R += _rules("ii", (YEH, 0.0))
_R += _rules("ai", (YEH, 0.3), (ALEF + YEH, 0.3), (ALEF + YEH_HAMZA, 0.4))  # djazair: الجزائر
_R += _rules("ay", (YEH, 0.25), (ALEF + YEH, 0.3), (ALEF + YEH_HAMZA, 0.4))
_R += _rules("ei", (YEH, 0.2))
_R += _rules("ey", (YEH, 0.2))
_R += _rules("aw", (WAW, 0.3), (ALEF + WAW, 0.4))
_R += _rules("a2i", (ALEF + YEH_HAMZA, 0.1), (ALEF + YEH_HAMZA + YEH, 0.3))  # ta2ira, jaza2ir
_R += _rules("a2", (ALEF + HAMZA, 0.15), (ALEF + YEH_HAMZA, 0.2), (ALEF_HAMZA_ABOVE, 0.2))  # sa2al: سأل
_R += _rules("ou2", (WAW_HAMZA, 0.1))  # mou2tamar: مؤتمر
_R += _rules("u2", (WAW_HAMZA, 0.1))
_R += _rules("o2", (WAW_HAMZA, 0.15))
_R += _rules("i2", (YEH_HAMZA, 0.1))  # bi2a: بيئة
_R += _rules("e2", (YEH_HAMZA, 0.2))
_R += _rules("ow", (WAW, 0.2))
# -- single consonants -------------------------------------------------------------------
_R += _rules("b", (BEH, 0.0))
_R += _rules("p", (BEH, 0.3))
_R += _rules("t", (TEH, 0.0), (TAH, 0.35))
_R += _rules("j", (JEEM, 0.0))
_R += _rules("g", (JEEM, 0.3), (GHAIN, 0.4), (QAF, 0.5))
_R += _rules("h", (HEH, 0.2), (HAH, 0.2))
_R += _rules("d", (DAL, 0.0), (DAD, 0.35))
_R += _rules("r", (REH, 0.0))
_R += _rules("z", (ZAIN, 0.0), (ZAH, 0.5), (THAL, 0.6))
_R += _rules("s", (SEEN, 0.0), (SAD, 0.35), (ZAIN, 0.9))
_R += _rules("f", (FEH, 0.0))
_R += _rules("v", (FEH, 0.3))
_R += _rules("q", (QAF, 0.0))
_R += _rules("k", (KAF, 0.0), (QAF, 0.35))
_R += _rules("c", (KAF, 0.4), (SEEN, 0.6), (QAF, 0.7))
_R += _rules("x", (KAF + SEEN, 0.5))
_R += _rules("l", (LAM, 0.0))
_R += _rules("m", (MEEM, 0.0))
_R += _rules("n", (NOON, 0.0))
_R += _rules("w", (WAW, 0.0))
_R += _rules("y", (YEH, 0.0))
# -- vowels inside a word: a short vowel is not written, a long one is --------------
_R += _rules("a", ("", 0.3), (ALEF, 0.4), (AIN, 1.0), where="inner")
_R += _rules("e", ("", 0.2), (YEH, 0.7), (ALEF, 0.8), where="inner")
_R += _rules("i", (YEH, 0.3), ("", 0.4), where="inner")
_R += _rules("o", ("", 0.25), (WAW, 0.35), where="inner")  # o is mostly a short u
_R += _rules("u", (WAW, 0.2), ("", 0.4), where="inner")
# -- at the start: the article and its clitics, a vowel on alef (or ain) -------------
_R += _rules("el", (ARTICLE, 0.0), where="start")
_R += _rules("al", (ARTICLE, 0.0), where="start")
_R += _rules("il", (ARTICLE, 0.1), where="start")
_R += _rules("l", (ARTICLE, 0.4), where="start")  # l7ekouma
_R += _rules("wel", (WAW + ARTICLE, 0.0), where="start")
_R += _rules("wal", (WAW + ARTICLE, 0.0), where="start")
_R += _rules("bel", (BEH + ARTICLE, 0.1), where="start")
_R += _rules("bil", (BEH + ARTICLE, 0.1), where="start")
_R += _rules("lel", (LAM + LAM, 0.1), where="start")
_R += _rules("lil", (LAM + LAM, 0.1), where="start")
_R += _rules("e", (ARTICLE, 0.5), where="start")  # the article assimilated: echa3b, essalem
_R += _rules("2", (ALEF_HAMZA_ABOVE, 0.0), where="start")
_R += _rules("a", (ALEF, 0.1), (AIN, 0.8), where="start")
_R += _rules("e", (ALEF, 0.1), (AIN, 1.0), where="start")
_R += _rules("i", (ALEF, 0.1), (AIN, 1.0), where="start")
_R += _rules("o", (ALEF, 0.3), (ALEF + WAW, 0.4), (AIN, 1.0), where="start")
_R += _rules("u", (ALEF, 0.3), (ALEF + WAW, 0.4), where="start")
_R += _rules("ou", (ALEF + WAW, 0.3), (WAW, 0.5), where="start")
# -- at the end: the feminine ة (ه once normalized), a final long vowel ---------------
_R += _rules("a", (TEH_MARBUTA, 0.1), (ALEF, 0.3), (ALEF_MAKSURA, 0.6), where="end")
_R += _rules("ah", (TEH_MARBUTA, 0.1), (ALEF + HEH, 0.6), where="end")
_R += _rules("at", (TEH_MARBUTA, 0.2), (ALEF + TEH, 0.3), (TEH, 0.6), where="end")  # kourat (construct state), intikhabat
_R += _rules("et", (TEH_MARBUTA, 0.3), (ALEF + TEH, 0.4), where="end")  # Tunisian intikhabet
_R += _rules("eh", (TEH_MARBUTA, 0.2), (HEH, 0.3), where="end")
_R += _rules("e", ("", 0.3), (TEH_MARBUTA, 0.4), (YEH, 0.6), where="end")
_R += _rules("i", (YEH, 0.1), where="end")
_R += _rules("ou", (WAW, 0.1), where="end")
_R += _rules("u", (WAW, 0.1), where="end")
_R += _rules("o", (WAW, 0.2), where="end")
_R += _rules("y", (YEH, 0.0), where="end")

# A doubled consonant (ss, ll, 77) is the letter once: Arabic writes a shadda, or nothing.
_R += [
    Rule(r.latin * 2, r.arabic, r.cost, r.where)
    for r in list(_R)
    if len(r.latin) == 1 and r.where == "any" and r.latin not in "aeiou"
]

#: The rule table, in the order written above (see :class:`Rule`).
RULES: tuple[Rule, ...] = tuple(_R)
del _R

#: The Latin letters and digits Arabizi is written with (after :func:`fold_latin`).
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ARABIZI_WORD = re.compile(rf"[{LATIN_LETTERS}0-9]*[{LATIN_LETTERS}][{LATIN_LETTERS}0-9]*")
#: Arabizi words longer than this (in Latin characters) are not read: no Arabic word is.
MAX_WORD = 24
#: :func:`read_word` looks up at most this many spellings of one word in the vocabulary.
MAX_LOOKUPS = 25
#: A spelling the vocabulary lacks is looked up with the article too (الجزائر, العراق: names
#: written with it only) when it is one of this many cheapest (the others: one lookup).
ARTICLE_LOOKUPS = 8
#: ... and keeps at most this many readings.
MAX_READINGS = 3
#: A reading costs at most ``MAX_COST_BASE + MAX_COST_PER_CHAR`` per Latin character.
MAX_COST_BASE = 0.5
MAX_COST_PER_CHAR = 0.15
#: Readings cost at most this much more than the cheapest one found.
COST_MARGIN = 0.8
#: A reading scores at most this (a Latin word without digits, once common English
#: and French words are set aside) ...
MAX_SCORE = 0.3
#: ... or this, for a word holding Arabizi digits: a short string with a digit reads
#: cheaply as some Arabic word (9zv → قذف, 2ic → أيك), measured on random strings.
MAX_SCORE_DIGITS = 0.15
#: Readings score at most this much more than the best one (a rare spelling next to a frequent one is noise).
SCORE_MARGIN = 0.6
#: How much a reading's frequency counts against its cost: score = cost - FREQ_WEIGHT * log10(df).
FREQ_WEIGHT = 0.4
#: Frequencies are counted per this many documents (the score does not depend on the index's size).
REFERENCE_DOCS = 40_000
#: A reading must be in at least this many documents per :data:`REFERENCE_DOCS` (and in
#: one): rarer words are more often an accident (su7 → صوح, in 5 of 40,008 articles).
MIN_FREQ = 10
#: Arabic readings shorter than this are not kept (two letters are too often another word).
MIN_ARABIC = 3
_HEAP_LIMIT = 20_000  # partial spellings explored per word, at most

_ACCENTS = str.maketrans("àâäáãéèêëíìîïóòôöõúùûüçñ", "aaaaaeeeeiiiiooooouuuucn")
_ARABIC = frozenset(ARABIC_LETTERS)


def fold_latin(word: str) -> str:
    """``word`` lower-cased, French accents taken off (é → e, ç → c).

    >>> fold_latin("Élection"), fold_latin("Ra2Is")
    ('election', 'ra2is')
    """
    return unicodedata.normalize("NFC", word).lower().translate(_ACCENTS)


def is_latin_word(word: str) -> bool:
    """Whether ``word`` is written in Latin letters and digits only, with a letter
    (an Arabizi word may be one; a number or an Arabic word is not).

    >>> is_latin_word("ra2is"), is_latin_word("2020"), is_latin_word("رئيس"), is_latin_word("Tounès")
    (True, False, False, True)
    """
    folded = fold_latin(word)
    return len(folded) <= MAX_WORD and _ARABIZI_WORD.fullmatch(folded) is not None


#: A Latin word (without Arabizi digits) that English or French text uses at least this
#: often is read as English or French, never as Arabizi (``school``, ``guerre``); counts
#: are pyspellchecker's word frequencies (subtitles: ``the`` 76M, ``iraq`` 434, ``maghreb`` 50).
FOREIGN_MIN_COUNT = 200
#: The languages whose words are not Arabizi.
FOREIGN_LANGUAGES = ("en", "fr")


@functools.cache
def foreign_words() -> frozenset[str]:
    """The words of :data:`FOREIGN_LANGUAGES` used at least :data:`FOREIGN_MIN_COUNT`
    times, folded (:func:`fold_latin`); loaded once, on first use (about 60,000 words).

    >>> "government" in foreign_words() and "guerre" in foreign_words() and "tounes" not in foreign_words()
    True
    """
    out: set[str] = set()
    for language in FOREIGN_LANGUAGES:
        for word, count in _word_counts(language).items():
            if count >= FOREIGN_MIN_COUNT:
                out.add(fold_latin(word))
    return frozenset(out)


def _word_counts(language: str) -> dict[str, int]:
    """pyspellchecker's word frequencies for ``language`` (its packaged file, read
    directly: a third of the time its ``SpellChecker`` takes to load)."""
    from importlib import resources

    try:
        data = (resources.files("spellchecker") / "resources" / f"{language}.json.gz").read_bytes()
        return dict(json.loads(gzip.decompress(data)))
    except (FileNotFoundError, OSError, ValueError):  # another layout: the public API
        from spellchecker import SpellChecker

        return dict(SpellChecker(language=language).word_frequency.dictionary)


def is_foreign_word(word: str) -> bool:
    """Whether a Latin ``word`` is a common English or French word (and has no Arabizi digits).

    >>> is_foreign_word("school"), is_foreign_word("Sécurité"), is_foreign_word("tounes"), is_foreign_word("sha3b")
    (True, True, False, False)
    """
    return not has_arabizi_digits(word) and fold_latin(word) in foreign_words()


def is_acronym(word: str) -> bool:
    """Whether a Latin ``word`` is typed in capitals (``GABA``, ``UMC``): an acronym, not Arabizi
    (unless it holds Arabizi digits).

    >>> is_acronym("UMC"), is_acronym("Tounes"), is_acronym("SHA3B")
    (True, False, False)
    """
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters) and not has_arabizi_digits(word)


def has_arabizi_digits(word: str) -> bool:
    """Whether a Latin ``word`` holds a digit standing for an Arabic letter (``sha3b``, ``7ekouma``).

    >>> has_arabizi_digits("sha3b"), has_arabizi_digits("g20"), has_arabizi_digits("tounes")
    (True, True, False)
    """
    return is_latin_word(word) and any(ch in ARABIZI_DIGITS for ch in word)


def _options(word: str) -> list[list[tuple[int, str, float]]]:
    """For each position of ``word``: (next position, Arabic, cost) of the rules that apply there."""
    n = len(word)
    out: list[list[tuple[int, str, float]]] = [[] for _ in range(n)]
    for i in range(n):
        for rule in _BY_FIRST.get(word[i], ()):
            j = i + len(rule.latin)
            if j > n or word[i:j] != rule.latin:
                continue
            if rule.where == "start" and i != 0 or rule.where == "end" and j != n or rule.where == "inner" and i == 0:
                continue
            out[i].append((j, rule.arabic, rule.cost))
    return out


_BY_FIRST: dict[str, list[Rule]] = {}
for _rule in RULES:
    _BY_FIRST.setdefault(_rule.latin[0], []).append(_rule)


def transliterate(word: str, limit: int = 50, max_cost: float = math.inf) -> Iterator[tuple[str, float]]:
    """The Arabic spellings of a Latin ``word`` under :data:`RULES`, cheapest first,
    each once (its cheapest cost), at most ``limit`` and costing at most ``max_cost``.

    Spellings are written as Arabic writes them (ة, أ, ى); the index
    normalizes them (see :func:`arsearch.normalize`). A word that is not
    :func:`is_latin_word` has none.

    >>> list(transliterate("sha3b", limit=2))
    [('شعب', 0.3), ('شاعب', 0.4)]
    >>> [a for a, _ in transliterate("el 9adam")]
    []
    """
    if not is_latin_word(word):
        return
    word = fold_latin(word)
    n = len(word)
    options = _options(word)
    # the cheapest way from each position to the end: an exact A* heuristic
    rest = [math.inf] * n + [0.0]
    for i in range(n - 1, -1, -1):
        rest[i] = min((c + rest[j] for j, _, c in options[i]), default=math.inf)
    if rest[0] == math.inf:
        return
    heap: list[tuple[float, float, int, str]] = [(rest[0], 0.0, 0, "")]
    seen: set[tuple[int, str]] = set()
    emitted = 0
    pops = 0
    while heap and emitted < limit and pops < _HEAP_LIMIT:
        bound, cost, i, arabic = heapq.heappop(heap)
        pops += 1
        if bound > max_cost + 1e-9:
            return
        if (i, arabic) in seen:
            continue
        seen.add((i, arabic))
        if i == n:
            if arabic:  # "e" alone reads as nothing
                emitted += 1
                yield arabic, round(cost, 6)
            continue
        for j, letters, c in options[i]:
            if rest[j] == math.inf:
                continue
            nxt = arabic + letters
            if (j, nxt) not in seen:
                heapq.heappush(heap, (cost + c + rest[j], cost + c, j, nxt))


@dataclass(frozen=True)
class Reading:
    """One Arabic reading of a Latin query ``word``: ``arabic`` as it is
    written (ة, أ), its ``normalized`` form (as the vocabulary holds it), the
    rules' ``cost``, its document frequency ``df`` (the word alone plus with
    the article ال) and the ``score`` readings are ranked by (lower is
    better: cost minus :data:`FREQ_WEIGHT` times log10 of df)."""

    word: str
    arabic: str
    normalized: str
    cost: float
    df: int
    score: float


def max_cost(word: str) -> float:
    """The dearest reading :func:`read_word` accepts for ``word``."""
    return MAX_COST_BASE + MAX_COST_PER_CHAR * len(word)


def read_word(
    word: str,
    df: Callable[[str], int | None],
    *,
    normalize: Callable[[str], str] = normalize_arabic,
    is_stopword: Callable[[str], bool] | None = None,
    documents: int | None = None,
    lookups: int = MAX_LOOKUPS,
    limit: int = MAX_READINGS,
) -> list[Reading]:
    """The best Arabic readings of a Latin ``word`` that a vocabulary holds.

    ``df(w)`` gives the number of documents holding the normalized Arabic
    word ``w`` (0 or None: none); ``documents`` is the number of documents
    (frequencies are scaled to :data:`REFERENCE_DOCS`; without it, ``df`` is
    taken as counted in that many). Spellings are tried cheapest first, at
    most ``lookups`` of them and none dearer than :func:`max_cost`. The
    frequency of a spelling is its own plus that of the spelling with the
    article (ال: most nouns of news text carry it; for a spelling the
    vocabulary lacks, only among the :data:`ARTICLE_LOOKUPS` cheapest); it
    counts if that reaches :data:`MIN_FREQ`, it has :data:`MIN_ARABIC`
    letters or more and is not a stop word (``is_stopword``, given the
    normalized word). Common English and French words
    (:func:`is_foreign_word`) and acronyms (:func:`is_acronym`) have no reading. The readings found within
    :data:`COST_MARGIN` of the cheapest are ranked by score; the best
    ``limit`` within :data:`SCORE_MARGIN` of the best one, and scoring at
    most :data:`MAX_SCORE` (:data:`MAX_SCORE_DIGITS` for a word with Arabizi
    digits), are kept.

    >>> vocab = {"شعب": 900, "الشعب": 500, "شاعب": 2}
    >>> [(r.arabic, r.df) for r in read_word("cha3b", vocab.get)]
    [('شعب', 1400)]
    """
    if not is_latin_word(word) or is_foreign_word(word) or is_acronym(word):
        return []
    folded = fold_latin(word)
    budget = max_cost(folded)
    found: list[tuple[str, str, float, int]] = []
    scale = REFERENCE_DOCS / documents if documents else 1.0
    seen: set[str] = set()
    tried = 0
    for arabic, cost in transliterate(folded, limit=lookups * 4, max_cost=budget):
        if found and cost > found[0][2] + COST_MARGIN:
            break
        norm = normalize(arabic)
        if norm in seen or len(norm) < MIN_ARABIC or not all(ch in _ARABIC for ch in norm):
            continue
        seen.add(norm)
        if is_stopword is not None and is_stopword(norm):
            continue
        if tried >= lookups:
            break
        tried += 1
        count = df(norm) or 0
        if (count or tried <= ARTICLE_LOOKUPS) and not norm.startswith(ARTICLE):
            count += df(ARTICLE + norm) or 0
        if count and count * scale >= MIN_FREQ:
            found.append((arabic, norm, cost, count))
    readings = [Reading(word, a, n, c, d, round(c - FREQ_WEIGHT * math.log10(d * scale), 6)) for a, n, c, d in found]
    readings.sort(key=lambda r: (r.score, r.cost, r.normalized))
    cap = MAX_SCORE_DIGITS if has_arabizi_digits(folded) else MAX_SCORE
    return [r for r in readings if r.score <= min(cap, readings[0].score + SCORE_MARGIN)][:limit]
