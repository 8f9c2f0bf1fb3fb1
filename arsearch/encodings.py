"""Reading bytes as text: the encodings of Arabic text files, and mojibake.

Arabic archives hold UTF-8 (with or without a byte-order mark), UTF-16
(from Windows "Unicode" exports, always with a byte-order mark), and two
legacy single-byte code pages: Windows-1256 (cp1256) and ISO-8859-6.
:func:`detect` tells them apart with a strict cascade rather than a
statistical guess:

1. a byte-order mark names UTF-8, UTF-16 or UTF-32;
2. bytes that decode as UTF-8 are UTF-8 (Arabic in a legacy code page is
   never valid UTF-8: its letters are bytes 0xC1-0xFF, and UTF-8 needs a
   continuation byte 0x80-0xBF after each of them);
3. otherwise the first of cp1256 and ISO-8859-6 that decodes strictly
   *and* reads as Arabic (:func:`implausible` finds nothing wrong).

A wrong code page leaves a trace :func:`implausible` looks for: Latin
letters inside Arabic words (ISO-8859-6 read as cp1256 turns و ي ه into
è ê ç), Arabic marks on Latin letters, or UTF-8 read as a single-byte code
page and saved again (``Ø§Ù„`` for ال). Text with such words is refused
with a reason instead of being indexed as mojibake.

Example:
    >>> data = "ذهب الطلاب إلى المكتبة".encode("cp1256")
    >>> detect(data)
    ('cp1256', '')
    >>> decode(data)
    ('ذهب الطلاب إلى المكتبة', 'cp1256', '')
    >>> print(decode("ذهب الطلاب".encode("utf-8").decode("cp1252").encode("utf-8"))[2])
    looks like mojibake: UTF-8 text that was decoded as a single-byte code page and saved again (e.g. ...'Ø°Ù‡Ø¨'...)
"""

from __future__ import annotations

import codecs
import re
from itertools import islice

from .chars import HARAKAT_FIRST, HARAKAT_LAST, SMALL_ALEF

__all__ = ["detect", "decode", "implausible", "check_encoding", "LEGACY", "SAMPLE_BYTES"]

#: Byte-order marks, longest first (UTF-32 LE's starts with UTF-16 LE's).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: The single-byte Arabic code pages tried, in order, on text that is not UTF-8.
LEGACY: tuple[str, ...] = ("cp1256", "iso-8859-6")
#: How much of a line-by-line file (JSON Lines, CSV) is read to choose its encoding.
SAMPLE_BYTES = 1 << 20
#: The share of Arabic-script words that may hold a Latin letter (or be
#: double-encoded UTF-8) before text is called mojibake. Correct news text
#: has none in 40,008 articles (benchmarks/bench_encodings.py); a wrong
#: code page puts one in most words.
MAX_SUSPECT_SHARE = 0.05

ARABIC_BLOCK_FIRST = "\N{ARABIC NUMBER SIGN}"  # U+0600
ARABIC_BLOCK_LAST = "\N{ARABIC SMALL HIGH NOON}"  # U+06FF (end of the Arabic block)
LATIN_FIRST_LETTER = "\N{LATIN CAPITAL LETTER A WITH GRAVE}"  # U+00C0, Latin-1's first letter (× U+00D7 and ÷ U+00F7 included)
LATIN_EXT_LAST = "\N{LATIN SMALL LETTER Z WITH SWASH TAIL}"  # U+0240, end of Latin Extended-B's letters used here
LATIN_CAPITAL_O_WITH_STROKE = "\N{LATIN CAPITAL LETTER O WITH STROKE}"  # Ø: UTF-8's lead byte 0xD8 read as cp1252
LATIN_CAPITAL_U_WITH_GRAVE = "\N{LATIN CAPITAL LETTER U WITH GRAVE}"  # Ù: lead byte 0xD9
ARABIC_TAH = "\N{ARABIC LETTER TAH}"  # ط: UTF-8's lead byte 0xD8 read as cp1256
ARABIC_ZAH = "\N{ARABIC LETTER ZAH}"  # ظ: lead byte 0xD9 read as cp1256
TATWEEL = "\N{ARABIC TATWEEL}"
MULTIPLICATION_SIGN = "\N{MULTIPLICATION SIGN}"
COMBINING_FIRST = "\N{COMBINING GRAVE ACCENT}"  # U+0300: the combining diacritical marks (on Latin letters)
COMBINING_LAST = "\N{COMBINING LATIN SMALL LETTER X}"  # U+036F
DEFINITE_ARTICLE = "\N{ARABIC LETTER ALEF}\N{ARABIC LETTER LAM}"  # ال
ALEF = "\N{ARABIC LETTER ALEF}"
ALEF_MAKSURA = "\N{ARABIC LETTER ALEF MAKSURA}"
FATHATAN = "\N{ARABIC FATHATAN}"
DAMMATAN = "\N{ARABIC DAMMATAN}"
KASRATAN = "\N{ARABIC KASRATAN}"

