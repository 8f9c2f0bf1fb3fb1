"""Tests for the ``arsearch`` command line, through its real entry points.

Most tests call :func:`arsearch.cli.main` in-process (output via capsys); a
few run ``python -m arsearch`` and the installed console script.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from arsearch import Index, IndexLockedError
from arsearch import cli, seedcache, sources, swap
from arsearch.cli import main

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SEED_WORD = "أراضي"  # spelled with hamza in the seed text; searched for without it
COMMANDS = ["index", "search", "analyze", "stats", "compact", "unlock"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(out: str) -> list[dict[str, object]]:
    """``search --json`` output: one JSON object per line."""
    return [json.loads(line) for line in out.splitlines()]


def assert_one_error_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("arsearch: error: "), err
    assert "Traceback" not in err


def seed_file_with(word: str) -> Path:
    for path in sorted(SEEDS.glob("*.txt")):
        if word in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError(f"no seed file contains {word!r}")


def write_jsonl(path: Path, rows: list[object], *, gz: bool = False) -> Path:
    text = "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def stats(capsys: pytest.CaptureFixture[str], index_dir: Path) -> dict:
    code, out, _ = run(capsys, "stats", str(index_dir), "--json")
    assert code == 0
    return json.loads(out)


@pytest.fixture
def seeds_ix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """An on-disk index of the repository's seed documents (seeds/*.txt, not the
    2,001-article news sample), indexed as ``seeds``."""
    (tmp_path / "seeds").mkdir()
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, tmp_path / "seeds" / path.name)
    monkeypatch.chdir(tmp_path)
    ix = tmp_path / "ix"
    code, _, err = run(capsys, "index", str(ix), "seeds")
    assert code == 0, err
    return ix


@pytest.fixture
def seeds_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("ARSEARCH_CACHE", str(path))
    return path


# -- index + search on the seeds --------------------------------------------------------------


def test_index_seeds_folder_and_search_text_format(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc_id = "seeds/" + seed_file_with(SEED_WORD).name
    code, out, err = run(capsys, "search", "--index", str(seeds_ix), "اراضي", "--format", "text")
    assert code == 0, err
    assert doc_id in out
    assert f"[{SEED_WORD}]" in out  # the original hamza spelling, marked
    assert re.search(r"^1\. ", out, re.M)  # rank
    assert "score " in out
    assert "\x1b[" not in out
    # snippets are shown on one line
    snippet_lines = [line for line in out.splitlines() if "[" in line]
    assert len(snippet_lines) == 1


def test_search_diacritized_spelling_is_marked(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "-i", str(seeds_ix), "قوات", "--format", "text")
    assert code == 0
    assert "[وقوّات]" in out  # shadda kept in the marked span


def test_search_json(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "--index", str(seeds_ix), "تنظيم الدولة", "--json")
    assert code == 0
    hits = jsonl(out)
    assert len(hits) >= 1
    hit = hits[0]
    assert list(hit) == ["rank", "id", "score", "title", "snippet"]  # not the whole body
    assert str(hit["id"]).startswith("seeds/")
    assert "[تنظيم]" in hit["snippet"]  # text marks by default when not on a terminal
    assert "الدولة" in out  # ensure_ascii=False


def test_search_format_html_and_ansi(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "search", "-i", str(seeds_ix), "اراضي", "--format", "html")
    assert f"<mark>{SEED_WORD}</mark>" in out
    _, out, _ = run(capsys, "search", "-i", str(seeds_ix), "اراضي", "--format", "ansi")
    assert f"\x1b[1;33m{SEED_WORD}\x1b[0m" in out


def test_search_no_results_and_offsets(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "-i", str(seeds_ix), "كمبيوتر")
    assert (code, out.strip()) == (1, "no results")  # exit 1 with no hits, as grep
    code, out, _ = run(capsys, "search", "-i", str(seeds_ix), "كمبيوتر", "--json")
    assert code == 1 and out == ""
    code, out, _ = run(capsys, "search", "-i", str(seeds_ix), "الدولة", "--offset", "50")
    assert code == 0 and out.startswith("no results at offset 50")  # there are hits, on earlier pages
    code, out, _ = run(capsys, "search", "-i", str(seeds_ix), "الدولة", "--fields", "title", "--json")
    assert code == 0 and jsonl(out)


def test_search_default_seeds_corpus_uses_a_cache(
    seeds_cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = seed_file_with(SEED_WORD).name
    code, out, err = run(capsys, "search", "اراضي")
    assert code == 0, err
    assert doc_id in out and f"[{SEED_WORD}]" in out
    assert "indexing the sample corpus" in err
    built = [p for p in seeds_cache.iterdir() if p.name.startswith("seeds-")]
    assert len(built) == 1 and (built[0] / "arsearch.json").is_file()
    assert not [p for p in seeds_cache.iterdir() if p.name.startswith(".")]  # no temporary build left behind

    def no_building(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached seeds index should be reused")

    monkeypatch.setattr(Index, "create", no_building)
    monkeypatch.setattr(Index, "memory", no_building)
    code, out2, err2 = run(capsys, "search", "اراضي")
    assert code == 0, err2
    assert out2.splitlines()[1:] == out.splitlines()[1:]  # same hits (the header has the time)
    assert err2 == ""


def test_seeds_cache_is_rebuilt_when_the_seeds_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.txt").write_text("عنوان\nذهب الطلاب إلى المكتبة", encoding="utf-8")
    root = tmp_path / "cache"
    with seedcache.seeds_index(root, folder) as ix:
        assert len(ix) == 1
    first = sorted(p.name for p in root.iterdir())
    (folder / "b.txt").write_text("الملعب\nلعب الأطفال في الملعب", encoding="utf-8")
    with seedcache.seeds_index(root, folder) as ix:
        assert len(ix) == 2
        assert ix.search("ملعب")[0].id == "b.txt"
    second = sorted(p.name for p in root.iterdir())
    assert len(first) == len(second) == 1 and first != second  # the stale build was removed
    capsys.readouterr()


def test_seeds_cache_key_follows_the_default_ranking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.txt").write_text("عنوان\nذهب الطلاب إلى المكتبة", encoding="utf-8")
    srcs = sources.walk_sources(str(folder), sources.Reporter(io.StringIO()), relative=True)
    before = seedcache.seeds_digest(srcs)
    monkeypatch.setattr(seedcache, "DEFAULT_RANKING", seedcache.DEFAULT_RANKING.__class__(coordination=0.0))
    assert seedcache.seeds_digest(srcs) != before


def test_seeds_cache_not_writable_falls_back_to_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ARSEARCH_CACHE", str(blocker / "cache"))
    code, out, err = run(capsys, "search", "اراضي")
    assert code == 0
    assert f"[{SEED_WORD}]" in out
    assert "in memory" in err


# -- index: inputs, updates, errors -------------------------------------------------------------


def test_reindexing_updates_instead_of_duplicating(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = stats(capsys, seeds_ix)["documents"]
    assert before == len(list(SEEDS.glob("*.txt")))
    code, _, err = run(capsys, "index", str(seeds_ix), "seeds")
    assert code == 0, err
    assert stats(capsys, seeds_ix)["documents"] == before
    code, out, _ = run(capsys, "search", "-i", str(seeds_ix), "اراضي", "--json")
    assert len(jsonl(out)) == 1


def test_jsonl_and_jsonl_gz_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "j1", "title": "المكتبة", "text": "ذهبَ الطُّلّابُ إلى المَكْتَبَةِ", "author": "ignored"},
            {"id": 2, "title": "الملعب", "body": "لعب الأطفال في الملعب"},
        ],
    )
    packed = write_jsonl(
        tmp_path / "b.jsonl.gz", [{"id": "g1", "title": "أرشيف", "body": "كتب مضغوطة في الأرشيف"}], gz=True
    )
    ix = tmp_path / "ix"
    code, _, err = run(capsys, "index", str(ix), str(plain), str(packed))
    assert code == 0, err
    assert re.search(r"^indexed 3 documents from 2 files in [\d.]+ s: 3 added, 0 updated; nothing skipped$", err, re.M), err
    code, out, _ = run(capsys, "search", "-i", str(ix), "مكتبة", "--json", "--show", "id,body")
    hit = jsonl(out)[0]
    assert hit["id"] == "j1" and str(hit["body"]).startswith("ذهبَ")  # "text" became the body
    assert Index.open(ix).get("j1").keys() == {"id", "title", "body"}  # "author" was ignored
    _, out, _ = run(capsys, "search", "-i", str(ix), "ارشيف", "--json")
    assert [h["id"] for h in jsonl(out)] == ["g1"]
    _, out, _ = run(capsys, "search", "-i", str(ix), "الملعب", "--json")
    assert [h["id"] for h in jsonl(out)] == ["2"]


def test_bad_inputs_are_reported_and_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "good.txt").write_text("عنوان المقال\n\nذهب الطلاب إلى المكتبة\n", encoding="utf-8")
    (docs / "latin1.txt").write_bytes("مكتبة".encode() + b" \xff\xfe caf\xe9")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(b"abc\x00\x01\x02def")
    (docs / "notes.md").write_text("not an input", encoding="utf-8")  # ignored inside folders
    write_jsonl(
        docs / "sub" / "rows.jsonl",
        [
            {"id": "r1", "title": "الملعب", "body": "لعب الأطفال في الملعب"},
            '{"id": "r2", "title": "broken"',
            {"title": "no id", "body": "نص بلا معرف"},
        ],
    )
    ix = tmp_path / "ix"
    code, out, err = run(capsys, "index", str(ix), str(docs))
    assert code == 0, err
    assert out == ""
    lines = err.strip().splitlines()
    skipped = [line for line in lines if line.startswith("arsearch: skipped")]
    assert len(skipped) == 5, err

    def reason(name: str) -> str:
        found = [line for line in skipped if name in line]
        assert len(found) == 1, (name, err)
        return found[0]

    assert "not valid UTF-8" in reason("latin1.txt")
    assert "empty" in reason("empty.txt")
    assert "NUL" in reason("binary.txt")
    assert "broken JSON" in reason("rows.jsonl line 2")
    assert "'id'" in reason("rows.jsonl line 3")
    # 3 .txt files and 2 lines of the .jsonl: counted apart, never as "5 skipped"
    assert re.fullmatch(
        r"indexed 2 documents from 2 files in [\d.]+ s: 2 added, 0 updated; "
        r"skipped 3 files and 2 documents with errors \(see above\)",
        lines[-1],
    ), lines[-1]
    _, out, _ = run(capsys, "search", "-i", str(ix), "المكتبة الملعب", "--json")
    ids = {h["id"] for h in jsonl(out)}
    assert ids == {"docs/good.txt", "r1"}  # the folder's name, then the path inside it


def test_wrong_types_and_duplicates_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = write_jsonl(
        tmp_path / "rows.jsonl",
        [
            {"id": "a", "title": "المكتبة", "body": "نص"},
            {"id": "b", "title": 5, "body": "نص"},
            [1, 2],
            {"id": "a", "body": "نسخة ثانية"},
            {"id": "c"},
        ],
    )
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(rows))
    assert code == 0
    assert re.search(r"rows\.jsonl line 2: .*'title' must be str", err)
    assert re.search(r"rows\.jsonl line 3: expected a JSON object", err)
    assert re.search(r"rows\.jsonl line 4: duplicate id 'a'", err)
    assert re.search(r"rows\.jsonl line 5: .*no text", err)
    assert re.search(r"^indexed 1 document from 1 file in .*; skipped 4 documents with errors \(see above\)$", err, re.M), err
    assert stats(capsys, tmp_path / "ix")["documents"] == 1


def test_all_bad_inputs_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    write_jsonl(tmp_path / "broken.jsonl", ["{nope"])
    inputs = [str(tmp_path / "empty.txt"), str(tmp_path / "broken.jsonl")]
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), *inputs)
    assert code == 1
    assert "indexed 0 documents" in err
    assert err.strip().splitlines()[-1].startswith("arsearch: error: ")
    assert "Traceback" not in err


def test_missing_inputs_exit_1_without_creating_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = tmp_path / "ix"
    code, _, err = run(capsys, "index", str(ix), str(tmp_path / "nope.txt"), str(tmp_path / "nope"))
    assert code == 1
    assert err.count("no such file or folder") == 2
    assert not ix.exists()


def test_empty_folder_is_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docs").mkdir()
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(tmp_path / "docs"))
    assert code == 0
    assert "indexed 0 documents" in err


def test_rebuild_starts_from_scratch(seeds_ix: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "one.txt"
    other.write_text("عنوان\nنص قصير عن المكتبة", encoding="utf-8")
    code, _, err = run(capsys, "index", "--rebuild", str(seeds_ix), str(other))
    assert code == 0, err
    assert stats(capsys, seeds_ix)["documents"] == 1


# -- --rebuild builds aside and swaps (issue #14) ------------------------------------------------

OLD_IDS = ["old0", "old1", "old2"]
NEW_IDS = ["new0", "new1", "new2"]


@pytest.fixture
def old_ix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An index of three "old" documents, and new.jsonl beside it with three others."""
    write_jsonl(tmp_path / "old.jsonl", [{"id": i, "body": "المكتبة القديمة"} for i in OLD_IDS])
    write_jsonl(tmp_path / "new.jsonl", [{"id": i, "body": "المكتبة الجديدة"} for i in NEW_IDS])
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(tmp_path / "old.jsonl"))
    assert code == 0, err
    return tmp_path / "ix"


