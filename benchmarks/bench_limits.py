"""What lifting the query and snippet limits would cost (issue #14, item 8).

* Queries: ``MAX_CLAUSES`` (64) and ``MAX_QUERY_CHARS`` (1,000) are lifted
  (patched) and queries of 16 to 1,024 distinct corpus words are timed on
  qa-dev (1,139 paragraphs, default ranking), snippets of the 10 hits included.
* Snippets: the highlighter scans up to ``MAX_SCAN_TOTAL`` (2,000,000)
  characters for a match; a text with its only match at the end is
  highlighted with the limit raised to the text's length.

    python benchmarks/bench_limits.py [--data DIR]
"""

from __future__ import annotations

import argparse
import csv
import importlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import add_data_arg, require  # noqa: E402

from arsearch import Index, highlight  # noqa: E402

# the modules (``arsearch.highlight`` is also the name of the function)
highlight_module = importlib.import_module("arsearch.highlight")
query_module = importlib.import_module("arsearch.query")

CLAUSE_COUNTS = (16, 64, 256, 1024)
TEXT_SIZES = (2_000_000, 5_000_000, 10_000_000)
RUNS = 3  # timed runs per case: the median is reported
FILLER = "نص عادي لا يحتوي الكلمة المطلوبة "


def _median_ms(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_queries(data: Path) -> None:
    corpus = require(data / "qa-dev" / "corpus.tsv", "the qa-dev corpus")
    with open(corpus, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if len(r) >= 3]
    with tempfile.TemporaryDirectory() as tmp:
        ix = Index.create(f"{tmp}/ix")
        ix.add_many({"id": r[0], "title": r[1], "body": r[2]} for r in rows)
        words = sorted({w for r in rows for w in r[2].split() if len(w) > 3 and w.isalpha()})
        random.Random(7).shuffle(words)
        query_module.MAX_CLAUSES = 10**6
        query_module.MAX_QUERY_CHARS = 10**7
        print(f"queries on qa-dev ({len(rows):,} paragraphs), median of {RUNS} fresh readers, 10 snippets each:")
        for k in CLAUSE_COUNTS:
            query = " ".join(words[:k])

            def run() -> None:
                fresh = Index.open(f"{tmp}/ix")  # cold caches: the planner's lookups are remembered per reader
                for hit in fresh.search(query):
                    _ = hit.snippet
                fresh.close()

            print(f"  {k:>5} words ({len(query):>6,} characters): {_median_ms(run):8.1f} ms")
        ix.close()


def bench_snippets() -> None:
    print(f"snippets of a text whose only match is at its end, median of {RUNS}:")
    for size in TEXT_SIZES:
        text = (FILLER * (size // len(FILLER) + 1))[: size - 20] + " المكتبة"
        highlight_module.MAX_SCAN_TOTAL = len(text)
        ms = _median_ms(lambda: highlight(text, "المكتبة", format="text"))  # noqa: B023
        marked = "[المكتبة]" in highlight(text, "المكتبة", format="text")
        print(f"  {size:>10,} characters: {ms:8.1f} ms{'' if marked else ' (NOT MARKED)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(parser)
    args = parser.parse_args()
    bench_snippets()
    bench_queries(args.data)


if __name__ == "__main__":
    main()
