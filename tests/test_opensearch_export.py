"""``arsearch export`` and ``export_documents`` against an HTTP server in the test
process that answers like an OpenSearch cluster (index creation, ``_bulk``
with 429s and per-item errors, ``_refresh``, ``_count``) and records what it
was sent. No live cluster is involved."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opensearchpy")

from arsearch import Index, Ranking  # noqa: E402
from arsearch.cli import main  # noqa: E402
from arsearch.engines import available_engines  # noqa: E402
from arsearch.opensearch import document_source, index_body  # noqa: E402
from arsearch.opensearch.export import ExportError, connect, export_documents  # noqa: E402


class Cluster:
    """State and behaviour of the fake cluster."""

    def __init__(self) -> None:
        self.indices: dict[str, dict[str, Any]] = {}  # name → {"body", "docs"}
        self.bulk_requests: list[list[tuple[dict[str, Any], dict[str, Any]]]] = []
        self.headers: list[dict[str, str]] = []
        self.fail_ids: dict[str, tuple[int, str]] = {}  # id → (status, error type), every time
        self.throttle: dict[str, int] = {}  # id → how many more times to answer 429
        self.lose: int = 0  # documents _count leaves out (a cluster that lost some)
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    cluster: Cluster

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return raw

    def _handle(self) -> None:
        c = self.cluster
        path = self.path.split("?", 1)[0].strip("/")
        body = self._body()
        with c.lock:
            c.headers.append({k.lower(): v for k, v in self.headers.items()})
            parts = path.split("/") if path else []
            if not parts:
                return self._send(200, {"name": "fake", "cluster_name": "test", "version": {"number": "2.11.0", "distribution": "opensearch"}, "tagline": "The OpenSearch Project: https://opensearch.org/"})
            if parts[-1] == "_bulk":
                return self._bulk(body)
            name = parts[0]
            if len(parts) == 1 and self.command == "PUT":
                if name in c.indices:
                    return self._send(400, {"error": {"type": "resource_already_exists_exception", "reason": f"index [{name}] already exists"}, "status": 400})
                c.indices[name] = {"body": json.loads(body), "docs": {}}
                return self._send(200, {"acknowledged": True, "index": name})
            if name not in c.indices:
                return self._send(404, {"error": {"type": "index_not_found_exception", "reason": f"no such index [{name}]"}, "status": 404})
            if parts[-1] == "_refresh":
                return self._send(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
            if parts[-1] == "_count":
                return self._send(200, {"count": max(len(c.indices[name]["docs"]) - c.lose, 0)})
            return self._send(400, {"error": {"type": "unsupported", "reason": path}, "status": 400})

    def _bulk(self, body: bytes) -> None:
        c = self.cluster
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        pairs = list(zip(lines[0::2], lines[1::2]))
        c.bulk_requests.append(pairs)
        items = []
        for action, source in pairs:
            (op, meta), = action.items()
            doc_id = meta["_id"]
            if c.throttle.get(doc_id, 0) > 0:
                c.throttle[doc_id] -= 1
                items.append({op: {"_index": meta["_index"], "_id": doc_id, "status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "rejected execution"}}})
            elif doc_id in c.fail_ids:
                status, kind = c.fail_ids[doc_id]
                items.append({op: {"_index": meta["_index"], "_id": doc_id, "status": status, "error": {"type": kind, "reason": "failed to parse"}}})
            else:
                c.indices[meta["_index"]]["docs"][doc_id] = source
                items.append({op: {"_index": meta["_index"], "_id": doc_id, "status": 201, "result": "created"}})
        errors = any(next(iter(i.values()))["status"] >= 300 for i in items)
        self._send(200, {"took": 1, "errors": errors, "items": items})

    do_GET = do_PUT = do_POST = do_HEAD = _handle


@pytest.fixture
def cluster() -> Iterator[tuple[Cluster, str]]:
    state = Cluster()
    handler = type("BoundHandler", (Handler,), {"cluster": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


DOCS = [{"id": str(i), "title": f"عنوان {i}", "body": f"ذهب الطلاب إلى المكتبات العامة {i}"} for i in range(23)]


def _export(url: str, docs: list[dict[str, Any]], **kw: Any) -> Any:
    options = {"chunk_size": 5, "initial_backoff": 0, "max_backoff": 0, **kw}
    return export_documents(connect(url), "news", docs, **options)


def test_creates_the_index_and_sends_every_document_in_chunks(cluster: tuple[Cluster, str]) -> None:
    state, url = cluster
    report = _export(url, DOCS)
    assert state.indices["news"]["body"] == json.loads(json.dumps(index_body()))
    assert [len(r) for r in state.bulk_requests] == [5, 5, 5, 5, 3]
    sent = state.indices["news"]["docs"]
    assert sorted(sent, key=int) == [d["id"] for d in DOCS]
    assert sent["3"] == document_source(DOCS[3])  # ISRI roots computed here
    assert sent["3"]["all__isri"].split()[:2] == ["عنو", "3"]
    assert (report.sent, report.indexed, report.errors, report.count, report.complete) == (23, 23, [], 23, True)


def test_429s_are_retried_until_accepted(cluster: tuple[Cluster, str]) -> None:
    state, url = cluster
    state.throttle = {"4": 2, "7": 1}
    report = _export(url, DOCS, max_retries=3)
    assert report.complete and report.indexed == 23 and not report.errors
    sends = [a["index"]["_id"] for r in state.bulk_requests for a, _s in r]
    assert (sends.count("4"), sends.count("7"), sends.count("8")) == (3, 2, 1)  # refused twice, once, never


def test_per_document_errors_and_exhausted_retries_are_reported_not_dropped(cluster: tuple[Cluster, str]) -> None:
    state, url = cluster
    state.fail_ids = {"5": (400, "mapper_parsing_exception")}
    state.throttle = {"9": 10}
    seen: list[tuple[str, str]] = []
    report = _export(url, DOCS, max_retries=2, on_error=lambda i, r: seen.append((i, r)))
    assert sorted(report.errors) == sorted(seen)
    assert dict(report.errors) == {
        "5": "400 mapper_parsing_exception: failed to parse",
        "9": "429 es_rejected_execution_exception: rejected execution",
    }
    assert (report.indexed, report.count, report.complete) == (21, 21, False)


def test_a_count_short_of_the_accepted_documents_is_not_complete(cluster: tuple[Cluster, str]) -> None:
    state, url = cluster
    state.lose = 2
    report = _export(url, DOCS)
    assert (report.errors, report.count, report.expected, report.complete) == ([], 21, 23, False)


def test_a_document_without_id_is_reported(cluster: tuple[Cluster, str]) -> None:
    _state, url = cluster
    report = _export(url, [{"title": "", "body": "نص"}, *DOCS[:2]])
    assert report.errors == [("?", "no usable 'id' (None)")] and report.indexed == 2


def test_an_existing_index_is_not_overwritten(cluster: tuple[Cluster, str]) -> None:
    state, url = cluster
    _export(url, DOCS[:1])
    with pytest.raises(ExportError, match="already exists"):
        _export(url, DOCS[1:])
    assert list(state.indices["news"]["docs"]) == ["0"]
    report = _export(url, DOCS[1:3], create=False)  # --append
    assert report.complete and report.count == 3


def test_ranking_and_fields_reach_the_settings(cluster: tuple[Cluster, str]) -> None:
    state, url = cluster
    ranking = Ranking(k1=1.5, b=0.6, representations=(("ngram3", 0.5),))
    _export(url, DOCS[:1], fields={"body": "text", "tag": "keyword"}, ranking=ranking)
    body = state.indices["news"]["body"]
    assert body["settings"]["index"]["similarity"]["arsearch_bm25"] == {"type": "BM25", "k1": 1.5, "b": 0.6}
    assert sorted(body["mappings"]["properties"]) == ["all__ngram3", "all__words", "body", "id", "tag"]


# -- the CLI ---------------------------------------------------------------------------------


def _jsonl(tmp_path: Path, docs: list[dict[str, Any]]) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def test_cli_exports_files(cluster: tuple[Cluster, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state, url = cluster
    path = _jsonl(tmp_path, DOCS)
    assert main(["export", "--to", url, "--index", "news", str(path), "--chunk-size", "10"]) == 0
    err = capsys.readouterr().err
    assert "exported 23 of 23 documents to news" in err and "the index counts 23" in err
    assert [len(r) for r in state.bulk_requests] == [10, 10, 3]


def test_cli_reports_refused_documents_and_fails(cluster: tuple[Cluster, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state, url = cluster
    state.fail_ids = {"2": (400, "mapper_parsing_exception")}
    assert main(["export", "--to", url, "--index", "news", str(_jsonl(tmp_path, DOCS))]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "arsearch: not exported 2: 400 mapper_parsing_exception: failed to parse" in err
    assert err[-1] == "arsearch: error: 1 documents were not exported (listed above)"


@pytest.mark.parametrize("engine", available_engines())
def test_cli_exports_an_arsearch_index(cluster: tuple[Cluster, str], tmp_path: Path, engine: str) -> None:
    state, url = cluster
    ranking = Ranking(coordination=0.5, representations=(("isri", 0.3),))
    with Index.create(tmp_path / "ix", fields={"title": "text", "body": "text", "tag": "keyword"}, ranking=ranking, engine=engine) as ix:
        ix.add_many([{**d, "tag": "a"} for d in DOCS])
        ix.delete("0")
    assert main(["export", "--to", url, "--index", "news", "--from", str(tmp_path / "ix")]) == 0
    sent = state.indices["news"]["docs"]
    assert sorted(sent, key=int) == [d["id"] for d in DOCS[1:]]
    assert sent["1"]["tag"] == "a" and "all__isri" in sent["1"]
    assert "all__ngram4" not in state.indices["news"]["body"]["mappings"]["properties"]


def test_index_documents_lists_live_documents(tmp_path: Path) -> None:
    for engine in available_engines():
        with Index.create(tmp_path / engine, engine=engine) as ix:
            ix.add_many(DOCS[:3])
            ix.delete("1")
            ix.commit()
            assert sorted((d["id"], d["body"]) for d in ix.documents()) == [(d["id"], d["body"]) for d in (DOCS[0], DOCS[2])]


def test_cli_authentication_headers(cluster: tuple[Cluster, str], tmp_path: Path) -> None:
    state, url = cluster
    path = _jsonl(tmp_path, DOCS[:1])
    assert main(["export", "--to", url, "--index", "a", str(path), "--user", "admin", "--password", "s3cret"]) == 0
    assert state.headers[0]["authorization"] == "Basic " + base64.b64encode(b"admin:s3cret").decode()
    state.headers.clear()
    assert main(["export", "--to", url, "--index", "b", str(path), "--api-key", "KEY"]) == 0
    assert {h["authorization"] for h in state.headers} == {"ApiKey KEY"}


def test_cli_one_line_errors(cluster: tuple[Cluster, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _state, url = cluster
    path = str(_jsonl(tmp_path, DOCS[:1]))
    assert main(["export", "--to", url, "--index", "news", path]) == 0
    capsys.readouterr()
    assert main(["export", "--to", url, "--index", "news", path]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("arsearch: error: index 'news' already exists")
    assert main(["export", "--to", "http://127.0.0.1:1", "--index", "news", path]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("arsearch: error: cannot reach http://127.0.0.1:1")
    assert main(["export", "--to", url, "--index", "news"]) == 2
    assert "give either PATH... or --from INDEX_DIR" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "opensearchpy", None)  # the extra is not installed
    assert main(["export", "--to", url, "--index", "x", path]) == 1
    assert capsys.readouterr().err.strip() == "arsearch: error: the export needs opensearch-py: pip install 'arsearch[opensearch]'"


def test_console_script_export(cluster: tuple[Cluster, str], tmp_path: Path) -> None:
    state, url = cluster
    script = Path(sys.executable).with_name("arsearch")
    if not script.exists():
        pytest.skip("the arsearch console script is not installed next to this Python")
    r = subprocess.run([str(script), "export", "--to", url, "--index", "news", str(_jsonl(tmp_path, DOCS))],
                       capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(state.indices["news"]["docs"]) == 23
