"""Engines: where documents are stored and plans are run.

Layers: text analysis (:mod:`arsearch.analysis`) → query plan
(:mod:`arsearch.query`) → the engine interface (:mod:`.base`) → an engine,
:mod:`.whoosh` (the default, pure Python) or :mod:`.tantivy` (Rust, via
tantivy-py; ``pip install 'arsearch[tantivy]'``). Nothing outside this
package imports an engine's library.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..errors import ArsearchError
from .base import DocRef, Reader, Store

__all__ = ["DEFAULT_ENGINE", "ENGINES", "DocRef", "Reader", "Store", "store_class", "available_engines", "file_lock"]

DEFAULT_ENGINE = "whoosh"
#: Engine name → (module, store class, the pip extra that installs its library).
ENGINES: dict[str, tuple[str, str, str]] = {
    "whoosh": ("arsearch.engines.whoosh.store", "WhooshStore", ""),
    "tantivy": ("arsearch.engines.tantivy.store", "TantivyStore", "arsearch[tantivy]"),
}


def store_class(engine: str) -> Any:
    """The store class of ``engine``; :class:`~arsearch.ArsearchError` when it
    is unknown or its library is not installed."""
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ArsearchError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    module, name, extra = ENGINES[engine]
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as e:
        hint = f": pip install '{extra}'" if extra else ""
        raise ArsearchError(f"the {engine} engine needs a library that is not installed ({e.name}){hint}") from e


def available_engines() -> list[str]:
    """The engines whose library is installed."""
    out = []
    for engine in ENGINES:
        try:
            store_class(engine)
        except ArsearchError:
            continue
        out.append(engine)
    return out


def file_lock(path: Path) -> Any:
    """An advisory lock on ``path`` (``flock`` on POSIX), the kind both
    engines take for their writers: ``acquire(blocking=False)`` / ``release()``."""
    from whoosh.util.filelock import FileLock

    return FileLock(str(path))
