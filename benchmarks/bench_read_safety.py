"""What safe reading costs: open and search timings with Whoosh's own reading
(memory-mapped files, plain pickle) and with arsearch's (pread, the
restricted unpickler, the changed-file check), alternating in one process.

    python benchmarks/bench_read_safety.py [--docs 3000] [--rounds 3]

Builds (once, in a temporary folder) an index of the first ``--docs`` news
articles with the default ranking, then runs the query set of
``bench_search.py`` twice per round and per mode, snippets read: the first
pass reads posting lists from the files, the second mostly from the
engine's cache.
"""

from __future__ import annotations

import argparse
import importlib
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, add_data_arg, iter_news  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from whoosh.util.loading import RenamingUnpickler  # noqa: E402

from arsearch import Index  # noqa: E402
from arsearch.engines.whoosh import search, storage, store, unpickle  # noqa: E402
from arsearch.engines.whoosh.private import PICKLE_LOADERS  # noqa: E402

QUERIES = REPO / "benchmarks" / "queries_news.txt"


class _MappedStorage(FileStorage):  # type: ignore[misc]
    """Whoosh's storage as it is (memory maps), with the store's change check as a no-op."""

    def changed(self) -> list[str]:
        return []


_RESTRICTED = {f"{m}.{a}": getattr(importlib.import_module(m), a) for m, a in PICKLE_LOADERS.items()}
_PLAIN = {"pickle": pickle, "RenamingUnpickler": RenamingUnpickler, "load_pickle": pickle.load, "loads": pickle.loads}


def set_mode(safe: bool) -> None:
    """Read the next opened index safely (arsearch) or as Whoosh does."""
    store.SegmentStorage = storage.SegmentStorage if safe else _MappedStorage
    search.restricted_loads = unpickle.loads if safe else pickle.loads
    for module, attr in PICKLE_LOADERS.items():
        setattr(importlib.import_module(module), attr, _RESTRICTED[f"{module}.{attr}"] if safe else _PLAIN[attr])


def one_round(path: Path, queries: list[str], safe: bool) -> tuple[float, list[float], list[float]]:
    set_mode(safe)
    t = time.perf_counter()
    ix = Index.open(path)
    len(ix)
    opened = (time.perf_counter() - t) * 1000
    passes: list[list[float]] = [[], []]
    for times in passes:
        for q in queries:
            t = time.perf_counter()
            [h.snippet for h in ix.search(q)]
            times.append((time.perf_counter() - t) * 1000)
    ix.close()
    return opened, passes[0], passes[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arg(parser)
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    queries = [q.strip() for q in QUERIES.read_text(encoding="utf-8").splitlines() if q.strip() and not q.startswith("#")]
    with tempfile.TemporaryDirectory(prefix="arsearch-bench-") as tmp:
        path = Path(tmp) / "ix"
        ix = Index.create(path)
        ix.add_many({"id": d["id"], "title": d["title"], "body": d["text"]} for d in iter_news(args.data, args.docs))
        ix.close()
        results: dict[bool, tuple[list[float], list[float], list[float]]] = {False: ([], [], []), True: ([], [], [])}
        for r in range(args.rounds):
            for safe in ((False, True) if r % 2 == 0 else (True, False)):
                opened, first, second = one_round(path, queries, safe)
                results[safe][0].append(opened)
                results[safe][1].extend(first)
                results[safe][2].extend(second)
        set_mode(True)
    print(f"{args.docs} articles, {len(queries)} queries with snippets, {args.rounds} rounds")
    print("| reading | open + len p50 | first pass p50 / p95 | second pass p50 / p95 |")
    print("|---|---|---|---|")
    for safe, (opened, first, second) in results.items():
        first.sort()
        second.sort()
        print(
            f"| {'arsearch (pread, restricted pickle, change check)' if safe else 'Whoosh (mmap, pickle)'} "
            f"| {statistics.median(opened):.1f} ms "
            f"| {statistics.median(first):.2f} / {first[int(len(first) * 0.95)]:.2f} ms "
            f"| {statistics.median(second):.2f} / {second[int(len(second) * 0.95)]:.2f} ms |"
        )


if __name__ == "__main__":
    main()
