"""arsearch's analysis and ranking on OpenSearch 2.x / Elasticsearch 8.x.

:func:`index_body` gives the index settings and mappings (built-in analysis
components only), :func:`document_source` the ``_source`` of one document
(with the representations the client computes, such as ISRI roots),
:func:`search_body` the query DSL for an arsearch query, and
:func:`export_documents` bulk-loads documents with ``opensearch-py``
(the ``opensearch`` extra: ``pip install 'arsearch[opensearch]'``), and
:func:`search_cluster` searches such an index with arsearch's query
language, highlighting the hits as a local search does.

Example:
    >>> from arsearch.opensearch import index_body, search_body
    >>> body = index_body()
    >>> body["settings"]["index"]["similarity"]["arsearch_bm25"]["type"]
    'BM25'
    >>> "bool" in search_body("المكتبات العامة")["query"]["function_score"]["query"]
    True
"""

from __future__ import annotations

from .analysis import document_source, index_body, settings_hash
from .emulate import emulate
from .query import search_body

__all__ = [
    "index_body", "document_source", "search_body", "settings_hash", "emulate", "export_documents", "ExportReport",
    "search_cluster", "cluster_settings",
]


def __getattr__(name: str) -> object:
    # the client code imports opensearch-py lazily (an optional extra)
    if name in ("export_documents", "ExportReport"):
        from . import export

        return getattr(export, name)
    if name in ("search_cluster", "cluster_settings"):
        from . import search

        return getattr(search, name)
    raise AttributeError(name)
