"""Retrieval metrics (benchmarks/metrics.py) on hand-made runs with exact answers."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from metrics import dedupe, evaluate, ndcg, recall, reciprocal_rank  # noqa: E402

ELEVEN = [f"x{i}" for i in range(10)] + ["d"]  # the relevant "d" at rank 11


# -- reciprocal rank -----------------------------------------------------------
@pytest.mark.parametrize(
    "description, ranking, expected",
    [
        ("relevant at rank 1", ["d", "x", "y"], 1.0),
        ("relevant at rank 2", ["x", "d"], 0.5),
        ("relevant at rank 10", ELEVEN[:9] + ["d"], 0.1),
        ("relevant at rank 11 is outside the cutoff", ELEVEN, 0.0),
        ("no hits", [], 0.0),
        ("hits but none relevant", ["x", "y"], 0.0),
        ("a repeated non-relevant doc does not push the relevant one down", ["x", "x", "d"], 0.5),
    ],
)
def test_reciprocal_rank(description: str, ranking: list[str], expected: float) -> None:
    assert reciprocal_rank(ranking, {"d": 1}) == pytest.approx(expected)


def test_reciprocal_rank_uses_first_relevant_of_several() -> None:
    assert reciprocal_rank(["x", "b", "a"], {"a": 1, "b": 2}) == 0.5


def test_grade_zero_is_not_relevant() -> None:
    assert reciprocal_rank(["z", "d"], {"z": 0, "d": 1}) == 0.5


# -- nDCG ----------------------------------------------------------------------
def test_ndcg_single_relevant() -> None:
    assert ndcg(["d"], {"d": 1}) == 1.0
    assert ndcg(["x", "d"], {"d": 1}) == pytest.approx(1 / math.log2(3))
    assert ndcg(["x", "y", "d"], {"d": 1}) == pytest.approx(0.5)  # 1/log2(4)
    assert ndcg(ELEVEN, {"d": 1}) == 0.0
    assert ndcg([], {"d": 1}) == 0.0


def test_ndcg_two_relevant_binary() -> None:
    # ranks 1 and 3: DCG = 1 + 1/2; ideal: 1 + 1/log2(3)
    expected = 1.5 / (1 + 1 / math.log2(3))
    assert ndcg(["a", "x", "b"], {"a": 1, "b": 1}) == pytest.approx(expected)
    assert ndcg(["b", "a"], {"a": 1, "b": 1}) == 1.0  # order among equals does not matter


def test_ndcg_graded_versus_binary() -> None:
    judged = {"a": 1, "b": 2}
    # graded: DCG = 1 + 2/log2(3), ideal = 2 + 1/log2(3)
    graded = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg(["a", "b"], judged) == pytest.approx(graded)
    assert ndcg(["a", "b"], judged, graded=False) == 1.0
    assert ndcg(["b", "a"], judged) == 1.0


def test_ndcg_ideal_counts_relevant_docs_missing_from_the_ranking() -> None:
    # one of two relevant documents found at rank 1: 1 / (1 + 1/log2(3))
    assert ndcg(["a"], {"a": 1, "b": 1}) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_nothing_relevant_is_zero() -> None:
    assert ndcg(["a"], {"a": 0}) == 0.0
    assert ndcg(["a"], {}) == 0.0


# -- recall --------------------------------------------------------------------
def test_recall_cutoffs() -> None:
    judged = {"a": 1, "d": 1}
    ranking = ["a"] + ELEVEN  # a at rank 1, d at rank 12
    assert recall(ranking, judged, 10) == 0.5
    assert recall(ranking, judged, 100) == 1.0
    assert recall([], judged, 100) == 0.0
    assert recall(["a", "a", "a"], judged, 10) == 0.5  # repeats count once


def test_dedupe_keeps_first_rank() -> None:
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


# -- evaluate ------------------------------------------------------------------
def test_evaluate_means_over_judged_queries() -> None:
    qrels = {
        "rank1": {"d": 1},
        "rank11": {"d": 1},
        "nohits": {"d": 1},
        "two": {"a": 1, "b": 1},
        "unjudged": {"x": 0},  # no relevant document: skipped
    }
    run = {
        "rank1": ["d", "x"],
        "rank11": ELEVEN,
        "nohits": [],
        "two": ["x", "a", "y", "b"],
        "unjudged": ["x"],
        "not-in-qrels": ["d"],  # ignored
    }
    m = evaluate(run, qrels)
    assert m["queries"] == 4
    assert m["mrr@10"] == pytest.approx((1 + 0 + 0 + 0.5) / 4)
    assert m["recall@10"] == pytest.approx((1 + 0 + 0 + 1) / 4)
    assert m["recall@100"] == pytest.approx((1 + 1 + 0 + 1) / 4)
    two = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert m["ndcg@10"] == pytest.approx((1 + 0 + 0 + two) / 4)


def test_evaluate_query_missing_from_run_scores_zero() -> None:
    m = evaluate({}, {"q": {"d": 1}})
    assert m == {"mrr@10": 0.0, "ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0, "queries": 1}


def test_evaluate_subset_of_queries() -> None:
    qrels = {"q1": {"d": 1}, "q2": {"d": 1}}
    run = {"q1": ["d"], "q2": ["x", "d"]}
    assert evaluate(run, qrels, qids=["q2"])["mrr@10"] == 0.5
    assert evaluate(run, qrels, qids=["q2", "unknown"])["queries"] == 1


def test_evaluate_no_queries_is_all_zero() -> None:
    assert evaluate({}, {}) == {"mrr@10": 0.0, "ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0, "queries": 0}
