"""The storage interface every engine implements.

:class:`~arsearch.Index` validates documents, plans queries and highlights
hits; an engine's :class:`Store` keeps the documents (writing, replacing by
id, deleting, committing, locking) and its :class:`Reader` runs a query
:class:`~arsearch.query.Plan` against one committed state of the index.
Nothing outside :mod:`arsearch.engines` imports an engine's library.

The documents a store receives are already checked (see ``Index.add``):
``{"id": str, <text field>: str, <keyword field>: "a,b", <numeric field>:
float, <date field>: datetime}``. A store analyzes text fields with the
index's :class:`~arsearch.Analyzer` and its ranking's representations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from ..filters import Condition, SortKey
from ..query import Plan

__all__ = ["Reader", "Store", "DocRef"]

#: An engine's handle on one document of one reader (a docnum, an address):
#: valid for that reader only.
DocRef = Any


class Reader(Protocol):
    """One committed state of an index: statistics, the term dictionary (the
    planner's :class:`~arsearch.query.Lexicon`), plan execution and stored
    fields. A new commit needs a new reader (see :meth:`Store.reader`)."""

    #: Documents in the docnum space (deleted ones included): the N of idf.
    n: int
    #: The query planner's lookups for this reader (see :class:`~arsearch.query.Lexicon`).
    memo: dict[Any, Any]

    def has_term(self, term: str, fields: Sequence[str]) -> bool:
        """Whether ``term`` is in the term dictionary of one of ``fields``."""

    def df(self, field: str, term: str) -> int:
        """Documents holding ``term`` in ``field``."""

    def has_field(self, field: str) -> bool:
        """Whether the index has this field (older indexes lack newer internal fields)."""

    def top(
        self, plan: Plan, k: int, conditions: Sequence[Condition] | None = None, sort: SortKey | None = None
    ) -> tuple[list[tuple[DocRef, float]], int]:
        """The best ``k`` hits of ``plan`` among the live documents meeting
        ``conditions``, best first (ties in index order), and how many hits
        there are in all. With ``sort``, the first ``k`` of all the hits in
        the order :class:`~arsearch.filters.SortKey` describes (scores are
        still the relevance scores)."""

    def facets(
        self, plan: Plan, conditions: Sequence[Condition] | None, fields: Sequence[str]
    ) -> dict[str, dict[str, int]]:
        """For each keyword field of ``fields``: how many of all the hits of
        ``plan`` (meeting ``conditions``) hold each of its values (as
        indexed, lower-cased); values no hit holds are left out."""

    def stored(self, doc: DocRef) -> dict[str, Any]:
        """The stored fields of a document returned by :meth:`top` (with ``id``)."""

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The stored fields of the live document with this id, or None."""

    def doc_count(self) -> int:
        """Live documents."""

    def documents(self) -> Iterator[dict[str, Any]]:
        """The stored fields (with ``id``) of every live document, in no set
        order (rebuilding what is derived from them, e.g. completions)."""

    def stats(self) -> dict[str, Any]:
        """``deleted`` (documents marked deleted, not yet merged away),
        ``segments`` and ``terms`` (distinct terms per text field, or None
        where the engine cannot count them)."""


class Store(Protocol):
    """An index's storage: documents, their pending changes and the write lock."""

    #: The engine's name ("whoosh", "tantivy"), recorded in the index metadata.
    engine: str
    path: Path | None
    #: The writer's memory budget in MiB (:mod:`arsearch.memory`), read when a batch begins.
    memory_mb: int
    #: Whether :meth:`commit` runs outside the GIL (native code), so that the
    #: index can update its completions on another thread meanwhile.
    commits_outside_gil: bool

    def reader(self) -> Reader:
        """A reader of the last commit (the same object until the index changes)."""

    def begin(self, procs: int = 1) -> None:
        """Take the write lock and start a batch (``procs`` analyzing processes),
        unless one is open. Raises :class:`~arsearch.IndexLockedError`."""

    @property
    def writing(self) -> bool:
        """Whether a batch is open."""

    def write(self, doc: Mapping[str, Any]) -> None:
        """Add a document to the batch, replacing (at commit) any with its id."""

    def delete(self, doc_id: str) -> int:
        """Delete the document with this id, committed or pending; 0 or 1."""

    def commit(self, optimize: bool = False) -> None:
        """Make the batch durable and visible, release the lock; ``optimize``
        merges the index into one segment."""

    def compact(self) -> None:
        """Commit the batch, then rewrite the index with no deleted documents,
        in as few segments as the engine makes (one on Whoosh)."""

    def cancel(self) -> None:
        """Drop the batch and release the write lock."""

    def close(self) -> None:
        """Cancel the batch and release files."""

    def segment_count(self) -> int:
        """Segments of the last commit."""
