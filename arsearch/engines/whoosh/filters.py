"""Filter conditions (:mod:`arsearch.filters`) as Whoosh queries."""

from __future__ import annotations

from collections.abc import Sequence

from whoosh import query as wq

from ...filters import Condition

__all__ = ["whoosh_filter"]


def whoosh_filter(conditions: Sequence[Condition]) -> wq.Query:
    """A Whoosh query matching the documents that meet every condition."""
    parts: list[wq.Query] = []
    for c in conditions:
        if c.kind in ("id", "keyword"):
            parts.append(wq.Or([wq.Term(c.field, v) for v in c.values]))
        elif c.kind == "numeric":
            parts.append(wq.NumericRange(c.field, c.low, c.high))
        else:
            parts.append(wq.DateRange(c.field, c.low, c.high))
    return parts[0] if len(parts) == 1 else wq.And(parts)
