"""Reading input files into documents (engine-agnostic: no Whoosh here).

The inputs ``arsearch index`` takes — ``.txt``, ``.jsonl`` and ``.jsonl.gz``
files, or folders of them — become document dicts ready for
:meth:`arsearch.Index.add_many`. :func:`iter_documents` is the entry point
for library code; :func:`collect`, :class:`Feed` and :class:`Reporter` are
the pieces the command line drives (progress, per-file error limits, and
errors the index raises traced back to a file and line).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .errors import DocumentError
from .fields import Field, resolve_fields
from .terminal import printable

__all__ = ["iter_documents"]

#: The prefix of every message (the command's name).
PROG = "arsearch"
#: Input kinds by (lower-cased) file name ending, longest first.
SUFFIXES: tuple[tuple[str, str], ...] = ((".jsonl.gz", "jsonl.gz"), (".jsonl", "jsonl"), (".txt", "txt"))
SUPPORTED = ".txt, .jsonl or .jsonl.gz"
#: Errors shown per input file before the rest are only counted.
MAX_ERRORS_PER_FILE = 10

_EMPTY = "empty file"
_BINARY = "contains NUL bytes (a binary file?)"


def iter_documents(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    on_error: Callable[[str, str], None] | None = None,
    *,
    fields: Mapping[str, str | Field] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the documents in ``paths``: files, or folders searched recursively.

    * ``.txt`` — one document: ``id`` = the path as given (``/``-separated),
      ``title`` = its first non-empty line, ``body`` = the whole text (UTF-8);
    * ``.jsonl`` / ``.jsonl.gz`` — one JSON object per line: ``id`` and the
      declared ``fields`` (default ``title`` and ``body``); ``text`` is taken
      as the body; other keys are dropped.

    Folders are walked in sorted order (a folder's files before its
    subfolders), skipping hidden folders and files of other types. Bad
    inputs — a missing path, an unreadable, empty, binary or non-UTF-8 file,
    a broken JSON line, a row without text, an id already read — are skipped
    and reported to ``on_error(where, reason)`` (``where`` is the path, or
    ``"path line N"``); without ``on_error`` the first one raises
    :class:`~arsearch.DocumentError`. The documents are not checked
    against the schema: :meth:`arsearch.Index.add_many` does that, e.g.
    ``ix.add_many(iter_documents(paths, report, fields=ix.fields), update=True)``.

    Example:
        >>> import pathlib, tempfile
        >>> tmp = tempfile.TemporaryDirectory()
        >>> folder = pathlib.Path(tmp.name)
        >>> _ = (folder / "a.txt").write_text("المكتبة\\nذهب الطلاب إلى المكتبة", encoding="utf-8")
        >>> _ = (folder / "b.jsonl").write_text('{"id": 7, "text": "نص"}\\n{oops\\n', encoding="utf-8")
        >>> problems = []
        >>> docs = list(iter_documents(folder, on_error=lambda where, why: problems.append(why)))
        >>> docs[0]["title"], docs[1]
        ('المكتبة', {'id': 7, 'body': 'نص'})
        >>> problems
        ['broken JSON (Expecting property name enclosed in double quotes at column 2)']
        >>> tmp.cleanup()
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    reporter = _Callback(on_error)
    sources = collect([os.fspath(p) for p in paths], reporter)
    yield from Feed(sources, resolve_fields(fields), reporter)


# -- small shared helpers ------------------------------------------------------------------


def one_line(text: str) -> str:
    """``text`` with its whitespace runs (newlines included) made single spaces."""
    return " ".join(str(text).split())


def is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def os_reason(e: BaseException) -> str:
    """The reason of an error without its file name (``strerror`` for an OSError)."""
    if isinstance(e, OSError):
        return e.strerror or str(e) or type(e).__name__
    return str(e) or type(e).__name__


def input_kind(name: str) -> str | None:
    """``"txt"``, ``"jsonl"`` or ``"jsonl.gz"`` by the file name's ending; None for other files."""
    lower = name.lower()
    return next((kind for suffix, kind in SUFFIXES if lower.endswith(suffix)), None)


