"""The ``arsearch`` command: index files, search, analyze text, inspect an index.

Commands (``arsearch COMMAND --help`` shows each one's options and an example):

* ``index INDEX_DIR PATH...`` – add ``.txt``, ``.jsonl``/``.ndjson``,
  ``.json``, ``.csv`` and ``.tsv`` files (gzipped too; folders of them;
  ``-`` for stdin) to an index, creating it if needed; re-indexing a
  document replaces it. Encodings are detected (:mod:`arsearch.encodings`),
  keys mapped with ``--id/--title/--text/--field`` (:mod:`arsearch.mapping`).
* ``search [--index INDEX_DIR] QUERY`` – ranked hits with highlighted snippets;
  without ``--index`` the bundled sample corpus (``arsearch.seeds``) is searched.
* ``analyze TEXT`` – the analyzer's tokens with their original spans.
* ``stats INDEX_DIR`` – documents, terms, segments, size, analyzer.
* ``compact INDEX_DIR`` – merge the index into one segment, dropping deleted documents.
* ``unlock INDEX_DIR`` – tell whether a process holds the write lock.

User errors print one line ``arsearch: error: <message>`` on stderr and exit
with 2 (bad usage) or 1 (anything else), never a traceback. Every line
printed shows control characters and bidi overrides as visible escapes
(:mod:`arsearch.terminal`): a document, a file name or a query cannot send
the terminal commands.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import html
import io
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from .analysis import Analyzer
from .errors import ArsearchError, IndexLockedError, IndexNotFoundError, QueryError
from .engines import DEFAULT_ENGINE, ENGINES, available_engines, file_lock, store_class
from .encodings import check_encoding
from .fields import DEFAULT_FIELDS, ID_FIELD, KINDS, Field, Ranking, resolve_fields
from .highlight import FORMATS, NEAR_FORMATS
from .index import META_FILE, Index
from .manifest import FileState, Manifest
from .memory import DEFAULT_MEMORY_MB, MIN_MEMORY_MB
from .seedcache import seeds_index
from .sources import FORMATS as INPUT_FORMATS, PROG, PROGRESS_MODES, SUPPORTED, Feed, ReadOptions, Reporter, Source, collect, is_tty, one_line, os_reason, size_text
from .stem import STEMMERS
from .swap import replace_dir
from .terminal import json_printable, printable, printable_except

__all__ = ["main", "build_parser"]

SNIPPET_FORMATS = ("html", "text", "ansi")
#: ``search --format``: the snippet formats (human-readable lines) and csv (one row per hit).
OUTPUT_FORMATS = (*SNIPPET_FORMATS, "csv")
#: What ``--json`` and ``--format csv`` print of each hit unless ``--show`` says otherwise.
DEFAULT_SHOW = ("rank", "id", "score", "title", "snippet")
#: The columns of a hit besides its stored fields: ``title`` and ``snippet`` are highlighted.
HIT_COLUMNS = ("rank", "id", "score", "title", "snippet", "explain")
#: Values of a facet listed in text output (``--json`` lists them all).
FACET_LINES = 20
#: ``arsearch search``'s exit status when nothing matches (grep's convention: 0 with
#: hits, 1 with none, 2 on a usage error).
NO_HITS = 1

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
#: The escape sequences an ansi snippet may hold: its marks (the text's own are escaped).
ANSI_MARKS = (*FORMATS["ansi"][:2], *NEAR_FORMATS["ansi"])


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
    argv = _sort_argument(list(sys.argv[1:] if argv is None else argv))
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


def _sort_argument(argv: list[str]) -> list[str]:
    """``--sort -year`` as ``--sort=-year``: argparse reads a value starting
    with '-' as an option, and descending order is written that way."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            return out + argv[i:]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if token == "--sort" and len(nxt) > 1 and nxt[0] == "-" and nxt[1] != "-" and nxt not in SEARCH_SHORT_OPTIONS:
            out.append(f"--sort={nxt}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def _fail(message: str, status: int) -> int:
    _stderr_line(f"{PROG}: error: {one_line(message)}")
    return status


def _stderr_line(line: str) -> None:
    stream = sys.stderr
    line = printable(line)
    if is_tty(stream):
        line = "\r\x1b[K" + line  # over a progress line, if any
    print(line, file=stream, flush=True)


def _os_message(e: OSError) -> str:
    reason = os_reason(e)
    return f"{e.filename}: {reason}" if e.filename else reason


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# -- the parser --------------------------------------------------------------------


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < minimum:
        bound = "be 0 or more" if minimum == 0 else f"be at least {minimum}"
        raise argparse.ArgumentTypeError(f"must {bound}, not {value}")
    return value


def _memory_mb(text: str) -> int:
    return _whole_number(text, MIN_MEMORY_MB)


def _positive_int(text: str) -> int:
    return _whole_number(text, 1)


def _non_negative_int(text: str) -> int:
    return _whole_number(text, 0)


def _encoding(text: str) -> str:
    try:
        return check_encoding(text)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {text!r} (e.g. utf-8, cp1256, iso-8859-6, utf-16)") from None


def _field_spec(text: str) -> tuple[str, str]:
    name, sep, kind = text.partition(":")
    name, kind = name.strip(), kind.strip()
    if not sep or not name or kind not in KINDS:
        raise argparse.ArgumentTypeError(f"expected NAME:KIND with KIND one of {', '.join(KINDS)}, not {text!r}")
    if name == ID_FIELD or not name.isidentifier() or "__" in name:
        raise argparse.ArgumentTypeError(f"a field name is an identifier without '__', other than 'id', not {name!r}")
    return name, kind


MAIN_EPILOG = """\
Example:
  arsearch index ./ix ./articles/           # build (or update) an index
  arsearch search --index ./ix "تنظيم الدولة"
  arsearch search "المكتبة"                  # the bundled sample corpus
  arsearch complete --index ./ix "مجلس الا"  # completions as you type
  arsearch analyze "الْمَكْتَبَةُ"

Run 'arsearch COMMAND --help' for a command's options.
"""

INDEX_EPILOG = """\
Inputs:
  .txt        one document: id = the name of the folder given (or holding
              the file given), then the path inside it: txt/a.txt whether
              the folder is typed txt, /abs/txt or . ; title = its first
              non-empty line, body = the whole text
  .jsonl      one JSON object per line (.ndjson the same)
  .json       a JSON array of objects
  .csv .tsv   a header row naming the columns, then one row per document
              (TSV: tab-separated, no quoting)
              JSON, CSV and TSV also gzipped (.jsonl.gz, .csv.gz ...); their
              keys: "id" (or --id KEY), "title" (--title KEY), "body" or
              "text" (--text KEY), and each field the index declares (see
              --field); other keys are ignored
  no extension  sniffed: a JSON array, JSON lines, CSV or TSV (a header and
              rows of as many cells), else plain text; --format sets it
  -           stdin, in the --format given (sniffed without one)
  folders     searched recursively for the files above (hidden folders,
              hidden files without an extension, other extensions and the
              index folder itself are skipped)
Encodings: UTF-8 (with or without a byte-order mark), UTF-16 (by its
byte-order mark), cp1256 and ISO-8859-6 are detected; --encoding forces one.
A file that decodes to implausible text (mojibake) is skipped with a reason.

Documents whose id is already in the index replace the old version. The
index records the files it read (size, time, content hash, the ids read
from each: arsearch-sources.json): a file unchanged since is skipped
(--force reads it again), so re-running the same command changes nothing.
--sync also removes the documents of files that are gone (deleted, or no
longer in a folder given) and of lines removed from a file; without it
nothing is ever removed.

Progress: a bar (bytes read, documents, time left) when stdout and stderr
are terminals, else a plain line every 10 s on stderr (--progress), then a
one-line summary: documents added and updated, removed, skipped and why.
Ctrl-C (or SIGTERM) stops at the next document and commits what was read
(exit 130, or 143); a second one drops what was not yet committed. A
--rebuild interrupted leaves the old index as it was.
--rebuild builds a new index (with the old one's fields and settings) in a
hidden folder beside INDEX_DIR, then swaps it in at once; until then
searches see the old index, and if the rebuild fails it is left as it was. Bad
files and lines are reported on stderr, one line each, and skipped.
Exit status: 0 if anything was indexed (or nothing was wrong), 1 if every
input failed, 2 for usage errors.

Example:
  arsearch index ./ix ./articles/ news.jsonl.gz
  arsearch index ./ix posts.csv --id url --text content --field year:numeric
  zcat dump.gz | arsearch index ./ix - --format ndjson
  arsearch index --sync ./ix ./articles/    # also drop documents of deleted files
  arsearch index --rebuild ./ix ./articles/
"""

SEARCH_EPILOG = """\
Query language (Lucene's query_string): words (any form: المكتبات finds
مكتبة), "exact phrases", "phrase"~2, +required, -excluded, AND / OR / NOT
(&& || !), ( ), prefix*, field:word and field:(a b) (e.g. title:الدولة),
word^2. Several QUERY words are joined into one query. Put -- before a query
that starts with '-'.

Marks: [word] matched the query word itself (its form or light stem); {word}
matched its root or a close spelling (ترمب for ترامب). --explain lists, for
each hit, which query words matched and how.

Arabizi: a Latin word the index does not know, or one with the digits 2 3 5
6 7 8 9 (el 7ekouma, tounes, ra2is), is also searched as the Arabic words it
reads as, printed as "searched as: الحكومة" (on stderr with --json and csv;
--explain lists each word's readings); --no-arabizi searches Latin words as
typed.

Filters (on the index's keyword, numeric and date fields; see 'arsearch
stats INDEX_DIR' for its fields), all of which must hold:
  --filter source=bbc          a keyword value (case-insensitive);
  --filter source=bbc,cnn      any of these (--filter source=x again adds x)
  --filter year=2020           a number; --filter year=2010..2020 a range,
  --filter year=2010..         both ends included, either end open
  --filter day=2020-01-31      a date (the whole day); ranges as above:
  --filter day=2020-01-01..2020-06-30T12:00
  --filter id=DOC_ID           one document
--sort FIELD (ascending) or --sort -FIELD (descending) orders all the hits
by a keyword, numeric or date field instead of relevance (the default):
documents without a value come last; equal values are ordered by score,
then by index order (the order documents were added, until segments merge).
--facet FIELD counts, over all the hits, how many hold each value of a
keyword field (most frequent first).

Output: hits as lines (rank, id, score, the title and a snippet, the query's
words marked in both); --json prints JSON Lines, one object per hit, with
the keys --show chooses (default: rank,id,score,title,snippet; also explain,
and any stored field such as body or source), then, with --facet, one last
line {"facets": {FIELD: {VALUE: COUNT}}, "total": N}; --format csv prints a
header row and one row per hit with the same columns. title and snippet are
marked as with --format text in --json and csv output ([word], {word}), or
as html with --json --format html.

Without --index the bundled sample corpus is searched; it is indexed once
into $ARSEARCH_CACHE (default $XDG_CACHE_HOME/arsearch or ~/.cache/arsearch).
Snippets are 'ansi' (highlighted) on a terminal, 'text' ([marks]) otherwise.

Exit status, as grep's: 0 when something matched, 1 when nothing did, 2 on a
usage error (and 1 on other errors, with a one-line message).

Example:
  arsearch search --index ./ix "تنظيم الدولة" -n 5
  arsearch search --index ./ix 'title:الدولة "دير الزور"' --json --show id,score,title
  arsearch search -i ./ix "النفط" --filter source=bbc --filter year=2015.. --sort -year
  arsearch search -i ./ix "النفط" -n 0 --facet source
  arsearch search -i ./ix "النفط" --format csv --show id,source,title > hits.csv
"""

COMPLETE_EPILOG = """\
The last word of TEXT is completed from the index's own words, as its
documents most often write them (hamza, diacritics, tatweel, ى/ي and ة/ه
in TEXT do not matter); after a word, the two-word phrases it begins come
first. A joined و/ف (and بال، لل...) is kept: والمدر gives والمدرسة. A
TEXT ending with a space completes the next word. Each line: the
completion, then the documents holding it. Exit status 1 when there is none.

Without --index the bundled sample corpus is used (see 'arsearch search --help').

Examples:
  arsearch complete "الانتخا"
  arsearch complete --index news-index -n 5 "مجلس الا"
  arsearch complete --json "والمدر"
"""

ANALYZE_EPILOG = """\
Columns: token position, index term (the light stem), the original span of
the text (with its diacritics and hamza spelling), its start-end character
offsets, and the word's other representations in the default index: its
ISRI root and its character 4-grams.
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

COMPACT_EPILOG = """\
Replacing a document (re-indexing it) or deleting one marks the old copy
deleted; it takes room until its segment is merged. Commits merge segments
on their own (a segment with more than a third of its documents deleted is
rewritten), so compact is rarely needed: after large deletions, or to make
an index as small as it gets before copying it. It prints the segments,
deleted documents and size before and after. On the tantivy engine the
documents are written again from their stored fields.

Example:
  arsearch compact ./ix
"""

UNLOCK_EPILOG = """\
A writer holds the index's write lock while it runs: a lock the system
releases when the process ends, even one killed, so a lock no process holds
stops no one (the lock file stays; it is harmless). unlock reports which
case it is: exit 0 when no process holds the lock (nothing to do), 1 when
one does (named where the system tells, e.g. "process 1234"): let it finish
or stop it, then write again.

Example:
  arsearch unlock ./ix
"""


def _non_negative_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value


def _add_wait(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        type=_non_negative_seconds,
        default=0.0,
        metavar="SECONDS",
        help="if another command is writing to the index, wait up to SECONDS for it (default: fail at once)",
    )


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
        description="Add .txt, .jsonl, .ndjson, .json, .csv and .tsv files (or folders of them, or\n"
        "stdin) to the index in INDEX_DIR, creating it if missing. Re-indexing a\n"
        "document updates it.",
        epilog=INDEX_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("index_dir", metavar="INDEX_DIR", help="the index folder (created if missing)")
    p.add_argument("paths", metavar="PATH", nargs="+", help=f"{SUPPORTED} files, folders holding them, or - (stdin)")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="recreate the index from scratch: built aside, then swapped in (readers see the old one until then)",
    )
    p.add_argument("--procs", type=_positive_int, default=1, metavar="N", help="writer processes (default 1)")
    p.add_argument(
        "--engine",
        choices=list(ENGINES),
        help=f"the engine of a new (or --rebuild) index (default: {DEFAULT_ENGINE}; tantivy needs "
        "pip install 'arsearch[tantivy]'); an existing index keeps its own",
    )
    p.add_argument(
        "--encoding",
        type=_encoding,
        metavar="NAME",
        help="read every input in this encoding (e.g. cp1256) instead of detecting it",
    )
    p.add_argument(
        "--format",
        choices=INPUT_FORMATS,
        help="the format of stdin (-) and of files without a known extension (default: sniffed)",
    )
    p.add_argument("--id", dest="id_key", metavar="KEY", help="the key or column holding the id (default: id)")
    p.add_argument("--title", dest="title_key", metavar="KEY", help="the key or column holding the title (default: title)")
    p.add_argument(
        "--text", dest="text_key", metavar="KEY", help="the key or column holding the text (default: body, else text)"
    )
    p.add_argument(
        "--field",
        dest="fields",
        type=_field_spec,
        action="append",
        default=[],
        metavar="NAME:KIND",
        help=f"declare a stored, filterable field filled from the key or column NAME; KIND: {', '.join(KINDS)} "
        "(a new index gets it; an existing index must already have it, of that kind, or be given --rebuild)",
    )
    p.add_argument(
        "--sync",
        action="store_true",
        help="also remove the documents of files that are gone (deleted, or no longer found in a folder given)",
    )
    p.add_argument("--force", action="store_true", help="read every file, even those unchanged since the last run")
    p.add_argument(
        "--memory-mb",
        type=_memory_mb,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help=f"the writer's memory budget in MiB (default {DEFAULT_MEMORY_MB}, at least {MIN_MEMORY_MB}): "
        "analysis caches and the engine's buffers",
    )
    _add_wait(p)
    p.add_argument(
        "--progress",
        choices=("auto", *PROGRESS_MODES),
        default="auto",
        help="a progress bar, a plain line every 10 s, or none (default auto: the bar on a terminal, lines otherwise)",
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser(
        "search",
        help="search an index (or the bundled sample corpus)",
        description="Print the ranked hits of QUERY: rank, score, id, title and a highlighted\nsnippet.",
        epilog=SEARCH_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("query", metavar="QUERY", nargs="+", help="the query (several words are joined by spaces)")
    p.add_argument("--index", "-i", metavar="INDEX_DIR", help="the index to search (default: the sample corpus)")
    p.add_argument("-n", "--limit", type=_non_negative_int, default=10, metavar="N", help="hits to show (default 10)")
    p.add_argument("--offset", type=_non_negative_int, default=0, metavar="K", help="skip the first K hits")
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON Lines: one object per hit with the --show keys (marks as --format, default text)",
    )
    p.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        help="html (<mark>), text ([...]) or ansi (color) marks, or csv rows; default ansi on a terminal, else text",
    )
    p.add_argument(
        "--show",
        metavar="F1,F2",
        help=f"what --json and csv print of each hit (default {','.join(DEFAULT_SHOW)}; also explain and stored fields)",
    )
    p.add_argument("--fields", metavar="F1,F2", help="search only these text fields (e.g. title,body)")
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="keep hits whose keyword, numeric or date FIELD has VALUE, or lies in LOW..HIGH (repeatable)",
    )
    p.add_argument("--sort", metavar="[-]FIELD", help="order by a keyword, numeric or date field (-FIELD: descending)")
    p.add_argument(
        "--facet", action="append", default=[], metavar="FIELD", help="count the hits per value of a keyword field (repeatable)"
    )
    p.add_argument("--explain", action="store_true", help="show, for each hit, which query words matched and how")
    p.add_argument(
        "--no-arabizi",
        dest="arabizi",
        action="store_false",
        help="search Latin words as they are (by default a Latin word the index lacks, or one with "
        "Arabizi digits such as 7ekouma, is also read as Arabic)",
    )
    cluster = p.add_argument_group(
        "a cluster", "search an OpenSearch/Elasticsearch index made by 'arsearch export' (--index names it there)"
    )
    cluster.add_argument("--url", metavar="URL", help="the cluster, e.g. http://localhost:9200 (pip install 'arsearch[opensearch]')")
    from .opensearch.cli import add_auth_arguments

    add_auth_arguments(cluster)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "complete",
        help="complete a search as it is typed (words and phrases of an index)",
        description="Print completions of TEXT: its last word completed, the most frequent first.",
        epilog=COMPLETE_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("text", metavar="TEXT", nargs="+", help="the text typed so far (several arguments are joined by spaces)")
    p.add_argument("--index", "-i", metavar="INDEX_DIR", help="the index (default: the sample corpus)")
    p.add_argument("-n", "--limit", type=_non_negative_int, default=10, metavar="N", help="completions to show (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object: text, completions (text, count)")
    p.set_defaults(func=cmd_complete)

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
        "compact",
        help="merge an index into one segment, dropping deleted documents",
        description="Rewrite the index in INDEX_DIR without the copies of replaced and deleted\n"
        "documents it keeps on disk until their segment is merged, in one segment.",
        epilog=COMPACT_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("index_dir", metavar="INDEX_DIR")
    _add_wait(p)
    p.set_defaults(func=cmd_compact)

    p = sub.add_parser(
        "unlock",
        help="tell whether a process holds an index's write lock",
        description="Tell whether a running process holds the write lock of the index in INDEX_DIR.",
        epilog=UNLOCK_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument("index_dir", metavar="INDEX_DIR")
    p.set_defaults(func=cmd_unlock)

    from .opensearch.cli import add_export_parser

    add_export_parser(sub, fmt)
    return parser


# -- index: the command -----------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


#: The ``arsearch index`` options that change the documents read from a file: a
#: file recorded as read with other values is read again (options not defined are None).
READ_OPTIONS = ("encoding", "format", "id_key", "title_key", "text_key", "fields")
#: Exit status of a command stopped by a signal: 128 + its number, as shells report it.
SIGNAL_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _progress_mode(choice: str) -> str:
    """``auto``: a bar when both stdout and stderr are terminals, plain lines otherwise."""
    if choice != "auto":
        return choice
    terminal = is_tty(sys.stderr) and is_tty(sys.stdout) and os.environ.get("TERM") != "dumb"
    return "bar" if terminal else "lines"


def _settings(ix: Index, args: argparse.Namespace) -> str:
    """A fingerprint of what decides the documents read from a file (see :data:`READ_OPTIONS`)."""
    data = {
        "fields": {n: f.kind for n, f in ix.fields.items()},
        "options": {k: getattr(args, k, None) for k in READ_OPTIONS},
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


class _Interruption:
    """SIGINT (Ctrl-C) and SIGTERM during ``arsearch index``.

    ``graceful``: the first signal stops reading at the next document; what
    was read is committed and recorded, and the command exits 130 (SIGINT)
    or 143 (SIGTERM). A second signal, or the first one when not graceful
    (``--rebuild``: a partial rebuild must not replace the index), raises
    KeyboardInterrupt: the pending writes are cancelled, and the commits
    made before (every ``batch_size`` documents) stay.
    """

    def __init__(self, reporter: Reporter, graceful: bool) -> None:
        self.reporter = reporter
        self.graceful = graceful
        self.signum: int | None = None
        self.feed: Feed | None = None
        self.committing = False  # the last commit started: it cannot be stopped half-way
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Interruption:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNAL_STATUS:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)

    @property
    def status(self) -> int:
        return SIGNAL_STATUS.get(self.signum or signal.SIGINT, 130)

    def _handle(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if self.committing:
            self.signum = self.signum or signum
            self.reporter.message(f"{PROG}: {name}: the documents read are being committed; it ends in a moment")
            return
        if self.signum is None and self.graceful:
            self.signum = signum
            if self.feed is not None:
                self.feed.stop()
            again = "press Ctrl-C again" if signum == signal.SIGINT else "send it again"
            self.reporter.message(
                f"{PROG}: {name}: stopping after the current document; what was read is being committed "
                f"({again} to drop it)"
            )
            return
        self.signum = self.signum or signum
        raise KeyboardInterrupt


def _then(docs: Iterable[dict[str, Any]], done: Any) -> Iterator[dict[str, Any]]:
    """``docs``, then ``done()`` once they are exhausted (``add_many`` commits next)."""
    yield from docs
    done()


def cmd_index(args: argparse.Namespace) -> int:
    reporter = Reporter(sys.stderr, mode=_progress_mode(args.progress))
    index_dir = Path(args.index_dir)
    fmt = "jsonl" if args.format == "ndjson" else args.format
    sources = collect(args.paths, reporter, exclude=index_dir, format=fmt)
    extra_fields = dict(args.fields)
    options = ReadOptions(
        encoding=args.encoding, format=fmt, id=args.id_key or ID_FIELD, title=args.title_key, text=args.text_key
    )
    if not sources and reporter.skipped:
        reporter.finish(0, 0)
        return _fail("nothing to index: every input was skipped", 1)
    rebuild = args.rebuild and (index_dir / META_FILE).is_file()
    aside = (
        _Aside(index_dir, engine=args.engine, wait=args.wait, fields=extra_fields, memory_mb=args.memory_mb)
        if rebuild else None
    )
    intr = _Interruption(reporter, graceful=aside is None)
    try:
        with intr:
            result = _index_run(args, index_dir, sources, aside, reporter, intr, options, extra_fields)
    except KeyboardInterrupt:
        reporter.clear()
        if aside is not None:
            what = f"the rebuild was abandoned; the index at {index_dir} was left as it was"
        else:
            what = "the documents read since the last commit were dropped; the index keeps what was committed"
        _stderr_line(f"{PROG}: interrupted: {what}")
        return intr.status
    finally:
        if aside is not None:
            aside.discard()
    count, removed = result
    if intr.signum is not None:
        _stderr_line(
            f"{PROG}: interrupted: the {_plural(count, 'document')} read were committed; run the same "
            f"command again to index the rest (unchanged files are skipped)"
        )
        return intr.status
    if count == 0 and removed == 0 and (reporter.skipped_files or reporter.skipped_documents) and not reporter.unchanged:
        kept = "; the index was left as it was" if aside else ""
        return _fail(f"no documents indexed: every input was skipped{kept}", 1)
    return 0


def _index_run(
    args: argparse.Namespace, index_dir: Path, sources: list[Source], aside: _Aside | None,
    reporter: Reporter, intr: _Interruption, options: ReadOptions, extra_fields: dict[str, str],
) -> tuple[int, int]:
    """Open (or create) the index, skip the unchanged files, write the others,
    remove what ``--sync`` removes, commit, record; returns (documents
    written, documents removed)."""
    ix = aside.create() if aside else _open_for_writing(
        index_dir, engine=args.engine, wait=args.wait, fields=extra_fields, memory_mb=args.memory_mb
    )
    try:
        assert ix.path is not None
        try:
            ix.begin(args.procs)  # the lock for the whole run: the record of sources is rewritten under it
        except IndexLockedError:
            raise _locked(index_dir) from None
        manifest = Manifest(ix.path) if aside else Manifest.load(ix.path)
        known = manifest.ids()
        start_docs = len(ix)
        exact = start_docs == 0 or (manifest.existed and len(known) == start_docs)
        settings = _settings(ix, args)
        todo: list[Source] = []
        states: dict[str, FileState] = {}
        for src in sources:
            if intr.signum is not None:
                break
            try:
                state = Manifest.state(src.path)
            except OSError:
                todo.append(src)  # the feed reports why it cannot be read
                continue
            if not args.force and manifest.unchanged(src.path, state, settings):
                reporter.unchanged += 1
            else:
                todo.append(src)
                states[src.label] = state
        doomed: set[str] = set()
        if args.sync and intr.signum is None:
            roots = [p for p in args.paths if os.path.isdir(p)]
            doomed = manifest.removals(manifest.gone(roots, [s.path for s in sources]))
        feed = Feed(todo, ix.fields, reporter, options)
        intr.feed = feed
        if intr.signum is not None:
            feed.stop()
        count = 0
        if todo or doomed:
            for doc_id in sorted(doomed):
                ix.delete(doc_id)
            reporter.start(sum(s.size for s in states.values()), feed.position, files=len(todo))
            count = ix.add_many(
                _then(feed, lambda: (setattr(intr, "committing", intr.graceful), reporter.committing())), update=True, procs=args.procs, progress=reporter.progress,
                on_error=feed.on_error,
            )
        else:
            reporter.start()
            ix.cancel()
        written = set().union(*feed.ids.values()) if feed.ids else set()
        finished = {s.label for s in feed.complete}
        manifest.claim(written, unfinished=[i for label, ids in feed.ids.items() if label not in finished for i in ids])
        for src in feed.complete:
            if src.label in states:  # else its stat failed and its read did not: recorded by the next run
                manifest.record(src.path, states[src.label], settings, feed.ids.get(src.label, []))
        try:
            manifest.save()
        except OSError as e:
            reporter.message(f"{PROG}: warning: cannot record the files read ({os_reason(e)}); the next run reads them again")
        removed = len(doomed - written)
        updated = len(written & known) if exact else None
        reporter.finish(count, len(feed.files_used), None if updated is None else count - updated, updated, removed)
    finally:
        reporter.clear()
        ix.close()
    if aside and (count or not (reporter.skipped_files or reporter.skipped_documents)) and intr.signum is None:
        aside.swap()
    return count, removed


def _locked(index_dir: Path) -> IndexLockedError:
    return IndexLockedError(
        f"the index at {index_dir} is locked: another arsearch command is writing to it; let it finish, "
        f"or add --wait SECONDS to wait for it ('arsearch unlock {index_dir}' tells whether a process holds the lock)"
    )


class _Aside:
    """``--rebuild`` of an existing index: the new index is built in a hidden
    sibling folder, under the old index's write lock (a write to the old
    index meanwhile would be lost), then put in its place in one step
    (:func:`~arsearch.swap.replace_dir`). Readers see the old index until
    then; if the rebuild fails, the old index is left as it was."""

    def __init__(
        self, index_dir: Path, engine: str | None = None, wait: float = 0.0, fields: dict[str, str] | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> None:
        self.target = index_dir.resolve()  # a symbolic link keeps pointing at the index
        self.index_dir = index_dir
        self.wait = wait
        self.engine = engine  # None: the old index's
        self.extra_fields = fields or {}  # --field declarations: added to (or changing) the old index's
        self.memory_mb = memory_mb
        self.folder: Path | None = None  # the new index, then (after swap) the old one
        self._held = ExitStack()  # the old index's write lock

    def create(self) -> Index:
        fields, analyzer, ranking = _previous_settings(self.target)
        if self.extra_fields:
            fields = {**(fields or DEFAULT_FIELDS), **{n: Field(k) for n, k in self.extra_fields.items()}}
        self._held.enter_context(_write_lock(self.target, self.wait, shown=self.index_dir))
        self.folder = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.rebuild-", dir=self.target.parent))
        engine = self.engine or _engine_of(self.target)
        return Index.create(self.folder, fields, analyzer=analyzer, ranking=ranking, engine=engine, memory_mb=self.memory_mb)

    def swap(self) -> None:
        assert self.folder is not None
        self.folder = replace_dir(self.folder, self.target)

    def discard(self) -> None:
        """Remove the folder aside (a failed rebuild, or the old index) and release the lock."""
        try:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
        finally:
            self._held.close()


def _open_for_writing(
    path: Path, engine: str | None = None, wait: float = 0.0, fields: dict[str, str] | None = None,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> Index:
    """Open the index at ``path``, or create it (``--rebuild`` of an existing one: :class:`_Aside`);
    a writer waits up to ``wait`` seconds for its write lock; ``fields`` (``--field``) are added to
    a new index and must agree with an existing one; ``memory_mb`` is the writer's budget."""
    if (path / META_FILE).is_file():
        ix = Index.open(path, lock_timeout=wait, memory_mb=memory_mb)
        if engine is not None and engine != ix.engine:
            ix.close()
            raise UsageError(f"the index at {path} uses the {ix.engine} engine; add --rebuild to rebuild it with {engine}")
        mismatch = _field_mismatch(ix.fields, fields or {})
        if mismatch:
            ix.close()
            raise UsageError(f"{mismatch} in the index at {path}; add --rebuild to rebuild it with --field as given")
        return ix
    if path.exists() and not path.is_dir():
        raise ArsearchError(f"{path} exists and is not a folder")
    if path.is_dir() and any(not _is_index_file(e.name) for e in path.iterdir()):
        raise ArsearchError(
            f"{path} is not empty and holds no arsearch index; give a new or empty folder as INDEX_DIR "
            f"(usage: arsearch index INDEX_DIR PATH...)"
        )
    declared = {**DEFAULT_FIELDS, **{n: Field(k) for n, k in (fields or {}).items()}} if fields else None
    return Index.create(path, declared, engine=engine, memory_mb=memory_mb)


