"""The text of a write batch, counted for the completions while it is written.

An index keeps a completion table (:mod:`arsearch.complete`) of the text of
its documents, updated at each commit from the text of the batch's
documents. Counting that text is about 0.3 ms of CPU per news article, which
a commit would wait for. :class:`PendingTexts` holds a batch's text; once it
holds :data:`START` documents on a machine with a spare core, it counts
them in a helper process while the index goes on analyzing and writing, so
the commit waits only for the last chunk. Otherwise (a small batch, one
core, a helper that failed) the commit counts the whole batch itself, with
the same result: counts are exact either way.

The helper is a fresh interpreter (running :func:`main`) fed
pickles through its stdin (:mod:`arsearch.pipes` says why).

Example:
    >>> from arsearch import Analyzer
    >>> batch = PendingTexts(Analyzer())
    >>> batch.set("1", "مجلس الأمن")
    >>> batch.set("2", "الأمن")
    >>> batch.set("2", None)  # deleted in the same batch
    >>> surfaces, surface_df, *_ = batch.totals(removed=[])
    >>> list(zip(surfaces, surface_df.tolist()))
    [('مجلس', 1), ('الأمن', 1)]
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from typing import Any, BinaryIO

from .analysis import Analyzer
from .complete import Batch, Totals
from .pipes import END, helper_env, read_messages, serve_stdio

__all__ = ["PendingTexts", "START", "CHUNK"]

#: Documents a batch holds before a helper process starts counting them.
START = 2048
#: Then the helper is sent the batch's changes every this many documents, so
#: that little is left to count at commit.
CHUNK = 256


def spare_core() -> bool:
    """Whether this process may run on more than one core."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # not on Linux
        return (os.cpu_count() or 1) > 1


class HelperError(Exception):
    """The helper process could not take or return the counts (its batch is counted again here)."""


class PendingTexts:
    """A write batch's text per document id (``None``: deleted), counted for
    the completion table (see the module docstring)."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.texts: dict[str, str | None] = {}
        self._analyzer = analyzer
        self._fresh: list[str] = []  # ids set since the helper was last sent the batch's changes
        self._counted: dict[str, str] = {}  # id → the text the helper counts for it
        self._helper: _Helper | None = None
        # only the stock analyzer: its pickled settings are all it is (a subclass may hold more,
        # or not import in a fresh interpreter); then the batch is counted at commit, here
        self._helper_failed = type(analyzer) is not Analyzer or not spare_core()

    def __bool__(self) -> bool:
        return bool(self.texts)

    def set(self, doc_id: str, text: str | None) -> None:
        """The batch's text for ``doc_id`` is now ``text`` (``None``: deleted)."""
        self.texts[doc_id] = text
        if self._helper_failed:
            return
        self._fresh.append(doc_id)
        if len(self._fresh) >= (CHUNK if self._helper is not None else START):
            self._send_changes()

    def _send_changes(self) -> None:
        """Send the helper the texts set since the last call: new ones to
        count, and the ones they replace to take back."""
        added: list[str] = []
        taken_back: list[str] = []
        changed: dict[str, str | None] = {}
        for doc_id in dict.fromkeys(self._fresh):
            new, old = self.texts[doc_id], self._counted.get(doc_id)
            if new is old:
                continue
            if old is not None:
                taken_back.append(old)
            if new is not None:
                added.append(new)
            changed[doc_id] = new
        try:
            if self._helper is None:
                self._helper = _Helper(self._analyzer)
            self._helper.count(added, taken_back)
        except HelperError:
            self._drop_helper()
            return
        except BaseException:  # Ctrl-C in the middle of a message: the helper's counts are unknown
            self._drop_helper()
            raise
        self._fresh = []
        for doc_id, new in changed.items():  # what the helper now counts
            if new is None:
                self._counted.pop(doc_id, None)
            else:
                self._counted[doc_id] = new

    def _drop_helper(self) -> None:
        self.close()
        self._helper_failed = True

    def totals(self, removed: list[str]) -> Totals:
        """The batch's counts: its texts counted, and ``removed`` (the
        committed copies it replaces or deletes) taken away. Ends the helper."""
        if self._helper is not None:
            try:
                if self._fresh:
                    self._send_changes()
                if self._helper is not None:
                    self._helper.count([], removed)
                    return self._helper.totals()
            except HelperError:
                pass  # counted again below
            finally:
                self.close()
        batch = Batch(self._analyzer)
        batch.count_texts(self.texts.values(), removed)
        return batch.totals()

    def close(self) -> None:
        """End the helper, if any; a helper started later is sent the whole batch."""
        helper, self._helper = self._helper, None
        if helper is not None:
            helper.close()
            self._counted = {}
            self._fresh = list(self.texts)


class _Helper:
    """One counting process: chunks of texts in, the totals out at the end."""

    def __init__(self, analyzer: Analyzer) -> None:
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-P", "-c", "from arsearch.counting import main; main()"],  # -P: not the cwd's modules
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=helper_env(),
            )
        except OSError as e:
            raise HelperError(str(e)) from e
        try:
            self._send(analyzer)
        except BaseException:
            self.close()
            raise

    def _send(self, message: Any) -> None:
        try:
            assert self._proc.stdin is not None
            pickle.dump(message, self._proc.stdin, pickle.HIGHEST_PROTOCOL)
            self._proc.stdin.flush()
        except Exception as e:  # noqa: BLE001 - a helper that died (a broken pipe), or what would not pickle
            raise HelperError(f"{type(e).__name__}: {e}") from e

    def count(self, added: list[str], removed: list[str]) -> None:
        self._send((added, removed))

    def totals(self) -> Totals:
        self._send(None)
        try:
            assert self._proc.stdout is not None
            ok, value = pickle.load(self._proc.stdout)
        except Exception as e:  # noqa: BLE001 - the end of a helper that died, or a reply cut short
            raise HelperError(f"the counting process ended unexpectedly ({type(e).__name__})") from e
        if not ok:
            raise HelperError(value)
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        proc.wait()


def _serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The helper: the analyzer, then (added, removed) chunks until ``None``,
    answered with the totals."""
    analyzer = pickle.load(stdin)
    batch = Batch(analyzer)
    chunks = read_messages(stdin)
    while (message := chunks.get()) is not None:
        if message is END:  # the parent is gone
            return
        batch.count_texts(*message)
        if chunks.empty():  # waiting for more: count what was read
            batch.flush()
    try:
        reply = pickle.dumps((True, batch.totals()), pickle.HIGHEST_PROTOCOL)
    except Exception as e:  # noqa: BLE001 - the parent counts the batch itself
        reply = pickle.dumps((False, f"{type(e).__name__}: {e}"))
    stdout.write(reply)
    stdout.flush()


def main() -> None:
    """The helper process's entry point."""
    serve_stdio(_serve)
