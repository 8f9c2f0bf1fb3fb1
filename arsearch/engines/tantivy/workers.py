"""Analyzing processes for ``add_many(procs=N)`` on the tantivy engine.

Each worker is a fresh interpreter (``python -m
arsearch.engines.tantivy.workers``) fed through its stdin and answering on
its stdout, one pickle a message (:mod:`arsearch.pipes` says why).

Chunk i goes to worker i mod N, and every worker answers in order, so the
results come back in input order.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import deque
from typing import Any, BinaryIO

from ...pipes import END, helper_env, read_messages, serve_stdio

__all__ = ["AnalyzerPool"]


class AnalyzerPool:
    """``procs`` worker processes analyzing chunks of documents with a
    :class:`~arsearch.engines.tantivy.schema.DocAnalyzer` built from
    ``setup`` = (fields, analyzer, ranking, cache_surfaces): the last is each
    worker's analysis cache limit (:func:`arsearch.analysis.limit_caches`)."""

    def __init__(self, procs: int, setup: tuple[Any, ...]) -> None:
        env = helper_env()
        self._procs: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(procs):
                proc = subprocess.Popen(
                    [sys.executable, "-P", "-m", "arsearch.engines.tantivy.workers"],  # -P: not the cwd's modules
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
    chunks = read_messages(stdin)
    while (docs := chunks.get()) is not END:
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
    serve_stdio(_serve)
