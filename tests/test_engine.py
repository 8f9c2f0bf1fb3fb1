"""The NumPy term-at-a-time engine against Whoosh's own BM25F matchers."""

from __future__ import annotations

import dataclasses
import math

import pytest
from whoosh import query as wq
from whoosh import scoring

from arsearch import FAST_RANKING, Field, Index, Ranking
from arsearch.query import PlanItem, build_plan

DOCS = [
    {"id": "1", "title": "وزير الخارجية", "body": "قال وزير الخارجية الفرنسي إن المفاوضات مستمرة"},
    {"id": "2", "title": "الاقتصاد", "body": "ارتفعت أسعار النفط وقال وزير الاقتصاد إن النمو مستمر"},
    {"id": "3", "title": "كرة القدم", "body": "فاز المنتخب في مباراة كرة القدم أمس"},
    {"id": "4", "title": "النفط", "body": "النفط النفط النفط وأسعار النفط في الأسواق العالمية"},
    {"id": "5", "title": "وزير", "body": "وزير وزير"},
    {"id": "6", "title": "مجلس الأمن", "body": "اجتمع مجلس الأمن لبحث الأزمة"},
]
PLAIN = {"title": Field("text", boost=1.0), "body": Field("text")}


class LuceneIdfBM25F(scoring.BM25F):
    """Whoosh's BM25F with the BM25 idf the engine uses."""

    def idf(self, searcher, fieldname, text):  # type: ignore[no-untyped-def]
        n = searcher.doc_count_all()
        df = searcher.doc_frequency(fieldname, text)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


@pytest.fixture(params=["one-segment", "three-segments"])
def ix(request: pytest.FixtureRequest, tmp_path) -> Index:  # type: ignore[no-untyped-def]
    index = Index.create(tmp_path / "ix", fields=PLAIN, ranking=Ranking())  # plain BM25F, no extras
    if request.param == "one-segment":
        with index:
            for d in DOCS:
                index.add(d)
    else:
        for chunk in (DOCS[:2], DOCS[2:4], DOCS[4:]):
            with index:
                for d in chunk:
                    index.add(d)
    return index


@pytest.mark.parametrize("query", ["وزير", "وزير النفط", "النفط الأسواق مجلس", "كرة"])
def test_scores_equal_whoosh_bm25f(ix: Index, query: str) -> None:
    engine = ix._reader()
    plan = build_plan(query, ix.fields, ix.analyzer, ix.ranking, ix.text_fields)
    ours = dict(engine.top(plan, 100)[0])
    terms = [r for item in plan.items for r in item.refs]
    whoosh_q = wq.Or([wq.Term(r.field, r.term) for r in terms])
    with ix._store._wix.searcher(weighting=LuceneIdfBM25F(B=0.75, K1=1.2)) as s:
        theirs = {hit.docnum: hit.score for hit in s.search(whoosh_q, limit=100)}
    assert set(ours) == set(theirs)
    for doc, score in theirs.items():
        assert ours[doc] == pytest.approx(score, rel=1e-5)


def _whoosh_item(item: PlanItem) -> wq.Query:
    """Whoosh's own query for one plan item: a word's terms (each with its
    weight), a phrase in each of its fields (Whoosh's slop counts positions:
    1 is adjacent), or a prefix with Lucene's constant score (the field's boost),
    the best field's."""
    if item.kind == "terms":
        return wq.Or([wq.Term(r.field, r.term, boost=r.weight) for r in item.refs])
    if item.kind == "phrase":
        return wq.Or([wq.Phrase(f, list(item.words), slop=item.slop + 1, boost=b) for f, b in item.fields])
    assert item.kind == "prefix" and len(item.prefixes) == 1, item  # one prefix: no stripped article to skip
    return wq.DisjunctionMax([wq.ConstantScoreQuery(wq.Prefix(f, item.prefixes[0]), score=b) for f, b in item.fields])


