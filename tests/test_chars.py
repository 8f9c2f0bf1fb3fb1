"""Golden tests for arsearch.chars.normalize, one per rule of the module docstring."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch.chars import _LETTER_FOLDS, DELETED_MARKS, make_translation_table, normalize

ZWNJ = "\N{ZERO WIDTH NON-JOINER}"
ZWJ = "\N{ZERO WIDTH JOINER}"
LRM = "\N{LEFT-TO-RIGHT MARK}"
RLM = "\N{RIGHT-TO-LEFT MARK}"
ALM = "\N{ARABIC LETTER MARK}"
BOM = "\N{ZERO WIDTH NO-BREAK SPACE}"

LETTER_FOLDS = [
    ("alef madda", "آجن", "اجن"),
    ("alef hamza above", "أحمد", "احمد"),
    ("alef hamza below", "إبراهيم", "ابراهيم"),
    ("alef wasla", "ٱلكتاب", "الكتاب"),
    ("alef maksura", "مستشفى", "مستشفي"),
    ("teh marbuta", "مدرسة", "مدرسه"),
    ("persian keheh", "کتاب", "كتاب"),
    ("persian farsi yeh", "فارسی", "فارسي"),
    ("urdu yeh barree", "ے", "ي"),
    ("persian heh with yeh above", "خانۀ", "خانه"),
    ("urdu heh goal", "ہم", "هم"),
    ("kurdish ae", "ە", "ه"),
    ("arabic decimal separator", "٣٫٥", "3.5"),
]


@pytest.mark.parametrize("description, text, expected", LETTER_FOLDS)
def test_letter_folds(description: str, text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_every_letter_fold_has_a_golden_case() -> None:
    covered = {ch for _, text, _ in LETTER_FOLDS for ch in text}
    assert set(_LETTER_FOLDS) <= covered


UNCHANGED = [
    ("bare hamza", "ماء", "ماء"),
    ("waw hamza kept by default", "مسؤول", "مسؤول"),
    ("yeh hamza kept by default", "رئيس", "رئيس"),
    ("persian peh, gaf, tcheh kept", "پگچ", "پگچ"),
    ("arabic punctuation kept", "، ؛ ؟ « »", "، ؛ ؟ « »"),
    ("plain arabic", "كتب الطالب", "كتب الطالب"),
]


@pytest.mark.parametrize("description, text, expected", UNCHANGED)
def test_unchanged(description: str, text: str, expected: str) -> None:
    assert normalize(text) == expected


DELETED = [
    ("harakat and tanween", "الْمَكْتَبَةُ مُعَلِّمٌ", "المكتبه معلم"),
    ("superscript alef", "الرَّحْمَٰنِ", "الرحمن"),
    ("quranic sign sallallahou", "محمد\N{ARABIC SIGN SALLALLAHOU ALAYHE WASSALLAM}", "محمد"),
    ("quranic small high meem", "من\N{ARABIC SMALL HIGH MEEM INITIAL FORM}بعد", "منبعد"),
    ("tatweel", "مـــدرسة", "مدرسه"),
    ("zwnj", f"مدر{ZWNJ}سة", "مدرسه"),
    ("zwj", f"مدر{ZWJ}سة", "مدرسه"),
    ("lrm", f"{LRM}كتاب", "كتاب"),
    ("rlm", f"كتاب{RLM}", "كتاب"),
    ("alm", f"{ALM}كتاب", "كتاب"),
    ("bom", f"{BOM}كتاب", "كتاب"),
]


@pytest.mark.parametrize("description, text, expected", DELETED)
def test_deleted_marks(description: str, text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "description, first, last",
    [
        ("harakat, tanween, shadda, sukun, hamza marks", 0x064B, 0x065F),
        ("superscript alef", 0x0670, 0x0670),
        ("quranic signs", 0x0610, 0x061A),
        ("quranic annotation marks", 0x06D6, 0x06ED),
        ("tatweel", 0x0640, 0x0640),
        ("zwnj, zwj, lrm, rlm", 0x200C, 0x200F),
        ("alm", 0x061C, 0x061C),
        ("bom", 0xFEFF, 0xFEFF),
    ],
)
def test_whole_deleted_range(description: str, first: int, last: int) -> None:
    for cp in range(first, last + 1):
        assert normalize(f"ك{chr(cp)}تب") == "كتب", hex(cp)
        assert chr(cp) in DELETED_MARKS


@pytest.mark.parametrize(
    "description, text",
    [
        ("arabic comma before the quranic signs", "\N{ARABIC COMMA}"),
        ("arabic semicolon after the quranic signs", "\N{ARABIC SEMICOLON}"),
        ("dal with inverted v after the quranic marks", "\N{ARABIC LETTER DAL WITH INVERTED V}"),
        ("arabic letter ae maps, it is not deleted", "\N{ARABIC LETTER AE}"),
    ],
)
def test_range_neighbours_not_deleted(description: str, text: str) -> None:
    assert normalize(text) != ""


PRESENTATION_FORMS = [
    ("lam-alef ligature", "ﻻ", "لا"),
    ("lam-alef with hamza above", "ﻷ", "لا"),
    ("lam-alef with hamza below", "ﻹ", "لا"),
    ("lam-alef with madda", "ﻵ", "لا"),
    ("word in contextual forms", "ﺍﻟﻤﻜﺘﺒﺔ", "المكتبه"),
    ("lam-alef inside a word", "ﺍﻟﻼﻋﺐ", "اللاعب"),
    ("allah ligature", "ﷲ", "الله"),
    ("multi-word ligature becomes one run", "ﷺ", "صلياللهعليهوسلم"),
    ("isolated harakat form is deleted", "ﹰ", ""),
    ("persian peh form keeps the persian letter", "ﭖ", "پ"),
    ("alef maksura form folds to yeh", "ﯨ", "ي"),
]


@pytest.mark.parametrize("description, text, expected", PRESENTATION_FORMS)
def test_presentation_forms(description: str, text: str, expected: str) -> None:
    assert normalize(text) == expected


DIGITS_AND_CASE = [
    ("arabic-indic digits", "٠١٢٣٤٥٦٧٨٩", "0123456789"),
    ("eastern arabic-indic digits", "۰۱۲۳۴۵۶۷۸۹", "0123456789"),
    ("latin casefold", "Cairo CAIRO", "cairo cairo"),
    ("casefold, not lower", "Straße", "strasse"),
    ("greek is cased too", "ΑΘΗΝΑ", "αθηνα"),
]


@pytest.mark.parametrize("description, text, expected", DIGITS_AND_CASE)
def test_digits_and_case(description: str, text: str, expected: str) -> None:
    assert normalize(text) == expected


HAMZA_SEATS = [
    ("waw hamza", "مسؤول", "مسوول"),
    ("yeh hamza", "رئيس", "رييس"),
    ("waw hamza presentation form", "ﺅ", "و"),
    ("yeh hamza presentation form", "ﺉ", "ي"),
    ("bare hamza stays", "ماء", "ماء"),
    ("the default folds still apply", "أسئلة", "اسيله"),
]


@pytest.mark.parametrize("description, text, expected", HAMZA_SEATS)
def test_fold_hamza_seats(description: str, text: str, expected: str) -> None:
    table = make_translation_table(fold_hamza_seats=True)
    assert normalize(text, table) == expected
    assert normalize(text) == normalize(text, make_translation_table(fold_hamza_seats=False))


def test_docstring_example() -> None:
    assert normalize("أحمد إلى مـــدرسة ١٢٣ Cairo") == "احمد الي مدرسه 123 cairo"


ARABIC_HEAVY = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),
        st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFF),
        st.characters(min_codepoint=0x200C, max_codepoint=0x200F),
        st.sampled_from(" \t\nAbZß.,"),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(st.text())
def test_idempotent_on_any_text(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300)
@given(ARABIC_HEAVY, st.booleans())
def test_idempotent_on_arabic_heavy_text(text: str, fold_hamza_seats: bool) -> None:
    table = make_translation_table(fold_hamza_seats)
    once = normalize(text, table)
    assert normalize(once, table) == once
