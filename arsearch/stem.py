"""Stemmers: the default light stemmer and the alternatives behind one option.

All stemmers take a *normalized* word (see :func:`arsearch.normalize`) and
return a non-empty string no longer than the word. All are deterministic
across processes (no dependence on ``PYTHONHASHSEED``).

The default, ``"light"``, starts from light10 (Larkey, Ballesteros & Connell)
and keeps its length guards:

1. strip a leading و when the word has at least 4 letters;
2. strip the first of ال وال بال كال فال لل that leaves at least 2 letters
   (extension: then apply rule 1 again, so الوزير and وزير agree);
3. one ordered pass over the suffixes, each stripped if it leaves at least
   2 letters (several can go: ين then ي turns فلسطينيين into فلسطين).

The extensions below were each measured on qa-dev (benchmarks/README.md)
and kept only where they helped.

Example:
    >>> stem("والمكتبات")
    'مكتب'
    >>> stem("الفلسطينيين") == stem("فلسطين") == stem("الفلسطينية")
    True
"""

from __future__ import annotations

from collections.abc import Callable

from pyarabic.araby import ALEF, BEH, FEH, HEH, KAF, LAM, MEEM, NOON, TEH, WAW, YEH

from .chars import normalize

__all__ = ["stem", "light_stem", "strip_article", "get_stemmer", "STEMMERS", "SLICING_STEMMERS"]

AL = ALEF + LAM  # the article ال

# Step 1: the conjunction و, stripped when the word has >= 4 letters.
CONJ_WAW = WAW
CONJ_MIN_LEN = 4

# Step 2: article groups, first match only, leaving >= 2 letters.
ARTICLE_PREFIXES: tuple[str, ...] = (
    AL,  # ال  "the"
    WAW + AL,  # وال "and the"
    BEH + AL,  # بال "with/in the"
    KAF + AL,  # كال "like the"
    FEH + AL,  # فال "so the"
    LAM + LAM,  # لل  "for the" (ل + ال, alef dropped)
)
PREFIX_MIN_REST = 2

# Step 3: suffixes, one ordered pass, each leaving >= 2 letters.
# ة is already ه after normalization, so light10's ية and ة are يه and ه.
LIGHT10_SUFFIXES: tuple[str, ...] = (
    HEH + ALEF,  # ها  "her"
    ALEF + NOON,  # ان  dual
    ALEF + TEH,  # ات  feminine plural
    WAW + NOON,  # ون  masculine plural (nominative)
    YEH + NOON,  # ين  masculine plural / dual (oblique)
    YEH + HEH,  # يه  nisba feminine (ية)
    HEH,  # ه   feminine (ة) / "his"
    YEH,  # ي   nisba / "my"
)
SUFFIX_MIN_REST = 2

# Extension: attached pronouns and verb endings light10 leaves on the word,
# tried before the light10 list (longest first).
PRONOUN_SUFFIXES: tuple[str, ...] = (
    KAF + MEEM + ALEF,  # كما "your (two)"
    HEH + MEEM + ALEF,  # هما "their (two)"
    KAF + MEEM,  # كم  "your (pl.)"
    HEH + MEEM,  # هم  "their"
    HEH + NOON,  # هن  "their (f.)"
    NOON + ALEF,  # نا  "our" / "we"
    TEH + MEEM,  # تم  "you did (pl.)"
    WAW + ALEF,  # وا  "they did"
)
PRONOUN_MIN_REST = 3  # stricter: كم/هم/نا end many short stems (حكم, فهم, هنا)

# Extension: the nisba ي and its inflections, stripped as a unit before the
# light10 pass so that the adjective reduces like its base noun:
# الفلسطينيين → فلسطين → فلسط, and فلسطين → فلسط.
NISBA_SUFFIXES: tuple[str, ...] = (
    YEH + YEH + NOON,  # يين  nisba + plural/dual (oblique)
    YEH + WAW + NOON,  # يون  nisba + plural (nominative)
    YEH + ALEF + TEH,  # يات  nisba + feminine plural
    YEH + HEH,  # يه   nisba feminine (ية)
    YEH,  # ي    nisba
)
NISBA_MIN_REST = 3  # keeps تعيين, عين, ... from losing their stem letters


