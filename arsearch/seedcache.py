"""The bundled sample corpus (package ``arsearch.seeds``) and its cached index.

``arsearch search`` without ``--index`` searches :func:`seeds_index`: the
corpus indexed once into :func:`cache_root` and reused until the seed files,
the analyzer or the index format change.

(This module is not called ``seeds``: that name is taken by the data package
holding the corpus, which would shadow a module of the same name.)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .analysis import ANALYZER_VERSION, DEFAULT_ANALYZER
from .errors import ArsearchError
from .fields import DEFAULT_RANKING
from .index import FORMAT_VERSION, META_FILE, Index
from .sources import PROG, Feed, Reporter, Source, input_kind, os_reason, walk_sources

__all__ = ["seeds_dir", "cache_root", "seeds_digest", "seeds_index"]


def seeds_dir() -> Path:
    """The folder of the bundled sample corpus (package ``arsearch.seeds``)."""
    candidates: list[Path] = []
    try:
        import importlib.resources

        root = importlib.resources.files("arsearch.seeds")
        if isinstance(root, Path):
            candidates.append(root)
        else:  # a namespace package: a MultiplexedPath over real folders
            candidates.extend(child.parent for child in root.iterdir() if isinstance(child, Path))
    except (ImportError, TypeError, ValueError, AttributeError, OSError):
        pass  # e.g. an editable install where the sub-package does not resolve
    here = Path(__file__).resolve().parent
    candidates += [here / "seeds", here.parent / "seeds"]
    for folder in candidates:
        if folder.is_dir() and any(input_kind(p.name) for p in folder.iterdir() if p.is_file()):
            return folder
    raise ArsearchError("the bundled sample corpus (arsearch.seeds) is missing; search an index with --index INDEX_DIR")


def cache_root() -> Path:
    """``$ARSEARCH_CACHE``, ``$XDG_CACHE_HOME/arsearch`` or ``~/.cache/arsearch``."""
    if os.environ.get("ARSEARCH_CACHE"):
        return Path(os.environ["ARSEARCH_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "arsearch"
    return Path.home() / ".cache" / "arsearch"


def seeds_digest(sources: Sequence[Source]) -> str:
    """A hash of the seed files' names, sizes and mtimes, the analyzer version,
    the default ranking and the index format (and arsearch) version."""
    h = hashlib.sha256()
    for src in sources:
        st = src.path.stat()
        h.update(f"{src.label}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    from . import __version__

    ranking = json.dumps(DEFAULT_RANKING.to_json(), sort_keys=True)
    h.update(f"{ANALYZER_VERSION}\0{DEFAULT_ANALYZER.version}\0{ranking}\0{FORMAT_VERSION}\0{__version__}".encode())
    return h.hexdigest()[:16]


def seeds_index(
    root: Path | None = None, folder: Path | None = None, notify: Callable[[str], None] | None = None
) -> Index:
    """The index of the sample corpus, built once into ``root/seeds-<hash>``.

    It is rebuilt when the seed files or the analyzer change; if the cache
    cannot be written, the corpus is indexed in memory.
    """
    reporter = Reporter(sys.stderr)
    notify = notify or reporter.message
    sources = walk_sources(str(folder or seeds_dir()), reporter, relative=True)
    digest = seeds_digest(sources)
    try:
        root = root or cache_root()
    except (RuntimeError, KeyError, OSError) as e:  # no home folder
        notify(f"{PROG}: note: no cache folder ({e}); indexing the sample corpus in memory")
        return _fill(Index.memory(), sources, reporter)
    target = root / f"seeds-{digest}"
    if (target / META_FILE).is_file():
        try:
            return Index.open(target)
        except ArsearchError:
            pass  # damaged or from another version: build it again
    tmp: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".seeds-{digest}-", dir=root))
        notify(f"{PROG}: indexing the sample corpus into {target} (once)")
        _fill(Index.create(tmp), sources, reporter).close()
        _replace_dir(tmp, target)
        _remove_old_seeds(root, keep=target.name)
        return Index.open(target)
    except (OSError, ArsearchError) as e:
        notify(f"{PROG}: note: cannot write the cache in {root} ({os_reason(e)}); indexing the sample corpus in memory")
        return _fill(Index.memory(), sources, reporter)
    finally:
        if tmp is not None and tmp.exists():  # not moved into place
            shutil.rmtree(tmp, ignore_errors=True)


def _fill(ix: Index, sources: Sequence[Source], reporter: Reporter) -> Index:
    feed = Feed(sources, ix.fields, reporter)
    ix.add_many(feed, update=True, on_error=feed.on_error)
    return ix


def _replace_dir(tmp: Path, target: Path) -> None:
    """Move the freshly built ``tmp`` to ``target`` (atomically where possible)."""
    try:
        os.rename(tmp, target)
        return
    except OSError as e:
        if e.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EACCES, errno.EPERM) or not target.exists():
            raise
    # ``target`` exists: a damaged build, or another process just finished the same one.
    if (target / META_FILE).is_file():
        try:
            Index.open(target).close()
            return  # theirs is good; the caller removes ours
        except ArsearchError:
            pass
    shutil.rmtree(target, ignore_errors=True)
    os.rename(tmp, target)


def _remove_old_seeds(root: Path, keep: str) -> None:
    for old in root.glob("seeds-*"):
        if old.name != keep and re.fullmatch(r"seeds-[0-9a-f]{16}", old.name) and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
