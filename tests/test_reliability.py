"""Bad documents, bad files, bad queries, damaged and outdated indexes.

The promise tested here: whatever a caller passes, arsearch either accepts
it sensibly or raises an :class:`ArsearchError` subclass (``DocumentError``,
``QueryError``, ``IncompatibleIndexError``...), and a failure never costs
the documents committed before it nor the ability to write again. The CLI
reports a bad file or line on one stderr line and indexes the rest.

(Basic cases already in test_index.py / test_cli.py are not repeated; these
go through one index in sequence, through more kinds of input, and check
that the index is still whole and writable after each failure.)
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import random
import re
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from arsearch import (
    ArsearchError,
    DocumentError,
    IncompatibleIndexError,
    Index,
    QueryError,
    highlight,
)
from arsearch.cli import main
from arsearch.index import META_FILE

FIELDS = {"title": "text", "body": "text", "tags": "keyword", "year": "numeric", "published": "date"}

BASE_DOCS: list[dict[str, Any]] = [
    {"id": "b1", "title": "المكتبة العامة", "body": "ذهب الطلاب إلى المكتبة العامة لقراءة الكتب", "tags": ["ثقافة"], "year": 2001},
    {"id": "b2", "title": "الملعب", "body": "لعب الأطفال كرة القدم في الملعب بعد المدرسة", "tags": "رياضة", "year": 2005},
    {"id": "b3", "title": "مستشفى القرية", "body": "افتتح مستشفى جديد قرب مدرسة القرية", "published": dt.date(2012, 7, 20)},
    {"id": "b4", "title": "School", "body": "تعلم البرمجة في مـــدرسة Python school", "tags": ["تعليم", "تقنية"]},
    {"id": "b5", "title": "سؤال", "body": "من هو الرجل الذي سافر إلى آسيا"},
]
BASE_IDS = {d["id"] for d in BASE_DOCS}
# A word per base document, searched after every failure: each must still find its document.
PROBES = {"b1": "المكتبات", "b2": "الملعب", "b3": "مستشفى", "b4": "البرمجة", "b5": "آسيا"}


def unmarked(snippet: str) -> str:
    """A "text" format snippet without its [marks] (for texts holding no brackets)."""
    return snippet.replace("[", "").replace("]", "")


def ids(ix: Index, query: str, **kwargs: Any) -> set[str]:
    return {h.id for h in ix.search(query, limit=1000, **kwargs)}


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "ix"


@pytest.fixture
def ix(index_path: Path) -> Iterator[Index]:
    """An on-disk index holding BASE_DOCS, committed."""
    index = Index.create(index_path, FIELDS)
    with index:
        for d in BASE_DOCS:
            index.add(d)
    yield index
    index.close()


def assert_intact(ix: Index, path: Path, extra: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Every committed document is there and searchable, here and in a fresh reader."""
    for index in (ix, Index.open(path)):
        assert ids(index, "الزراعة المكتبة الملعب مستشفى البرمجة آسيا") >= BASE_IDS
        for doc_id, word in PROBES.items():
            assert doc_id in ids(index, word), (doc_id, word)
        assert len(index) == len(BASE_IDS) + len(extra)
        for doc_id in extra:
            assert doc_id in index


def assert_writable(ix: Index, path: Path, tag: str) -> str:
    """A new document can be added, committed and found (here and after reopening)."""
    doc_id = f"ok-{tag}"
    ix.add({"id": doc_id, "body": "الزراعة الحديثة"})
    ix.commit()
    assert doc_id in ids(ix, "الزراعة")
    assert doc_id in Index.open(path)
    return doc_id


# -- 1. bad documents ------------------------------------------------------------------------

