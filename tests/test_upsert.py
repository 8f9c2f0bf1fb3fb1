"""The document id is unique: add/add_many/update replace a document with the same id.

Within one batch (uncommitted writes) the last copy wins; across commits
the new copy replaces the committed one; the multi-process writer
(``procs > 1``) keeps the same rules. Every test checks what a reader sees:
``len``, ``get``, ``in`` and search hits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch import Index, Ranking
from arsearch.engines.whoosh.store import WhooshStore

FIELDS = {"title": "text", "body": "text"}

#: Words that analyze to distinct terms (no shared stems), one per version of a document.
OLD, NEW, NEWER = "الزيتون", "القمح", "البرتقال"


def hits(ix: Index, query: str) -> list[str]:
    return [h.id for h in ix.search(query, limit=1000)]


@pytest.fixture(params=["disk", "memory"])
def make_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Index]]:
    """A factory of empty indexes, on disk (in tmp_path) or in memory."""
    made: list[Index] = []

    def make() -> Index:
        ix = Index.create(tmp_path / f"ix{len(made)}", FIELDS) if request.param == "disk" else Index.memory(FIELDS)
        made.append(ix)
        return ix

    yield make
    for ix in made:
        ix.close()


def assert_one_copy(ix: Index, doc_id: str, body: str, gone: tuple[str, ...] = ()) -> None:
    """``doc_id`` is there once, with ``body``; words of earlier versions find nothing."""
    assert doc_id in ix
    assert ix.get(doc_id) == {"id": doc_id, "body": body}
    word = body.split()[0]
    assert hits(ix, word).count(doc_id) == 1
    for old in gone:
        assert doc_id not in hits(ix, old)


# -- one process ---------------------------------------------------------------------------------


def test_same_id_twice_in_one_batch(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    ix.add({"id": "a", "body": OLD})
    ix.add({"id": "b", "body": OLD})
    ix.add({"id": "a", "body": NEW})
    ix.commit()
    assert len(ix) == 2
    assert_one_copy(ix, "a", NEW, gone=(OLD,))
    assert hits(ix, OLD) == ["b"]
    assert ix.stats()["documents"] == 2


def test_same_id_three_times_in_one_add_many(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    docs = [{"id": "a", "body": OLD}, {"id": "a", "body": NEW}, {"id": "b", "body": NEW}, {"id": "a", "body": NEWER}]
    n = ix.add_many(docs)
    assert n == 4  # every document written counts, replaced or not
    assert len(ix) == 2
    assert_one_copy(ix, "a", NEWER, gone=(OLD, NEW))
    assert hits(ix, NEW) == ["b"]


def test_add_replaces_across_commits(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    with ix:
        ix.add({"id": "a", "body": OLD})
        ix.add({"id": "b", "body": OLD})
    with ix:
        ix.add({"id": "a", "body": NEW})
    assert len(ix) == 2
    assert_one_copy(ix, "a", NEW, gone=(OLD,))
    with ix:
        ix.add({"id": "a", "body": NEWER})
    assert len(ix) == 2
    assert_one_copy(ix, "a", NEWER, gone=(OLD, NEW))
    assert hits(ix, OLD) == ["b"]


def test_replacing_a_committed_document_twice_in_one_batch(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    ix.add_many([{"id": "a", "body": OLD}, {"id": "b", "body": OLD}])
    ix.add({"id": "a", "body": NEW})
    ix.add({"id": "a", "body": NEWER})
    ix.commit()
    assert len(ix) == 2
    assert_one_copy(ix, "a", NEWER, gone=(OLD, NEW))


def test_replacement_is_durable(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "ix", FIELDS)
    ix.add_many([{"id": str(i), "body": OLD} for i in range(5)])
    ix.add({"id": "3", "body": NEW})
    ix.add({"id": "3", "body": NEWER})
    ix.commit()
    ix.close()
    again = Index.open(tmp_path / "ix")
    assert len(again) == 5
    assert_one_copy(again, "3", NEWER, gone=(NEW,))
    assert sorted(hits(again, OLD)) == ["0", "1", "2", "4"]
    again.close()


def test_add_many_twice_reindexes_without_duplicates(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    docs = [{"id": f"d{i}", "title": "عنوان", "body": f"{OLD} كلمة{i}"} for i in range(120)]
    assert ix.add_many(docs, batch_size=50) == 120
    assert ix.add_many(docs, batch_size=50) == 120
    assert len(ix) == 120
    assert ix.stats()["documents"] == 120
    found = hits(ix, OLD)
    assert len(found) == 120
    assert sorted(found) == sorted(d["id"] for d in docs)
    assert ix.search(OLD).total == 120


def test_repeated_ids_across_batch_boundaries(make_index: Callable[[], Index]) -> None:
    """Ids cycle through 7 values, batches of 5: copies meet inside a batch and across commits."""
    ix = make_index()
    docs = [{"id": f"k{i % 7}", "body": f"{NEW} نسخة{i}"} for i in range(40)]
    assert ix.add_many(docs, batch_size=5) == 40
    assert len(ix) == 7
    last = {d["id"]: d["body"] for d in docs}
    for doc_id, body in last.items():
        assert ix.get(doc_id) == {"id": doc_id, "body": body}
    assert sorted(hits(ix, NEW)) == sorted(last)


def test_update_is_add(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    ix.update({"id": "a", "body": OLD})
    ix.add({"id": "a", "body": NEW})
    ix.update({"id": "a", "body": NEWER})
    ix.commit()
    assert len(ix) == 1
    assert_one_copy(ix, "a", NEWER, gone=(OLD, NEW))


@pytest.mark.parametrize("update", [False, True])
def test_add_many_update_flag_changes_nothing(make_index: Callable[[], Index], update: bool) -> None:
    ix = make_index()
    ix.add_many([{"id": "a", "body": OLD}])
    ix.add_many([{"id": "a", "body": NEW}, {"id": "a", "body": NEWER}], update=update)
    assert len(ix) == 1
    assert_one_copy(ix, "a", NEWER, gone=(OLD, NEW))


def test_cancel_keeps_the_committed_copy(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    ix.add_many([{"id": "a", "body": OLD}])
    ix.add({"id": "a", "body": NEW})
    ix.add({"id": "a", "body": NEWER})
    ix.cancel()
    assert len(ix) == 1
    assert_one_copy(ix, "a", OLD, gone=(NEW, NEWER))
    ix.add({"id": "a", "body": NEW})  # a new session after the cancel still replaces
    ix.commit()
    assert len(ix) == 1
    assert_one_copy(ix, "a", NEW, gone=(OLD,))


def test_a_failed_batch_keeps_the_committed_copy(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    ix.add_many([{"id": "a", "body": OLD}])
    with pytest.raises(RuntimeError):
        with ix:
            ix.add({"id": "a", "body": NEW})
            raise RuntimeError("boom")
    assert len(ix) == 1
    assert_one_copy(ix, "a", OLD, gone=(NEW,))


# -- deleting ------------------------------------------------------------------------------------


def test_delete_after_committed_upsert(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    ix.add_many([{"id": "a", "body": OLD}, {"id": "b", "body": OLD}])
    ix.add_many([{"id": "a", "body": NEW}])
    assert ix.delete("a") == 1
    assert ix.delete("a") == 0
    ix.commit()
    assert len(ix) == 1
    assert "a" not in ix
    assert ix.get("a") is None
    assert hits(ix, NEW) == []
    assert hits(ix, OLD) == ["b"]


def test_delete_after_pending_upsert(make_index: Callable[[], Index]) -> None:
    """The committed copy and the pending replacement both go."""
    ix = make_index()
    ix.add_many([{"id": "a", "body": OLD}, {"id": "b", "body": OLD}])
    ix.add({"id": "a", "body": NEW})
    ix.add({"id": "a", "body": NEWER})
    assert ix.delete("a") == 1
    assert ix.delete("a") == 0
    ix.commit()
    assert len(ix) == 1
    assert ix.get("a") is None
    assert hits(ix, OLD) == ["b"]
    assert hits(ix, NEW) == []
    assert hits(ix, NEWER) == []


def test_delete_of_a_pending_document_then_add_again(make_index: Callable[[], Index]) -> None:
    ix = make_index()
    ix.add({"id": "a", "body": OLD})
    assert ix.delete("a") == 1
    ix.add({"id": "a", "body": NEW})
    ix.commit()
    assert len(ix) == 1
    assert_one_copy(ix, "a", NEW, gone=(OLD,))


# -- no lookups on a fresh index ------------------------------------------------------------------


def test_fresh_index_needs_no_deletion_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Into an empty index, new ids are written without looking anything up
    (repeats inside the batch are dropped by docnum, without a lookup either)."""
    ix = Index.create(tmp_path / "ix", FIELDS)

    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a deletion lookup on an empty index")

    monkeypatch.setattr(WhooshStore, "_delete_committed", no_lookup)
    monkeypatch.setattr(WhooshStore, "_deletion_searcher", no_lookup)
    docs = [{"id": f"d{i % 30}", "body": f"{NEW} كلمة{i}"} for i in range(60)]
    assert ix.add_many(docs) == 60
    assert len(ix) == 30
    monkeypatch.undo()
    assert ix.add_many(docs[:10]) == 10  # committed ids: now they are looked up and replaced
    assert len(ix) == 30
    ix.close()


