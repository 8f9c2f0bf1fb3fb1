"""Tests for arsearch.fields and arsearch.engines.whoosh.schema: field declarations, their validation, Ranking JSON;
ArabicText's postings and ArabicCodec's postings writer (Whoosh's bytes)."""

from __future__ import annotations

import io
import json
import pickle
import struct
import zlib
from array import array
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter, W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Frequency
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

from arsearch import Field, Ranking, SchemaError
from arsearch.analysis import DEFAULT_ANALYZER
from arsearch.engines.whoosh.schema import (
    DEFAULT_FIELDS,
    DEFAULT_RANKING,
    ArabicCodec,
    ArabicPositions,
    ArabicText,
    build_schema,
    resolve_fields,
)


def test_resolve_fields_none_gives_title_and_body() -> None:
    assert resolve_fields(None) == {"title": Field("text", boost=0.5), "body": Field("text")}


def test_resolve_fields_default_is_a_copy() -> None:
    fields = resolve_fields(None)
    fields["extra"] = Field("keyword")
    assert "extra" not in DEFAULT_FIELDS


def test_field_defaults() -> None:
    f = Field()
    assert (f.kind, f.stored, f.boost) == ("text", True, 1.0)


@pytest.mark.parametrize("kind", ["text", "keyword", "numeric", "date"])
def test_resolve_fields_kind_strings(kind: str) -> None:
    fields = resolve_fields({"body": "text", "extra": kind})
    assert fields == {"body": Field("text"), "extra": Field(kind)}  # type: ignore[arg-type]


def test_resolve_fields_keeps_field_objects_and_order() -> None:
    title = Field("text", stored=False, boost=3.0)
    fields = resolve_fields({"title": title, "body": "text", "year": "numeric"})
    assert list(fields) == ["title", "body", "year"]
    assert fields["title"] is title
    assert fields["year"] == Field("numeric")


@pytest.mark.parametrize("kind", ["bad", "TEXT", "", "int", 5, None])
def test_field_bad_kind(kind: object) -> None:
    with pytest.raises(SchemaError, match="unknown field kind"):
        Field(kind)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["bad", "Text"])
def test_resolve_fields_bad_kind_string(kind: str) -> None:
    with pytest.raises(SchemaError, match="unknown field kind"):
        resolve_fields({"body": kind})


@pytest.mark.parametrize("boost", [0, 0.0, -1, -0.5, "2", None, float("nan")])
def test_field_bad_boost(boost: object) -> None:
    with pytest.raises(SchemaError, match="boost"):
        Field("text", boost=boost)  # type: ignore[arg-type]


@pytest.mark.parametrize("boost", [0.01, 1, 2.5])
def test_field_good_boost(boost: float) -> None:
    assert Field("text", boost=boost).boost == boost


