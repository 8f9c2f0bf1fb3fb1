"""A write batch's text counted for the completions in a helper process
(arsearch.counting): the same counts as counting it all at commit.

Index-level tests run on both engines (``test_counting`` is in ENGINE_INDEPENDENT)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch import Analyzer, Index, IndexWriteError
from arsearch import complete as acm
from arsearch import counting
from arsearch import index as aix
from arsearch.highlight import QueryMatcher
from arsearch.stem import light_stem

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


def _commit_with_a_broken_merge(ix: Index, monkeypatch: pytest.MonkeyPatch) -> BaseException:
    """Commit while merging counts into the table fails; the error raised."""
    def broken(self: acm.Completions, totals: acm.Totals) -> acm.Completions:
        raise RuntimeError("no memory left")

    with monkeypatch.context() as mp:
        mp.setattr(acm.Completions, "merge", broken)
        with pytest.raises(RuntimeError) as caught:
            ix.commit()
    return caught.value


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
    ix.add(DOCS[2])
    caught = _commit_with_a_broken_merge(ix, monkeypatch)
    assert "the documents are committed" in "".join(caught.__notes__)
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
    _commit_with_a_broken_merge(ix, monkeypatch)
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


# -- findings of the review of b313708..e46bea2 (each failed on e46bea2) -------------------
# -- 1. an analyzer the helper cannot receive ---------------------------------------------
def test_a_local_analyzer_subclass_does_not_break_add(small_chunks: None) -> None:
    pytest.importorskip("tantivy")
    """A subclass defined in a function pickles with AttributeError, which _Helper._send
    does not catch: add() raises after the document went into the batch."""
    class Local(Analyzer):
        pass

    ix = Index.memory(analyzer=Local(), engine="tantivy")  # (Whoosh pickles its schema: no local class there)
    for d in DOCS:
        ix.add(d)  # AttributeError: Can't pickle local object
    ix.commit()
    assert len(ix) == 7


def test_a_script_analyzer_subclass_prints_no_traceback(tmp_path: Path) -> None:
    """A subclass defined in a script's __main__ pickles in the parent, but the
    helper (python -c) cannot import it: its traceback lands on the user's stderr."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        from arsearch import Analyzer, Index, counting
        counting.START, counting.CHUNK = 2, 2
        counting.spare_core = lambda: True
        class Mine(Analyzer):
            pass
        ix = Index.memory(analyzer=Mine())
        for i in range(6):
            ix.add({"id": str(i), "body": "مجلس الأمن"})
        ix.commit()
        print([(c.text, c.count) for c in ix.complete("مجلس الأ")])
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "[('مجلس الأمن', 6)]"
    assert out.stderr == ""


