"""Compiling search filters into Whoosh queries (index glue)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from whoosh import query as wq

from .errors import QueryError
from .fields import Field

__all__ = ["compile_filter"]


def compile_filter(filters: Mapping[str, Any] | None, fields: Mapping[str, Field]) -> wq.Query | None:
    """``{"source": "bbc", "year": (2010, 2020), "tags": ["a", "b"]}`` → a Whoosh filter.

    A keyword value matches exactly (a list matches any of its items); a
    numeric or date value matches exactly, a ``(low, high)`` tuple is an
    inclusive range (``None`` for an open end).
    """
    if not filters:
        return None
    if not isinstance(filters, Mapping):
        raise QueryError("filter must be a mapping of field → value or (low, high)")
    parts: list[wq.Query] = []
    for name, value in filters.items():
        if name == "id":
            values = value if isinstance(value, (list, set, frozenset)) else [value]
            parts.append(wq.Or([wq.Term("id", str(v)) for v in values]))
            continue
        spec = fields.get(name)
        if spec is None or spec.kind == "text":
            raise QueryError(f"cannot filter on {name!r}: filter on id or a keyword, numeric or date field")
        if spec.kind == "keyword":
            values = value if isinstance(value, (list, set, frozenset)) else [value]
            parts.append(wq.Or([wq.Term(name, str(v).casefold()) for v in values]))
        elif isinstance(value, tuple):
            if len(value) != 2:
                raise QueryError(f"range filter on {name!r} must be a (low, high) tuple")
            low, high = value
            _check_types(name, spec, [v for v in (low, high) if v is not None])
            if spec.kind == "numeric":
                parts.append(wq.NumericRange(name, low, high))
            else:
                parts.append(wq.DateRange(name, _day_start(low), _day_end(high)))
        else:
            _check_types(name, spec, [value])
            if spec.kind == "numeric":
                parts.append(wq.NumericRange(name, value, value))
            elif isinstance(value, dt.datetime):
                parts.append(wq.DateRange(name, value, value))
            else:  # a date matches the whole day
                parts.append(wq.DateRange(name, _day_start(value), _day_end(value)))
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _day_start(value: dt.date | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time.min)


def _day_end(value: dt.date | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time.max)


def _check_types(name: str, spec: Field, values: list[Any]) -> None:
    for v in values:
        ok = (
            isinstance(v, (int, float)) and not isinstance(v, bool)
            if spec.kind == "numeric"
            else isinstance(v, (dt.date, dt.datetime))
        )
        if not ok:
            raise QueryError(f"filter value {v!r} does not fit {spec.kind} field {name!r}")
