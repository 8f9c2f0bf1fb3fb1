"""``arsearch export``: create an OpenSearch / Elasticsearch index and bulk-load documents.

Kept apart from :mod:`arsearch.cli`, which only registers the subcommand.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..fields import DEFAULT_FIELDS, DEFAULT_RANKING
from ..sources import PROG, SUPPORTED, Feed, Reporter, collect, one_line

__all__ = ["add_export_parser", "cmd_export", "EXPORT_EPILOG"]

PASSWORD_ENV = "ARSEARCH_OPENSEARCH_PASSWORD"
API_KEY_ENV = "ARSEARCH_OPENSEARCH_API_KEY"

EXPORT_EPILOG = f"""\
Creates index NAME on the cluster at URL with arsearch's analysis written in
OpenSearch 2.x / Elasticsearch 8.x built-in components (light stem, 4-grams,
BM25 with arsearch's k1/b), then bulk-loads the documents: from {SUPPORTED}
files or folders (PATH), or from the stored fields of an arsearch index
(--from INDEX_DIR, with that index's fields and ranking). ISRI roots are
computed here and sent with each document. Requests refused with 429 are
retried with back-off; every refused document is reported on stderr with
its id, and at the end the cluster's document count is checked.
Needs: pip install 'arsearch[opensearch]'. The password and API key can
also come from ${PASSWORD_ENV} / ${API_KEY_ENV}.
Exit status: 0 if every document is in the index, 1 otherwise, 2 for usage
errors.

Example:
  arsearch export --to http://localhost:9200 --index news ./articles/
  arsearch export --to https://search.example:9200 --index news --from ./ix \\
      --user admin --ca-cert ./root-ca.pem
"""


def add_export_parser(sub: Any, formatter_class: Any) -> None:
    """Register ``export`` on the ``arsearch`` command's subparsers."""
    p = sub.add_parser(
        "export",
        help="create an OpenSearch/Elasticsearch index and load documents into it",
        description="Create an OpenSearch / Elasticsearch index with arsearch's analysis and\nbulk-load documents into it.",
        epilog=EXPORT_EPILOG,
        formatter_class=formatter_class,
    )
    p.add_argument("paths", metavar="PATH", nargs="*", help=f"{SUPPORTED} files, or folders holding them")
    p.add_argument("--to", required=True, metavar="URL", help="the cluster, e.g. http://localhost:9200")
    p.add_argument("--index", required=True, metavar="NAME", help="the index to create on the cluster")
    p.add_argument("--from", dest="from_index", metavar="INDEX_DIR", help="export the documents of this arsearch index")
    p.add_argument("--append", action="store_true", help="add to an existing index instead of creating it")
    add_auth_arguments(p)
    p.add_argument("--chunk-size", type=int, default=500, metavar="N", help="documents per bulk request (default 500)")
    p.add_argument("--max-retries", type=int, default=5, metavar="N", help="retries of a 429 (default 5)")
    p.add_argument("--shards", type=int, default=1, metavar="N", help="primary shards (default 1)")
    p.add_argument("--replicas", type=int, default=1, metavar="N", help="replicas (default 1)")
    p.set_defaults(func=cmd_export)


class _Progress:
    def __init__(self, stream: Any, tty: bool) -> None:
        self.stream, self.tty = stream, tty
        self.t0 = time.perf_counter()
        self._last = 0.0
        self.shown = False

    def __call__(self, count: int) -> None:
        if not self.tty:
            return
        now = time.perf_counter()
        if now - self._last < 0.1:
            return
        self._last = now
        rate = count / max(now - self.t0, 1e-9)
        self.stream.write(f"\r\x1b[Kexporting: {count:,} documents ({rate:,.0f} docs/s)")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def add_auth_arguments(p: Any) -> None:
    """The cluster's authentication and TLS options (``export``, ``search --url``)."""
    p.add_argument("--user", help="user name (basic authentication)")
    p.add_argument("--password", help=f"password (default: ${PASSWORD_ENV})")
    p.add_argument("--api-key", help=f"API key, sent as 'Authorization: ApiKey ...' (default: ${API_KEY_ENV})")
    p.add_argument("--ca-cert", metavar="FILE", help="CA certificate (PEM) to verify the cluster's TLS certificate")
    p.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")


def client_from_args(url: str, args: argparse.Namespace) -> Any:
    """A checked client for ``url`` with the options of :func:`add_auth_arguments`."""
    from .export import ExportError, connect

    password = args.password if args.password is not None else os.environ.get(PASSWORD_ENV)
    api_key = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV)
    if args.ca_cert is not None and not Path(args.ca_cert).is_file():
        raise ExportError(f"no CA certificate file at {args.ca_cert}")
    return connect(url, user=args.user, password=password, api_key=api_key, ca_certs=args.ca_cert,
                   verify_certs=not args.insecure)


def cmd_export(args: argparse.Namespace) -> int:
    from .export import ExportError, export_documents

    if bool(args.paths) == bool(args.from_index):
        raise _usage("give either PATH... or --from INDEX_DIR")
    for name in ("chunk_size", "max_retries", "shards"):
        if getattr(args, name) < (0 if name == "max_retries" else 1):
            raise _usage(f"--{name.replace('_', '-')} must be a positive number")
    if args.replicas < 0:
        raise _usage("--replicas must be 0 or more")
    reporter = Reporter(sys.stderr)
    if args.from_index:
        from ..index import Index

        with Index.open(args.from_index) as ix:
            fields, ranking, analyzer = ix.fields, ix.ranking, ix.analyzer
            documents: Iterable[Mapping[str, Any]] = ix.documents()
    else:
        fields, ranking, analyzer = dict(DEFAULT_FIELDS), DEFAULT_RANKING, None
        sources = collect(args.paths, reporter)
        if not sources:
            raise ExportError("nothing to export: no readable input")
        documents = Feed(sources, fields, reporter)

    client = client_from_args(args.to, args)
    progress = _Progress(sys.stderr, reporter.tty)

    def on_error(doc_id: str, reason: str) -> None:
        progress.clear()
        reporter.message(f"{PROG}: not exported {doc_id}: {one_line(reason)}")

    try:
        report = export_documents(
            client,
            args.index,
            documents,
            fields=fields,
            ranking=ranking,
            analyzer=analyzer,
            create=not args.append,
            shards=args.shards,
            replicas=args.replicas,
            chunk_size=args.chunk_size,
            max_retries=args.max_retries,
            progress=progress,
            on_error=on_error,
        )
    finally:
        progress.clear()
    secs = time.perf_counter() - progress.t0
    reporter.message(
        f"exported {report.indexed:,} of {report.sent:,} documents to {args.index} in {secs:.2f} s "
        f"({len(report.errors):,} refused, {reporter.skipped:,} inputs skipped; the index counts {report.count:,})"
    )
    if not report.complete:
        if report.errors:
            raise ExportError(f"{len(report.errors):,} documents were not exported (listed above)")
        raise ExportError(f"the index counts {report.count:,} documents, expected {report.expected:,}")
    return 0


def _usage(message: str) -> Exception:
    from ..cli import UsageError

    return UsageError(message)
