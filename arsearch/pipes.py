"""Helper processes fed pickles through their stdin (the tantivy engine's
analyzing workers, the completions' counting helper).

A helper is a fresh interpreter, not a ``multiprocessing`` child: a forked
child of a process where tantivy's threads run (every open tantivy index
has some) can inherit a lock one of them held and hang; a spawned or
forkserver child imports the caller's ``__main__`` again, which re-runs a
script without an ``if __name__ == "__main__"`` guard. A fresh interpreter
has neither problem, and a helper whose parent dies reads the end of its
input and exits.

Example (the parent's side):
    >>> import subprocess, sys
    >>> proc = subprocess.Popen([sys.executable, "-c", "print(1)"], stdout=subprocess.PIPE, env=helper_env())
    >>> proc.communicate()[0].strip()
    b'1'
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["END", "helper_env", "read_messages", "serve_stdio"]

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])  # the folder holding the arsearch package

#: What :func:`read_messages` queues when the input ends (the parent closed it or died).
END = object()


def helper_env() -> dict[str, str]:
    """This process's environment, with arsearch importable in a fresh interpreter."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    return env


def read_messages(stdin: BinaryIO) -> queue.Queue[Any]:
    """The pickles read from ``stdin`` on a thread of their own (so the
    parent's writes never wait on this process's work), then :data:`END`."""
    messages: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        try:
            while True:
                messages.put(pickle.load(stdin))
        except Exception:  # noqa: BLE001 - the end of the input, or a message cut short by the parent's death
            messages.put(END)

    threading.Thread(target=read, daemon=True).start()
    return messages


def serve_stdio(serve: Callable[[BinaryIO, BinaryIO], None]) -> None:
    """Run a helper's ``serve(stdin, stdout)`` on this process's binary streams."""
    # Ctrl-C reaches every process of the terminal's group: the parent decides what to
    # do (commit what was read, or cancel); a helper ending here would fail its batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed must not mix with the answers
    try:
        serve(sys.stdin.buffer, out)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
