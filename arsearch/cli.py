"""The ``arsearch`` command: index files, search, analyze text, inspect an index.

Commands (``arsearch COMMAND --help`` shows each one's options and an example):

* ``index INDEX_DIR PATH...`` – add ``.txt``, ``.jsonl`` and ``.jsonl.gz`` files
  (or folders of them) to an index, creating it if needed; re-indexing a
  document replaces it.
* ``search [--index INDEX_DIR] QUERY`` – ranked hits with highlighted snippets;
  without ``--index`` the bundled sample corpus (``arsearch.seeds``) is searched.
* ``analyze TEXT`` – the analyzer's tokens with their original spans.
* ``stats INDEX_DIR`` – documents, terms, segments, size, analyzer.
* ``unlock INDEX_DIR`` – clear a write lock no process holds.

User errors print one line ``arsearch: error: <message>`` on stderr and exit
with 2 (bad usage) or 1 (anything else), never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import gzip
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .analysis import ANALYZER_VERSION, DEFAULT_ANALYZER, Analyzer
from .errors import ArsearchError, DocumentError, IndexLockedError, IndexNotFoundError, QueryError
from .index import FORMAT_VERSION, INDEX_NAME, META_FILE, Index
from .schema import Field, Ranking, resolve_fields
from .stem import STEMMERS

__all__ = ["main", "build_parser"]

PROG = "arsearch"
#: Whoosh's FileStorage names an index's write lock ``<indexname>_WRITELOCK``
#: (``whoosh.index.FileIndex.lock`` → ``storage.lock(indexname + "_" + name)``
#: with ``name="WRITELOCK"`` from ``whoosh.writing.SegmentWriter``).
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"
#: Input kinds by (lower-cased) file name ending, longest first.
SUFFIXES: tuple[tuple[str, str], ...] = ((".jsonl.gz", "jsonl.gz"), (".jsonl", "jsonl"), (".txt", "txt"))
SUPPORTED = ".txt, .jsonl or .jsonl.gz"
#: Errors shown per input file before the rest are only counted.
MAX_ERRORS_PER_FILE = 10
SNIPPET_FORMATS = ("html", "text", "ansi")

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


class UsageError(Exception):
    """A command line argparse (or a command) rejects: exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, handled by :func:`main`."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


# -- entry point ---------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        return _fail(str(e), 2)
    except SystemExit as e:  # --help, --version
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        return _fail(str(e), 2)
    except KeyboardInterrupt:
        _stderr_line(f"{PROG}: interrupted")
        return 130
    except BrokenPipeError:  # e.g. `arsearch search x | head -1`
        _silence_stdout()
        return 141
    except QueryError as e:  # a bad search argument (e.g. an unknown field): a usage error
        return _fail(str(e), 2)
    except ArsearchError as e:
        return _fail(str(e), 1)
    except OSError as e:
        return _fail(_os_message(e), 1)
    except UnicodeEncodeError as e:
        return _fail(f"cannot print this text in the terminal's encoding {e.encoding!r}; set PYTHONIOENCODING=utf-8", 1)


def _fail(message: str, status: int) -> int:
    _stderr_line(f"{PROG}: error: {_one_line(message)}")
    return status


def _stderr_line(line: str) -> None:
    stream = sys.stderr
    if _isatty(stream):
        line = "\r\x1b[K" + line  # over a progress line, if any
    print(line, file=stream, flush=True)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _os_message(e: OSError) -> str:
    reason = e.strerror or str(e) or type(e).__name__
    return f"{e.filename}: {reason}" if e.filename else reason


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# -- the parser --------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


MAIN_EPILOG = """\
Example:
  arsearch index ./ix ./articles/           # build (or update) an index
  arsearch search --index ./ix "تنظيم الدولة"
  arsearch search "المكتبة"                  # the bundled sample corpus
  arsearch analyze "الْمَكْتَبَةُ"

Run 'arsearch COMMAND --help' for a command's options.
"""

