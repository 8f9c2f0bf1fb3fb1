"""Untrusted and damaged indexes, full disks, read-only and vanished folders,
sub-writers of a killed parent (issue #14, items 1, 2, 3, 5 and 7).

Every scenario runs on a real on-disk index. The promise: arsearch raises an
:class:`ArsearchError` subclass (the CLI prints one line and exits non-zero),
never runs code named by an index, never dies of a signal, releases the
write lock on every path and keeps the last commit.
"""

from __future__ import annotations

import errno
import io
import multiprocessing
import os
import pickle
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import whoosh.codec.whoosh3
import whoosh.writing
from whoosh.filedb.structfile import StructFile

from arsearch import (
    ArsearchError,
    IncompatibleIndexError,
    Index,
    IndexCorruptedError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
)
from arsearch.engines import file_lock
from arsearch.engines.whoosh import search as whoosh_search
from arsearch.engines.whoosh import unpickle
from arsearch.engines.whoosh.private import PICKLE_LOADERS
from arsearch.engines.whoosh.store import LOCK_FILE
from arsearch.engines.whoosh.writer import GroupedSegmentWriter
from arsearch.index import META_FILE
from tests.conftest import process_alive

REPO = Path(__file__).resolve().parents[1]
#: How long a killed parent's sub-writers and lock may outlive it (a liveness bound, not a timing).
GONE_WITHIN_S = 5.0
NOBODY = 65534  # the unprivileged user a root test run drops to

DOCS = [
    {"id": f"d{i}", "title": f"عنوان {i}", "body": f"ذهب الطلاب إلى المكتبة العامة لقراءة الكتب رقم{i} " * 8}
    for i in range(300)
]


def build(path: Path, docs: list[dict[str, Any]] = DOCS) -> Index:
    ix = Index.create(path)
    with ix:
        for d in docs:
            ix.add(d)
    return ix


def lock_is_free(path: Path) -> bool:
    lock = file_lock(path / LOCK_FILE)
    if not lock.acquire(blocking=False):
        return False
    lock.release()
    return True


def assert_intact(path: Path, extra: int = 0) -> None:
    """The last commit (DOCS and ``extra`` others) is all there, in a fresh reader."""
    ix = Index.open(path)
    assert len(ix) == len(DOCS) + extra
    assert ix.search("المكتبة", limit=1).total == len(DOCS)
    assert ix.get("d7") is not None and "رقم7" in ix.get("d7")["body"]
    ix.close()


def assert_writable(path: Path, doc_id: str = "later") -> None:
    ix = Index.open(path)
    ix.add({"id": doc_id, "body": "الحديقة"})
    ix.commit()
    assert [h.id for h in ix.search("الحديقة")] == [doc_id]
    ix.close()


def assert_unharmed(path: Path) -> None:
    """The write lock is free, the last commit is whole, and the index takes writes again."""
    assert lock_is_free(path)
    assert_intact(path)
    assert_writable(path)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``arsearch`` entry point (the console script next to this Python)."""
    script = Path(sys.executable).with_name("arsearch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "arsearch"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arsearch: error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


# -- 1. an index that would run code when opened --------------------------------------------


class _RunsCode:
    """Unpickles to a call of os.system: what a malicious index would hold."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def _toc_parts(data: bytes) -> tuple[int, int, int]:
    """Offsets in a Whoosh table of contents: the schema string's start and
    end, and where the pickled segment list starts."""
    f = StructFile(io.BytesIO(data))
    for _ in range(3):
        f.read_varint()  # int, long and float sizes
    f.read_int()  # -12345
    f.read_int()  # version
    for _ in range(3):
        f.read_varint()  # Whoosh release
    start = f.tell()
    f.read_string()
    end = f.tell()
    f.read_int()  # generation
    f.read_int()  # unused
    return start, end, f.tell()