def _field_mismatch(existing: dict[str, Field], wanted: dict[str, str]) -> str:
    """Why ``--field`` declarations disagree with an index's fields ("" if they agree)."""
    for name, kind in wanted.items():
        have = existing.get(name)
        if have is None:
            kinds = ", ".join(f"{n} ({f.kind})" for n, f in existing.items())
            return f"--field {name}:{kind}: there is no field {name!r} (fields: {kinds})"
        if have.kind != kind:
            return f"--field {name}:{kind}: the field {name!r} is {have.kind}, not {kind},"
    return ""


def _is_index_file(name: str) -> bool:
    """Files an interrupted ``Index.create`` may leave behind."""
    return name == META_FILE + ".tmp" or any(store_class(e).owns(name) for e in available_engines())


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


#: The write lock of a Whoosh index (the default engine), relative to its folder.
LOCK_FILE = store_class("whoosh").LOCK_FILE


def _engine_of(index_dir: Path) -> str:
    """The engine recorded in an index's metadata (Whoosh when unreadable)."""
    try:
        engine = json.loads((index_dir / META_FILE).read_text(encoding="utf-8")).get("engine", DEFAULT_ENGINE)
    except (OSError, ValueError, AttributeError):
        return DEFAULT_ENGINE
    return engine if engine in ENGINES else DEFAULT_ENGINE


