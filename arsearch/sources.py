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


#: How ``arsearch index`` shows its progress: a bar rewritten in place (a
#: terminal), a plain line every :data:`LINE_INTERVAL` seconds, or nothing.
PROGRESS_MODES = ("bar", "lines", "none")
#: Seconds between two plain progress lines (when stderr is not a terminal).
LINE_INTERVAL = 10.0


def _columns(stream: Any) -> int | None:
    """The width of the terminal ``stream`` is on; None when it reports none."""
    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None
    return width or None


def size_text(n: float) -> str:
    """``n`` bytes for people: ``512 bytes``, ``3.4 KiB``, ``35.0 MiB``, ``1.2 GiB``."""
    if n < 1024:
        return f"{n:,.0f} bytes"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024 or unit == "GiB":
            break
    return f"{n:,.1f} {unit}"


def duration_text(secs: float) -> str:
    """``secs`` for people: ``0.42 s``, ``12.3 s``, ``4 min 05 s``, ``1 h 02 min``."""
    if secs < 10:
        return f"{secs:.2f} s"
    if secs < 60:
        return f"{secs:.1f} s"
    minutes, s = divmod(int(round(secs)), 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def count_text(n: int, word: str, plural: str | None = None) -> str:
    """``1 file``, ``5,000 documents``: thousands separated, the word agreeing."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


class Reporter:
    """Progress, skipped inputs and the summary of ``arsearch index``, on
    ``stream`` (stderr).

    ``mode`` is ``"bar"`` (default on a terminal: a tqdm bar over the bytes
    of input read, with the documents indexed, the rate and the time left),
    ``"lines"`` (default elsewhere: a plain line every ``interval``
    seconds) or ``"none"``. Messages (skipped files and lines) print above
    the bar. Skips are counted by unit, ``"file"`` or ``"document"``, so the
    summary never mixes the two.

    >>> import io
    >>> out = io.StringIO()
    >>> r = Reporter(out, mode="lines")
    >>> r.skip("a.txt", "empty file", unit="file")
    >>> r.skip("b.jsonl line 3", "broken JSON", unit="document")
    >>> r.finish(written=5000, files=2, added=4990, updated=10)
    >>> print(out.getvalue().splitlines()[-1])  # doctest: +ELLIPSIS
    indexed 5,000 documents from 2 files in ... s (... docs/s): 4,990 added, 10 updated; skipped 1 file and 1 document with errors (see above)
    """

    def __init__(
        self,
        stream: TextIO,
        tty: bool | None = None,
        *,
        mode: str | None = None,
        interval: float = LINE_INTERVAL,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.stream = stream
        self.tty = is_tty(stream) if tty is None else tty
        self.mode = mode or ("bar" if self.tty else "lines")
        if self.mode not in PROGRESS_MODES:
            raise ValueError(f"progress mode {self.mode!r}: choose one of {', '.join(PROGRESS_MODES)}")
        self.interval = interval
        self._clock = clock
        self.skipped = 0  # files and documents
        self.skipped_files = 0
        self.skipped_documents = 0
        self.unchanged = 0  # files skipped because the index has them as they are
        self.total_bytes: int | None = None
        self._position: Callable[[], int] | None = None
        self.count = 0
        self.t0 = clock()
        self._bar: Any = None
        self._next_line = self.t0 + interval
        self._shown = False  # a transient line ("committing…") is on screen
        self._committing = False

    # -- the run --------------------------------------------------------------------
    def start(
        self, total_bytes: int | None = None, position: Callable[[], int] | None = None, files: int | None = None
    ) -> None:
        """Start the clock and the progress display: ``total_bytes`` of input
        in ``files`` files to read, ``position()`` the bytes read so far
        (None when unknown)."""
        self.t0 = self._clock()
        if self.mode == "lines" and files:
            size = f" ({size_text(total_bytes)})" if total_bytes is not None else ""
            self._line(f"{PROG}: indexing {count_text(files, 'file')}{size}…")
        self._next_line = self.t0 + self.interval
        self.total_bytes = total_bytes
        self._position = position
        if self.mode == "bar":
            from tqdm import tqdm

            by_bytes = position is not None and total_bytes is not None
            # a terminal that reports no size (0 x 0: tqdm would hide the bar) gets 80 x 20
            width = _columns(self.stream)
            self._bar = tqdm(
                total=total_bytes if by_bytes else None,
                desc="indexing",
                unit="B" if by_bytes else " docs",
                unit_scale=by_bytes,
                unit_divisor=1024,
                file=self.stream,
                dynamic_ncols=width is not None,
                ncols=None if width is not None else 80,
                nrows=None if width is not None else 20,
                mininterval=0.2,
                leave=False,
            )

    def elapsed(self) -> float:
        return self._clock() - self.t0

    def bytes_read(self) -> int | None:
        if self._position is None:
            return None
        try:
            return self._position()
        except (OSError, ValueError):
            return None

    def progress(self, count: int) -> None:
        """``count`` documents written so far (``Index.add_many``'s ``progress``)."""
        self.count = count
        if self._committing:
            return
        if self._bar is not None:
            done = self.bytes_read() if self.total_bytes is not None else count
            if done is not None and done > self._bar.n:
                self._bar.set_postfix_str(f"{count:,} docs", refresh=False)
                self._bar.update(done - self._bar.n)
        elif self.mode == "lines":
            now = self._clock()
            if now >= self._next_line:
                self._next_line = now + self.interval
                self._line(self._progress_text(now - self.t0))

    def _progress_text(self, secs: float) -> str:
        parts = [count_text(self.count, "document")]
        done = self.bytes_read()
        if done is not None and self.total_bytes:
            share = min(done / self.total_bytes, 1.0)
            parts.append(f"{size_text(done)} of {size_text(self.total_bytes)} read ({share:.0%})")
            if share > 0 and secs > 0:
                parts.append(f"about {duration_text(secs * (1 - share) / share)} left")
        if secs > 0:
            parts.append(f"{self.count / secs:,.0f} docs/s")
        return f"{PROG}: indexing: {', '.join(parts)}"

    def committing(self) -> None:
        """Say the documents read are being committed (the last, slow step)."""
        self._close_bar()
        self._committing = True
        if self.mode == "bar":
            self.stream.write(f"\r\x1b[K{PROG}: committing…")
            self.stream.flush()
            self._shown = True
        elif self.mode == "lines":
            self._line(f"{PROG}: committing…")

    # -- messages -------------------------------------------------------------------
    def message(self, line: str) -> None:
        """Print ``line`` (control characters of file names and ids shown escaped)."""
        self._clear_line()
        if self._bar is not None:
            self._bar.clear()
        print(printable(line), file=self.stream, flush=True)
        if self._bar is not None:
            self._bar.refresh()

    def _line(self, line: str) -> None:
        print(printable(line), file=self.stream, flush=True)

    def skip(self, where: str, reason: str, *, show: bool = True, unit: str = "file") -> None:
        """Count (and unless ``show`` is False print) an input skipped: a
        ``"file"`` or a ``"document"`` (a line of a JSON Lines file)."""
        self.skipped += 1
        if unit == "document":
            self.skipped_documents += 1
        else:
            self.skipped_files += 1
        if show:
            self.message(f"{PROG}: skipped {where}: {one_line(reason)}")

    def clear(self) -> None:
        """Remove the bar or transient line (before an error message)."""
        self._close_bar()
        self._clear_line()

    def _close_bar(self) -> None:
        bar, self._bar = self._bar, None
        if bar is not None:
            bar.close()

    def _clear_line(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    # -- the summary ------------------------------------------------------------------
    def skipped_text(self) -> str:
        """What was skipped and why, e.g. ``skipped 2 unchanged files, 1
        document with errors (see above)``; ``nothing skipped``."""
        parts = []
        if self.unchanged:
            parts.append(f"{count_text(self.unchanged, 'unchanged file')}")
        bad = []
        if self.skipped_files:
            bad.append(count_text(self.skipped_files, "file"))
        if self.skipped_documents:
            bad.append(count_text(self.skipped_documents, "document"))
        if bad:
            parts.append(f"{' and '.join(bad)} with errors (see above)")
        return f"skipped {', '.join(parts)}" if parts else "nothing skipped"

    def finish(
        self,
        written: int,
        files: int,
        added: int | None = None,
        updated: int | None = None,
        removed: int = 0,
    ) -> None:
        """Print the one-line summary: documents written (``added`` new,
        ``updated`` replacing one with the same id; None when unknown) from
        ``files`` files, ``removed`` (``--sync``), what was skipped and why,
        the time taken and the rate."""
        self.clear()
        secs = self.elapsed()
        rate = ""
        if written >= 10 and secs > 0:
            rate = f" ({written / secs:,.0f} docs/s)"
        else:
            done = self.bytes_read()
            if done and secs >= 0.5:
                rate = f" ({size_text(done / secs)}/s)"
        what = []
        if written:
            if added is None or updated is None:
                what.append(f"{written:,} added or updated")
            else:
                what.append(f"{added:,} added, {updated:,} updated")
        if removed:
            what.append(f"{removed:,} removed")
        changes = f": {', '.join(what)}" if what else ""
        self.message(
            f"indexed {count_text(written, 'document')} from {count_text(files, 'file')} in "
            f"{duration_text(secs)}{rate}{changes}; {self.skipped_text()}"
        )


class _Callback(Reporter):
    """A reporter for :func:`iter_documents`: every skipped input goes to
    ``on_error(where, reason)`` (or raises); notes are dropped."""

    def __init__(self, on_error: Callable[[str, str], None] | None) -> None:
        super().__init__(io.StringIO(), tty=False, mode="none")
        self.on_error = on_error

    def message(self, line: str) -> None:
        pass

    def skip(self, where: str, reason: str, *, show: bool = True, unit: str = "file") -> None:
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


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


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

    For ``arsearch index``'s record of its sources it keeps, per file, the
    ids written from it (``ids``) and which files were read to their end
    without a file-level error (``complete``); :meth:`position` is the
    bytes of input read so far (the progress bar), and :meth:`stop` ends
    the feed at the next document (an interrupted run commits what it read).
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
        self.ids: dict[str, list[str]] = {}  # label -> ids written from that file
        self.complete: list[Source] = []  # files read to their end, without a file-level error
        self._broken: set[str] = set()  # labels of files skipped whole (unreadable, empty...)
        self._done_bytes = 0
        self._raw: Any = None  # the file being read (its position: the progress bar's)
        self._stop = False

    def stop(self) -> None:
        """End the feed before its next document (the one being written is kept)."""
        self._stop = True

    @property
    def stopped(self) -> bool:
        return self._stop

    def position(self) -> int:
        """Bytes of the input files read so far (compressed bytes of a .gz)."""
        raw = self._raw
        current = 0
        if raw is not None:
            try:
                current = raw.tell()
            except (OSError, ValueError):  # closed meanwhile
                current = 0
        return self._done_bytes + current

    # add_many takes the next document only after handling the previous one,
    # so when the generator resumes, the previous document was accepted
    # unless on_error() was called in between.
    def __iter__(self) -> Iterator[dict[str, Any]]:
        for src in self.sources:
            if self._stop:
                return
            docs = self._txt(src) if src.kind == "txt" else self._jsonl(src)
            for where, doc in docs:
                self._settle()
                if self._stop:
                    docs.close()
                    self._raw = None
                    return
                key = _doc_key(doc.get("id"))
                if key is not None and key in self._seen:
                    self._skip(src, where, f"duplicate id {key!r} (first read from {self._seen[key]})")
                    continue
                if key is not None:
                    self._seen[key] = where
                self._src, self._where, self._key, self._failed = src, where, key, False
                yield doc
            self._settle()
            self._raw = None
            self._done_bytes += _size(src.path)
            if src.label in self.files_used and src.label not in self._broken:
                self.complete.append(src)

    def _settle(self) -> None:
        if self._src is not None and not self._failed:
            self.files_used.add(self._src.label)
            if self._key is not None:
                self.ids.setdefault(self._src.label, []).append(self._key)
        self._src = None

    def on_error(self, doc: Mapping[str, Any], error: DocumentError) -> None:
        self._failed = True
        if self._key is not None and self._seen.get(self._key) == self._where:
            del self._seen[self._key]
        src = self._src or Source(Path("?"), "?", "txt")
        self._skip(src, self._where, str(error))

    def _skip(self, src: Source, where: str, reason: str) -> None:
        n = self._errors[src.label] = self._errors.get(src.label, 0) + 1
        whole = where == src.label  # the file (a .txt is one document), not one of its lines
        if whole:
            self._broken.add(src.label)
        if n == MAX_ERRORS_PER_FILE + 1:
            self.reporter.message(f"{PROG}: skipping more of {src.label}; further errors are counted, not shown")
        self.reporter.skip(where, reason, show=n <= MAX_ERRORS_PER_FILE, unit="file" if whole else "document")

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
            raw = open(src.path, "rb")  # noqa: SIM115
        except OSError as e:
            self._skip(src, src.label, _unreadable(e))
            return
        f = gzip.GzipFile(fileobj=raw, mode="rb") if src.kind == "jsonl.gz" else raw
        self._raw = raw
        with raw, f:
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
