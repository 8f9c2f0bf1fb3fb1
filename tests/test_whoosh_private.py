"""The private Whoosh names the Whoosh engine relies on exist in the installed
Whoosh (arsearch/engines/whoosh/private.py lists them), on real instances
where they are instance attributes; and only private.py imports them."""

from __future__ import annotations

import ast
import importlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PostingsWriter, W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Frequency

from arsearch import Index
from arsearch.engines.whoosh import private
from arsearch.engines.whoosh.schema import ArabicCodec
from arsearch.engines.whoosh.writer import GroupedSegmentWriter

WHOOSH_ENGINE = Path(private.__file__).parent


def _resolve(dotted: str) -> Any:
    """``whoosh.columns.NumericColumn.Reader`` → the class (module path, then attributes)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real instance of each class in PRIVATE_ATTRIBUTES, from a real index."""
    path = tmp_path_factory.mktemp("private") / "ix"
    ix = Index.create(path)
    with ix:
        for i in range(20):
            ix.add({"id": f"d{i}", "title": "المكتبة", "body": f"ذهب الطلاب إلى المكتبة رقم{i}"})
    ix = Index.open(path)
    engine = ix._store.reader()
    reader = engine.segments[0].reader
    wix = ix._store._wix
    writer = GroupedSegmentWriter(wix, codec=ArabicCodec())
    postings_writer = W3PostingsWriter(StructFile(io.BytesIO()), blocklimit=128)
    postings_writer.start_postings(Frequency(), W3TermInfo())
    made: dict[str, Callable[[], Any]] = {
        "whoosh.codec.whoosh3.W3Codec": ArabicCodec,
        "whoosh.codec.whoosh3.W3PostingsWriter": lambda: postings_writer,
        "whoosh.codec.whoosh3.W3TermInfo": W3TermInfo,
        "whoosh.codec.whoosh3.W3FieldWriter": lambda: writer.fieldwriter,
        "whoosh.filedb.filetables.OrderedHashWriter": lambda: writer.fieldwriter._tindex,
        "whoosh.util.numlists.GrowableArray": lambda: writer.fieldwriter._tindex.index,
        "whoosh.codec.whoosh3.W3PerDocReader": lambda: reader._perdoc,
        "whoosh.columns.NumericColumn.Reader": lambda: reader._perdoc._cached_reader(
            private._lenfield("body"), LENGTHS_COLUMN
        ),
        "whoosh.codec.whoosh3.W3LeafMatcher": lambda: reader._terms.matcher(
            "body", "مكتب".encode(), reader.schema["body"].format
        ),
        "whoosh.reading.SegmentReader": lambda: reader,
        "whoosh.codec.whoosh3.W3TermsReader": lambda: reader._terms,
        "whoosh.writing.SegmentWriter": lambda: writer,
        "whoosh.multiproc.MpWriter": lambda: _resolve("whoosh.multiproc.MpWriter"),  # methods only: the class
        "whoosh.index.FileIndex": lambda: wix,
    }
    out = {name: make() for name, make in made.items()}
    yield out
    writer.cancel()
    ix.close()


def test_every_listed_class_has_a_real_instance_here(instances: dict[str, Any]) -> None:
    assert set(instances) == set(private.PRIVATE_ATTRIBUTES)


@pytest.mark.parametrize("dotted", sorted(private.PRIVATE_ATTRIBUTES))
def test_private_attributes_exist(instances: dict[str, Any], dotted: str) -> None:
    cls = _resolve(dotted)
    obj = instances[dotted]
    assert obj is cls or isinstance(obj, cls), (dotted, type(obj))
    missing = [name for name in private.PRIVATE_ATTRIBUTES[dotted] if not hasattr(obj, name)]
    assert not missing, f"{dotted} lacks {missing} in this Whoosh"


def test_module_level_private_names_exist() -> None:
    assert private._INT_SIZE == 4
    assert private._lenfield("body") == "_body_len"
    for module, names in private.REBOUND_NAMES.items():
        for name in names:
            assert hasattr(importlib.import_module(module), name), (module, name)
    for module, name in private.PICKLE_LOADERS.items():
        assert hasattr(importlib.import_module(module), name), (module, name)


def test_only_private_py_imports_private_whoosh_names() -> None:
    offenders = []
    for source in sorted(WHOOSH_ENGINE.glob("*.py")):
        if source.name == "private.py":
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                offenders += [f"{source.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert not offenders