def _lock_path(index_dir: Path) -> Path:
    return index_dir / store_class(_engine_of(index_dir)).LOCK_FILE


def _file_lock(path: Path) -> Any:
    return file_lock(path)


#: Seconds between two attempts to take a write lock within ``--wait``.
LOCK_POLL = 0.1


@contextmanager
def _write_lock(index_dir: Path, wait: float = 0.0, shown: Path | None = None) -> Iterator[None]:
    """Hold the index's write lock (waiting up to ``wait`` seconds for it), or
    raise :class:`IndexLockedError`."""
    path = _lock_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _file_lock(path)
    deadline = time.monotonic() + wait
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise _locked(shown or index_dir)
        time.sleep(LOCK_POLL)
    try:
        yield
    finally:
        lock.release()


def cmd_unlock(args: argparse.Namespace) -> int:
    path = Path(args.index_dir)
    if not path.is_dir():
        raise IndexNotFoundError(f"no arsearch index at {path} (no such folder)")
    if not (path / META_FILE).is_file():
        raise IndexNotFoundError(f"no arsearch index at {path}")
    lock_path = _lock_path(path)
    if not lock_path.exists():
        print(printable(f"the index at {path} is not locked (it has no lock file): nothing to do"))
        return 0
    lock = _file_lock(lock_path)
    if not lock.acquire(blocking=False):
        holder = _lock_holder(lock_path)
        who = f" (process {holder})" if holder is not None else ""
        raise IndexLockedError(
            f"the index at {path} is locked: a running process{who} holds its write lock; let it finish, "
            f"or stop it if it is stuck (the system releases the lock when the process ends)"
        )
    lock.release()
    print(printable(
        f"the index at {path} is not locked: no process holds its write lock, so no writer is running "
        f"(the lock file a writer leaves is harmless; the system releases the lock when a writer ends, even "
        f"one killed): nothing to do"
    ))
    return 0


