"""The Whoosh engine's store: a Whoosh index on disk or in memory, written
with arsearch's codec and grouped segment writer, read by the NumPy engine
(:mod:`.search`)."""

from __future__ import annotations

import errno
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from whoosh import index as wi
from whoosh import writing as ww
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.writing import LockError

from ...analysis import Analyzer, limit_caches
from ...errors import (
    ArsearchError,
    DocumentError,
    IncompatibleIndexError,
    IndexCorruptedError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
)
from ...fields import ID_FIELD, VOCABULARY_FIELD, Field, Ranking, rep_field
from ...memory import DEFAULT_MEMORY_MB, MemoryBudget
from . import unpickle
from .schema import ArabicCodec, build_schema
from .search import Engine
from .storage import SegmentStorage
from .writer import GroupedMpWriter, GroupedSegmentWriter

unpickle.install()  # before any index is read: Whoosh's pickle loaders resolve only an index's own classes

__all__ = ["WhooshStore", "INDEX_NAME", "LOCK_FILE"]

INDEX_NAME = "MAIN"
#: Whoosh's FileStorage names an index's write lock ``<indexname>_WRITELOCK``
#: (``whoosh.index.FileIndex.lock`` → ``storage.lock(indexname + "_" + name)``
#: with ``name="WRITELOCK"`` from ``whoosh.writing.SegmentWriter``).
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"
#: A segment with more than this share of its documents deleted is rewritten
#: (merged) at the next commit, as Lucene's TieredMergePolicy does with its
#: ``deletesPctAllowed`` (33% by default).
DELETED_SHARE_MERGED = 1 / 3


def merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """The segments a commit keeps as they are; the others it merges into its new one.

    Whoosh's own policy (``MERGE_SMALL``) merges only once there are five
    small segments or more, and never looks at deletions: re-indexing the
    same documents left every old copy on disk, the index growing by its
    whole size at each run. Like Lucene's merge policies this one also
    drops segments whose documents are all deleted (no rewriting needed)
    and rewrites those with more than :data:`DELETED_SHARE_MERGED` deleted,
    then lets ``MERGE_SMALL`` merge the small ones.
    """
    from whoosh.reading import SegmentReader

    kept = []
    for seg in segments:
        total = seg.doc_count_all()
        deleted = seg.deleted_count()
        if total and deleted >= total:
            continue  # nothing live: dropped from the table of contents, its files deleted
        if total and deleted > total * DELETED_SHARE_MERGED:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            try:
                writer.add_reader(reader)  # copies the live documents only
            finally:
                reader.close()
            continue
        kept.append(seg)
    return list(ww.MERGE_SMALL(writer, kept))


def _codec() -> Any:
    return ArabicCodec()


