"""Indexing cost of many distinct words: one document, or the same words spread over many.

Adding one document of N distinct (random) words costs what adding the same
words in N/per documents costs: the time follows the number of distinct
index terms (light stem, ISRI root and 4-grams of each word with the
default ranking), not the size of one document.

    python benchmarks/bench_bigdoc.py --words 100000 --per 100000   # one document
    python benchmarks/bench_bigdoc.py --words 100000 --per 100      # 1,000 documents
    python benchmarks/bench_bigdoc.py --words 100000 --per 100000 --fast
    python benchmarks/bench_bigdoc.py --words 100000 --per 100000 --engine tantivy
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

from arsearch import DEFAULT_RANKING, FAST_RANKING, Index

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
    args = parser.parse_args()
    words = distinct_words(args.words)
    docs = [{"id": str(i), "title": "عنوان", "body": " ".join(words[i : i + args.per])} for i in range(0, len(words), args.per)]
    with tempfile.TemporaryDirectory() as tmp:
        ix = Index.create(f"{tmp}/ix", ranking=FAST_RANKING if args.fast else DEFAULT_RANKING, engine=args.engine)
        t0 = time.perf_counter()
        for doc in docs:
            ix.add(doc)
        t1 = time.perf_counter()
        ix.commit()
        t2 = time.perf_counter()
        terms = sum(ix._reader().stats()["terms"].values())  # the text fields' terms
        ix.close()
    print(
        f"{args.words:,} distinct words in {len(docs):,} document(s), {'FAST' if args.fast else 'DEFAULT'}_RANKING, "
        f"{args.engine}: "
        f"{terms:,} terms in the text fields; add {t1 - t0:.2f} s, commit {t2 - t1:.2f} s, total {t2 - t0:.2f} s "
        f"({(t2 - t0) / terms * 1e6:.1f} µs per term)"
    )


if __name__ == "__main__":
    main()