def _strip_prefixes(word: str, article_waw: bool) -> str:
    """Rules 1 and 2 of the light stemmer."""
    w = word
    # 1. conjunction و
    if len(w) >= CONJ_MIN_LEN and w[0] == CONJ_WAW:
        w = w[1:]
    # 2. article group, first match only; then (extension) rule 1 again, so
    #    that الوزير reduces like وزير (light10 leaves it as وزير)
    for prefix in ARTICLE_PREFIXES:
        if w.startswith(prefix) and len(w) - len(prefix) >= PREFIX_MIN_REST:
            w = w[len(prefix) :]
            if article_waw and len(w) >= CONJ_MIN_LEN and w[0] == CONJ_WAW:
                w = w[1:]
            break
    return w


def light_stem(word: str, *, pronouns: bool = True, nisba: bool = True, article_waw: bool = True) -> str:
    """Light-stem a normalized word (see module docstring for the rules).

    >>> light_stem("وبالمدرسه")
    'مدرس'
    >>> light_stem("في")
    'في'
    """
    w = _strip_prefixes(word, article_waw)
    if len(w) <= 2:
        return w
    # 3a. (extension) one attached pronoun / verb ending
    if pronouns:
        for suffix in PRONOUN_SUFFIXES:
            if w.endswith(suffix) and len(w) - len(suffix) >= PRONOUN_MIN_REST:
                w = w[: -len(suffix)]
                break
    # 3b. (extension) nisba ending as a unit
    if nisba:
        for suffix in NISBA_SUFFIXES:
            if w.endswith(suffix) and len(w) - len(suffix) >= NISBA_MIN_REST:
                w = w[: -len(suffix)]
                break
    # 3c. light10 suffix pass
    for suffix in LIGHT10_SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= SUFFIX_MIN_REST:
            w = w[: -len(suffix)]
    return w


def strip_article(word: str) -> str:
    """Remove a leading و and one article group, with light_stem's guards.

    Used for prefix queries: ``المدر*`` also looks for terms starting ``مدر``.

    >>> strip_article("والمدر")
    'مدر'
    """
    return _strip_prefixes(word, article_waw=False)


def light10_stem(word: str) -> str:
    """Plain light10, without arsearch's extensions (for comparison)."""
    return light_stem(word, pronouns=False, nisba=False, article_waw=False)


def _tashaphyne_stemmer() -> Callable[[str], str]:
    from tashaphyne.stemming import ArabicLightStemmer

    stemmer = ArabicLightStemmer()

    def tashaphyne_stem(word: str) -> str:
        stemmer.light_stem(word)
        result = stemmer.get_stem()
        return result if result and len(result) <= len(word) else word

    return tashaphyne_stem


def _isri_stemmer() -> Callable[[str], str]:
    try:
        from nltk.stem.isri import ISRIStemmer
    except ImportError as e:  # nltk is an optional extra
        raise ValueError("the 'isri' root stemmer needs nltk (pip install nltk)") from e

    stemmer = ISRIStemmer()

    def isri_stem(word: str) -> str:
        result = stemmer.stem(word)
        return result if result and len(result) <= len(word) else word

    return isri_stem


def _no_stem(word: str) -> str:
    return word


_FACTORIES: dict[str, Callable[[], Callable[[str], str]]] = {
    "light": lambda: light_stem,
    "light10": lambda: light10_stem,
    "tashaphyne": _tashaphyne_stemmer,
    "isri": _isri_stemmer,  # root stemmer (Taghva et al.), from nltk
    "none": lambda: _no_stem,
}

#: Names accepted by ``get_stemmer`` and ``Analyzer(stemmer=...)``.
STEMMERS: tuple[str, ...] = tuple(_FACTORIES)
#: Stemmers whose stem is always a substring of the word (they only cut a
#: prefix and a suffix): the highlighter finds their terms in the normalized text.
SLICING_STEMMERS: frozenset[str] = frozenset({"light", "light10", "none"})

_INSTANCES: dict[str, Callable[[str], str]] = {}


def get_stemmer(name: str) -> Callable[[str], str]:
    """Return the stemming function registered under ``name``.

    >>> get_stemmer("none")("المكتبه")
    'المكتبه'
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown stemmer {name!r}; choose one of {', '.join(STEMMERS)}")
    if name not in _INSTANCES:
        _INSTANCES[name] = _FACTORIES[name]()
    return _INSTANCES[name]


def stem(word: str, stemmer: str = "light") -> str:
    """Normalize ``word`` and stem it with the named stemmer (default: light).

    >>> stem("المعلمون") == stem("معلمين")
    True
    """
    normalized = normalize(word)
    if not normalized:
        return normalized
    return get_stemmer(stemmer)(normalized) or normalized
