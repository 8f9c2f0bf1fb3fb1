"""Field declarations and ranking settings (engine-agnostic).

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

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .errors import SchemaError
from .analysis import NGRAM_SIZES
from .stem import STEMMERS

#: Names a ranking representation can take: a stemmer, or character n-grams.
REPRESENTATIONS: tuple[str, ...] = (*STEMMERS, *NGRAM_SIZES)

__all__ = [
    "Field",
    "Ranking",
    "DEFAULT_FIELDS",
    "DEFAULT_RANKING",
    "FAST_RANKING",
    "REPRESENTATIONS",
    "ID_FIELD",
    "resolve_fields",
    "rep_field",
]

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
        if not isinstance(self.boost, (int, float)) or isinstance(self.boost, bool) or not math.isfinite(self.boost) or self.boost <= 0:
            raise SchemaError(f"field boost must be a positive number, not {self.boost!r}")


@dataclass(frozen=True)
class Ranking:
    """How text is represented in the index and how queries are scored.

    ``representations`` are extra index fields, each holding all the text
    fields of a document together (like Elasticsearch's ``copy_to``) under
    another analysis, with a query weight: ``(("none", 0.3),)`` adds the
    normalized surface form. They score the plain words of queries that
    search every text field (the default); ``field:word`` and
    ``search(fields=[...])`` on a subset use the text fields alone. ``operator`` joins plain words
    (``"or"`` or ``"and"``); ``coordination`` (0..1) rewards documents that
    match more of the words; ``k1``/``b`` are BM25F's parameters.
    ``phrase_boost`` adds a bonus where all the query's words form a phrase;
    ``proximity`` adds a bonus (that weight × the pair's BM25) where two
    consecutive query words occur in order within ``proximity_window``
    positions (a sequential-dependence model).

    The match policy: a document is a hit only if it holds a query word's
    own term (its light stem), its root (a stemmer representation, when
    ``root_match``, the word itself occurs in the index and the root is in
    at most ``root_max_df`` of the documents), or a close
    spelling of it that occurs in the index (scored ``near_weight`` times
    the word; 0 turns close spellings off). Character n-grams add score to
    hits, never make one.
    """

    k1: float = 1.2
    b: float = 0.75
    operator: Literal["or", "and"] = "or"
    coordination: float = 0.0
    representations: tuple[tuple[str, float], ...] = ()
    phrase_boost: float = 0.0
    proximity: float = 0.0
    proximity_window: int = 3
    ngram_max_df: float = 0.1
    near_weight: float = 0.5
    root_match: bool = True
    root_max_df: float = 0.2

    def __post_init__(self) -> None:
        names = [name for name, _weight in self.representations]
        for name in names:
            if name not in REPRESENTATIONS:
                raise SchemaError(f"unknown representation {name!r}; choose one of {', '.join(REPRESENTATIONS)}")
        if len(set(names)) != len(names):
            raise SchemaError(f"each representation may appear once, not {names}")
        nw = self.near_weight
        if not isinstance(nw, (int, float)) or isinstance(nw, bool) or not 0.0 <= nw <= 1.0:
            raise SchemaError(f"near_weight must be a number in [0, 1], not {nw!r}")
        for name in ("ngram_max_df", "root_max_df"):
            df = getattr(self, name)
            if not isinstance(df, (int, float)) or isinstance(df, bool) or not 0.0 < df <= 1.0:
                raise SchemaError(f"{name} must be a number in (0, 1], not {df!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ranking:
        data = dict(data)
        data["representations"] = tuple((str(s), float(w)) for s, w in data.get("representations", ()))
        return cls(**data)


#: Defaults chosen on qa-dev's tune half (benchmarks/README.md, "Relevance"):
#: titles are shared by many paragraphs there, and a title boost above 1
#: cost 0.048 MRR@10; 0.5 and 0.3 are within 0.002 of each other.
DEFAULT_FIELDS: dict[str, Field] = {"title": Field("text", boost=0.5), "body": Field("text")}
#: The default, chosen on qa-dev's tune half (benchmarks/README.md,
#: "Relevance"): the light stem in each text field, plus two representations
#: of all the text fields together: ISRI roots (weight 0.3: recall across
#: derivations) and character 4-grams of the unstemmed words (weight 0.7:
#: spelling variants, broken words, names), skipping 4-grams found in more
#: than 10% of the documents; coordination 0.5. The match policy (a hit
#: holds a word's stem, its root — if in at most 20% of the documents — or a
#: close spelling; n-grams only score) keeps qa-dev at MRR@10 0.845 and
#: Recall@100 0.980, against 0.807 / 0.971 for the light stem alone and
#: 0.777 / 0.969 for Lucene's rules.
DEFAULT_RANKING = Ranking(coordination=0.5, representations=(("isri", 0.3), ("ngram4", 0.7)), ngram_max_df=0.1)
#: The light stem alone (with coordination 0.5): about half the index size
#: and several times the indexing speed of the default, for less relevance
#: (see benchmarks/README.md): ``Index.create(path, ranking=FAST_RANKING)``.
FAST_RANKING = Ranking(coordination=0.5)


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


#: An index field of every text field's words as written (normalized, not
#: stemmed), for document frequencies only: the speller's vocabulary (a light
#: stem is shared by too many words to tell a typo from a word). Indexes
#: created before it have none (their metadata says so).
VOCABULARY_FIELD = "all__words"


def rep_field(representation: str) -> str:
    """Index field holding every text field of a document under ``representation``."""
    return f"all__{representation}"