@pytest.mark.parametrize(
    "description, name, message",
    [
        ("id is implicit", "id", "'id' is always present"),
        ("double underscore inside", "body__none", "without '__'"),
        ("leading double underscore", "__x", "without '__'"),
        ("starts with a digit", "1title", "identifier"),
        ("dash", "my-field", "identifier"),
        ("space", "my field", "identifier"),
        ("colon (query syntax)", "a:b", "identifier"),
        ("empty", "", "identifier"),
        ("not a string", 3, "identifier"),
    ],
)
def test_resolve_fields_bad_names(description: str, name: object, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        resolve_fields({"body": "text", name: "keyword"})  # type: ignore[dict-item]


def test_resolve_fields_arabic_identifier_is_allowed() -> None:
    assert resolve_fields({"العنوان": "text"}) == {"العنوان": Field("text")}


@pytest.mark.parametrize(
    "fields",
    [{}, {"source": "keyword"}, {"year": "numeric", "when": "date", "tags": Field("keyword")}],
)
def test_resolve_fields_needs_a_text_field(fields: dict[str, object]) -> None:
    with pytest.raises(SchemaError, match="at least one text field"):
        resolve_fields(fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("fields", [["title", "body"], "title", 5])
def test_resolve_fields_not_a_mapping(fields: object) -> None:
    with pytest.raises(SchemaError, match="mapping"):
        resolve_fields(fields)  # type: ignore[arg-type]


def test_schema_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Field("bad")  # type: ignore[arg-type]


def test_ranking_defaults() -> None:
    assert DEFAULT_RANKING.to_json() == {
        "k1": 1.2,
        "b": 0.75,
        "operator": "or",
        "coordination": 0.5,
        "representations": (("isri", 0.3), ("ngram4", 0.7)),
        "phrase_boost": 0.0,
        "proximity": 0.0,
        "proximity_window": 3,
        "ngram_max_df": 0.1,
        "near_weight": 0.5,
        "root_match": True,
        "root_max_df": 0.2,
    }


@pytest.mark.parametrize(
    "ranking",
    [
        Ranking(),
        Ranking(k1=1.5, b=0.5, operator="and", coordination=0.3, phrase_boost=1.0),
        Ranking(representations=(("none", 0.3),)),
        Ranking(representations=(("none", 0.3), ("light10", 0.5))),
    ],
)
def test_ranking_json_round_trip(ranking: Ranking) -> None:
    data = json.loads(json.dumps(ranking.to_json()))  # tuples become lists on the way
    assert Ranking.from_json(data) == ranking


def test_ranking_from_json_fills_defaults() -> None:
    assert Ranking.from_json({"k1": 2.0}) == Ranking(k1=2.0)


def test_ranking_from_json_normalizes_representation_types() -> None:
    r = Ranking.from_json({"representations": [["none", 1]]})
    assert r.representations == (("none", 1.0),)
    assert isinstance(r.representations[0][1], float)


# -- the codec's writers: the same bytes as Whoosh's ----------------------------


def test_arabic_text_index_encodes_positions_like_arabic_positions() -> None:
    field = ArabicText(DEFAULT_ANALYZER)
    text = "ذهب الطلاب إلى المكتبة، ثم ذهب الطلاب إلى الملعب وذهب المعلم إلى المكتبة " * 3
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(DEFAULT_ANALYZER.terms(text, keep_stopwords=True)):
        positions.setdefault(term, []).append(i)
    got = {btext.decode("utf-8"): (freq, weight, value) for btext, freq, weight, value in field.index(text)}
    encode = ArabicPositions().encode
    assert got == {t: (len(pl), float(len(pl)), encode(pl)) for t, pl in positions.items()}
    assert len(got) == len(list(field.index(text)))  # each term once
    assert all(type(w) is float for _f, w, _v in got.values())
    assert ArabicText.distinct_postings


Posting = tuple[int, float, "bytes | None", int]  # docnum, weight, value, length byte


def _write_term(writer: W3PostingsWriter, fmt: object, postings: list[Posting], bulk: bool) -> tuple[bytes, bytes]:
    """One term's posting bytes and term info, posting by posting or in bulk."""
    f = io.BytesIO()
    writer._postfile = StructFile(f)
    writer.start_postings(fmt, W3TermInfo())
    if bulk:
        lenbytes = bytearray(max(p[0] for p in postings) + 1)
        for docnum, _w, _v, lb in postings:
            lenbytes[docnum] = lb
        ids, weights, values = [p[0] for p in postings], [p[1] for p in postings], [p[2] for p in postings]
        writer.add_postings_bulk(ids, weights, values, bytes(lenbytes))
    else:
        for docnum, weight, value, lb in postings:
            # what Whoosh's writer passes: the document's length as read back (None for 0)
            writer.add_posting(docnum, weight, value or b"", byte_to_length(lb) if lb else None)
    info = writer.finish_postings()
    return f.getvalue(), info.to_bytes()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 40),
            st.sampled_from([1.0, 1.0, 2.0, 3.0, 0.5, 0.0, -1.0]),
            st.sampled_from([b"", None, b"\x00\x00\x00\x01abcd", b"\x00\x00\x00\x02abcdefgh"]),
            st.sampled_from([0, 0, 1, 5, 30, 255]),
        ),
        min_size=1,
        max_size=300,
    ),
    st.booleans(),
)
def test_postings_writer_bulk_writes_whoosh_bytes(gaps: list[Posting], positions: bool) -> None:
    """ArabicCodec's postings writer, posting by posting and in bulk, writes
    the blocks and term info Whoosh's W3 postings writer writes (the same
    bytes both ways; the same blocks as Whoosh's once decompressed: ArabicCodec
    compresses differently)."""
    postings, docnum = [], -1
    for gap, weight, value, lb in gaps:
        docnum += gap
        postings.append((docnum, weight, value, lb))
    fmt = ArabicPositions() if positions else Frequency()
    codec = ArabicCodec(blocklimit=64)  # small blocks: several per term
    whoosh = W3PostingsWriter(None, blocklimit=codec._blocklimit, compression=codec._compression, inlinelimit=1)
    whoosh_bytes, whoosh_info = _write_term(whoosh, fmt, postings, bulk=False)
    ours = _write_term(codec.postings_writer(None), fmt, postings, bulk=False)
    assert _write_term(codec.postings_writer(None), fmt, postings, bulk=True) == ours
    assert ours[1][:-4] == whoosh_info[:-4]  # all but the posting bytes' length
    assert _decoded_blocks(ours[0]) == _decoded_blocks(whoosh_bytes)


