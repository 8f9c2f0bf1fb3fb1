"""Shared helpers for the benchmark scripts: where the data is, reading it, printing tables.

The data lives outside the repository (it is never committed). By default it
is looked up at ``../shared/data`` next to the repository; ``--data DIR`` or
the ``ARSEARCH_DATA`` environment variable point elsewhere.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results"


def add_data_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--data DIR`` (default: $ARSEARCH_DATA or ../shared/data)."""
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("ARSEARCH_DATA", DEFAULT_DATA)),
        help="data directory holding news/ and qa-dev/ (default: $ARSEARCH_DATA or %(default)s)",
    )


def require(path: Path, what: str) -> Path:
    """Return ``path`` if it exists, else explain what is missing and exit 2."""
    if not path.exists():
        sys.stderr.write(
            f"error: {what} not found at {path}\n"
            f"Point --data (or ARSEARCH_DATA) at the directory holding news/ and qa-dev/.\n"
        )
        raise SystemExit(2)
    return path


def iter_news(data: Path, limit: int | None = None) -> Iterator[dict[str, str]]:
    """Yield news articles ``{id, source, title, text}`` from news/ant-news.jsonl.gz."""
    path = require(data / "news" / "ant-news.jsonl.gz", "the news corpus (news/ant-news.jsonl.gz)")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            yield json.loads(line)


def dir_size(path: Path) -> int:
    """Bytes of every file under ``path`` (an index folder)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def pct(values: Sequence[float], p: float) -> float:
    """Percentile with linear interpolation (p in 0..100)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def cpu_model(default: str) -> str:
    """The CPU's model name from /proc/cpuinfo, or ``default``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return default


def write_json(path: Path, data: object) -> None:
    """Write ``data`` as indented UTF-8 JSON, creating the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (also readable in a terminal)."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    return "\n".join(lines)


def git(*args: str) -> str:
    """Output of ``git ARGS`` in the repository ("" if git is unavailable)."""
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