def _label(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


# -- reporting ------------------------------------------------------------------------------


class Reporter:
    """Progress, skipped inputs and the summary, on ``stream`` (stderr).

    On a terminal the progress is one line rewritten in place; elsewhere only
    the messages and the final summary are written.
    """

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = is_tty(stream) if tty is None else tty
        self.skipped = 0
        self.t0 = time.perf_counter()
        self._shown = False
        self._last = 0.0

    def start(self) -> None:
        self.t0 = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def message(self, line: str) -> None:
        """Print ``line`` (control characters of file names and ids shown escaped)."""
        self.clear()
        print(printable(line), file=self.stream, flush=True)

    def skip(self, where: str, reason: str, *, show: bool = True) -> None:
        self.skipped += 1
        if show:
            self.message(f"{PROG}: skipped {where}: {one_line(reason)}")

    def progress(self, count: int) -> None:
        if not self.tty:
            return
        now = time.perf_counter()
        if now - self._last < 0.1:
            return
        self._last = now
        rate = count / max(now - self.t0, 1e-9)
        self.stream.write(f"\r\x1b[Kindexing: {count:,} documents ({rate:,.0f} docs/s)")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


class _Callback(Reporter):
    """A reporter for :func:`iter_documents`: every skipped input goes to
    ``on_error(where, reason)`` (or raises); notes are dropped."""

    def __init__(self, on_error: Callable[[str, str], None] | None) -> None:
        super().__init__(io.StringIO(), tty=False)
        self.on_error = on_error

    def message(self, line: str) -> None:
        pass

    def skip(self, where: str, reason: str, *, show: bool = True) -> None:
        self.skipped += 1
        if self.on_error is None:
            raise DocumentError(f"{where}: {one_line(reason)}")
        self.on_error(where, reason)


# -- finding the input files ----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One input file: where to read it, how to name it, its kind."""

    path: Path
    label: str  # shown in messages; the id of a .txt document
    kind: str  # "txt", "jsonl" or "jsonl.gz"


def collect(paths: Sequence[str], reporter: Reporter, exclude: Path | None = None) -> list[Source]:
    """The input files named by ``paths`` (folders walked recursively, sorted).

    Missing paths, unsupported files and unreadable folders are reported
    (and counted) as skipped; a file reached twice is read once.
    """
    excluded = os.path.realpath(exclude) if exclude is not None else None
    sources: list[Source] = []
    seen: set[str] = set()

    def add(src: Source) -> None:
        real = os.path.realpath(src.path)
        if real not in seen:
            seen.add(real)
            sources.append(src)

    for arg in paths:
        label = _label(arg)
        if os.path.isdir(arg):
            found = walk_sources(arg, reporter, excluded)
            for src in found:
                add(src)
            if not found:
                reporter.message(f"{PROG}: note: no {SUPPORTED} files in {label}")
        elif os.path.isfile(arg):
            kind = input_kind(arg)
            if kind is None:
                reporter.skip(label, f"unsupported file type (expected {SUPPORTED})")
            else:
                add(Source(Path(arg), label, kind))
        elif os.path.lexists(arg) and not os.path.exists(arg):
            reporter.skip(label, "broken symbolic link")
        elif os.path.exists(arg):
            reporter.skip(label, "not a regular file or folder")
        else:
            reporter.skip(label, "no such file or folder")
    return sources


def walk_sources(
    folder: str, reporter: Reporter, excluded: str | None = None, *, relative: bool = False
) -> list[Source]:
    """The input files under ``folder`` (sorted; hidden folders and the
    real path ``excluded`` skipped), labelled ``folder/sub/name`` — or
    ``sub/name`` with ``relative``. Unreadable folders are reported."""
    return [
        Source(Path(path), _label(rel if relative else os.path.join(folder, rel)), kind)
        for path, rel in _walk(folder, reporter, excluded)
        if (kind := input_kind(rel)) is not None
    ]


def _walk(root: str, reporter: Reporter, excluded: str | None) -> Iterator[tuple[str, str]]:
    """(path, path relative to ``root``) of the files under ``root``, sorted."""

    def onerror(e: OSError) -> None:
        reporter.skip(_label(e.filename or root), f"unreadable folder ({os_reason(e)})")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and (excluded is None or os.path.realpath(os.path.join(dirpath, d)) != excluded)
        )
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if not os.path.isfile(path):  # a named pipe, socket or device: reading it could block forever
                if input_kind(name) is not None:
                    reporter.skip(_label(path), "not a regular file")
                continue
            yield path, os.path.relpath(path, root)


# -- reading them ------------------------------------------------------------------------------


def _unreadable(e: BaseException) -> str:
    return f"unreadable ({os_reason(e)})"


def _decode(data: bytes, *, line: bool = False) -> tuple[str | None, str]:
    """(UTF-8 ``data`` as text, a BOM dropped, "") or (None, where the first bad
    byte is: its offset in a file or, with ``line``, its column in a line)."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as e:
        at = f"column {e.start + 1}" if line else f"offset {e.start}"
        return None, f"not valid UTF-8 (byte 0x{data[e.start]:02x} at {at})"


def _read_txt(path: Path) -> tuple[str | None, str]:
    """(text, "") or (None, why the file is unusable)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, _unreadable(e)
    if not data.strip():
        return None, _EMPTY
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "UTF-16 text; convert it to UTF-8"
    if b"\x00" in data:
        return None, _BINARY
    text, why = _decode(data)
    if text is not None and not text.strip():
        return None, _EMPTY
    return text, why


_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def _json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def _doc_key(doc_id: Any) -> str | None:
    """The id ``Index`` will store for ``doc_id``, or None if it will reject it."""
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        return str(doc_id)
    if isinstance(doc_id, str) and doc_id.strip():
        return doc_id
    return None


