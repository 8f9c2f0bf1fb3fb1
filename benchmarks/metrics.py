"""Retrieval metrics over TREC-style qrels: MRR@k, nDCG@k, Recall@k.

A *run* maps a query id to its ranked list of document ids (best first); the
*qrels* map a query id to ``{docid: grade}``. A document is relevant when its
grade is > 0 (grade-0 judgements are kept but never count).

Conventions (the same as trec_eval's for these measures):

* queries without any relevant document in the qrels are skipped (they are
  neither in the mean nor in the count);
* a query that is missing from the run, or has no hits, scores 0;
* a document id that appears twice in a ranking counts only at its first
  rank (later copies are dropped before scoring);
* nDCG uses linear gains (the grade, or 1 for every relevant document when
  ``graded=False``) and a log2(rank + 1) discount; the ideal ranking sorts
  all judged grades in decreasing order.

Example:
    >>> qrels = {"q1": {"d1": 1}, "q2": {"d7": 1}}
    >>> run = {"q1": ["d3", "d1"], "q2": []}
    >>> m = evaluate(run, qrels)
    >>> m["queries"], m["mrr@10"], m["recall@10"]
    (2, 0.25, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "Qrels",
    "Run",
    "dedupe",
    "reciprocal_rank",
    "ndcg",
    "recall",
    "evaluate",
    "METRIC_NAMES",
]

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Sequence[str]]

#: Keys of :func:`evaluate`'s result besides ``queries``, in table order.
METRIC_NAMES: tuple[str, ...] = ("mrr@10", "ndcg@10", "recall@10", "recall@100")


def dedupe(ranking: Iterable[str]) -> list[str]:
    """The ranking with repeated document ids removed (first rank kept).

    >>> dedupe(["a", "b", "a", "c"])
    ['a', 'b', 'c']
    """
    seen: set[str] = set()
    out: list[str] = []
    for doc in ranking:
        if doc not in seen:
            seen.add(doc)
            out.append(doc)
    return out


def reciprocal_rank(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant document within the top ``k``, else 0.

    >>> reciprocal_rank(["x", "y", "d"], {"d": 1})
    0.3333333333333333
    """
    for rank, doc in enumerate(dedupe(ranking)[:k], start=1):
        if judged.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def ndcg(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10, graded: bool = True) -> float:
    """nDCG@k with linear gains and a log2(rank + 1) discount (0 if nothing is relevant).

    >>> round(ndcg(["x", "d"], {"d": 1}), 6)  # 1/log2(3)
    0.63093
    """

    def gain(grade: int) -> float:
        if grade <= 0:
            return 0.0
        return float(grade) if graded else 1.0

    ideal = sorted((gain(g) for g in judged.values()), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    if idcg == 0:
        return 0.0
    dcg = sum(gain(judged.get(doc, 0)) / math.log2(rank + 1) for rank, doc in enumerate(dedupe(ranking)[:k], start=1))
    return dcg / idcg


def recall(ranking: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents found in the top ``k`` (0 if nothing is relevant).

    >>> recall(["a", "b", "c"], {"a": 1, "c": 2, "z": 1}, k=2)
    0.3333333333333333
    """
    relevant = {doc for doc, grade in judged.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(dedupe(ranking)[:k])) / len(relevant)


def evaluate(run: Run, qrels: Qrels, qids: Iterable[str] | None = None, graded: bool = True) -> dict[str, float]:
    """Mean MRR@10, nDCG@10, Recall@10 and Recall@100 over the judged queries.

    ``qids`` restricts the evaluation to those queries (e.g. one split);
    by default every query in ``qrels`` is evaluated. Returns the metrics
    (keys :data:`METRIC_NAMES`) and ``queries``, the number of queries that
    were averaged; all metrics are 0 when no query qualifies.
    """
    selected = qrels.keys() if qids is None else [q for q in qids if q in qrels]
    totals = dict.fromkeys(METRIC_NAMES, 0.0)
    n = 0
    for qid in selected:
        judged = qrels[qid]
        if not any(grade > 0 for grade in judged.values()):
            continue
        ranking = run.get(qid, ())
        n += 1
        totals["mrr@10"] += reciprocal_rank(ranking, judged, 10)
        totals["ndcg@10"] += ndcg(ranking, judged, 10, graded=graded)
        totals["recall@10"] += recall(ranking, judged, 10)
        totals["recall@100"] += recall(ranking, judged, 100)
    out: dict[str, float] = {name: (total / n if n else 0.0) for name, total in totals.items()}
    out["queries"] = n
    return out
