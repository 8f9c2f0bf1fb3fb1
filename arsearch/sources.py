"""Reading input files into documents (engine-agnostic: no Whoosh here).

The inputs ``arsearch index`` takes — ``.txt``, ``.jsonl``/``.ndjson``,
``.json``, ``.csv``, ``.tsv`` files (the structured ones also gzipped),
files with no extension (sniffed), stdin, or folders of them — become
document dicts ready for :meth:`arsearch.Index.add_many`. Their encoding is
detected (:mod:`arsearch.encodings`) and their keys mapped onto the index's
fields (:mod:`arsearch.mapping`). :func:`read_documents` is the entry point
for library code; :func:`collect`, :class:`Feed` and :class:`Reporter` are
the pieces the command line drives (progress, per-file error limits, and
errors the index raises traced back to a file and line).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

from .encodings import SAMPLE_BYTES, decode, detect, implausible
from .errors import DocumentError
from .fields import ID_FIELD, Field, resolve_fields
from .mapping import Mapper
from .terminal import printable

__all__ = ["read_documents", "iter_documents", "ReadOptions", "FORMATS"]

#: The prefix of every message (the command's name).
PROG = "arsearch"
#: Input kinds by (lower-cased) file name ending, longest first.
SUFFIXES: tuple[tuple[str, str], ...] = (
    (".jsonl.gz", "jsonl.gz"),
    (".ndjson.gz", "jsonl.gz"),
    (".json.gz", "json.gz"),
    (".csv.gz", "csv.gz"),
    (".tsv.gz", "tsv.gz"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
    (".json", "json"),
    (".csv", "csv"),
    (".tsv", "tsv"),
    (".txt", "txt"),
)
SUPPORTED = ".txt, .jsonl, .ndjson, .json, .csv or .tsv"
#: The formats ``--format`` names (``ndjson`` is ``jsonl``).
FORMATS: tuple[str, ...] = ("txt", "jsonl", "ndjson", "json", "csv", "tsv")
#: The kind of a file whose format is read from its first bytes (:func:`sniff`).
SNIFF = "sniff"
GZ = ".gz"
#: The path argument that means stdin, and its name in messages (and id, as a .txt).
STDIN_PATH = "-"
STDIN_LABEL = "<stdin>"
#: Errors shown per input file before the rest are only counted.
MAX_ERRORS_PER_FILE = 10

_EMPTY = "empty file"
_BINARY = "contains NUL bytes (a binary file?)"


def read_documents(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    on_error: Callable[[str, str], None] | None = None,
    *,
    fields: Mapping[str, str | Field] | None = None,
    id: str = ID_FIELD,  # noqa: A002 - the key's name
    title: str | None = None,
    text: str | None = None,
    extra: Literal["ignore", "error"] = "ignore",
    encoding: str | None = None,
    format: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the documents in ``paths``: files, or folders searched recursively.

    * ``.txt`` — one document: ``id`` = the file's canonical id (the name of
      the folder given, or holding the file given, ``/`` its path inside:
      :func:`file_id`), ``title`` = its first non-empty line, ``body`` =
      the whole text;
    * ``.jsonl``/``.ndjson`` (one JSON object per line), ``.json`` (an array
      of objects), ``.csv`` and ``.tsv`` (a header row naming the columns;
      TSV without quoting), the four also gzipped (``.jsonl.gz``...) —
      one document per object or row, mapped onto ``fields`` (default
      ``title`` and ``body``) by :func:`arsearch.map_documents`'s rules:
      ``id``/``title``/``text`` name the keys (default ``id``, ``title``,
      ``body`` or ``text``), other declared fields come from keys of the
      same name, and other keys are dropped (``extra="ignore"``) or errors
      (``extra="error"``);
    * a file with no extension is sniffed (:func:`sniff`); ``format`` (one of
      :data:`FORMATS`) sets the format of such files, of files with another
      extension and of ``"-"`` (stdin).

    The encoding is detected: UTF-8 with or without a byte-order mark,
    UTF-16 by its mark, cp1256, ISO-8859-6 (:mod:`arsearch.encodings`);
    ``encoding`` forces one. Folders are walked in sorted order (a folder's
    files before its subfolders), skipping hidden folders and files of other
    types. Bad inputs — a missing path, an unreadable, empty or binary file,
    one whose encoding is unknown or that reads as mojibake, broken JSON, a
    CSV row with the wrong number of cells, a record without id or text,
    an id already read — are skipped and reported to ``on_error(where,
    reason)`` (``where`` is the path, or ``"path line N"``); without
    ``on_error`` the first one raises :class:`~arsearch.DocumentError`.
    The values' types are checked by :meth:`arsearch.Index.add_many`, e.g.
    ``ix.add_many(read_documents(paths, report, fields=ix.fields))``.

    Example:
        >>> import pathlib, tempfile
        >>> tmp = tempfile.TemporaryDirectory()
        >>> folder = pathlib.Path(tmp.name) / "news"
        >>> folder.mkdir()
        >>> _ = (folder / "a.txt").write_bytes("المكتبة\\nذهب الطلاب إلى المكتبة".encode("cp1256"))
        >>> _ = (folder / "b.jsonl").write_text('{"url": 7, "content": "نص"}\\n{oops\\n', encoding="utf-8")
        >>> _ = (folder / "c.csv").write_text("url,content,year\\nu1,نص ثالث,2019\\n", encoding="utf-8")
        >>> problems = []
        >>> docs = list(read_documents(folder, lambda where, why: problems.append(why), id="url", text="content"))
        >>> docs[0]["id"], docs[0]["title"], docs[1:]
        ('news/a.txt', 'المكتبة', [{'id': 7, 'body': 'نص'}, {'id': 'u1', 'body': 'نص ثالث'}])
        >>> problems
        ['broken JSON (Expecting property name enclosed in double quotes at column 2)']
        >>> tmp.cleanup()
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    reporter = _Callback(on_error)
    fmt = "jsonl" if format == "ndjson" else format
    sources = collect([os.fspath(p) for p in paths], reporter, format=fmt)
    options = ReadOptions(encoding=encoding, format=fmt, id=id, title=title, text=text, extra=extra)
    yield from Feed(sources, resolve_fields(fields), reporter, options)


def iter_documents(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    on_error: Callable[[str, str], None] | None = None,
    *,
    fields: Mapping[str, str | Field] | None = None,
) -> Iterator[dict[str, Any]]:
    """:func:`read_documents` with its default mapping (kept for older code)."""
    return read_documents(paths, on_error, fields=fields)


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


def input_kind(name: str, format: str | None = None) -> str | None:
    """The kind of input ``name`` is by its ending (``"txt"``, ``"jsonl"``,
    ``"jsonl.gz"``, ``"csv"``...); for a name with no extension ``format``,
    or :data:`SNIFF` (hidden names excepted); for other files ``format`` or None."""
    lower = name.lower()
    kind = next((kind for suffix, kind in SUFFIXES if lower.endswith(suffix)), None)
    if kind is not None:
        return kind
    base = os.path.basename(lower)
    if format is not None:
        return "jsonl" if format == "ndjson" else format
    if "." not in base and base:
        return SNIFF
    return None


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
        self._by_bytes = False  # the bar counts bytes read (else documents)

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

            by_bytes = self._by_bytes = position is not None and total_bytes is not None
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
            self._advance_bar()
        elif self.mode == "lines":
            now = self._clock()
            if now >= self._next_line:
                self._next_line = now + self.interval
                self._line(self._progress_text(now - self.t0))

    def _advance_bar(self, force: bool = False) -> None:
        """Move the bar to what was read (bytes, or documents); tqdm redraws it
        when its interval has passed, or now with ``force``."""
        bar = self._bar
        done = self.bytes_read() if self._by_bytes else self.count
        advanced = done is not None and done > bar.n
        if advanced or force:
            bar.set_postfix_str(f"{self.count:,} docs", refresh=False)
        if advanced:
            bar.update(done - bar.n)
        if force:
            bar.refresh()

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
        if self._bar is not None:  # draw the bar's last state: a short run may never pass mininterval
            self._advance_bar(force=True)
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
    """One input: where to read it, how to name it in messages, its kind
    (``"txt"``, ``"jsonl"``, ``"json"``, ``"csv"``, ``"tsv"``, each maybe
    with ``".gz"``, or ``"sniff"``), and the id of a document made of the
    whole file (a ``.txt``: :func:`file_id`)."""

    path: Path
    label: str  # shown in messages
    kind: str
    doc_id: str = ""  # the id of a .txt document ("" → the label)
    stdin: bool = False  # read sys.stdin's bytes, not path

    @property
    def id(self) -> str:
        return self.doc_id or self.label


def file_id(root_name: str, relative: str) -> str:
    """The canonical id of a file read as one document: ``root_name/relative`` (``/``-separated).

    ``root_name`` is the name of the folder given (its real path's last
    part), or for a file given by itself, of the folder holding it: so
    ``txt``, ``/abs/txt``, ``./txt/`` and ``.`` (inside ``txt``) give a file
    the same id, ``txt/a.txt``, and ``txt/a.txt`` given alone does too.

    Example:
        >>> file_id("txt", "sub/a.txt")
        'txt/sub/a.txt'
    """
    rel = _label(relative)
    return f"{root_name}/{rel}" if root_name else rel


def _root_name(folder: str) -> str:
    return os.path.basename(os.path.realpath(folder))


def collect(
    paths: Sequence[str], reporter: Reporter, exclude: Path | None = None, *, format: str | None = None
) -> list[Source]:
    """The input files named by ``paths`` (folders walked recursively, sorted;
    ``-`` is stdin, read as ``format`` or sniffed).

    ``format`` is also the format of files with no known extension (without
    it, files with no extension are sniffed and other extensions are
    unsupported). Missing paths, unsupported files and unreadable folders are
    reported (and counted) as skipped; a file reached twice is read once.
    """
    excluded = os.path.realpath(exclude) if exclude is not None else None
    sources: list[Source] = []
    seen: set[str] = set()

    def add(src: Source) -> None:
        real = STDIN_LABEL if src.stdin else os.path.realpath(src.path)
        if real not in seen:
            seen.add(real)
            sources.append(src)

    for arg in paths:
        if arg == STDIN_PATH:
            add(Source(Path(STDIN_PATH), STDIN_LABEL, format or SNIFF, STDIN_LABEL, stdin=True))
            continue
        label = _label(arg)
        if os.path.isdir(arg):
            found = walk_sources(arg, reporter, excluded, format=format)
            for src in found:
                add(src)
            if not found:
                reporter.message(f"{PROG}: note: no {SUPPORTED} files in {label}")
        elif os.path.isfile(arg):
            kind = input_kind(arg, format)
            if kind is None:
                reporter.skip(label, f"unsupported file type (expected {SUPPORTED}, or give --format)")
            else:
                parent = _root_name(os.path.dirname(os.path.abspath(arg)))
                add(Source(Path(arg), label, kind, file_id(parent, os.path.basename(arg))))
        elif os.path.lexists(arg) and not os.path.exists(arg):
            reporter.skip(label, "broken symbolic link")
        elif os.path.exists(arg):
            reporter.skip(label, "not a regular file or folder")
        else:
            reporter.skip(label, "no such file or folder")
    return sources


def walk_sources(
    folder: str, reporter: Reporter, excluded: str | None = None, *, relative: bool = False, format: str | None = None
) -> list[Source]:
    """The input files under ``folder`` (sorted; hidden folders and the
    real path ``excluded`` skipped; ``format``: that of files without an
    extension, else sniffed), labelled ``folder/sub/name`` as typed,
    with the id ``root/sub/name`` (:func:`file_id`) — or ``sub/name`` for
    both with ``relative``. Unreadable folders are reported."""
    root = "" if relative else _root_name(folder)
    return [
        Source(Path(path), _label(rel if relative else os.path.join(folder, rel)), kind, file_id(root, rel))
        for path, rel in _walk(folder, reporter, excluded)
        if (kind := _folder_kind(rel, format)) is not None
    ]


def _folder_kind(name: str, format: str | None) -> str | None:
    """The kind of a file found in a folder: ``format`` applies to files without an extension only."""
    kind = input_kind(name)
    return (input_kind(name, format) if format is not None else kind) if kind == SNIFF else kind


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


@dataclass(frozen=True)
class ReadOptions:
    """How :class:`Feed` reads its inputs: a forced ``encoding`` (None:
    detected, :mod:`arsearch.encodings`), the ``format`` of stdin and of
    files without a known extension (None: sniffed), the keys of the id,
    title and text in structured inputs, and what to do with other keys
    (:mod:`arsearch.mapping`)."""

    encoding: str | None = None
    format: str | None = None
    id: str = ID_FIELD
    title: str | None = None
    text: str | None = None
    extra: Literal["ignore", "error"] = "ignore"


def _unreadable(e: BaseException) -> str:
    return f"unreadable ({os_reason(e)})"


def _decode(data: bytes, *, line: bool = False, codec: str = "utf-8") -> tuple[str | None, str]:
    """(``data`` decoded with ``codec``, a UTF-8 BOM dropped, "") or (None,
    where the first bad byte is: its offset in a file or, with ``line``, its
    column in a line)."""
    try:
        return data.decode("utf-8-sig" if codec == "utf-8" else codec), ""
    except UnicodeDecodeError as e:
        at = f"column {e.start + 1}" if line else f"offset {e.start}"
        name = "UTF-8" if codec == "utf-8" else codec
        return None, f"not valid {name} (byte 0x{data[e.start]:02x} at {at})"


def _read_txt(path: Path, encoding: str | None = None) -> tuple[str | None, str]:
    """(text, "") or (None, why the file is unusable): its encoding
    detected (or ``encoding``), mojibake refused (:mod:`arsearch.encodings`)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, _unreadable(e)
    return _text_of(data, encoding)