def _lock_holder(path: Path) -> int | None:
    """The process holding a ``flock`` on ``path``, from Linux's /proc/locks (None elsewhere)."""
    try:
        inode = path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF" (a blocked waiter has "->" first)
        if "->" in parts or len(parts) < 6 or parts[1] != "FLOCK":
            continue
        try:
            if int(parts[5].rsplit(":", 1)[1]) == inode:
                return int(parts[4])
        except (IndexError, ValueError):
            continue
    return None


# -- compact -----------------------------------------------------------------------------


def cmd_compact(args: argparse.Namespace) -> int:
    path = Path(args.index_dir)
    ix = Index.open(path, lock_timeout=args.wait)
    try:
        before = ix.stats()
        t0 = time.perf_counter()
        try:
            ix.compact()
        except IndexLockedError:
            raise _locked(path) from None
        secs = time.perf_counter() - t0
        after = ix.stats()
    finally:
        ix.close()
    saved = (before["size_bytes"] or 0) - (after["size_bytes"] or 0)
    share = f" ({saved / before['size_bytes']:.0%} smaller)" if before["size_bytes"] and saved > 0 else ""
    deleted = before["deleted"]
    purged = f"{_plural(deleted, 'deleted document')} purged" if deleted is not None else "deleted documents purged"
    print(printable(
        f"compacted {path} in {secs:.2f} s: {_plural(after['documents'], 'document')}; "
        f"{_plural(before['segments'], 'segment')} → {after['segments']}; {purged}; "
        f"{size_text(before['size_bytes'] or 0)} → {size_text(after['size_bytes'] or 0)}{share}"
    ))
    return 0


