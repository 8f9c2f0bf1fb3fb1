"""The writer's memory budget (arsearch.memory, Index(..., memory_mb=...))."""

from __future__ import annotations

import random

import pytest

import arsearch.analysis as analysis
import arsearch.memory as memory
from arsearch import ArsearchError, Index
from arsearch.memory import DEFAULT_MEMORY_MB, MIN_MEMORY_MB, MemoryBudget, check_memory_mb

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _docs(n: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    words = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7))) for _ in range(400)]
    return [
        {"id": f"d{i}", "title": " ".join(rng.sample(words, 3)), "body": " ".join(rng.choice(words) for _ in range(60))}
        for i in range(n)
    ]


@pytest.mark.parametrize("bad", [True, 1.5, "512", None, MIN_MEMORY_MB - 1, 0, -5])
def test_bad_budgets_are_refused_with_a_library_error(bad, tmp_path):
    with pytest.raises(ArsearchError, match="memory_mb"):
        check_memory_mb(bad)
    with pytest.raises(ArsearchError, match="memory_mb"):
        Index.create(tmp_path / "ix", memory_mb=bad)
    assert not (tmp_path / "ix").exists()  # refused before anything is written


def test_budget_shares_scale_with_the_budget():
    small, large = MemoryBudget(128), MemoryBudget(1024)
    assert large.cache_surfaces == 8 * small.cache_surfaces
    assert large.pool_mb() == 8 * small.pool_mb()
    assert small.pool_mb(procs=2) == small.pool_mb() / 2  # split among writing processes


@pytest.mark.parametrize("mb", [MIN_MEMORY_MB, 100, DEFAULT_MEMORY_MB, 4096])
@pytest.mark.parametrize("cores", [1, 2, 16])
def test_tantivy_heap_gives_each_thread_at_least_tantivys_minimum(mb, cores):
    heap, threads = MemoryBudget(mb).tantivy_heap(cores)
    assert 1 <= threads <= cores
    assert heap / threads >= 15_000_000  # tantivy refuses less per indexing thread
    assert heap <= max(mb * 2**20, 16 * 2**20)


def test_begin_sets_the_process_caches_to_the_budget(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(analysis, "_CACHE_LIMIT", analysis._CACHE_LIMIT)  # restored after the test
    monkeypatch.setattr(analysis, "_NGRAM_CACHE_LIMIT", analysis._NGRAM_CACHE_LIMIT)
    ix = Index.create(tmp_path / "ix", engine=engine, memory_mb=96)
    ix.add(_docs(1)[0])
    assert analysis._CACHE_LIMIT == MemoryBudget(96).cache_surfaces
    ix.commit()


def test_a_tiny_pool_spills_and_gives_the_same_index(engine, tmp_path, monkeypatch):
    """A budget too small for the batch makes the Whoosh writer spill runs to
    disk (tantivy: flush segments); the committed index is the same."""
    docs = _docs(300)
    big = Index.create(tmp_path / "big", engine=engine)
    big.add_many(docs)
    monkeypatch.setattr(memory, "_POOL_SHARE", 0.002)  # 64 MiB -> a 128 KiB pool
    monkeypatch.setattr(memory, "_HEAP_SHARE", 0.0)  # tantivy: its minimum heap
    small = Index.create(tmp_path / "small", engine=engine, memory_mb=MIN_MEMORY_MB)
    for doc in docs:
        small.add(doc)
    if engine == "whoosh":
        assert small._store._writer.pool.runs, "the pool never spilled"
    small.commit()
    assert len(small) == len(big) == 300
    for query in (docs[7]["title"], docs[200]["body"].split()[5], docs[31]["title"].split()[0][:2] + "*"):
        # every hit, ties in any order (segments differ, so tied documents' order may)
        a = sorted((-round(h.score, 4), h.id) for h in big.search(query, limit=300))
        b = sorted((-round(h.score, 4), h.id) for h in small.search(query, limit=300))
        assert a and a == b


def test_open_takes_a_budget(engine, tmp_path):
    Index.create(tmp_path / "ix", engine=engine).close()
    ix = Index.open(tmp_path / "ix", memory_mb=200)
    assert ix._store.memory_mb == 200
    with pytest.raises(ArsearchError, match="memory_mb"):
        Index.open(tmp_path / "ix", memory_mb=10)