# -- the multi-process writer ---------------------------------------------------------------------


def test_multiprocess_writer_replaces_committed_ids(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "ix", FIELDS)
    ix.add_many([{"id": f"d{i}", "body": f"{OLD} كلمة{i}"} for i in range(300)])
    n = ix.add_many([{"id": f"d{i}", "body": f"{NEW} كلمة{i}"} for i in range(0, 300, 2)], procs=2)
    assert n == 150
    assert len(ix) == 300
    assert sorted(hits(ix, NEW)) == sorted(f"d{i}" for i in range(0, 300, 2))
    assert sorted(hits(ix, OLD)) == sorted(f"d{i}" for i in range(1, 300, 2))
    assert ix.get("d4") == {"id": "d4", "body": f"{NEW} كلمة4"}
    ix.close()


def test_multiprocess_writer_on_an_index_in_memory() -> None:
    # Whoosh's sub-processes cannot write into this process's memory: the index is written here alone
    ix = Index.memory(FIELDS)
    assert ix.add_many([{"id": f"d{i}", "body": f"{OLD} كلمة{i}"} for i in range(300)], procs=2) == 300
    assert ix.add_many([{"id": f"d{i}", "body": f"{NEW} كلمة{i}"} for i in range(0, 300, 2)], procs=2) == 150
    assert len(ix) == 300
    assert sorted(hits(ix, NEW)) == sorted(f"d{i}" for i in range(0, 300, 2))
    assert sorted(hits(ix, OLD)) == sorted(f"d{i}" for i in range(1, 300, 2))
    ix.close()