REJECTED: list[tuple[str, Any]] = [
    ("missing id", {"body": "نص"}),
    ("empty id", {"id": "", "body": "نص"}),
    ("None id", {"id": None, "body": "نص"}),
    ("float id", {"id": 5.0, "body": "نص"}),
    ("bytes id", {"id": b"x", "body": "نص"}),
    ("list id", {"id": ["x"], "body": "نص"}),
    ("whitespace id", {"id": " \t\n\u3000", "body": "نص"}),
    ("int in text field", {"id": "x", "body": 42}),
    ("float in text field", {"id": "x", "body": 4.2}),
    ("bool in text field", {"id": "x", "title": True}),
    ("bytes in text field", {"id": "x", "body": "نص".encode()}),
    ("bytearray in text field", {"id": "x", "body": bytearray(b"abc")}),
    ("nested dict in text field", {"id": "x", "body": {"ar": "نص"}}),
    ("list in text field", {"id": "x", "body": ["نص", "آخر"]}),
    ("tuple in text field", {"id": "x", "title": ("نص",)}),
    ("set in keyword field", {"id": "x", "tags": {"a"}}),
    ("int in keyword list", {"id": "x", "tags": ["a", 1]}),
    ("bytes in keyword field", {"id": "x", "tags": b"a"}),
    ("str in numeric field", {"id": "x", "year": "1999"}),
    ("bool in numeric field", {"id": "x", "year": True}),
    ("NaN in numeric field", {"id": "x", "year": float("nan")}),
    ("complex in numeric field", {"id": "x", "year": 1j}),
    ("str in date field", {"id": "x", "published": "2001-01-01"}),
    ("int in date field", {"id": "x", "published": 20010101}),
    ("unknown field", {"id": "x", "author": "نص"}),
    ("non-str field name", {"id": "x", 5: "نص"}),
    ("internal field name", {"id": "x", "body__none": "نص"}),
    ("lone surrogate in body", {"id": "x", "body": "نص \ud800 نص"}),
    ("lone surrogate in title", {"id": "x", "title": "\udfff"}),
    ("lone surrogate in keyword", {"id": "x", "tags": ["\ud83d"]}),
    ("lone surrogate in id", {"id": "x\udc80", "body": "نص"}),
    ("surrogate pair as two code points", {"id": "x", "body": "\ud83d\ude00"}),
    ("list, not a mapping", ["id", "x"]),
    ("None, not a mapping", None),
    ("str, not a mapping", "{'id': 'x'}"),
]


def test_rejected_documents_raise_document_error_and_lose_nothing(ix: Index, index_path: Path) -> None:
    """One index through every bad document in turn; each failure leaves it whole and writable."""
    written: set[str] = set()
    for k, (description, bad) in enumerate(REJECTED):
        ix.add({"id": f"pending-{k}", "body": "الزراعة"})  # a pending document survives the failure
        with pytest.raises(DocumentError) as info:
            ix.add(bad)
        assert isinstance(info.value, ArsearchError) and str(info.value), description
        with pytest.raises(DocumentError):
            ix.update(bad)
        ix.commit()
        assert f"pending-{k}" in ix, description
        written.add(f"pending-{k}")
        with pytest.raises(DocumentError):  # add_many without on_error: nothing of the batch is written
            ix.add_many([{"id": f"many-{k}", "body": "الزراعة"}, bad])
        assert f"many-{k}" not in ix, description
        written.add(assert_writable(ix, index_path, str(k)))
        assert "x" not in ix, description
        assert_intact(ix, index_path, extra=written)


ACCEPTED: list[tuple[str, dict[str, Any], dict[str, Any] | None, str | None]] = [
    # description, document, stored fields expected from get() (None: as given), a query that finds it
    ("int id", {"id": 7, "body": "الزراعة العضوية"}, {"id": "7", "body": "الزراعة العضوية"}, "العضوية"),
    ("None for an optional field", {"id": "n1", "title": None, "body": "الري بالتنقيط"}, {"id": "n1", "body": "الري بالتنقيط"}, "التنقيط"),
    ("only an id", {"id": "bare"}, {"id": "bare"}, None),
    ("empty text", {"id": "empty", "title": "", "body": ""}, None, None),
    ("only diacritics", {"id": "marks", "body": "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"}, None, None),
    ("only tatweel", {"id": "tatweel", "body": "ـــــ"}, None, None),
    ("only punctuation", {"id": "punct", "body": "!!! ؟؟ ،،، ... «» — ؛ (*) [&] <>"}, None, None),
    ("only emoji", {"id": "emoji", "body": "😀🎉👍🏽🇸🇦 👨‍👩‍👧"}, None, None),
    ("NUL characters", {"id": "nul", "body": "\x00الحصاد\x00 الوفير\x00"}, {"id": "nul", "body": "الحصاد الوفير"}, "الحصاد"),
    ("control characters", {"id": "ctl", "body": "\x01\x1b[31m القمح\x7f\x85\u2028"}, None, "القمح"),
    ("bidi marks", {"id": "bidi", "body": "\u200fالشعير\u200e \u202bالذرة\u202c \u2067الأرز\u2069"}, None, "الشعير الذرة الأرز"),
    ("mapping that is not a dict", MappingProxyType({"id": "proxy", "body": "النخيل"}), {"id": "proxy", "body": "النخيل"}, "النخيل"),  # type: ignore[arg-type]
    ("keyword with commas", {"id": "kw", "body": "العنب", "tags": "a,b"}, {"id": "kw", "body": "العنب", "tags": "a b"}, "العنب"),
    ("long id", {"id": "i" * 10_000, "body": "الزيتون"}, None, "الزيتون"),
    ("Arabic id with spaces", {"id": " معرف ١ ", "body": "التمور"}, None, "التمور"),
    ("mixed scripts", {"id": "mixed", "body": "Farming الزراعية в России 農業 ١٢٣"}, None, "الزراعيه 農業"),
    ("huge but finite number", {"id": "big-num", "body": "الموز", "year": 1e308}, {"id": "big-num", "body": "الموز", "year": 1e308}, "الموز"),
]


