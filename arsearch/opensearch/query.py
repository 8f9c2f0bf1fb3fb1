"""arsearch's query language as OpenSearch / Elasticsearch query DSL.

:func:`search_body` parses the query with arsearch's own planner
(:func:`arsearch.query.build_plan`: the same plan the local engines and the
highlighter use) and writes each plan item as DSL over the fields of
:func:`~arsearch.opensearch.index_body`. The terms are analyzed by the client,
so the body uses ``term`` queries: the cluster's analysis matters only at
index time, where it was checked against Lucene's classes.

How arsearch's ranking maps to the DSL:

* a word: its matching terms (its light stem in each text field, weighted
  by the field boost; its root; its close spellings) decide the hits, in a
  ``bool`` under ``must``; the terms that only add score (the character
  n-grams, each weighted by the representation weight times its count in
  the word) sit in the ``should`` beside it, so a hit scores every one it
  holds, as in arsearch. BM25 per field with arsearch's ``k1``/``b`` (set in
  the index's similarity); the clause scores add up, as in arsearch.
* ``+word`` / ``-word`` / ``AND`` / ``NOT`` / groups: ``must`` / ``must_not``
  / nested ``bool``, matched by the word's own stem as in arsearch.
* coordination ``c``: a ``function_score`` multiplying the score by
  ``1 − c + c·m/n`` (a weight ``1 − c`` for every document plus ``c/n`` for
  each of the n optional clauses it matches), arsearch's formula.
* phrases: ``span_near`` (in order, ``slop`` = the ``~N``) of ``span_term``
  queries on each text field; prefixes: ``prefix`` queries.

What differs from local search (see README, "Scaling out"):

* phrase and prefix clauses score with Lucene's span and constant scores,
  not arsearch's; a prefix stripped of its article may expand to a stop word;
* Lucene's BM25 drops the constant ``(k1 + 1)`` factor and encodes field
  lengths in one byte (as Whoosh does, with another table), and each shard
  has its own statistics unless ``search_type=dfs_query_then_fetch``;
* without a ``lexicon`` (document frequencies of the cluster), frequent
  n-grams are not skipped (``ngram_max_df``), roots are not limited by
  ``root_max_df`` and close spellings are not searched.

Example:
    >>> body = search_body("المكتبات")
    >>> body["query"]["bool"]["must"][0]["bool"]["should"][0]["bool"]["should"][:2]
    [{'term': {'title': {'value': 'مكتب', 'boost': 0.5}}}, {'term': {'body': {'value': 'مكتب', 'boost': 1.0}}}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..analysis import DEFAULT_ANALYZER, Analyzer
from ..fields import DEFAULT_FIELDS, DEFAULT_RANKING, Field, Ranking, resolve_fields
from ..query import Lexicon, Plan, PlanItem, TermRef, build_plan

__all__ = ["search_body", "plan_to_dsl"]

_MATCH_NONE: dict[str, Any] = {"match_none": {}}


def _term(ref: TermRef) -> dict[str, Any]:
    if ref.weight <= 0:  # a keyword value: matches, adds no score
        return {"constant_score": {"filter": {"term": {ref.field: ref.term}}, "boost": 0.0}}
    return {"term": {ref.field: {"value": ref.term, "boost": ref.weight}}}


def _any(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return _MATCH_NONE
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}


class _Writer:
    def __init__(self, lexicon: Lexicon | None) -> None:
        self.lexicon = lexicon

    def kept(self, ref: TermRef) -> bool:
        """A ref the engine would use (frequent n-grams are skipped, with a lexicon)."""
        lex = self.lexicon
        return ref.max_df >= 1.0 or lex is None or lex.df(ref.field, ref.term) <= ref.max_df * lex.n

    def matcher(self, item: PlanItem, strict: bool) -> dict[str, Any]:
        """What makes a document match ``item`` (its scoring matching terms)."""
        if item.kind == "terms":
            refs = [r for r in item.refs if (r.how == "stem" if strict else r.matches) and self.kept(r)]
            return _any([_term(r) for r in refs])
        if item.kind in ("phrase", "near"):
            slop = item.slop if item.kind == "phrase" else max(item.window - 1, 0)
            return _any(
                [
                    {
                        "span_near": {
                            "clauses": [{"span_term": {field: word}} for word in item.words],
                            "slop": slop,
                            "in_order": True,
                            "boost": boost * item.weight,
                        }
                    }
                    for field, boost in item.fields
                ]
            )
        if item.kind == "prefix":
            return _any(
                [
                    {"prefix": {field: {"value": prefix, "boost": boost}}}
                    for field, boost in item.fields
                    for prefix in item.prefixes
                ]
            )
        if item.kind == "group":
            return self.combine(item.children)
        raise ValueError(f"unknown plan item {item.kind!r}")  # pragma: no cover

    def extras(self, item: PlanItem) -> list[dict[str, Any]]:
        """The terms of ``item`` that add score without making a match."""
        if item.kind != "terms":
            return []
        strict = item.occur != "should"
        return [_term(r) for r in item.refs if self.kept(r) and not (r.how == "stem" if strict else r.matches)]

    def combine(self, items: Sequence[PlanItem]) -> dict[str, Any]:
        """Items combined like a query: the matchers decide the hits (and
        score), and every score-only term a hit holds adds its score, whether
        or not its word matched (as arsearch sums all the refs a hit has)."""
        bool_: dict[str, list[dict[str, Any]]] = {}
        extras: list[dict[str, Any]] = []
        for item in items:
            if item.bonus:
                continue
            if item.occur == "must_not":
                bool_.setdefault("must_not", []).append(self.matcher(item, strict=True))
                continue
            bool_.setdefault(item.occur, []).append(self.matcher(item, strict=item.occur != "should"))
            extras.extend(self.extras(item))
        if not bool_.get("must") and not bool_.get("should"):
            bool_.setdefault("must", []).append({"match_all": {}})  # only exclusions: a group "NOT a"
        core = {"bool": bool_}
        return {"bool": {"must": [core], "should": extras}} if extras else core


def plan_to_dsl(plan: Plan, lexicon: Lexicon | None = None) -> dict[str, Any]:
    """The query DSL object (the value of ``"query"``) for an arsearch plan."""
    if plan.empty:
        return _MATCH_NONE
    writer = _Writer(lexicon)
    core = writer.combine(plan.items)
    bonus = [writer.matcher(i, strict=False) for i in plan.items if i.bonus and i.occur != "must_not"]
    query = {"bool": {"must": [core], "should": bonus}} if bonus else core
    optional = [i for i in plan.items if i.occur == "should" and not i.bonus]
    c = plan.coordination
    if c > 0 and len(optional) > 1:
        functions: list[dict[str, Any]] = [{"weight": 1.0 - c}] if c < 1 else []
        functions += [{"filter": writer.matcher(i, strict=False), "weight": c / len(optional)} for i in optional]
        return {"function_score": {"query": query, "functions": functions, "score_mode": "sum", "boost_mode": "multiply"}}
    return query


def search_body(
    query: str,
    fields: Mapping[str, str | Field] | None = None,
    ranking: Ranking | None = None,
    analyzer: Analyzer | None = None,
    *,
    search_fields: Sequence[str] | None = None,
    lexicon: Lexicon | None = None,
    size: int = 10,
    offset: int = 0,
) -> dict[str, Any]:
    """The ``_search`` body for an arsearch ``query`` over an index made with
    :func:`~arsearch.opensearch.index_body` (same ``fields``, ``ranking`` and
    ``analyzer``). ``lexicon`` (document frequencies, see
    :class:`arsearch.query.Lexicon`) enables close spellings and the
    document-frequency limits; ``search_fields`` restricts the text fields.

    >>> body = search_body("تونس -الجزائر", size=5)
    >>> core = body["query"]["bool"]["must"][0]["bool"]  # beside it, "should": the n-grams
    >>> body["size"], list(core)
    (5, ['should', 'must_not'])
    """
    fields_ = resolve_fields(fields if fields is not None else DEFAULT_FIELDS)
    ranking = ranking or DEFAULT_RANKING
    analyzer = analyzer or DEFAULT_ANALYZER
    text_fields = [n for n, f in fields_.items() if f.kind == "text"]
    plan = build_plan(query, fields_, analyzer, ranking, list(search_fields or text_fields), lexicon)
    body: dict[str, Any] = {"query": plan_to_dsl(plan, lexicon), "size": size, "track_total_hits": True}
    if offset:
        body["from"] = offset
    body["_source"] = {"excludes": ["all__*"]}
    return body