@pytest.mark.parametrize("batch_size", [20_000, 170])
def test_multiprocess_writer_last_copy_wins_within_a_batch(tmp_path: Path, batch_size: int) -> None:
    """Ids repeat far apart (in different sub-processes' jobs) and side by side."""
    ix = Index.create(tmp_path / "ix", FIELDS)
    ix.add_many([{"id": "old", "body": OLD}])
    docs = [{"id": f"d{i % 100}", "body": f"{NEW} نسخة{i}"} for i in range(400)]
    docs += [{"id": "old", "body": NEW}, {"id": "pair", "body": OLD}, {"id": "pair", "body": NEWER}]
    assert ix.add_many(docs, procs=2, batch_size=batch_size) == len(docs)
    assert len(ix) == 102
    last = {d["id"]: d["body"] for d in docs}
    for doc_id, body in last.items():
        assert ix.get(doc_id) == {"id": doc_id, "body": body}
    assert sorted(hits(ix, NEW)) == sorted(doc_id for doc_id in last if doc_id != "pair")
    assert hits(ix, OLD) == []
    assert hits(ix, NEWER) == ["pair"]
    ix.close()
    again = Index.open(tmp_path / "ix")
    assert len(again) == 102
    assert again.get("d7") == {"id": "d7", "body": f"{NEW} نسخة307"}
    again.close()


def test_multiprocess_reindexing_twice(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "ix", FIELDS)
    docs = [{"id": f"d{i}", "body": f"{OLD} كلمة{i}"} for i in range(250)]
    ix.add_many(docs, procs=2)
    ix.add_many(docs, procs=2)
    assert len(ix) == 250
    assert sorted(hits(ix, OLD)) == sorted(d["id"] for d in docs)
    ix.close()


def test_delete_during_a_multiprocess_batch(tmp_path: Path) -> None:
    """delete() from a progress callback while the multi-process writer holds the id."""
    ix = Index.create(tmp_path / "ix", FIELDS)
    ix.add_many([{"id": "d1", "body": OLD}])
    deleted: list[int] = []

    def progress(n: int) -> None:
        if n == 100:
            deleted.extend([ix.delete("d1"), ix.delete("d1"), ix.delete("d5")])

    docs = [{"id": f"d{i}", "body": NEW} for i in range(150)]
    ix.add_many(docs, procs=2, progress=progress)
    assert deleted == [1, 0, 1]
    assert len(ix) == 148
    assert "d1" not in ix and "d5" not in ix
    assert len(hits(ix, NEW)) == 148
    assert hits(ix, OLD) == []
    ix.close()


# -- property ------------------------------------------------------------------------------------

# Letters that the light stemmer neither strips nor turns into stop words, so
# every generated word is a search term of its own.
LETTERS = "بجدرزسشصطعفقك"
words = st.text(alphabet=LETTERS, min_size=3, max_size=7)
ids = st.text(alphabet="abcXYZ019-_ مخ", min_size=1, max_size=8).filter(lambda s: s.strip() != "")


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc_id=ids, first=st.lists(words, min_size=1, max_size=6), second=st.lists(words, min_size=1, max_size=6),
       commit_between=st.booleans(), other=st.booleans())
def test_adding_a_document_twice_leaves_one_copy(
    doc_id: str, first: list[str], second: list[str], commit_between: bool, other: bool
) -> None:
    ix = Index.memory(FIELDS, ranking=Ranking())
    if other:  # a document with another id, so the index is not empty when the first copy comes
        ix.add({"id": doc_id + "~", "body": "غغغ"})
        ix.commit()
    ix.add({"id": doc_id, "body": " ".join(first)})
    if commit_between:
        ix.commit()
    ix.add({"id": doc_id, "body": " ".join(second)})
    ix.commit()
    assert len(ix) == 1 + other
    assert ix.get(doc_id) == {"id": doc_id, "body": " ".join(second)}
    for word in second:
        assert hits(ix, word) == [doc_id]
    for word in set(first) - set(second):
        assert hits(ix, word) == []
    ix.close()