INDEX_EPILOG = """\
Inputs:
  .txt        one document: id = the path as given (folder path + relative
              path for files found in a folder), title = its first non-empty
              line, body = the whole text (UTF-8)
  .jsonl      one JSON object per line: "id", "title", "text" or "body";
  .jsonl.gz   other keys are ignored unless the index declares such a field
  folders     searched recursively for the files above (hidden folders and
              the index folder itself are skipped)

Documents whose id is already in the index replace the old version. Bad
files and lines are reported on stderr, one line each, and skipped.
Exit status: 0 if anything was indexed (or nothing was wrong), 1 if every
input failed, 2 for usage errors.

Example:
  arsearch index ./ix ./articles/ news.jsonl.gz
  arsearch index --rebuild ./ix ./articles/
"""

SEARCH_EPILOG = """\
Query language: words (any form: المكتبات finds مكتبة), "exact phrases",
+required, -excluded, prefix*, field:word (e.g. title:الدولة). Put -- before
a query that starts with '-'.

Without --index the bundled sample corpus is searched; it is indexed once
into $ARSEARCH_CACHE (default $XDG_CACHE_HOME/arsearch or ~/.cache/arsearch).
Snippets are 'ansi' (highlighted) on a terminal, 'text' ([marks]) otherwise.

Example:
  arsearch search --index ./ix "تنظيم الدولة" -n 5
  arsearch search --index ./ix 'title:الدولة "دير الزور"' --json
"""

ANALYZE_EPILOG = """\
Columns: token position, index term, the original span of the text (with its
diacritics and hamza spelling) and its start-end character offsets.
TEXT '-' reads the text from stdin.

Example:
  arsearch analyze "ذهبَ الطُّلّابُ إلى الْمَكْتَبَةُ"
  arsearch analyze --stemmer none --keep-stopwords "في المكتبات"
"""

STATS_EPILOG = """\
Example:
  arsearch stats ./ix
  arsearch stats ./ix --json
"""