# A word: a run of letters and combining marks (and ×: see below).
_MARKS = f"{COMBINING_FIRST}-{COMBINING_LAST}{HARAKAT_FIRST}-{HARAKAT_LAST}{SMALL_ALEF}"
_WORD = re.compile(f"(?:[^\\W\\d_]|[{_MARKS}]|{MULTIPLICATION_SIGN})+")
_ARABIC = re.compile(f"[{ARABIC_BLOCK_FIRST}-{ARABIC_BLOCK_LAST}]")
# The letters a wrong code page puts into Arabic words: Latin-1's and Latin
# Extended's (à ç è é ê ô of ISO-8859-6 read as cp1256; ƒ Œ œ of UTF-8 read
# as cp1256), and × (cp1256's 0xD7, ISO-8859-6's ط). Not ASCII: a correct
# text may glue an Arabic letter to an English word (وXS), a wrong code page
# never makes ASCII letters of Arabic bytes.
_LATIN = re.compile(f"[{LATIN_FIRST_LETTER}-{LATIN_EXT_LAST}]")
# A run of Arabic-block characters: about one per Arabic word (mojibake splits some in two).
_ARABIC_WORD = re.compile(f"[{ARABIC_BLOCK_FIRST}-{ARABIC_BLOCK_LAST}]+")
# A word starting with ال (not after a letter or a mark).
_ARTICLE_WORD = re.compile(f"(?<![\\w{_MARKS}]){DEFINITE_ARTICLE}")
# Tanween inside a word: it ends words (the fathatan of ـًا excepted). ISO-8859-6
# puts kasratan where cp1256 has ي.
_INNER_TANWEEN = re.compile(
    f"(?:{FATHATAN}[^\\W\\d_{ALEF}{ALEF_MAKSURA}]|[{DAMMATAN}{KASRATAN}][^\\W\\d_])"
)
#: Latin letters whose words are looked at (more is mojibake anyway), and how far around each.
MAX_LOOKS = 2000
WINDOW = 64
#: What cp1256 makes of the second bytes of UTF-8's Arabic letters, less the
#: characters correct Arabic text often holds (« » … – — curly quotes): any
#: Arabic text read that way holds some (§ is ا's second byte).
_RARE_FOLLOWERS = "".join(
    sorted(
        set(bytes(range(0xA7, 0xBA)).decode("cp1256") + bytes(range(0x82, 0x89)).decode("cp1256"))
        - set(
            "\N{LEFT-POINTING DOUBLE ANGLE QUOTATION MARK}\N{RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK}"
            "\N{HORIZONTAL ELLIPSIS}\N{SOFT HYPHEN}\N{ARABIC LETTER HEH DOACHASHMEE}"
        )
    )
)
# An Arabic mark on an ASCII letter (Latin-1's ñ read as cp1256 is a dammatan).
_MARK_ON_LATIN = re.compile(f"[A-Za-z][{HARAKAT_FIRST}-{HARAKAT_LAST}{SMALL_ALEF}]")
# Any sign of the above (with _MARK_ON_LATIN): text without one needs no closer look.
_SIGN_CHARS = re.compile(
    f"[{LATIN_FIRST_LETTER}-{LATIN_EXT_LAST}{LATIN_CAPITAL_O_WITH_STROKE}{LATIN_CAPITAL_U_WITH_GRAVE}"
    f"{re.escape(_RARE_FOLLOWERS)}]"
)
# UTF-8's two-byte Arabic sequences (lead 0xD8/0xD9, then 0x80-0xBF) decoded
# as cp1252 or Latin-1 (Ø or Ù, then a Latin-1 symbol or a cp1252 extra) and
# saved again as UTF-8.
_CP1252_HIGH = "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
_DOUBLE_LATIN = re.compile(f"[{LATIN_CAPITAL_O_WITH_STROKE}{LATIN_CAPITAL_U_WITH_GRAVE}][\u0080-\u00bf{_CP1252_HIGH}]")
# The same read as cp1256 (ط or ظ, then what cp1256 puts at 0x80-0xBF, but
# not its Arabic letters and punctuation: الجاحظ؟ is Arabic).
_CP1256_HIGH = "".join(
    ch for b in range(0x80, 0xC0) if not ARABIC_BLOCK_FIRST <= (ch := bytes([b]).decode("cp1256")) <= ARABIC_BLOCK_LAST
)
_DOUBLE_1256 = re.compile(f"[{ARABIC_TAH}{ARABIC_ZAH}][{re.escape(_CP1256_HIGH)}]")


