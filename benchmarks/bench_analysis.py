"""Analysis speed on the news corpus: tokens per second, single process.

Usage:
    python benchmarks/bench_analysis.py [--data DIR] [--limit N] [--passes P]

Each article is ``title + "\\n" + text``. Speed is counted in words in (matches
of ``arsearch.tokenize.WORD_PATTERN`` over the input) per second, the same
count for every row, so rows compare directly. Each warm row first runs once
over the first 2,000 articles, then reports the best of ``--passes`` timed
passes over all articles; the rows take turns pass by pass, so a change in
machine load hits them alike. The cold row runs once, first, with the
per-process term caches emptied. Whoosh rows iterate the token stream with
``positions=True, mode="index"`` and read ``token.text``, as indexing does.
Targets: ``analyze`` >= 1,000,000 tokens/s; the Whoosh ArabicAnalyzer no
slower than 1.3x Whoosh's StandardAnalyzer. Times are CPU seconds of this
process (``time.process_time``), garbage collector on, results discarded.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import whoosh  # noqa: E402
from common import add_data_arg, format_table, iter_news  # noqa: E402
from whoosh.analysis import StandardAnalyzer  # noqa: E402

import arsearch  # noqa: E402
from arsearch import analysis  # noqa: E402
from arsearch.analysis import DEFAULT_ANALYZER, analyze  # noqa: E402
from arsearch.chars import normalize  # noqa: E402
from arsearch.tokenize import WORD_PATTERN  # noqa: E402
from arsearch.engines.whoosh.analysis import ArabicAnalyzer  # noqa: E402

WARMUP_DOCS = 2_000


def run_normalize(texts: Sequence[str]) -> None:
    for text in texts:
        normalize(text)


def run_analyze(texts: Sequence[str]) -> None:
    for text in texts:
        analyze(text)


def run_analyze_keep(texts: Sequence[str]) -> None:
    run = DEFAULT_ANALYZER.analyze
    for text in texts:
        run(text, keep_stopwords=True)


def _whoosh_runner(whoosh_analyzer: Callable[..., object]) -> Callable[[Sequence[str]], None]:
    def run(texts: Sequence[str]) -> None:
        for text in texts:
            for token in whoosh_analyzer(text, positions=True, mode="index"):  # type: ignore[attr-defined]
                token.text  # noqa: B018 - consume the term, as the indexer does

    return run


def clear_term_caches() -> None:
    """Empty every per-process term cache (the dicts analyzers hold, not just the registries)."""
    for cache in analysis._CACHES.values():
        cache.clear()
    for tables in analysis._TERM_TABLES.values():
        for table in tables:
            table.clear()


def timed(fn: Callable[[Sequence[str]], None], texts: Sequence[str]) -> float:
    """CPU seconds of this process (robust to other processes sharing the machine)."""
    start = time.process_time()
    fn(texts)
    return time.process_time() - start


Row = tuple[str, Callable[[Sequence[str]], None]]


def best_of(rows: Sequence[Row], texts: Sequence[str], passes: int) -> list[float]:
    """Warm each row up, then time ``passes`` rounds, rows interleaved so load changes hit all alike."""
    for _, fn in rows:
        fn(texts[:WARMUP_DOCS])
    times = [[timed(fn, texts) for _, fn in rows] for _ in range(passes)]
    return [min(column) for column in zip(*times)]


def machine_info(n_docs: int, n_words: int, n_chars: int) -> str:
    return "\n".join(
        [
            f"python {platform.python_version()} ({platform.python_implementation()}),"
            f" {platform.system()} {platform.machine()}",
            f"cpu count: {os.cpu_count()}, load average (1 min) at start: {os.getloadavg()[0]:.2f}",
            f"arsearch {arsearch.__version__}, whoosh {whoosh.versionstring()}",
            f"corpus: {n_docs:,} articles, {n_words:,} words, {n_chars:,} characters",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arg(parser)
    parser.add_argument("--limit", type=int, default=None, help="read only the first N articles (default: all)")
    parser.add_argument("--passes", type=int, default=2, help="timed passes per warm row, best kept (default: 2)")
    args = parser.parse_args(argv)

    texts = [f"{doc['title']}\n{doc['text']}" for doc in iter_news(args.data, args.limit)]
    n_words = sum(len(WORD_PATTERN.findall(text)) for text in texts)
    print(machine_info(len(texts), n_words, sum(map(len, texts))))
    print()

    arabic = _whoosh_runner(ArabicAnalyzer())
    standard = _whoosh_runner(StandardAnalyzer())

    clear_term_caches()
    cold = timed(run_analyze, texts)
    warm = [
        ("arsearch.normalize (whole document)", run_normalize),
        ("arsearch.analyze (stop words dropped)", run_analyze),
        ("Analyzer.analyze keep_stopwords=True", run_analyze_keep),
        ("Whoosh ArabicAnalyzer (index mode)", arabic),
        ("Whoosh StandardAnalyzer (index mode)", standard),
    ]
    results = list(zip([name for name, _ in warm], best_of(warm, texts, args.passes)))
    results.insert(3, ("analyze, cold cache (one pass)", cold))
    standard_seconds = results[-1][1]
    rows = [(name, seconds, n_words / seconds, seconds / standard_seconds) for name, seconds in results]
    print(format_table(["stage", "seconds", "tokens/s", "time / StandardAnalyzer"], rows))
    print()
    print(f"Whoosh ArabicAnalyzer / StandardAnalyzer time: {results[-2][1] / standard_seconds:.2f}x (target <= 1.30x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
