"""Indexing cost of many distinct words: one document, or the same words spread over many.

Adding one document of N distinct (random) words costs what adding the same
words in N/per documents costs: the time follows the number of distinct
index terms (light stem, ISRI root and 4-grams of each word with the
default ranking), not the size of one document.

    python benchmarks/bench_bigdoc.py --words 100000 --per 100000   # one document
    python benchmarks/bench_bigdoc.py --words 100000 --per 100      # 1,000 documents
    python benchmarks/bench_bigdoc.py --words 100000 --per 100000 --fast
    python benchmarks/bench_bigdoc.py --words 100000 --per 100000 --engine tantivy
    python benchmarks/bench_bigdoc.py --words 100000 --per 100000 --json benchmarks/results/bench_bigdoc.json

``--json`` appends the row (times, CPU times, peak RSS, the 1-minute load
average before and after) to a JSON list. The words are generated: ``--data`` is
accepted for a uniform command line and not read.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import arsearch
from arsearch import DEFAULT_RANKING, FAST_RANKING, Index
from common import REPO, add_data_arg, git

#: Letters the random words are made of (no affixes the light stemmer would strip more than once).
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
WORD_LENGTHS = (4, 9)


def distinct_words(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct random Arabic words, in random order."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(LETTERS) for _ in range(rng.randint(*WORD_LENGTHS))))
    return sorted(words, key=lambda _: rng.random())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=100_000, help="distinct words in all")
    parser.add_argument("--per", type=int, default=100_000, help="words per document")
    parser.add_argument("--fast", action="store_true", help="FAST_RANKING (the light stem alone)")
    parser.add_argument("--engine", default="whoosh", help="whoosh (default) or tantivy")
    parser.add_argument("--json", type=Path, default=None, help="append the row to this JSON list")
    add_data_arg(parser)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    words = distinct_words(args.words)
    docs = [{"id": str(i), "title": "عنوان", "body": " ".join(words[i : i + args.per])} for i in range(0, len(words), args.per)]
    with tempfile.TemporaryDirectory() as tmp:
        ix = Index.create(f"{tmp}/ix", ranking=FAST_RANKING if args.fast else DEFAULT_RANKING, engine=args.engine)
        t0, c0 = time.perf_counter(), time.process_time()
        for doc in docs:
            ix.add(doc)
        t1, c1 = time.perf_counter(), time.process_time()
        ix.commit()
        t2, c2 = time.perf_counter(), time.process_time()
        terms = sum(ix._reader().stats()["terms"].values())  # the text fields' terms
        ix.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(
        f"{args.words:,} distinct words in {len(docs):,} document(s), {'FAST' if args.fast else 'DEFAULT'}_RANKING, "
        f"{args.engine}: "
        f"{terms:,} terms in the text fields; add {t1 - t0:.2f} s, commit {t2 - t1:.2f} s, total {t2 - t0:.2f} s "
        f"({(t2 - t0) / terms * 1e6:.1f} µs per term); CPU add {c1 - c0:.2f} s, commit {c2 - c1:.2f} s; "
        f"peak RSS {peak_mb:,.0f} MB; load {load_before:.2f}→{os.getloadavg()[0]:.2f}"
    )
    if args.json:
        rows = json.loads(args.json.read_text()) if args.json.exists() else []
        rows.append({
            "words": args.words, "per": args.per, "documents": len(docs), "fast": args.fast, "engine": args.engine,
            "terms": terms, "add_s": round(t1 - t0, 3), "commit_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3),
            "add_cpu_s": round(c1 - c0, 3), "commit_cpu_s": round(c2 - c1, 3), "peak_rss_mb": round(peak_mb),
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "arsearch": os.path.dirname(arsearch.__file__),  # (git: this repository's commit, if it is from here)
            "git": git("rev-parse", "--short", "HEAD") if Path(arsearch.__file__).parent.parent == REPO else None, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        })
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
