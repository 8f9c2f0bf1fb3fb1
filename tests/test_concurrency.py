"""Concurrent use and crashes, on real on-disk indexes.

What Lucene and Whoosh promise, and what these tests hold arsearch to:

* a commit is atomic: readers (threads sharing one ``Index``, or other
  processes with their own) only ever see committed states, never part of
  a batch, and a reader's view never goes back in time;
* one writer at a time: a second writer gets :class:`IndexLockedError` at
  once, or waits with ``lock_timeout``; ``arsearch unlock`` never breaks a
  live writer and clears a lock file left by a dead one;
* a writer killed at any moment (adding, committing, merging) leaves the
  last commit readable, complete and writable.

Child processes run ``tests/helpers_writer.py`` and report their phase on
stdout, so the parent acts at the right moment. No assertion depends on
timing: sleeps only make interleavings likely, never required.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arsearch import ArsearchError, Index, IndexLockedError
from arsearch.cli import LOCK_FILE, main

HELPER = Path(__file__).with_name("helpers_writer.py")
_spec = importlib.util.spec_from_file_location("arsearch_test_helpers_writer", HELPER)
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

WORD = helpers.COMMON_WORD  # in every document: its total counts the documents
CHILD_TIMEOUT = 60.0  # seconds; only reached if something hangs


# -- child processes -----------------------------------------------------------------


class Child:
    """A ``helpers_writer.py`` process with a line-based stdout protocol."""

    def __init__(self, *args: object, stdin: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPER), *map(str, args)],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []

    def expect(self, prefix: str) -> str:
        """Read lines until one starts with ``prefix``; fail if the child exits first."""
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait(timeout=CHILD_TIMEOUT)
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"child exited ({self.proc.returncode}) before {prefix!r}: {self.lines}\n{err}")
            line = line.rstrip("\n")
            self.lines.append(line)
            if line.startswith(prefix):
                return line

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=CHILD_TIMEOUT)

    def finish(self) -> str:
        """Wait for a clean exit; return the rest of stdout."""
        out, err = self.proc.communicate(timeout=CHILD_TIMEOUT)
        assert self.proc.returncode == 0, err
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def children() -> Iterator[list[Child]]:
    """Children started by a test; any still running at the end are killed."""
    started: list[Child] = []
    yield started
    for child in started:
        child.close()


def spawn(children: list[Child], *args: object, stdin: bool = False) -> Child:
    child = Child(*args, stdin=stdin)
    children.append(child)
    return child


def doc(doc_id: str, i: int) -> dict[str, Any]:
    return helpers.doc(doc_id, i)


def first_batch(ix: Index, n: int) -> Index:
    """Commit ``n`` documents ``f<i>`` (the tests start from a non-empty index)."""
    for i in range(n):
        ix.add(doc(f"f{i}", i))
    ix.commit()
    return ix


def all_ids(ix: Index) -> set[str]:
    results = ix.search(WORD, limit=max(1, len(ix)) + 10)
    assert results.total == len(results.hits)
    return {h.id for h in results}


def assert_healthy(path: Path, expected: set[str]) -> None:
    """The index at ``path`` opens, holds exactly ``expected``, searches, and takes a new commit."""
    ix = Index.open(path)
    assert len(ix) == len(expected)
    assert all_ids(ix) == expected
    assert ix.search("المكتبة").total == len(expected)
    ix.add(doc("after-crash", 0))  # the write lock is free
    ix.commit()
    assert "after-crash" in ix
    reopened = Index.open(path)
    assert len(reopened) == len(expected) + 1
    assert all_ids(reopened) == expected | {"after-crash"}
    # The next commit also swept what the dead writer left (its temp folder,
    # the files of its unfinished segment): no disk space leaks.
    live = {s.segment_id() for s in reopened._store._wix._segments()}
    expected_names = {"arsearch.json", "completions.bin", LOCK_FILE, f"_MAIN_{reopened._store._wix.latest_generation()}.toc"}
    leftovers = [
        name
        for name in os.listdir(path)
        if name not in expected_names and not any(name.startswith(f"{seg}.") for seg in live)
    ]
    assert leftovers == [], leftovers
    ix.close()
    reopened.close()


# -- (a) threads sharing one Index ----------------------------------------------------------


def test_reader_threads_see_only_committed_batches(tmp_path: Path) -> None:
    batch, batches, readers = 25, 12, 4
    ix = Index.create(tmp_path / "ix")
    first_batch(ix, batch)  # (searching an empty index is a bug of its own: test_reliability.py)
    seen: list[list[int]] = [[] for _ in range(readers)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def read(k: int) -> None:
        try:
            while not stop.is_set():
                seen[k].append(ix.search(WORD, limit=5).total)
                seen[k].append(ix.search(f'"{WORD} الحديثة" مكت*', limit=5).total)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=read, args=(k,)) for k in range(readers)]
    for t in threads:
        t.start()
    try:
        for b in range(1, batches):
            for i in range(batch):
                n = b * batch + i
                ix.add(doc(f"t{n}", n))
                if i == batch // 2:
                    time.sleep(0.002)  # let readers run while the batch is half written
            ix.commit()
            time.sleep(0.005)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=CHILD_TIMEOUT)
    assert not errors, errors
    for totals in seen:
        assert totals, "a reader thread never searched"
        assert all(t % batch == 0 for t in totals), sorted(set(totals))
        assert totals == sorted(totals)  # never back in time
    assert ix.search(WORD).total == batch * batches
    assert len(Index.open(tmp_path / "ix")) == batch * batches


def test_writer_threads_sharing_one_index_lose_nothing(tmp_path: Path) -> None:
    """Several threads add through one Index while another commits now and then."""
    writers, per_writer = 4, 60
    ix = Index.create(tmp_path / "ix")
    first_batch(ix, 1)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(k: int) -> None:
        try:
            for i in range(per_writer):
                ix.add(doc(f"w{k}-{i}", i))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    def commit_now_and_then() -> None:
        try:
            while not done.is_set():
                ix.commit()
                ix.search(WORD)
                time.sleep(0.003)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    committer = threading.Thread(target=commit_now_and_then)
    committer.start()
    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=CHILD_TIMEOUT)
    done.set()
    committer.join(timeout=CHILD_TIMEOUT)
    ix.commit()
    assert not errors, errors
    expected = {"f0"} | {f"w{k}-{i}" for k in range(writers) for i in range(per_writer)}
    assert all_ids(Index.open(tmp_path / "ix")) == expected


def test_reader_indexes_in_threads_see_only_committed_batches(tmp_path: Path) -> None:
    """Readers with their own Index objects (same process) while another Index writes."""
    batch, batches = 20, 8
    path = tmp_path / "ix"
    writer = Index.create(path)
    first_batch(writer, batch)
    errors: list[BaseException] = []
    seen: list[list[int]] = [[], []]
    stop = threading.Event()

    def read(k: int) -> None:
        try:
            reader = Index.open(path)
            while not stop.is_set():
                seen[k].append(reader.search(WORD, limit=3).total)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=read, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    try:
        for b in range(1, batches):
            for i in range(batch):
                writer.add(doc(f"t{b}-{i}", i))
            writer.commit()
            time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=CHILD_TIMEOUT)
    assert not errors, errors
    for totals in seen:
        assert all(t % batch == 0 for t in totals), sorted(set(totals))
        assert totals == sorted(totals)


# -- (b) reader processes while a writer process commits -------------------------------------


def test_reader_processes_see_only_committed_batches(tmp_path: Path, children: list[Child]) -> None:
    batch, batches, readers = 20, 15, 3
    path = tmp_path / "ix"
    first_batch(Index.create(path), batch).close()
    stop = tmp_path / "stop"
    procs = [spawn(children, "reader", path, WORD, stop) for _ in range(readers)]
    for p in procs:
        p.expect("ready")
    writer = spawn(children, "commit-batches", path, batch, batches, 0.02)
    assert writer.expect("done") == "done"
    assert writer.finish() == ""
    stop.touch()
    for p in procs:
        runs = json.loads(p.expect("totals ").removeprefix("totals "))
        p.finish()
        totals = [total for total, _count in runs]
        assert all(t % batch == 0 for t in totals), totals
        assert totals == sorted(totals), totals  # non-decreasing in each reader
        assert totals[-1] == batch * (batches + 1)
    assert len(Index.open(path)) == batch * (batches + 1)


# -- (c) a second writer -------------------------------------------------------------------------


def test_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(doc("base", 0))
    first, second = Index.open(path), Index.open(path)
    first.add(doc("first", 1))
    with pytest.raises(IndexLockedError) as info:
        second.add(doc("second", 2))
    message = str(info.value)
    assert isinstance(info.value, ArsearchError)
    assert str(path) in message and "another writer" in message and "lock_timeout" in message
    with pytest.raises(IndexLockedError):
        second.add_many([doc("second", 2)])
    # The refused writer's data is not half-written anywhere, and the first is intact.
    first.commit()
    assert all_ids(Index.open(path)) == {"base", "first"}
    second.add(doc("second", 2))
    second.commit()
    assert all_ids(Index.open(path)) == {"base", "first", "second"}


def test_lock_timeout_waits_for_the_first_writer(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(doc("base", 0))
    first = Index.open(path)
    first.add(doc("first", 1))
    failures: list[BaseException] = []

    def commit_later() -> None:
        try:
            time.sleep(0.2)
            first.commit()
        except BaseException as e:  # noqa: BLE001
            failures.append(e)

    patient = Index.open(path, lock_timeout=2.0)
    committer = threading.Thread(target=commit_later)
    committer.start()
    patient.add(doc("second", 2))  # waits for the lock, then proceeds
    # The first writer's commit is complete before the lock became free.
    assert all_ids(Index.open(path)) == {"base", "first"}
    patient.commit()
    committer.join(timeout=CHILD_TIMEOUT)
    assert not failures, failures
    assert all_ids(Index.open(path)) == {"base", "first", "second"}


def test_lock_timeout_expires_with_index_locked_error(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    Index.create(path).close()
    first = Index.open(path)
    first.add(doc("first", 1))
    patient = Index.open(path, lock_timeout=0.3)
    with pytest.raises(IndexLockedError):
        patient.add(doc("second", 2))
    first.commit()
    patient.add(doc("second", 2))
    patient.commit()
    assert all_ids(Index.open(path)) == {"first", "second"}


def test_writer_in_another_process_blocks_this_one(tmp_path: Path, children: list[Child]) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(doc("base", 0))
    holder = spawn(children, "hold-lock", path, stdin=True)
    holder.expect("locked")
    here = Index.open(path)
    with pytest.raises(IndexLockedError):
        here.add(doc("here", 1))
    assert all_ids(here) == {"base"}  # the other writer's pending document is invisible
    holder.send("commit")
    holder.expect("committed")
    holder.finish()
    here.add(doc("here", 1))
    here.commit()
    assert all_ids(Index.open(path)) == {"base", "uncommitted", "here"}


# -- (d) arsearch unlock with a real (dead or live) writer process ------------------------------


def test_unlock_refuses_while_a_writer_process_runs(
    tmp_path: Path, children: list[Child], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(doc("base", 0))
    holder = spawn(children, "hold-lock", path, stdin=True)
    holder.expect("locked")
    assert main(["unlock", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arsearch: error: "), err
    assert f"a running process (process {holder.proc.pid}) holds its write lock" in err
    assert (path / LOCK_FILE).exists()
    # The live writer was not disturbed: it still holds the lock and can commit.
    with pytest.raises(IndexLockedError):
        Index.open(path).add(doc("here", 1))
    holder.send("commit")
    holder.expect("committed")
    holder.finish()
    assert all_ids(Index.open(path)) == {"base", "uncommitted"}


def test_unlock_says_a_killed_writers_lock_holds_nothing(
    tmp_path: Path, children: list[Child], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(doc("base", 0))
    holder = spawn(children, "hold-lock", path, stdin=True)
    holder.expect("locked")
    holder.kill()  # SIGKILL: the OS drops its lock, the lock file stays
    assert (path / LOCK_FILE).exists()
    assert main(["unlock", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "is not locked: no process holds its write lock" in out and err == ""
    assert (path / LOCK_FILE).exists()  # left as it is: it locks nothing
    assert_healthy(path, {"base"})  # the killed writer's pending document is gone


# -- crashes ----------------------------------------------------------------------------------------


def test_writer_killed_while_adding_keeps_the_last_commit(tmp_path: Path, children: list[Child]) -> None:
    path = tmp_path / "ix"
    k = 60
    child = spawn(children, "crash-add", path, k)
    child.expect("committed")
    child.expect("adding")
    child.kill()
    assert child.proc.returncode == -signal.SIGKILL
    assert (path / LOCK_FILE).exists()  # left behind, but no process holds it
    assert_healthy(path, {f"c{i}" for i in range(k)})


# How each iteration picks its moment to kill a writer that is committing.
KILL_PLANS = [
    ("at once", None, False),
    ("when the new segment appears", "segment", False),
    ("random delay", 0.4, False),
    ("random delay, optimize", 0.9, True),
    ("when the merged segment appears, optimize", "segment", True),
]


@pytest.mark.parametrize("description, when, optimize", KILL_PLANS, ids=[p[0] for p in KILL_PLANS])
def test_writer_killed_while_committing_keeps_a_whole_commit(
    tmp_path: Path, children: list[Child], description: str, when: Any, optimize: bool
) -> None:
    path = tmp_path / "ix"
    k, m = 100, 3000
    rnd = random.Random(f"{description}-20240611")
    child = spawn(children, "crash-commit", path, k, m, int(optimize))
    child.expect("committed")
    before = set(os.listdir(path))
    child.expect("committing")
    if when == "segment":
        # Kill as soon as a compound segment file that was not there appears
        # (the commit is assembling it; the TOC comes next).
        deadline = time.monotonic() + CHILD_TIMEOUT
        while time.monotonic() < deadline and child.proc.poll() is None:
            if any(n.endswith(".seg") and n not in before for n in os.listdir(path)):
                break
            time.sleep(0.001)
    elif when is not None:
        time.sleep(rnd.uniform(0, when))
    child.kill()
    committed = {f"c{i}" for i in range(k)}
    ix = Index.open(path)
    n = len(ix)
    ix.close()
    # Either the commit had not reached its table of contents (the first K
    # documents), or it had (all of them) - never anything in between.
    assert n in (k, k + m), n
    expected = committed if n == k else committed | {f"m{i}" for i in range(m)}
    assert_healthy(path, expected)
