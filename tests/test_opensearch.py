"""arsearch.opensearch: the index settings (checked against Lucene's recorded
output without Java), the documents' sources and the query DSL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch import Analyzer, Field, Ranking, SchemaError
from arsearch.opensearch import document_source, emulate, index_body, search_body, settings_hash
from arsearch.opensearch.analysis import word_pattern
from arsearch.opensearch.emulate import java_to_python_regex
from arsearch.tokenize import WORD_PATTERN

FIXTURE = Path(__file__).parent / "fixtures" / "opensearch_lucene.json"
LUCENE = json.loads(FIXTURE.read_text(encoding="utf-8"))
BODY = index_body()
A = Analyzer()
NGRAM = A.for_representation("ngram4")[0]


def arsearch_terms(analyzer: str, text: str) -> list[str]:
    """What arsearch indexes (or, for the search analyzer, queries) for ``text``."""
    out: list[str] = []
    for w in WORD_PATTERN.findall(text):
        e = A.entry(w)
        if analyzer == "arsearch_light" and e is not None:
            out.append(e[0])
        elif analyzer == "arsearch_light_search" and e is not None and not e[1]:
            out.append(e[0])
        elif analyzer == "arsearch_surface" and A.normalize(w):
            out.append(A.normalize(w))
        elif analyzer == "arsearch_ngram4":
            out.extend(NGRAM.word_ngrams(w, 4))
    return out


def test_settings_are_the_ones_lucene_was_run_on() -> None:
    # Changing index_body()'s analysis needs a new run of benchmarks/verify_opensearch.py --fixture
    assert settings_hash(BODY) == LUCENE["settings_hash"]
    assert LUCENE["lucene"].startswith("9.")


@pytest.mark.parametrize("case", LUCENE["cases"], ids=lambda c: f"{c['analyzer']}:{c['text'][:20]}")
def test_emulation_reproduces_lucene(case: dict[str, Any]) -> None:
    got = [list(t) for t in emulate(BODY, case["analyzer"], case["text"])]
    assert [t[0] for t in got] == [t[0] for t in case["tokens"]]
    assert [t[1] for t in got] == [t[1] for t in case["tokens"]]  # start offsets into the original text


def test_lucene_agrees_with_arsearch_on_the_golden_tables() -> None:
    bad = [
        (c["analyzer"], c["text"])
        for c in LUCENE["cases"]
        if [t[0] for t in c["tokens"]] != arsearch_terms(c["analyzer"], c["text"])
    ]
    assert bad == []
    assert len({c["text"] for c in LUCENE["cases"]}) > 400


@pytest.mark.parametrize(
    "word, light, grams",
    [
        ("وَالْمَكْتَبَاتُ", "مكتب", ["#وال", "والم", "المك", "لمكت", "مكتب", "كتبا", "تبات", "بات#"]),
        ("الفلسطينيين", "فلسط", None),
        ("الوالدين", "الد", None),  # one article, then و: never a second article
        ("الله", "الله", None),  # its stem له is a stop word: the word stays
        ("وهو", "وهو", ["#وهو", "وهو#"]),  # و + a stop word: not stemmed
        ("ﻻ", "لا", ["#لا#"]),  # a lam-alef ligature, through the mapping char filter
        ("و", "و", ["#و#"]),  # shorter than a gram: itself
        ("١٢٣٫٥", "123.5", None),
        ("Straße", "strasse", None),
    ],
)
def test_chain_examples(word: str, light: str, grams: list[str] | None) -> None:
    assert [t for t, _s, _e in emulate(BODY, "arsearch_light", word)] == [light]
    if grams is not None:
        assert [t for t, _s, _e in emulate(BODY, "arsearch_ngram4", word)] == grams


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ابتثجحخدرزسشصضطظعغفقكلمنهوي ءآأإؤئىةـًٌٍَُِّْٰٱکی٠١٩۰۹.٫ \N{ZERO WIDTH NON-JOINER}\N{RIGHT-TO-LEFT MARK}\N{ARABIC SMALL HIGH LIGATURE SAD WITH LAM WITH ALEF MAKSURA}ﻻﷺAbß1"), max_size=30))
def test_emulated_chain_matches_arsearch(text: str) -> None:
    for analyzer in ("arsearch_light", "arsearch_light_search", "arsearch_ngram4"):
        assert [t for t, _s, _e in emulate(BODY, analyzer, text)] == arsearch_terms(analyzer, text)


def test_word_pattern_is_pythons_in_java_syntax() -> None:
    pattern = word_pattern()
    assert r"\w" not in pattern and r"\d" not in pattern  # Java's differ: explicit classes
    text = "قال: الطّالِبُ، 3.5 و٣٫٥ zwnj\N{ZERO WIDTH NON-JOINER}جزء"
    assert [m.group() for m in java_to_python_regex(pattern).finditer(text)] == WORD_PATTERN.findall(text)


def test_mappings_follow_fields_and_ranking() -> None:
    body = index_body({"title": Field("text", boost=2.0), "tag": "keyword", "year": "numeric", "day": "date"},
                      Ranking(k1=0.9, b=0.4, representations=(("isri", 0.3), ("none", 0.2), ("ngram5", 0.5))))
    props = body["mappings"]["properties"]
    assert {k: v["type"] for k, v in props.items()} == {
        "id": "keyword", "title": "text", "tag": "keyword", "year": "double", "day": "date",
        "all__isri": "text", "all__none": "text", "all__ngram5": "text", "all__words": "text",
    }
    assert props["title"]["copy_to"] == ["all__ngram5", "all__none", "all__words"]  # roots come from the client
    assert props["all__isri"]["analyzer"] == "whitespace"
    assert props["all__ngram5"]["analyzer"] == "arsearch_ngram5"
    sims = body["settings"]["index"]["similarity"]
    assert sims["arsearch_bm25"] == {"type": "BM25", "k1": 0.9, "b": 0.4}
    assert sims["arsearch_bm25_ngram"]["discount_overlaps"] is False
    assert [t for t, _s, _e in emulate(body, "arsearch_ngram5", "كتاب")] == ["#كتاب", "كتاب#"]


def test_options_of_the_analyzer() -> None:
    folded = index_body(analyzer=Analyzer(fold_hamza_seats=True))
    assert [t for t, _s, _e in emulate(folded, "arsearch_light", "مسؤول")] == [Analyzer(fold_hamza_seats=True).entry("مسؤول")[0]]
    assert [t for t, _s, _e in emulate(BODY, "arsearch_light", "مسؤول")] == ["مسؤول"]
    none = index_body(analyzer=Analyzer(stemmer="none", stopwords=None))
    assert none["mappings"]["properties"]["body"]["analyzer"] == "arsearch_surface"
    with pytest.raises(SchemaError, match="tashaphyne"):
        index_body(analyzer=Analyzer(stemmer="tashaphyne"))


def test_document_source_adds_the_roots() -> None:
    src = document_source({"id": 7, "title": "المكتبة", "body": "من الطلاب", "extra": 1})
    assert src == {"id": 7, "title": "المكتبة", "body": "من الطلاب", "all__isri": "كبه من طلب"}  # ISRI, as arsearch indexes it
    assert "all__isri" not in document_source({"id": 1, "body": "نص"}, ranking=Ranking())


# -- search_body ---------------------------------------------------------------------------------


def _terms(node: Any) -> list[tuple[str, str, float]]:
    """Every (field, term, boost) of a DSL tree, in order."""
    out: list[tuple[str, str, float]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "term":
                (field, spec), = v.items()
                out.append((field, spec["value"], spec["boost"]) if isinstance(spec, dict) else (field, spec, 0.0))
            else:
                out.extend(_terms(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_terms(v))
    return out


def test_a_word_matches_by_stem_and_root_and_scores_ngrams() -> None:
    q = search_body("المكتبات")["query"]["bool"]
    assert _terms(q["must"]) == [("title", "مكتب", 0.5), ("body", "مكتب", 1.0), ("all__isri", "كتب", 0.3)]
    # beside the matchers: a hit scores every n-gram it holds, whether or not their word matched
    assert _terms(q["should"]) == [("all__ngram4", g, 0.7) for g in NGRAM.word_ngrams("المكتبات", 4)]
    two = search_body("المكتبات تلبيس", ranking=Ranking(representations=(("ngram4", 0.7),)))["query"]["bool"]
    assert [len(two["must"][0]["bool"]["should"]), len(two["should"])] == [2, 7 + 4]


def test_coordination_is_a_function_score() -> None:
    q = search_body("المكتبات العامة الكبيرة")["query"]["function_score"]
    assert q["score_mode"] == "sum" and q["boost_mode"] == "multiply"
    weights = [f["weight"] for f in q["functions"]]
    assert weights == [0.5, pytest.approx(0.5 / 3), pytest.approx(0.5 / 3), pytest.approx(0.5 / 3)]
    assert "filter" not in q["functions"][0]
    assert _terms(q["functions"][1]["filter"])[0] == ("title", "مكتب", 0.5)
    assert "function_score" not in search_body("المكتبات", ranking=Ranking(coordination=0.5))["query"]


def test_operators_fields_phrases_prefixes_boosts() -> None:
    q = search_body('+تونس -الجزائر title:مصر "وزير الخارجية"~2 مكت* ليبيا^2', ranking=Ranking())["query"]
    b = q["function_score"]["query"]["bool"] if "function_score" in q else q["bool"]
    assert _terms(b["must"]) == [("title", "تونس", 0.5), ("body", "تونس", 1.0)]
    assert _terms(b["must_not"]) == [("title", "جزائر", 0.5), ("body", "جزائر", 1.0)]
    shoulds = b["should"]
    assert _terms(shoulds[0]) == [("title", "مصر", 0.5)]
    span = shoulds[1]["bool"]["should"][1]["span_near"]
    assert span == {"clauses": [{"span_term": {"body": "زير"}}, {"span_term": {"body": "خارج"}}], "slop": 2, "in_order": True, "boost": 1.0}
    assert shoulds[2]["bool"]["should"][0] == {"prefix": {"title": {"value": "مكت", "boost": 0.5}}}
    assert _terms(shoulds[3]) == [("title", "ليبيا", 1.0), ("body", "ليبيا", 2.0)]


def test_and_not_groups() -> None:
    b = search_body("تونس AND (مصر OR ليبيا) NOT سوريا", ranking=Ranking())["query"]["bool"]
    assert _terms(b["must"][0]) == [("title", "تونس", 0.5), ("body", "تونس", 1.0)]
    group = b["must"][1]["bool"]
    assert [len(group["should"])] == [2] and _terms(group["should"][1])[1] == ("body", "ليبيا", 1.0)
    assert _terms(b["must_not"]) == [("title", "سوريا", 0.5), ("body", "سوريا", 1.0)]


def test_only_exclusions_and_empty_queries_match_nothing() -> None:
    assert search_body("-تونس")["query"] == {"match_none": {}}
    assert search_body("")["query"] == {"match_none": {}}
    assert search_body("من هو")["query"] != {"match_none": {}}  # only stop words: they are searched


class _Lexicon:
    memo: dict[Any, Any] = {}
    n = 100

    def has_term(self, term: str, fields: Any) -> bool:
        return True

    def df(self, field: str, term: str) -> int:
        return 50 if term in ("#ال", "#الم") or field == "all__isri" else 1


def test_a_lexicon_skips_frequent_ngrams_and_common_roots() -> None:
    q = search_body("المكتبات", lexicon=_Lexicon())["query"]["bool"]
    assert ("all__isri", "كتب", 0.3) in _terms(q["should"])  # in 50% of documents: scores, does not match
    assert ("all__isri", "كتب", 0.3) not in _terms(q["must"])
    grams = [t for f, t, _w in _terms(q["should"]) if f == "all__ngram4"]
    assert "#الم" not in grams and "مكتب" in grams
