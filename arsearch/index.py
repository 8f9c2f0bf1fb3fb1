"""The index: create or open one on disk (or in memory), write documents, search.

Example:
    >>> from arsearch import Index
    >>> ix = Index.memory()
    >>> with ix:
    ...     ix.add({"id": "1", "title": "المكتبة", "body": "ذهبَ الطُّلّابُ إلى المَكْتَبَةِ"})
    ...     ix.add({"id": "2", "title": "الملعب", "body": "لعب الأطفال في الملعب"})
    >>> hit = ix.search("مكتبة الطلاب")[0]
    >>> hit.id, hit.snippet
    ('1', 'ذهبَ <mark>الطُّلّابُ</mark> إلى <mark>المَكْتَبَةِ</mark>')
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from .analysis import ANALYZER_VERSION, DEFAULT_ANALYZER, Analyzer
from .complete import Completion, Completions
from .counting import PendingTexts
from .errors import (
    ArsearchError,
    DocumentError,
    IncompatibleIndexError,
    IndexClosedError,
    IndexExistsError,
    IndexNotFoundError,
    IndexWriteError,
    QueryError,
)
from . import complete as _complete
from . import engines as _engines
from .engines import ENGINES, Reader, Store, store_class
from .fields import DEFAULT_RANKING, ID_FIELD, VOCABULARY_FIELD, Field, Ranking, resolve_fields
from .filters import check_facets, compile_filter, compile_sort
from .highlight import FORMATS, MAX_SCAN_TOTAL, NEAR_FORMATS, Match, QueryMatcher, highlight_matches
from .memory import DEFAULT_MEMORY_MB, check_memory_mb
from .query import MAX_QUERY_CHARS, build_plan, truncate_query
from .suggest import Speller

__all__ = ["Index", "Hit", "Results", "Completion", "META_FILE", "FORMAT_VERSION"]

META_FILE = "arsearch.json"
#: Version of the on-disk layout (metadata + schema); bump on incompatible change.
FORMAT_VERSION = 3  # 3: one field per representation over all text fields


@dataclass
class Hit:
    """One search result: ``id``, ``score``, stored ``fields``, ``rank``, a
    highlighted body ``snippet`` and highlighted ``title`` (both made on
    first access, so hits whose snippets are never read cost nothing to
    highlight), and :meth:`explain`: which query words matched, and how."""

    id: str
    score: float
    fields: dict[str, Any]
    rank: int
    _render: Callable[[], str] | None = field(default=None, repr=False, compare=False)
    _snippet: str | None = field(default=None, repr=False, compare=False)
    _render_title: Callable[[], str] | None = field(default=None, repr=False, compare=False)
    _title: str | None = field(default=None, repr=False, compare=False)
    _explain: Callable[[], list[Match]] | None = field(default=None, repr=False, compare=False)

    @property
    def snippet(self) -> str:
        """The best fragment of the body, matched words marked."""
        if self._snippet is None:
            self._snippet = self._render() if self._render is not None else ""
            self._render = None
        return self._snippet

    @property
    def title(self) -> str:
        """The title, matched words marked ("" when the index has no title field)."""
        if self._title is None:
            self._title = self._render_title() if self._render_title is not None else ""
            self._render_title = None
        return self._title

    def explain(self) -> list[Match]:
        """Each matched word of the title and body: the query word it
        answers and how (form, stem, root, near, prefix), with its span in
        that field's stored text.

        >>> ix = Index.memory()
        >>> with ix:
        ...     ix.add({"id": "1", "title": "تونس", "body": "زار الرئيس التونسي المدارس"})
        >>> [(m.word, m.how, m.field, m.text) for m in ix.search("تونس مدرسة")[0].explain()]
        [('تونس', 'form', 'title', 'تونس'), ('تونس', 'stem', 'body', 'التونسي'), ('مدرسة', 'near', 'body', 'المدارس')]
        """
        return self._explain() if self._explain is not None else []

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "id": self.id,
            "score": round(self.score, 4),
            "fields": {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in self.fields.items()},
            "title": self.title,
            "snippet": self.snippet,
        }


@dataclass
class Results(Sequence[Hit]):
    """The hits of one page (a sequence of :class:`Hit`) plus ``total``
    hits, ``warnings`` about the query (an unknown field), the Arabic
    readings of its Arabizi words (:attr:`read_as`, :attr:`searched_as`),
    ``facets`` (for each keyword field asked for with
    ``search(facets=...)``: how many of all the hits hold each value, most
    frequent first) and, computed on first access, a did-you-mean
    :attr:`suggestion`."""

    query: str
    hits: list[Hit]
    total: int
    offset: int = 0
    elapsed_ms: float = 0.0
    warnings: tuple[str, ...] = ()
    #: Each Arabizi word of the query (Latin letters, ``7ekouma``; with the
    #: article typed before it, ``el 7ekouma``) and the Arabic words it was
    #: searched as, best first: ``{"el 7ekouma": ("الحكومة",)}``.
    read_as: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _read_as_words: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = field(default=(), repr=False, compare=False)
    _suggest: Callable[[], str | None] | None = field(default=None, repr=False, compare=False)
    _suggestion: list[str | None] = field(default_factory=list, repr=False, compare=False)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def suggestion(self) -> str | None:
        """The query with misspelled words corrected from the index's
        vocabulary, or None when it is spelled fine (see :meth:`Index.suggest`)."""
        if not self._suggestion:
            self._suggestion.append(self._suggest() if self._suggest is not None else None)
        return self._suggestion[0]

    @property
    def searched_as(self) -> str | None:
        """The query with each Arabizi word replaced by its best Arabic
        reading, or None when no word was read as Arabic.

        >>> ix = Index.memory()
        >>> with ix:
        ...     ix.add({"id": "1", "title": "الحكومة", "body": "قالت الحكومة في تونس"})
        ...     ix.add({"id": "2", "title": "تونس", "body": "الحكومة التونسية"})
        >>> results = ix.search("el 7ekouma")
        >>> results.searched_as, results.read_as
        ('الحكومة', {'el 7ekouma': ('الحكومة',)})
        """
        if not self._read_as_words:
            return None
        import re

        text = self.query
        for words, readings in self._read_as_words:
            pattern = r"(?<!\w)" + r"\W*".join(re.escape(w) for w in words) + r"(?!\w)"
            text = re.sub(pattern, lambda _m, r=readings[0]: r, text, count=1, flags=re.IGNORECASE)
        return text

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return self.hits[i]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)


class Index:
    """An Arabic full-text index, stored by an engine: Whoosh (the default,
    pure Python) or tantivy (``pip install 'arsearch[tantivy]'``).

    Build one with :meth:`create` (on disk), :meth:`memory` or open one with
    :meth:`open`. Writes go to a pending batch until :meth:`commit`; used
    as a context manager the index commits on success and cancels on error.
    The ``id`` is unique: writing a document replaces the one with the same
    id, committed or pending (the last one written wins).
    """

    def __init__(
        self,
        store: Store,
        fields: dict[str, Field],
        analyzer: Analyzer,
        ranking: Ranking,
        path: Path | None,
    ) -> None:
        self._store = store
        self.fields = fields
        self.analyzer = analyzer
        self.ranking = ranking
        self.path = path
        self._lock = threading.RLock()
        self.text_fields = [n for n, f in fields.items() if f.kind == "text"]
        # the completion table counts the stored text fields: their words can be read back and taken away
        self._counted_fields = [n for n in self.text_fields if fields[n].stored]
        self._speller: tuple[Reader, Speller] | None = None  # one speller (and its df cache) per reader
        # completions: the batch's text per id (None: deleted), and the table last read or written
        # with what identifies it (the file's stat, or the reader it was rebuilt from) and the
        # documents it counts (its stamp: a writer rebuilds a table stamped for another number)
        self._completing = PendingTexts(self.analyzer)
        self._completions: tuple[Any, Completions, Any] | None = (None, Completions.empty(), None) if path is None else None
        # the completion table's word counts alone (Arabizi readings), by the file's key
        self._word_table: tuple[Any, _complete.WordCounts, Any] | None = None
        self._closed = False

    @property
    def engine(self) -> str:
        """The engine storing the index: ``"whoosh"`` or ``"tantivy"``."""
        return self._store.engine

    # -- construction ----------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        fields: Mapping[str, str | Field] | None = None,
        *,
        analyzer: Analyzer | None = None,
        ranking: Ranking | None = None,
        overwrite: bool = False,
        engine: str | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> Index:
        """Create an empty index in directory ``path`` (created if missing).

        ``ranking`` defaults to :data:`~arsearch.DEFAULT_RANKING` (light
        stems, ISRI roots and character 4-grams); its representations are
        fixed at creation. :data:`~arsearch.FAST_RANKING` (the light stem
        alone) gives a smaller index that builds several times faster.
        ``engine`` is ``"whoosh"`` (the default) or ``"tantivy"`` (faster
        at scale; needs ``pip install 'arsearch[tantivy]'``); :meth:`open`
        finds it in the index. ``memory_mb`` bounds the memory of writing
        (the analysis caches and the engine's buffers, in MiB; see
        :mod:`arsearch.memory`): a larger budget spills and flushes less
        often. Raises :class:`IndexExistsError` if an index is already
        there, unless ``overwrite``.
        """
        memory_mb = check_memory_mb(memory_mb)
        p = Path(path)
        if p.exists() and not p.is_dir():
            raise IndexNotFoundError(f"{p} exists and is not a directory")
        if (p / META_FILE).exists() and not overwrite:
            raise IndexExistsError(f"an index already exists at {p} (use overwrite=True to replace it)")
        resolved = resolve_fields(fields)
        analyzer = analyzer or DEFAULT_ANALYZER
        ranking = ranking or DEFAULT_RANKING
        engine = engine or _engines.DEFAULT_ENGINE
        kind = store_class(engine)
        kind.check(ranking)
        try:
            p.mkdir(parents=True, exist_ok=True)
            if overwrite:
                _remove_other_engines(p, engine)
                _complete.remove_files(p)
        except OSError as e:
            raise ArsearchError(f"cannot create an index at {p}: {e.strerror or e}") from e
        store = kind.create(p, resolved, analyzer, ranking)
        meta = _meta(resolved, analyzer, ranking, engine)
        tmp = p / (META_FILE + ".tmp")
        try:
            tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            os.replace(tmp, p / META_FILE)
        except OSError as e:
            store.close()
            raise IndexWriteError(f"cannot create an index at {p}: {e.strerror or e}", e.errno) from e
        store.memory_mb = memory_mb
        return cls(store, resolved, analyzer, ranking, p)

    @classmethod
    def memory(
        cls,
        fields: Mapping[str, str | Field] | None = None,
        *,
        analyzer: Analyzer | None = None,
        ranking: Ranking | None = None,
        engine: str | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> Index:
        """An index held in memory (tests, small jobs); gone when dropped.
        ``memory_mb`` bounds the writer's buffers as in :meth:`create`."""
        memory_mb = check_memory_mb(memory_mb)
        resolved = resolve_fields(fields)
        analyzer = analyzer or DEFAULT_ANALYZER
        ranking = ranking or DEFAULT_RANKING
        kind = store_class(engine or _engines.DEFAULT_ENGINE)
        kind.check(ranking)
        store = kind.memory(resolved, analyzer, ranking)
        store.memory_mb = memory_mb
        return cls(store, resolved, analyzer, ranking, None)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        analyzer: Analyzer | None = None,
        ranking: Ranking | None = None,
        lock_timeout: float = 0.0,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> Index:
        """Open the index at ``path`` (with the engine that built it).

        Raises :class:`IndexNotFoundError` if there is none, and
        :class:`IncompatibleIndexError` if it was built with another analyzer
        version (or ``analyzer`` differs from the one it was built with).
        ``ranking`` may change query-time settings (k1, b, operator,
        coordination), not the index's representations. ``memory_mb``
        bounds the memory of writing, as in :meth:`create`.
        """
        memory_mb = check_memory_mb(memory_mb)
        p = Path(path)
        meta_path = p / META_FILE
        if not meta_path.is_file():
            raise IndexNotFoundError(f"no arsearch index at {p}")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise TypeError(f"a JSON {type(meta).__name__}, not an object")
            if meta.get("format") != FORMAT_VERSION:
                raise IncompatibleIndexError(
                    f"index at {p} has format {meta.get('format')!r}, this arsearch reads {FORMAT_VERSION}; "
                    f"rebuild it (arsearch index --rebuild {p} ...)"
                )
            ameta = meta["analyzer"]
            # A caller's analyzer (e.g. a subclass) is used if it is the one the
            # index was built with; otherwise rebuild the stock one from config.
            built = analyzer if analyzer is not None and analyzer.version == ameta.get("version") else None
            built = built or Analyzer(**ameta["config"])
            fields = resolve_fields({n: Field(**f) for n, f in meta["fields"].items()})
            stored_ranking = Ranking.from_json(meta["ranking"])
            engine = meta.get("engine", "whoosh")  # indexes from before the engine choice are Whoosh's
            if not isinstance(engine, str):
                raise TypeError(f"engine {engine!r}")
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            if isinstance(e, IncompatibleIndexError):
                raise
            raise IncompatibleIndexError(f"index metadata at {meta_path} is unreadable ({e}); rebuild the index") from e
        except OSError as e:  # unreadable (permissions), or gone since the check above
            raise ArsearchError(f"cannot read the index metadata at {meta_path}: {e.strerror or e}") from e
        if engine not in ENGINES:
            raise IncompatibleIndexError(
                f"index at {p} was built by engine {engine!r}; this arsearch has {', '.join(ENGINES)}"
            )
        if ameta.get("version") != built.version:
            raise IncompatibleIndexError(
                f"index at {p} was built with analyzer {ameta.get('version')!r}; this arsearch has "
                f"{built.version!r} (analyzer version {ANALYZER_VERSION}). Rebuild it: "
                f"arsearch index --rebuild {p} PATH..."
            )
        if analyzer is not None and analyzer != built:
            raise IncompatibleIndexError(
                f"index at {p} was built with {built!r}, not {analyzer!r}; open it without analyzer= or rebuild it"
            )
        if ranking is not None and ranking.representations != stored_ranking.representations:
            raise IncompatibleIndexError(
                f"index at {p} has representations {stored_ranking.representations}; they are fixed at creation"
            )
        kind = store_class(engine)
        ranking = ranking or stored_ranking
        kind.check(ranking)
        store = kind.open(p, fields, built, ranking, lock_timeout=lock_timeout)
        store.memory_mb = memory_mb
        return cls(store, fields, built, ranking, p)

    # -- context manager ------------------------------------------------------
    def __enter__(self) -> Index:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
        else:
            self._cancel_after(exc)  # the caller's error propagates, not cancel's

    def close(self) -> None:
        """Cancel uncommitted writes and release files. Closing twice is
        harmless; any other use of a closed index raises
        :class:`IndexClosedError`.

        >>> ix = Index.memory()
        >>> ix.close()
        >>> ix.search("مكتبة")
        Traceback (most recent call last):
        ...
        arsearch.errors.IndexClosedError: the in-memory index is closed; open it again to use it
        """
        with self._lock:
            self._closed = True
            self._store.close()
            self._speller = None
            self._drop_pending()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            where = f"the index at {self.path}" if self.path is not None else "the in-memory index"
            raise IndexClosedError(f"{where} is closed; open it again to use it")

    # -- writing -------------------------------------------------------------------
    def _prepare(self, doc: Mapping[str, Any], extra: str = "error") -> dict[str, Any]:
        if not isinstance(doc, Mapping):
            raise DocumentError(f"a document must be a mapping, not {type(doc).__name__}")
        doc_id = doc.get(ID_FIELD)
        if isinstance(doc_id, int) and not isinstance(doc_id, bool):
            doc_id = str(doc_id)
        if not isinstance(doc_id, str) or not doc_id.strip():
            raise DocumentError(f"a document needs a non-empty string 'id' (got {doc_id!r})")
        _check_id(doc_id)
        clean_id = _clean_text(doc_id, ID_FIELD, doc_id)
        if not clean_id.strip():
            raise DocumentError(f"a document needs a non-empty string 'id' (got {doc_id!r})")
        out: dict[str, Any] = {ID_FIELD: clean_id}
        for name, value in doc.items():
            if name == ID_FIELD or value is None:
                continue
            spec = self.fields.get(name)
            if spec is None:
                if extra == "ignore":
                    continue
                known = ", ".join([ID_FIELD, *self.fields])
                raise DocumentError(f"document {doc_id!r}: unknown field {name!r} (fields: {known})")
            if spec.kind == "text":
                if not isinstance(value, str):
                    raise DocumentError(f"document {doc_id!r}: field {name!r} must be str, not {type(value).__name__}")
                out[name] = _clean_text(value, name, doc_id)
            elif spec.kind == "keyword":
                items = [value] if isinstance(value, str) else value
                if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
                    raise DocumentError(f"document {doc_id!r}: keyword field {name!r} takes str or a list of str")
                out[name] = ",".join(_clean_text(v, name, doc_id).replace(",", " ") for v in items)
            elif spec.kind == "numeric":
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
                    raise DocumentError(f"document {doc_id!r}: numeric field {name!r} takes a number, not {value!r}")
                try:
                    out[name] = float(value)
                except OverflowError:
                    raise DocumentError(f"document {doc_id!r}: numeric field {name!r} is out of a float's range") from None
            else:
                if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                    value = dt.datetime(value.year, value.month, value.day)
                if not isinstance(value, dt.datetime):
                    raise DocumentError(f"document {doc_id!r}: date field {name!r} takes a date or datetime")
                out[name] = value
        return out

    def add(self, doc: Mapping[str, Any], *, extra: Literal["error", "ignore"] = "error") -> None:
        """Add a document (a mapping with ``id`` and declared fields) to the pending batch.
        An ``id`` holding NUL raises :class:`DocumentError` (NULs in text fields are dropped).
        A key that is not a field raises :class:`DocumentError`, or with
        ``extra="ignore"`` is dropped (to rename keys, see :func:`arsearch.map_documents`).

        The id is unique: a document with the same id, committed or pending,
        is replaced (at commit), so the last one added wins.
        """
        self._check_open()
        _check_extra(extra)
        prepared = self._prepare(doc, extra)
        with self._lock:
            self._check_open()
            self._write(prepared)

    def _write(self, prepared: dict[str, Any]) -> None:
        """Write a prepared document to the store, noting its text for the completions."""
        try:
            self._store.write(prepared)
        except BaseException:
            if not self._store.writing:  # the store dropped the batch
                self._drop_pending()
            raise
        self._completing.set(prepared[ID_FIELD], self._text(prepared))

    def _text(self, doc: Mapping[str, Any]) -> str:
        """A document's text fields, one per line (what the completions count)."""
        return "\n".join(v for f in self._counted_fields if isinstance(v := doc.get(f), str) and v)

    def begin(self, procs: int = 1) -> None:
        """Take the write lock now (writes take it on their own): fails fast
        with :class:`~arsearch.IndexLockedError` while another writer holds
        it, e.g. before a long read of the documents. Held until
        :meth:`commit` or :meth:`cancel`."""
        with self._lock:
            self._check_open()
            self._store.begin(procs)

    def update(self, doc: Mapping[str, Any]) -> None:
        """The same as :meth:`add` (which replaces a document with the same
        ``id``); kept for code written when ``add`` did not."""
        self.add(doc)

    def delete(self, doc_id: str) -> int:
        """Delete the document with this id, committed or pending (at commit);
        returns how many matched (0 or 1). An id holding NUL raises
        :class:`DocumentError`, as it does in :meth:`add`."""
        if not isinstance(doc_id, str):
            raise DocumentError(f"delete() takes a str id, not {type(doc_id).__name__}")
        _check_id(doc_id)
        with self._lock:
            self._check_open()
            matched = self._store.delete(doc_id)
            self._completing.set(doc_id, None)
            return matched

    def add_many(
        self,
        docs: Iterable[Mapping[str, Any]],
        *,
        update: bool = True,
        batch_size: int = 20_000,
        procs: int = 1,
        progress: Callable[[int], None] | None = None,
        on_error: Callable[[Mapping[str, Any], DocumentError], None] | None = None,
        extra: Literal["error", "ignore"] = "error",
    ) -> int:
        """Add many documents, committing every ``batch_size``.

        Like :meth:`add`, a document replaces the one with the same id,
        committed or earlier in ``docs`` (the last one wins): adding the same
        documents again leaves one copy of each. ``update`` is accepted for
        compatibility and changes nothing (it used to turn that replacing on).

        ``procs > 1`` analyzes in that many processes (with Whoosh, its
        multi-process writer, each process writing its own segment; a Whoosh
        index in memory is written by this process alone). An id repeated
        within one of its batches is written after that batch commits,
        replacing the earlier copy in a second commit. ``progress(n)`` is
        called with the running count; bad documents raise
        :class:`DocumentError` unless ``on_error(doc, error)`` is given, in
        which case they are reported there and skipped. Returns the number
        of documents written (repeated ids included). Keys that are not
        fields are errors, or with ``extra="ignore"`` dropped: records read
        elsewhere (``{"id", "title", "text", "source"}``) are mapped onto the
        fields by :func:`arsearch.map_documents` (renames included) or read
        from files by :func:`arsearch.read_documents`.
        """
        _check_extra(extra)
        del update  # every write replaces by id now
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        count = 0
        with self._lock:
            self._check_open()
            if self._store.writing and procs > 1:
                self.commit()
            self._store.begin(procs)
            try:
                for doc in docs:
                    try:
                        prepared = self._prepare(doc, extra)
                    except DocumentError as e:
                        if on_error is None:
                            raise
                        on_error(doc, e)
                        continue
                    self._write(prepared)
                    count += 1
                    if count % batch_size == 0:
                        self.commit()
                        self._store.begin(procs)
                    if progress is not None and count % 100 == 0:
                        progress(count)
            except BaseException as e:
                self._cancel_after(e)
                raise
            self.commit()
        if progress is not None:
            progress(count)
        return count

    def commit(self, optimize: bool = False) -> None:
        """Make pending writes durable and visible to searches (atomic, except
        for an id repeated within a multi-process batch of :meth:`add_many`
        on an on-disk Whoosh index: its last copy replaces the earlier one in
        a second commit);
        ``optimize`` merges the index into one segment."""
        with self._lock:
            self._check_open()
            pending, self._completing = self._completing, PendingTexts(self.analyzer)
            if not pending or not self._store.writing:
                pending.close()
                self._store.commit(optimize=optimize)
                return
            reader = self._store.reader()  # the last commit: the copies the batch replaces
            try:
                base = self._completion_base(reader)  # read before the stale mark, which would say "rebuild"
                if self.path is not None:
                    _write_step(lambda: (self.path / _complete.STALE_MARK).touch(), self.path)
            except BaseException:
                self._completing = pending  # the batch is still pending: counted at the next commit
                raise
            # an engine that commits outside the GIL does it while this process counts
            job = _Job(self._completions_after, pending, reader, base) if self._store.commits_outside_gil else None
            try:
                table = self._completions_after(pending, reader, base) if job is None else None
            except BaseException:
                self._completing = pending  # nothing was committed: counted again at the next commit
                if self.path is not None:
                    (self.path / _complete.STALE_MARK).unlink(missing_ok=True)
                raise
            try:
                self._store.commit(optimize=optimize)
            except BaseException:
                if job is not None:
                    job.wait()
                if self.path is not None:  # nothing was committed: the table on disk stands
                    (self.path / _complete.STALE_MARK).unlink(missing_ok=True)
                raise
            if job is not None:
                try:
                    table = job.result()
                except BaseException as e:  # the stale mark stays: the next commit rebuilds the table
                    if self.path is None:
                        self._completions = None  # rebuilt from the documents when next needed
                    e.add_note("arsearch: the documents are committed; the completions are rebuilt at the next commit")
                    raise
            assert table is not None
            if self.path is None:
                self._completions = (None, table, None)
                return
            folder = self.path
            stamp = _complete.stamp_for(self._store.reader().doc_count())

            def publish() -> None:
                _complete.write_file(folder, table, stamp)
                (folder / _complete.STALE_MARK).unlink()

            _write_step(publish, folder, "the documents are committed; the completions are rebuilt at the next commit")
            self._completions = (_complete.file_key(folder), table, stamp)

    def compact(self) -> None:
        """Commit pending writes, then rewrite the index without its deleted
        documents (replaced or deleted ones, kept on disk until their segment
        is merged) in one segment: on Whoosh a merge; on tantivy, whose Python
        binding cannot merge, the documents written again from their stored
        fields. Searches see the index before or after, never half of it.

        >>> ix = Index.memory()
        >>> with ix:
        ...     ix.add({"id": "1", "body": "نص"})
        >>> ix.add({"id": "1", "body": "نص جديد"})  # replaces it
        >>> ix.compact()
        >>> len(ix), ix.stats()["deleted"], ix.stats()["segments"]
        (1, 0, 1)
        """
        with self._lock:
            self._check_open()
            if self._store.writing:
                self.commit()  # pending writes (and the completions' count of them) first
            stats = self._reader().stats()
            if stats["segments"] <= 1 and stats["deleted"] == 0:
                return  # nothing to merge, nothing to purge
            self._store.compact()

    def cancel(self) -> None:
        """Drop pending (uncommitted) writes and release the write lock (nothing
        to do once the index is closed)."""
        with self._lock:
            if not self._closed:
                self._drop_pending()
                self._store.cancel()

    def _cancel_after(self, error: BaseException | None) -> None:
        """Cancel because of ``error``: if cancelling fails too, note that on ``error``
        (which the caller re-raises) instead of replacing it."""
        try:
            self.cancel()
        except Exception as e:  # noqa: BLE001 - the first error is the one to report
            if error is not None:
                error.add_note(f"arsearch: cancelling the pending writes also failed: {type(e).__name__}: {e}")

    # -- completions ------------------------------------------------------------------
    def _drop_pending(self) -> None:
        """Forget the batch's text (its helper process ended)."""
        self._completing.close()
        self._completing = PendingTexts(self.analyzer)

    def _completions_after(self, pending: PendingTexts, reader: Reader, base: Completions) -> Completions:
        """The completion table ``base`` (the last commit's) once the batch
        ``pending`` (text per id, None for a deletion) replaces the copies of
        its ids ``reader`` (the last commit) holds."""
        try:
            removed: list[str] = []
            if reader.doc_count():
                for doc_id in pending.texts:
                    old = reader.document(doc_id)
                    if old is not None:
                        removed.append(self._text(old))
            return base.merge(pending.totals(removed))
        finally:
            pending.close()

    def _memory_table(self, reader: Reader) -> Completions:
        """An in-memory index's table (rebuilt from its documents after a commit that could not make it)."""
        if self._completions is None:
            self._completions = (None, self._rebuild_completions(reader), None)
        return self._completions[1]

    def _completion_base(self, reader: Reader) -> Completions:
        """The table of the last commit, for a writer: rebuilt from the stored
        documents when the file is missing, damaged or stale."""
        if self.path is None:
            return self._memory_table(reader)
        if not (self.path / _complete.STALE_MARK).exists():
            key = _complete.file_key(self.path)
            if key is not None and self._completions is not None and self._completions[0] == key:
                stored: tuple[Completions, Any] | None = self._completions[1:]
            else:
                try:
                    stored = _complete.read_file(self.path)
                except IncompatibleIndexError:
                    stored = None
            if stored is None and not reader.doc_count():
                return Completions.empty()
            if stored is not None and _complete.stamp_counts(stored[1], reader.doc_count()):
                return stored[0]
        return self._rebuild_completions(reader)

    def _rebuild_completions(self, reader: Reader) -> Completions:
        return Completions.empty().apply([self._text(doc) for doc in reader.documents()], [], self.analyzer)

    def _reading_completions(self, reader: Reader) -> Completions:
        """The table of the last commit, for a reader: the file (re-read when it
        changes), or, for an index that has none, rebuilt in memory."""
        if self.path is None:
            return self._memory_table(reader)
        key = _complete.file_key(self.path)
        cached = self._completions
        if key is None:
            if cached is None or cached[0] is not reader:
                cached = (reader, self._rebuild_completions(reader) if reader.doc_count() else Completions.empty(), None)
        elif cached is None or cached[0] != key:
            try:
                stored = _complete.read_file(self.path)
            except IncompatibleIndexError as e:
                raise type(e)(f"cannot read the completions of the index at {self.path}: {e}") from e
            except OSError as e:
                raise ArsearchError(
                    f"cannot read the completions of the index at {self.path}: {e.strerror or e}"
                ) from e
            cached = (key, *stored) if stored is not None else (None, Completions.empty(), None)
        self._completions = cached
        return cached[1]

    def _word_counts(self, reader: Reader) -> tuple[Callable[[str], int], int] | None:
        """Documents per normalized word from the completion table, and the
        live documents it counts, when the table is the committed documents'
        and holds every text field (None: no table, a damaged or unreadable
        one, one a commit left stale, or a text field not stored). Only the
        table's words are read from its file, unless the whole table is
        loaded already (for :meth:`complete`)."""
        if len(self._counted_fields) != len(self.text_fields):
            return None
        if self.path is None:
            return self._memory_table(reader).word_counts(), reader.doc_count()
        key = _complete.file_key(self.path)
        if key is None or (self.path / _complete.STALE_MARK).exists():
            return None
        if self._completions is not None and self._completions[0] == key:
            counts, stamp = self._completions[1].word_counts(), self._completions[2]
            self._word_table = None  # the whole table serves
        elif self._word_table is not None and self._word_table[0] == key:
            counts, stamp = self._word_table[1:]
        else:
            try:
                found = _complete.read_word_counts(self.path)
            except (IncompatibleIndexError, OSError):  # damaged or unreadable: the engine's own words serve
                return None
            if found is None:
                return None
            counts, stamp = found
            self._word_table = (key, counts, stamp)
        documents = reader.doc_count()
        return (counts, documents) if _complete.stamp_counts(stamp, documents) else None

    def complete(self, text: str, limit: int = 10) -> list[Completion]:
        """Completions of ``text`` as it is typed in a search box: its last
        word completed from the index's own words and two-word phrases.

        The typed text is normalized like the index (diacritics, hamza
        forms, ى/ي, ة/ه, tatweel), and each completion shows the word as the
        index's documents most often write it (الأمن, not الامن). Phrases
        the previous word begins come first, then single words; each group
        by ``count``, the documents holding the phrase or word (see
        :meth:`arsearch.complete.Completions.complete` for clitics and
        ties). A text ending with a space completes the next word from the
        phrases. The table is kept in the index, updated at each commit.

        >>> ix = Index.memory()
        >>> with ix:
        ...     ix.add({"id": "1", "title": "مجلس الأمن", "body": "اجتمع مجلس الأمن في نيويورك"})
        ...     ix.add({"id": "2", "title": "مجلس الأمة", "body": "الانتخابات التشريعية"})
        >>> [(c.text, c.count) for c in ix.complete("مجلس الا")]
        [('مجلس الأمن', 1), ('مجلس الأمة', 1), ('مجلس الانتخابات', 1)]
        >>> [c.text for c in ix.complete("الإنتخـا")]
        ['الانتخابات']
        """
        if not isinstance(text, str):
            raise QueryError(f"text must be str, not {type(text).__name__}")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise QueryError(f"limit must be a non-negative integer, not {limit!r}")
        text = _clean_query(text)
        head = ""
        if len(text) > MAX_QUERY_CHARS:  # only the last words matter: complete the end of a long text
            cut = len(text) - MAX_QUERY_CHARS
            space = next((i for i in range(cut, len(text)) if text[i].isspace()), len(text))
            head, text = text[:space], text[space:]
        with self._lock:
            table = self._reading_completions(self._reader())
        found = table.complete(text, self.analyzer, limit)
        return [Completion(head + c.text, c.count) for c in found] if head else found

    # -- reading -------------------------------------------------------------------
    def _reader(self) -> Reader:
        self._check_open()
        reader = self._store.reader()
        if self._speller is not None and self._speller[0] is not reader:
            self._speller = None  # it holds the previous reader (and its caches)
        return reader

    def refresh(self) -> None:
        """See commits made since the last search (by this or another process)."""
        with self._lock:
            self._reader()

    def __len__(self) -> int:
        with self._lock:
            return self._reader().doc_count()

    def __contains__(self, doc_id: object) -> bool:
        with self._lock:
            return isinstance(doc_id, str) and self._reader().document(doc_id) is not None

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """The stored fields of a document, or None."""
        with self._lock:
            return self._reader().document(doc_id)

    def documents(self) -> list[dict[str, Any]]:
        """The stored fields of every document (``arsearch export --from``).

        >>> ix = Index.memory()
        >>> ix.add({"id": "1", "title": "", "body": "نص"}); ix.commit()
        >>> [(d["id"], d["body"]) for d in ix.documents()]
        [('1', 'نص')]
        """
        with self._lock:
            return list(self._reader().documents())

    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        fields: Sequence[str] | None = None,
        filter: Mapping[str, Any] | None = None,  # noqa: A002 - the natural name
        *,
        sort: str | None = None,
        facets: Sequence[str] | None = None,
        snippet_format: str = "html",
        snippet_chars: int = 240,
        fragments: int = 1,
        snippet_field: str | None = None,
        arabizi: bool = True,
    ) -> Results:
        """Search with the arsearch query language; returns ranked :class:`Results`.

        ``arabizi`` reads Latin query words the index does not know, or that
        hold Arabizi digits (``7ekouma``, ``tounes``), as Arabic too
        (:mod:`arsearch.arabizi`): their readings found in the index are
        searched as close spellings and reported in :attr:`Results.read_as`.
        ``arabizi=False`` searches Latin words as they are.

        ``fields`` restricts the text fields searched; ``filter`` keeps only
        documents whose keyword/numeric/date fields match (see
        :func:`~arsearch.filters.compile_filter`). ``sort`` orders all the
        hits by a keyword, numeric or date field instead of relevance:
        ``"year"`` ascending, ``"-year"`` descending; documents without a
        value come last, equal values by relevance, then in index order
        (see :class:`~arsearch.filters.SortKey`). ``facets`` names keyword
        fields whose values are counted over all the hits
        (:attr:`Results.facets`). Query text never raises: malformed
        syntax degrades to plain words. Bad arguments raise
        :class:`QueryError`.

        >>> ix = Index.memory({"title": "text", "body": "text", "source": "keyword", "year": "numeric"})
        >>> with ix:
        ...     ix.add({"id": "1", "body": "مكتبة المدرسة", "source": "bbc", "year": 2019})
        ...     ix.add({"id": "2", "body": "مكتبة", "source": "cnn", "year": 2021})
        ...     ix.add({"id": "3", "body": "مكتبات المدينة", "source": "bbc", "year": 2020})
        >>> res = ix.search("مكتبة", sort="-year", facets=["source"], filter={"year": (2020, None)})
        >>> [hit.id for hit in res], res.facets
        (['2', '3'], {'source': {'bbc': 1, 'cnn': 1}})
        """
        import time

        t0 = time.perf_counter()
        if not isinstance(query, str):
            raise QueryError(f"query must be str, not {type(query).__name__}")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in (limit, offset)):
            raise QueryError("limit and offset must be non-negative integers")
        for name, value in (("snippet_chars", snippet_chars), ("fragments", fragments)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise QueryError(f"{name} must be an integer, not {value!r}")
        if snippet_field is not None and snippet_field not in self.text_fields:
            raise QueryError(f"snippet_field must be a text field ({', '.join(self.text_fields)}), not {snippet_field!r}")
        if snippet_format not in FORMATS:
            raise QueryError(f"unknown snippet format {snippet_format!r}; choose one of {', '.join(FORMATS)}")
        search_fields = self._search_fields(fields)
        shown = hit_fields(self.text_fields, search_fields, snippet_field)
        query = _clean_query(query)
        flt = compile_filter(filter, self.fields)
        sort_key = compile_sort(sort, self.fields)
        facet_fields = check_facets(facets, self.fields)
        with self._lock:
            engine = self._reader()
            plan = build_plan(query, self.fields, self.analyzer, self.ranking, search_fields, lexicon=engine,
                              arabizi=arabizi, vocabulary=functools.partial(self._word_counts, engine))
            read_as = {" ".join(words): readings for words, readings in plan.readings}
            if plan.empty:
                return Results(query, [], 0, offset, (time.perf_counter() - t0) * 1000, plan.warnings,
                               read_as, plan.readings, functools.partial(self.suggest, query),
                               facets={f: {} for f in facet_fields})
            if sort_key is None:
                top, total = engine.top(plan, offset + limit, flt)
            else:
                top, total = engine.top(plan, offset + limit, flt, sort=sort_key)
            counts = engine.facets(plan, flt, facet_fields) if facet_fields else {}
            # one plan for the engine and the highlighter: mark what made each document a hit
            matchers = {f: QueryMatcher.from_plan(plan, f) for f in self.text_fields}
            options = {"format": snippet_format, "max_chars": snippet_chars, "fragments": fragments}
            hits = [
                make_hit(engine.stored(docnum), score, rank, shown, matchers, self.analyzer, options)
                for rank, (docnum, score) in enumerate(top[offset:], start=offset + 1)
            ]
        warnings = plan.warnings + _long_text_warnings(hits, self.text_fields)
        facet_counts = {f: dict(sorted(counts.get(f, {}).items(), key=lambda kv: (-kv[1], kv[0]))) for f in facet_fields}
        return Results(query, hits, int(total), offset, (time.perf_counter() - t0) * 1000, warnings,
                       read_as, plan.readings, functools.partial(self.suggest, query), facets=facet_counts)

    def suggest(self, query: str) -> str | None:
        """``query`` with its misspelled words corrected from the index's own
        vocabulary ("did you mean"), or None when no word needs correcting.

        A word is corrected when no document has its term (or very few do,
        and a close word is far more frequent); see
        :class:`~arsearch.suggest.Speller`. Operators, quotes, fields,
        prefixes, Latin words and the words spelled fine are kept as typed.

        >>> ix = Index.memory()
        >>> with ix:
        ...     ix.add({"id": "1", "title": "تونس", "body": "زار الرئيس تونس العاصمة"})
        >>> ix.suggest('تونسس +العاصمه')
        'تونس +العاصمه'
        >>> ix.suggest("الرئيس") is None
        True
        """
        if not isinstance(query, str):
            raise QueryError(f"query must be str, not {type(query).__name__}")
        with self._lock:
            engine = self._reader()
            cached = self._speller
            if cached is None or cached[0] is not engine:  # one speller (and df cache) per reader
                fields = self.text_fields

                def df(term: str) -> int:
                    if not engine.has_term(term, fields):  # most candidates are absent: the cheaper check first
                        return 0
                    return max((engine.df(f, term) for f in fields), default=0)

                speller = Speller(self.analyzer, df, documents=engine.n)
                if engine.has_field(VOCABULARY_FIELD):
                    # over the words as written (a typo that is another word's stem is still no
                    # word), falling back to stems for a word the index never writes that way
                    words = [VOCABULARY_FIELD]

                    def surface_df(word: str) -> int:
                        return engine.df(VOCABULARY_FIELD, word) if engine.has_term(word, words) else 0

                    speller = Speller.over_surface_forms(self.analyzer, surface_df, documents=engine.n, fallback=speller)
                cached = self._speller = (engine, speller)
            return cached[1].suggest(truncate_query(_clean_query(query)))

    def _search_fields(self, fields: Sequence[str] | None) -> list[str]:
        if fields is None:
            return list(self.text_fields)
        if isinstance(fields, str):
            fields = [fields]
        if not isinstance(fields, (list, tuple)):
            raise QueryError(f"fields must be a list of field names, not {type(fields).__name__}")
        unknown = [f for f in fields if f not in self.text_fields]
        if unknown or not fields:
            raise QueryError(f"cannot search fields {unknown or fields}; text fields are {', '.join(self.text_fields)}")
        return list(fields)

    # -- introspection ---------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Documents, distinct terms per text field, segments, size on disk, analyzer version."""
        with self._lock:
            reader = self._reader()
            extra = reader.stats()
            size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file()) if self.path else None
            return {
                "path": str(self.path) if self.path else None,
                "engine": self.engine,
                "documents": reader.doc_count(),
                "deleted": extra["deleted"],
                "terms": {f: extra["terms"].get(f, 0) for f in self.text_fields} if extra["terms"] is not None else None,
                "segments": extra["segments"],
                "size_bytes": size,
                "fields": {n: f.kind for n, f in self.fields.items()},
                "analyzer": {"name": self.analyzer.name, "version": self.analyzer.version},
                "representations": [list(r) for r in self.ranking.representations],
            }

    def __repr__(self) -> str:
        return f"Index({str(self.path) if self.path else '<memory>'!s})"


