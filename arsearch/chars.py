"""Character constants and the letter normalizer.

Every code point the analyzer touches has a name here, as in Lucene's
``ArabicNormalizer``. Letter constants come from :mod:`pyarabic.araby`; the few
that pyarabic does not name are defined below.

``normalize`` applies these rules, in one ``str.translate`` pass followed by
Unicode case folding:

* delete harakat and tanween (U+064B..U+065F), superscript alef (U+0670),
  Quranic annotation marks (U+0610..U+061A, U+06D6..U+06ED), tatweel (U+0640)
  and zero-width / bidi controls (ZWNJ, ZWJ, LRM, RLM, ALM, BOM);
* fold alef variants آ أ إ ٱ to bare alef ا; alef maksura ى to yeh ي;
  teh marbuta ة to heh ه;
* fold Persian/Urdu letters ک to ك, ی ے to ي, ۀ ہ ە to ه;
* turn Arabic presentation forms (U+FB50..U+FDFF, U+FE70..U+FEFF), lam-alef
  ligatures included, into base letters (by NFKC, then the rules above);
* map Arabic-Indic ٠..٩ and Eastern ۰..۹ digits to 0..9, and the Arabic
  decimal separator ٫ to ".";
* case-fold Latin (and any other cased script).

Example:
    >>> normalize("الْمَكْتَبَةُ")
    'المكتبه'
    >>> normalize("أحمد إلى مـــدرسة ١٢٣ Cairo")
    'احمد الي مدرسه 123 cairo'
"""

from __future__ import annotations

import unicodedata

from pyarabic.araby import (
    ALEF,
    ALEF_HAMZA_ABOVE,
    ALEF_HAMZA_BELOW,
    ALEF_MADDA,
    ALEF_MAKSURA,
    ALEF_WASLA,
    BYTE_ORDER_MARK,
    DECIMAL,
    HAMZA,
    HEH,
    KAF,
    NUMBERS_EAST,
    NUMBERS_PERS,
    SMALL_ALEF,
    TATWEEL,
    TEH_MARBUTA,
    WAW,
    WAW_HAMZA,
    YEH,
    YEH_HAMZA,
)

__all__ = ["normalize", "IN_WORD_MARKS", "ARABIC_LETTERS", "make_translation_table"]

#: The letters of the Arabic block, hamza (U+0621) to yeh (U+064A), tatweel excluded.
ARABIC_LETTERS: str = "".join(chr(cp) for cp in range(ord(HAMZA), ord(YEH) + 1) if chr(cp) != TATWEEL)

# Code points pyarabic does not name.
ZWNJ = "\N{ZERO WIDTH NON-JOINER}"
ZWJ = "\N{ZERO WIDTH JOINER}"
LRM = "\N{LEFT-TO-RIGHT MARK}"
RLM = "\N{RIGHT-TO-LEFT MARK}"
ALM = "\N{ARABIC LETTER MARK}"
KEHEH = "\N{ARABIC LETTER KEHEH}"  # Persian ک
FARSI_YEH = "\N{ARABIC LETTER FARSI YEH}"  # Persian ی
YEH_BARREE = "\N{ARABIC LETTER YEH BARREE}"  # Urdu ے
HEH_WITH_YEH_ABOVE = "\N{ARABIC LETTER HEH WITH YEH ABOVE}"  # Persian ۀ
HEH_GOAL = "\N{ARABIC LETTER HEH GOAL}"  # Urdu ہ
AE = "\N{ARABIC LETTER AE}"  # Kurdish ە
FULL_STOP = "."

# Ranges of marks that are deleted (inclusive bounds).
HARAKAT_FIRST = "\N{ARABIC FATHATAN}"  # U+064B, tanween and harakat start here
HARAKAT_LAST = "\N{ARABIC WAVY HAMZA BELOW}"  # U+065F, end of the combining block
QURANIC_SIGNS_FIRST = "\N{ARABIC SIGN SALLALLAHOU ALAYHE WASSALLAM}"  # U+0610
QURANIC_SIGNS_LAST = "\N{ARABIC SMALL KASRA}"  # U+061A
QURANIC_MARKS_FIRST = "\N{ARABIC SMALL HIGH LIGATURE SAD WITH LAM WITH ALEF MAKSURA}"  # U+06D6
QURANIC_MARKS_LAST = "\N{ARABIC SMALL LOW MEEM}"  # U+06ED
PRESENTATION_A_FIRST = "\N{ARABIC LETTER ALEF WASLA ISOLATED FORM}"  # U+FB50
PRESENTATION_A_LAST = "\uFDFF"  # end of Arabic Presentation Forms-A (unassigned)
PRESENTATION_B_FIRST = "\N{ARABIC FATHATAN ISOLATED FORM}"  # U+FE70
PRESENTATION_B_LAST = BYTE_ORDER_MARK  # U+FEFF


