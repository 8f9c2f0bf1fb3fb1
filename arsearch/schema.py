"""Field declarations and the Whoosh schema built from them (index glue).

A field is declared by kind — ``"text"`` (Arabic-analyzed, ranked),
``"keyword"`` (exact values, for filtering), ``"numeric"`` or ``"date"``
(filtering and sorting) — or with :class:`Field` for boost and storage.
Every index also has ``id``: unique, stored.

Example:
    >>> fields = resolve_fields({"title": Field("text", boost=2.0), "body": "text", "year": "numeric"})
    >>> sorted(fields), fields["year"].kind
    (['body', 'title', 'year'], 'numeric')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from array import array
from collections import Counter
from collections.abc import Iterator

from whoosh import fields as wf
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE, pack_uint

from .analysis import Analyzer
from .errors import SchemaError
from .whoosh_analysis import ArabicTokenizer

__all__ = ["Field", "Ranking", "DEFAULT_FIELDS", "DEFAULT_RANKING", "resolve_fields", "build_schema", "rep_field"]

Kind = Literal["text", "keyword", "numeric", "date"]
KINDS: tuple[str, ...] = ("text", "keyword", "numeric", "date")
ID_FIELD = "id"


@dataclass(frozen=True)
class Field:
    """A declared field: ``kind``, whether its value is ``stored`` (returned
    with hits), and a ranking ``boost`` (text fields)."""

    kind: Kind = "text"
    stored: bool = True
    boost: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SchemaError(f"unknown field kind {self.kind!r}; choose one of {', '.join(KINDS)}")
        if not isinstance(self.boost, (int, float)) or self.boost <= 0:
            raise SchemaError(f"field boost must be a positive number, not {self.boost!r}")


@dataclass(frozen=True)
class Ranking:
    """How text is represented in the index and how queries are scored.

    ``representations`` are extra index fields per text field, each the same
    text under another stemmer with a query weight, e.g. ``(("none", 0.3),)``
    adds the normalized surface form. ``operator`` joins plain words
    (``"or"`` or ``"and"``); ``coordination`` (0..1) rewards documents that
    match more of the words; ``k1``/``b`` are BM25F's parameters.
    """

    k1: float = 1.2
    b: float = 0.75
    operator: Literal["or", "and"] = "or"
    coordination: float = 0.0
    representations: tuple[tuple[str, float], ...] = ()
    phrase_boost: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ranking:
        data = dict(data)
        data["representations"] = tuple((str(s), float(w)) for s, w in data.get("representations", ()))
        return cls(**data)


class ArabicPositions(Positions):  # type: ignore[misc]
    """Whoosh's Positions format with positions stored as a uint32 array
    (Whoosh pickles a delta list per posting, which dominates indexing)."""

    def encode(self, poslist: list[int]) -> bytes:
        return pack_uint(len(poslist)) + array("I", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        positions = array("I")
        positions.frombytes(valuestring[_INT_SIZE:])
        return positions.tolist()


class ArabicText(wf.TEXT):  # type: ignore[misc]
    """A TEXT field indexed in one pass by the arsearch analyzer.

    ``index`` turns the value into terms with :meth:`Analyzer.terms` (stop
    words kept) and builds the postings directly, skipping Whoosh's
    per-token object pipeline. Query-time and highlighting analysis go
    through the same analyzer via :class:`ArabicTokenizer`.
    """

    def __init__(self, analyzer: Analyzer, phrase: bool = True, **kwargs: Any) -> None:
        super().__init__(analyzer=ArabicTokenizer(analyzer), phrase=phrase, **kwargs)
        if phrase:
            self.format = ArabicPositions(field_boost=self.format.field_boost)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        terms = self.analyzer.analyzer.terms(value, keep_stopwords=True)
        fb = self.format.field_boost
        if isinstance(self.format, Positions):
            poses: dict[str, list[int]] = {}
            for i, term in enumerate(terms):
                if term in poses:
                    poses[term].append(i)
                else:
                    poses[term] = [i]
            encode = self.format.encode
            for w, pl in poses.items():
                yield (w.encode("utf-8"), len(pl), len(pl) * fb, encode(pl))
        else:
            for w, n in Counter(terms).items():
                yield (w.encode("utf-8"), n, n * fb, pack_uint(n))


DEFAULT_FIELDS: dict[str, Field] = {"title": Field("text", boost=2.0), "body": Field("text")}
DEFAULT_RANKING = Ranking()


def resolve_fields(fields: Mapping[str, str | Field] | None) -> dict[str, Field]:
    """Validate a user declaration (``None`` → title + body)."""
    if fields is None:
        return dict(DEFAULT_FIELDS)
    if not isinstance(fields, Mapping):
        raise SchemaError("fields must be a mapping of name → kind or Field")
    out: dict[str, Field] = {}
    for name, spec in fields.items():
        if not isinstance(name, str) or not name.isidentifier() or "__" in name:
            raise SchemaError(f"field name {name!r} must be an identifier without '__'")
        if name == ID_FIELD:
            raise SchemaError("'id' is always present (unique, stored); do not declare it")
        out[name] = spec if isinstance(spec, Field) else Field(spec)  # type: ignore[arg-type]
    if not any(f.kind == "text" for f in out.values()):
        raise SchemaError("declare at least one text field")
    return out


def rep_field(name: str, stemmer: str) -> str:
    """Index field holding ``name`` under another representation."""
    return f"{name}__{stemmer}"


def build_schema(fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> wf.Schema:
    """The Whoosh schema for the declared fields and ranking representations."""
    schema = wf.Schema()
    schema.add(ID_FIELD, wf.ID(unique=True, stored=True))
    config = analyzer.config()
    for name, f in fields.items():
        if f.kind == "text":
            schema.add(name, ArabicText(analyzer, stored=f.stored, field_boost=f.boost))
            for stemmer, _weight in ranking.representations:
                rep = Analyzer(**{**config, "stemmer": stemmer})
                # Extra representations need no positions: phrases use the main field.
                schema.add(rep_field(name, stemmer), ArabicText(rep, phrase=False, field_boost=f.boost))
        elif f.kind == "keyword":
            schema.add(name, wf.KEYWORD(stored=f.stored, lowercase=True, commas=True, scorable=False))
        elif f.kind == "numeric":
            schema.add(name, wf.NUMERIC(numtype=float, stored=f.stored, sortable=True, signed=True))
        else:
            schema.add(name, wf.DATETIME(stored=f.stored, sortable=True))
    return schema
