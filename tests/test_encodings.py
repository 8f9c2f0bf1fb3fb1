"""Tests for :mod:`arsearch.encodings`: detecting the encodings of Arabic text, refusing mojibake."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch.encodings import check_encoding, decode, detect, implausible

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def news(n: int = 20) -> list[str]:
    """Real articles (title and text) from the bundled ANT news sample."""
    out = []
    with gzip.open(SEEDS / "ant-news-sample.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            out.append(f"{doc['title']}\n{doc['text']}")
            if len(out) == n:
                break
    return out


def encodable(texts: list[str], codec: str) -> list[str]:
    out = []
    for t in texts:
        try:
            t.encode(codec)
        except UnicodeEncodeError:
            continue
        out.append(t)
    return out


@pytest.mark.parametrize(
    ("name", "encode", "codec"),
    [
        ("utf-8", lambda t: t.encode("utf-8"), "utf-8"),
        ("utf-8 with BOM", lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
        ("utf-16 LE with BOM", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16"),
        ("utf-16 BE with BOM", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16"),
        ("utf-32 with BOM", lambda t: t.encode("utf-32"), "utf-32"),
        ("cp1256", lambda t: t.encode("cp1256"), "cp1256"),
        ("iso-8859-6", lambda t: t.encode("iso-8859-6"), "iso-8859-6"),
    ],
)
def test_real_articles_are_decoded_exactly(name: str, encode, codec: str) -> None:
    texts = encodable(news(), codec.replace("-sig", ""))
    assert len(texts) >= 10, name  # enough real articles survive the code page
    for text in texts:
        data = encode(text)
        assert detect(data) == (codec, ""), (name, text[:40])
        assert decode(data) == (text, codec, ""), name


def test_cp1256_and_iso_8859_6_are_told_apart() -> None:
    """The same words in the two code pages are different bytes; each is read as written."""
    text = "ذهب الطلاب إلى المكتبة في يوم الخميس"
    assert text.encode("cp1256") != text.encode("iso-8859-6")
    assert decode(text.encode("cp1256"))[:2] == (text, "cp1256")
    assert decode(text.encode("iso-8859-6"))[:2] == (text, "iso-8859-6")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # UTF-8 decoded as cp1252 and saved again as UTF-8 (a classic export bug)
        ("ذهب الطلاب إلى المكتبة".encode().decode("cp1252", "replace").encode(), "UTF-8 text that was decoded as a single-byte"),
        # UTF-8 decoded as cp1256 and saved again
        ("ذهب الطلاب إلى المكتبة".encode().decode("cp1256").encode(), "UTF-8 text that was decoded as a single-byte"),
        # ISO-8859-6 bytes read as cp1256 and saved as UTF-8
        ("ذهب الطلاب إلى المكتبة وعادوا".encode("iso-8859-6").decode("cp1256").encode(), "Arabic words hold Latin letters"),
        # UTF-8 text followed by bytes no encoding explains
        ("مكتبة".encode() + b" \xff\xfe caf\xe9", "not valid UTF-8 (byte 0xff at offset 11)"),
        # Latin-1 Spanish: cp1256 puts Arabic marks on its Latin letters
        ("España y Señor Muñoz".encode("latin-1"), "does not read as Arabic in cp1256 or iso-8859-6"),
        (b"abc\x00def", "NUL bytes"),
    ],
)
def test_mojibake_and_unknown_bytes_are_refused(data: bytes, reason: str) -> None:
    text, _codec, why = decode(data)
    assert text is None
    assert reason in why


def test_real_articles_are_not_called_mojibake() -> None:
    for text in news(200):
        assert implausible(text) is None, text[:60]


def test_arabic_prefix_joined_by_tatweel_to_a_latin_word_is_not_mojibake() -> None:
    assert implausible("قالت لـCNN إن الـBrexit بدأ") is None


def test_forced_encoding_skips_detection_but_not_decoding_errors() -> None:
    text = "ذهب الطلاب"
    latin = text.encode("cp1256").decode("latin-1").encode("latin-1")  # the same bytes
    assert decode(latin, "cp1256") == (text, "cp1256", "")
    # forced: the caller says what the bytes are, so no mojibake check
    assert decode(text.encode("iso-8859-6"), "cp1256")[0] == text.encode("iso-8859-6").decode("cp1256")
    text2, codec, why = decode(text.encode("cp1256"), "utf-8")
    assert text2 is None and codec == "utf-8" and why.startswith("not valid utf-8 (byte 0xd0 at offset 0)")


def test_utf_16_without_bom_is_refused_but_can_be_forced() -> None:
    data = "ذهب الطلاب".encode("utf-16-le")
    assert detect(data)[0] is None and "--encoding utf-16-le" in detect(data)[1]
    assert decode(data, "utf-16-le")[0] == "ذهب الطلاب"


def test_a_sample_cut_inside_a_character_is_still_utf_8() -> None:
    data = "ذهب الطلاب".encode()
    cut = data[:3]  # ذ is two bytes; the cut ends inside ه
    assert detect(cut, complete=False) == ("utf-8", "")
    assert detect(cut, complete=True)[0] != "utf-8"


def test_check_encoding_names() -> None:
    assert check_encoding("windows-1256") == "cp1256"
    assert check_encoding("ISO-8859-6") == "iso8859-6"
    with pytest.raises(LookupError):
        check_encoding("klingon")




#: Real text, as word lists (the articles of the news sample).
ARTICLE_WORDS = [text.split() for text in encodable(news(60), "cp1256")]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_cp1256_runs_of_real_text_are_read_back_exactly(data: st.DataObject) -> None:
    """Any 12 to 30 consecutive words of a real article, in cp1256, decode exactly.

    Shorter runs may not: cp1256's ن is ISO-8859-6's ل, so "توزر تشهد انجاز أول"
    reads as ISO-8859-6 "... الجاز ..." just as well, and only real text's many
    ال-words (and ISO-8859-6's kasratan inside words where cp1256 has ي) tell
    them apart. Of every run of the 2,001 sample articles, 2 words apart, that
    failed 85 of 218,297 runs of 4 words, 1 of 214,093 of 8, 0 of 209,915 of 12
    (benchmarks/bench_encodings.py measures whole articles and their first 40
    and 200 characters in both code pages)."""
    words = data.draw(st.sampled_from(ARTICLE_WORDS))
    size = data.draw(st.integers(12, 30))
    start = data.draw(st.integers(0, max(len(words) - size, 0)))
    text = " ".join(words[start : start + size])
    assert decode(text.encode("cp1256"))[0] == text