def _latest_toc(path: Path) -> Path:
    return max(path.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def craft_toc(path: Path, marker: Path, part: str, new_generation: bool = False) -> Path:
    """Put a pickle that calls os.system in the latest table of contents
    (as its schema or its segment list); ``new_generation``: as a new commit."""
    toc = _latest_toc(path)
    data = toc.read_bytes()
    start, end, segments = _toc_parts(data)
    payload = pickle.dumps(_RunsCode(marker), 2)
    if part == "schema":
        out = io.BytesIO()
        StructFile(out).write_string(payload)
        data = data[:start] + out.getvalue() + data[end:]
    else:
        data = data[:segments] + payload
    if new_generation:
        gen = int(toc.stem.rsplit("_", 1)[1]) + 1
        f = io.BytesIO(data)
        f.seek(_toc_parts(data)[1])
        StructFile(f).write_int(gen)
        data = f.getvalue()
        toc = toc.with_name(f"_MAIN_{gen}.toc")
    toc.write_bytes(data)
    return toc


@pytest.mark.parametrize("part", ["schema", "segments"])
def test_crafted_toc_really_runs_code_with_plain_pickle(tmp_path: Path, part: str) -> None:
    """The crafted file used below is dangerous: plain pickle runs its command."""
    build(tmp_path / "ix").close()
    marker = tmp_path / "ran"
    toc = craft_toc(tmp_path / "ix", marker, part)
    data = toc.read_bytes()
    start, end, segments = _toc_parts(data)
    raw = StructFile(io.BytesIO(data[start:end])).read_string() if part == "schema" else data[segments:]
    pickle.loads(raw)
    assert marker.exists()


@pytest.mark.parametrize("part", ["schema", "segments"])
def test_crafted_toc_is_refused_on_open_without_running_code(tmp_path: Path, part: str) -> None:
    build(tmp_path / "ix").close()
    marker = tmp_path / "ran"
    craft_toc(tmp_path / "ix", marker, part)
    with pytest.raises(IncompatibleIndexError, match="posix.system") as info:
        Index.open(tmp_path / "ix")
    assert "trust" in str(info.value) and str(tmp_path / "ix") in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize("part", ["schema", "segments"])
def test_crafted_commit_is_refused_by_an_open_index_on_search(tmp_path: Path, part: str) -> None:
    """A reader that sees a new commit reads its table of contents: still no code runs."""
    build(tmp_path / "ix").close()
    ix = Index.open(tmp_path / "ix")  # (an Index that created the folder keeps its schema and skips the pickled one)
    assert ix.search("المكتبة").total == len(DOCS)
    marker = tmp_path / "ran"
    craft_toc(tmp_path / "ix", marker, part, new_generation=True)
    with pytest.raises(IncompatibleIndexError, match="posix.system"):
        ix.search("المكتبة")
    with pytest.raises(IncompatibleIndexError):
        ix.add({"id": "x", "body": "نص"})  # a writer reads it too
    assert not marker.exists()


def test_crafted_toc_through_the_cli_is_one_line_and_runs_nothing(tmp_path: Path) -> None:
    build(tmp_path / "ix").close()
    marker = tmp_path / "ran"
    craft_toc(tmp_path / "ix", marker, "schema")
    for args in (["stats", str(tmp_path / "ix")], ["search", "--index", str(tmp_path / "ix"), "المكتبة"]):
        assert_one_line_error(cli(*args), "posix.system")
    assert not marker.exists()


@pytest.mark.parametrize("where", sorted(PICKLE_LOADERS))
def test_every_whoosh_pickle_loader_is_restricted(tmp_path: Path, where: str) -> None:
    """Posting blocks, stored fields, column values, segment lists, old tables of
    contents: each of Whoosh's loaders refuses a pickle naming os.system."""
    marker = tmp_path / "ran"
    payload = pickle.dumps(_RunsCode(marker), 2)
    module = sys.modules[where]
    loader = getattr(module, PICKLE_LOADERS[where])
    with pytest.raises(IncompatibleIndexError, match="posix.system"):
        if PICKLE_LOADERS[where] == "pickle":
            loader.loads(payload)
        elif PICKLE_LOADERS[where] == "RenamingUnpickler":
            loader(io.BytesIO(payload), {}).load()
        elif PICKLE_LOADERS[where] == "load_pickle":
            loader(io.BytesIO(payload))
        else:
            loader(payload)
    assert not marker.exists()
    assert unpickle.installed()[f"{where}.{PICKLE_LOADERS[where]}"]


def test_the_engine_reads_posting_blocks_through_the_restricted_loader(tmp_path: Path) -> None:
    assert whoosh_search.restricted_loads is unpickle.loads
    with pytest.raises(IncompatibleIndexError):
        whoosh_search.restricted_loads(pickle.dumps(_RunsCode(tmp_path / "ran"), 2))
    assert not (tmp_path / "ran").exists()


def test_dotted_names_and_module_attributes_are_refused() -> None:
    """A class module's imports (whoosh.fields imports sys...) are not classes of Whoosh."""
    for module, name in [("whoosh.columns", "os"), ("whoosh.fields", "sys.exit"), ("builtins", "eval"),
                         ("whoosh.index", "FileIndex"), ("whoosh.analysis.filters", "re")]:
        with pytest.raises(IncompatibleIndexError):
            unpickle.RestrictedUnpickler(io.BytesIO(b"")).find_class(module, name)


def test_an_arsearch_index_and_a_plain_whoosh_schema_still_load(tmp_path: Path) -> None:
    """Everything an index legitimately holds passes: all field kinds, dates, deletions."""
    import datetime as dt

    ix = Index.create(tmp_path / "ix", {"title": "text", "body": "text", "tag": "keyword", "n": "numeric", "day": "date"})
    with ix:
        ix.add({"id": "1", "body": "المكتبة", "tag": ["a"], "n": 2.5, "day": dt.date(2020, 1, 2)})
        ix.add({"id": "2", "body": "الملعب"})
    ix.delete("2")
    ix.commit()
    again = Index.open(tmp_path / "ix")
    assert again.get("1")["day"] == dt.datetime(2020, 1, 2)
    assert [h.id for h in again.search("مكتبة", filter={"tag": "a", "n": (2, 3)})] == ["1"]
    assert len(again) == 1


# -- 2. files truncated or zero-filled under an open reader -----------------------------------


_DAMAGE_CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from arsearch import Index, IndexCorruptedError
    path, how = Path(sys.argv[1]), sys.argv[2]
    ix = Index.open(path)
    assert ix.search("المكتبة").total == 300
    engine = ix._store.reader()  # the reader whose files change under it
    seg = next(p for p in path.iterdir() if p.suffix == ".seg")
    size = seg.stat().st_size
    with open(seg, "r+b") as f:  # in place, as cp over it or a restore writes it
        if how == "truncated":
            f.truncate(4096)
        else:
            f.write(bytes(size))
    calls = {
        "stored": lambda: engine.stored(299),
        "document": lambda: engine.document("d299"),
        "search": lambda: ix.search("المكتبة"),
        "get": lambda: ix.get("d299"),
        "len": lambda: len(ix),
    }
    for name, call in calls.items():
        try:
            call()
            print(name, "no error")
        except IndexCorruptedError as e:
            print(name, "IndexCorruptedError", str(e).replace(chr(10), " "))
    """
)


@pytest.mark.parametrize("how", ["truncated", "zero-filled"])
def test_segment_changed_under_a_reader_gives_an_error_not_a_signal(tmp_path: Path, how: str) -> None:
    """Whoosh memory-mapped segment files: a read past a truncated file's end
    killed the process with SIGBUS. The child must exit normally, every read
    raising IndexCorruptedError."""
    build(tmp_path / "ix").close()
    result = subprocess.run(
        [sys.executable, "-c", _DAMAGE_CHILD, str(tmp_path / "ix"), how], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])  # -7 would be SIGBUS
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert set(lines) == {"stored", "document", "search", "get", "len"}, result.stdout
    expect = {"stored", "document", "search", "get", "len"} if how == "truncated" else {"search", "get", "len"}
    for name in expect:
        assert lines[name].startswith("IndexCorruptedError"), (name, lines[name])
    assert "restore" in lines["search"] and ".seg" in lines["search"]


def test_damaged_segment_through_the_cli_is_one_line(tmp_path: Path) -> None:
    build(tmp_path / "ix").close()
    seg = next(p for p in (tmp_path / "ix").iterdir() if p.suffix == ".seg")
    seg.write_bytes(bytes(seg.stat().st_size))
    result = cli("search", "--index", str(tmp_path / "ix"), "المكتبة")
    assert_one_line_error(result, "rebuild")
    assert "Traceback" not in result.stderr


def test_a_file_replaced_by_an_identical_copy_is_read_again_transparently(tmp_path: Path) -> None:
    """A restore that writes the same bytes over a segment file changes its
    modification time: the reader reopens the index and goes on."""
    ix = build(tmp_path / "ix")
    assert ix.search("المكتبة").total == len(DOCS)
    seg = next(p for p in (tmp_path / "ix").iterdir() if p.suffix == ".seg")
    data = seg.read_bytes()
    time.sleep(0.01)  # a later modification time than the reader recorded
    with open(seg, "r+b") as f:
        f.write(data)
    assert ix.search("المكتبة").total == len(DOCS)
    assert ix.get("d299")["id"] == "d299"


# -- 3 and 7. full disks, read-only and vanished folders, malformed metadata ------------------


def _enospc(*_args: Any, **_kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_commit_on_a_full_disk_raises_a_write_error_and_releases_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ix"
    ix = build(path)
    ix.add({"id": "lost", "body": "الحصاد"})
    with monkeypatch.context() as m:
        m.setattr(whoosh.writing.SegmentWriter, "_commit_toc", _enospc)
        with pytest.raises(IndexWriteError, match="No space left on device") as info:
            ix.commit()
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value.__cause__, OSError) and info.value.__cause__.errno == errno.ENOSPC
    assert "last commit is kept" in str(info.value)
    assert_unharmed(path)


def test_cancel_that_fails_on_a_full_disk_releases_the_lock_and_keeps_the_callers_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``with ix:`` cancels on error; closing the dropped segment fails (the disk
    is full): the caller's error propagates, and the lock is free."""
    path = tmp_path / "ix"
    ix = build(path)
    with monkeypatch.context() as m:
        m.setattr(whoosh.codec.whoosh3.W3PerDocWriter, "close", _enospc)
        with pytest.raises(ValueError, match="the caller's own error"):
            with ix:
                ix.add({"id": "lost", "body": "الحصاد"})
                raise ValueError("the caller's own error")
        assert lock_is_free(path)
        ix.add({"id": "again", "body": "الحصاد"})  # cancel() alone does not raise either
        ix.cancel()
        assert lock_is_free(path)
    assert "lost" not in ix
    assert_intact(path)
    assert_writable(path)


def test_add_many_error_path_keeps_the_original_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ix"
    build(path).close()
    ix = Index.open(path)

    def docs() -> Iterator[dict[str, str]]:
        yield {"id": "n1", "body": "الحصاد"}
        raise RuntimeError("the source broke")

    with monkeypatch.context() as m:
        m.setattr(whoosh.codec.whoosh3.W3PerDocWriter, "close", _enospc)
        with pytest.raises(RuntimeError, match="the source broke"):
            ix.add_many(docs())
    assert_unharmed(path)


def test_full_disk_while_adding_is_a_write_error_not_a_document_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ix"
    ix = build(path)
    with monkeypatch.context() as m:
        m.setattr(whoosh.codec.whoosh3.W3PerDocWriter, "start_doc", _enospc)
        with pytest.raises(IndexWriteError, match="No space left on device"):
            ix.add({"id": "lost", "body": "الحصاد"})
    assert_unharmed(path)


def test_writer_that_fails_to_start_releases_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk when the writer makes its temporary folder, after it took the lock."""
    path = tmp_path / "ix"
    ix = build(path)
    with monkeypatch.context() as m:
        m.setattr(type(ix._store._wix.storage), "temp_storage", _enospc)
        with pytest.raises(IndexWriteError, match="No space left on device"):
            ix.add({"id": "lost", "body": "الحصاد"})
    assert lock_is_free(path)
    assert_writable(path)  # not IndexLockedError


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB tmpfs (skipped where mounting is not permitted)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(ix: Index, start: int) -> tuple[int, IndexWriteError]:
    """Commit batches until the disk is full; (documents committed, the error)."""
    n = start
    while True:
        batch = [{"id": f"f{i}", "body": f"نص طويل {i} " + " ".join(f"كلمة{i}x{j}" for j in range(50))} for i in range(n, n + 10)]
        try:
            with ix:
                for d in batch:
                    ix.add(d)
        except IndexWriteError as e:
            return n, e
        n += 10
        assert n < 100_000, "the disk never filled"


def test_a_real_full_disk(small_disk: Path) -> None:
    path = small_disk / "ix"
    ix = Index.create(path)
    committed, error = _fill(ix, 0)
    assert committed > 0
    assert error.errno == errno.ENOSPC and "No space left on device" in str(error)
    assert lock_is_free(path)
    assert not any(".tmp" in p.name for p in path.iterdir())
    # a caller's error inside `with` on the full disk: it propagates, the lock is released
    with pytest.raises(KeyError, match="caller"):
        with ix:
            ix.add({"id": "x", "body": " ".join(f"كلمة{j}" for j in range(3000))})
            raise KeyError("caller")
    assert lock_is_free(path)
    again = Index.open(path)
    assert len(again) == committed
    assert again.get("f0") is not None
    # with room again, writing works
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    again.add({"id": "after", "body": "الحديقة"})
    again.commit()
    assert len(Index.open(path)) == committed + 1


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` read-only for this process: its mode (or, as root, whom
    permissions ignore, the effective user dropped to nobody)."""
    modes = {p: p.stat().st_mode for p in [path, *path.iterdir()]}
    for p in modes:
        p.chmod(0o555 if p.is_dir() else 0o444)
    root = os.geteuid() == 0
    try:
        if root:
            os.setegid(NOBODY)
            os.seteuid(NOBODY)
        yield
    finally:
        if root:
            os.seteuid(0)
            os.setegid(0)
        for p, mode in modes.items():
            p.chmod(mode)


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A folder other users can traverse (pytest's tmp_path is private to its user)."""
    d = Path(tempfile.mkdtemp(prefix="arsearch-ro-"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_read_only_folder_on_add_is_a_write_error_and_keeps_the_data(public_dir: Path) -> None:
    path = public_dir / "ix"
    build(path).close()
    assert_writable(path, "warm")  # every module the write path needs is imported
    ix = Index.open(path)
    with read_only(path):
        assert ix.search("المكتبة").total == len(DOCS)  # reading works
        with pytest.raises(IndexWriteError, match="Permission denied") as info:
            ix.add({"id": "lost", "body": "الحصاد"})
        assert info.value.errno == errno.EACCES and "not writable" in str(info.value)
    assert lock_is_free(path)
    assert_intact(path, extra=1)


def test_index_folder_deleted_under_an_open_index(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    ix = build(path)
    assert len(ix) == len(DOCS)
    shutil.rmtree(path)
    for call in (lambda: ix.search("المكتبة"), lambda: len(ix), lambda: ix.get("d1"), ix.stats):
        with pytest.raises(IndexNotFoundError, match="deleted or moved"):
            call()
    with pytest.raises(IndexNotFoundError, match="folder is gone"):
        ix.add({"id": "x", "body": "نص"})
    with pytest.raises(IndexNotFoundError):
        Index.open(path)


def test_index_files_deleted_under_an_open_index(tmp_path: Path) -> None:
    """The folder stays, its files go (Whoosh's EmptyIndexError)."""
    path = tmp_path / "ix"
    ix = build(path)
    assert len(ix) == len(DOCS)
    for p in path.iterdir():
        if p.name != META_FILE:
            p.unlink()
    with pytest.raises(IndexNotFoundError, match="deleted or moved"):
        ix.search("المكتبة")
    result = cli("stats", str(path))
    assert_one_line_error(result)


@pytest.mark.parametrize(
    "meta", ["[]", '"text"', "3", "null", '{"format": 3, "analyzer": [], "fields": {}, "ranking": {}}']
)
def test_metadata_of_the_wrong_shape_is_an_incompatible_index(tmp_path: Path, meta: str) -> None:
    path = tmp_path / "ix"
    build(path).close()
    (path / META_FILE).write_text(meta, encoding="utf-8")
    with pytest.raises(IncompatibleIndexError, match="unreadable"):
        Index.open(path)
    assert_one_line_error(cli("stats", str(path)), "unreadable")


# -- 5. sub-writers of add_many(procs=2) -------------------------------------------------------


_PARENT = textwrap.dedent(
    """
    import multiprocessing, sys
    from arsearch import Index
    ix = Index.create(sys.argv[1])
    shown = []
    def progress(n):
        kids = multiprocessing.active_children()
        if len(kids) >= 2 and not shown:
            shown.append(1)
            print(" ".join(str(k.pid) for k in kids), flush=True)
    docs = ({"id": str(i), "body": "ذهب الطلاب إلى المكتبة العامة لقراءة الكتب %d " % i * 20} for i in range(10**7))
    ix.add_many(docs, procs=2, batch_size=10**7, progress=progress)
    """
)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_sub_writers_die_with_a_killed_parent_and_free_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        line = parent.stdout.readline()  # type: ignore[union-attr]
        children = [int(pid) for pid in line.split()]
        assert len(children) >= 2, line
        assert all(process_alive(pid) for pid in children)
        assert not lock_is_free(path)  # the writer is working
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + GONE_WITHIN_S
        while time.monotonic() < deadline and (any(map(process_alive, children)) or not lock_is_free(path)):
            time.sleep(0.05)
        assert not [pid for pid in children if process_alive(pid)], "sub-writers outlived their parent"
        assert lock_is_free(path)
    finally:
        if parent.poll() is None:
            parent.kill()
    assert_writable(path)


def test_cancel_stops_and_joins_the_sub_writers_before_removing_their_files(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ix"
    build(path).close()
    ix = Index.open(path)

    def docs() -> Iterator[dict[str, str]]:
        for i in range(2_000):
            yield {"id": f"n{i}", "body": f"الحصاد الوفير {i} " * 20}
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        ix.add_many(docs(), procs=2)
    assert multiprocessing.active_children() == []  # joined, not left running
    assert lock_is_free(path)
    assert not any(p.name.endswith(".tmp") for p in path.iterdir())
    time.sleep(0.5)  # anything a stray child would print about its vanished files
    err = capfd.readouterr().err
    assert "Traceback" not in err and "FileNotFoundError" not in err, err
    assert_intact(path)
    assert_writable(path)


def test_a_failed_sub_writer_fails_the_commit_instead_of_dropping_its_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ix"
    build(path).close()
    ix = Index.open(path)
    original = GroupedSegmentWriter.add_document

    def add_document(self: GroupedSegmentWriter, **fields: Any) -> None:
        if fields["id"] == "n150":  # in a sub-process (forked with this patch)
            raise MemoryError("killed by the OOM killer, say")
        original(self, **fields)

    monkeypatch.setattr(GroupedSegmentWriter, "add_document", add_document)
    with pytest.raises(IndexWriteError, match="sub-processes failed"):
        ix.add_many(({"id": f"n{i}", "body": "الحصاد"} for i in range(400)), procs=2)
    monkeypatch.undo()
    assert_unharmed(path)


def test_errors_are_arsearch_errors() -> None:
    assert issubclass(IndexCorruptedError, IncompatibleIndexError)
    assert issubclass(IndexWriteError, ArsearchError) and not issubclass(IndexWriteError, IndexLockedError)
