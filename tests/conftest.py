"""Shared fixtures: a small corpus of Arabic documents and indexes built from it.

Each document exercises one orthographic variation, so tests can assert the
exact ids a query returns:

* ``diacritized`` — full harakat and shadda;
* ``hamza`` — أ إ آ spellings (أحمد, إبراهيم, آسيا);
* ``hospital`` — alef maksura ى (مستشفى) and teh marbuta ة (القرية);
* ``tatweel`` — kashida inside words (مـــدرسة);
* ``digits`` — Arabic-Indic digits (١٩٤٥);
* ``persian`` — Persian keheh and farsi yeh (کتاب, الفارسی);
* ``html`` — HTML special characters < > & " ';
* ``mixed`` — English and Arabic;
* ``who`` — the stop words من and هو;
* ``phrase`` / ``phrase_reversed`` — the same two words adjacent and apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arsearch import Ranking, Index

#: The fields of the shared test indexes. (Numeric fields are tested on
#: their own in test_index.py, so one broken field kind cannot take every
#: index test down with it.)
FIELDS: dict[str, str] = {
    "title": "text",
    "body": "text",
    "source": "keyword",
    "published": "date",
}

DOCS: list[dict[str, Any]] = [
    {
        "id": "diacritized",
        "title": "المَكْتَبَةُ العامّةُ",
        "body": "ذَهَبَ الطُّلّابُ إلى المَكْتَبَةِ العامّةِ لِقِراءَةِ الكُتُبِ.",
        "source": "bbc",
        "published": dt.datetime(2001, 5, 1),
    },
    {
        "id": "playground",
        "title": "الملعب",
        "body": "لعب الاطفال كرة القدم في الملعب بعد المدرسة",
        "source": "aljazeera",
        "published": dt.datetime(2005, 1, 15),
    },
    {
        "id": "hamza",
        "title": "رحلة أحمد",
        "body": "سافر إبراهيم وأحمد إلى آسيا",
        "source": "bbc",
        "published": dt.datetime(2010, 3, 3),
    },
    {
        "id": "hospital",
        "title": "مستشفى القرية",
        "body": "افتتح مستشفى جديد قرب مدرسة القرية",
        "source": "aljazeera",
        "published": dt.datetime(2012, 7, 20),
    },
    {
        "id": "tatweel",
        "title": "مـــدرسة",
        "body": "هذه مـــدرسة كبيـــرة",
        "source": "blog",
        "published": dt.datetime(2015, 9, 1),
    },
    {
        "id": "digits",
        "title": "الشاعر",
        "body": "ولد الشاعر عام ١٩٤٥ في دمشق",
        "source": "wiki",
        "published": dt.datetime(1999, 12, 31),
    },
    {
        "id": "persian",
        "title": "الادب",
        "body": "قصيدة کتاب الشعر الفارسی",
        "source": "wiki",
        "published": dt.datetime(2020, 2, 2),
    },
    {
        "id": "html",
        "title": "رأي",
        "body": "قال سمير: \"الكتاب <جديد> & مفيد\" لـ 'سارة'",
        "source": "blog",
        "published": dt.datetime(2021, 6, 6),
    },
    {
        "id": "mixed",
        "title": "Python Programming",
        "body": "تعلم البرمجة بلغة Python في عشرة ايام",
        "source": "blog",
        "published": dt.datetime(2022, 1, 1),
    },
    {
        "id": "who",
        "title": "سؤال",
        "body": "من هو الرجل الذي سافر",
        "source": "wiki",
        "published": dt.datetime(2023, 4, 4),
    },
    {
        "id": "phrase",
        "title": "اجتماع",
        "body": "اجتمع رئيس الوزراء مع السفير",
        "source": "bbc",
        "published": dt.datetime(2024, 8, 8),
    },
    {
        "id": "phrase_reversed",
        "title": "البلدية",
        "body": "الوزراء اجتمعوا مع رئيس البلدية",
        "source": "aljazeera",
        "published": dt.datetime(2024, 9, 9),
    },
]

ALL_IDS: frozenset[str] = frozenset(d["id"] for d in DOCS)


@pytest.fixture(scope="module")
def memory_index() -> Iterator[Index]:
    """The corpus in an in-memory index (read-only: do not write to it).

    Light stems only, no close spellings (``Ranking(near_weight=0)``): the
    exact result sets asserted here test normalization and the query
    language; the default's root representation and close spellings (more
    recall) are tested in test_engine.py and test_match_policy.py."""
    ix = Index.memory(FIELDS, ranking=Ranking(near_weight=0))
    with ix:
        for d in DOCS:
            ix.add(d)
    yield ix
    ix.close()


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "ix"


@pytest.fixture
def disk_index(index_path: Path) -> Iterator[Index]:
    """The corpus in a fresh on-disk index (writable)."""
    ix = Index.create(index_path, FIELDS)
    with ix:
        for d in DOCS:
            ix.add(d)
    yield ix
    ix.close()


# -- engines -------------------------------------------------------------------------------------

#: Test modules whose tests hold for every engine: each runs once per installed engine.
ENGINE_INDEPENDENT = {
    "test_index",
    "test_counting",
    "test_match_policy",
    "test_upsert",
    "test_review_findings",
    "test_suggest",
    "test_fuzz",
    "test_cli",
    "test_inputs",
    "test_precision",
    "test_memory",
    "test_arabizi",
    "test_search_options",
    "test_cli_search",
    "test_complete",
    "test_indexflow",
}


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not; Linux /proc)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _engines() -> list[str]:
    from arsearch.engines import available_engines

    return available_engines()


@pytest.fixture(scope="module", autouse=True, params=None)
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """The engine new indexes use in this module (see pytest_generate_tests)."""
    import arsearch.engines

    name = getattr(request, "param", "whoosh")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(arsearch.engines, "DEFAULT_ENGINE", name)
        yield name


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "engine" in metafunc.fixturenames and module in ENGINE_INDEPENDENT:
        metafunc.parametrize("engine", _engines(), indirect=True, scope="module")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.whoosh_only``: a test of the Whoosh engine's files or internals."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if item.get_closest_marker("whoosh_only") and callspec is not None and callspec.params.get("engine", "whoosh") != "whoosh":
            item.add_marker(pytest.mark.skip(reason="tests the Whoosh engine's own files or internals"))
