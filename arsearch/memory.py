"""The memory budget of writing an index.

A writer's peak memory comes from three places, each given a share of the
budget (``Index.create(..., memory_mb=...)``, default
:data:`DEFAULT_MEMORY_MB`):

- the analysis caches (surface word → term, term → n-grams), which are
  per process and shared by every index in it;
- the engine's buffer of pending postings: Whoosh's posting pool spills
  sorted runs to disk above its limit (joined at commit), tantivy flushes
  a segment when its indexing heap is full;
- what neither counts: Python objects of the documents in flight, the
  transient arrays of sorting a spill, fragmentation.

The shares are measured, not derived (``benchmarks/bench_memory.py``): peak
RSS while indexing the news articles stays under 1.5 × the budget plus the
interpreter's baseline at 10k, 20k and 40k articles on both engines.

    >>> MemoryBudget(512).cache_surfaces
    111848
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ArsearchError

__all__ = ["DEFAULT_MEMORY_MB", "MIN_MEMORY_MB", "MemoryBudget", "check_memory_mb"]

#: The default writer budget in MiB.
DEFAULT_MEMORY_MB = 512
#: The smallest budget accepted: below it the fixed costs dominate.
MIN_MEMORY_MB = 64

# Shares of the budget (measured with bench_memory.py on the news articles).
_CACHE_SHARE = 0.25  # analysis caches
_CACHE_BYTES_PER_SURFACE = 1200  # all the caches' entries for one distinct surface word
_POOL_SHARE = 0.25  # Whoosh's posting pool, in its own estimate (real use is ~1.8x that)
_HEAP_SHARE = 0.40  # tantivy's indexing heap
_TANTIVY_MIN_THREAD_HEAP = 16  # MiB: tantivy refuses less than 15 MB per indexing thread


@dataclass(frozen=True)
class MemoryBudget:
    """How a budget of ``mb`` MiB is split among a writer's consumers."""

    mb: int

    @property
    def cache_surfaces(self) -> int:
        """Distinct surface words the analysis caches keep before they reset."""
        return int(self.mb * _CACHE_SHARE * 2**20 // _CACHE_BYTES_PER_SURFACE)

    def pool_mb(self, procs: int = 1) -> float:
        """Whoosh's posting-pool limit per writing process."""
        return self.mb * _POOL_SHARE / procs

    def tantivy_heap(self, cores: int) -> tuple[int, int]:
        """tantivy's indexing heap in bytes and its number of indexing threads
        (at most ``cores``, and as many as the heap allows)."""
        heap_mb = self.mb * _HEAP_SHARE
        threads = max(1, min(cores, int(heap_mb // _TANTIVY_MIN_THREAD_HEAP)))
        return int(max(heap_mb, _TANTIVY_MIN_THREAD_HEAP * threads) * 2**20), threads


def check_memory_mb(value: object) -> int:
    """``value`` as a budget in MiB, or a clear :class:`ArsearchError`.

    >>> check_memory_mb(256)
    256
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArsearchError(f"memory_mb must be a whole number of MiB, not {value!r}")
    if value < MIN_MEMORY_MB:
        raise ArsearchError(f"memory_mb must be at least {MIN_MEMORY_MB} (MiB), not {value}")
    return value
