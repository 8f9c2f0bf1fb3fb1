"""A write batch's text counted for the completions in a helper process
(arsearch.counting): the same counts as counting it all at commit.

Index-level tests run on both engines (``test_counting`` is in ENGINE_INDEPENDENT)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch import Analyzer, Index, IndexWriteError
from arsearch import complete as acm
from arsearch import counting

ANALYZER = Analyzer()
WORDS = ["مجلس", "الأمن", "الامن", "الدولي", "الانتخابات", "، ", "والمدرسة", "news", "٢٠٢٤", "\n"]


def _state(table: acm.Completions) -> tuple[object, ...]:
    return (table.words, table.word_df.tolist(), table.best.tolist(), table.surfaces, table.surface_df.tolist(),
            table.surface_word.tolist(), table.pairs.tolist(), table.pair_df.tolist())


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper from the second document on, sent every 2 documents, on any machine."""
    monkeypatch.setattr(counting, "START", 2)
    monkeypatch.setattr(counting, "CHUNK", 2)
    monkeypatch.setattr(counting, "spare_core", lambda: True)


texts = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)
# (id, text or None for a deletion), ids from a small set so that replacing and deleting happen
operations = st.lists(st.tuples(st.sampled_from("abcde"), st.one_of(st.none(), texts)), min_size=1, max_size=12)


@settings(max_examples=12, deadline=None)
@given(operations, st.lists(texts, max_size=3))
def test_the_helper_counts_what_the_commit_would(ops: list[tuple[str, str | None]], removed: list[str]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(counting, "START", 2)
        mp.setattr(counting, "CHUNK", 2)
        mp.setattr(counting, "spare_core", lambda: True)
        batch = counting.PendingTexts(ANALYZER)
        for doc_id, text in ops:
            batch.set(doc_id, text)
        used_helper = batch._helper is not None
        got = acm.Completions.empty().apply(["مجلس الأمن"] * 2, [], ANALYZER).merge(batch.totals(removed))
    assert used_helper == (len(ops) >= 2)
    live = [t for t in batch.texts.values() if t is not None]
    want = acm.Completions.empty().apply(["مجلس الأمن"] * 2, [], ANALYZER).apply(live, removed, ANALYZER)
    assert _state(got) == _state(want)
    assert batch._helper is None  # totals ended it


def test_no_helper_for_a_small_batch_or_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = counting.PendingTexts(ANALYZER)
    for i in range(counting.START - 1):
        batch.set(str(i), "مجلس")
    assert batch._helper is None
    monkeypatch.setattr(counting, "spare_core", lambda: False)
    batch = counting.PendingTexts(ANALYZER)
    for i in range(counting.START + 1):
        batch.set(str(i), "مجلس")
    assert batch._helper is None and not batch._fresh  # nothing kept for a helper that cannot come


def test_a_helper_that_dies_leaves_the_batch_to_the_commit(small_chunks: None) -> None:
    batch = counting.PendingTexts(ANALYZER)
    batch.set("a", "مجلس الأمن")
    batch.set("b", "مجلس الأمة")
    assert batch._helper is not None
    batch._helper._proc.kill()
    batch._helper._proc.wait()
    for i in range(5):  # sending to a dead helper fails: no new helper for this batch
        batch.set(str(i), "الأمن الدولي")
    batch.set("b", None)
    got = acm.Completions.empty().merge(batch.totals([]))
    want = acm.Completions.empty().apply(["مجلس الأمن"] + ["الأمن الدولي"] * 5, [], ANALYZER)
    assert _state(got) == _state(want)


def test_a_helper_that_dies_at_the_end_leaves_the_batch_to_the_commit(small_chunks: None) -> None:
    batch = counting.PendingTexts(ANALYZER)
    for i in range(4):
        batch.set(str(i), "مجلس الأمن")
    assert batch._helper is not None
    batch._helper._proc.kill()
    batch._helper._proc.wait()
    got = acm.Completions.empty().merge(batch.totals([]))
    assert _state(got) == _state(acm.Completions.empty().apply(["مجلس الأمن"] * 4, [], ANALYZER))


def test_close_ends_the_helper(small_chunks: None) -> None:
    batch = counting.PendingTexts(ANALYZER)
    batch.set("a", "مجلس")
    batch.set("b", "الأمن")
    proc = batch._helper._proc  # type: ignore[union-attr]
    batch.close()
    assert proc.poll() is not None
    assert batch._helper is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(texts, st.booleans(), st.booleans()), min_size=1, max_size=30))
