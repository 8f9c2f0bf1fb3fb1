"""The record of which input files ``arsearch index`` read into an index.

It lives beside the index's metadata, in :data:`MANIFEST_FILE`, and is what
lets a re-run skip the files that did not change and ``--sync`` remove the
documents of files that are gone. One JSON object::

    {"version": 1,
     "sources": {"/abs/path/news.jsonl": {"size": 1234, "mtime_ns": 1700000000000000000,
                                          "sha256": "9f86…", "settings": "…", "ids": ["1", "2"]}},
     "orphans": ["7"]}

* a source is keyed by its real path (the same file typed as ``./a``,
  ``a`` or ``/abs/a`` is one file);
* ``size`` and ``mtime_ns`` tell an unchanged file at the cost of a
  ``stat``; when the size is the same but the time differs (a copy, a
  ``touch``, a checkout) the content's ``sha256`` decides;
* ``settings`` fingerprints what changes the documents read from a file
  (the index's fields, the reading options): a file read with other
  settings is read again;
* ``ids`` are the documents written from the file, for ``--sync``;
* ``orphans`` are ids written by an earlier version of a file that its new
  version no longer holds: left in the index by a run without ``--sync``,
  removed by the next run with it.

The file is rewritten whole, atomically (a temporary file, fsync, rename),
right after the commit it describes. If a crash comes between the two, the
next run reads again the files the record misses: the documents are
replaced, not duplicated.

Example:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> src = folder / "a.jsonl"
    >>> _ = src.write_text('{"id": "1", "text": "نص"}\\n', encoding="utf-8")
    >>> m = Manifest.load(folder)
    >>> state = m.state(src)
    >>> m.unchanged(src, state, "s")
    False
    >>> m.record(src, state, "s", ["1"])
    >>> m.save()
    >>> Manifest.load(folder).unchanged(src, m.state(src), "s")
    True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Manifest", "FileState", "MANIFEST_FILE"]

MANIFEST_FILE = "arsearch-sources.json"
VERSION = 1
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileState:
    """What the record keeps of a file: its size, modification time and, when
    needed, its content's SHA-256."""

    size: int
    mtime_ns: int
    sha256: str | None = None


def sha256_of(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def source_key(path: str | os.PathLike[str]) -> str:
    """The key of a file in the record: its real, absolute path."""
    return os.path.realpath(path)


class Manifest:
    """The record of the input files of the index in ``folder`` (see the module)."""

    def __init__(self, folder: Path, sources: dict[str, dict[str, Any]] | None = None,
                 orphans: Iterable[str] = (), *, existed: bool = False) -> None:
        self.folder = folder
        self.sources: dict[str, dict[str, Any]] = sources or {}
        self.orphans: set[str] = set(orphans)
        #: Whether the index had a readable record before this run.
        self.existed = existed

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Manifest:
        """The record in ``folder``; an empty one when there is none or it is
        unreadable (every file is then read again: nothing is lost)."""
        folder = Path(folder)
        try:
            data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError("not a version 1 record")
            sources = data["sources"]
            orphans = data.get("orphans", [])
            if not isinstance(sources, dict) or not all(
                isinstance(e, dict) and isinstance(e.get("ids"), list) for e in sources.values()
            ):
                raise ValueError("malformed sources")
        except (OSError, ValueError, KeyError, TypeError):
            return cls(folder)
        return cls(folder, sources, [str(i) for i in orphans], existed=True)

    # -- reading the record -------------------------------------------------------------
    def ids(self) -> set[str]:
        """Every id the record knows (from a file, or orphaned)."""
        out = set(self.orphans)
        for entry in self.sources.values():
            out.update(entry["ids"])
        return out

    @staticmethod
    def state(path: str | os.PathLike[str]) -> FileState:
        """The size and modification time of ``path`` (its content hash is taken on demand)."""
        st = os.stat(path)
        return FileState(st.st_size, st.st_mtime_ns)

    def unchanged(self, path: str | os.PathLike[str], state: FileState, settings: str) -> bool:
        """Whether ``path`` is recorded with this size and time (or, the time
        changed, with this content) and read with the same ``settings``."""
        entry = self.sources.get(source_key(path))
        if entry is None or entry.get("settings") != settings or entry.get("size") != state.size:
            return False
        if entry.get("mtime_ns") == state.mtime_ns:
            return True
        try:
            same = entry.get("sha256") == sha256_of(path)
        except OSError:
            return False
        if same:  # touched or copied, same bytes: remember the new time
            entry["mtime_ns"] = state.mtime_ns
        return same

    # -- changing it --------------------------------------------------------------------
    def record(self, path: str | os.PathLike[str], state: FileState, settings: str, ids: Iterable[str]) -> None:
        """Record ``path`` as read (in ``state``) with ``ids`` written from it.
        Ids its previous version had and this one lacks become orphans; ids
        now written from it stop being another file's."""
        key = source_key(path)
        new = list(dict.fromkeys(ids))
        old = self.sources.get(key)
        if old is not None:
            self.orphans.update(set(old["ids"]) - set(new))
        self.orphans.difference_update(new)
        sha = state.sha256
        if sha is None:
            try:
                sha = sha256_of(path)
            except OSError:
                sha = None
        self.sources[key] = {
            "size": state.size, "mtime_ns": state.mtime_ns, "sha256": sha, "settings": settings, "ids": new,
        }

    def claim(self, written: Iterable[str], unfinished: Iterable[str] = ()) -> None:
        """Ids written in this run stop being any recorded file's (the last
        file read wins; :meth:`record` then gives each finished file its
        own). Those written from ``unfinished`` files (a run interrupted
        mid-file) become orphans until their file is read again."""
        written = set(written)
        if written:
            for entry in self.sources.values():
                if not written.isdisjoint(entry["ids"]):
                    entry["ids"] = [i for i in entry["ids"] if i not in written]
        self.orphans.update(unfinished)

    def gone(self, roots: Iterable[str | os.PathLike[str]] = (), present: Iterable[str | os.PathLike[str]] = ()) -> list[str]:
        """Keys of the recorded files that are gone: deleted, or under one of
        the folders ``roots`` and not among ``present`` (found there this run)."""
        roots_real = [source_key(r) for r in roots]
        found = {source_key(p) for p in present}
        out = []
        for key in self.sources:
            if not os.path.isfile(key):
                out.append(key)
            elif key not in found and any(key.startswith(r.rstrip(os.sep) + os.sep) for r in roots_real):
                out.append(key)
        return out

    def removals(self, keys: Iterable[str]) -> set[str]:
        """The ids to delete for ``keys`` (files gone) and the orphans, except
        ids another recorded file holds; forgets those files and orphans."""
        keys = set(keys)
        doomed = set(self.orphans)
        for key in keys:
            doomed.update(self.sources.pop(key)["ids"])
        self.orphans = set()
        for entry in self.sources.values():
            doomed.difference_update(entry["ids"])
        return doomed

    def save(self) -> None:
        """Write the record atomically (temporary file, fsync, rename)."""
        data = {"version": VERSION, "sources": self.sources, "orphans": sorted(self.orphans)}
        path = self.folder / MANIFEST_FILE
        tmp = self.folder / (MANIFEST_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