#: Phrases (exact and with slop), prefixes and mixes of all three with words.
ORACLE_QUERIES = [
    '"وزير الخارجية"',
    '"قال وزير"',
    '"وزير الفرنسي"~1',
    '"وزير الفرنسي"',  # no match without slop
    '"أسعار النفط" وزير',
    "مفاو*",
    "نف*",
    'اسع* "مجلس الأمن" كرة',
    "وزير النفط مجلس",
    '"كرة القدم" نف* وزير الأسواق',
]


@pytest.mark.parametrize("coordination", [0.0, 0.5])
@pytest.mark.parametrize("query", ORACLE_QUERIES)
def test_phrase_prefix_and_coordination_scores_equal_whooshs(ix: Index, query: str, coordination: float) -> None:
    """Each item scored by Whoosh's own matchers (BM25F with the BM25 idf),
    summed as Whoosh's Or sums them. Whoosh's coordination (CoordMatcher) is
    another formula, so the documented one, 1 − c + c·m/n, is applied to the
    number m of the n items Whoosh finds in each document."""
    ranking = Ranking(coordination=coordination)
    engine = ix._reader()
    plan = build_plan(query, ix.fields, ix.analyzer, ranking, ix.text_fields, lexicon=engine)
    assert plan.items and all(item.occur == "should" and not item.bonus for item in plan.items)
    ours = dict(engine.top(plan, 100)[0])
    with ix._store._wix.searcher(weighting=LuceneIdfBM25F(B=0.75, K1=1.2)) as s:
        items = [_whoosh_item(item) for item in plan.items]
        summed = {hit.docnum: hit.score for hit in s.search(wq.Or(items), limit=None)}
        matched = {doc: sum(doc in s.search(q, limit=None).docs() for q in items) for doc in summed}
    n = len(items)
    scale = {doc: (1 - coordination + coordination * m / n) if n > 1 else 1.0 for doc, m in matched.items()}
    theirs = {doc: score * scale[doc] for doc, score in summed.items()}
    assert set(ours) == set(theirs), query
    for doc, score in theirs.items():
        assert ours[doc] == pytest.approx(score, rel=1e-5), (query, doc)
    if query != '"وزير الفرنسي"':
        assert theirs, query  # every other query finds something


def test_deleted_documents_never_match(ix: Index) -> None:
    with ix:
        ix.delete("5")
    assert "5" not in [h.id for h in ix.search("وزير")]
    assert sorted(h.id for h in ix.search("وزير")) == ["1", "2"]


def test_field_boost_scales_title_matches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    boosted = Index.memory(fields={"title": Field("text", boost=3.0), "body": "text"}, ranking=Ranking())
    plain = Index.memory(fields=PLAIN, ranking=Ranking())
    for index in (boosted, plain):
        with index:
            index.add({"id": "t", "title": "النفط", "body": "خبر"})
            index.add({"id": "b", "title": "خبر", "body": "النفط"})
    assert [h.id for h in boosted.search("النفط")][0] == "t"
    assert plain.search("النفط")[0].score == pytest.approx(plain.search("النفط")[1].score, rel=0.3)
    assert boosted.search("النفط")[0].score > plain.search("النفط")[0].score


def test_coordination_prefers_documents_matching_more_words() -> None:
    docs = [
        {"id": "many", "title": "", "body": "وزير الاقتصاد"},
        {"id": "one", "title": "", "body": "وزير وزير وزير وزير وزير وزير وزير"},
    ]
    scores = {}
    for coord in (0.0, 0.9):
        index = Index.memory(ranking=Ranking(coordination=coord))
        with index:
            for d in docs:
                index.add(d)
        scores[coord] = {h.id: h.score for h in index.search("وزير الاقتصاد")}
    assert scores[0.9]["one"] / scores[0.9]["many"] < scores[0.0]["one"] / scores[0.0]["many"]


def test_representations_add_weighted_terms() -> None:
    ranking = Ranking(representations=(("none", 0.5),))
    index = Index.memory(ranking=ranking)
    with index:
        index.add({"id": "exact", "title": "", "body": "المكتبات"})
        index.add({"id": "stem", "title": "", "body": "مكتبة"})
    hits = index.search("المكتبات")
    assert [h.id for h in hits] == ["exact", "stem"]  # same stem, the surface match ranks first
    assert hits[0].score > hits[1].score


