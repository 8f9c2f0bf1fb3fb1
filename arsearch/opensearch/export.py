"""Bulk-load arsearch documents into OpenSearch / Elasticsearch (``arsearch export``).

Needs ``opensearch-py`` (``pip install 'arsearch[opensearch]'``). The index
is created with :func:`~arsearch.opensearch.index_body`; each document is
sent as :func:`~arsearch.opensearch.document_source` gives it, through
``opensearchpy.helpers.streaming_bulk``: chunks of ``chunk_size``
documents, items refused with 429 (queue full) retried up to
``max_retries`` times with exponential back-off, every other refused item
reported with its id and reason. Nothing is dropped silently: at the end the
index is refreshed and its ``_count`` compared with the documents accepted.

Tested against an HTTP server in the test process that answers like a
cluster; not run against a live cluster here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..analysis import DEFAULT_ANALYZER, Analyzer
from ..errors import ArsearchError
from ..fields import DEFAULT_FIELDS, DEFAULT_RANKING, ID_FIELD, Field, Ranking, resolve_fields
from .analysis import document_source, index_body

__all__ = ["ExportError", "ExportReport", "connect", "export_documents"]

INSTALL_HINT = "the export needs opensearch-py: pip install 'arsearch[opensearch]'"


class ExportError(ArsearchError):
    """The cluster cannot be reached, refused a request, or lost documents."""


@dataclass
class ExportReport:
    """What :func:`export_documents` did: documents ``sent``, ``indexed``
    (accepted by the cluster), ``errors`` (``(id, reason)`` for each refused
    document), and ``count``, the index's ``_count`` after the refresh."""

    index: str
    sent: int = 0
    indexed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    count: int | None = None
    expected: int = 0  # distinct ids accepted (a repeated id replaces the document)
    appended: bool = False  # added to an existing index: it may hold more documents

    @property
    def complete(self) -> bool:
        """No document refused, and the cluster counts every accepted one."""
        if self.errors or self.count is None:
            return False
        return self.count >= self.expected if self.appended else self.count == self.expected


def _client_module() -> Any:
    try:
        import opensearchpy
    except ImportError as e:
        raise ExportError(INSTALL_HINT) from e
    return opensearchpy


def connect(
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    ca_certs: str | None = None,
    verify_certs: bool = True,
    timeout: float = 60.0,
) -> Any:
    """An ``opensearchpy.OpenSearch`` client for ``url``, checked with one
    request (:class:`ExportError` with a one-line reason if it fails)."""
    osp = _client_module()
    options: dict[str, Any] = {"hosts": [url], "timeout": timeout, "verify_certs": verify_certs}
    if user is not None:
        options["http_auth"] = (user, password or "")
    if api_key is not None:
        options["headers"] = {"Authorization": f"ApiKey {api_key}"}
    if ca_certs is not None:
        options["ca_certs"] = ca_certs
    if not verify_certs:
        options["ssl_show_warn"] = False
    try:
        client = osp.OpenSearch(**options)
        client.info()
    except osp.exceptions.AuthenticationException as e:
        raise ExportError(f"{url} refused the credentials ({_reason(e)})") from e
    except osp.exceptions.AuthorizationException as e:
        raise ExportError(f"{url} refused access ({_reason(e)})") from e
    except osp.exceptions.ConnectionError as e:
        raise ExportError(f"cannot reach {url}: {_reason(e)}") from e
    except osp.exceptions.TransportError as e:
        raise ExportError(f"{url} answered {_reason(e)}") from e
    except (ValueError, OSError) as e:  # a malformed URL, an unreadable CA file
        raise ExportError(f"cannot connect to {url}: {e}") from e
    return client


def _reason(e: Any) -> str:
    status = getattr(e, "status_code", None)
    error = getattr(e, "error", None)
    info = getattr(e, "info", None)
    if isinstance(info, Mapping) and isinstance(info.get("error"), Mapping):
        err = info["error"]
        error = f"{err.get('type', '')}: {err.get('reason', '')}".strip(": ")
    elif isinstance(info, BaseException):
        error = str(info)
    text = " ".join(str(x) for x in (status, error) if x not in (None, "", "N/A"))
    return (text or str(e)).replace("\n", " ")[:300]


