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
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .errors import QueryError
from .fields import ID_FIELD, Field

__all__ = ["Condition", "SortKey", "compile_filter", "compile_sort", "check_facets", "SORTABLE_KINDS"]

#: The field kinds a search can be sorted by (and, for facets, counted: keyword only).
SORTABLE_KINDS: tuple[str, ...] = ("keyword", "numeric", "date")


class Condition(NamedTuple):
    """One filter condition: ``field`` (of ``kind`` "id", "keyword",
    "numeric" or "date") holds one of ``values``, or, when ``values`` is
    empty, lies in ``[low, high]`` (``None``: an open end)."""

    field: str
    kind: str
    values: tuple[Any, ...] = ()
    low: Any = None
    high: Any = None


class SortKey(NamedTuple):
    """Sort hits by ``field`` (of ``kind`` "keyword", "numeric" or "date"),
    ascending unless ``descending``.

    The order every engine gives: by the field's value (a keyword by its
    indexed, lower-cased value in code-point order; a document with several
    keyword values by its smallest ascending, its largest descending);
    documents without a value last, in either direction; equal values by
    relevance (score, highest first), then in index order (the order the
    documents were written, until segments merge; the same tie-break as
    relevance ranking)."""

    field: str
    kind: str
    descending: bool = False


def compile_sort(sort: str | None, fields: Mapping[str, Field]) -> SortKey | None:
    """Check a sort spec, ``"field"`` (ascending) or ``"-field"``
    (descending), against ``fields``; None (relevance) when there is none.

    >>> compile_sort("-year", {"year": Field("numeric")})
    SortKey(field='year', kind='numeric', descending=True)
    """
    if sort is None:
        return None
    if not isinstance(sort, str):
        raise QueryError(f"sort must be a field name, or -name for descending, not {type(sort).__name__}")
    name = sort[1:] if sort.startswith(("-", "+")) else sort
    spec = fields.get(name)
    if spec is None or spec.kind not in SORTABLE_KINDS:
        sortable = ", ".join(f"{n} ({f.kind})" for n, f in fields.items() if f.kind in SORTABLE_KINDS) or "none"
        what = "a text field" if spec is not None else "not a field of this index"
        raise QueryError(
            f"cannot sort by {name!r}: {what}; sort by a keyword, numeric or date field (this index has: {sortable})"
        )
    return SortKey(name, spec.kind, sort.startswith("-"))


def check_facets(facets: Sequence[str] | str | None, fields: Mapping[str, Field]) -> tuple[str, ...]:
    """The keyword fields to count values of (``()`` for none); raises
    :class:`~arsearch.QueryError` for a name that is not a keyword field.

    >>> check_facets("source", {"source": Field("keyword")})
    ('source',)
    """
    if not facets:
        return ()
    names = [facets] if isinstance(facets, str) else facets
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise QueryError("facets must be a list of keyword field names")
    for name in names:
        spec = fields.get(name)
        if spec is None or spec.kind != "keyword":
            keywords = ", ".join(n for n, f in fields.items() if f.kind == "keyword") or "none"
            what = f"a {spec.kind} field" if spec is not None else "not a field of this index"
            raise QueryError(f"cannot count values of {name!r}: {what}; facets take keyword fields (this index has: {keywords})")
    return tuple(dict.fromkeys(names))


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