UNLOCK_EPILOG = """\
A writer holds the index's write lock file (MAIN_WRITELOCK) while it runs.
If no process holds it, the lock is stale: it is cleared and the exit
status is 0. If a writer is running, nothing is touched and the exit status
is 1. With no lock file there is nothing to do (exit 0).

Example:
  arsearch unlock ./ix
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``arsearch`` command."""
    from . import __version__

    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        description="Full-text search over Arabic text.",
        epilog=MAIN_EPILOG,
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "index",
        help="add files or folders to an index (created if missing)",
        description="Add .txt, .jsonl and .jsonl.gz files (or folders of them) to the index in\n"
        "INDEX_DIR, creating it if missing. Re-indexing a document updates it.",
        epilog=INDEX_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("index_dir", metavar="INDEX_DIR", help="the index folder (created if missing)")
    p.add_argument("paths", metavar="PATH", nargs="+", help=f"{SUPPORTED} files, or folders holding them")
    p.add_argument("--rebuild", action="store_true", help="recreate the index from scratch first")
    p.add_argument("--procs", type=_positive_int, default=1, metavar="N", help="writer processes (default 1)")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser(
        "search",
        help="search an index (or the bundled sample corpus)",
        description="Print the ranked hits of QUERY: rank, score, id, title and a highlighted\nsnippet.",
        epilog=SEARCH_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("query", metavar="QUERY", help="the query (quote it if it has spaces)")
    p.add_argument("--index", "-i", metavar="INDEX_DIR", help="the index to search (default: the sample corpus)")
    p.add_argument("-n", "--limit", type=_non_negative_int, default=10, metavar="N", help="hits to show (default 10)")
    p.add_argument("--offset", type=_non_negative_int, default=0, metavar="K", help="skip the first K hits")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: query, total, offset, hits (snippets as --format, default text)",
    )
    p.add_argument(
        "--format",
        choices=SNIPPET_FORMATS,
        help="snippet marks: html (<mark>), text ([...]) or ansi (color); default ansi on a terminal, else text",
    )
    p.add_argument("--fields", metavar="F1,F2", help="search only these text fields (e.g. title,body)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "analyze",
        help="show how text is tokenized, normalized and stemmed",
        description="Print each token of TEXT: position, index term, original span and offsets.",
        epilog=ANALYZE_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("text", metavar="TEXT", nargs="+", help="the text (several arguments are joined by spaces)")
    p.add_argument("--stemmer", choices=STEMMERS, default="light", help="default: light")
    p.add_argument("--keep-stopwords", action="store_true", help="also show stop words (not indexed by default)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser(
        "stats",
        help="describe an index",
        description="Print an index's documents, distinct terms, segments, size on disk and\nanalyzer.",
        epilog=STATS_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("index_dir", metavar="INDEX_DIR")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "unlock",
        help="clear a stale write lock",
        description="Clear the write lock of the index in INDEX_DIR if no running writer holds it.",
        epilog=UNLOCK_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("index_dir", metavar="INDEX_DIR")
    p.set_defaults(func=cmd_unlock)
    return parser


# -- index: inputs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One input file: where to read it, how to name it, its kind."""

    path: Path
    label: str  # shown in messages; the id of a .txt document
    kind: str  # "txt", "jsonl" or "jsonl.gz"


def _kind(name: str) -> str | None:
    lower = name.lower()
    return next((kind for suffix, kind in SUFFIXES if lower.endswith(suffix)), None)


def _label(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


class Reporter:
    """Progress, skipped inputs and the summary, on ``stream`` (stderr).

    On a terminal the progress is one line rewritten in place; elsewhere only
    the messages and the final summary are written.
    """

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = _isatty(stream) if tty is None else tty
        self.skipped = 0
        self.t0 = time.perf_counter()
        self._shown = False
        self._last = 0.0

    def start(self) -> None:
        self.t0 = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def message(self, line: str) -> None:
        self.clear()
        print(line, file=self.stream, flush=True)

    def skip(self, where: str, reason: str, *, show: bool = True) -> None:
        self.skipped += 1
        if show:
            self.message(f"{PROG}: skipped {where}: {_one_line(reason)}")

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


def collect(paths: Sequence[str], reporter: Reporter, exclude: Path | None = None) -> list[Source]:
    """The input files named by ``paths`` (folders walked recursively, sorted).

    Missing paths, unsupported files and unreadable folders are reported
    (and counted) as skipped; a file reached twice is read once.
    """
    excluded = os.path.realpath(exclude) if exclude is not None else None
    sources: list[Source] = []
    seen: set[str] = set()

    def add(path: str, label: str, kind: str) -> None:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            sources.append(Source(Path(path), label, kind))

    for arg in paths:
        label = _label(arg)
        if os.path.isdir(arg):
            found = 0
            for path, rel in _walk(arg, reporter, excluded):
                kind = _kind(rel)
                if kind is not None:
                    found += 1
                    add(path, _label(os.path.join(arg, rel)), kind)
            if not found:
                reporter.message(f"{PROG}: note: no {SUPPORTED} files in {label}")
        elif os.path.isfile(arg):
            kind = _kind(arg)
            if kind is None:
                reporter.skip(label, f"unsupported file type (expected {SUPPORTED})")
            else:
                add(arg, label, kind)
        elif os.path.lexists(arg) and not os.path.exists(arg):
            reporter.skip(label, "broken symbolic link")
        elif os.path.exists(arg):
            reporter.skip(label, "not a regular file or folder")
        else:
            reporter.skip(label, "no such file or folder")
    return sources


def _walk(root: str, reporter: Reporter, excluded: str | None) -> Iterator[tuple[str, str]]:
    """(path, path relative to ``root``) of the files under ``root``, sorted."""

    def onerror(e: OSError) -> None:
        reporter.skip(_label(e.filename or root), f"unreadable folder ({e.strerror or e})")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and (excluded is None or os.path.realpath(os.path.join(dirpath, d)) != excluded)
        )
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            yield path, os.path.relpath(path, root)


def _read_txt(path: Path) -> tuple[str | None, str]:
    """(text, "") or (None, why the file is unusable)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, f"unreadable ({e.strerror or e})"
    if not data.strip():
        return None, "empty file"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "UTF-16 text; convert it to UTF-8"
    if b"\x00" in data:
        return None, "contains NUL bytes (a binary file?)"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})"
    if not text.strip():
        return None, "empty file"
    return text, ""


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
            self._skip(src, src.label, f"unreadable ({e.strerror or e})")
            return
        with f:
            n = 0
            content = False
            while True:
                try:
                    raw = f.readline()
                except (OSError, EOFError, zlib.error) as e:
                    reason = "not a gzip file" if isinstance(e, gzip.BadGzipFile) else f"unreadable ({_os_reason(e)})"
                    self._skip(src, src.label, reason if n == 0 else f"{reason} after line {n}")
                    return
                if not raw:
                    break
                n += 1
                if not raw.strip():
                    continue
                if b"\x00" in raw and not content:
                    self._skip(src, src.label, "contains NUL bytes (a binary file?)")
                    return
                content = True
                where = f"{src.label} line {n}"
                doc, why = self._parse_line(raw)
                if doc is None:
                    self._skip(src, where, why)
                else:
                    yield where, doc
            if not content:
                self._skip(src, src.label, "empty file")

    def _parse_line(self, raw: bytes) -> tuple[dict[str, Any] | None, str]:
        try:
            line = raw.decode("utf-8-sig").rstrip("\r\n")
        except UnicodeDecodeError as e:
            return None, f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})"
        try:
            obj = json.loads(line)
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


def _os_reason(e: BaseException) -> str:
    if isinstance(e, OSError):
        return e.strerror or str(e) or type(e).__name__
    return str(e) or type(e).__name__


# -- index: the command -----------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def cmd_index(args: argparse.Namespace) -> int:
    reporter = Reporter(sys.stderr)
    index_dir = Path(args.index_dir)
    sources = collect(args.paths, reporter, exclude=index_dir)
    if not sources and reporter.skipped:
        reporter.message(f"indexed 0 documents from 0 files ({reporter.skipped} skipped)")
        return _fail("nothing to index: every input was skipped", 1)
    ix = _open_for_writing(index_dir, rebuild=args.rebuild)
    try:
        feed = Feed(sources, ix.fields, reporter)
        reporter.start()
        count = ix.add_many(feed, update=True, procs=args.procs, progress=reporter.progress, on_error=feed.on_error)
    finally:
        reporter.clear()
        ix.close()
    secs = reporter.elapsed()
    rate = count / secs if secs > 0 else float(count)
    reporter.message(
        f"indexed {_plural(count, 'document')} from {_plural(len(feed.files_used), 'file')} "
        f"({reporter.skipped} skipped) in {secs:.2f} s ({rate:.0f} docs/s)"
    )
    if count == 0 and reporter.skipped:
        return _fail("no documents indexed: every input was skipped", 1)
    return 0


def _open_for_writing(path: Path, rebuild: bool) -> Index:
    """Open the index at ``path``, or create it (also when ``rebuild``)."""
    if (path / META_FILE).is_file():
        if not rebuild:
            return Index.open(path)
        fields, analyzer, ranking = _previous_settings(path)
        with _write_lock(path):  # do not pull the index from under a running writer
            return Index.create(path, fields, analyzer=analyzer, ranking=ranking, overwrite=True)
    if path.exists() and not path.is_dir():
        raise ArsearchError(f"{path} exists and is not a folder")
    if path.is_dir() and any(not _is_index_file(e.name) for e in path.iterdir()):
        raise ArsearchError(
            f"{path} is not empty and holds no arsearch index; give a new or empty folder as INDEX_DIR "
            f"(usage: arsearch index INDEX_DIR PATH...)"
        )
    return Index.create(path)


def _is_index_file(name: str) -> bool:
    """Files an interrupted ``Index.create`` may leave behind."""
    return name.startswith((f"{INDEX_NAME}_", f"_{INDEX_NAME}_")) or name == META_FILE + ".tmp"


def _previous_settings(path: Path) -> tuple[dict[str, Field] | None, Analyzer | None, Ranking | None]:
    """The fields, analyzer configuration and ranking an index was built with,
    kept by ``--rebuild`` (defaults where its metadata is unreadable)."""
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        fields = resolve_fields({n: Field(**f) for n, f in meta["fields"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ArsearchError):
        return None, None, None
    try:
        analyzer: Analyzer | None = Analyzer(**meta["analyzer"]["config"])
    except (ValueError, KeyError, TypeError, AttributeError, ArsearchError):
        analyzer = None
    try:
        ranking: Ranking | None = Ranking.from_json(meta["ranking"])
    except (ValueError, KeyError, TypeError, AttributeError, ArsearchError):
        ranking = None
    return fields, analyzer, ranking


# -- locks ---------------------------------------------------------------------------


def _file_lock(path: Path) -> Any:
    from whoosh.util.filelock import FileLock

    return FileLock(str(path))


@contextmanager
def _write_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock, or raise :class:`IndexLockedError`."""
    lock = _file_lock(index_dir / LOCK_FILE)
    if not lock.acquire(blocking=False):
        raise IndexLockedError(f"the index at {index_dir} is locked by a running writer; wait for it to finish")
    try:
        yield
    finally:
        lock.release()


def cmd_unlock(args: argparse.Namespace) -> int:
    path = Path(args.index_dir)
    if not path.is_dir():
        raise IndexNotFoundError(f"no arsearch index at {path} (no such folder)")
    lock_path = path / LOCK_FILE
    if not lock_path.exists():
        if not (path / META_FILE).is_file():
            raise IndexNotFoundError(f"no arsearch index at {path}")
        print(f"no write lock in {path}: nothing to clear")
        return 0
    lock = _file_lock(lock_path)
    if not lock.acquire(blocking=False):
        raise IndexLockedError(
            f"a writer is running on {path}: it holds the write lock {lock_path}; wait for it to finish"
        )
    removed = False
    try:
        try:  # remove it while holding it, so no writer can take the old file meanwhile
            lock_path.unlink()
            removed = True
        except FileNotFoundError:
            removed = True
        except PermissionError:
            if os.name != "nt":
                raise
    finally:
        lock.release()
    if not removed:  # Windows cannot remove a file that is open
        lock_path.unlink(missing_ok=True)
    print(f"cleared a stale write lock: {lock_path} (no process held it)")
    return 0


# -- search ----------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    fmt = args.format or ("text" if args.json else _default_format(sys.stdout))
    fields = None
    if args.fields is not None:
        fields = [f.strip() for f in args.fields.split(",") if f.strip()]
        if not fields:
            raise UsageError("--fields needs field names, e.g. --fields title,body (see 'arsearch search --help')")
    ix = Index.open(args.index) if args.index else seeds_index()
    try:
        results = ix.search(args.query, limit=args.limit, offset=args.offset, fields=fields, snippet_format=fmt)
    finally:
        ix.close()
    out = sys.stdout
    if args.json:
        payload = {
            "query": results.query,
            "total": results.total,
            "offset": results.offset,
            "hits": [hit.to_json() for hit in results],
        }
        print(json.dumps(payload, ensure_ascii=False), file=out)
        return 0
    if results.total == 0:
        print("no results", file=out)
        return 0
    if not results.hits:
        if args.limit == 0:
            print(f"{_plural(results.total, 'result')} for {_quote(args.query)}", file=out)
        else:
            print(f"no results at offset {results.offset} ({_plural(results.total, 'result')} in all)", file=out)
        return 0
    print(_header(results.total, results.offset, len(results.hits), args.query, results.elapsed_ms), file=out)
    ansi = fmt == "ansi"
    width = len(str(results.hits[-1].rank))
    indent = " " * (width + 2)
    for hit in results:
        rank = f"{hit.rank:>{width}}."
        line = f"{rank} {hit.id}"
        score = f"score {hit.score:.3f}"
        print(file=out)
        print(f"{BOLD}{line}{RESET}  {DIM}{score}{RESET}" if ansi else f"{line}  {score}", file=out)
        title = hit.fields.get("title")
        if isinstance(title, str) and title.strip():
            title = _shorten(_one_line(title), 120)
            if fmt == "html":
                title = html.escape(title)
            print(f"{indent}{BOLD}{title}{RESET}" if ansi else f"{indent}{title}", file=out)
        snippet = _one_line(hit.snippet)
        if snippet:
            print(f"{indent}{snippet}", file=out)
    return 0


def _default_format(stream: Any) -> str:
    if _isatty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
        return "ansi"
    return "text"


def _quote(query: str) -> str:
    return f"\u201c{_one_line(query)}\u201d"


def _header(total: int, offset: int, shown: int, query: str, ms: float) -> str:
    what = f"{_plural(total, 'result')} for {_quote(query)}"
    if offset or shown < total:
        what = f"{offset + 1}-{offset + shown} of {what}"
    return f"{what} ({ms:.0f} ms)"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"


# -- the bundled seeds corpus -------------------------------------------------------------------


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
        if folder.is_dir() and any(_kind(p.name) for p in folder.iterdir() if p.is_file()):
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


def _seed_sources(folder: Path, reporter: Reporter) -> list[Source]:
    return [
        Source(Path(path), _label(rel), kind)
        for path, rel in _walk(str(folder), reporter, None)
        if (kind := _kind(rel)) is not None
    ]


def seeds_digest(sources: Sequence[Source]) -> str:
    """A hash of the seed files' names, sizes and mtimes, the analyzer version
    and the index format (and arsearch) version."""
    h = hashlib.sha256()
    for src in sources:
        st = src.path.stat()
        h.update(f"{src.label}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    from . import __version__

    h.update(f"{ANALYZER_VERSION}\0{DEFAULT_ANALYZER.version}\0{FORMAT_VERSION}\0{__version__}".encode())
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
    sources = _seed_sources(folder or seeds_dir(), reporter)
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
        reason = _os_reason(e) if isinstance(e, OSError) else str(e)
        notify(f"{PROG}: note: cannot write the cache in {root} ({reason}); indexing the sample corpus in memory")
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


# -- analyze -------------------------------------------------------------------------------


def cmd_analyze(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    if text == "-":
        text = sys.stdin.read()
    analyzer = Analyzer(stemmer=args.stemmer)
    tokens = analyzer.analyze(text, keep_stopwords=args.keep_stopwords)
    rows = []
    for t in tokens:
        surface = text[t.start : t.end]
        entry = analyzer.entry(surface)
        rows.append(
            {
                "position": t.position,
                "term": t.text,
                "original": surface,
                "start": t.start,
                "end": t.end,
                "stopword": bool(entry and entry[1]),
            }
        )
    if args.json:
        print(json.dumps({"text": text, "analyzer": analyzer.version, "tokens": rows}, ensure_ascii=False))
        return 0
    if not rows:
        hint = "" if args.keep_stopwords else " (only stop words? try --keep-stopwords)"
        print(f"no tokens{hint}")
        return 0
    header = ["pos", "term", "original", "span"]
    table = [[str(r["position"]), r["term"], r["original"], f"{r['start']}-{r['end']}"] for r in rows]
    if args.keep_stopwords:
        header.append("stop")
        for line, r in zip(table, rows):
            line.append("yes" if r["stopword"] else "")
    for line in _columns([header, *table], right=(0,)):
        print(line)
    return 0


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: combining marks (Arabic diacritics) take none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _columns(rows: Sequence[Sequence[str]], right: Sequence[int] = (), gap: str = "  ") -> list[str]:
    """``rows`` as aligned columns (columns in ``right`` right-aligned)."""
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _display_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append(gap.join(cells).rstrip())
    return lines


# -- stats -------------------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace) -> int:
    ix = Index.open(args.index_dir)
    try:
        stats = ix.stats()
    finally:
        ix.close()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    fields = ", ".join(f"{name} ({kind})" for name, kind in stats["fields"].items())
    terms = ", ".join(f"{name} {count:,}" for name, count in stats["terms"].items())
    reps = ", ".join(f"{s} × {w:g}" for s, w in stats["representations"]) or "none"
    analyzer = stats["analyzer"]
    rows = [
        ["index", str(stats["path"])],
        ["documents", f"{stats['documents']:,}"],
        ["deleted", f"{stats['deleted']:,} (purged when segments merge)"],
        ["segments", str(stats["segments"])],
        ["size", _size(stats["size_bytes"])],
        ["fields", fields],
        ["distinct terms", terms],
        ["analyzer", f"{analyzer['name']} {analyzer['version']}"],
        ["representations", reps],
    ]
    for line in _columns(rows):
        print(line)
    return 0


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n:,} bytes"  # pragma: no cover
