"""Tests for arsearch.engines: choosing an engine, and the two engines agreeing.

The engine-independent behaviour (search, upsert, the match policy, the
CLI…) is tested on every installed engine by the modules listed in
conftest.ENGINE_INDEPENDENT; this module checks what is about engines
themselves: the same hits and scores from Whoosh and tantivy, exact
coordination on tantivy, engine detection, and clear errors.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch import ArsearchError, Index, Ranking, SchemaError
from arsearch.cli import main
from arsearch.engines import ENGINES, available_engines, store_class
from arsearch.index import META_FILE

from tests.conftest import DOCS, FIELDS, process_alive

pytestmark = pytest.mark.skipif("tantivy" not in available_engines(), reason="tantivy is not installed")

#: Whoosh rounds document lengths to a byte (11 words count as 12), tantivy keeps
#: them exact up to 40: a term's BM25 differs by up to a few percent.
TOLERANCE = 0.05
EXACT = 1e-4  # float32 (tantivy) against float64 (Whoosh's engine)
WORDS = ["مدرسة", "طالب", "كتاب", "مكتبة", "ملعب", "حكومة", "وزير", "اقتصاد", "نفط", "تونس", "مدينة", "رئيس"]


def both(**options: object) -> tuple[Index, Index]:
    return Index.memory(FIELDS, engine="whoosh", **options), Index.memory(FIELDS, engine="tantivy", **options)  # type: ignore[arg-type]


def fill(docs: list[dict[str, object]], *indexes: Index) -> None:
    for ix in indexes:
        ix.add_many(docs)


@pytest.mark.parametrize(
    "query",
    ["مكتبة", "الطلاب المكتبة", "أحمد", "مستشفى القريه", "مدرسة", "كتاب", "football", "+الملعب -كرة", "مكتب*", '"كرة القدم"'],
)
def test_same_hits_and_scores_on_both_engines(query: str) -> None:
    whoosh, tantivy = both()
    fill(DOCS, whoosh, tantivy)
    a, b = whoosh.search(query, limit=50), tantivy.search(query, limit=50)
    assert a.total == b.total
    assert {h.id for h in a} == {h.id for h in b}
    if '"' not in query:  # tantivy scores a phrase by its phrase frequency, Whoosh's engine by its words'
        # document lengths are rounded to a byte differently (Whoosh's and tantivy's own tables)
        scores = {h.id: h.score for h in b}
        for h in a:
            assert scores[h.id] == pytest.approx(h.score, rel=TOLERANCE), h.id


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    query=st.lists(st.sampled_from(WORDS), min_size=2, max_size=4, unique=True),
    coordination=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_tantivy_ranks_like_whoosh_with_coordination(seed: int, query: list[str], coordination: float) -> None:
    """Coordination is re-scored outside tantivy: the same ranking as Whoosh's engine, whatever K it needs."""
    rng = random.Random(seed)
    docs = [
        # at most 10 words: lengths both engines store exactly, so scores agree to float32 rounding
        {"id": f"d{i}", "body": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 10)))} for i in range(120)
    ]
    ranking = Ranking(coordination=coordination)
    whoosh, tantivy = both(ranking=ranking)
    fill(docs, whoosh, tantivy)
    q = " ".join(query)
    every = {h.id: h.score for h in whoosh.search(q, limit=len(docs))}
    top = tantivy.search(q, limit=15)
    assert top.total == len(every)
    for h in top:  # scores agree (a wrong count of matched words would be off by c/n, 12% or more)
        assert h.score == pytest.approx(every[h.id], rel=EXACT), h.id
    # the same 15 best, up to ties with the 15th
    ranked = sorted(every.values(), reverse=True)
    last = ranked[min(15, len(ranked)) - 1]
    shown = {h.id for h in top}
    assert all(every[d] >= last * (1 - EXACT) for d in shown)
    assert all(d in shown for d, score in every.items() if score > last * (1 + EXACT))


def test_open_finds_the_engine(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "t", FIELDS, engine="tantivy")
    ix.add_many(DOCS)
    ix.close()
    meta = json.loads((tmp_path / "t" / META_FILE).read_text(encoding="utf-8"))
    assert meta["engine"] == "tantivy"
    reopened = Index.open(tmp_path / "t")
    assert reopened.engine == "tantivy"
    assert len(reopened) == len(DOCS)
    assert reopened.search("مكتبة")[0].id == "diacritized"


def test_an_index_without_an_engine_in_its_metadata_is_whooshs(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "w", FIELDS)
    ix.add_many(DOCS)
    ix.close()
    meta_path = tmp_path / "w" / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["engine"]  # written before engines could be chosen
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    assert Index.open(tmp_path / "w").engine == "whoosh"


def test_unknown_engine_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArsearchError, match="unknown engine 'lucene'"):
        Index.memory(engine="lucene")
    ix = Index.create(tmp_path / "x")
    ix.close()
    meta_path = tmp_path / "x" / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["engine"] = "lucene"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ArsearchError, match="engine 'lucene'"):
        Index.open(tmp_path / "x")


def test_missing_engine_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ENGINES, "tantivy", ("arsearch_no_such_module.store", "TantivyStore", "arsearch[tantivy]"))
    with pytest.raises(ArsearchError, match=r"pip install 'arsearch\[tantivy\]'"):
        store_class("tantivy")
    assert "tantivy" not in available_engines()


def test_tantivy_keeps_its_bm25_parameters() -> None:
    with pytest.raises(SchemaError, match="k1=1.2"):
        Index.memory(engine="tantivy", ranking=Ranking(k1=1.5))