def test_a_subclass_with_its_own_state_counts_the_same_in_the_helper(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None) -> None:
    """Analyzer.__getstate__ keeps only the three base settings: the helper's copy of a
    subclass with a setting of its own (here a class default) counts with other rules."""
    (tmp_path / "review_folding.py").write_text(textwrap.dedent("""
        from arsearch import Analyzer
        class Folding(Analyzer):
            folds = {}
            def __init__(self, folds=None, **kw):
                if folds:
                    self.folds = folds
                super().__init__(**kw)
            def _setup(self):
                super()._setup()
                self._table = {**self._table, **self.folds}
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    from review_folding import Folding  # type: ignore[import-not-found]

    analyzer = Folding({ord("ؤ"): "و"})  # e.g. one more letter fold
    texts = ["مؤتمر الأمن", "موتمر", "مؤتمر الدولة"]
    batch = counting.PendingTexts(analyzer)
    for i, t in enumerate(texts):
        batch.set(str(i), t)
    assert batch._helper is None  # a subclass is counted here: its pickle may not carry all it is
    got = acm.Completions.empty().merge(batch.totals([]))
    want = acm.Completions.empty().apply(texts, [], analyzer)
    assert _state(got) == _state(want)


# -- 2. the tantivy commit's table job races the stale mark ---------------------------------
def test_the_table_job_does_not_rebuild_from_every_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """commit() starts the job, then touches the stale mark; a job that reaches
    _completion_base after that sees the mark and rebuilds the whole table from the
    stored documents (5 of 30 single-document commits did so with no delay at all)."""
    pytest.importorskip("tantivy")
    ix = Index.create(tmp_path / "ix", engine="tantivy")
    ix.add_many(DOCS)
    rebuilt = []
    orig_rebuild, orig_base = aix.Index._rebuild_completions, aix.Index._completion_base

    def rebuild(self: Index, reader: object) -> acm.Completions:
        rebuilt.append(1)
        return orig_rebuild(self, reader)

    def late_base(self: Index, reader: object) -> acm.Completions:
        time.sleep(0.05)  # the job thread scheduled a little late
        return orig_base(self, reader)

    monkeypatch.setattr(aix.Index, "_rebuild_completions", rebuild)
    monkeypatch.setattr(aix.Index, "_completion_base", late_base)
    ix.add({"id": "x", "body": "مجلس الأمة"})
    ix.commit()
    assert rebuilt == []


# -- 3. the fast highlighter path and analyzer subclasses -----------------------------------
def test_fast_path_with_a_subclass_whose_setup_installs_its_own_stemmer() -> None:
    """terms_are_slices looks at compute and the stemmer's *name*; a subclass's _setup
    may install another stem function (a lemma table) with compute unchanged."""
    class Lemmas(Analyzer):
        def _setup(self) -> None:
            super()._setup()
            self._stem = lambda w: {"كتب": "كتاب"}.get(w) or light_stem(w)

    a = Lemmas()
    text = "قرأ الطلاب كتب التاريخ"
    matcher = QueryMatcher.from_query("كتاب", a)
    want = matcher._scan_words(text, a, 0, len(text), roots=False)
    assert [text[s:e] for s, e, _, _ in want] == ["كتب"]
    assert [text[s:e] for s, e, _, _ in matcher.find(text, a, roots=False)] == ["كتب"]


def test_fast_path_with_a_subclass_setup_that_does_not_call_super() -> None:
    """_char_table_ is set only in Analyzer._setup: a subclass that sets the
    attributes itself worked before and now crashes highlighting."""
    from arsearch import analysis as an
    from arsearch.chars import make_translation_table
    from arsearch.stem import get_stemmer

    class Own(Analyzer):
        def _setup(self) -> None:
            self._key = f"own:{self.stemmer}"
            self._table = make_translation_table(self.fold_hamza_seats)
            self._stem = get_stemmer(self.stemmer)
            self._cache_key = f"own|{self._key}"
            self._cache = an._CACHES.setdefault(self._cache_key, {})
            self._term_tables = an._TERM_TABLES.setdefault(self._cache_key, ({}, {}))

    a = Own()
    text = "قال مجلس الأمن"
    matcher = QueryMatcher.from_query("الامن", a)
    assert [text[s:e] for s, e, _, _ in matcher.find(text, a, roots=False)] == ["الأمن"]


def test_fast_path_with_a_table_that_drops_nul() -> None:
    """_char_table joins every BMP character with NUL: a table that maps NUL
    (e.g. dropping it) breaks the split and trips the assertion."""
    class NoNul(Analyzer):
        def _setup(self) -> None:
            super()._setup()
            self._table = {**self._table, 0: None}

    a = NoNul()
    text = "قال مجلس الأمن"
    matcher = QueryMatcher.from_query("الامن", a)
    assert [text[s:e] for s, e, _, _ in matcher.find(text, a, roots=False)] == ["الأمن"]


# -- 4. the fast path's word lookup is quadratic without ASCII spaces ------------------------
@pytest.mark.parametrize("sep", ["\u00a0", "\r", "\u2009", "،"])
def test_fast_path_is_not_quadratic_without_ascii_spaces(sep: str) -> None:
    """_find_by_terms searches each candidate's word from the last ' ', '\\n' or '\\t'
    before it: with other separators (NBSP, CR, thin space, Arabic comma) every
    candidate walks every word from the chunk's start (~5 s here; the scan: ~10 ms)."""
    from arsearch.analysis import DEFAULT_ANALYZER
    from arsearch.highlight import MAX_SCAN_CHARS

    text = sep.join(["مجلس", "الأمن", "الدولي", "اجتمع", "لبحث", "الانتخابات", "في", "المدينة"] * 3000)[:MAX_SCAN_CHARS]
    matcher = QueryMatcher.from_query("الامن")
    t = time.perf_counter()
    found = matcher.find(text, DEFAULT_ANALYZER, 0, len(text), roots=False)
    elapsed = time.perf_counter() - t
    assert len(found) == 1961
    assert elapsed < 1.0, f"{elapsed:.1f} s"


# -- 5. a helper whose setup message fails is left running ----------------------------------
def test_a_helper_that_fails_its_setup_is_ended(monkeypatch: pytest.MonkeyPatch, small_chunks: None) -> None:
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        proc = real_popen(*args, **kwargs)  # type: ignore[call-overload]
        started.append(proc)
        return proc

    real_send = counting._Helper._send

    def send(self: counting._Helper, message: object) -> None:
        if isinstance(message, Analyzer):
            raise counting.HelperError("broken pipe")  # what a BrokenPipeError / PicklingError becomes
        real_send(self, message)

    monkeypatch.setattr(counting.subprocess, "Popen", popen)
    monkeypatch.setattr(counting._Helper, "_send", send)
    batch = counting.PendingTexts(Analyzer())
    for i in range(4):
        batch.set(str(i), "مجلس الأمن")
    assert batch._helper is None and batch._helper_failed
    time.sleep(0.5)
    try:
        assert [p.poll() for p in started] != [None]  # the helper was never killed nor waited for
    finally:
        for p in started:
            p.kill()
            p.wait()
            p.stdin.close()  # type: ignore[union-attr]
            p.stdout.close()  # type: ignore[union-attr]


# -- 6. a table that fails after tantivy committed, in memory: never rebuilt ---------------
def test_a_failed_table_in_memory_is_rebuilt_next_time(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    """The note says "the completions are rebuilt at the next commit"; an in-memory
    index has no stale mark, so its next commit merges onto the old table.
    (whoosh: pre-existing, the batch's text is dropped while the store keeps the batch.)"""
    ix = Index.memory(engine=engine)
    ix.add_many(DOCS[:2])
    ix.add(DOCS[2])
    _commit_with_a_broken_merge(ix, monkeypatch)
    ix.add(DOCS[3])
    ix.commit()
    assert len(ix) == 4
    assert [(c.text, c.count) for c in ix.complete("مجلس الأ")] == [("مجلس الأمن", 4), ("مجلس الانتخابات", 4)]


# -- 7. Ctrl-C while a chunk is sent: the helper is believed to count it ---------------------
def test_an_interrupted_send_does_not_lose_the_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   small_chunks: None) -> None:
    """_send_changes records the chunk in _counted and empties _fresh before sending;
    a KeyboardInterrupt (or MemoryError) in the send escapes with the helper kept, so a
    caller that then commits what was added gets totals without that chunk."""
    ix = Index.create(tmp_path / "ix")
    real_count = counting._Helper.count
    calls = []

    def count(self: counting._Helper, added: list[str], removed: list[str]) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while pickling / writing to the pipe
        real_count(self, added, removed)

    monkeypatch.setattr(counting._Helper, "count", count)
    try:
        for d in DOCS:
            ix.add(d)
    except KeyboardInterrupt:
        pass  # "commit what was read"
    ix.commit()
    n = len(ix)
    assert [(c.text, c.count) for c in ix.complete("مجلس الأ")] == [("مجلس الأمن", n), ("مجلس الانتخابات", n)]
