"""``Index.search(sort=..., facets=..., filter=...)``: sorting all the hits by a
field, counting keyword values over all the hits, on every engine (this
module is in ``ENGINE_INDEPENDENT``)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from arsearch import Index, QueryError

FIELDS = {"title": "text", "body": "text", "source": "keyword", "year": "numeric", "day": "date"}
WORD = "كتاب"

# Every document holds WORD; repeating it raises the score (more occurrences, same length).
DOCS: list[dict[str, Any]] = [
    {"id": "a", "body": f"{WORD} قديم عن البحر", "source": "BBC", "year": 2001, "day": dt.date(2020, 1, 2)},
    {"id": "b", "body": f"{WORD} {WORD} {WORD} جديد", "source": ["cnn", "bbc"], "day": dt.date(2019, 1, 1)},
    {"id": "c", "body": f"{WORD} عن المدينة", "year": -5.5, "day": dt.datetime(2020, 1, 2, 9, 30)},
    {"id": "d", "body": f"{WORD} {WORD} في المدرسة", "source": "aljazeera", "year": 2001},
    {"id": "e", "body": f"{WORD} الرياضة والملعب", "source": "cnn", "year": 1999.25, "day": dt.date(2018, 6, 1)},
    {"id": "other", "body": "لا شيء هنا", "source": "bbc", "year": 3000, "day": dt.date(2030, 1, 1)},
]


@pytest.fixture(scope="module")
def ix(engine: str) -> Any:
    index = Index.memory(FIELDS)
    with index:
        for doc in DOCS:
            index.add(doc)
    yield index
    index.close()


def ids(results: Any) -> list[str]:
    return [hit.id for hit in results]


def test_sort_numeric_both_directions_missing_last(ix: Index) -> None:
    assert ids(ix.search(WORD, sort="year")) == ["c", "e", "d", "a", "b"]  # d ranks above a: more WORD
    assert ids(ix.search(WORD, sort="-year")) == ["d", "a", "e", "c", "b"]  # b has no year: last both ways


def test_sort_date_both_directions(ix: Index) -> None:
    assert ids(ix.search(WORD, sort="day")) == ["e", "b", "a", "c", "d"]  # a (midnight) before c (9:30)
    assert ids(ix.search(WORD, sort="-day")) == ["c", "a", "b", "e", "d"]


def test_sort_keyword_uses_the_smallest_or_largest_of_several_values(ix: Index) -> None:
    # b is "cnn,bbc": "bbc" ascending (a tie with a, broken by b's higher score), "cnn" descending
    assert ids(ix.search(WORD, sort="source")) == ["d", "b", "a", "e", "c"]
    assert ids(ix.search(WORD, sort="-source")) == ["b", "e", "a", "d", "c"]
    assert ids(ix.search(WORD, sort="+source")) == ids(ix.search(WORD, sort="source"))


def test_sort_keeps_relevance_scores_and_filters(ix: Index) -> None:
    relevance = {hit.id: hit.score for hit in ix.search(WORD)}
    by_year = ix.search(WORD, sort="-year", filter={"source": "cnn"})
    assert ids(by_year) == ["e", "b"] and by_year.total == 2
    assert {hit.id: hit.score for hit in by_year} == pytest.approx({k: relevance[k] for k in ("e", "b")})
    assert [hit.rank for hit in by_year] == [1, 2]


def test_sort_covers_all_hits_not_the_relevance_top_k(engine: str) -> None:
    """The newest document is the least relevant: a sort of the top k by relevance would miss it."""
    index = Index.memory(FIELDS)
    with index:
        for i in range(60):
            index.add({"id": f"n{i}", "body": " ".join([WORD] * (60 - i) + ["نص"] * i), "year": 1900 + i})  # less relevant as i grows
    try:
        assert ids(index.search(WORD, limit=60)) == [f"n{i}" for i in range(60)]
        assert ids(index.search(WORD, limit=1, sort="-year")) == ["n59"]
        assert ids(index.search(WORD, limit=3, offset=2, sort="year")) == ["n2", "n3", "n4"]
        pages = [ids(index.search(WORD, limit=7, offset=o, sort="-year")) for o in range(0, 60, 7)]
        assert sum(pages, []) == [f"n{i}" for i in range(59, -1, -1)]
    finally:
        index.close()


def test_sort_across_segments_and_replaced_documents(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "ix", FIELDS)
    try:
        for batch in (DOCS[:2], DOCS[2:4], DOCS[4:]):  # one segment per commit
            with index:
                for doc in batch:
                    index.add(doc)
        assert ids(index.search(WORD, sort="year")) == ["c", "e", "d", "a", "b"]
        with index:  # a replaced document sorts and counts by its new values only
            index.add({**DOCS[2], "year": 5000, "source": "new"})
        assert ids(index.search(WORD, sort="-year")) == ["c", "d", "a", "e", "b"]
        assert index.search(WORD, facets=["source"]).facets["source"] == {"bbc": 2, "cnn": 2, "aljazeera": 1, "new": 1}
    finally:
        index.close()


def test_equal_values_are_ordered_by_score_and_the_order_is_stable(engine: str) -> None:
    rng = random.Random(7)
    index = Index.memory(FIELDS)
    with index:
        for i in range(80):
            doc: dict[str, Any] = {"id": f"r{i}", "body": " ".join([WORD] * rng.randint(1, 6)) + " نص" * rng.randint(0, 6)}
            if rng.random() < 0.8:
                doc["year"] = rng.choice([2000, 2001, 2002, 2003])
            if rng.random() < 0.8:
                doc["source"] = rng.sample(["a", "b", "c", "d"], rng.randint(1, 2))
            index.add(doc)
    try:
        stored = {d: index.get(d) for d in (f"r{i}" for i in range(80))}
        for query, sort in [(q, s) for q in (WORD, f"{WORD} نص") for s in ("year", "-year", "source", "-source")]:
            name, desc = sort.lstrip("-"), sort.startswith("-")
            hits = list(index.search(query, limit=100, sort=sort))
            assert len(hits) == 80
            assert ids(hits) == ids(index.search(query, limit=100, sort=sort))  # deterministic
            # the relevance scores (with coordination, for the two-word query), whatever the order
            relevance = {h.id: h.score for h in index.search(query, limit=100)}
            assert {h.id: h.score for h in hits} == pytest.approx(relevance)
            # the first 10 are the first 10 of the whole order
            assert ids(index.search(query, limit=10, sort=sort)) == ids(hits)[:10]

            def key(hit: Any) -> tuple[bool, Any]:
                value = stored[hit.id].get(name)
                if value is None:
                    return (True, 0)
                if name == "source":
                    values = value.split(",")
                    return (False, max(values) if desc else min(values))
                return (False, value)

            keys = [key(h) for h in hits]
            present = [k[1] for k in keys if not k[0]]
            assert present == sorted(present, reverse=desc)
            assert keys == sorted(keys, key=lambda k: k[0])  # missing values last
            for prev, cur, kp, kc in zip(hits, hits[1:], keys, keys[1:]):
                if kp == kc:
                    assert prev.score >= cur.score - 1e-9, (sort, prev, cur)
    finally:
        index.close()


def test_facets_count_every_hit(ix: Index) -> None:
    res = ix.search(WORD, limit=1, facets=["source"])
    # over all 5 hits, not the one shown; values as indexed (lower-cased); b counts for both of its values
    assert res.facets == {"source": {"bbc": 2, "cnn": 2, "aljazeera": 1}}
    assert list(res.facets["source"]) == ["bbc", "cnn", "aljazeera"]  # most frequent first, then by value
    assert ix.search(WORD, limit=0, facets="source").facets == res.facets
    filtered = ix.search(WORD, facets=["source"], filter={"year": (2000, None)})
    assert filtered.facets == {"source": {"aljazeera": 1, "bbc": 1}}
    assert ix.search("غير_موجود", facets=["source"]).facets == {"source": {}}
    assert ix.search(WORD).facets == {}


def test_facets_match_a_count_of_the_stored_values(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    index = Index.memory(FIELDS)
    with index:
        for i in range(300):
            words = rng.sample(["مدرسة", "كتاب", "ملعب", "بحر", "مدينة"], rng.randint(1, 3))
            doc: dict[str, Any] = {"id": f"f{i}", "body": " ".join(words)}
            if rng.random() < 0.9:
                doc["source"] = rng.sample([f"s{k}" for k in range(12)], rng.randint(1, 2))
            index.add(doc)
    try:
        for query in ("كتاب", "مدرسة OR بحر", "+ملعب -مدينة"):
            res = index.search(query, limit=1000, facets=["source"])
            expected = Counter(v for hit in res for v in (hit.fields.get("source") or "").split(",") if v)
            assert res.total == len(res) > 0
            assert res.facets["source"] == dict(expected), query
        if engine == "tantivy":  # without tantivy's aggregation (an index whose keyword fields are not fast)
            from arsearch.engines.tantivy.search import TantivyReader

            monkeypatch.setattr(TantivyReader, "_aggregate", lambda self, query, field: None)
            index.refresh()
            for query in ("كتاب", "مدرسة OR بحر", "+ملعب -مدينة"):
                res = index.search(query, limit=1000, facets=["source"])
                expected = Counter(v for hit in res for v in (hit.fields.get("source") or "").split(",") if v)
                assert res.facets["source"] == dict(expected), query
    finally:
        index.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sort": "title"}, "cannot sort by 'title': a text field"),
        ({"sort": "-nope"}, "cannot sort by 'nope': not a field of this index"),
        ({"sort": 3}, "sort must be a field name"),
        ({"facets": ["year"]}, "cannot count values of 'year': a numeric field"),
        ({"facets": ["nope"]}, "cannot count values of 'nope': not a field"),
    ],
)
def test_bad_sort_and_facets_raise_query_error(ix: Index, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        ix.search(WORD, **kwargs)