def check_encoding(name: str) -> str:
    """The codec name for ``name`` (``"windows-1256"`` → ``"cp1256"``), or raise LookupError."""
    return codecs.lookup(name).name


def _bom(data: bytes) -> str | None:
    return next((enc for bom, enc in BOMS if data.startswith(bom)), None)


def _suspects(text: str, enough: bool = False) -> tuple[list[str], int, int]:
    """(Arabic-script words holding Latin letters, Arabic-script words, double-encoded sequences).

    Tatweel joins an Arabic prefix to a Latin word in correct text
    (لـCNN, الـBrexit): it separates words here. Only the words around
    Latin letters are looked at one by one (regular expressions do the rest);
    with ``enough``, only until there are enough of them to call it mojibake.
    """
    if not _SIGN_CHARS.search(text) and not _MARK_ON_LATIN.search(text):
        return [], 0, 0  # the common case: two scans (one alternation of both is slower)
    doubled = len(_DOUBLE_LATIN.findall(text)) + len(_DOUBLE_1256.findall(text))
    hits = [m.start() for m in islice(_LATIN.finditer(text), MAX_LOOKS)]
    hits += [m.start() for m in islice(_MARK_ON_LATIN.finditer(text), MAX_LOOKS)]
    if doubled <= 1 and not hits:
        return [], 0, doubled  # the common case
    clean = text.replace(TATWEEL, " ")  # the same length: positions still match
    arabic_words = len(_ARABIC_WORD.findall(clean))
    suspects: list[str] = []
    seen: set[int] = set()
    for at in hits:
        for m in _WORD.finditer(clean, max(at - WINDOW, 0), at + WINDOW):
            if m.start() <= at < m.end() and m.start() not in seen:
                seen.add(m.start())
                word = m.group()
                if _ARABIC.search(word) and (_LATIN.search(word) or _MARK_ON_LATIN.search(word)):
                    suspects.append(word)
        if enough and len(suspects) > max(1, MAX_SUSPECT_SHARE * arabic_words):
            break
    return suspects, arabic_words, doubled


