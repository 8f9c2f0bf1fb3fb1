"""Reading inputs into documents (no indexing): documents/s per input format and encoding.

The news articles are written once to a temporary folder as each input
``arsearch index`` takes — the corpus's own .jsonl.gz, one .jsonl, one .csv,
one .json array, and one .txt per article in UTF-8 and in cp1256 — and read
back with ``arsearch.sources.iter_documents`` (the CLI's reader). Run it with
another checkout first on ``PYTHONPATH`` to compare two versions (formats an
older version cannot read are left out of its table).

    python benchmarks/bench_read.py --data /work/shared/data [--limit 10000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from common import add_data_arg, format_table, iter_news, require

import arsearch
from arsearch.sources import SUFFIXES, iter_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(parser)
    parser.add_argument("--limit", type=int, default=10000, help="articles (default 10,000)")
    parser.add_argument("--rounds", type=int, default=3, help="best of N reads (default 3)")
    args = parser.parse_args()
    news = require(args.data / "news" / "ant-news.jsonl.gz", "the news corpus")
    articles = [dict(a, body=a.pop("text")) for a in iter_news(args.data, args.limit)]
    tmp = Path(tempfile.mkdtemp(prefix="bench_read-"))
    try:
        inputs: dict[str, Path] = {}
        if args.limit >= 40008:
            inputs["news .jsonl.gz (40,008)"] = news
        jl = tmp / "news.jsonl"
        jl.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
        inputs[".jsonl (UTF-8)"] = jl
        cp = tmp / "news-cp1256.jsonl"
        cp.write_bytes(b"".join((json.dumps(a, ensure_ascii=False) + "\n").encode("cp1256", "replace") for a in articles))
        inputs[".jsonl (cp1256)"] = cp
        cs = tmp / "news.csv"
        with open(cs, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "source", "title", "body"])
            w.writerows([a["id"], a["source"], a["title"], a["body"]] for a in articles)
        inputs[".csv (UTF-8)"] = cs
        js = tmp / "news.json"
        js.write_text(json.dumps(articles, ensure_ascii=False), encoding="utf-8")
        inputs[".json array (UTF-8)"] = js
        for codec in ("utf-8", "cp1256"):
            folder = tmp / f"txt-{codec}"
            folder.mkdir()
            for i, a in enumerate(articles):
                (folder / f"{i:06d}.txt").write_bytes(f"{a['title']}\n{a['body']}".encode(codec, "replace"))
            inputs[f".txt files ({codec})"] = folder
        known = {kind for _suffix, kind in SUFFIXES}
        rows = []
        for name, path in inputs.items():
            if path.suffix in (".csv", ".json") and path.suffix[1:] not in known:
                rows.append([name, "-", "-", "not read by this version"])
                continue
            best = float("inf")
            count = skipped = 0
            for _ in range(args.rounds):
                problems: list[str] = []
                t0 = time.perf_counter()
                count = sum(1 for _doc in iter_documents(path, lambda where, why: problems.append(why)))
                best = min(best, time.perf_counter() - t0)
                skipped = len(problems)
            rows.append([name, count, skipped, f"{count / best:,.0f}"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"arsearch at {os.path.dirname(arsearch.__file__)}")
    print(format_table(["input", "documents", "skipped", "documents/s"], rows))
    print(f"\nload average (1 min): {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
