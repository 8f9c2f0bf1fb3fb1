"""Child process for the reliability and concurrency tests (not a test module).

Run as ``python tests/helpers_writer.py MODE ARGS...``; each mode talks to the
parent over stdout, one line per event, flushed, so the parent can act (kill
it, start a writer, ...) at the right phase:

* ``commit-batches PATH BATCH N [PAUSE]`` - open the index at PATH, commit N
  batches of BATCH documents (``w<k>``), printing ``committed <total>``
  after each; then ``done``.
* ``reader PATH WORD STOPFILE`` - open the index, print ``ready`` after the
  first search, search WORD until STOPFILE exists (then once more), print
  ``totals <json>``: the run-length encoded list of ``Results.total`` seen.
* ``crash-add PATH K`` - create the index, commit K documents (``c<i>``),
  print ``committed``, then add documents forever (never committing),
  printing ``adding`` once a few hundred are pending.
* ``crash-commit PATH K M OPTIMIZE`` - create the index, commit K documents
  in 5 batches, print ``committed``, add M documents (``m<i>``), print
  ``committing``, commit (merging every segment if OPTIMIZE is 1), print
  ``done``.
* ``hold-lock PATH`` - open the index, add one document (``uncommitted``)
  so the write lock is held, print ``locked``; then commit when a line
  arrives on stdin and print ``committed`` (or wait to be killed).

Every document's body holds the word الزراعة, so a search for it counts all
documents.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from arsearch import Index

COMMON_WORD = "الزراعة"
FILLER = "ذهب الطلاب إلى المكتبة العامة لقراءة الكتب الجديدة في الصباح الباكر".split()


def doc(doc_id: str, i: int) -> dict[str, Any]:
    words = " ".join(FILLER[(i + k) % len(FILLER)] for k in range(12))
    return {"id": doc_id, "title": f"مقال رقم {i}", "body": f"{COMMON_WORD} الحديثة {words} كلمة{i % 97}"}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def commit_batches(path: str, batch: int, n: int, pause: float = 0.0) -> None:
    ix = Index.open(path)
    total = len(ix)
    for b in range(n):
        for i in range(batch):
            k = total + i
            ix.add(doc(f"w{k}", k))
        ix.commit()
        total += batch
        say(f"committed {total}")
        if pause:
            time.sleep(pause)
    ix.close()
    say("done")


def reader(path: str, word: str, stopfile: str) -> None:
    ix = Index.open(path)
    runs: list[list[int]] = []

    def search() -> None:
        total = ix.search(word, limit=3).total
        if runs and runs[-1][0] == total:
            runs[-1][1] += 1
        else:
            runs.append([total, 1])

    search()
    say("ready")
    while not os.path.exists(stopfile):
        search()
        time.sleep(0.002)  # leave the CPU to the writer now and then
    search()  # after the writer finished: the final state
    say("totals " + json.dumps(runs))


def crash_add(path: str, k: int) -> None:
    ix = Index.create(path)
    for i in range(k):
        ix.add(doc(f"c{i}", i))
    ix.commit()
    say("committed")
    i = 0
    while True:
        ix.add(doc(f"u{i}", i))
        i += 1
        if i == 300:
            say("adding")


def crash_commit(path: str, k: int, m: int, optimize: bool) -> None:
    ix = Index.create(path)
    per = max(1, k // 5)
    for i in range(k):
        ix.add(doc(f"c{i}", i))
        if (i + 1) % per == 0:
            ix.commit()  # several segments, so a merge has work to do
    ix.commit()
    say("committed")
    for i in range(m):
        ix.add(doc(f"m{i}", i))
    say("committing")
    ix.commit(optimize=optimize)
    say("done")


def hold_lock(path: str) -> None:
    ix = Index.open(path)
    ix.add(doc("uncommitted", 0))
    say("locked")
    if sys.stdin.readline():
        ix.commit()
        say("committed")
    else:  # the parent closed stdin without asking: leave without committing
        time.sleep(60)


def main(argv: list[str]) -> None:
    mode, path, *rest = argv
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if mode == "commit-batches":
        commit_batches(path, int(rest[0]), int(rest[1]), float(rest[2]) if len(rest) > 2 else 0.0)
    elif mode == "reader":
        reader(path, rest[0], rest[1])
    elif mode == "crash-add":
        crash_add(path, int(rest[0]))
    elif mode == "crash-commit":
        crash_commit(path, int(rest[0]), int(rest[1]), rest[2] == "1")
    elif mode == "hold-lock":
        hold_lock(path)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