def _decoded_blocks(raw: bytes) -> list[tuple[bool, tuple[Any, ...], Any]]:
    """A term's W3 blocks: (last?, block info without its compression level, data)."""
    assert raw.startswith(WHOOSH3_HEADER_MAGIC)
    f, out = io.BytesIO(raw[len(WHOOSH3_HEADER_MAGIC) :]), []
    while True:
        (length,) = struct.unpack("!i", f.read(4))
        block = f.read(abs(length))
        stream = io.BytesIO(block)
        info = pickle.load(stream)
        data = block[stream.tell() :]
        out.append((length < 0, info[:3] + info[4:], pickle.loads(zlib.decompress(data) if info[3] else data)))
        if length < 0:
            assert not f.read()
            return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 40), st.integers(1, 70), st.sampled_from([0, 0, 1, 5, 30, 255])), min_size=1, max_size=300),
)
def test_frequency_postings_written_in_bulk_as_one_by_one(gaps: list[tuple[int, int, int]]) -> None:
    """add_frequency_postings (the bulk store's term arrays) writes the bytes
    and term info that posting-by-posting writing gives for a Frequency field."""
    postings: list[Posting] = []
    docnum = -1
    for gap, freq, lb in gaps:
        docnum += gap
        postings.append((docnum, float(freq), pack_uint(freq), lb))
    codec = ArabicCodec(blocklimit=64)
    expected = _write_term(codec.postings_writer(None), Frequency(), postings, bulk=False)
    f = io.BytesIO()
    writer = codec.postings_writer(None)
    writer._postfile = StructFile(f)
    writer.start_postings(Frequency(), W3TermInfo())
    lenbytes = bytearray(postings[-1][0] + 1)
    for d, _w, _v, lb in postings:
        lenbytes[d] = lb
    ids = np.array([p[0] for p in postings], dtype=np.uint32)
    freqs = np.array([int(p[1]) for p in postings], dtype=np.uint32)
    writer.add_frequency_postings(ids, freqs, bytes(lenbytes))
    info = writer.finish_postings()
    assert (f.getvalue(), info.to_bytes()) == expected


@pytest.mark.parametrize(
    "ids, weights",
    [
        ([0], [1.0]),
        ([3, 4, 9, 200], [1.0, 1.0, 1.0, 1.0]),
        ([3, 4, 9], [2.0, 2.0, 2.0]),
        ([3, 4, 9], [1.0, 2.0, 1.0]),
        ([5, 6], [float("nan"), float("nan")]),
    ],
)
def test_postings_writer_minifies_like_whoosh(ids: list[int], weights: list[float]) -> None:
    ours = ArabicCodec().postings_writer(None)
    whoosh = W3PostingsWriter(None, blocklimit=128)
    for w in (ours, whoosh):
        w._ids, w._weights = array("I", ids), array("f", weights)
    assert ours._mini_ids() == whoosh._mini_ids()
    assert repr(ours._mini_weights()) == repr(whoosh._mini_weights())


