"""Completions as you type: Index.complete, the completion table, its file, the CLI.

Runs on both engines (``test_complete`` is in ENGINE_INDEPENDENT)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch import Analyzer, Completion, Index, IndexCorruptedError, QueryError, normalize
from arsearch import complete as acm
from arsearch.cli import main

ANALYZER = Analyzer()

# A small news-like corpus: counts chosen so each golden row has one right answer.
DOCS = [
    {"id": "1", "title": "الانتخابات", "body": "بدأت الانتخابات في تونس، وقال مجلس الأمن إن الانتخابات نزيهة"},
    {"id": "2", "title": "مجلس الأمن", "body": "اجتمع مجلس الأمن الدولي لبحث الانتخابات"},
    {"id": "3", "title": "مجلس الأمة", "body": "ناقش مجلس الأمن قرار الانتخابات والحملة الانتخابية"},
    {"id": "4", "title": "المدرسة", "body": "افتتحت المدرسة أبوابها وزار الوزير المدرسة"},
    {"id": "5", "title": "التعليم", "body": "عاد الطلاب إلى المدرسة بعد العطلة والمدير حاضر"},
    {"id": "6", "title": "الاتحاد", "body": "الاتحاد الأوروبي والاتحاد الأفريقي و الاتحاد العام للشغل"},
    {"id": "7", "title": "الأمن", "body": "قوات الأمن في المدرسة، الامن مستتب"},
    {"id": "8", "title": "الاتحاد", "body": "مؤتمر الاتحاد في المدرسة الثانوية"},
]

GOLDEN = [
    # the examples
    ("الانتخا", "الانتخابات"),
    ("الإنتخا", "الانتخابات"),
    ("الانتخـا", "الانتخابات"),
    ("والمدر", "والمدرسة"),  # و kept, المدرسة completed
    ("مجلس الا", "مجلس الأمن"),  # the phrase, before the more frequent word الاتحاد
    # diacritics and hamza forms typed; the surface form most written shown
    ("الاِنْتِخا", "الانتخابات"),
    ("الام", "الأمن"),
    ("مجلس الإ", "مجلس الأمن"),
    ("مجلس ", "مجلس الأمن"),  # a space: the next word
    ("للمدر", "للمدرسة"),  # ل + المدرسة: the article's alef dropped
    ("بالمدر", "بالمدرسة"),
    ("وَالمدر", "وَالمدرسة"),  # the clitic as typed, with its mark
    ("تون", "تونس"),
]


@pytest.fixture(scope="module")
def ix(engine: str) -> Index:
    index = Index.memory()
    with index:
        index.add_many(DOCS)
    return index


@pytest.mark.parametrize("typed, first", GOLDEN)
def test_golden_first_completion(ix: Index, typed: str, first: str) -> None:
    found = ix.complete(typed)
    assert found, typed
    assert found[0].text == first


def test_counts_are_document_frequencies(ix: Index) -> None:
    by_text = {c.text: c.count for c in ix.complete("الانتخا")}
    # الانتخابات: 3 documents (twice in document 1, counted once); الانتخابية: 1
    assert by_text == {"الانتخابات": 3, "الانتخابية": 1}
    assert [(c.text, c.count) for c in ix.complete("مجلس الا")[:2]] == [("مجلس الأمن", 3), ("مجلس الأمة", 1)]


def test_phrases_first_then_words(ix: Index) -> None:
    found = ix.complete("مجلس الا")
    texts = [c.text for c in found]
    # the phrases of مجلس (by count), then the words (الاتحاد: 2 documents, more than مجلس الأمة)
    assert texts[:2] == ["مجلس الأمن", "مجلس الأمة"]
    assert "مجلس الاتحاد" in texts[2:]
    assert [c.count for c in found[2:]] == sorted((c.count for c in found[2:]), reverse=True)


def test_most_frequent_surface_is_shown(ix: Index) -> None:
    # الأمن written in 4 documents, الامن in 1 (of them): the completion shows الأمن, counted 4
    assert [c.text for c in ix.complete("الامن")] == ["الأمن"]
    assert ix.complete("الامن")[0].count == 4


def test_ties_in_code_point_order() -> None:
    index = Index.memory()
    with index:
        index.add({"id": "1", "body": "كتابه كتابا"})
        index.add({"id": "2", "body": "كتابي"})
    assert [c.text for c in index.complete("كتا")] == ["كتابا", "كتابه", "كتابي"]


def test_punctuation_ends_a_phrase(ix: Index) -> None:
    # "تونس، وقال": no pair across the comma, so تونس starts no phrase
    assert [c.text for c in ix.complete("تونس ")] == []
    assert ix.complete("تونس،") == []


def test_limit_and_arguments(ix: Index) -> None:
    assert len(ix.complete("ال", limit=3)) == 3
    assert ix.complete("ال", limit=0) == []
    assert ix.complete("") == []
    assert ix.complete("   ") == []
    assert ix.complete("zzzz") == []
    with pytest.raises(QueryError):
        ix.complete(None)  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        ix.complete("ال", limit=-1)
    with pytest.raises(QueryError):
        ix.complete("ال", limit=True)


def test_completion_is_exported_and_frozen() -> None:
    c = Completion("مجلس الأمن", 3)
    with pytest.raises(AttributeError):
        c.count = 4  # type: ignore[misc]


def test_long_text_keeps_its_start(ix: Index) -> None:
    typed = "كلمة " * 400 + "الانتخا"
    found = ix.complete(typed)
    assert found[0].text == "كلمة " * 400 + "الانتخابات"


TYPED_ALPHABET = "الانتخباتمدرسةجلأإآوبكلنيىهـًَُِّ ،"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=TYPED_ALPHABET, max_size=14))
def test_completions_start_with_the_typed_text_normalized(ix: Index, typed: str) -> None:
    for c in ix.complete(typed):
        assert normalize(c.text).startswith(normalize(typed)), (typed, c.text)
        assert c.count > 0


# -- keeping the table: commits, replacements, deletions, files -------------------------------


def texts(index: Index, typed: str) -> list[tuple[str, int]]:
    return [(c.text, c.count) for c in index.complete(typed)]


def test_replace_and_delete_update_the_counts(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "ix")
    with index:
        index.add({"id": "1", "body": "مجلس الأمن"})
        index.add({"id": "2", "body": "مجلس الأمن ومجلس الوزراء"})
    assert texts(index, "مجلس الا") == [("مجلس الأمن", 2)]
    index.add({"id": "1", "body": "مجلس الإدارة"})  # replaces document 1
    index.commit()
    assert texts(index, "مجلس الا") == [("مجلس الإدارة", 1), ("مجلس الأمن", 1)]  # a tie: code point order
    assert index.delete("2") == 1
    index.commit()
    assert texts(index, "مجلس الا") == [("مجلس الإدارة", 1)]
    assert texts(index, "الوز") == []
    index.close()


def test_pending_copies_and_cancel() -> None:
    index = Index.memory()
    index.add({"id": "1", "body": "الانتخابات"})
    index.add({"id": "1", "body": "الانتخابية"})  # the last copy wins
    index.add({"id": "2", "body": "الانتخاب"})
    index.delete("2")
    index.commit()
    assert texts(index, "الانتخا") == [("الانتخابية", 1)]
    index.add({"id": "3", "body": "الانتخابات"})
    index.cancel()
    index.commit()
    assert texts(index, "الانتخا") == [("الانتخابية", 1)]


def test_persists_across_reopen_and_other_processes_see_commits(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    writer = Index.create(path)
    with writer:
        writer.add_many(DOCS)
    before = texts(writer, "مجلس الا")
    writer.close()
    assert (path / acm.COMPLETIONS_FILE).is_file()
    assert not (path / acm.STALE_MARK).exists()
    reader = Index.open(path)
    assert texts(reader, "مجلس الا") == before
    writer = Index.open(path)
    writer.add({"id": "9", "body": "مجلس الاتحاد"})
    writer.commit()
    writer.close()
    assert ("مجلس الاتحاد", 1) in texts(reader, "مجلس الا")  # the reader reads the new file
    assert texts(reader, "مجلس الا")[0] == ("مجلس الأمن", 3)
    reader.close()


def test_missing_or_stale_file_is_rebuilt_from_the_documents(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index = Index.create(path)
    with index:
        index.add_many(DOCS)
    expected = texts(index, "مجلس الا")
    index.close()
    (path / acm.COMPLETIONS_FILE).unlink()  # an index built before completions
    index = Index.open(path)
    assert texts(index, "مجلس الا") == expected  # rebuilt in memory to read
    index.close()
    # a writer stopped between the engine's commit and the table's: the mark is left, the file old
    acm.write_file(path, acm.Completions.empty().apply(["مجلس الاقتصاد"], [], ANALYZER), {"documents": len(DOCS)})
    (path / acm.STALE_MARK).touch()
    index = Index.open(path)
    index.add({"id": "9", "body": "مجلس الاتحاد"})
    index.commit()
    index.close()
    index = Index.open(path)
    got = texts(index, "مجلس الا")
    assert got[0] == ("مجلس الأمن", 3)
    assert ("مجلس الاتحاد", 1) in got and all("الاقتصاد" not in t for t, _ in got)
    assert not (path / acm.STALE_MARK).exists()
    index.close()


def test_file_of_another_document_count_is_rebuilt_at_commit(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index = Index.create(path)
    with index:
        index.add_many(DOCS)
    index.close()
    # written for 1 document, not 8 (e.g. an arsearch without completions committed since)
    acm.write_file(path, acm.Completions.empty().apply(["مجلس الاقتصاد"], [], ANALYZER), {"documents": 1})
    index = Index.open(path)
    index.add({"id": "9", "body": "شيء"})
    index.commit()
    assert texts(index, "مجلس الا")[0] == ("مجلس الأمن", 3)
    assert all("الاقتصاد" not in t for t, _ in texts(index, "مجلس الا"))
    index.close()


def test_damaged_file_is_an_error_for_readers_and_repaired_by_a_commit(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index = Index.create(path)
    with index:
        index.add_many(DOCS)
    index.close()
    data = (path / acm.COMPLETIONS_FILE).read_bytes()
    (path / acm.COMPLETIONS_FILE).write_bytes(data[: len(data) // 2])
    index = Index.open(path)
    with pytest.raises(IndexCorruptedError, match="completions"):
        index.complete("مجلس الا")
    index.add({"id": "9", "body": "شيء"})
    index.commit()
    assert texts(index, "مجلس الا")[0] == ("مجلس الأمن", 3)
    index.close()


def test_overwrite_removes_the_old_table(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index = Index.create(path)
    with index:
        index.add_many(DOCS)
    index.close()
    index = Index.create(path, overwrite=True)
    assert index.complete("مجلس الا") == []
    assert not (path / acm.COMPLETIONS_FILE).exists()
    index.close()


# -- the table itself -----------------------------------------------------------------------------


def _state(table: acm.Completions) -> tuple[object, ...]:
    return (table.words, table.word_df.tolist(), table.surfaces, table.surface_df.tolist(),
            table.surface_word.tolist(), table.best.tolist(), table.pairs.tolist(), table.pair_df.tolist())


WORDS = ["مجلس", "الأمن", "الامن", "الأمة", "وزير", "الخارجية", "تونس", "،", "\n", "ال", "مجلسٌ"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), min_size=1, max_size=8), st.data())
def test_removing_documents_equals_building_without_them(docs: list[str], data: st.DataObject) -> None:
    removed = data.draw(st.lists(st.sampled_from(range(len(docs))), unique=True))
    kept = [d for i, d in enumerate(docs) if i not in removed]
    incremental = acm.Completions.empty().apply(docs, [], ANALYZER).apply([], [docs[i] for i in removed], ANALYZER)
    assert _state(incremental) == _state(acm.Completions.empty().apply(kept, [], ANALYZER))


def test_counting_in_chunks_equals_counting_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [d["title"] + "\n" + d["body"] for d in DOCS] * 3
    whole = acm.Completions.empty().apply(docs, [], ANALYZER)
    monkeypatch.setattr(acm.Batch, "CHUNK", 2)
    assert _state(acm.Completions.empty().apply(docs, [], ANALYZER)) == _state(whole)
    assert whole.word_df[whole.words.index(normalize("الانتخابات"))] == 9  # 3 copies of 3 documents


def test_bytes_round_trip_and_damage() -> None:
    table = acm.Completions.empty().apply([d["body"] for d in DOCS], [], ANALYZER)
    back, stamp = acm.Completions.from_bytes(table.to_bytes({"documents": 8}))
    assert stamp == {"documents": 8}
    assert _state(back) == _state(table)
    assert isinstance(back.pairs, np.ndarray) and back.pairs.dtype == np.uint64
    header = json.dumps([1]).encode()
    not_a_dict = acm._MAGIC + len(header).to_bytes(4, "little") + header
    for bad in (b"", b"junk", table.to_bytes()[:-5], table.to_bytes() + b"x", not_a_dict,
                table.to_bytes().replace(b'"format": 1', b'"format": 9')):
        with pytest.raises(IndexCorruptedError):
            acm.Completions.from_bytes(bad)
        with pytest.raises(IndexCorruptedError):
            acm.WordCounts.from_bytes(bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), min_size=1, max_size=8),
       st.lists(st.sampled_from(WORDS + ["امن", "مجلسي", "الاتحاد"]), max_size=6))
def test_word_counts_read_alone_equal_the_table(docs: list[str], asked: list[str]) -> None:
    table = acm.Completions.empty().apply(docs, [], ANALYZER)
    counts, stamp = acm.WordCounts.from_bytes(table.to_bytes({"documents": len(docs)}))
    assert stamp == {"documents": len(docs)}
    for word in {normalize(w) for w in asked} | set(table.words):
        expected = sum(1 for d in docs if word in {normalize(w) for w in d.split() if w not in ("،", "\n")})
        assert counts(word) == table.word_counts()(word) == expected, word


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
    path = tmp_path_factory.mktemp("complete") / "ix"
    index = Index.create(path)
    with index:
        index.add_many(DOCS)
    index.close()
    return path


def test_cli_complete(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complete", "--index", str(index_dir), "مجلس الا"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["مجلس", "الأمن", "3"]
    assert main(["complete", "--index", str(index_dir), "-n", "1", "--json", "والمدر"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload == {"text": "والمدر", "completions": [{"text": "والمدرسة", "count": 4}]}


def test_cli_no_completion_and_errors(index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["complete", "--index", str(index_dir), "zzzz"]) == 1
    assert capsys.readouterr().out == ""
    assert main(["complete", "--index", str(tmp_path / "missing"), "ال"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("arsearch: error: no arsearch index") and err.count("\n") == 1
    assert main(["complete", "--index", str(index_dir), "-n", "-2", "ال"]) == 2


def test_console_script_complete(index_dir: Path) -> None:
    script = Path(sys.executable).with_name("arsearch")
    if not script.exists():
        pytest.skip("the arsearch console script is not installed next to this Python")
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    r = subprocess.run([str(script), "complete", "--index", str(index_dir), "الانتخـا"],
                       capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].split() == ["الانتخابات", "3"]