def _span(first: str, last: str) -> list[str]:
    return [chr(cp) for cp in range(ord(first), ord(last) + 1)]


#: Marks deleted by ``normalize``; the tokenizer keeps them inside words.
DELETED_MARKS: tuple[str, ...] = tuple(
    _span(HARAKAT_FIRST, HARAKAT_LAST)  # harakat, tanween, shadda, sukun, maddah/hamza above/below
    + [SMALL_ALEF]  # superscript (dagger) alef
    + _span(QURANIC_SIGNS_FIRST, QURANIC_SIGNS_LAST)  # honorifics and small Quranic signs
    + _span(QURANIC_MARKS_FIRST, QURANIC_MARKS_LAST)  # Quranic annotation marks
    + [TATWEEL]  # kashida, pure typographic stretching
    + [ZWNJ, ZWJ, LRM, RLM, ALM, BYTE_ORDER_MARK]  # invisible joiners and bidi controls
)

#: Characters that do not match ``\w`` but belong inside a word.
IN_WORD_MARKS: str = "".join(DELETED_MARKS) + "".join(_span("\N{COMBINING GRAVE ACCENT}", "\N{COMBINING LATIN SMALL LETTER X}"))

_LETTER_FOLDS: dict[str, str] = {
    ALEF_MADDA: ALEF,  # آ → ا
    ALEF_HAMZA_ABOVE: ALEF,  # أ → ا
    ALEF_HAMZA_BELOW: ALEF,  # إ → ا
    ALEF_WASLA: ALEF,  # ٱ → ا
    ALEF_MAKSURA: YEH,  # ى → ي
    TEH_MARBUTA: HEH,  # ة → ه
    KEHEH: KAF,  # ک → ك
    FARSI_YEH: YEH,  # ی → ي
    YEH_BARREE: YEH,  # ے → ي
    HEH_WITH_YEH_ABOVE: HEH,  # ۀ → ه
    HEH_GOAL: HEH,  # ہ → ه
    AE: HEH,  # ە → ه
    DECIMAL: FULL_STOP,  # ٫ → .
}

# Hamza on a seat: folding these is a benchmarked option (see stem.py / README).
_HAMZA_SEAT_FOLDS: dict[str, str] = {
    WAW_HAMZA: WAW,  # ؤ → و
    YEH_HAMZA: YEH,  # ئ → ي
}


def make_translation_table(fold_hamza_seats: bool = False) -> dict[int, str | None]:
    """Build the ``str.translate`` table behind :func:`normalize`.

    The table is closed: translating its own output changes nothing, which is
    what makes normalization idempotent.
    """
    table: dict[int, str | None] = {ord(c): None for c in DELETED_MARKS}
    folds = dict(_LETTER_FOLDS)
    if fold_hamza_seats:
        folds.update(_HAMZA_SEAT_FOLDS)
    table.update({ord(k): v for k, v in folds.items()})
    for digits in (NUMBERS_EAST, NUMBERS_PERS):  # ٠..٩ and ۰..۹ → 0..9
        table.update({ord(d): str(i) for i, d in enumerate(digits)})
    # Presentation forms and lam-alef ligatures: NFKC gives base letters,
    # which then go through the table built so far (multi-word ligatures
    # such as ﷺ become one run of letters).
    for ch in _span(PRESENTATION_A_FIRST, PRESENTATION_A_LAST) + _span(PRESENTATION_B_FIRST, PRESENTATION_B_LAST):
        if ord(ch) in table:
            continue
        decomposed = unicodedata.normalize("NFKC", ch)
        if decomposed != ch:
            table[ord(ch)] = decomposed.translate(table).replace(" ", "") or None
    return table


_TABLE = make_translation_table()


def normalize(text: str, table: dict[int, str | None] | None = None) -> str:
    """Return ``text`` with Arabic orthographic variation removed.

    Applies the rules listed in the module docstring. Offsets are *not*
    preserved (marks are deleted); tokenize first when offsets matter.

    >>> normalize("مُعَلِّمَةٌ")
    'معلمه'
    """
    return text.translate(_TABLE if table is None else table).casefold()
