"""``arsearch index``'s workflow through its real entry points: skipping
unchanged files, ``--sync``, merging, ``compact``, interruption (a real
process and a real signal), progress on a terminal and off it, the summary,
``--wait``, ``unlock``; and an index used after ``close()``. On both engines
(this module is in ``ENGINE_INDEPENDENT``)."""

from __future__ import annotations

import fcntl
import gzip
import io
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from arsearch import Index, IndexClosedError, sources
from arsearch.cli import _lock_path, main
from arsearch.manifest import MANIFEST_FILE

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO / "seeds" / "ant-news-sample.jsonl.gz"  # 2,001 articles


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def summary(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("indexed ")]
    assert len(lines) == 1, err
    return lines[0]


def stats(capsys: pytest.CaptureFixture[str], ix: Path) -> dict:
    code, out, _ = run(capsys, "stats", "--json", str(ix))
    assert code == 0
    return json.loads(out)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def article(i: int, extra: str = "") -> dict:
    return {"id": f"n{i}", "title": f"خبر رقم {i}", "body": f"ذهب الطلاب إلى المكتبة في اليوم {i} {extra}"}


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A folder: two .txt files and a .jsonl of 30 rows."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("المكتبة\nذهب الطلاب إلى المكتبة العامة", encoding="utf-8")
    (folder / "b.txt").write_text("الملعب\nلعب الأطفال في الملعب", encoding="utf-8")
    write_rows(folder / "rows.jsonl", [article(i) for i in range(30)])
    return folder


# -- skipping unchanged files; merging ----------------------------------------------------------