def found(index_dir: Path) -> list[str]:
    index = Index.open(index_dir)
    try:
        return sorted(h.id for h in index.search("المكتبة", limit=100))
    finally:
        index.close()


def _feed_calling(monkeypatch: pytest.MonkeyPatch, during: Any) -> None:
    """Make ``arsearch index`` call ``during()`` after its second document."""

    class Watched(cli.Feed):
        def __iter__(self) -> Any:
            for n, doc in enumerate(super().__iter__()):
                yield doc
                if n == 1:
                    during()

    monkeypatch.setattr(cli, "Feed", Watched)


def test_rebuild_readers_see_the_old_index_until_the_new_one_is_complete(
    old_ix: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened_before = Index.open(old_ix)
    seen: list[Any] = []

    def during() -> None:
        seen.append((found(old_ix), sorted(h.id for h in opened_before.search("المكتبة"))))
        seen.append(sorted(p.name for p in old_ix.parent.iterdir() if p.name.startswith(".")))
        writer = Index.open(old_ix)
        with pytest.raises(IndexLockedError):  # a write now would be lost at the swap
            writer.add({"id": "late", "body": "المكتبة"})
            writer.commit()
        writer.close()

    _feed_calling(monkeypatch, during)
    code, _, err = run(capsys, "index", "--rebuild", str(old_ix), str(old_ix.parent / "new.jsonl"))
    assert code == 0, err
    assert seen[0] == (OLD_IDS, OLD_IDS)  # a new reader and an open one, mid-rebuild
    assert len(seen[1]) == 1 and seen[1][0].startswith(".ix.rebuild-")  # the new index, built aside
    assert found(old_ix) == NEW_IDS
    assert sorted(p.name for p in old_ix.parent.iterdir()) == ["ix", "new.jsonl", "old.jsonl"]  # nothing left aside
    opened_before.refresh()  # an index opened before the rebuild now reads the new one
    assert sorted(h.id for h in opened_before.search("المكتبة")) == sorted(h.id for h in Index.open(old_ix).search("المكتبة"))
    assert len(opened_before) == len(Index.open(old_ix))
    opened_before.close()


@pytest.mark.parametrize("error, status", [(OSError(28, "No space left on device"), 1), (KeyboardInterrupt(), 130)])
def test_a_failed_rebuild_leaves_the_old_index_as_it_was(
    old_ix: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, error: BaseException, status: int
) -> None:
    def during() -> None:
        raise error

    _feed_calling(monkeypatch, during)
    code, _, err = run(capsys, "index", "--rebuild", str(old_ix), str(old_ix.parent / "new.jsonl"))
    assert code == status and "Traceback" not in err, err
    assert found(old_ix) == OLD_IDS
    assert sorted(p.name for p in old_ix.parent.iterdir()) == ["ix", "new.jsonl", "old.jsonl"]
    monkeypatch.undo()  # the lock was released: the next rebuild works
    code, _, err = run(capsys, "index", "--rebuild", str(old_ix), str(old_ix.parent / "new.jsonl"))
    assert code == 0, err
    assert found(old_ix) == NEW_IDS


def test_a_rebuild_from_inputs_that_all_fail_keeps_the_old_index(old_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_jsonl(old_ix.parent / "bad.jsonl", ["{broken", '{"id": "x"}'])
    code, _, err = run(capsys, "index", "--rebuild", str(old_ix), str(bad))
    assert code == 1
    assert err.splitlines()[-1] == "arsearch: error: no documents indexed: every input was skipped; the index was left as it was"
    assert found(old_ix) == OLD_IDS


def test_rebuild_without_an_atomic_exchange_uses_two_renames(
    old_ix: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(swap, "exchange", lambda a, b: False)
    code, _, err = run(capsys, "index", "--rebuild", str(old_ix), str(old_ix.parent / "new.jsonl"))
    assert code == 0, err
    assert found(old_ix) == NEW_IDS
    assert sorted(p.name for p in old_ix.parent.iterdir()) == ["ix", "new.jsonl", "old.jsonl"]


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "in-a").touch()
    (b / "in-b").touch()
    if not swap.exchange(a, b):
        pytest.skip("no renameat2(RENAME_EXCHANGE) on this system or file system: the two-rename path is tested above")
    assert [p.name for p in a.iterdir()] == ["in-b"] and [p.name for p in b.iterdir()] == ["in-a"]
    with pytest.raises(FileNotFoundError):
        swap.exchange(a, tmp_path / "missing")


def test_refuses_a_non_index_folder_with_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mydocs"
    target.mkdir()
    (target / "keep.txt").write_text("مهم", encoding="utf-8")
    code, _, err = run(capsys, "index", str(target), str(target / "keep.txt"))
    assert code == 1
    assert_one_error_line(err)
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_procs_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = [{"id": str(i), "title": "عنوان", "body": f"نص رقم {i}"} for i in range(20)]
    rows = write_jsonl(tmp_path / "rows.jsonl", docs)
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(rows), "--procs", "2")
    assert code == 0, err
    assert stats(capsys, tmp_path / "ix")["documents"] == 20


def test_locked_index_is_an_error(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from whoosh.util.filelock import FileLock

    lock = FileLock(str(cli._lock_path(seeds_ix)))
    assert lock.acquire()
    try:
        code, _, err = run(capsys, "index", str(seeds_ix), "seeds")
        assert code == 1
        assert_one_error_line(err)
        assert "locked" in err and "--wait SECONDS" in err
        assert "lock_timeout" not in err  # a Python parameter, meaningless on the command line
        code, _, err = run(capsys, "unlock", str(seeds_ix))
        assert code == 1
        assert_one_error_line(err)
        assert f"a running process (process {os.getpid()}) holds its write lock" in err
        assert cli._lock_path(seeds_ix).exists()
    finally:
        lock.release()


def test_progress_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    reporter = sources.Reporter(stream, tty=True)
    assert reporter.mode == "bar"
    reporter.start(4096, lambda: 2048, files=1)
    reporter._bar.mininterval = 0  # draw every update
    reporter.progress(500)
    assert re.search(r"indexing:  50%\|.*\| 2\.00k/4\.00k \[.*500 docs\]", stream.getvalue()), stream.getvalue()
    reporter.message("done")
    assert "done\n" in stream.getvalue()
    reporter.committing()
    assert stream.getvalue().endswith("\r\x1b[Karsearch: committing…")
    quiet = io.StringIO()
    reporter = sources.Reporter(quiet, tty=False)
    assert reporter.mode == "lines"
    reporter.progress(500)  # before the first interval: nothing
    assert quiet.getvalue() == ""


# -- errors ---------------------------------------------------------------------------------------


def test_search_missing_index_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "--index", str(tmp_path / "missing"), "كتاب")
    assert code == 1
    assert out == ""
    assert_one_error_line(err)
    assert "no arsearch index" in err


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["frobnicate"],
        ["search"],
        ["index", "only-an-index-dir"],
        ["search", "x", "--format", "pdf"],
        ["search", "x", "-n", "-3"],
        ["index", "ix", "a.txt", "--procs", "0"],
        ["analyze", "x", "--stemmer", "porter"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert_one_error_line(err)


def test_unknown_field_is_a_usage_error(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "search", "-i", str(seeds_ix), "كتاب", "--fields", "author")
    assert code == 2
    assert_one_error_line(err)
    assert "author" in err


def test_incompatible_index_is_an_error(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = seeds_ix / "arsearch.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["format"] = 999
    meta.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "stats", str(seeds_ix))
    assert code == 1
    assert_one_error_line(err)
    assert "--rebuild" in err
    code, _, err = run(capsys, "index", "--rebuild", str(seeds_ix), "seeds")
    assert code == 0, err


def test_keyboard_interrupt_exits_130(
    seeds_ix: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "search", interrupted)
    code, out, err = run(capsys, "search", "-i", str(seeds_ix), "كتاب")
    assert code == 130
    assert err.strip() == "arsearch: interrupted"


# -- analyze, stats, unlock, help -------------------------------------------------------------------


def test_analyze_shows_original_spans(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "analyze", "الْمَكْتَبَةُ الكبيرة في أراضي العراق")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["pos", "term", "original", "span", "root", "4-grams"]
    # the light stem, the ISRI root and the 4-grams of the normalized, unstemmed word
    assert lines[1].split() == ["0", "مكتب", "الْمَكْتَبَةُ", "0-13", "كبه", "#الم", "المك", "لمكت", "مكتب", "كتبه", "تبه#"]
    assert lines[3].split()[:5] == ["2", "اراض", "أراضي", "25-30", "رضي"]
    assert "في" not in out.split()  # a stop word, dropped by default


def test_analyze_options_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "analyze", "--keep-stopwords", "--stemmer", "none", "في", "الْمَكْتَبَةُ")
    assert code == 0
    rows = [line.split() for line in out.splitlines()[1:]]
    assert [r[:5] for r in rows] == [["0", "في", "في", "0-2", "yes"], ["1", "المكتبه", "الْمَكْتَبَةُ", "3-16", "-"]]
    code, out, _ = run(capsys, "analyze", "--json", "الْمَكْتَبَةُ")
    data = json.loads(out)
    assert data["tokens"] == [
        {
            "position": 0, "term": "مكتب", "original": "الْمَكْتَبَةُ", "start": 0, "end": 13, "stopword": False,
            "root": "كبه", "ngrams": ["#الم", "المك", "لمكت", "مكتب", "كتبه", "تبه#"],
        }
    ]
    code, out, _ = run(capsys, "analyze", "في")
    assert code == 0 and out.startswith("no tokens")


def test_stats(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stats", str(seeds_ix))
    assert code == 0
    seeds = len(list(SEEDS.glob("*.txt")))
    assert re.search(rf"^documents\s+{seeds}$", out, re.M)
    assert re.search(r"^fields\s+title \(text\), body \(text\)$", out, re.M)
    assert "analyzer" in out and "arsearch-arabic" in out
    data = stats(capsys, seeds_ix)
    assert data["documents"] == seeds and data["terms"]["body"] > 10


def test_unlock(seeds_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = cli._lock_path(seeds_ix)
    lock.unlink(missing_ok=True)
    code, out, _ = run(capsys, "unlock", str(seeds_ix))
    assert code == 0 and "is not locked (it has no lock file): nothing to do" in out
    lock.write_bytes(b"")  # a lock file no process holds (left by a writer that ended)
    code, out, _ = run(capsys, "unlock", str(seeds_ix))
    assert code == 0
    assert "is not locked: no process holds its write lock" in out
    assert "cleared" not in out  # it clears nothing: it says so
    code, _, err = run(capsys, "index", "--force", str(seeds_ix), "seeds")  # writable
    assert code == 0, err


def test_unlock_not_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "unlock", str(tmp_path / "nowhere"))
    assert code == 1
    assert_one_error_line(err)
    code, _, err = run(capsys, "unlock", str(tmp_path))
    assert code == 1
    assert_one_error_line(err)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, command, "--help")
    assert code == 0
    assert "Example" in out
    assert f"arsearch {command}" in out
    assert err == ""


def test_main_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "Example" in out and all(c in out for c in COMMANDS)
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("arsearch ")


# -- subprocesses: python -m arsearch and the console script ----------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ARSEARCH_CACHE=str(tmp_path / "cache"), PYTHONIOENCODING="utf-8", NO_COLOR="1")
    return env


def _run_module(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arsearch", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )


def test_python_m_arsearch_index_and_search(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds", ignore=shutil.ignore_patterns("*.gz"))
    r = _run_module(tmp_path, "index", "ix", "seeds")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^indexed \d+ documents? from \d+ files? in .*; nothing skipped$", r.stderr, re.M), r.stderr
    r = _run_module(tmp_path, "search", "--index", "ix", "اراضي")
    assert r.returncode == 0, r.stderr
    assert "seeds/" + seed_file_with(SEED_WORD).name in r.stdout
    assert f"[{SEED_WORD}]" in r.stdout  # stdout is a pipe: text marks


def test_python_m_arsearch_errors_are_one_line(tmp_path: Path) -> None:
    r = _run_module(tmp_path, "search", "--index", "missing", "كتاب")
    assert r.returncode == 1
    assert r.stdout == ""
    assert_one_error_line(r.stderr)
    r = _run_module(tmp_path, "nonsense")
    assert r.returncode == 2
    assert_one_error_line(r.stderr)


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("arsearch")
    if not script.exists():
        pytest.skip("the arsearch console script is not installed next to this Python")
    r = subprocess.run(
        [str(script), "analyze", "الْمَكْتَبَةُ"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(tmp_path),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "مكتب" in r.stdout and "الْمَكْتَبَةُ" in r.stdout
    r = subprocess.run([str(script), "search", "--help"], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0 and "Example" in r.stdout


def test_default_snippet_format(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert cli._default_format(Terminal()) == "ansi"
    assert cli._default_format(io.StringIO()) == "text"
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._default_format(Terminal()) == "text"


# -- the query on the command line: several words, operators, warnings, --explain --------------


@pytest.fixture
def news_ix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    rows = [
        {"id": "t1", "title": "ترامب", "body": "قال الرئيس ترامب إن الاقتصاد قوي"},
        {"id": "t2", "title": "تصريحات", "body": "انتقد ترمب وسائل الإعلام"},
        {"id": "tn", "title": "تونس", "body": "اتفاق بين تونس والجزائر"},
        {"id": "dz", "title": "الجزائر", "body": "الجزائر تستضيف القمة"},
    ]
    ix = tmp_path / "news-ix"
    code, _, err = run(capsys, "index", str(ix), str(write_jsonl(tmp_path / "news.jsonl", rows)))
    assert code == 0, err
    return ix


def test_search_joins_several_query_words(news_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "-i", str(news_ix), "تونس", "الجزائر", "--format", "text", "--json")
    assert code == 0, err
    assert {h["id"] for h in jsonl(out)} == {"tn", "dz"}


def test_search_operators_from_the_command_line(news_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "-i", str(news_ix), "الجزائر", "NOT", "تونس", "--json")
    assert code == 0
    assert [h["id"] for h in jsonl(out)] == ["dz"]


def test_search_marks_titles_and_near_matches(news_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "-i", str(news_ix), "ترامب", "--format", "text")
    assert code == 0
    assert "   [ترامب]\n" in out  # the title, marked
    assert "انتقد {ترمب} وسائل الإعلام" in out  # a close spelling: the other mark


def test_search_explain(news_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "-i", str(news_ix), "ترامب", "--explain", "--format", "text")
    assert code == 0
    assert "ترامب ← form in title: ترامب; form in body: ترامب" in out
    assert "ترامب ← near in body: ترمب" in out
    code, out, _ = run(capsys, "search", "-i", str(news_ix), "ترامب", "--explain", "--json")
    hits = jsonl(out)
    assert hits[1]["explain"] == [{"word": "ترامب", "how": "near", "field": "body", "text": "ترمب"}]
    code, out, _ = run(capsys, "search", "-i", str(news_ix), "ترامب", "--json")
    assert "explain" not in jsonl(out)[0]


def test_search_unknown_field_warns_on_stderr(news_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "-i", str(news_ix), "foo:تونس", "--format", "text")
    assert code == 0
    assert err == "arsearch: warning: unknown field 'foo': searched foo:تونس as words\n"
    assert "tn" in out


def test_search_prints_did_you_mean_when_results_are_few(news_ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "-i", str(news_ix), "تونسس", "--format", "text")
    assert code == 1  # no hits: grep's convention
    assert out.splitlines()[:2] == ["did you mean: تونس", "no results"]
    code, out, err = run(capsys, "search", "-i", str(news_ix), "تونسس", "--json")
    assert (code, out, err) == (1, "", "arsearch: did you mean: تونس\n")  # stdout holds hits only
    code, out, _ = run(capsys, "search", "-i", str(news_ix), "تونس", "--format", "text")
    assert "did you mean" not in out


def test_the_demo_corpus_is_the_seed_document_and_a_news_sample(seeds_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``arsearch search`` without an index searches 2,002 documents: the user's
    sample and 2,001 ANT news articles, with their attribution alongside."""
    folder = seedcache.seeds_dir()
    assert (folder / "ant-news-sample.jsonl.gz").is_file()
    assert "Apache License" in (folder / "ANT-NEWS-NOTICE.md").read_text(encoding="utf-8")
    code, out, err = run(capsys, "search", "--json", "-n", "200", "تونس")
    assert code == 0, err
    assert len(jsonl(out)) > 100  # the sample's Tunisian outlets
    code, out, err = run(capsys, "search", "-n", "3", "تنظيم الدولة")
    assert code == 0 and "000_ddac50323e0613b4.txt" in out  # the user's own document ranks first
    with seedcache.seeds_index() as ix:
        assert len(ix) == 2002
