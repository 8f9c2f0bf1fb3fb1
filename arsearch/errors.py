"""The exceptions arsearch raises for errors a caller can cause.

Everything derives from :class:`ArsearchError`, so one ``except`` clause
catches them all::

    >>> try:
    ...     raise IndexNotFoundError("no index at /tmp/nowhere")
    ... except ArsearchError as e:
    ...     print(e)
    no index at /tmp/nowhere
"""

from __future__ import annotations

__all__ = [
    "ArsearchError",
    "IndexNotFoundError",
    "IndexExistsError",
    "IncompatibleIndexError",
    "IndexCorruptedError",
    "IndexLockedError",
    "IndexWriteError",
    "IndexClosedError",
    "DocumentError",
    "SchemaError",
    "QueryError",
]


class ArsearchError(Exception):
    """Base class of every error arsearch raises on purpose."""


class IndexNotFoundError(ArsearchError):
    """The path holds no arsearch index."""


class IndexExistsError(ArsearchError):
    """``Index.create`` was asked to overwrite an existing index."""


class IncompatibleIndexError(ArsearchError):
    """The index was built with another analyzer version or format; rebuild it."""


class IndexCorruptedError(IncompatibleIndexError):
    """The index's files are damaged or were changed under it (truncated,
    zero-filled, replaced): restore them from a backup or rebuild the index."""


class IndexLockedError(ArsearchError):
    """Another writer holds the index's write lock."""


class IndexWriteError(ArsearchError):
    """The system refused a write to the index (a full disk, a read-only
    folder, a folder deleted under it); the message gives the OS's reason and
    ``errno`` its number. The last commit is kept and the write lock released."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        #: The OS error number (``errno.ENOSPC``...), or None.
        self.errno = errno


class IndexClosedError(ArsearchError):
    """The index was closed (:meth:`arsearch.Index.close`): open it again to
    write or search it."""


class DocumentError(ArsearchError, ValueError):
    """A document is malformed (missing id, wrong value types, unknown field)."""


class SchemaError(ArsearchError, ValueError):
    """A field declaration is invalid."""


class QueryError(ArsearchError, ValueError):
    """A search argument (not the query text itself) is invalid."""