class Feed:
    """The documents of ``sources``, for ``Index.add_many(feed, on_error=feed.on_error)``.

    It tracks where the current document came from, so that a
    :class:`DocumentError` reported by the index names the file and line.
    It also counts the files a document was indexed from and skips a
    document whose id was already read in this run (the first one wins:
    the index can only replace *committed* documents).
    """

    def __init__(self, sources: Sequence[Source], fields: Mapping[str, Field], reporter: Reporter) -> None:
        self.sources = sources
        self.fields = fields
        self.text_fields = [n for n, f in fields.items() if f.kind == "text"]
        self.title_field = "title" if "title" in self.text_fields else None
        self.body_field = "body" if "body" in self.text_fields else self.text_fields[-1]
        self.reporter = reporter
        self.files_used: set[str] = set()
        self._seen: dict[str, str] = {}
        self._errors: dict[str, int] = {}
        self._src: Source | None = None
        self._where = ""
        self._key: str | None = None
        self._failed = False

    # add_many takes the next document only after handling the previous one,
    # so when the generator resumes, the previous document was accepted
    # unless on_error() was called in between.
    def __iter__(self) -> Iterator[dict[str, Any]]:
        for src in self.sources:
            docs = self._txt(src) if src.kind == "txt" else self._jsonl(src)
            for where, doc in docs:
                self._settle()
                key = _doc_key(doc.get("id"))
                if key is not None and key in self._seen:
                    self._skip(src, where, f"duplicate id {key!r} (first read from {self._seen[key]})")
                    continue
                if key is not None:
                    self._seen[key] = where
                self._src, self._where, self._key, self._failed = src, where, key, False
                yield doc
            self._settle()

    def _settle(self) -> None:
        if self._src is not None and not self._failed:
            self.files_used.add(self._src.label)
        self._src = None

    def on_error(self, doc: Mapping[str, Any], error: DocumentError) -> None:
        self._failed = True
        if self._key is not None and self._seen.get(self._key) == self._where:
            del self._seen[self._key]
        src = self._src or Source(Path("?"), "?", "txt")
        self._skip(src, self._where, str(error))

    def _skip(self, src: Source, where: str, reason: str) -> None:
        n = self._errors[src.label] = self._errors.get(src.label, 0) + 1
        if n == MAX_ERRORS_PER_FILE + 1:
            self.reporter.message(f"{PROG}: skipping more of {src.label}; further errors are counted, not shown")
        self.reporter.skip(where, reason, show=n <= MAX_ERRORS_PER_FILE)

    def _txt(self, src: Source) -> Iterator[tuple[str, dict[str, Any]]]:
        text, why = _read_txt(src.path)
        if text is None:
            self._skip(src, src.label, why)
            return
        doc: dict[str, Any] = {"id": src.label, self.body_field: text}
        if self.title_field is not None:
            doc[self.title_field] = next((line.strip() for line in text.splitlines() if line.strip()), "")
        yield src.label, doc

    def _jsonl(self, src: Source) -> Iterator[tuple[str, dict[str, Any]]]:
        try:
            f = gzip.open(src.path, "rb") if src.kind == "jsonl.gz" else open(src.path, "rb")  # noqa: SIM115
        except OSError as e:
            self._skip(src, src.label, _unreadable(e))
            return
        with f:
            n = 0
            content = False
            while True:
                try:
                    raw = f.readline()
                except (OSError, EOFError, zlib.error) as e:
                    reason = "not a gzip file" if isinstance(e, gzip.BadGzipFile) else _unreadable(e)
                    self._skip(src, src.label, reason if n == 0 else f"{reason} after line {n}")
                    return
                if not raw:
                    break
                n += 1
                if not raw.strip():
                    continue
                if b"\x00" in raw and not content:
                    self._skip(src, src.label, _BINARY)
                    return
                content = True
                where = f"{src.label} line {n}"
                doc, why = self._parse_line(raw)
                if doc is None:
                    self._skip(src, where, why)
                else:
                    yield where, doc
            if not content:
                self._skip(src, src.label, _EMPTY)

    def _parse_line(self, raw: bytes) -> tuple[dict[str, Any] | None, str]:
        text, why = _decode(raw, line=True)
        if text is None:
            return None, why
        try:
            obj = json.loads(text.rstrip("\r\n"))
        except json.JSONDecodeError as e:
            return None, f"broken JSON ({e.msg} at column {e.pos + 1})"
        except RecursionError:
            return None, "broken JSON (nested too deeply)"
        if not isinstance(obj, dict):
            return None, f"expected a JSON object, got {_json_type(obj)}"
        doc: dict[str, Any] = {"id": obj.get("id")}
        for name, value in obj.items():
            if name != "id" and name in self.fields:
                doc[name] = value
        if self.body_field not in obj and "text" in obj and "text" not in self.fields:
            doc[self.body_field] = obj["text"]
        texts = [doc.get(f) for f in self.text_fields]
        if _doc_key(doc["id"]) is not None and all(t is None or (isinstance(t, str) and not t.strip()) for t in texts):
            return None, f"document {doc['id']!r} has no text (expected {', '.join(self.text_fields)} or text)"
        return doc, ""