# -- search ----------------------------------------------------------------------------


def _search_local(
    args: argparse.Namespace, query: str, fmt: str, table: str | None, fields: list[str] | None
) -> tuple[Any, tuple[str, ...], str | None]:
    ix = Index.open(args.index) if args.index else seeds_index()
    try:
        show = _show_columns(args.show, ix.fields, args.explain) if table else ()
        flt = _parse_filters(args.filter, ix.fields)
        results = ix.search(
            query, limit=args.limit, offset=args.offset, fields=fields, filter=flt, sort=args.sort,
            facets=args.facet or None, snippet_format=fmt, arabizi=args.arabizi,
        )
        suggestion = results.suggestion if results.total < SUGGEST_BELOW else None
    finally:
        ix.close()
    return results, show, suggestion


def _search_cluster(args: argparse.Namespace, query: str, fmt: str, table: str | None) -> tuple[Any, tuple[str, ...]]:
    """``search --url``: the cluster's hits, highlighted here (arsearch.opensearch.search)."""
    if not args.index:
        raise UsageError("--url needs --index NAME: the index on the cluster")
    unsupported = [flag for flag, value in (("--filter", args.filter), ("--sort", args.sort), ("--facet", args.facet),
                                            ("--fields", args.fields)) if value]
    if unsupported:
        raise UsageError(f"{', '.join(unsupported)} search a local index only, not a cluster (--url)")
    from .opensearch.cli import client_from_args
    from .opensearch.search import cluster_settings, search_cluster

    client = client_from_args(args.url, args)
    settings = cluster_settings(client, args.index)
    show = _show_columns(args.show, settings[0], args.explain) if table else ()
    results = search_cluster(client, args.index, query, limit=args.limit, offset=args.offset, settings=settings,
                             snippet_format=fmt)
    return results, show