def _text_of(data: bytes, encoding: str | None) -> tuple[str | None, str]:
    if not data.strip():
        return None, _EMPTY
    text, _codec, why = decode(data, encoding)
    if text is not None and not text.strip():
        return None, _EMPTY
    return text, why


class _Chain(io.RawIOBase):
    """``head`` (bytes already read), then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_head(stream: BinaryIO, size: int) -> tuple[bytes, BaseException | None]:
    """The first ``size`` bytes of ``stream`` (fewer at its end), and the read error that stopped it, if any."""
    parts = []
    read = getattr(stream, "read1", stream.read)  # one underlying read at a time: a read that fails loses its bytes
    try:
        while size > 0:
            chunk = read(min(size, HEAD_CHUNK))
            if not chunk:
                break
            parts.append(chunk)
            size -= len(chunk)
    except (OSError, EOFError, zlib.error) as e:
        return b"".join(parts), e
    return b"".join(parts), None


#: The size of the reads of a file's head.
HEAD_CHUNK = 1 << 13


def _raise(error: BaseException) -> None:
    raise error


def sniff(sample: str) -> str:
    """The format of text with no extension to go by: ``"json"`` (it starts
    with ``[``), ``"jsonl"`` (its first line is a JSON object), ``"tsv"`` or
    ``"csv"`` (a header of at least two short, distinct names, and the
    following lines with as many cells), else ``"txt"``.

    Example:
        >>> sniff('{"id": 1, "text": "نص"}\\n{"id": 2, "text": "نص"}\\n'), sniff("id,title\\n1,المكتبة\\n")
        ('jsonl', 'csv')
        >>> sniff("ذهب الطلاب إلى المكتبة، ثم عادوا.\\nسطر ثان")
        'txt'
    """
    text = sample.lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return "json"
    first, _, rest = text.partition("\n")
    if text.startswith("{"):
        try:
            return "jsonl" if isinstance(json.loads(first), dict) else "json"
        except (json.JSONDecodeError, RecursionError):
            return "json"
    lines = [line for line in rest.split("\n")[:-1] if line.strip()][:20]  # the last line may be cut
    for delimiter, fmt in (("\t", "tsv"), (",", "csv")):
        if delimiter not in first:
            continue
        quoting = csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL
        try:
            header = next(csv.reader([first.rstrip("\r")], delimiter=delimiter, quoting=quoting))
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quoting=quoting))
        except csv.Error:
            continue
        names = [c.strip() for c in header]
        if (
            len(names) >= 2
            and all(0 < len(c) <= MAX_HEADER_CELL for c in names)
            and len(set(names)) == len(names)
            and rows
            and all(len(r) == len(names) for r in rows if r)
        ):
            return fmt
    return "txt"


#: A header cell longer than this makes a sniffed file plain text, not CSV.
MAX_HEADER_CELL = 64
#: Python's csv module refuses fields longer than 128 KiB by default; articles can be longer.
CSV_FIELD_LIMIT = 1 << 30


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


class _Stop(Exception):
    """A file cannot be read on: the reason is given."""


class Feed:
    """The documents of ``sources``, for ``Index.add_many(feed, on_error=feed.on_error)``.

    It tracks where the current document came from, so that a
    :class:`DocumentError` reported by the index names the file and line.
    It also counts the files a document was indexed from and skips a
    document whose id was already read in this run (the first one wins:
    the index can only replace *committed* documents). ``options`` says how
    to read (:class:`ReadOptions`).

    For ``arsearch index``'s record of its sources it keeps, per file, the
    ids written from it (``ids``) and which files were read to their end
    without a file-level error (``complete``); :meth:`position` is the
    bytes of input read so far (the progress bar), and :meth:`stop` ends
    the feed at the next document (an interrupted run commits what it read).
    """

    def __init__(
        self,
        sources: Sequence[Source],
        fields: Mapping[str, Field],
        reporter: Reporter,
        options: ReadOptions | None = None,
    ) -> None:
        self.sources = sources
        self.options = options or ReadOptions()
        self.mapper = Mapper(
            fields, id=self.options.id, title=self.options.title, text=self.options.text, extra=self.options.extra
        )
        self.fields = self.mapper.fields
        self.text_fields = self.mapper.text_fields
        self.title_field = self.mapper.title_field
        self.body_field = self.mapper.body_field
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
            docs = self._read(src)
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
            if not src.stdin:
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

    # -- one input -----------------------------------------------------------------------

    def _read(self, src: Source) -> Iterator[tuple[str, dict[str, Any]]]:
        """(where, document) of ``src``; its bad parts reported and skipped."""
        if src.stdin and is_tty(sys.stdin):
            self.reporter.message(f"{PROG}: reading documents from the terminal (stdin); end them with Ctrl-D")
        try:
            stream = self._open(src)
        except OSError as e:
            self._skip(src, src.label, _unreadable(e))
            return
        try:
            yield from self._documents(src, stream)
        except _Stop as stop:
            self._skip(src, src.label, str(stop))
        finally:
            if not src.stdin:
                stream.close()

    def _open(self, src: Source) -> BinaryIO:
        if src.stdin:
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:
                raise OSError(0, "stdin is closed")
            return stream
        f = open(src.path, "rb")  # noqa: SIM115 - closed by _read
        self._raw = f  # its position: the progress bar's (compressed bytes of a .gz)
        if src.kind.endswith(GZ):
            return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
        return f

    def _documents(self, src: Source, stream: BinaryIO) -> Iterator[tuple[str, dict[str, Any]]]:
        forced = self.options.encoding
        head, failed = _read_head(stream, SAMPLE_BYTES)
        complete = len(head) < SAMPLE_BYTES
        if failed is not None:  # e.g. a truncated .gz: its whole lines are read, then the error reported
            head = head[: head.rfind(b"\n") + 1]
            if not head.strip():
                self._guard(0, lambda: _raise(failed))
            stream, complete = io.BytesIO(b""), True
        if not head.strip():
            raise _Stop(_EMPTY)
        fmt = src.kind.removesuffix(GZ)
        if fmt in ("txt", "json") or (fmt == SNIFF and complete):
            data = head if complete else head + self._guard(0, stream.read)
            text, why = _text_of(data, forced)
            if text is None:
                raise _Stop(why)
            if fmt == SNIFF:
                fmt = sniff(text)
            if fmt == "txt":
                yield from self._txt(src, text)
                return
            if fmt == "json":
                yield from self._json(src, text)
                return
            lines = iter(_Lines(self, io.BytesIO(b""), data, _codec_of(data, forced), src))
        else:
            codec = forced
            if codec is None:
                probe = head
                if b"\x00" in head and detect(head[:4])[0] is None:  # NULs, and no byte-order mark
                    first = next((line for line in head.split(b"\n") if line.strip()), b"")
                    if b"\x00" in first:
                        raise _Stop(detect(first)[1])  # a binary file
                    probe = head.replace(b"\x00", b"")  # a line with a NUL is skipped alone
                codec, why = detect(probe, complete=complete)
                if codec is None:
                    codec = "utf-8"  # no code page fits: lines that are not UTF-8 are skipped one by one
            sample = head.decode(codec, errors="ignore")
            why = "" if forced else implausible(sample) or ""
            if why:
                raise _Stop(why)
            if fmt == SNIFF:
                fmt = sniff(sample)
                if fmt in ("txt", "json"):  # a whole-file format after all
                    text, why = _text_of(head + self._guard(0, stream.read), forced)
                    if text is None:
                        raise _Stop(why)
                    yield from self._txt(src, text) if fmt == "txt" else self._json(src, text)
                    return
            lines = iter(_Lines(self, stream, head, codec, src))
        if fmt == "jsonl":
            yield from self._jsonl(src, lines)
        else:
            yield from self._csv(src, lines, "\t" if fmt == "tsv" else ",")
        if failed is not None:
            self._guard(head.count(b"\n"), lambda: _raise(failed))

    def _guard(self, n: int, read: Any) -> Any:
        """``read()``, its errors (a broken gzip stream, an I/O error) as :class:`_Stop`."""
        try:
            return read()
        except (OSError, EOFError, zlib.error) as e:
            reason = "not a gzip file" if isinstance(e, gzip.BadGzipFile) else _unreadable(e)
            raise _Stop(reason if n == 0 else f"{reason} after line {n}") from None

    def _map(self, src: Source, where: str, record: Any) -> dict[str, Any] | None:
        if not isinstance(record, dict):
            self._skip(src, where, f"expected a JSON object, got {_json_type(record)}")
            return None
        try:
            return self.mapper.map(record)
        except DocumentError as e:
            if _doc_key(record.get(self.mapper.id_key)) is None and self.mapper.id_key in record:
                # the index's message about a bad id is the clearer one
                return {"id": record.get(self.mapper.id_key)}
            self._skip(src, where, str(e))
            return None

    def _txt(self, src: Source, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
        doc: dict[str, Any] = {"id": src.id, self.body_field: text}
        if self.title_field is not None:
            doc[self.title_field] = next((line.strip() for line in text.splitlines() if line.strip()), "")
        yield src.label, doc

    def _json(self, src: Source, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise _Stop(f"broken JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
        except RecursionError:
            raise _Stop("broken JSON (nested too deeply)") from None
        if not isinstance(data, list):
            raise _Stop(f"expected a JSON array of objects, got {_json_type(data)}")
        if not data:
            raise _Stop("an empty JSON array")
        for i, item in enumerate(data, 1):
            where = f"{src.label} item {i}"
            doc = self._map(src, where, item)
            if doc is not None:
                yield where, doc

    def _jsonl(self, src: Source, lines: Iterator[tuple[int, str | None, str]]) -> Iterator[tuple[str, dict[str, Any]]]:
        content = False
        for n, text, why in lines:
            where = f"{src.label} line {n}"
            if text is None:
                content = True
                self._skip(src, where, why)
                continue
            if not text.strip():
                continue
            content = True
            try:
                obj = json.loads(text)
            except json.JSONDecodeError:
                try:  # the message of the line without its line end
                    json.loads(text.rstrip("\r\n"))
                except json.JSONDecodeError as e:
                    self._skip(src, where, f"broken JSON ({e.msg} at column {e.pos + 1})")
                continue
            except RecursionError:
                self._skip(src, where, "broken JSON (nested too deeply)")
                continue
            doc = self._map(src, where, obj)
            if doc is not None:
                yield where, doc
        if not content:
            raise _Stop(_EMPTY)

    def _csv(
        self, src: Source, lines: Iterator[tuple[int, str | None, str]], delimiter: str
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        bad: dict[int, str] = {}

        def texts() -> Iterator[str]:
            for n, text, why in lines:
                if text is None:
                    bad[n] = why
                    text = "\n"
                yield text.rstrip("\r\n") + "\n"  # line ends inside quoted cells read as \n

        tsv = delimiter == "\t"
        reader = csv.reader(texts(), delimiter=delimiter, quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL)
        try:
            header = next((row for row in reader if any(c.strip() for c in row)), None)
        except csv.Error as e:
            raise _Stop(f"broken {'TSV' if tsv else 'CSV'} header ({e})") from None
        if header is None:
            raise _Stop(_EMPTY)
        if bad:
            raise _Stop(f"header line {min(bad)}: {bad[min(bad)]}")
        names = [c.strip() for c in header]
        dup = next((c for c in names if names.count(c) > 1), None)
        if dup is not None or not all(names):
            what = f"a repeated column name {dup!r}" if dup is not None else "an empty column name"
            raise _Stop(f"the header (line {reader.line_num}) has {what}; the first line must name the columns")
        last = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise _Stop(f"broken {'TSV' if tsv else 'CSV'} at line {reader.line_num} ({e}); the rest of the file was skipped") from None
            first, last = last + 1, reader.line_num
            where = f"{src.label} line {first}"
            if not any(c.strip() for c in row):
                continue
            broken = [n for n in range(first, last + 1) if n in bad]
            if broken:
                self._skip(src, where, bad[broken[0]])
                continue
            if len(row) != len(names):
                self._skip(src, where, f"{len(row)} cells; the header has {len(names)}")
                continue
            doc = self._map(src, where, dict(zip(names, row)))
            if doc is not None:
                yield where, doc


def _codec_of(data: bytes, forced: str | None) -> str:
    if forced is not None:
        return forced
    codec, _ = detect(data)
    return codec or "utf-8"


class _Lines:
    """(line number, text or None, why not) of a stream, ``head`` first, decoded with ``codec``."""

    def __init__(self, feed: Feed, stream: BinaryIO, head: bytes, codec: str, src: Source) -> None:
        self.feed = feed
        self.raw = io.BufferedReader(_Chain(head, stream), buffer_size=1 << 16)
        self.codec = codecs.lookup(codec).name
        self.src = src

    def __iter__(self) -> Iterator[tuple[int, str | None, str]]:
        if self.codec.startswith(("utf-16", "utf-32")):
            yield from self._wide()
            return
        codec = "utf-8" if self.codec in ("utf-8", "utf-8-sig") else self.codec
        n = 0
        while True:
            raw = self.feed._guard(n, self.raw.readline)
            if not raw:
                return
            n += 1
            text, why = _decode(raw, line=True, codec=codec)
            yield n, text, why

    def _wide(self) -> Iterator[tuple[int, str | None, str]]:
        stream = io.TextIOWrapper(self.raw, encoding=self.codec, errors="strict", newline="")
        n = 0
        while True:
            try:
                line = self.feed._guard(n, stream.readline)
            except UnicodeDecodeError as e:
                raise _Stop(f"not valid {self.codec} after line {n} ({e.reason})") from None
            if not line:
                return
            n += 1
            yield n, line.lstrip("\ufeff") if n == 1 else line, ""