def implausible(text: str) -> str | None:
    """Why ``text`` looks mis-decoded (mojibake), or None if it reads as text.

    Mojibake: more than one Arabic-script word, and more than 5%
    (:data:`MAX_SUSPECT_SHARE`), hold Latin letters, or UTF-8's two-byte
    sequences appear decoded as single bytes (Ø§, ط§) in more than one place
    and 5% of the words.

    Example:
        >>> implausible("ذهب الطلاب إلى المكتبة مع CNN ولـCNN")
        >>> print(implausible("ذهب الطلاب إلى المكتبة".encode("iso-8859-6").decode("cp1256")))
        looks like mojibake: at least 2 of 6 Arabic words hold Latin letters (e.g. 'ذçب')
    """
    suspects, arabic_words, doubled = _suspects(text, enough=True)
    if doubled > 1 and doubled > MAX_SUSPECT_SHARE * arabic_words:
        sample = _DOUBLE_LATIN.search(text) or _DOUBLE_1256.search(text)
        assert sample is not None
        at = text[max(sample.start() - 4, 0) : sample.end() + 4]
        return (
            "looks like mojibake: UTF-8 text that was decoded as a single-byte code page and saved again "
            f"(e.g. ...{at!r}...)"
        )
    if len(suspects) > 1 and len(suspects) > MAX_SUSPECT_SHARE * arabic_words:
        return (
            f"looks like mojibake: at least {len(suspects)} of {arabic_words} Arabic words hold Latin letters "
            f"(e.g. {suspects[0]!r})"
        )
    return None


def _utf8_prefix(data: bytes, complete: bool) -> UnicodeDecodeError | None:
    """None if ``data`` is UTF-8 (a sequence cut at the end of an incomplete sample allowed)."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        if not complete and e.end == len(data) and len(data) - e.start < 4 and "unexpected end" in e.reason:
            return None
        return e


def detect(data: bytes, *, complete: bool = True) -> tuple[str | None, str]:
    """(codec, "") for ``data``, or (None, why no encoding fits).

    ``complete=False`` says ``data`` is the start of a longer file (a
    character cut at its end is not an error). The codec is one of
    ``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-32`` (by their byte-order
    marks), ``cp1256`` or ``iso-8859-6``.
    """
    bom = _bom(data)
    if bom is not None:
        return bom, ""
    if b"\x00" in data:
        return None, "contains NUL bytes (a binary file, or UTF-16 without a byte-order mark: give --encoding utf-16-le)"
    error = _utf8_prefix(data, complete)
    if error is None:
        return "utf-8", ""
    best: tuple[int, int, str] | None = None  # (suspect words, order, codec)
    for order, enc in enumerate(LEGACY):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if implausible(text) is None:
            # Evidence for a code page: words starting with ال (the other code page
            # reads its ل as ن or ف), against words holding Latin letters and
            # tanween inside words.
            articles = len(_ARTICLE_WORD.findall(text))
            against = len(_suspects(text)[0]) + len(_INNER_TANWEEN.findall(text))
            score = (against - articles, order, enc)
            best = score if best is None else min(best, score)
    if best is not None:
        return best[2], ""
    return None, (
        f"not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}), and it does not read as Arabic "
        f"in {' or '.join(LEGACY)} either; give its encoding with --encoding NAME"
    )


def decode(data: bytes, encoding: str | None = None) -> tuple[str | None, str, str]:
    """(text, codec, "") or (None, codec or "", why the bytes are not usable text).

    ``encoding`` forces a codec (its errors are still errors; the mojibake
    check is skipped: the caller said what the bytes are). Without it the
    codec is :func:`detect`'s, and text that decodes but looks like mojibake
    (:func:`implausible`) is refused too.
    """
    if encoding is None:
        if _bom(data) is None and b"\x00" not in data:
            try:  # the common case, decoded once
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                why = implausible(text) or ""
                return (None, "utf-8", why) if why else (text, "utf-8", "")
        codec, why = detect(data)
        if codec is None:
            return None, "", why
    else:
        codec = encoding
        if codec in ("utf-8", "utf_8") and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        return None, codec, f"not valid {codec} (byte 0x{data[e.start]:02x} at offset {e.start})"
    if encoding is None:
        why = implausible(text) or ""
        if why:
            return None, codec, why
    return text, codec, ""
