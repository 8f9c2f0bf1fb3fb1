"""The Whoosh engine's store: a Whoosh index on disk or in memory, written
with arsearch's codec and grouped segment writer, read by the NumPy engine
(:mod:`.search`)."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from whoosh import index as wi
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.writing import LockError

from ...analysis import Analyzer
from ...errors import ArsearchError, DocumentError, IncompatibleIndexError, IndexLockedError, IndexNotFoundError
from ...fields import ID_FIELD, Field, Ranking, rep_field
from .schema import ArabicCodec, build_schema
from .search import Engine
from .writer import GroupedMpWriter, GroupedSegmentWriter

__all__ = ["WhooshStore", "INDEX_NAME", "LOCK_FILE"]

INDEX_NAME = "MAIN"
#: Whoosh's FileStorage names an index's write lock ``<indexname>_WRITELOCK``
#: (``whoosh.index.FileIndex.lock`` → ``storage.lock(indexname + "_" + name)``
#: with ``name="WRITELOCK"`` from ``whoosh.writing.SegmentWriter``).
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"
WRITER_MB = 256  # posting pool memory per writer before it spills runs to disk


def _codec() -> Any:
    return ArabicCodec()


class _TryLock:
    """A thread lock whose acquire() does not block by default, like Whoosh's file locks
    (RamStorage's plain Lock makes a second writer wait forever instead of failing)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = False) -> bool:
        return self._lock.acquire(blocking)

    def release(self) -> None:
        self._lock.release()


class _RamStorage(RamStorage):  # type: ignore[misc]
    """Whoosh's RamStorage puts writer temp files in /tmp/<indexname>.tmp,
    shared by every process: two in-memory indexes writing at once delete
    each other's files. Give each temp storage its own directory."""

    def lock(self, name: str) -> Any:
        if name not in self.locks:
            self.locks[name] = _TryLock()
        return self.locks[name]

    def temp_storage(self, name: str | None = None) -> Any:
        return FileStorage(tempfile.mkdtemp(prefix="arsearch-")).create()


class WhooshStore:
    """A Whoosh index (see :class:`~arsearch.engines.base.Store`).

    The id is unique: :meth:`write` marks earlier copies deleted, those
    written in this batch by their docnum in the writer's new segment, the
    committed ones through one deletion searcher per batch.
    """

    engine = "whoosh"
    #: The write lock's file, relative to the index folder.
    LOCK_FILE = LOCK_FILE

    @staticmethod
    def owns(name: str) -> bool:
        """Whether a file in an index folder is one of this engine's."""
        return name.startswith((f"{INDEX_NAME}_", f"_{INDEX_NAME}_"))

    def __init__(self, wix: Any, fields: Mapping[str, Field], ranking: Ranking, path: Path | None,
                 lock_timeout: float = 0.0) -> None:
        self._wix = wix
        self.path = path
        self.lock_timeout = lock_timeout
        self._text_fields = [n for n, f in fields.items() if f.kind == "text"]
        self._ranking = ranking
        self._writer: Any = None
        self._deleter: Any = None  # a searcher over the committed segments, for deletions
        # The batch's bookkeeping for unique ids (see write): the ids written
        # since the last commit, each with its docnum in the writer's new
        # segment (None: sent to a sub-process of the multi-process writer); the
        # live documents committed when the batch began; and writes that must
        # wait for the multi-process writer's commit (an id it already holds:
        # the later document, or None for a deletion).
        self._pending: dict[str, int | None] = {}
        self._committed_docs = 0
        self._deferred: dict[str, dict[str, Any] | None] = {}
        self._searcher: Any = None
        self._engine: Engine | None = None

    # -- construction ----------------------------------------------------------
    @staticmethod
    def check(ranking: Ranking) -> None:
        """Every ranking works on Whoosh."""

    @classmethod
    def create(cls, path: Path, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> WhooshStore:
        try:
            wix = FileStorage(str(path)).create_index(build_schema(fields, analyzer, ranking), indexname=INDEX_NAME)
        except OSError as e:
            raise ArsearchError(f"cannot create an index at {path}: {e.strerror or e}") from e
        return cls(wix, fields, ranking, path)

    @classmethod
    def memory(cls, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> WhooshStore:
        wix = _RamStorage().create_index(build_schema(fields, analyzer, ranking), indexname=INDEX_NAME)
        return cls(wix, fields, ranking, None)

    @classmethod
    def open(cls, path: Path, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking,
             lock_timeout: float = 0.0) -> WhooshStore:
        try:
            wix = FileStorage(str(path)).open_index(indexname=INDEX_NAME)
        except wi.EmptyIndexError as e:
            raise IndexNotFoundError(f"no index data at {path}") from e
        except Exception as e:  # unpickling a schema from another version, damaged files
            raise IncompatibleIndexError(f"cannot read the index at {path} ({type(e).__name__}: {e}); rebuild it") from e
        return cls(wix, fields, ranking, path, lock_timeout)

    # -- writing -----------------------------------------------------------------
    @property
    def writing(self) -> bool:
        return self._writer is not None

    def begin(self, procs: int = 1) -> None:
        if self._writer is not None:
            return
        codec = _codec
        try:
            if procs > 1:
                # What wix.writer(procs=...) builds; each sub-process writes
                # its own segment with grouped postings (.writer).
                self._writer = GroupedMpWriter(
                    self._wix, procs=procs, multisegment=True, limitmb=WRITER_MB, codec=codec(), subargs={"codec": codec()}
                )
            else:
                # What wix.writer(...) builds, with postings grouped per term (.writer).
                self._writer = GroupedSegmentWriter(self._wix, timeout=self.lock_timeout, limitmb=WRITER_MB, codec=codec())
        except LockError as e:
            raise IndexLockedError(
                f"another writer is working on the index{' at ' + str(self.path) if self.path else ''}; "
                f"wait for it to finish (or open the index with a larger lock_timeout)"
            ) from e
        # The committed segments cannot change while this writer holds the lock:
        # with no live document there, no id needs looking up (a fresh index).
        self._pending = {}
        self._committed_docs = sum(seg.doc_count() for seg in self._writer.segments)

    def _whoosh_doc(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(doc)
        if self._ranking.representations:
            # The representations index all text fields together (in declaration order).
            combined = "\n".join(out[n] for n in self._text_fields if n in out)
            if combined:
                for rep_name, _w in self._ranking.representations:
                    out[rep_field(rep_name)] = combined
        return out

    def write(self, doc: Mapping[str, Any]) -> None:
        self.begin()  # outside the try: a locked index raises IndexLockedError
        try:
            self._upsert(self._whoosh_doc(doc))
        except Exception as e:
            self._end_session()
            self._deferred = {}
            writer, self._writer = self._writer, None
            _abandon(writer)
            raise DocumentError(
                f"document {doc[ID_FIELD]!r} could not be written ({type(e).__name__}: {e}); "
                f"the uncommitted documents were dropped"
            ) from e

    def _deletion_searcher(self) -> Any:
        """One searcher per batch: Whoosh's delete_by_term/update_document open a
        new one over every segment for each call (~0.1 s at 40,000 documents). The committed
        segments cannot change while this writer holds the lock."""
        if self._deleter is None:
            self._deleter = self._writer.searcher()
        return self._deleter

    def _end_session(self) -> None:
        """Forget the batch's deletion searcher and pending ids."""
        self._pending = {}
        self._committed_docs = 0
        deleter, self._deleter = self._deleter, None
        if deleter is not None:
            try:
                deleter.close()
            except Exception:
                pass

    def _delete_committed(self, doc_id: str) -> int:
        """Mark the live committed documents with this id deleted (at commit); returns how many.
        (The deletion searcher's segments are the writer's own: a document marked
        deleted reads as deleted at once, so a second call finds nothing.)"""
        return int(self._writer.delete_by_term(ID_FIELD, doc_id, searcher=self._deletion_searcher()))

    def _upsert(self, prepared: dict[str, Any]) -> None:
        """Write a document, replacing the one with the same id.

        An earlier copy written in this batch (not yet committed) is marked
        deleted in the writer's new segment by its docnum; otherwise committed
        copies are looked up (only when the batch began with live documents)
        and marked deleted. With the multi-process writer an earlier copy
        already went to a sub-process, beyond reach: the document is deferred
        until that writer has committed, then replaces it (see :meth:`commit`).
        """
        writer = self._writer
        doc_id = prepared[ID_FIELD]
        if doc_id in self._deferred:
            self._deferred[doc_id] = prepared
            return
        if doc_id in self._pending:
            docnum = self._pending[doc_id]
            if docnum is None:
                self._deferred[doc_id] = prepared
                return
            writer.newsegment.delete_document(docnum)
        elif self._committed_docs:
            self._delete_committed(doc_id)
        docnum = None if isinstance(writer, GroupedMpWriter) else writer.docnum
        writer.add_document(**prepared)
        self._pending[doc_id] = docnum

    def delete(self, doc_id: str) -> int:
        self.begin()
        if doc_id in self._deferred or (doc_id in self._pending and self._pending[doc_id] is None):
            # a copy is with the multi-process writer: delete it once that has committed
            matched = self._deferred.get(doc_id, True) is not None  # not deleted already
            self._deferred[doc_id] = None
            return int(matched)
        if doc_id in self._pending:
            # committed copies were deleted when this one was added
            self._writer.newsegment.delete_document(self._pending.pop(doc_id))
            return 1
        return self._delete_committed(doc_id) if self._committed_docs else 0

    def commit(self, optimize: bool = False) -> None:
        self._end_session()
        deferred, self._deferred = self._deferred, {}
        if self._writer is None and optimize:
            # our writer, not Whoosh's optimize(): the merged segment gets arsearch's codec
            self.begin()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.commit(optimize=optimize and not deferred)
            except BaseException:
                _abandon(writer)  # release the write lock: the last commit stays as it was
                raise
        if deferred:
            # later copies of ids the multi-process writer held: now committed, they can be replaced
            self.begin()
            for doc_id, prepared in deferred.items():
                if prepared is None:
                    self.delete(doc_id)
                else:
                    self._upsert(prepared)
            self.commit(optimize=optimize)

    def cancel(self) -> None:
        self._end_session()
        self._deferred = {}
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.cancel()

    def close(self) -> None:
        self.cancel()
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._engine = None

    # -- reading -------------------------------------------------------------------
    def _get_searcher(self) -> Any:
        try:
            if self._searcher is None:
                self._searcher = self._wix.searcher()
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
        except ArsearchError:
            raise
        except Exception as e:  # missing or damaged segment files
            raise IncompatibleIndexError(
                f"cannot read the index at {self.path} ({type(e).__name__}: {e}); it is damaged: rebuild it"
            ) from e
        return self._searcher

    def reader(self) -> Engine:
        searcher = self._get_searcher()
        if self._engine is None or self._engine.searcher is not searcher:
            self._engine = Engine(searcher, self._ranking.k1, self._ranking.b, previous=self._engine)
        return self._engine

    def segment_count(self) -> int:
        return len(self._wix._segments())


def _abandon(writer: Any) -> None:
    """Drop a Whoosh writer that failed half-way, releasing its lock whatever state it is in."""
    if writer is None:
        return
    try:
        writer.cancel()
    except Exception:
        pass
    for release in (lambda: writer.writelock.release(), lambda: writer._tempstorage.destroy()):
        try:
            release()
        except Exception:
            pass
    writer.is_closed = True
