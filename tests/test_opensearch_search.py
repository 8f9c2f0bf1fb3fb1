"""``arsearch search --url`` and ``search_cluster`` against an HTTP server in the
test process that answers like an OpenSearch cluster: it keeps what
``arsearch export`` sent, records each ``_search`` body, and answers with
hits the test chooses (it does not evaluate queries). No live cluster."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opensearchpy")

from arsearch import Index  # noqa: E402
from arsearch.cli import main  # noqa: E402
from arsearch.opensearch import search_body  # noqa: E402
from arsearch.opensearch.export import ExportError, connect  # noqa: E402
from arsearch.opensearch.search import cluster_settings, search_cluster  # noqa: E402
from tests.test_opensearch_export import Cluster, Handler  # noqa: E402

DOCS = [
    {"id": "a", "title": "المَكْتَبَةُ العامة", "body": "ذَهَبَ الطُّلَّابُ إلى المكتبات العامة لقراءة الكتب"},
    {"id": "b", "title": "الرياضة", "body": "فاز الفريق في مباراة كرة القدم"},
    {"id": "c", "title": "أخبار", "body": "افتتحت مكتبة جديدة في المدينة"},
]


class SearchCluster(Cluster):
    def __init__(self) -> None:
        super().__init__()
        self.searches: list[dict[str, Any]] = []
        self.answer_ids: list[str] = []  # the hits _search returns, in order


class SearchHandler(Handler):
    cluster: SearchCluster

    def _handle(self) -> None:
        c = self.cluster
        path = self.path.split("?", 1)[0].strip("/")
        parts = path.split("/")
        if len(parts) == 2 and parts[1] in ("_mapping", "_search"):
            raw = self._body()
            name = parts[0]
            if name not in c.indices:
                return self._send(404, {"error": {"type": "index_not_found_exception", "reason": f"no such index [{name}]"}, "status": 404})
            if parts[1] == "_mapping":
                return self._send(200, {name: {"mappings": c.indices[name]["body"]["mappings"]}})
            c.searches.append(json.loads(raw))
            docs = c.indices[name]["docs"]
            hits = [{"_index": name, "_id": i, "_score": 10.0 - n, "_source": docs[i]} for n, i in enumerate(c.answer_ids)]
            return self._send(200, {"took": 1, "hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}})
        return super()._handle()

    do_GET = do_PUT = do_POST = do_HEAD = _handle


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[SearchCluster, str]]:
    state = SearchCluster()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Bound", (SearchHandler,), {"cluster": state}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        docs = tmp_path / "docs.jsonl"
        docs.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DOCS), encoding="utf-8")
        assert main(["export", "--to", url, "--index", "news", str(docs)]) == 0
        yield state, url
    finally:
        server.shutdown()
        server.server_close()


def test_the_query_sent_is_the_plan_of_search_body_and_hits_are_highlighted_here(cluster: tuple[SearchCluster, str]) -> None:
    state, url = cluster
    state.answer_ids = ["a", "c"]
    client = connect(url)
    results = search_cluster(client, "news", "مكتبة", snippet_format="text")
    assert state.searches[-1]["query"] == search_body("مكتبة")["query"]  # the same translation as search_body
    assert [h.id for h in results] == ["a", "c"] and results.total == 2
    assert results[0].title == "[المَكْتَبَةُ] العامة"  # marked in the original text, diacritics intact
    assert "[المكتبات]" in results[0].snippet
    assert "[مكتبة]" in results[1].snippet
    assert [m.word for m in results[1].explain()] == ["مكتبة"]


def test_settings_come_from_the_mapping(cluster: tuple[SearchCluster, str], tmp_path: Path) -> None:
    _state, url = cluster
    fields, ranking, analyzer = cluster_settings(connect(url), "news")
    ix = Index.memory()
    assert (fields, ranking, analyzer) == (ix.fields, ix.ranking, ix.analyzer)
    with pytest.raises(ExportError, match="no index 'other'"):
        cluster_settings(connect(url), "other")


def test_cli_search_url_prints_the_local_format(cluster: tuple[SearchCluster, str], capsys: pytest.CaptureFixture[str]) -> None:
    state, url = cluster
    state.answer_ids = ["c"]
    assert main(["search", "--url", url, "--index", "news", "--format", "text", "مكتبة"]) == 0
    out = capsys.readouterr().out
    assert "1 result" in out and "[مكتبة]" in out
    assert main(["search", "--url", url, "--index", "news", "--json", "--show", "id,snippet", "مكتبة"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [{"id": "c", "snippet": "افتتحت [مكتبة] جديدة في المدينة"}]
    state.answer_ids = []
    assert main(["search", "--url", url, "--index", "news", "كلمة"]) == 1  # grep's convention: no hits


def test_cli_search_url_errors_are_one_line(cluster: tuple[SearchCluster, str], capsys: pytest.CaptureFixture[str]) -> None:
    _state, url = cluster
    assert main(["search", "--url", url, "مكتبة"]) == 2  # --index NAME is needed
    assert "--url needs --index" in capsys.readouterr().err
    assert main(["search", "--url", url, "--index", "news", "--sort", "-year", "مكتبة"]) == 2
    assert "local index only" in capsys.readouterr().err
    assert main(["search", "--url", url, "--index", "missing", "مكتبة"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no index 'missing'" in err
    assert main(["search", "--url", "http://127.0.0.1:9", "--index", "news", "مكتبة"]) == 1
    assert "cannot reach" in capsys.readouterr().err