@pytest.mark.parametrize("name", ["root", "ngram2", "ngram6", ""])
def test_ranking_rejects_unknown_representations(name: str) -> None:
    with pytest.raises(SchemaError, match="unknown representation"):
        Ranking(representations=((name, 0.3),))


def test_ranking_accepts_ngram_representations() -> None:
    r = Ranking(representations=(("ngram3", 0.5), ("ngram4", 0.7), ("ngram5", 1.0), ("isri", 0.3)))
    assert Ranking.from_json(json.loads(json.dumps(r.to_json()))) == r


def test_schema_has_one_field_per_representation() -> None:
    ranking = Ranking(representations=(("isri", 0.3), ("ngram4", 0.7)))
    schema = build_schema(resolve_fields(None), DEFAULT_ANALYZER, ranking)
    assert sorted(schema.names()) == ["all__isri", "all__ngram4", "all__words", "body", "id", "title"]
    assert sorted(build_schema(resolve_fields(None), DEFAULT_ANALYZER, ranking, vocabulary=False).names()) == [
        "all__isri", "all__ngram4", "body", "id", "title"
    ]
    assert schema["all__ngram4"].ngram == 4 and not schema["all__ngram4"].format.supports("positions")
    assert schema["all__isri"].ngram == 0 and schema["all__isri"].analyzer.analyzer.stemmer == "isri"


def test_vocabulary_field_indexes_every_word_as_written() -> None:
    schema = build_schema(resolve_fields(None), DEFAULT_ANALYZER, Ranking())
    postings = {t.decode(): freq for t, freq, _w, _ in schema["all__words"].index("المدرسةُ والمدرسة في المدرسة")}
    assert postings == {"المدرسه": 2, "والمدرسه": 1, "في": 1}  # normalized, not stemmed; stop words kept
    assert not schema["all__words"].format.supports("positions")


def test_ngram_field_indexes_the_grams_of_unstemmed_words() -> None:
    schema = build_schema(resolve_fields(None), DEFAULT_ANALYZER, Ranking(representations=(("ngram4", 1.0),)))
    postings = {t.decode(): (freq, w) for t, freq, w, _ in schema["all__ngram4"].index("الكتاب كتاب")}
    assert postings == {"#الك": (1, 1.0), "الكت": (1, 1.0), "لكتا": (1, 1.0), "كتاب": (2, 2.0), "تاب#": (2, 2.0), "#كتا": (1, 1.0)}


def test_arabic_text_index_frequency_values_like_whoosh_frequency() -> None:
    """Without positions (representation fields) the value is Frequency's pack_uint(count)."""
    field = ArabicText(DEFAULT_ANALYZER, phrase=False)
    words = ["المكتبة"] * 70 + ["الطلاب"] * 3 + ["ذهب"]  # counts above and below the shared-object range
    got = {btext.decode("utf-8"): (freq, weight, value) for btext, freq, weight, value in field.index(" ".join(words))}
    counts: dict[str, int] = {}
    for term in DEFAULT_ANALYZER.terms(" ".join(words), keep_stopwords=True):
        counts[term] = counts.get(term, 0) + 1
    assert got == {t: (n, float(n), pack_uint(n)) for t, n in counts.items()}  # Frequency.word_values' value
    assert sorted(n for n, _w, _v in got.values()) == [1, 3, 70]
    assert all(type(w) is float for _f, w, _v in got.values())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"representations": (("isri", 0.3), ("isri", 0.5))}, "once"),
        ({"ngram_max_df": 0.0}, "ngram_max_df"),
        ({"ngram_max_df": 1.5}, "ngram_max_df"),
        ({"ngram_max_df": "0.1"}, "ngram_max_df"),
        ({"ngram_max_df": True}, "ngram_max_df"),
    ],
)
def test_ranking_rejects_bad_representation_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        Ranking(**kwargs)  # type: ignore[arg-type]