def cmd_search(args: argparse.Namespace) -> int:
    if args.json and args.format == "csv":
        raise UsageError("choose one of --json and --format csv (see 'arsearch search --help')")
    table = "json" if args.json else "csv" if args.format == "csv" else None
    if args.show is not None and table is None:
        raise UsageError("--show chooses what --json and --format csv print; add one of them")
    if args.facet and table == "csv":
        raise UsageError("--facet prints with text or --json output, not --format csv")
    fmt = "text" if args.format in (None, "csv") and table else (args.format or _default_format(sys.stdout))
    fields = None
    if args.fields is not None:
        fields = [f.strip() for f in args.fields.split(",") if f.strip()]
        if not fields:
            raise UsageError("--fields needs field names, e.g. --fields title,body (see 'arsearch search --help')")
    query = " ".join(args.query)
    if args.url is not None:
        results, show = _search_cluster(args, query, fmt, table)
        suggestion = None
    else:
        results, show, suggestion = _search_local(args, query, fmt, table, fields)
    out = sys.stdout
    for warning in results.warnings:
        _stderr_line(f"{PROG}: warning: {warning}")
    status = 0 if results.total else NO_HITS
    if table:
        if results.searched_as is not None:
            _stderr_line(f"{PROG}: searched as: {one_line(results.searched_as)}")
        if suggestion:
            _stderr_line(f"{PROG}: did you mean: {one_line(suggestion)}")
        rows = [_hit_row(hit, show) for hit in results]
        if table == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(show)
            writer.writerows([[_csv_cell(row[c]) for c in show] for row in rows])
            print(printable(buf.getvalue()), end="", file=out)
        else:
            for row in rows:
                print(json_printable(json.dumps(row, ensure_ascii=False)), file=out)
            if args.facet:
                line = {"facets": results.facets, "total": results.total}
                print(json_printable(json.dumps(line, ensure_ascii=False)), file=out)
        return status
    if results.searched_as is not None:
        print(f"searched as: {printable(one_line(results.searched_as))}", file=out)
        if args.explain:
            for word, readings in results.read_as.items():
                print(f"arabizi: {printable(one_line(word))} → {printable(one_line(', '.join(readings)))}", file=out)
    if suggestion:
        print(f"did you mean: {printable(one_line(suggestion))}", file=out)
    if results.total == 0:
        print("no results", file=out)
        return NO_HITS
    if not results.hits:
        if args.limit == 0:
            print(f"{_plural(results.total, 'result')} for {_quote(query)}", file=out)
        else:
            print(f"no results at offset {results.offset} ({_plural(results.total, 'result')} in all)", file=out)
        _print_facets(results.facets, results.total, fmt, out)
        return 0
    print(_header(results.total, results.offset, len(results.hits), query, results.elapsed_ms), file=out)
    ansi = fmt == "ansi"
    width = len(str(results.hits[-1].rank))
    indent = " " * (width + 2)
    for hit in results:
        rank = f"{hit.rank:>{width}}."
        doc_id = printable(one_line(html.escape(hit.id) if fmt == "html" else hit.id))
        line = f"{rank} {doc_id}"
        score = f"score {hit.score:.3f}"
        print(file=out)
        print(f"{BOLD}{line}{RESET}  {DIM}{score}{RESET}" if ansi else f"{line}  {score}", file=out)
        title = _marked_line(hit.title, fmt)
        if title.strip():
            # a mark ends with a reset: the rest of the title is bold again
            print(f"{indent}{BOLD}{title.replace(RESET, RESET + BOLD)}{RESET}" if ansi else f"{indent}{title}", file=out)
        snippet = _marked_line(hit.snippet, fmt)
        if snippet:
            print(f"{indent}{snippet}", file=out)
        for line in _explain_lines(hit.explain()) if args.explain else []:
            line = printable(one_line(line))
            print(f"{indent}{DIM}{line}{RESET}" if ansi else f"{indent}{line}", file=out)
    _print_facets(results.facets, results.total, fmt, out)
    return 0


