"""Search filters, checked against the index's fields and made engine-neutral.

``{"source": "bbc", "year": (2010, 2020), "tags": ["a", "b"]}`` becomes a
tuple of :class:`Condition` objects that every engine translates into its own
queries (all conditions must hold).

Example:
    >>> from arsearch.fields import Field
    >>> compile_filter({"year": (2010, None)}, {"year": Field("numeric")})
    (Condition(field='year', kind='numeric', values=(), low=2010, high=None),)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import QueryError
from .fields import ID_FIELD, Field

__all__ = ["Condition", "compile_filter"]


class Condition(NamedTuple):
    """One filter condition: ``field`` (of ``kind`` "id", "keyword",
    "numeric" or "date") holds one of ``values``, or, when ``values`` is
    empty, lies in ``[low, high]`` (``None``: an open end)."""

    field: str
    kind: str
    values: tuple[Any, ...] = ()
    low: Any = None
    high: Any = None


def compile_filter(filters: Mapping[str, Any] | None, fields: Mapping[str, Field]) -> tuple[Condition, ...] | None:
    """Check a user's filter mapping against ``fields``; None when there is none.

    A keyword value matches exactly (case-folded; a list matches any of its
    items); a numeric or date value matches exactly, a ``(low, high)`` tuple
    is an inclusive range (``None`` for an open end); a date matches the
    whole day. Raises :class:`~arsearch.QueryError` for anything else.
    """
    if not filters:
        return None
    if not isinstance(filters, Mapping):
        raise QueryError("filter must be a mapping of field → value or (low, high)")
    out: list[Condition] = []
    for name, value in filters.items():
        if name == ID_FIELD:
            values = value if isinstance(value, (list, set, frozenset)) else [value]
            out.append(Condition(name, "id", tuple(str(v) for v in values)))
            continue
        spec = fields.get(name)
        if spec is None or spec.kind == "text":
            raise QueryError(f"cannot filter on {name!r}: filter on id or a keyword, numeric or date field")
        if spec.kind == "keyword":
            values = value if isinstance(value, (list, set, frozenset)) else [value]
            out.append(Condition(name, "keyword", tuple(str(v).casefold() for v in values)))
        elif isinstance(value, tuple):
            if len(value) != 2:
                raise QueryError(f"range filter on {name!r} must be a (low, high) tuple")
            low, high = value
            _check_types(name, spec, [v for v in (low, high) if v is not None])
            if spec.kind == "numeric":
                out.append(Condition(name, "numeric", (), low, high))
            else:
                out.append(Condition(name, "date", (), _day_start(low), _day_end(high)))
        else:
            _check_types(name, spec, [value])
            if spec.kind == "numeric":
                out.append(Condition(name, "numeric", (), value, value))
            elif isinstance(value, dt.datetime):
                out.append(Condition(name, "date", (), value, value))
            else:  # a date matches the whole day
                out.append(Condition(name, "date", (), _day_start(value), _day_end(value)))
    return tuple(out)


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