def test_flushing_at_any_time_counts_the_same(steps: list[tuple[str, bool, bool]]) -> None:
    """What the helper does while it waits (Batch.flush, summing the pairs' partial counts)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(acm, "_PAIR_PARTS", 2)
        batch = acm.Batch(ANALYZER)
        for text, removed, flush in steps:
            batch.count(text, -1 if removed else 1)
            if flush:
                batch.flush()
        got = batch.totals()
    once = acm.Batch(ANALYZER)
    for text, removed, _ in steps:
        once.count(text, -1 if removed else 1)
    want = once.totals()
    assert [x if isinstance(x, list) else x.tolist() for x in got] == [x if isinstance(x, list) else x.tolist() for x in want]


# -- through the index, on both engines ---------------------------------------------------
DOCS = [{"id": str(i), "title": "مجلس الأمن", "body": f"اجتمع مجلس الأمن الدولي {i}، لبحث الانتخابات"} for i in range(7)]


def test_an_index_batch_counted_by_helpers_equals_a_rebuild(tmp_path: Path, engine: str, small_chunks: None) -> None:
    ix = Index.create(tmp_path / "ix", engine=engine)
    ix.add_many(DOCS)
    ix.add({"id": "3", "body": "الانتخابات البلدية"})  # replaces a committed document
    ix.add({"id": "9", "body": "مجلس الأمة"})
    ix.add({"id": "9", "body": "مجلس الأمة الكويتي"})  # replaces a pending one
    ix.delete("5")
    assert ix._completing._helper is not None
    ix.commit()
    reader = ix._store.reader()
    assert _state(ix._completions[1]) == _state(ix._rebuild_completions(reader))  # type: ignore[index]
    counts = {c.text: c.count for c in Index.open(tmp_path / "ix").complete("مجلس الأ")}
    assert counts == {"مجلس الأمن": 5, "مجلس الأمة": 1, "مجلس الانتخابات": 6}  # pairs first, then words


def test_cancel_ends_the_helper_and_drops_its_counts(tmp_path: Path, engine: str, small_chunks: None) -> None:
    ix = Index.create(tmp_path / "ix", engine=engine)
    ix.add_many(DOCS[:3])
    for d in DOCS[3:]:
        ix.add(d)
    proc = ix._completing._helper._proc  # type: ignore[union-attr]
    ix.cancel()
    assert proc.poll() is not None
    ix.add(DOCS[3])
    ix.commit()
    assert [(c.text, c.count) for c in ix.complete("مجلس الأ")] == [("مجلس الأمن", 4), ("مجلس الانتخابات", 4)]


def test_a_table_that_fails_after_the_engine_committed_is_rebuilt_next_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On tantivy the table is merged while the engine commits: when that fails,
    the documents are committed and the next commit rebuilds the table."""
    pytest.importorskip("tantivy")
    ix = Index.create(tmp_path / "ix", engine="tantivy")
    ix.add_many(DOCS[:2])

    def broken(self: acm.Completions, totals: acm.Totals) -> acm.Completions:
        raise RuntimeError("no memory left")

    with monkeypatch.context() as mp:
        mp.setattr(acm.Completions, "merge", broken)
        ix.add(DOCS[2])
        with pytest.raises(RuntimeError) as caught:
            ix.commit()
    assert "the documents are committed" in "".join(caught.value.__notes__)
    assert len(ix) == 3
    assert (tmp_path / "ix" / acm.STALE_MARK).exists()
    ix.add(DOCS[3])
    ix.commit()
    assert not (tmp_path / "ix" / acm.STALE_MARK).exists()
    assert [(c.text, c.count) for c in Index.open(tmp_path / "ix").complete("مجلس الأ")] == [
        ("مجلس الأمن", 4), ("مجلس الانتخابات", 4)]


def test_a_table_that_fails_before_the_engine_commits_keeps_the_batch_counted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None) -> None:
    """On Whoosh the table is made before the engine commits: when that fails,
    nothing is committed, and the next commit counts the whole batch (a new
    helper is sent all of it)."""
    ix = Index.create(tmp_path / "ix", engine="whoosh")
    ix.add_many(DOCS[:2])
    for d in DOCS[2:5]:
        ix.add(d)
    assert ix._completing._helper is not None

    def broken(self: acm.Completions, totals: acm.Totals) -> acm.Completions:
        raise RuntimeError("no memory left")

    with monkeypatch.context() as mp:
        mp.setattr(acm.Completions, "merge", broken)
        with pytest.raises(RuntimeError):
            ix.commit()
    assert len(ix) == 2
    assert not (tmp_path / "ix" / acm.STALE_MARK).exists()
    for d in DOCS[5:]:
        ix.add(d)
    assert ix._completing._helper is not None
    ix.commit()
    assert len(ix) == 7
    assert _state(ix._completions[1]) == _state(ix._rebuild_completions(ix._store.reader()))  # type: ignore[index]


def test_a_stale_mark_that_cannot_be_written_keeps_the_batch_pending(
        tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = Index.create(tmp_path / "ix", engine=engine)
    ix.add_many(DOCS[:2])
    ix.add(DOCS[2])
    real_touch = Path.touch

    def no_touch(self: Path, *args: object, **kwargs: object) -> None:
        if self.name == acm.STALE_MARK:
            raise PermissionError(13, "Permission denied")
        real_touch(self, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as mp:
        mp.setattr(Path, "touch", no_touch)
        with pytest.raises(IndexWriteError):
            ix.commit()
    ix.commit()
    assert len(ix) == 3
    assert _state(ix._completions[1]) == _state(ix._rebuild_completions(ix._store.reader()))  # type: ignore[index]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_helper_ends_when_its_parent_dies(tmp_path: Path) -> None:
    script = (
        "import os, sys\n"
        "from arsearch import Analyzer, counting\n"
        "counting.START = counting.CHUNK = 2\n"
        "counting.spare_core = lambda: True\n"
        "batch = counting.PendingTexts(Analyzer())\n"
        "batch.set('a', 'مجلس'); batch.set('b', 'الأمن')\n"
        "print(batch._helper._proc.pid, flush=True)\n"
        "os._exit(0)\n"  # no cleanup: as if killed
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
