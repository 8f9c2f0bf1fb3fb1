"""Tests for arsearch.schema: field declarations, their validation, Ranking JSON."""

from __future__ import annotations

import json

import pytest

from arsearch import Field, Ranking, SchemaError
from arsearch.schema import DEFAULT_FIELDS, DEFAULT_RANKING, resolve_fields


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
        "representations": (),
        "phrase_boost": 0.0,
        "proximity": 0.0,
        "proximity_window": 3,
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