def _print_facets(facets: dict[str, dict[str, int]], total: int, fmt: str, out: Any) -> None:
    """Each facet: a heading, then its most frequent values with their counts, aligned."""
    for name, counts in facets.items():
        print(file=out)
        print(printable(f"{name}: {len(counts):,} value{'' if len(counts) == 1 else 's'} in {_plural(total, 'hit')}"), file=out)
        shown = list(counts.items())[:FACET_LINES]
        rows = [[printable(one_line(html.escape(v) if fmt == "html" else v)), f"{c:,}"] for v, c in shown]
        for line in _columns(rows, right=(1,)) if rows else []:
            print(f"  {line}", file=out)
        if len(counts) > len(shown):
            print(f"  … {len(counts) - len(shown):,} more (--json lists them all)", file=out)


def _show_columns(show: str | None, fields: dict[str, Field], explain: bool) -> tuple[str, ...]:
    """The columns ``--show`` names (checked against the hit's columns and the index's stored fields)."""
    if show is None:
        return (*DEFAULT_SHOW, *(("explain",) if explain else ()))
    names = [n.strip() for n in show.split(",") if n.strip()]
    stored = [n for n, f in fields.items() if f.stored and n not in HIT_COLUMNS]
    if not names:
        raise UsageError(f"--show needs column names, e.g. --show {','.join(DEFAULT_SHOW)}")
    for name in names:
        if name not in HIT_COLUMNS and name not in stored:
            raise UsageError(f"--show: unknown column {name!r}; choose from {', '.join([*HIT_COLUMNS, *stored])}")
    if explain and "explain" not in names:
        names.append("explain")
    return tuple(dict.fromkeys(names))


def _hit_row(hit: Any, show: Sequence[str]) -> dict[str, Any]:
    """The ``show`` columns of a hit: its rank, id, score, marked title and
    snippet, explanation, or a stored field (dates in ISO 8601)."""
    row: dict[str, Any] = {}
    for name in show:
        if name == "rank":
            row[name] = hit.rank
        elif name == ID_FIELD:
            row[name] = hit.id
        elif name == "score":
            row[name] = round(hit.score, 4)
        elif name == "title":
            row[name] = hit.title
        elif name == "snippet":
            row[name] = hit.snippet
        elif name == "explain":
            row[name] = [{"word": m.word, "how": m.how, "field": m.field, "text": m.text} for m in hit.explain()]
        else:
            value = hit.fields.get(name)
            row[name] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
    return row


