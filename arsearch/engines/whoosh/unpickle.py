"""Loading Whoosh's pickles without running code from the index.

Whoosh stores the schema, the segment list, posting blocks and stored
fields as pickles, and unpickling can call any function the pickle names:
an index folder received from someone else could run a command when it is
opened. :func:`loads` and :func:`load` load a pickle through an unpickler
that resolves only the globals an index legitimately holds: Whoosh's and
arsearch's field, format, analyzer, column, codec and segment classes
(:data:`CLASS_MODULES`), plain containers and numbers, datetimes
(:data:`ALLOWED`). Any other global raises
:class:`~arsearch.IncompatibleIndexError` before it is imported or called.

:func:`install` puts these loaders in the places where Whoosh unpickles
index data (:data:`.private.PICKLE_LOADERS`). This applies to every Whoosh
index the process reads, not only arsearch's: Whoosh has no per-index hook.
A plain-Whoosh index whose schema names a class of its own needs
:func:`allow`.
"""

from __future__ import annotations

import importlib
import io
import pickle
import types
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from typing import IO, Any

from ...errors import IncompatibleIndexError
from .private import PICKLE_LOADERS

__all__ = ["ALLOWED", "CLASS_MODULES", "RestrictedUnpickler", "allow", "loads", "load", "install", "installed"]

#: Globals other than classes of :data:`CLASS_MODULES` that an index's pickles
#: name: (module, name).
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        # plain values pickled by reference (protocol 2 writes bytes as _codecs.encode)
        ("builtins", "int"),
        ("builtins", "float"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "bytearray"),
        ("_codecs", "encode"),
        ("collections", "defaultdict"),  # a segment's field lengths
        ("datetime", "datetime"),  # stored date fields
        ("datetime", "date"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("re", "_compile"),  # a Whoosh tokenizer's compiled expression
    }
)

#: Modules whose classes a schema or segment list may name: Whoosh's fields,
#: formats, sort columns, analyzers, languages and W3 codec, and arsearch's
#: (ArabicText, ArabicPositions, ArabicCodec, ArabicTokenizer, ArabicAnalyzer,
#: Analyzer). Only classes defined in Whoosh or arsearch qualify, by their
#: plain name (``os.system`` reached through a module's import does not).
CLASS_MODULES: tuple[str, ...] = (
    "whoosh.fields",
    "whoosh.formats",
    "whoosh.columns",
    "whoosh.analysis",
    "whoosh.lang",
    "whoosh.codec.whoosh3",
    "arsearch.analysis",
    "arsearch.engines.whoosh.schema",
    "arsearch.engines.whoosh.analysis",
)

#: Globals allowed with :func:`allow` (a plain-Whoosh index of this process
#: whose schema uses classes of its own).
_EXTRA: set[tuple[str, str]] = set()


def _refused(module: str, name: str) -> IncompatibleIndexError:
    return IncompatibleIndexError(
        f"the index holds a pickle naming {module}.{name}, which an arsearch index never does: it may have been "
        f"made to run code when opened, so it was not loaded. Open only indexes you trust, or rebuild it"
    )


def _key(module: str, name: str) -> tuple[str, str]:
    """``(module, name)`` as Python 3 names them (pickles from Python 2 say ``__builtin__.long``)."""
    if (module, name) in NAME_MAPPING:
        return NAME_MAPPING[(module, name)]
    return IMPORT_MAPPING.get(module, module), name


def _class_module(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in CLASS_MODULES)


def _resolve(module: str, name: str, find: Any) -> Any:
    """The global ``module.name`` if an index may name it (``find`` imports
    it), else :class:`~arsearch.IncompatibleIndexError`, raised before any
    module outside :data:`CLASS_MODULES` is imported."""
    key = _key(module, name)
    if key in ALLOWED or key in _EXTRA:
        return find(*key)
    if _class_module(key[0]) and "." not in key[1]:
        try:
            found = find(*key)
        except (ImportError, AttributeError):
            raise _refused(module, name) from None
        if isinstance(found, type) and _class_module(found.__module__):
            return found
    raise _refused(module, name)


def allow(module: str, name: str) -> None:
    """Let indexes name the global ``module.name`` too: for a plain-Whoosh
    index this process reads whose schema uses a class of your own (the
    restriction applies to every Whoosh index of the process)."""
    _EXTRA.add((module, name))


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals an index may name (see :func:`_resolve`)."""

    def find_class(self, module: str, name: str) -> Any:
        return _resolve(module, name, super().find_class)


#: From this many bytes on, :func:`loads` reads through a buffered reader:
#: the unpickler then reads ahead instead of calling read() for each opcode
#: (3× faster on a 17 KB posting block; 2× slower on a 20-byte one).
_BUFFERED_FROM = 512


def loads(data: bytes | bytearray | memoryview, **_kwargs: Any) -> Any:
    """``pickle.loads`` through :class:`RestrictedUnpickler`."""
    f = io.BytesIO(data)
    return RestrictedUnpickler(f if len(data) < _BUFFERED_FROM else io.BufferedReader(f)).load()


def load(file: IO[bytes], **_kwargs: Any) -> Any:
    """``pickle.load`` through :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(file).load()


class _PickleModule(types.ModuleType):
    """The pickle module with its loaders restricted (for ``whoosh.index.pickle``)."""

    loads = staticmethod(loads)
    load = staticmethod(load)
    Unpickler = RestrictedUnpickler

    def __getattr__(self, name: str) -> Any:
        return getattr(pickle, name)


def _restricted_renaming_unpickler() -> type:
    from whoosh.util.loading import RenamingUnpickler

    class _RestrictedRenamingUnpickler(RenamingUnpickler):  # type: ignore[misc]
        """Whoosh's unpickler of old tables of contents, resolving only :data:`ALLOWED`
        (checked before Whoosh renames a moved class to its new place)."""

        def find_class(self, module: str, name: str) -> Any:
            _resolve(module, name, pickle.Unpickler.find_class.__get__(self))
            return super().find_class(module, name)

    return _RestrictedRenamingUnpickler


def _replacements() -> dict[str, Any]:
    return {
        "pickle": _PickleModule("pickle"),
        "RenamingUnpickler": _restricted_renaming_unpickler(),
        "load_pickle": load,
        "loads": loads,
    }


_installed = False


def install() -> None:
    """Make Whoosh load every pickle it reads from an index through
    :class:`RestrictedUnpickler` (idempotent)."""
    global _installed
    if _installed:
        return
    replacements = _replacements()
    for module_name, attr in PICKLE_LOADERS.items():
        module = importlib.import_module(module_name)
        if not hasattr(module, attr):
            raise ImportError(f"{module_name}.{attr} is gone: this Whoosh cannot be read safely by arsearch")
        setattr(module, attr, replacements[attr])
    _installed = True


def installed() -> dict[str, bool]:
    """For each of Whoosh's loaders (``module.name``), whether it is restricted now."""
    out = {}
    for module_name, attr in PICKLE_LOADERS.items():
        value = getattr(importlib.import_module(module_name), attr)
        restricted = (
            value is load
            or value is loads
            or isinstance(value, _PickleModule)
            or (isinstance(value, type) and value.__name__ == "_RestrictedRenamingUnpickler")
        )
        out[f"{module_name}.{attr}"] = restricted
    return out