def _item_reason(info: Mapping[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, Mapping):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
    else:
        reason = str(error or info.get("exception") or "refused")
    return f"{info.get('status', '?')} {reason}".replace("\n", " ")[:300]


def export_documents(
    client: Any,
    index: str,
    documents: Iterable[Mapping[str, Any]],
    *,
    fields: Mapping[str, str | Field] | None = None,
    ranking: Ranking | None = None,
    analyzer: Analyzer | None = None,
    create: bool = True,
    shards: int = 1,
    replicas: int = 1,
    chunk_size: int = 500,
    max_retries: int = 5,
    initial_backoff: float = 1.0,
    max_backoff: float = 60.0,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> ExportReport:
    """Create ``index`` (unless ``create`` is false) and bulk-load ``documents``.

    Each refused document is passed to ``on_error(id, reason)`` and listed
    in the report; ``progress(n)`` is called with the documents handled so
    far. Raises :class:`ExportError` if the index cannot be created or a
    request fails as a whole (after the retries).

    Example (against a cluster):
        >>> client = connect("http://localhost:9200")  # doctest: +SKIP
        >>> export_documents(client, "news", [{"id": "1", "title": "", "body": "نص"}]).complete  # doctest: +SKIP
        True
    """
    osp = _client_module()
    from opensearchpy import helpers

    fields_ = resolve_fields(fields if fields is not None else DEFAULT_FIELDS)
    ranking = ranking or DEFAULT_RANKING
    analyzer = analyzer or DEFAULT_ANALYZER
    report = ExportReport(index, appended=not create)
    if create:
        try:
            client.indices.create(index=index, body=index_body(fields_, ranking, analyzer, shards=shards, replicas=replicas))
        except osp.exceptions.TransportError as e:
            if "resource_already_exists" in _reason(e):
                raise ExportError(f"index {index!r} already exists (delete it, or add to it with --append)") from e
            raise ExportError(f"cannot create index {index!r}: {_reason(e)}") from e
        except osp.exceptions.ConnectionError as e:  # pragma: no cover - a subclass of TransportError in opensearch-py
            raise ExportError(f"cannot create index {index!r}: {_reason(e)}") from e

    accepted: set[str] = set()

    def refuse(doc_id: str, reason: str) -> None:
        report.errors.append((doc_id, reason))
        if on_error is not None:
            on_error(doc_id, reason)

    def actions() -> Iterator[dict[str, Any]]:
        for doc in documents:
            raw = doc.get(ID_FIELD)
            if raw is None or raw == "" or isinstance(raw, (dict, list, bool)):
                report.sent += 1
                refuse("?", f"no usable 'id' ({raw!r})")
                continue
            report.sent += 1
            yield {"_op_type": "index", "_index": index, "_id": str(raw), "_source": document_source(doc, fields_, ranking, analyzer)}

    try:
        for ok, item in helpers.streaming_bulk(
            client,
            actions(),
            chunk_size=chunk_size,
            max_retries=max_retries,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
            raise_on_error=False,
            raise_on_exception=False,
        ):
            (_op, info), = item.items()
            doc_id = str(info.get("_id", "?"))
            if ok:
                report.indexed += 1
                accepted.add(doc_id)
            else:
                refuse(doc_id, _item_reason(info))
            if progress is not None:
                progress(report.indexed + len(report.errors))
    except osp.exceptions.TransportError as e:
        raise ExportError(f"bulk request to {index!r} failed after {report.indexed} documents: {_reason(e)}") from e
    report.expected = len(accepted)
    try:
        client.indices.refresh(index=index)
        report.count = int(client.count(index=index)["count"])
    except osp.exceptions.TransportError as e:
        raise ExportError(f"cannot count the documents of {index!r}: {_reason(e)}") from e
    return report