def test_phrase_requires_adjacent_words_in_order(ix: Index) -> None:
    assert [h.id for h in ix.search('"وزير الخارجية"')] == ["1"]
    assert [h.id for h in ix.search('"الخارجية وزير"')] == []
    assert [h.id for h in ix.search('"مجلس الأمن"')] == ["6"]


def test_prefix_matches_surface_and_stem_terms(ix: Index) -> None:
    assert sorted(h.id for h in ix.search("مفاوض*")) == ["1"]
    assert sorted(h.id for h in ix.search("مجل*")) == ["6"]


def test_total_counts_every_match_not_just_the_page(ix: Index) -> None:
    results = ix.search("وزير", limit=1)
    assert len(results) == 1
    assert results.total == 3


FILLER = [{"id": f"filler{i}", "title": "", "body": f"نص آخر رقم {i}"} for i in range(12)]


def test_root_representation_adds_recall() -> None:
    docs = [
        {"id": "library", "title": "", "body": "افتتحت المكتبات العامة"},
        {"id": "writer", "title": "", "body": "كتب الروائي"},
        {"id": "other", "title": "", "body": "ملعب"},
    ] + FILLER  # the root كتب is then in at most 20% of the documents (root_max_df)
    roots, light_only = Index.memory(), Index.memory(ranking=FAST_RANKING)
    for index in (roots, light_only):
        with index:
            for d in docs:
                index.add(d)
    assert [h.id for h in roots.search("كتب")] == ["writer", "library"]  # ISRI root كتب
    assert [h.id for h in light_only.search("كتب")] == ["writer"]  # light stem مكتب ≠ كتب


def test_a_root_in_too_many_documents_only_scores() -> None:
    """حسب (بحسب, "according to") is in every document: it cannot tell them apart."""
    docs = [{"id": f"d{i}", "title": "", "body": f"بحسب المصدر رقم {i}"} for i in range(4)]
    docs.append({"id": "account", "title": "", "body": "فتح حسابك في المصرف"})
    index = _memory(Ranking(representations=(("isri", 0.3),), root_max_df=0.5), docs)
    assert [h.id for h in index.search("حسابك")] == ["account"]
    everywhere = _memory(Ranking(representations=(("isri", 0.3),), root_max_df=1.0), docs)
    assert {h.id for h in everywhere.search("حسابك")} == {"account", "d0", "d1", "d2", "d3"}


def test_root_of_a_word_the_index_does_not_know_makes_no_hit() -> None:
    """يكتبون occurs nowhere: its root كتب is a guess, and would make phantom hits."""
    index = Index.memory()
    with index:
        index.add({"id": "library", "title": "", "body": "افتتحت المكتبات العامة"})
    assert index.search("يكتبون").total == 0
    assert [h.id for h in index.search("المكتبة يكتبون")] == ["library"]


# -- representations: one field over all text fields; character n-grams -------------

NGRAMS = Ranking(coordination=0.5, representations=(("ngram4", 1.0),), ngram_max_df=0.5)


def _memory(ranking: Ranking, docs: list[dict[str, str]]) -> Index:
    index = Index.memory(ranking=ranking)
    with index:
        for d in docs:
            index.add(d)
    return index


def test_ngrams_find_a_misspelled_word() -> None:
    docs = [
        {"id": "ocd", "title": "", "body": "يصيب الاضطراب الوسواسي حوالي 2% من الناس"},
        {"id": "other", "title": "", "body": "ارتفعت أسعار النفط في الأسواق"},
        {"id": "third", "title": "", "body": "فاز المنتخب في مباراة كرة القدم"},
    ]
    # ظ for ض: no stem matches; the close spelling الاضطراب does (a confusable letter)
    assert [h.id for h in _memory(NGRAMS, docs).search("الاظطراب")] == ["ocd"]
    assert [h.id for h in _memory(Ranking(), docs).search("الاظطراب")] == ["ocd"]
    # shared n-grams alone never make a hit
    assert [h.id for h in _memory(dataclasses.replace(NGRAMS, near_weight=0.0), docs).search("الاظطراب")] == []