def test_tantivy_procs_2_indexes_what_one_process_does(tmp_path: Path) -> None:
    rng = random.Random(3)
    docs = [{"id": f"d{i}", "body": " ".join(rng.choice(WORDS) for _ in range(8))} for i in range(300)]
    one = Index.create(tmp_path / "one", engine="tantivy")
    many = Index.create(tmp_path / "many", engine="tantivy")
    one.add_many(docs)
    many.add_many(docs, procs=2, batch_size=170)  # two batches
    assert len(one) == len(many) == 300
    for word in WORDS[:5]:
        a, b = one.search(word, limit=300), many.search(word, limit=300)
        assert a.total == b.total
        assert {(h.id, round(h.score, 4)) for h in a} == {(h.id, round(h.score, 4)) for h in b}  # ties: index order
    assert many.get("d7") == docs[7]


def test_tantivy_procs_2_last_copy_wins(tmp_path: Path) -> None:
    docs = [{"id": f"d{i % 40}", "body": f"{WORDS[i % len(WORDS)]} نسخة{i}"} for i in range(200)]
    ix = Index.create(tmp_path / "ix", engine="tantivy")
    ix.add_many(docs, procs=2, batch_size=70)  # ids repeated within and across batches
    ix.add_many(docs[:50], procs=2)  # and against committed copies
    assert len(ix) == 40
    written = docs + docs[:50]
    for i in range(40):
        assert ix.get(f"d{i}") == next(d for d in reversed(written) if d["id"] == f"d{i}")
    hits = [h.id for h in ix.search(WORDS[0], limit=100)]
    assert len(hits) == len(set(hits))


def test_cli_engine_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(json.dumps({"id": d["id"], "title": d["title"], "body": d["body"]}, ensure_ascii=False) for d in DOCS), encoding="utf-8")
    ix = tmp_path / "ix"
    assert main(["index", "--engine", "tantivy", str(ix), str(docs)]) == 0
    assert Index.open(ix).engine == "tantivy"
    capsys.readouterr()
    assert main(["search", "-i", str(ix), "--format", "text", "مكتبة"]) == 0
    assert "diacritized" in capsys.readouterr().out
    assert main(["stats", str(ix)]) == 0
    assert "tantivy" in capsys.readouterr().out
    assert main(["index", "--engine", "whoosh", str(ix), str(docs)]) == 2  # an existing index keeps its engine
    err = capsys.readouterr().err
    assert "uses the tantivy engine" in err and len(err.strip().splitlines()) == 1
    assert main(["index", "--engine", "whoosh", "--rebuild", str(ix), str(docs)]) == 0
    rebuilt = Index.open(ix)
    assert rebuilt.engine == "whoosh" and len(rebuilt) == len(DOCS)
    assert not (ix / "tantivy").exists()  # the other engine's files are gone


def test_tantivy_procs_2_from_a_script_without_a_main_guard(tmp_path: Path) -> None:
    """Worker processes must not re-run the caller's script (spawned workers
    import ``__main__`` again: an unguarded script would index itself forever)."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        "from arsearch import Index\n"
        "ix = Index.create(sys.argv[1], engine='tantivy')\n"
        "ix.add_many(({'id': str(i), 'body': 'كلمة رقم ' + str(i)} for i in range(300)), procs=2)\n"
        "print('documents', len(ix))\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "ix")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["documents", "300"]


_TANTIVY_PARENT = """
import sys, time
from arsearch import Index
others = [Index.create(f"{sys.argv[1]}-other{i}", engine="tantivy") for i in range(3)]  # tantivy threads running
ix = Index.create(sys.argv[1], engine="tantivy")
shown = []
def progress(n):
    pool = ix._store._pool
    if pool is not None and not shown:
        shown.append(1)
        print(" ".join(str(p.pid) for p in pool._procs), flush=True)
docs = ({"id": str(i), "body": "ذهب الطلاب إلى المكتبة العامة لقراءة الكتب %d " % i * 20} for i in range(10**7))
ix.add_many(docs, procs=2, batch_size=10**7, progress=progress)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_tantivy_workers_end_with_a_killed_parent_and_the_lock_is_free(tmp_path: Path) -> None:
    """The analyzing processes (started while other tantivy indexes' threads
    run in the parent) end when the parent is killed, and the index can be
    written again."""
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "ix"
    parent = subprocess.Popen([sys.executable, "-c", _TANTIVY_PARENT, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]  # type: ignore[union-attr]
        assert len(workers) == 2 and all(map(process_alive, workers))
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(map(process_alive, workers)):
            time.sleep(0.05)
        assert not [pid for pid in workers if process_alive(pid)], "analyzing processes outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
    ix = Index.open(path, lock_timeout=10)
    ix.add({"id": "after", "body": "الكتب"})
    ix.commit()
    assert ix.get("after") is not None


def test_tantivy_cancel_ends_the_workers(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "ix", engine="tantivy")

    def docs():  # type: ignore[no-untyped-def]
        for i in range(2_000):
            yield {"id": f"n{i}", "body": f"الحصاد الوفير {i} " * 20}
        raise RuntimeError("the source broke")

    seen: list[list[int]] = []

    def progress(n: int) -> None:
        pool = ix._store._pool  # type: ignore[attr-defined]
        if pool is not None and not seen:
            seen.append([p.pid for p in pool._procs])

    with pytest.raises(RuntimeError, match="the source broke"):
        ix.add_many(docs(), procs=2, progress=progress)
    assert seen and len(seen[0]) == 2
    assert not [pid for pid in seen[0] if process_alive(pid)]
    assert len(ix) == 0  # nothing of the failed batch committed
    ix.add({"id": "x", "body": "الحصاد"})
    ix.commit()
    assert len(ix) == 1