def _meta(fields: Mapping[str, Field], analyzer: Analyzer, ranking: Ranking, engine: str) -> dict[str, Any]:
    from . import __version__

    return {
        "format": FORMAT_VERSION,
        "engine": engine,
        "arsearch": __version__,
        "analyzer": {"name": analyzer.name, "version": analyzer.version, "config": analyzer.config()},
        "fields": {n: {"kind": f.kind, "stored": f.stored, "boost": f.boost} for n, f in fields.items()},
        "ranking": ranking.to_json(),
    }


class _Job:
    """``fn(*args)`` on a thread of its own; :meth:`result` waits for it and
    returns its value or raises its exception."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self._outcome: tuple[bool, Any] = (False, RuntimeError("the job did not finish"))

        def run() -> None:
            try:
                self._outcome = (True, fn(*args))
            except BaseException as e:  # noqa: BLE001 - raised again by result()
                self._outcome = (False, e)

        self._thread = threading.Thread(target=run, name="arsearch-completions", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> Any:
        self.wait()
        ok, value = self._outcome
        if not ok:
            raise value
        return value


def _write_step(step: Callable[[], object], folder: Path, note: str = "the last commit is kept") -> None:
    """Run a write to the index folder; an OS error becomes :class:`IndexWriteError`."""
    try:
        step()
    except OSError as e:
        raise IndexWriteError(f"cannot write the completions of the index at {folder}: {e.strerror or e}; {note}",
                              e.errno) from e


def _remove_other_engines(path: Path, engine: str) -> None:
    """Remove the files other engines left in an index folder being overwritten."""
    import shutil

    # an engine that is not installed cannot have written here through this arsearch
    others = [store_class(name) for name in _engines.available_engines() if name != engine]
    for entry in path.iterdir():
        if any(other.owns(entry.name) for other in others):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def _check_extra(extra: str) -> None:
    if extra not in ("error", "ignore"):
        raise ValueError(f"extra must be 'error' or 'ignore', not {extra!r}")


def _check_id(doc_id: str) -> None:
    """Refuse an id holding NUL: stored without it, it could not be found or deleted by the id given."""
    if "\x00" in doc_id:
        raise DocumentError(f"document id {doc_id!r} contains a NUL character (\\x00); ids cannot hold NUL")


def _clean_text(value: str, name: str, doc_id: str) -> str:
    """Reject text Whoosh cannot store (lone surrogates); drop NUL characters."""
    if type(value) is not str:  # a str subclass: store a plain str (unpickling must not need its class)
        value = str.__str__(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise DocumentError(f"document {doc_id!r}: field {name!r} is not valid Unicode text ({e.reason})") from e
    return value.replace("\x00", "") if "\x00" in value else value


def hit_fields(
    text_fields: Sequence[str], search_fields: Sequence[str], snippet_field: str | None = None
) -> tuple[str, str | None, list[str]]:
    """Where a hit's snippet and title come from: the snippet field (``body``
    by default, else the last text field), the title field (``title``, else
    the first other text field; None if there is none), and the other text
    fields a hit found only there shows as its snippet, searched ones first."""
    snippet_field = snippet_field or ("body" if "body" in text_fields else text_fields[-1])
    title_field = next((f for f in ("title", *text_fields) if f in text_fields and f != snippet_field), None)
    fallbacks = [f for f in dict.fromkeys((*search_fields, *text_fields)) if f not in (snippet_field, title_field)]
    return snippet_field, title_field, fallbacks


def make_hit(
    stored: dict[str, Any], score: float, rank: int, shown: tuple[str, str | None, list[str]],
    matchers: Mapping[str, QueryMatcher], analyzer: Analyzer, options: Mapping[str, Any],
) -> Hit:
    """A :class:`Hit` of a document's stored fields (with its ``id``), its
    snippet and title highlighted on first access by ``matchers`` (the
    plan's); ``shown`` is :func:`hit_fields`' answer, ``options`` the
    snippets' ``format``, ``max_chars`` and ``fragments`` (the title has one)."""
    snippet_field, title_field, fallbacks = shown
    render = functools.partial(_snippet, stored, [snippet_field, *fallbacks], matchers, analyzer, **options)
    render_title = (
        functools.partial(_snippet, stored, [title_field], matchers, analyzer, **{**options, "fragments": 1})
        if title_field
        else None
    )
    explain = functools.partial(_explain, dict(stored), matchers, analyzer)
    doc_id = stored.pop(ID_FIELD)
    return Hit(doc_id, score, stored, rank, render, _render_title=render_title, _explain=explain)


def _snippet(
    stored: Mapping[str, Any], fields: Sequence[str], matchers: Mapping[str, QueryMatcher], analyzer: Analyzer,
    **options: Any,
) -> str:
    """The snippet of the first of ``fields`` (the snippet field, then the
    other searched text fields) whose text has a match; else the snippet
    field's opening."""
    marks = (FORMATS[options["format"]][0], NEAR_FORMATS[options["format"]][0])
    first = ""
    for name in fields:
        text = stored.get(name)
        if not isinstance(text, str) or not text:
            continue
        out = highlight_matches(text, matchers[name], analyzer, **options)
        if any(m in out for m in marks):
            return out
        first = first or out
    return first


def _long_text_warnings(hits: Sequence[Hit], fields: Sequence[str]) -> tuple[str, ...]:
    """A warning for each text of a hit longer than the highlighter scans for its snippet."""
    return tuple(
        f"document {hit.id!r}: its {name} has {len(text):,} characters; a match past the first "
        f"{MAX_SCAN_TOTAL:,} is not marked in its snippet"
        for hit in hits
        for name in fields
        if isinstance(text := hit.fields.get(name), str) and len(text) > MAX_SCAN_TOTAL
    )


def _explain(stored: Mapping[str, Any], matchers: Mapping[str, QueryMatcher], analyzer: Analyzer) -> list[Match]:
    out: list[Match] = []
    for name, matcher in matchers.items():
        text = stored.get(name)
        if isinstance(text, str) and text:
            out.extend(m._replace(field=name) for m in matcher.explain(text, analyzer))
    return out


def _clean_query(query: str) -> str:
    return query.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")