def test_ngrams_found_in_too_many_documents_are_skipped() -> None:
    docs = [{"id": str(i), "title": "", "body": w} for i, w in enumerate(["المكتبة", "المدرسة", "المصنع", "الملعب"])]
    # "المكتبة" shares #الم with every document: skipped, it adds nothing to the score
    keep_all = dataclasses.replace(NGRAMS, ngram_max_df=1.0)
    (capped,) = _memory(NGRAMS, docs).search("المكتبة")
    (kept,) = _memory(keep_all, docs).search("المكتبة")
    assert capped.id == kept.id == "0"
    assert kept.score > capped.score
    # n-grams never make a hit: "المحطة" shares only #الم
    assert _memory(keep_all, docs).search("المحطة").total == 0


def test_representations_hold_every_text_field_together() -> None:
    ranking = Ranking(representations=(("isri", 1.0),), root_max_df=1.0)
    docs = [{"id": "t", "title": "المكتبات", "body": "نص"}, {"id": "b", "title": "نص", "body": "الكاتب"}]
    index = _memory(ranking, [*docs, {"id": "k", "title": "", "body": "كتب"}])
    assert sorted(h.id for h in index.search("كتب")) == ["b", "k", "t"]  # root كتب, from the title or the body
    # a subset of the fields searches those fields alone: no representation, no root match
    assert [h.id for h in index.search("كتب", fields=["title"])] == []
    assert [h.id for h in index.search("title:كتب")] == []
    assert [h.id for h in index.search("body:كتب")] == ["k"]


def test_stored_fields_are_not_representations() -> None:
    index = _memory(Ranking(representations=(("isri", 0.3), ("ngram4", 0.7))), [{"id": "1", "title": "عنوان", "body": "نص الخبر"}])
    assert index.search("الخبر")[0].fields == {"title": "عنوان", "body": "نص الخبر"}


CACHE_QUERIES = ("وزير", "النفط", "مجلس الأمن", "وزير النفط", '"وزير الخارجية"')


def test_posting_cache_evicts_the_least_recently_used_list(monkeypatch: pytest.MonkeyPatch, ix: Index) -> None:
    """Over its budget the cache drops the list used longest ago, not the
    one just read again, and counts exactly the lists it still holds."""
    import arsearch.engines.whoosh.search as engine

    a, b, c = (("body", ix.analyzer.analyze(w)[0].text, False) for w in ("وزير", "النفط", "مجلس"))
    costs = {key: engine._cache_cost(ix._reader().postings(*key)) for key in (a, b, c)}
    assert all(cost > 1 for cost in costs.values())  # each list holds postings
    monkeypatch.setattr(engine, "_CACHE_POSTINGS", sum(costs.values()) - 1)  # room for two of the three
    eng = Index.open(ix.path)._reader()  # a new reader: an empty cache under the small budget
    eng.postings(*a)
    eng.postings(*b)
    eng.postings(*a)  # a is used again: b is now the oldest
    eng.postings(*c)
    assert list(eng._cache) == [a, c]
    assert eng._cached == costs[a] + costs[c]


def test_posting_cache_evictions_do_not_change_results(monkeypatch: pytest.MonkeyPatch, ix: Index) -> None:
    """Under a budget of a few postings every list is evicted and read again,
    and searches still give what they give with the default budget."""
    import arsearch.engines.whoosh.search as engine

    expected = {q: [(h.id, h.score) for h in ix.search(q)] for q in CACHE_QUERIES}  # default budget: no eviction
    reads = []
    read_postings = engine._read_postings
    monkeypatch.setattr(engine, "_read_postings", lambda *args: reads.append(args[1:3]) or read_postings(*args))
    monkeypatch.setattr(engine, "_CACHE_POSTINGS", 6)
    small = Index.open(ix.path)
    first = {q: [(h.id, h.score) for h in small.search(q)] for q in CACHE_QUERIES}
    read_once = len(reads)
    again = {q: [(h.id, h.score) for h in small.search(q)] for q in CACHE_QUERIES}
    assert first == again == expected
    assert len(reads) > read_once  # evicted lists were read again
    eng = small._reader()
    assert eng._cached <= 6 or len(eng._cache) <= 1