def test_accepted_odd_documents_are_stored_sensibly(ix: Index, index_path: Path) -> None:
    written: set[str] = set()
    for description, d, stored, query in ACCEPTED:
        ix.add(d)
        ix.commit()
        doc_id = str(d["id"])
        written.add(doc_id)
        assert doc_id in ix, description
        got = ix.get(doc_id)
        assert got is not None, description
        assert got == (stored if stored is not None else {k: v for k, v in d.items() if v is not None}), description
        if query is not None:
            assert doc_id in ids(ix, query), description
        for text in ("\u064e\u064f", "ـــ", "!!!", "😀", ""):  # searching for the text of the odd ones
            assert ix.search(text).total == 0, (description, text)
        # A snippet of every hit of a broad query renders in every format.
        for fmt in ("html", "text", "ansi"):
            ix.search("الزراعة المكتبة", limit=100, snippet_format=fmt)
        assert_intact(ix, index_path, extra=written)
    written.add(assert_writable(ix, index_path, "end"))
    assert_intact(ix, index_path, extra=written)


def test_twenty_megabyte_body_is_indexed_searched_and_snipped(ix: Index, index_path: Path) -> None:
    sentence = "ذهب الطلاب إلى الحقول الخضراء لدراسة الزراعة في الصباح الباكر. "
    filler = sentence * (20_000_000 // len(sentence.encode("utf-8")) + 1)
    middle = len(filler) // 2
    body = "بدايةالنص " + filler[:middle] + " منتصفالنص " + filler[middle:] + " نهايةالنص"
    assert len(body.encode("utf-8")) > 20_000_000
    ix.add({"id": "huge", "title": "نص ضخم", "body": body})
    ix.commit()
    assert_intact(ix, index_path, extra={"huge"})
    reopened = Index.open(index_path)
    for query in ("بدايةالنص", "منتصفالنص", "نهايةالنص", '"الحقول الخضراء"', "الخضر*", "ضخم"):
        for index in (ix, reopened):
            results = index.search(query, snippet_format="text", snippet_chars=200)
            assert [h.id for h in results] == ["huge"], query
            snippet = results[0].snippet
            assert snippet.strip(), query
            assert len(unmarked(snippet)) <= 200 + 2 * len(" …"), (query, len(snippet))
    # The first match is found and marked (matches deep in a huge text are best-effort).
    assert "[بدايةالنص]" in ix.search("بدايةالنص", snippet_format="text")[0].snippet
    assert ix.get("huge")["body"] == body  # type: ignore[index]
    assert_writable(ix, index_path, "after-huge")


# -- bugs found in document handling (tests assert the correct behaviour) ------------------------


class _Text(str):
    """A str subclass (e.g. from a markup library); not importable by name in a child process."""


def test_str_subclass_values_do_not_break_the_writer(index_path: Path) -> None:
    """A str subclass is a str: it must be indexed as plain text (or refused with a
    DocumentError), never leave the writer broken and the write lock held."""
    ix = Index.create(index_path, FIELDS)
    with ix:
        for d in BASE_DOCS:
            ix.add(d)
    local = type("LocalText", (str,), {})  # a class pickle cannot find by name
    ix.add({"id": "sub-local", "body": local("الحصاد")})  # stored as a plain str, not refused
    ix.commit()
    assert [h.id for h in Index.open(index_path).search("الحصاد")] == ["sub-local"]
    assert_writable(ix, index_path, "after-subclass")
    ix.add({"id": "sub-module", "title": _Text("الحصاد"), "body": _Text("الحصاد الوفير")})
    ix.commit()
    stored = Index.open(index_path).get("sub-module")
    assert stored is not None
    # Stored as plain str: a reader that cannot import this test module must still read it.
    assert {k: type(v) for k, v in stored.items()} == {"id": str, "title": str, "body": str}
    ix.close()


def test_huge_int_in_numeric_field_is_a_document_error(ix: Index, index_path: Path) -> None:
    with pytest.raises(DocumentError):
        ix.add({"id": "x", "body": "نص", "year": 10**400})
    assert_writable(ix, index_path, "after-overflow")


@pytest.mark.parametrize("doc_id", ["a\x00b", "\x00\x00", "\x00b1", "b1\x00"])
def test_an_id_holding_nul_is_refused_by_add_and_delete(ix: Index, index_path: Path, doc_id: str) -> None:
    """An id with NUL was stored without it, so get() and delete() with the id
    given missed it: add() and delete() refuse it, and nothing is stored."""
    with pytest.raises(DocumentError, match="NUL"):
        ix.add({"id": doc_id, "body": "الحصاد"})
    with pytest.raises(DocumentError, match="NUL"):
        ix.delete(doc_id)
    ix.commit()
    assert ix.get(doc_id) is None and doc_id not in ix
    assert ids(ix, "الحصاد") == set()
    assert ix.get("b1") is not None  # delete("b1\x00") did not delete b1
    assert_writable(ix, index_path, "after-nul-id")


def test_add_many_reports_an_id_holding_nul_and_keeps_the_rest(ix: Index) -> None:
    errors: list[str] = []
    docs = [{"id": "n1", "body": "الحصاد"}, {"id": "n\x002", "body": "الحصاد"}, {"id": "n3", "body": "الحصاد"}]
    assert ix.add_many(docs, on_error=lambda doc, e: errors.append(str(e))) == 2
    assert ids(ix, "الحصاد") == {"n1", "n3"}
    assert len(errors) == 1 and "NUL" in errors[0] and "'n\\x002'" in errors[0], errors


def test_search_on_an_empty_index_finds_nothing(index_path: Path) -> None:
    ix = Index.create(index_path, FIELDS)
    queries = ["المكتبة", '"المكتبة العامة"', "+المكتبة", "title:المكتبة", "مكت*", "-المكتبة", "من هو"]
    for index in (ix, Index.memory(FIELDS), Index.open(index_path)):
        for query in queries:
            results = index.search(query, filter={"year": (1990, 2020)} if query == "+المكتبة" else None)
            assert results.total == 0 and list(results) == [], query
    # Still empty after a commit of nothing and after deleting every document.
    ix.commit()
    assert ix.search("المكتبة").total == 0
    with ix:
        ix.add({"id": "1", "body": "المكتبة"})
    ix.delete("1")
    ix.commit()
    assert ix.search("المكتبة").total == 0


def test_snippet_of_a_giant_single_word_is_bounded(ix: Index) -> None:
    """A hit on a word longer than ``snippet_chars`` still gets a short snippet (the docs
    promise fragments of at most ``max_chars`` characters)."""
    giant = "ب" * 300_000
    ix.add({"id": "giant", "body": f"بداية {giant} نهاية"})
    ix.commit()
    for query in (giant[:50] + "*", "ب" * 500 + "*"):  # prefixes of the giant word: it is the hit
        results = ix.search(query, snippet_format="text", snippet_chars=240)
        assert [h.id for h in results] == ["giant"], query[:10]
        snippet = results[0].snippet
        assert snippet.startswith("… [ب") and snippet.endswith("] …"), snippet[:20]  # a piece of the word, marked
        assert len(unmarked(snippet)) <= 240 + 2 * len(" …"), (query[:10], len(snippet))
    assert ix.search("ب" * 500).total == 0  # a word of 500 letters is not the word of 300,000
    text = highlight("كلمة " + "ب" * 5000, "ب" * 5000, format="text", max_chars=100)
    assert len(unmarked(text)) <= 100 + 2 * len(" …"), len(text)


def test_seeding_the_global_random_module_does_not_break_commits(ix: Index, index_path: Path) -> None:
    """Applications seed ``random`` for reproducibility; Whoosh names new segments with
    ``random``, so each commit after ``random.seed(42)`` picks the same segment name."""
    state = random.getstate()
    try:
        for i in range(3):
            random.seed(42)
            ix.add({"id": f"seeded-{i}", "body": "الحصاد"})
            ix.commit()
    finally:
        random.setstate(state)
    assert ids(Index.open(index_path), "الحصاد") == {"seeded-0", "seeded-1", "seeded-2"}
    assert_intact(ix, index_path, extra={"seeded-0", "seeded-1", "seeded-2"})


def _fail_toc_write(*args: Any, **kwargs: Any) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("where", ["disk", "memory"])
def test_failed_commit_keeps_the_last_commit_and_releases_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A commit that fails (disk full while writing the table of contents) raises, keeps
    the previous commit, and leaves the index writable: the write lock is not kept."""
    import whoosh.writing

    index = Index.create(tmp_path / "ix", FIELDS) if where == "disk" else Index.memory(FIELDS)
    with index:
        for d in BASE_DOCS:
            index.add(d)
    index.add({"id": "lost", "body": "الحصاد"})
    with monkeypatch.context() as m:
        m.setattr(whoosh.writing.SegmentWriter, "_commit_toc", _fail_toc_write)
        with pytest.raises(Exception) as failure:  # noqa: B017 - ideally an ArsearchError; any error is reported
            index.commit()
    # The caller keeps the error (to log or re-raise it later), and with it its traceback:
    # the lock must not depend on the failed writer being garbage-collected.
    kept = failure.value
    assert len(index) == len(BASE_DOCS) and "lost" not in index
    if where == "disk":
        assert len(Index.open(tmp_path / "ix")) == len(BASE_DOCS)
    # Writing again must neither fail with IndexLockedError nor block forever.
    outcome: list[BaseException | None] = []

    def write_again() -> None:
        try:
            index.add({"id": "again", "body": "الحصاد"})
            index.commit()
            outcome.append(None)
        except BaseException as e:  # noqa: BLE001
            outcome.append(e)

    worker = threading.Thread(target=write_again, daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "the next write blocked on the lock of the failed commit"
    assert outcome == [None], outcome
    assert ids(index, "الحصاد") == {"again"}
    assert kept.__traceback__ is not None


# -- 2. bad queries -----------------------------------------------------------------------------

MDRS = {"b2", "b3", "b4"}  # documents with a form of مدرسة

BAD_QUERIES: list[tuple[str, str, set[str] | None]] = [
    # description, query, the ids expected (None: best effort, only "no exception, subset of MDRS")
    ("empty", "", set()),
    ("whitespace", " \t\n\u3000\u200b", set()),
    ("only stop words", "في من على", {"b2", "b4", "b5"}),
    ("only stop words and a word", "في من مدرسة", MDRS),
    ("only diacritics", "\u064e\u064f\u0650\u0651\u0652", set()),
    ("only tatweel", "ـــ", set()),
    ("only a superscript alef", "\u0670", set()),
    ("diacritized word", "مَدْرَسَةٌ", MDRS),
    ("double quote inside a word", 'مدر"سة', set()),
    ("Arabic quotes, unbalanced", "«مدرسة", MDRS),
    ("smart quotes, unbalanced", "\u201cمدرسة", MDRS),
    ("many quotes", '""""""مدرسة""', MDRS),
    ("nested parentheses", "((((((مدرسة))))))", MDRS),
    ("unbalanced brackets", "[{مدرسة", MDRS),
    ("stray operators alone", "- + : * ** -- ++ :: +- -+ *: :*", set()),
    ("glued operators", "+-مدرسة", None),
    ("double minus", "--مدرسة", None),
    ("only an exclusion", "-مدرسة", set()),
    ("field with nothing", 'title: body:"" tags:', set()),
    ("unknown field", "author:مدرسة", MDRS),
    ("keyword field", "tags:رياضة", {"b2"}),
    ("prefix of diacritics", "\u064e*", set()),
    ("diacritized prefix", "مَدْرَ*", MDRS),
    ("star first", "*مدرسة", None),
    ("10,000 characters, mixed scripts", ("مدرسة school школа 学校 " * 800)[:10_000], MDRS),
    ("10,000 characters without a space", "مدرسة" * 2_000, set()),
    ("10,000 stray operators", "+-:*\"()" * 1_430, set()),
    ("mixed scripts", "school مدرسة школа 学校", MDRS),
    ("C0 and C1 controls", "\x01\x02\x1b[31m مدرسة\x7f\x85\x9b", MDRS),
    ("line and paragraph separators", "مدرسة\u2028الملعب\u2029", MDRS),
    ("NUL only", "\x00", set()),
    ("NULs around", "\x00\x00مدرسة\x00", MDRS),
    ("lone high surrogate", "\ud800", set()),
    ("lone low surrogate in a word", "مدر\udc00سة", set()),
    ("reversed surrogate pair", "\udc00\ud800 مدرسة", MDRS),
    ("RTL and LTR marks", "\u200fمدرسة\u200e", MDRS),
    ("bidi embeddings and isolates", "\u202bمدرسة\u202c \u2067الملعب\u2069", MDRS),
    ("zero-width non-joiner inside", "مدر\u200cسة", MDRS),
    ("byte order mark", "\ufeffمدرسة", MDRS),
    ("presentation forms", "ﻣﺪﺭﺳﺔ", MDRS),
    ("emoji", "😀 🇸🇦", set()),
    ("emoji glued to a word", "مدرسة😀", MDRS),
    ("private use and noncharacters", "\ue000\uffff\ufffe", set()),
    ("backslashes and regex", r"\\ .*[a-z]+( \d", set()),
    ("format strings", "%s %d {0} {x!r}", set()),
    ("HTML", "<script>alert(1)</script> مدرسة &amp;", MDRS),
    ("more than 64 clauses", " ".join(f"w{i}" for i in range(100)) + " مدرسة", None),
]


@pytest.fixture(scope="module")
def query_ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    path = tmp_path_factory.mktemp("queries") / "ix"
    index = Index.create(path, FIELDS)
    with index:
        for d in BASE_DOCS:
            index.add(d)
    yield index
    index.close()


@pytest.mark.parametrize("description, query, expected", BAD_QUERIES, ids=[q[0] for q in BAD_QUERIES])
def test_bad_queries_never_raise(query_ix: Index, description: str, query: str, expected: set[str] | None) -> None:
    for fmt in ("html", "text", "ansi"):
        for kwargs in ({}, {"fields": ["body"]}, {"filter": {"year": (1990, 2030)}}, {"limit": 0}, {"offset": 3}):
            results = query_ix.search(query, snippet_format=fmt, **kwargs)  # type: ignore[arg-type]
            assert results.total >= len(results.hits)
            for hit in results:
                assert isinstance(hit.snippet, str)
                if fmt == "html":
                    assert "<script>" not in hit.snippet
    found = ids(query_ix, query)
    if expected is None:
        assert found <= MDRS, found
    else:
        assert found == expected


@pytest.mark.parametrize(
    "query", [["مدرسة"], ("مدرسة",), {"q": "مدرسة"}, bytearray("مدرسة".encode()), memoryview(b"x"), 3.5, True, object()]
)
def test_non_str_queries_raise_query_error(query_ix: Index, query: object) -> None:
    with pytest.raises(QueryError) as info:
        query_ix.search(query)  # type: ignore[arg-type]
    assert isinstance(info.value, ArsearchError)


def test_str_subclass_query_is_a_query(query_ix: Index) -> None:
    assert ids(query_ix, _Text("مدرسة")) == MDRS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"snippet_chars": "x"},
        {"snippet_chars": None},
        {"snippet_chars": float("nan")},
        {"snippet_chars": float("inf")},
        {"fragments": "x"},
        {"fragments": None},
        {"fragments": 2.5},
        {"fields": 5},
        {"snippet_field": "year"},
    ],
    ids=lambda kw: "-".join(f"{k}={v!r}" for k, v in kw.items()),
)
def test_bad_snippet_and_field_arguments_raise_query_error(query_ix: Index, kwargs: dict[str, Any]) -> None:
    """Search arguments other than the query text: a bad one is a QueryError, never a TypeError."""
    with pytest.raises(QueryError):
        query_ix.search("مدرسة", **kwargs)


# -- 3. bad files through the CLI -------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def skipped_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("arsearch: skipped ")]


def cli_ids(capsys: pytest.CaptureFixture[str], index_dir: Path, query: str) -> set[str]:
    code, out, err = run(capsys, "search", "--index", str(index_dir), query, "--json", "-n", "1000")
    assert code == 0, err
    return {json.loads(line)["id"] for line in out.splitlines()}


def test_cli_bad_files_and_lines_are_reported_and_the_rest_indexed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "ix"
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "old", "body": "الزراعة القديمة"}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run(capsys, "index", str(index_dir), str(first))[0] == 0
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("عنوان\nالزراعة الحديثة في الصحراء\n", encoding="utf-8")
    (docs / "invalid-utf8.txt").write_bytes("الزراعة".encode() * 50 + b"\xc3\x28 tail")
    (docs / "nul.txt").write_bytes("الزراعة".encode() * 50 + b"\x00" + "النهاية".encode())
    (docs / "utf16.txt").write_bytes("الزراعة".encode("utf-16"))
    (docs / "latin1.txt").write_bytes("mañana en España".encode("latin-1"))  # not UTF-8, cp1256 or ISO-8859-6
    good = lambda i: json.dumps({"id": f"j{i}", "body": f"الزراعة سطر {i}"}, ensure_ascii=False).encode()  # noqa: E731
    lines = [
        good(1),
        b'{"id": "broken", "body": "\xd8\xa7',  # broken JSON (cut) with a cut UTF-8 character
        good(2),
        b'{"id": "bad-utf8", "body": "\xff\xfe\xfd"}',
        b'{"id": "raw-nul", "body": "a\x00b"}',
        b'{"id": "surrogate", "body": "\\ud800"}',
        b"[1, 2, 3]",
        b'{"id": "deep", "body": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"id": "nested", "body": {"ar": "x"}}',
        b'{"id": "no-text", "tags": "x"}',
        b'{"id": 3.5, "body": "float id"}',
        good(3),
        b"",
        b"   ",
        b'\xef\xbb\xbf{"id": "j4", "body": "\\u0627\\u0644\\u0632\\u0631\\u0627\\u0639\\u0629 \\u0000"}\r',
        good(5)[:-1] + b', "unknown": {"ignored": true}}',  # keys the index does not declare are ignored
    ]
    (docs / "rows.jsonl").write_bytes(b"\n".join(lines))  # no newline after the last line
    gz_rows = b"".join(good(100 + i) + b"\n" for i in range(200))
    gz = gzip.compress(gz_rows)
    (docs / "truncated.jsonl.gz").write_bytes(gz[: len(gz) * 2 // 3])
    (docs / "not-gzip.jsonl.gz").write_bytes(b'{"id": "x", "body": "plain"}\n')
    code, out, err = run(capsys, "index", str(index_dir), str(docs))
    assert code == 0, err
    assert "Traceback" not in err
    skipped = skipped_lines(err)

    def reason(where: str) -> str:
        found = [line for line in skipped if f"{where}:" in line]
        assert len(found) == 1, (where, err)
        return found[0]

    assert "not valid UTF-8" in reason("invalid-utf8.txt")
    assert "NUL" in reason("nul.txt")
    assert "not valid UTF-8" in reason("latin1.txt")
    assert "broken JSON" in reason("rows.jsonl line 2")
    assert "not valid UTF-8" in reason("rows.jsonl line 4")
    assert "broken JSON" in reason("rows.jsonl line 5")
    assert "not valid Unicode" in reason("rows.jsonl line 6")
    assert "JSON object" in reason("rows.jsonl line 7")
    assert "nested too deeply" in reason("rows.jsonl line 8")
    assert "must be str" in reason("rows.jsonl line 9")
    assert "no text" in reason("rows.jsonl line 10")
    assert "'id'" in reason("rows.jsonl line 11")
    assert "gzip" in reason("not-gzip.jsonl.gz")
    assert re.search(r"truncated\.jsonl\.gz: .* after line \d+", reason("truncated.jsonl.gz"))
    assert len(skipped) == 14, err
    found = cli_ids(capsys, index_dir, "الزراعة")
    docs_label = "docs"  # ids are the folder's name, then the path inside it
    assert {"old", f"{docs_label}/good.txt", f"{docs_label}/utf16.txt", "j1", "j2", "j3", "j4", "j5"} <= found
    read_from_gz = {f"j{100 + i}" for i in range(200)} & found
    assert read_from_gz == {f"j{100 + i}" for i in range(len(read_from_gz))}  # a prefix of the file
    assert read_from_gz, "the readable part of the truncated .gz was indexed"
    assert found == {"old", f"{docs_label}/good.txt", f"{docs_label}/utf16.txt", "j1", "j2", "j3", "j4", "j5"} | read_from_gz
    assert Index.open(index_dir).get("j4") == {"id": "j4", "body": "الزراعة "}  # BOM, CRLF, NUL handled


def _chmod_000(path: Path) -> None:
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anyway
        path.chmod(stat.S_IRWXU)
        pytest.skip("running as a user that can read a mode-000 file (root?)")


def test_cli_unreadable_file_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("الزراعة", encoding="utf-8")
    secret = docs / "secret.txt"
    secret.write_text("الزراعة السرية", encoding="utf-8")
    rows = docs / "secret.jsonl"
    rows.write_text('{"id": "s", "body": "x"}\n', encoding="utf-8")
    _chmod_000(secret)
    rows.chmod(0)
    try:
        code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(docs))
    finally:
        secret.chmod(stat.S_IRWXU)
        rows.chmod(stat.S_IRWXU)
    assert code == 0, err
    assert re.search(r"skipped .*secret\.txt: unreadable", err), err
    assert re.search(r"skipped .*secret\.jsonl: unreadable", err), err
    assert cli_ids(capsys, tmp_path / "ix", "الزراعة") == {f"{docs.as_posix()}/good.txt"}


def test_cli_folder_holding_a_fifo_does_not_hang(tmp_path: Path) -> None:
    """A named pipe called *.txt inside a folder must be skipped, not read (reading blocks forever)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("الزراعة", encoding="utf-8")
    pipe = docs / "pipe.txt"
    os.mkfifo(pipe)
    proc = subprocess.Popen(
        [sys.executable, "-m", "arsearch", "index", str(tmp_path / "ix"), str(docs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while proc.poll() is None:
            # Opening the write end without blocking succeeds only while someone reads the pipe.
            try:
                fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.02)
                continue
            proc.kill()
            os.close(fd)
            pytest.fail("arsearch index opened a named pipe found in a folder and blocked reading it")
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == 0, err
    assert "pipe.txt" in err


# -- 4. damaged and outdated indexes ---------------------------------------------------------------


def _edit_meta(path: Path, edit: Any) -> None:
    meta_path = path / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps(edit(meta), ensure_ascii=False), encoding="utf-8")


OUTDATED = [
    ("older format", lambda m: {**m, "format": 1}),
    ("format missing (first layout)", lambda m: {k: v for k, v in m.items() if k != "format"}),
    ("older analyzer version", lambda m: {**m, "analyzer": {**m["analyzer"], "version": "0:arsearch-arabic:stem=light"}}),
    ("no ranking (older layout)", lambda m: {k: v for k, v in m.items() if k != "ranking"}),
    ("older analyzer config", lambda m: {**m, "analyzer": {**m["analyzer"], "config": {"stemmer": "khoja"}}}),
]


@pytest.mark.parametrize("description, edit", OUTDATED, ids=[o[0] for o in OUTDATED])
def test_outdated_index_is_refused_with_rebuild_advice(
    ix: Index, index_path: Path, capsys: pytest.CaptureFixture[str], description: str, edit: Any
) -> None:
    ix.close()
    _edit_meta(index_path, edit)
    with pytest.raises(IncompatibleIndexError) as info:
        Index.open(index_path)
    assert "rebuild" in str(info.value).lower()
    code, out, err = run(capsys, "search", "--index", str(index_path), "المكتبة")
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arsearch: error: "), err
    assert "rebuild" in err.lower() and "Traceback" not in err
    # Following the advice works.
    rows = index_path.parent / "rows.jsonl"
    rows.write_text(json.dumps({"id": "r", "body": "المكتبة"}, ensure_ascii=False) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "index", "--rebuild", str(index_path), str(rows))
    assert code == 0, err
    assert ids(Index.open(index_path), "المكتبة") == {"r"}


def test_format_message_names_the_rebuild_command(ix: Index, index_path: Path) -> None:
    ix.close()
    _edit_meta(index_path, lambda m: {**m, "format": 1})
    with pytest.raises(IncompatibleIndexError, match=re.escape(f"arsearch index --rebuild {index_path}")):
        Index.open(index_path)


def _segment_files(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.name.startswith("MAIN_") and p.name != "MAIN_WRITELOCK")


DAMAGE = [
    ("segment file missing", lambda p: p.unlink()),
    ("segment file empty", lambda p: p.write_bytes(b"")),
    ("segment file cut in half", lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
    ("segment file garbled", lambda p: p.write_bytes(bytes(b ^ 0xFF if i % 37 == 0 else b for i, b in enumerate(p.read_bytes())))),
]


@pytest.mark.parametrize("description, damage", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_damaged_index_gives_an_arsearch_error(
    ix: Index, index_path: Path, capsys: pytest.CaptureFixture[str], description: str, damage: Any
) -> None:
    """A damaged index (disk trouble, a bad copy) must fail with an ArsearchError, on open or on search."""
    ix.close()
    files = _segment_files(index_path)
    assert files
    for p in files:
        damage(p)
    with pytest.raises(ArsearchError, match="(?i)rebuild"):
        damaged = Index.open(index_path)
        damaged.search("المكتبة")
        len(damaged)
    code, out, err = run(capsys, "search", "--index", str(index_path), "المكتبة")
    assert code == 1 and out == "", (code, out)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arsearch: error: ") and "rebuild" in lines[0], err