def test_rerunning_skips_unchanged_files_and_the_index_stays_the_same(
    tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ix = tmp_path / "ix"
    code, _, err = run(capsys, "index", str(ix), str(docs))
    assert code == 0, err
    assert re.fullmatch(r"indexed 32 documents from 3 files in .* s \(.* docs/s\): 32 added, 0 updated; nothing skipped", summary(err))
    size = dir_size(ix)
    for _ in range(2):
        code, _, err = run(capsys, "index", str(ix), str(docs))
        assert code == 0, err
        assert re.fullmatch(r"indexed 0 documents from 0 files in .* s; skipped 3 unchanged files", summary(err))
        assert stats(capsys, ix)["documents"] == 32
        assert dir_size(ix) == size
    record = json.loads((ix / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert sorted(record["sources"][os.path.realpath(docs / "rows.jsonl")]["ids"]) == sorted(f"n{i}" for i in range(30))


def test_forced_rereads_do_not_grow_the_index(tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every document replaced three times: merging drops the old copies (Whoosh
    kept them all: the index doubled, then tripled)."""
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs))[0] == 0
    first = dir_size(ix)
    for _ in range(3):
        code, _, err = run(capsys, "index", "--force", str(ix), str(docs))
        assert code == 0, err
        assert "0 added, 32 updated" in summary(err)
    data = stats(capsys, ix)
    assert data["documents"] == 32
    assert data["deleted"] == 0
    assert dir_size(ix) < first * 1.3, (first, dir_size(ix))


def test_a_touched_file_with_the_same_bytes_is_skipped_a_changed_one_read(
    tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs))[0] == 0
    later = time.time() + 100
    os.utime(docs / "a.txt", (later, later))  # a new time, the same bytes: the content hash says unchanged
    code, _, err = run(capsys, "index", str(ix), str(docs))
    assert "skipped 3 unchanged files" in summary(err)
    text = (docs / "b.txt").read_text(encoding="utf-8")
    (docs / "b.txt").write_text(text.replace("الملعب", "المسبح"), encoding="utf-8")  # same size in UTF-8
    assert len(text.encode()) == len((docs / "b.txt").read_bytes())
    os.utime(docs / "b.txt", (later, later))
    code, _, err = run(capsys, "index", str(ix), str(docs))
    assert re.match(r"indexed 1 document from 1 file .*: 0 added, 1 updated; skipped 2 unchanged files", summary(err)), err
    code, out, _ = run(capsys, "search", "-i", str(ix), "المسبح", "--json")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [f"{docs.name}/b.txt"]  # canonical: folder name, path inside


def test_summary_counts_added_and_updated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = write_rows(tmp_path / "rows.jsonl", [article(i) for i in range(3)])
    ix = tmp_path / "ix"
    assert "3 added, 0 updated" in summary(run(capsys, "index", str(ix), str(rows))[2])
    write_rows(rows, [article(i, "جديد") for i in range(5)])
    assert "2 added, 3 updated" in summary(run(capsys, "index", str(ix), str(rows))[2])
    assert stats(capsys, ix)["documents"] == 5


def test_thousands_are_separated_and_one_big_file_gets_a_byte_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = write_rows(tmp_path / "rows.jsonl", [{"id": str(i), "body": "نص"} for i in range(1500)])
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(rows))
    assert code == 0, err
    assert summary(err).startswith("indexed 1,500 documents from 1 file in ")
    assert "1,500 added" in summary(err)
    big = tmp_path / "big.txt"
    big.write_text("عنوان\n" + "ذهب الطلاب إلى المكتبة " * 40_000, encoding="utf-8")
    code, _, err = run(capsys, "index", str(tmp_path / "ix2"), str(big))
    assert code == 0, err
    line = summary(err)
    assert "docs/s" not in line  # was "(0 docs/s)"
    assert re.match(r"indexed 1 document from 1 file in [\d.]+ s( \([\d.]+ (KiB|MiB)/s\))?: 1 added, 0 updated", line), line


# -- --sync ------------------------------------------------------------------------------------------


def test_sync_removes_the_documents_of_deleted_files_and_lines(
    tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs))[0] == 0
    (docs / "a.txt").unlink()
    write_rows(docs / "rows.jsonl", [article(i) for i in range(20)])  # rows n20..n29 gone
    code, _, err = run(capsys, "index", str(ix), str(docs))  # without --sync: nothing removed
    assert code == 0, err
    assert stats(capsys, ix)["documents"] == 32
    code, _, err = run(capsys, "index", "--sync", str(ix), str(docs))
    assert code == 0, err
    assert re.match(r"indexed 0 documents from 0 files in .*: 11 removed; skipped 2 unchanged files", summary(err)), err
    assert stats(capsys, ix)["documents"] == 21
    code, out, _ = run(capsys, "search", "-i", str(ix), "العامة", "--json")
    assert (code, out) == (1, "")  # JSON Lines: no hit, no line
    assert run(capsys, "search", "-i", str(ix), "الطلاب", "--json", "-n", "100")[0] == 0


def test_sync_keeps_an_id_another_file_now_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_rows(tmp_path / "old.jsonl", [article(1), article(2)])
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(old))[0] == 0
    new = write_rows(tmp_path / "new.jsonl", [article(2, "منقول")])  # n2 moved to new.jsonl
    assert run(capsys, "index", str(ix), str(new))[0] == 0
    old.unlink()
    code, _, err = run(capsys, "index", "--sync", str(ix), str(new))
    assert code == 0, err
    assert "1 removed" in summary(err)
    code, out, _ = run(capsys, "search", "-i", str(ix), "منقول", "--json")
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["n2"]
    assert stats(capsys, ix)["documents"] == 1


def test_a_moved_file_under_a_folder_given_is_gone_for_sync(
    tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs))[0] == 0
    (docs / ".hidden").mkdir()
    (docs / "b.txt").rename(docs / ".hidden" / "b.txt")  # still on disk, no longer an input of the folder
    code, _, err = run(capsys, "index", "--sync", str(ix), str(docs))
    assert code == 0, err
    assert "1 removed" in summary(err)
    assert stats(capsys, ix)["documents"] == 31


# -- compact ------------------------------------------------------------------------------------------


def test_compact_purges_deleted_documents(tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs))[0] == 0
    index = Index.open(ix)
    with index:
        for i in range(5):  # a sixth of the documents: under the merge threshold
            index.delete(f"n{i}")
    index.close()
    before = stats(capsys, ix)
    assert before["deleted"] == 5
    code, out, err = run(capsys, "compact", str(ix))
    assert code == 0, err
    assert re.fullmatch(
        rf"compacted {re.escape(str(ix))} in [\d.]+ s: 27 documents; {before['segments']} segments? → 1; "
        r"5 deleted documents purged; [\d.]+ KiB → [\d.]+ KiB( \(\d+% smaller\))?\n",
        out,
    ), out
    after = stats(capsys, ix)
    assert (after["documents"], after["deleted"], after["segments"]) == (27, 0, 1)
    assert after["size_bytes"] < before["size_bytes"]
    code, out, _ = run(capsys, "search", "-i", str(ix), "المكتبة", "--json", "-n", "50")
    assert len(out.splitlines()) == 26  # n5..n29 and a.txt (JSON Lines: one hit each)
    code, out, _ = run(capsys, "compact", str(ix))  # nothing left to do
    assert code == 0 and "1 segment → 1; 0 deleted documents purged" in out


# -- interruption ------------------------------------------------------------------------------------


def _start(tmp_path: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", ARSEARCH_CACHE=str(tmp_path / "cache"))
    return subprocess.Popen(
        [sys.executable, "-m", "arsearch", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8", env=env, cwd=tmp_path, **kwargs,
    )


def _wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 60) -> str:
    """Read ``proc``'s stderr until a line holds ``text``."""
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        if text in line:
            return seen
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"{text!r} never came: {seen}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_run_commits_what_was_read(tmp_path: Path, engine: str, sig: int, capsys: pytest.CaptureFixture[str]) -> None:
    ix = tmp_path / "ix"
    proc = _start(tmp_path, "index", "--engine", engine, "--progress", "lines", str(ix), str(NEWS))
    _wait_for(proc, "indexing 1 file")
    time.sleep(2.0)  # some documents in
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[sig], err
    assert f"arsearch: {signal.Signals(sig).name}: stopping after the current document" in err
    m = re.search(r"interrupted: the ([\d,]+) documents read were committed; run the same command again", err)
    assert m, err
    committed = int(m.group(1).replace(",", ""))
    assert 0 < committed < 2001, err
    assert stats(capsys, ix)["documents"] == committed
    # the file was not read to its end: the next run reads it again and completes the index
    code, _, err = run(capsys, "index", str(ix), str(NEWS))
    assert code == 0, err
    assert stats(capsys, ix)["documents"] == 2001
    assert f"{2001 - committed:,} added, {committed:,} updated" in summary(err)


def test_ctrl_c_to_the_whole_process_group_with_analyzing_sub_processes(
    tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A terminal's Ctrl-C reaches every process of its group: the analyzing
    sub-processes ignore it and the parent commits what was read."""
    ix = tmp_path / "ix"
    proc = _start(
        tmp_path, "index", "--procs", "2", "--engine", engine, "--progress", "lines", str(ix), str(NEWS),
        start_new_session=True,
    )
    _wait_for(proc, "indexing 1 file")
    time.sleep(3.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    m = re.search(r"interrupted: the ([\d,]+) documents read were committed", err)
    assert m, err
    assert stats(capsys, ix)["documents"] == int(m.group(1).replace(",", "")) > 0


def test_a_second_signal_drops_the_pending_documents_and_keeps_the_commits(
    tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ix = tmp_path / "ix"
    first = write_rows(tmp_path / "first.jsonl", [article(i) for i in range(3)])
    assert run(capsys, "index", "--engine", engine, str(ix), str(first))[0] == 0
    proc = _start(tmp_path, "index", "--progress", "lines", "--force", str(ix), str(NEWS), str(first))
    _wait_for(proc, "indexing 2 files")
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _wait_for(proc, "stopping after the current document")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if "documents read were committed" in err:  # the commit finished before the second signal came
        pytest.skip("the run committed before the second signal")
    assert proc.returncode == 130, err
    assert "interrupted: the documents read since the last commit were dropped; the index keeps what was committed" in err
    assert "Traceback" not in err
    assert stats(capsys, ix)["documents"] == 3  # the earlier commit is intact
    code, out, _ = run(capsys, "search", "-i", str(ix), "الطلاب", "--json", "-n", "100")
    assert len(out.splitlines()) == 3


def test_an_interrupted_rebuild_leaves_the_index_as_it_was(
    tmp_path: Path, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ix = tmp_path / "ix"
    first = write_rows(tmp_path / "first.jsonl", [article(i) for i in range(3)])
    assert run(capsys, "index", "--engine", engine, str(ix), str(first))[0] == 0
    proc = _start(tmp_path, "index", "--rebuild", "--progress", "lines", str(ix), str(NEWS))
    _wait_for(proc, "indexing 1 file")
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert f"interrupted: the rebuild was abandoned; the index at {ix} was left as it was" in err
    assert stats(capsys, ix)["documents"] == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ix.rebuild-")] == []


# -- progress ------------------------------------------------------------------------------------------


def test_progress_bar_in_a_terminal_and_plain_lines_elsewhere(tmp_path: Path, engine: str) -> None:
    rows = tmp_path / "news.jsonl.gz"
    with gzip.open(NEWS, "rb") as src, gzip.open(rows, "wb") as dst:
        dst.writelines(line for _, line in zip(range(300), src))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = dict(os.environ, PYTHONIOENCODING="utf-8", TERM="xterm")
    proc = subprocess.Popen(
        [sys.executable, "-m", "arsearch", "index", "--engine", engine, str(tmp_path / "ix"), str(rows)],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=tmp_path,
    )
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        try:
            chunk = os.read(master, 65536) if ready else b""
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(60) == 0
    text = out.decode("utf-8", "replace")
    assert re.search(r"\rindexing: +\d+%\|.*\| [\d.]+k?/[\d.]+k \[", text), text  # bytes read of the total
    assert "docs]" in text or "docs," in text
    assert "\r\x1b[Karsearch: committing…" in text
    assert re.search(r"indexed 300 documents from 1 file in .*: 300 added, 0 updated; nothing skipped", text)
    # the same through pipes: no bar, no carriage returns, plain lines
    r = subprocess.run(
        [sys.executable, "-m", "arsearch", "index", "--force", str(tmp_path / "ix"), str(rows)],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr and "%|" not in r.stderr
    lines = r.stderr.splitlines()
    periodic = [line for line in lines if line.startswith("arsearch: indexing: ")]  # every 10 s: a loaded machine
    assert all(re.fullmatch(r"arsearch: indexing: [\d,]+ documents, .* read \(\d+%\), .*docs/s", line) for line in periodic)
    assert [line for line in lines if line not in periodic][:2] == [
        f"arsearch: indexing 1 file ({rows.stat().st_size / 1024:.1f} KiB)…", "arsearch: committing…",
    ], r.stderr
    assert re.fullmatch(r"indexed 300 documents from 1 file in .*: 0 added, 300 updated; nothing skipped", lines[-1])


def test_plain_progress_lines_come_every_interval() -> None:
    now = [0.0]
    stream = io.StringIO()
    reporter = sources.Reporter(stream, mode="lines", interval=10, clock=lambda: now[0])
    read = [0]
    reporter.start(10_000, lambda: read[0], files=2)
    for step in range(1, 31):  # 30 s, 100 documents and 300 bytes a second
        now[0] = float(step)
        read[0] = 300 * step
        reporter.progress(100 * step)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "arsearch: indexing 2 files (9.8 KiB)…"
    assert lines[1:] == [
        "arsearch: indexing: 1,000 documents, 2.9 KiB of 9.8 KiB read (30%), about 23.3 s left, 100 docs/s",
        "arsearch: indexing: 2,000 documents, 5.9 KiB of 9.8 KiB read (60%), about 13.3 s left, 100 docs/s",
        "arsearch: indexing: 3,000 documents, 8.8 KiB of 9.8 KiB read (90%), about 3.33 s left, 100 docs/s",
    ]


def test_a_short_run_still_shows_its_last_bar_before_committing() -> None:
    # a run faster than the bar's refresh interval: the bar must still end showing all it read
    stream = io.StringIO()
    reporter = sources.Reporter(stream, mode="bar", clock=lambda: 0.0)
    read = [0]
    reporter.start(4096, lambda: read[0], files=1)
    read[0] = 4096
    reporter.progress(300)
    reporter.committing()
    text = stream.getvalue()
    assert re.search(r"indexing: 100%\|.*\| 4\.00k/4\.00k \[.*300 docs\]", text), text
    assert text.endswith("\r\x1b[Karsearch: committing…")


def test_a_bar_without_a_read_position_counts_documents() -> None:
    # a total size is known but not how far the reading is (stdin): the bar counts documents
    stream = io.StringIO()
    reporter = sources.Reporter(stream, mode="bar", clock=lambda: 0.0)
    reporter.start(4096, None, files=1)
    reporter.progress(300)
    reporter.committing()
    assert re.search(r"indexing: 300 docs \[", stream.getvalue()), stream.getvalue()


# -- the write lock: --wait, unlock -----------------------------------------------------------------


def _hold_lock(ix: Path, seconds: float) -> subprocess.Popen[str]:
    """A process holding the index's write lock for ``seconds`` (it prints "held" once it has it)."""
    code = (
        "import sys, time\n"
        "from whoosh.util.filelock import FileLock\n"
        "lock = FileLock(sys.argv[1])\n"
        "assert lock.acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(_lock_path(ix)), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_wait_waits_for_the_lock(tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs / "a.txt"))[0] == 0
    holder = _hold_lock(ix, 2.0)
    try:
        code, _, err = run(capsys, "index", str(ix), str(docs))
        assert code == 1
        assert err.strip().splitlines()[-1] == (
            f"arsearch: error: the index at {ix} is locked: another arsearch command is writing to it; let it "
            f"finish, or add --wait SECONDS to wait for it ('arsearch unlock {ix}' tells whether a process holds the lock)"
        )
        t0 = time.monotonic()
        code, _, err = run(capsys, "index", "--wait", "30", str(ix), str(docs))
        assert code == 0, err
        assert time.monotonic() - t0 < 30
        assert holder.poll() is not None  # it got the lock once the holder was gone
    finally:
        holder.kill()
        holder.wait()
    assert stats(capsys, ix)["documents"] == 32
    code, _, err = run(capsys, "index", "--wait", "-1", str(ix), str(docs))
    assert code == 2 and "must be 0 or more seconds" in err


def test_compact_waits_too(tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs))[0] == 0
    index = Index.open(ix)
    with index:
        index.delete("n1")
    index.close()
    holder = _hold_lock(ix, 1.5)
    try:
        code, _, err = run(capsys, "compact", str(ix))
        assert code == 1 and "add --wait SECONDS" in err
        code, out, err = run(capsys, "compact", "--wait", "30", str(ix))
        assert code == 0, err
        assert "1 deleted document purged" in out
    finally:
        holder.kill()
        holder.wait()


def test_unlock_tells_the_truth(tmp_path: Path, docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = tmp_path / "ix"
    assert run(capsys, "index", str(ix), str(docs))[0] == 0
    lock = _lock_path(ix)
    # no lock file (tantivy removes its own; a Whoosh one is removed here)
    lock.unlink(missing_ok=True)
    code, out, _ = run(capsys, "unlock", str(ix))
    assert (code, out) == (0, f"the index at {ix} is not locked (it has no lock file): nothing to do\n")
    # a stale lock: its writer was killed holding it
    holder = _hold_lock(ix, 60)
    holder.kill()
    holder.wait()
    assert lock.exists()
    code, out, _ = run(capsys, "unlock", str(ix))
    assert code == 0
    assert out.startswith(f"the index at {ix} is not locked: no process holds its write lock")
    assert lock.exists()  # nothing was cleared, and nothing needed to be
    assert run(capsys, "index", "--force", str(ix), str(docs))[0] == 0
    # a held lock
    holder = _hold_lock(ix, 60)
    try:
        code, out, err = run(capsys, "unlock", str(ix))
        assert code == 1 and out == ""
        assert err == (
            f"arsearch: error: the index at {ix} is locked: a running process (process {holder.pid}) holds its "
            f"write lock; let it finish, or stop it if it is stuck (the system releases the lock when the process ends)\n"
        )
    finally:
        holder.kill()
        holder.wait()


# -- an index used after close() --------------------------------------------------------------------


def test_using_a_closed_index_raises(tmp_path: Path, engine: str) -> None:
    for ix in (Index.create(tmp_path / "ix", engine=engine), Index.memory(engine=engine)):
        with ix:
            ix.add({"id": "1", "body": "نص"})
        ix.close()
        ix.close()  # twice is fine
        assert ix.closed
        where = f"the index at {tmp_path / 'ix'}" if ix.path else "the in-memory index"
        calls = [
            lambda: ix.add({"id": "2", "body": "نص"}),
            lambda: ix.add_many([{"id": "2", "body": "نص"}]),
            lambda: ix.delete("1"),
            ix.commit,
            ix.compact,
            ix.begin,
            lambda: ix.search("نص"),
            lambda: ix.suggest("نص"),
            lambda: ix.get("1"),
            lambda: len(ix),
            ix.stats,
        ]
        for call in calls:
            with pytest.raises(IndexClosedError, match=f"^{re.escape(where)} is closed; open it again to use it$"):
                call()
        ix.cancel()  # nothing pending: nothing to do
    again = Index.open(tmp_path / "ix")
    assert len(again) == 1
    again.close()