def test_field_lengths_read_in_bulk_equal_whooshs(ix: Index) -> None:
    eng = ix._reader()
    for seg in eng.segments:
        for field in ("title", "body"):
            expected = [seg.reader.doc_field_length(d, field, 0) for d in range(seg.size)]
            assert seg.field_lengths(field).tolist() == expected


@pytest.mark.parametrize("blocklimit", [2, 3, 512])
def test_read_postings_equals_whooshs_matchers(tmp_path, monkeypatch: pytest.MonkeyPatch, blocklimit: int) -> None:  # type: ignore[no-untyped-def]
    """The engine's own block decoding gives what Whoosh's matchers give, for
    every term and field: several blocks per term, weights all 1, all equal
    or varied, positions, and one-posting terms."""
    import arsearch.engines.whoosh.store as index_module
    from arsearch.engines.whoosh.search import _read_postings
    from arsearch.engines.whoosh.schema import ArabicCodec

    monkeypatch.setattr(index_module, "_codec", lambda: ArabicCodec(blocklimit=blocklimit))
    index = Index.create(tmp_path / "ix")
    with index:
        for i, d in enumerate(DOCS * 3):
            index.add({**d, "id": f"{d['id']}-{i}"})
    index.delete("3-2")
    reader = index._reader().segments[0].reader
    checked = 0
    for field in ("title", "body", "all__isri", "all__ngram4"):
        fmt = reader.schema[field].format
        for btext in reader.lexicon(field):
            ids, weights, vals = _read_postings(reader, field, btext, values=fmt.supports("positions"))
            m = reader.postings(field, btext)
            expected = list(m.items_as("positions")) if fmt.supports("positions") else None
            m = reader.postings(field, btext)
            exp_ids, exp_weights = [], []
            while m.is_active():
                exp_ids.append(m.id())
                exp_weights.append(m.weight())
                m.next()
            assert ids.tolist() == exp_ids and weights.tolist() == exp_weights, (field, btext)
            if expected is not None:
                assert [(i, fmt.decode_positions(v)) for i, v in zip(ids.tolist(), vals)] == expected
            checked += 1
    assert checked > 100


def test_required_and_excluded_words_ignore_representation_matches() -> None:
    docs = [
        {"id": "a", "title": "", "body": "العتاب طويل"},  # shares تاب# with كتاب, not the word
        {"id": "b", "title": "", "body": "الكاتب طويل"},  # shares the root كتب and تاب#
        {"id": "c", "title": "", "body": "النهر طويل"},
        {"id": "d", "title": "", "body": "الكتاب طويل"},
    ] + [{"id": f"f{i}", "title": "", "body": f"نص آخر رقم {i}"} for i in range(20)]
    index = _memory(Ranking(coordination=0.5, representations=(("isri", 0.3), ("ngram4", 0.7))), docs)
    assert [h.id for h in index.search("+كتاب")] == ["d"]
    assert sorted(h.id for h in index.search("طويل -كتاب")) == ["a", "b", "c"]
    and_ranking = Ranking(operator="and", representations=(("isri", 0.3), ("ngram4", 0.7)))
    assert [h.id for h in _memory(and_ranking, docs).search("كتاب طويل")] == ["d"]
    # a ranked word matches by its root too (b), never by shared n-grams alone (a)
    assert [h.id for h in index.search("كتاب")] == ["d", "b"]


def test_has_term_agrees_with_whooshs_term_lookup(ix: Index) -> None:
    """The engine reads W3 segments' term hash tables directly: it must say
    what Whoosh's reader says, for present and absent terms in each field."""
    eng = ix._reader()
    assert all(seg.term_lookup is not None for seg in eng.segments)
    reader = eng.searcher.reader()
    terms = {t.decode("utf-8") for f in ("title", "body") for t in reader.lexicon(f)}
    for term in sorted(terms) + ["غائبة", "xyz", ""]:
        for fields in (["title"], ["body"], ["title", "body"]):
            expected = any((f, term) in reader for f in fields)
            assert eng.has_term(term, fields) is expected, (term, fields)
    assert eng.has_term("وزير", ["nosuchfield"]) is False
