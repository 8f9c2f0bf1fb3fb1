"""Encoding detection on real news articles: arsearch's cascade vs charset-normalizer.

Each article (title + text) of the news corpus is encoded as a file would
be: UTF-8, UTF-8 with a byte-order mark, UTF-16 (with its BOM), cp1256 and
ISO-8859-6 (articles with characters a code page lacks are left out of that
code page's row: their count is shown), each whole and cut to its first
``--short`` characters (200 and 40: a short file, a title). A detector is right when
its decoded text equals the article. Also counted: correct UTF-8 articles
called mojibake (false alarms), and mojibake made from the articles
(UTF-8 read as cp1252 or cp1256 and saved again as UTF-8; ISO-8859-6 bytes
read as cp1256) that is accepted silently.

charset-normalizer is measured only if installed (``pip install
charset-normalizer``); arsearch does not depend on it.

    python benchmarks/bench_encodings.py --data /work/shared/data [--limit N]
"""

from __future__ import annotations

import argparse
import codecs
import os
import time
from collections.abc import Callable

from common import RESULTS, add_data_arg, format_table, git, iter_news, write_json

from arsearch.encodings import decode, implausible

Detector = Callable[[bytes], "str | None"]


def ours(data: bytes) -> str | None:
    text, _codec, _why = decode(data)
    return text


def normalizer() -> Detector | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        return None

    def detect(data: bytes) -> str | None:
        best = from_bytes(data).best()
        return None if best is None else str(best)

    return detect


ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 BOM": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16 (BOM)": lambda t: t.encode("utf-16"),
    "cp1256": lambda t: t.encode("cp1256"),
    "iso-8859-6": lambda t: t.encode("iso-8859-6"),
}

MOJIBAKE: dict[str, Callable[[str], bytes]] = {
    "utf-8 read as cp1252, saved as utf-8": lambda t: t.encode("utf-8").decode("cp1252", "replace").encode("utf-8"),
    "utf-8 read as cp1256, saved as utf-8": lambda t: t.encode("utf-8").decode("cp1256").encode("utf-8"),
    "iso-8859-6 read as cp1256, saved as utf-8": lambda t: t.encode("iso-8859-6").decode("cp1256").encode("utf-8"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arg(parser)
    parser.add_argument("--limit", type=int, default=None, help="articles (default all 40,008)")
    parser.add_argument("--short", type=int, nargs="+", default=[200, 40], help="lengths of the cut variants (default 200 40)")
    parser.add_argument("--cn-limit", type=int, default=2000, help="articles charset-normalizer gets (it is slow)")
    args = parser.parse_args()

    texts = [f"{a['title']}\n{a['text']}" for a in iter_news(args.data, args.limit)]
    detectors: dict[str, Detector] = {"arsearch": ours}
    cn = normalizer()
    if cn is not None:
        detectors["charset-normalizer"] = cn
    rows = []
    results = []
    for length in ("whole", *args.short):
        for enc, encode in ENCODINGS.items():
            cases = []
            lacking = 0
            for t in texts:
                t = t if length == "whole" else t[:length]
                try:
                    cases.append((t, encode(t)))
                except UnicodeEncodeError:
                    lacking += 1
            for name, det in detectors.items():
                subset = cases if name == "arsearch" else cases[: args.cn_limit]
                t0 = time.perf_counter()
                right = wrong = refused = 0
                for t, data in subset:
                    got = det(data)
                    if got is None:
                        refused += 1
                    elif got == t:
                        right += 1
                    else:
                        wrong += 1
                ms = (time.perf_counter() - t0) * 1000 / max(len(subset), 1)
                n = len(subset)
                rows.append([length, enc, name, n, lacking, f"{100 * right / n:.2f}%", wrong, refused, f"{ms:.2f}"])
                results.append(dict(length=length, encoding=enc, detector=name, files=n, lacking=lacking,
                                    right=right, wrong=wrong, refused=refused, ms_per_file=ms))
    print(format_table(["text", "encoding", "detector", "files", "not encodable", "right", "wrong text", "refused", "ms/file"], rows))

    alarms = sum(1 for t in texts if implausible(t) is not None)
    print(f"\ncorrect UTF-8 articles called mojibake: {alarms} of {len(texts)}")
    moji_rows = []
    for kind, make in MOJIBAKE.items():
        accepted = total = 0
        for t in texts:
            try:
                data = make(t)
            except UnicodeEncodeError:
                continue
            total += 1
            if ours(data) is not None:
                accepted += 1
        moji_rows.append([kind, total, accepted])
        results.append(dict(mojibake=kind, files=total, accepted=accepted))
    print()
    print(format_table(["mojibake made from the articles", "files", "accepted silently"], moji_rows))
    load = os.getloadavg()[0]
    print(f"\nload average (1 min): {load:.2f}")
    write_json(RESULTS / "bench_encodings.json", dict(commit=git("rev-parse", "--short", "HEAD"), load=load,
                                                      false_alarms=alarms, articles=len(texts), rows=results))


if __name__ == "__main__":
    main()
