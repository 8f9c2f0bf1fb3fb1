"""The precision benchmark's helpers (benchmarks/precision.py) on hand-made data.

Nothing here reads ../shared/data: the end-to-end test writes its own
tiny news file.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import precision as P  # noqa: E402

from arsearch import Analyzer  # noqa: E402

LIGHT, ISRI = Analyzer(), Analyzer(stemmer="isri")


# -- marks ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "description, html, expected",
    [
        ("no mark", "نص بلا علامة", (0, 0)),
        ("empty", "", (0, 0)),
        ("two plain marks", "<mark>أ</mark> و <mark>ب</mark>", (2, 0)),
        ("a near mark", '<mark class="near">أ</mark>', (0, 1)),
        ("near among other classes", "<mark class='hl near'>أ</mark>", (0, 1)),
        ("another class is plain", '<mark class="nearby">أ</mark> <mark class="x">ب</mark>', (2, 0)),
        ("closing tags and look-alikes are not marks", "</mark> <marker> &lt;mark&gt;", (0, 0)),
        ("both kinds", '<mark>أ</mark> <mark class="near">ب</mark>', (1, 1)),
    ],
)
def test_mark_counts(description: str, html: str, expected: tuple[int, int]) -> None:
    assert P.mark_counts(html) == expected


def test_mark_status_takes_snippet_and_title() -> None:
    assert P.mark_status("لا شيء", "") == "unmarked"
    assert P.mark_status("لا شيء", "<mark>عنوان</mark>") == "marked"
    assert P.mark_status('<mark class="near">أ</mark>', "") == "near-only"
    assert P.mark_status('<mark class="near">أ</mark>', "<mark>ب</mark>") == "marked"
    assert P.mark_status() == "unmarked"


# -- small helpers ----------------------------------------------------------------
@pytest.mark.parametrize(
    "query, kind",
    [("وزير", "1 word"), ("وزير الخارجية", "2 words"), ("أ ب ج", "3 words"), ('"وزير الخارجية"', "phrase"),
     (' "غير مغلق', "phrase")],
)  # fmt: skip
def test_query_kind(query: str, kind: str) -> None:
    assert P.query_kind(query) == kind


def test_ratio_of_nothing_is_nan() -> None:
    assert P.ratio(1, 4) == 0.25
    assert math.isnan(P.ratio(0, 0))


def test_without_nan_reaches_nested_values() -> None:
    assert P.without_nan({"a": [float("nan"), {"b": float("nan")}], "c": "x", "d": 2}) == {
        "a": [None, {"b": None}], "c": "x", "d": 2
    }  # fmt: skip


def test_query_words_drop_stop_words_unless_all_are() -> None:
    assert P.query_words("من هو وزير الخارجية", LIGHT) == ["وزير", "الخارجية"]
    assert P.query_words("من هو", LIGHT) == ["من", "هو"]
    assert P.query_words('"..."', LIGHT) == []


# -- random strings --------------------------------------------------------------
def test_random_words_are_seeded_distinct_and_in_range() -> None:
    words = P.random_words(50, lambda w: False, seed=7)
    assert words == P.random_words(50, lambda w: False, seed=7)
    assert words != P.random_words(50, lambda w: False, seed=8)
    assert len(set(words)) == 50
    assert all(4 <= len(w) <= 8 and set(w) <= set(P.ARABIC_LETTERS) for w in words)


def test_random_words_skip_known_ones() -> None:
    words = P.random_words(30, lambda w: w[0] == "ا", seed=1)
    assert not any(w[0] == "ا" for w in words)
    # the first draws are the same sequence, minus the known ones
    assert words[:5] == [w for w in P.random_words(60, lambda w: False, seed=1) if w[0] != "ا"][:5]


def test_random_words_give_up() -> None:
    with pytest.raises(ValueError, match="only 0 of 3"):
        P.random_words(3, lambda w: True, max_tries=100)


# -- variant pairs and worst queries -----------------------------------------------
def test_variant_direction_counts_only_articles_without_the_query_term() -> None:
    # articles with the variant: 2, 3, 4; 4 also has the query term, so it is not counted
    r = P.variant_direction(["1", "2", "9"], [True, True, False], {"1", "4"}, {"2", "3", "4"})
    assert (r["other_only"], r["found"], r["recall"]) == (2, 1, 0.5)
    assert (r["hits"], r["hits_with_either"], r["precision"]) == (3, 2, pytest.approx(2 / 3))


def test_variant_direction_without_hits_or_variant_articles() -> None:
    r = P.variant_direction([], [], {"1"}, {"1"})
    assert r["other_only"] == 0 and math.isnan(r["recall"]) and math.isnan(r["precision"])


def test_worst_queries_order() -> None:
    rows = [
        {"query": "a", "hits": 10, "with_stem": 5},
        {"query": "b", "hits": 0, "with_stem": 0},  # no hits: not listed
        {"query": "c", "hits": 100, "with_stem": 1},
        {"query": "d", "hits": 20, "with_stem": 10},  # same share as "a", more hits: first
        {"query": "e", "hits": 3, "with_stem": 0},
    ]
    assert [r["query"] for r in P.worst_queries(rows, 3)] == ["e", "c", "d"]


# -- summaries --------------------------------------------------------------------
def _row(query: str, kind: str, hits: int, with_stem: int, docs: int, top10: int, unmarked: int) -> dict:
    marks = {"hits": top10, "marked": top10 - unmarked, "near-only": 0, "unmarked": unmarked,
             "unmarked_with_stem": 0, "unmarked_stem_in_title": 0}  # fmt: skip
    return {"query": query, "kind": kind, "hits": hits, "total": hits, "with_stem": with_stem,
            "docs_with_stem": docs, "stemless_with_root": 0, "top10_hits": top10, "top10_with_stem": top10,
            "top10_marks": marks, "top100_marks": dict(marks)}  # fmt: skip


def test_query_summary_pools_hits_and_skips_phrases_for_article_recall() -> None:
    rows = [
        _row("a", "1 word", 10, 5, 5, 10, 2),
        _row("b", "2 words", 30, 5, 10, 10, 0),
        _row('"c"', "phrase", 2, 2, 50, 2, 0),
    ]
    s = P.query_summary("all", rows)
    assert s["hits"] == 42 and s["stemless_hits"] == 30
    assert s["share_with_stem"] == pytest.approx(12 / 42)
    assert s["mean_share_with_stem"] == pytest.approx((0.5 + 5 / 30 + 1.0) / 3)
    assert s["stem_docs_found"] == pytest.approx(10 / 15)  # the phrase's 50 articles are not its target
    m = P.mark_summary("all", rows, 10)
    assert (m["hits"], m["unmarked"], m["unmarked_share"]) == (22, 2, pytest.approx(2 / 22))


# -- corpus passes, culprits, hit terms ---------------------------------------------
ARTICLES = [
    {"id": 1, "source": "t", "title": "مهرجان السينما", "text": "افتتح مهرجان السينما في قرطاج"},
    {"id": 2, "source": "t", "title": None, "text": "بينما كان الوزير في الطريق"},
    {"id": 3, "source": "t", "title": "الطقس", "text": "حينما تمطر السماء بينما نحن هنا"},
    {"id": 4, "source": "t", "title": "سينمائي", "text": None},
]


def _news(tmp_path: Path, articles: list[dict]) -> Path:
    path = tmp_path / "data" / "news" / "ant-news.jsonl.gz"
    path.parent.mkdir(parents=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    return tmp_path / "data"


@pytest.fixture
def ngrams() -> P.NGrams:
    return P.NGrams(*LIGHT.for_representation("ngram4"), max_df=0.7)


def test_corpus_passes(tmp_path: Path, ngrams: P.NGrams) -> None:
    data = _news(tmp_path, ARTICLES)
    corpus = P.scan_vocabulary(data, 3, LIGHT, ISRI)  # the first 3 articles only
    assert corpus.ids == ["1", "2", "3"]
    assert {"مهرجان", "بينما", "حينما"} <= corpus.surfaces and "سينمائي" not in corpus.surfaces
    assert {"مهرج", "سينما"} <= corpus.stems
    P.scan_postings(corpus, data, 3, {"سينما", "طريق", "absent"}, {"ينما", "نما#", "#مهر"}, LIGHT, ngrams)
    assert corpus.postings == {"سينما": {"1"}, "طريق": {"2"}, "absent": set()}
    assert corpus.docs("سينما", "طريق") == {"1", "2"}
    assert dict(corpus.gram_df) == {"ينما": 3, "نما#": 3, "#مهر": 1}


def test_culprits_leave_out_capped_grams_and_query_stems(tmp_path: Path, ngrams: P.NGrams) -> None:
    data = _news(tmp_path, ARTICLES)
    corpus = P.scan_vocabulary(data, 3, LIGHT, ISRI)
    grams = set(ngrams.of("السينما"))
    P.scan_postings(corpus, data, 3, set(), grams, LIGHT, ngrams)
    culprits = P.Culprits(corpus, ["السينما"], LIGHT, ISRI, ngrams)
    # ينما and نما# are in all 3 articles (> 0.7 of them): the engine skips them; #الس is in 2
    assert {"ينما", "نما#"} <= culprits.capped
    assert "ينما" not in culprits.grams("السينما")
    cands = culprits.candidates("السينما", exclude={"سينما"})
    assert "بينما" not in cands and "حينما" not in cands  # only through capped grams
    assert "السينما" not in cands  # its stem is the query's
    assert cands.get("السماء") == "#الس"  # shares the article's n-gram
    assert "السماء" in culprits.pool and "الطريق" not in culprits.pool


def test_hit_terms_read_stored_title_and_body(ngrams: P.NGrams) -> None:
    terms = P.HitTerms({"سينما", "مهرج"}, {"سنم"}, frozenset({"بينما"}), LIGHT, ISRI)
    hit = SimpleNamespace(id="7", fields={"title": "السينما", "body": "بينما المهرجان قائم"})
    info = terms.get(hit)
    assert info.stems == {"سينما", "مهرج"} and info.title_stems == {"سينما"} and info.words == {"بينما"}
    assert terms.get(SimpleNamespace(id="7", fields={})) is info  # cached per id


# -- the command ----------------------------------------------------------------------
def test_missing_data_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert P.main(["--data", str(tmp_path), "--no-save"]) == 2
    assert "news/ant-news.jsonl.gz" in capsys.readouterr().err


def test_end_to_end_on_a_tiny_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    articles = [*ARTICLES, *({"id": 10 + i, "source": "t", "title": f"خبر {i}", "text": "ترامب قال " * (i + 1)}
                              for i in range(6))]  # fmt: skip
    data = _news(tmp_path, articles)
    out = tmp_path / "precision.json"
    argv = ["--data", str(data), "--limit", "8", "--save-index", str(tmp_path / "ix"), "--queries", "3",
            "--random", "5", "--no-save", "--json", str(out)]  # fmt: skip
    assert P.main(argv) == 0
    printed = capsys.readouterr().out
    assert "## 4. Spelling-variant pairs" in printed and "مهرجان السينما" in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["index"]["documents"] == 8 and result["index"]["warning"] is None
    absent = result["tables"]["absent"]
    assert absent["summary"][1]["queries"] == 5 and len(absent["words"]) == len(P.ABSENT_WORDS)
    trump = next(r for r in result["tables"]["variants"]["rows"] if r["query"] == "ترامب")
    assert trump["docs_query"] == 4 and trump["precision"] == 1.0
    # reusing the saved index with another --limit is reported
    assert P.main([*argv[:2], "--limit", "5", "--index", str(tmp_path / "ix"), "--queries", "1", "--random", "1",
                   "--no-save"]) == 0  # fmt: skip
    assert "WARNING" in capsys.readouterr().out
