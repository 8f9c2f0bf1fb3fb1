"""Analyzing processes for ``add_many(procs=N)`` on the tantivy engine.

Each worker is a fresh interpreter (``python -m
arsearch.engines.tantivy.workers``) fed through its stdin and answering on
its stdout, one pickle a message. Not ``multiprocessing``: a forked child of
a process where tantivy's threads run (every open tantivy index has some)
can inherit a lock one of them held and hang; a spawned or forkserver child
imports the caller's ``__main__`` again, which re-runs a script without an
``if __name__ == "__main__"`` guard. A fresh interpreter has neither problem,
and a worker whose parent dies reads the end of its input and exits.

Chunk i goes to worker i mod N, and every worker answers in order, so the
results come back in input order.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["AnalyzerPool"]

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding the arsearch package


class AnalyzerPool:
    """``procs`` worker processes analyzing chunks of documents with a
    :class:`~arsearch.engines.tantivy.schema.DocAnalyzer` built from
    ``setup`` = (fields, analyzer, ranking, cache_surfaces): the last is each
    worker's analysis cache limit (:func:`arsearch.analysis.limit_caches`)."""

    def __init__(self, procs: int, setup: tuple[Any, ...]) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self._procs: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(procs):
                proc = subprocess.Popen(
                    [sys.executable, "-m", "arsearch.engines.tantivy.workers"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                )
                self._procs.append(proc)
                self._send(proc, setup)
        except BaseException:
            self.close()
            raise
        self._sent = 0  # chunks sent
        self._pending: deque[subprocess.Popen[bytes]] = deque()  # the worker of each chunk not yet read, in order

    @staticmethod
    def _send(proc: subprocess.Popen[bytes], message: Any) -> None:
        assert proc.stdin is not None
        pickle.dump(message, proc.stdin, pickle.HIGHEST_PROTOCOL)
        proc.stdin.flush()

    def __len__(self) -> int:
        """Chunks sent and not yet read."""
        return len(self._pending)

    def submit(self, docs: list[dict[str, Any]]) -> None:
        """Send a chunk to the next worker."""
        proc = self._procs[self._sent % len(self._procs)]
        self._send(proc, docs)
        self._sent += 1
        self._pending.append(proc)

    def next_result(self) -> list[Any]:
        """The analysis of the oldest chunk not yet read (waits for it); a
        worker's error is raised here."""
        proc = self._pending.popleft()
        assert proc.stdout is not None
        try:
            ok, value = pickle.load(proc.stdout)
        except EOFError:
            raise RuntimeError(f"an analyzing process ended unexpectedly (exit status {proc.wait()})") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """End the workers (their input closed; killed if chunks are still
        being analyzed: a cancel) and wait for them."""
        procs, self._procs = self._procs, []
        if getattr(self, "_pending", None):
            for proc in procs:
                proc.kill()
        for proc in procs:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def _serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """A worker: the setup message, then chunks until the input ends."""
    from ...analysis import limit_caches
    from .schema import DocAnalyzer

    fields, analyzer, ranking, cache_surfaces = pickle.load(stdin)
    limit_caches(cache_surfaces)
    analyze = DocAnalyzer(fields, analyzer, ranking)
    # Input is read on its own thread, so the parent's writes never wait on
    # this process writing a result the parent is not reading yet.
    chunks: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        try:
            while True:
                chunks.put(pickle.load(stdin))
        except Exception:  # the end of the input, or a message cut short by the parent's death
            chunks.put(None)

    threading.Thread(target=read, daemon=True).start()
    while (docs := chunks.get()) is not None:
        try:
            message: tuple[bool, Any] = (True, [analyze(d) for d in docs])
        except Exception as e:  # the parent raises it
            message = (False, e)
        try:
            data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an error that does not pickle: its text
            data = pickle.dumps((False, RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))
        stdout.write(data)
        stdout.flush()


if __name__ == "__main__":
    # Ctrl-C reaches every process of the terminal's group: the parent decides what to
    # do (commit what was read, or cancel); a worker ending here would fail its batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed must not mix with the answers
    try:
        _serve(sys.stdin.buffer, out)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