def _write_error(e: OSError, path: Path | None, doing: str) -> ArsearchError:
    """The library error for an OS error while writing: IndexNotFoundError when
    the index folder is gone, else IndexWriteError with the OS's reason."""
    where = f"the index at {path}" if path is not None else "the in-memory index"
    reason = e.strerror or str(e) or type(e).__name__
    if path is not None and e.errno == errno.ENOENT and not path.is_dir():
        return IndexNotFoundError(f"cannot {doing} {where}: its folder is gone (deleted or moved while open)")
    hint = {
        errno.ENOSPC: "free some disk space and write again",
        errno.EDQUOT: "free some space within your quota and write again",
        errno.EACCES: "the index folder is not writable by this user",
        errno.EPERM: "the index folder is not writable by this user",
        errno.EROFS: "the index is on a read-only file system",
    }.get(e.errno or 0, "")
    return IndexWriteError(
        f"cannot {doing} {where}: {reason}{f' ({e.filename})' if e.filename else ''}"
        f"{'; ' + hint if hint else ''}; the last commit is kept",
        e.errno,
    )


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
    commits_outside_gil = False  # Whoosh commits in Python
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
        self.memory_mb = DEFAULT_MEMORY_MB
        self._text_fields = [n for n, f in fields.items() if f.kind == "text"]
        self._ranking = ranking
        self._vocabulary = VOCABULARY_FIELD in wix.schema  # indexes created before it have none
        self._folder = self._folder_id()
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
            wix = SegmentStorage(str(path)).create_index(build_schema(fields, analyzer, ranking), indexname=INDEX_NAME)
        except OSError as e:
            raise _write_error(e, path, "create") from e
        return cls(wix, fields, ranking, path)

    @classmethod
    def memory(cls, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking) -> WhooshStore:
        wix = _RamStorage().create_index(build_schema(fields, analyzer, ranking), indexname=INDEX_NAME)
        return cls(wix, fields, ranking, None)

    @classmethod
    def open(cls, path: Path, fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking,
             lock_timeout: float = 0.0) -> WhooshStore:
        try:
            wix = SegmentStorage(str(path)).open_index(indexname=INDEX_NAME)
        except wi.EmptyIndexError as e:
            raise IndexNotFoundError(f"no index data at {path}") from e
        except IncompatibleIndexError as e:  # a refused pickle, a file cut short
            raise type(e)(f"cannot read the index at {path}: {e}") from e
        except PermissionError as e:
            raise ArsearchError(f"cannot read the index at {path}: {e.strerror} ({e.filename})") from e
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
        if self.path is None:  # an index in memory lives in this process: sub-processes could not write to it
            procs = 1
        codec = _codec
        budget = MemoryBudget(self.memory_mb)
        limit_caches(budget.cache_surfaces // procs)  # before sub-processes fork: each has its caches
        limitmb = budget.pool_mb(procs)
        try:
            if procs > 1:
                # What wix.writer(procs=...) builds; each sub-process writes
                # its own segment with grouped postings (.writer).
                self._writer = GroupedMpWriter(
                    self._wix, procs=procs, multisegment=True, limitmb=limitmb, codec=codec(),
                    subargs={"codec": codec(), "limitmb": limitmb},
                )
            else:
                # What wix.writer(...) builds, with postings grouped per term (.writer).
                self._writer = GroupedSegmentWriter(self._wix, timeout=self.lock_timeout, limitmb=limitmb, codec=codec())
        except LockError as e:
            raise IndexLockedError(
                f"another writer is working on the index{' at ' + str(self.path) if self.path else ''}; "
                f"wait for it to finish (or open the index with a larger lock_timeout)"
            ) from e
        except OSError as e:  # the lock file, temporary folder or segment files (the writer released the lock)
            raise _write_error(e, self.path, "write to") from e
        # The committed segments cannot change while this writer holds the lock:
        # with no live document there, no id needs looking up (a fresh index).
        self._pending = {}
        self._committed_docs = sum(seg.doc_count() for seg in self._writer.segments)

    def _whoosh_doc(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(doc)
        if self._vocabulary:
            combined = "\n".join(out[n] for n in self._text_fields if n in out)
            if combined:
                out[VOCABULARY_FIELD] = combined
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
            if isinstance(e, OSError):  # spilling postings or stored fields to a full disk
                raise _write_error(e, self.path, "write to") from e
            if isinstance(e, ArsearchError):  # reading committed copies of the id: a damaged index
                raise
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
                if optimize and not deferred:
                    writer.commit(optimize=True)
                else:
                    writer.commit(mergetype=merge_policy)
            except BaseException as e:
                committed = _committed(self._wix, writer)
                _abandon(writer)  # release the write lock
                if not committed:  # the last commit stays as it was; its files only take room
                    _drop_new_segment(writer)
                if not isinstance(e, OSError):
                    raise
                if not committed:
                    raise _write_error(e, self.path, "commit to") from e
                # else the table of contents was written and only cleaning up failed: the commit stands
        if deferred:
            # later copies of ids the multi-process writer held: now committed, they can be replaced
            self.begin()
            for doc_id, prepared in deferred.items():
                if prepared is None:
                    self.delete(doc_id)
                else:
                    self._upsert(prepared)
            self.commit(optimize=optimize)

    def compact(self) -> None:
        # our writer merging every segment (Whoosh's optimize() would use its own codec)
        self.commit(optimize=True)

    def cancel(self) -> None:
        self._end_session()
        self._deferred = {}
        if self._writer is not None:
            writer, self._writer = self._writer, None
            # Whoosh's cancel() closes the dropped segment's files first, which can fail
            # (a full disk): the write lock is released and the temporary folder removed
            # anyway, and the error not raised (the dropped files are removed at the
            # next commit; an error here would hide the one that made the caller cancel).
            _abandon(writer)
            _drop_new_segment(writer)  # never in a table of contents: its files are only litter

    def close(self) -> None:
        self.cancel()
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._engine = None

    # -- reading -------------------------------------------------------------------
    def _drop_searcher(self) -> None:
        searcher, self._searcher, self._engine = self._searcher, None, None
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # noqa: BLE001 - its files may be what is damaged
                pass

    def _folder_id(self) -> tuple[int, int] | None:
        """The index folder's identity (device, inode): a rebuild swaps in another folder."""
        try:
            st = os.stat(self.path) if self.path is not None else None
        except OSError:
            return None
        return (st.st_dev, st.st_ino) if st is not None else None

    def _get_searcher(self) -> Any:
        storage = self._wix.storage
        changed = storage.changed() if self._searcher is not None and isinstance(storage, SegmentStorage) else []
        folder = self._folder_id()
        if self._searcher is not None and folder != self._folder:
            # ``arsearch index --rebuild`` swapped a new folder in: its generations start again,
            # so a generation check would keep the old reader. Open the new index.
            self._drop_searcher()
            try:
                self._wix = SegmentStorage(str(self.path)).open_index(indexname=INDEX_NAME)
            except wi.EmptyIndexError as e:
                raise IndexNotFoundError(f"the index at {self.path} is gone: its files were deleted or moved while it was open") from e
        self._folder = folder
        if changed:
            # A file the reader holds was written in place (a restore, a copy over it): what
            # the reader knows of it is stale. Read the index again from its files.
            self._drop_searcher()
        try:
            if self._searcher is None:
                self._searcher = self._wix.searcher()
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
        except IncompatibleIndexError as e:  # a refused pickle, a file cut short
            self._drop_searcher()
            raise type(e)(f"cannot read the index at {self.path}: {e}") from e
        except ArsearchError:
            raise
        except wi.EmptyIndexError as e:
            self._drop_searcher()
            raise IndexNotFoundError(
                f"the index at {self.path} is gone: its files were deleted or moved while it was open"
            ) from e
        except Exception as e:  # missing or damaged segment files
            self._drop_searcher()
            what = f"{', '.join(changed)} changed while the index was open, and " if changed else ""
            raise IndexCorruptedError(
                f"cannot read the index at {self.path}: {what}{type(e).__name__}: {e}; it is damaged: "
                f"restore it from a backup or rebuild it"
            ) from e
        return self._searcher

    def reader(self) -> Engine:
        searcher = self._get_searcher()
        if self._engine is None or self._engine.searcher is not searcher:
            try:
                self._engine = Engine(searcher, self._ranking.k1, self._ranking.b, previous=self._engine)
            except IndexCorruptedError as e:
                self._drop_searcher()
                raise IndexCorruptedError(f"cannot read the index at {self.path}: {e}") from e
        return self._engine

    def segment_count(self) -> int:
        return len(self._wix._segments())


def _committed(wix: Any, writer: Any) -> bool:
    """Whether ``writer``'s commit reached its table of contents (what makes
    it durable) before something else failed."""
    try:
        return bool(wix.latest_generation() >= writer.generation)
    except Exception:  # noqa: BLE001 - unreadable: assume it did not, and keep the files
        return False


def _drop_new_segment(writer: Any) -> None:
    """Delete the files of the segment a failed commit was writing (never
    referenced by a table of contents): on a full disk, they hold the room
    the next commit needs. (Whoosh would delete them at the next commit.)"""
    try:
        segment = writer.newsegment
        storage = writer.storage
        for name in segment.list_files(storage):
            storage.delete_file(name)
    except Exception:  # noqa: BLE001 - best effort; the next commit deletes them
        pass


def _abandon(writer: Any) -> None:
    """Drop a Whoosh writer (cancelled, or failed half-way), releasing its lock
    and removing its temporary folder whatever state it is in."""
    if writer is None:
        return
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001 - closing the dropped segment's files (a full disk)
        pass
    for release in (lambda: writer.writelock.release(), lambda: writer._tempstorage.destroy()):
        try:
            release()
        except Exception:
            pass
    writer.is_closed = True
