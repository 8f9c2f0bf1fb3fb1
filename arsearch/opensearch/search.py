"""Search an OpenSearch / Elasticsearch index made by ``arsearch export``,
with arsearch's query language, ranking (:func:`search_body`) and
highlighting: one parse of the query writes the cluster's query and marks
the returned ``_source`` in the original text, diacritics intact.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..analysis import Analyzer
from ..errors import QueryError
from ..fields import DEFAULT_FIELDS, DEFAULT_RANKING, ID_FIELD, Field, Ranking, resolve_fields
from ..highlight import FORMATS, QueryMatcher
from ..index import Results, hit_fields, make_hit
from ..query import build_plan
from .export import ExportError, _client_module, _reason
from .query import plan_to_dsl

__all__ = ["ClusterSettings", "cluster_settings", "search_cluster"]

ClusterSettings = tuple[dict[str, Field], Ranking, Analyzer]


def cluster_settings(client: Any, index: str) -> ClusterSettings:
    """The fields, ranking and analyzer that :func:`~arsearch.opensearch.index_body`
    recorded in ``index``'s mapping (``_meta.arsearch``); arsearch's defaults
    for an index without them. Raises :class:`ExportError` (one line) when
    the index cannot be read."""
    osp = _client_module()
    try:
        mappings = client.indices.get_mapping(index=index)
    except osp.exceptions.NotFoundError as e:
        raise ExportError(f"no index {index!r} on the cluster") from e
    except osp.exceptions.TransportError as e:
        raise ExportError(f"cannot read index {index!r}: {_reason(e)}") from e
    found = next(iter(mappings.values()), {}) if isinstance(mappings, Mapping) else {}
    meta = ((found.get("mappings") or {}).get("_meta") or {}).get("arsearch")
    if not meta:
        return dict(resolve_fields(DEFAULT_FIELDS)), DEFAULT_RANKING, Analyzer()
    try:
        fields = resolve_fields({n: Field(**f) for n, f in meta["fields"].items()})
        return dict(fields), Ranking.from_json(meta["ranking"]), Analyzer(**meta["analyzer"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ExportError(f"index {index!r} has unreadable arsearch settings in its mapping ({e})") from e


def search_cluster(
    client: Any,
    index: str,
    query: str,
    limit: int = 10,
    offset: int = 0,
    *,
    settings: ClusterSettings | None = None,
    snippet_format: str = "html",
    snippet_chars: int = 240,
) -> Results:
    """Search ``index`` on the cluster behind ``client`` (an
    ``opensearchpy.OpenSearch``); the same :class:`~arsearch.Results` as
    :meth:`arsearch.Index.search`, snippets and titles highlighted by
    arsearch in the returned ``_source``. ``settings`` (see
    :func:`cluster_settings`) saves reading them from the cluster.

    Differs from a local search: no close spellings or document-frequency
    limits (no lexicon), no did-you-mean, no Arabizi readings, and the
    cluster's scores (see README "Scaling out").
    """
    if not isinstance(query, str):
        raise QueryError(f"query must be str, not {type(query).__name__}")
    if snippet_format not in FORMATS:
        raise QueryError(f"snippet_format must be one of {', '.join(FORMATS)}")
    osp = _client_module()
    fields, ranking, analyzer = settings or cluster_settings(client, index)
    text_fields = [n for n, f in fields.items() if f.kind == "text"]
    t0 = time.perf_counter()
    plan = build_plan(query, fields, analyzer, ranking, text_fields, None, arabizi=False)
    if plan.empty:
        return Results(query, [], 0, offset, (time.perf_counter() - t0) * 1000, plan.warnings)
    body: dict[str, Any] = {"query": plan_to_dsl(plan, None), "size": limit, "track_total_hits": True,
                            "_source": {"excludes": ["all__*"]}}
    if offset:
        body["from"] = offset
    try:
        answer = client.search(index=index, body=body)
    except osp.exceptions.NotFoundError as e:
        raise ExportError(f"no index {index!r} on the cluster") from e
    except osp.exceptions.TransportError as e:
        raise ExportError(f"the cluster refused the search ({_reason(e)})") from e
    matchers = {f: QueryMatcher.from_plan(plan, f) for f in text_fields}
    shown = hit_fields(text_fields, text_fields)
    options = {"format": snippet_format, "max_chars": snippet_chars, "fragments": 1}
    hits = []
    for rank, found in enumerate(answer["hits"]["hits"], start=offset + 1):
        stored = {k: v for k, v in (found.get("_source") or {}).items() if k in fields}
        stored[ID_FIELD] = str((found.get("_source") or {}).get(ID_FIELD, found.get("_id")))
        hits.append(make_hit(stored, float(found.get("_score") or 0.0), rank, shown, matchers, analyzer, options))
    total = answer["hits"]["total"]
    total = total["value"] if isinstance(total, Mapping) else int(total)
    return Results(query, hits, int(total), offset, (time.perf_counter() - t0) * 1000, plan.warnings)
