"""The tantivy engine's store: a tantivy index in the ``tantivy/`` folder of
the index directory (or in memory), fed with arsearch's own analysis.

Writes: tantivy applies a batch's operations in order, so a document
replaces the one with its id by a delete-by-term on ``id`` followed by the
add, for committed and pending copies alike. With ``procs > 1`` the
analysis (the bulk of the cost) runs in that many worker processes, in
chunks, and the main process hands the results to tantivy in input order.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tantivy

from ...analysis import Analyzer, limit_caches
from ...errors import (
    ArsearchError,
    DocumentError,
    IncompatibleIndexError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    SchemaError,
)
from ...fields import ID_FIELD, Field, Ranking
from ...memory import DEFAULT_MEMORY_MB, MemoryBudget
from ...swap import replace_dir
from .schema import DocAnalyzer, build_schema
from .workers import AnalyzerPool
from .search import TantivyReader

__all__ = ["TantivyStore", "FOLDER"]

FOLDER = "tantivy"  # the tantivy index inside an arsearch index folder
_CHUNK = 64  # documents per task sent to an analyzing process
_IN_FLIGHT = 8  # chunks per process queued ahead of the main process
_LOCK_POLL = 0.05  # seconds between attempts to take the lock within lock_timeout



class TantivyStore:
    """A tantivy index (see :class:`~arsearch.engines.base.Store`)."""

    engine = "tantivy"
    commits_outside_gil = True  # tantivy-py releases the GIL while it commits
    #: tantivy's writer lock, relative to the index folder.
    LOCK_FILE = f"{FOLDER}/.tantivy-writer.lock"

    @staticmethod
    def owns(name: str) -> bool:
        """Whether a file in an index folder is one of this engine's."""
        return name == FOLDER

    @staticmethod
    def check(ranking: Ranking) -> None:
        """tantivy's BM25 has fixed parameters: k1 1.2, b 0.75."""
        if (ranking.k1, ranking.b) != (1.2, 0.75):
            raise SchemaError(f"the tantivy engine scores with k1=1.2, b=0.75, not k1={ranking.k1}, b={ranking.b}")

    def __init__(self, index: Any, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking,
                 path: Path | None, lock_timeout: float = 0.0) -> None:
        self._index = index
        self._schema = index.schema
        self.path = path
        self.lock_timeout = lock_timeout
        self.memory_mb = DEFAULT_MEMORY_MB
        self._fields = dict(fields)
        self._analyzer = analyzer
        self._ranking = ranking
        self._docs = DocAnalyzer(fields, analyzer, ranking)
        self._writer: Any = None
        self._pool: Any = None
        self._queue: list[dict[str, Any]] = []  # documents waiting for the analyzing processes
        self._pending: set[str] = set()  # ids written in this batch
        self._gone: set[str] = set()  # ids deleted in this batch
        self._reader: TantivyReader | None = None
        self._generation: Any = None
        self._commits = 0

    # -- construction ----------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> TantivyStore:
        folder = path / FOLDER
        try:
            if folder.exists():  # overwrite: the caller holds the index's write lock
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            index = tantivy.Index(build_schema(fields, ranking), path=str(folder), reuse=False)
        except (OSError, ValueError) as e:
            raise ArsearchError(f"cannot create an index at {path}: {getattr(e, 'strerror', None) or e}") from e
        return cls(index, fields, analyzer, ranking, path)

    @classmethod
    def memory(cls, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> TantivyStore:
        return cls(tantivy.Index(build_schema(fields, ranking)), fields, analyzer, ranking, None)

    @classmethod
    def open(cls, path: Path, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking,
             lock_timeout: float = 0.0) -> TantivyStore:
        folder = path / FOLDER
        if not (folder / "meta.json").is_file():
            raise IndexNotFoundError(f"no index data at {path} (no {FOLDER}/meta.json)")
        try:
            index = tantivy.Index.open(str(folder))
        except ValueError as e:
            raise IncompatibleIndexError(f"cannot read the index at {path} ({e}); rebuild it") from e
        return cls(index, fields, analyzer, ranking, path, lock_timeout)

    # -- writing ---------------------------------------------------------------------
    @property
    def writing(self) -> bool:
        return self._writer is not None

    def begin(self, procs: int = 1) -> None:
        budget = MemoryBudget(self.memory_mb)
        if self._writer is None:
            limit_caches(budget.cache_surfaces // procs)  # this process's share (each worker gets as much)
        if procs > 1 and self._pool is None:
            # fresh interpreters, not forked or spawned children (see workers.py)
            setup = (self._fields, self._analyzer, self._ranking, budget.cache_surfaces // procs)
            self._pool = AnalyzerPool(procs, setup)
            self._procs = procs
        if self._writer is None:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    heap, threads = budget.tantivy_heap(os.cpu_count() or 1)
                    self._writer = self._index.writer(heap_size=heap, num_threads=threads)
                    break
                except ValueError as e:
                    if "LockBusy" not in str(e):
                        self._stop_pool()
                        raise IndexWriteError(f"cannot write the index at {self.path} ({e})") from e
                    if time.monotonic() >= deadline:
                        self._stop_pool()
                        raise IndexLockedError(
                            f"another writer is working on the index{' at ' + str(self.path) if self.path else ''}; "
                            f"wait for it to finish (or open the index with a larger lock_timeout)"
                        ) from e
                    time.sleep(_LOCK_POLL)
            self._pending = set()
            self._gone = set()

    def write(self, doc: Mapping[str, Any]) -> None:
        self.begin()
        doc_id = doc[ID_FIELD]
        self._pending.add(doc_id)
        self._gone.discard(doc_id)
        if self._pool is not None:
            self._queue.append(dict(doc))
            if len(self._queue) >= _CHUNK:
                self._send()
            return
        try:
            analyzed = self._docs(doc)
        except Exception as e:
            raise DocumentError(f"document {doc_id!r} could not be analyzed ({type(e).__name__}: {e})") from e
        self._add(analyzed)

    def _add(self, analyzed: Any) -> None:
        self._writer.delete_documents_by_term(ID_FIELD, analyzed[0])  # the committed or earlier copy, if any
        self._writer.add_document(self._docs.document(analyzed))

    def _send(self) -> None:
        if self._queue:
            self._pool.submit(self._queue)
            self._queue = []
        while len(self._pool) > _IN_FLIGHT * self._procs:
            for analyzed in self._pool.next_result():
                self._add(analyzed)

    def _drain(self) -> None:
        """Index everything sent to the analyzing processes."""
        if self._pool is None:
            return
        self._send()
        while len(self._pool):
            for analyzed in self._pool.next_result():
                self._add(analyzed)

    def _stop_pool(self) -> None:
        pool, self._pool = self._pool, None
        self._queue = []
        if pool is not None:
            pool.close()

    def delete(self, doc_id: str) -> int:
        self.begin()
        self._drain()  # operations apply in order
        if doc_id in self._gone:
            return 0
        found = doc_id in self._pending or self.reader().document(doc_id) is not None
        self._pending.discard(doc_id)
        self._gone.add(doc_id)
        self._writer.delete_documents_by_term(ID_FIELD, doc_id)
        return int(found)

    def commit(self, optimize: bool = False) -> None:
        if self._writer is None:
            return  # tantivy merges segments itself; there is nothing to optimize without a batch
        try:
            self._drain()
            self._writer.commit()
            self._writer.wait_merging_threads()  # merges done and the lock released before commit() returns
        except BaseException as e:
            self.cancel()
            if isinstance(e, (ValueError, OSError)):
                raise IndexWriteError(
                    f"cannot commit to the index at {self.path} ({e}); the last commit is kept", getattr(e, "errno", None)
                ) from e
            raise
        finally:
            self._stop_pool()
            self._writer = None
            self._pending, self._gone = set(), set()
        self._commits += 1

    def compact(self) -> None:
        """tantivy-py has no call to merge segments: the live documents are
        written again, from their stored fields, into a new tantivy folder
        (one indexing thread, so one segment unless it outgrows the writer's
        memory), swapped in place of the old one under its write lock."""
        self.commit()
        if self.path is None:
            return
        unstored = [n for n, f in self._fields.items() if not f.stored]
        if unstored:
            raise ArsearchError(
                f"cannot compact the tantivy index at {self.path}: field {unstored[0]!r} is not stored, so its "
                f"documents cannot be written again from the index; rebuild it from its inputs instead"
            )
        self.begin()  # the old index's write lock, held until the new one is in place
        folder = Path(tempfile.mkdtemp(prefix=f".{FOLDER}.compact-", dir=self.path))
        old: Path | None = None
        try:
            reader = self.reader()
            index = tantivy.Index(build_schema(self._fields, self._ranking), path=str(folder), reuse=False)
            heap, _threads = MemoryBudget(self.memory_mb).tantivy_heap(1)
            writer = index.writer(heap_size=heap, num_threads=1)
            hits = reader.searcher.search(tantivy.Query.all_query(), max(reader.n, 1), count=False).hits if reader.n else []
            for _score, address in hits:
                writer.add_document(self._docs.document(self._docs(reader.stored(address))))
            writer.commit()
            writer.wait_merging_threads()
            del writer, index
            old = replace_dir(folder, self.path / FOLDER)
        except (ValueError, OSError) as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise IndexWriteError(f"cannot compact the index at {self.path} ({e}); it was left as it was") from e
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            self.cancel()
        shutil.rmtree(old, ignore_errors=True)
        self._index = tantivy.Index.open(str(self.path / FOLDER))
        self._schema = self._index.schema
        self._reader = None
        self._commits += 1

    def cancel(self) -> None:
        self._stop_pool()
        writer, self._writer = self._writer, None
        self._pending, self._gone = set(), set()
        if writer is not None:
            try:
                writer.rollback()
            finally:
                del writer  # dropping tantivy's writer releases the lock

    def close(self) -> None:
        self.cancel()
        self._reader = None

    # -- reading ---------------------------------------------------------------------
    def _stamp(self) -> Any:
        """What changes with every commit: this store's own commits, and
        tantivy's meta.json (rewritten by each commit, of any process)."""
        if self.path is None:
            return self._commits
        try:
            st = (self.path / FOLDER / "meta.json").stat()
        except OSError as e:
            raise IncompatibleIndexError(f"cannot read the index at {self.path} ({e.strerror or e}); rebuild it") from e
        return self._commits, st.st_mtime_ns, st.st_size, st.st_ino

    def reader(self) -> TantivyReader:
        stamp = self._stamp()
        if self._reader is None or stamp != self._generation:
            self._index.reload()
            meta = self.path / FOLDER / "meta.json" if self.path is not None else None
            self._reader = TantivyReader(self._index, self._schema, self._docs.text_fields, meta)
            self._generation = stamp
        return self._reader

    def segment_count(self) -> int:
        return int(self._index.searcher().num_segments)