def _csv_cell(value: Any) -> Any:
    """A CSV cell: lists (an explanation) as JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


#: Short options of ``search`` that ``--sort -X`` must not swallow as a descending field.
SEARCH_SHORT_OPTIONS = ("-n", "-i", "-h")


def _parse_filters(specs: Sequence[str], fields: dict[str, Field]) -> dict[str, Any] | None:
    """``--filter FIELD=VALUE`` and ``FIELD=LOW..HIGH`` options as an
    :meth:`Index.search` filter, read by the kind of each field."""
    out: dict[str, Any] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip()
        filterable = ", ".join(
            [ID_FIELD, *(f"{n} ({f.kind})" for n, f in fields.items() if f.kind in ("keyword", "numeric", "date"))]
        )
        if not sep or not name:
            raise UsageError(f"--filter {spec!r}: expected FIELD=VALUE or FIELD=LOW..HIGH (fields: {filterable})")
        kind = "id" if name == ID_FIELD else fields[name].kind if name in fields else None
        if kind is None:
            raise UsageError(f"--filter {spec!r}: this index has no field {name!r} (filterable: {filterable})")
        if kind == "text":
            raise UsageError(
                f"--filter {spec!r}: {name!r} is a text field: search it in the query ({name}:word); "
                f"--filter takes {filterable}"
            )
        if kind in ("id", "keyword"):
            values = [value] if kind == "id" else [v.strip() for v in value.split(",") if v.strip()]
            if not values or not value.strip():
                raise UsageError(f"--filter {spec!r}: give a value, e.g. {name}=VALUE")
            out.setdefault(name, []).extend(values)
            continue
        if name in out:
            raise UsageError(f"--filter {spec!r}: {name!r} is filtered twice; give one value or one LOW..HIGH range")
        if ".." in value:
            low_text, _, high_text = value.partition("..")
            if not low_text.strip() and not high_text.strip():
                raise UsageError(f"--filter {spec!r}: a range needs at least one end, e.g. {name}=LOW.. or {name}=..HIGH")
            low = _filter_value(spec, kind, low_text) if low_text.strip() else None
            high = _filter_value(spec, kind, high_text) if high_text.strip() else None
            if low is not None and high is not None and _comparable(low) > _comparable(high):
                raise UsageError(f"--filter {spec!r}: the range is empty ({low_text.strip()} is after {high_text.strip()})")
            out[name] = (low, high)
        else:
            out[name] = _filter_value(spec, kind, value)
    return out or None


def _comparable(value: Any) -> Any:
    return dt.datetime.combine(value, dt.time.min) if type(value) is dt.date else value


def _filter_value(spec: str, kind: str, text: str) -> Any:
    """One end of a ``--filter``: a number, or a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM[:SS])."""
    text = text.strip()
    if kind == "numeric":
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"--filter {spec!r}: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise UsageError(f"--filter {spec!r}: {text!r} is not a finite number")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    try:
        value = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--filter {spec!r}: {text!r} is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS])") from None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise UsageError(f"--filter {spec!r}: {text!r} has a time zone; give the date and time as indexed, without one")
    return value


def cmd_complete(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    ix = Index.open(args.index) if args.index else seeds_index()
    try:
        found = ix.complete(text, limit=args.limit)
    finally:
        ix.close()
    if args.json:
        payload = {"text": text, "completions": [{"text": c.text, "count": c.count} for c in found]}
        print(json_printable(json.dumps(payload, ensure_ascii=False)), file=sys.stdout)
    elif found:
        for line in _columns([(printable(one_line(c.text)), f"{c.count:,}") for c in found], right=[1]):
            print(line, file=sys.stdout)
    return 0 if found else NO_HITS


def _marked_line(text: str, fmt: str) -> str:
    """A snippet or title on one line, safe to print: an ansi one keeps its marks' colours."""
    return printable_except(one_line(text), ANSI_MARKS) if fmt == "ansi" else printable(one_line(text))


#: The CLI shows the did-you-mean suggestion when a query has fewer hits than this.
SUGGEST_BELOW = 5


def _explain_lines(matches: Sequence[Any]) -> list[str]:
    """One line per query word: how it matched, where, with which words."""
    by_word: dict[str, dict[tuple[str, str], list[str]]] = {}
    for m in matches:
        seen = by_word.setdefault(m.word, {}).setdefault((m.how, m.field), [])
        if m.text not in seen:
            seen.append(m.text)
    lines = []
    for word, hows in by_word.items():
        parts = [f"{how} in {field}: {', '.join(texts[:4])}{' …' if len(texts) > 4 else ''}" for (how, field), texts in hows.items()]
        lines.append(f"{word} ← " + "; ".join(parts))
    return lines


def _default_format(stream: Any) -> str:
    if is_tty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
        return "ansi"
    return "text"


def _quote(query: str) -> str:
    return f"\u201c{printable(one_line(query))}\u201d"


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


# -- analyze -------------------------------------------------------------------------------


def cmd_analyze(args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    if text == "-":
        text = sys.stdin.read()
    analyzer = Analyzer(stemmer=args.stemmer)
    tokens = analyzer.analyze(text, keep_stopwords=args.keep_stopwords)
    root_analyzer, _ = analyzer.for_representation("isri")
    grams_analyzer, n = analyzer.for_representation("ngram4")
    rows = []
    for t in tokens:
        surface = text[t.start : t.end]
        entry = analyzer.entry(surface)
        root = root_analyzer.entry(surface)
        rows.append(
            {
                "position": t.position,
                "term": t.text,
                "original": surface,
                "start": t.start,
                "end": t.end,
                "stopword": bool(entry and entry[1]),
                "root": root[0] if root else "",
                "ngrams": grams_analyzer.word_ngrams(surface, n),
            }
        )
    if args.json:
        print(json_printable(json.dumps({"text": text, "analyzer": analyzer.version, "tokens": rows}, ensure_ascii=False)))
        return 0
    if not rows:
        hint = "" if args.keep_stopwords else " (only stop words? try --keep-stopwords)"
        print(f"no tokens{hint}")
        return 0
    stop = ["stop"] if args.keep_stopwords else []
    header = ["pos", "term", "original", "span", *stop, "root", "4-grams"]
    table = [
        [
            str(r["position"]), r["term"], r["original"], f"{r['start']}-{r['end']}",
            *(["yes" if r["stopword"] else "-"] if stop else []),
            r["root"], " ".join(r["ngrams"]),
        ]
        for r in rows
    ]
    for line in _columns([header, *[[printable(cell) for cell in row] for row in table]], right=(0,)):
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
        print(json_printable(json.dumps(stats, ensure_ascii=False, indent=2)))
        return 0
    fields = ", ".join(f"{name} ({kind})" for name, kind in stats["fields"].items())
    terms = ", ".join(f"{name} {count:,}" for name, count in (stats["terms"] or {}).items()) or "-"
    reps = ", ".join(f"{s} × {w:g}" for s, w in stats["representations"]) or "none"
    analyzer = stats["analyzer"]
    rows = [
        ["index", str(stats["path"])],
        ["engine", stats["engine"]],
        ["documents", f"{stats['documents']:,}"],
        ["deleted", f"{stats['deleted']:,} (purged when segments merge)" if stats["deleted"] is not None else "-"],
        ["segments", str(stats["segments"])],
        ["size", _size(stats["size_bytes"])],
        ["fields", fields],
        ["distinct terms", terms],
        ["analyzer", f"{analyzer['name']} {analyzer['version']}"],
        ["representations", reps],
    ]
    for line in _columns([[printable(one_line(cell)) for cell in row] for row in rows]):
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
