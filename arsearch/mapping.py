"""Records from outside (JSON objects, CSV rows) into documents an index takes.

Input data rarely has the index's field names: the text is ``text`` or
``content``, the id ``url``, and there are keys the index does not declare.
:func:`map_documents` renames and converts them, so that
:meth:`arsearch.Index.add_many` gets only declared fields:

* ``id`` ← the record's ``id`` key (or the key named by ``id=``);
* the ``title`` field ← ``title`` (or ``title=``);
* the ``body`` field (or the last text field) ← ``body``, else ``text``
  (or ``text=``);
* every other declared field ← the key of the same name, its value
  converted for the field's kind: numbers and dates may be strings (as in
  CSV: ``"2019"``, ``"2019-05-01"``), an empty string is no value;
* any other key is dropped (``extra="ignore"``, the default) or makes the
  record an error (``extra="error"``).

Example:
    >>> fields = {"title": "text", "body": "text", "year": "numeric"}
    >>> rows = [{"url": "u1", "headline": "المكتبة", "content": "نص", "year": "2019", "lang": "ar"}]
    >>> list(map_documents(rows, fields, id="url", title="headline", text="content"))
    [{'id': 'u1', 'title': 'المكتبة', 'body': 'نص', 'year': 2019}]
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal

from .errors import DocumentError, SchemaError
from .fields import ID_FIELD, Field, resolve_fields

__all__ = ["map_documents", "Mapper", "EXTRA"]

#: What to do with a record's keys that fill no field.
EXTRA: tuple[str, ...] = ("ignore", "error")
#: The key read as the body when the record has no ``body`` (the news data's name).
TEXT_KEY = "text"


class Mapper:
    """The mapping of one kind of record onto ``fields``; :meth:`map` applies it.

    ``id``, ``title`` and ``text`` name the record's keys (None: the
    defaults above); ``extra`` is ``"ignore"`` or ``"error"``.
    """

    def __init__(
        self,
        fields: Mapping[str, str | Field] | None = None,
        *,
        id: str = ID_FIELD,  # noqa: A002 - the key's name
        title: str | None = None,
        text: str | None = None,
        extra: Literal["ignore", "error"] = "ignore",
    ) -> None:
        self.fields = resolve_fields(fields)
        if extra not in EXTRA:
            raise SchemaError(f"extra must be one of {', '.join(EXTRA)}, not {extra!r}")
        for what, key in (("id", id), ("title", title), ("text", text)):
            if key is not None and (not isinstance(key, str) or not key):
                raise SchemaError(f"the {what} key must be a non-empty string, not {key!r}")
        self.text_fields = [n for n, f in self.fields.items() if f.kind == "text"]
        self.title_field = "title" if "title" in self.text_fields else None
        self.body_field = "body" if "body" in self.text_fields else self.text_fields[-1]
        if title is not None and self.title_field is None:
            raise SchemaError(f"the index has no 'title' field to fill from {title!r} (text fields: {', '.join(self.text_fields)})")
        self.id_key = id
        self.title_key = title if title is not None else self.title_field
        self.text_key = text  # None: body_field, else "text"
        self.extra = extra
        # field name → input key, for every field but id, title and body
        self.others = {n: n for n in self.fields if n not in (self.title_field, self.body_field)}
        self._convert: dict[str, Callable[[Any], Any]] = {
            n: _CONVERTERS[f.kind] for n, f in self.fields.items() if f.kind in _CONVERTERS
        }

    def text_keys(self) -> str:
        """The keys a record's text can come from, for messages ("title, body or text")."""
        keys = [self.title_key] if self.title_field is not None and self.title_key is not None else []
        keys += [f for f in self.text_fields if f not in (self.title_field, self.body_field)]
        keys += [self.text_key] if self.text_key is not None else [self.body_field, TEXT_KEY]
        keys = list(dict.fromkeys(keys))
        return keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} or {keys[-1]}"

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The document for ``record``, or raise :class:`DocumentError` (why it cannot be one)."""
        doc: dict[str, Any] = {ID_FIELD: record.get(self.id_key)}
        used = {self.id_key}
        if self.id_key not in record:
            raise DocumentError(f"no {self.id_key!r} key (the document's id)" + (
                "; name the id key (e.g. --id KEY)" if self.id_key == ID_FIELD else ""
            ))
        if self.title_field is not None and self.title_key is not None and self.title_key in record:
            doc[self.title_field] = record[self.title_key]
            used.add(self.title_key)
        if self.text_key is not None:
            if self.text_key in record:
                doc[self.body_field] = record[self.text_key]
                used.add(self.text_key)
        elif self.body_field in record:
            doc[self.body_field] = record[self.body_field]
            used.add(self.body_field)
        elif TEXT_KEY in record and TEXT_KEY not in self.fields:
            doc[self.body_field] = record[TEXT_KEY]
            used.add(TEXT_KEY)
        for name, key in self.others.items():
            if key in record and key not in used:
                value = record[key]
                convert = self._convert.get(name)
                if convert is not None:
                    try:
                        value = convert(value)
                    except ValueError as e:
                        raise DocumentError(f"field {name!r}: {e}") from None
                doc[name] = value
                used.add(key)
        if self.extra == "error":
            unknown = [k for k in record if k not in used]
            if unknown:
                known = ", ".join(sorted(used))
                raise DocumentError(f"unknown key {unknown[0]!r} (the keys mapped to fields: {known})")
        texts = [doc.get(f) for f in self.text_fields]
        if all(t is None or (isinstance(t, str) and not t.strip()) for t in texts):
            raise DocumentError(f"document {doc[ID_FIELD]!r} has no text (expected {self.text_keys()})")
        return doc


def _number(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"not a number: {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {value!r}")
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return value


def _date(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS): {value!r}") from None
        if parsed.tzinfo is not None:  # stored naive, in UTC
            parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return parsed
    return value


def _keyword(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {"numeric": _number, "date": _date, "keyword": _keyword}


def map_documents(
    records: Iterable[Mapping[str, Any]],
    fields: Mapping[str, str | Field] | None = None,
    *,
    id: str = ID_FIELD,  # noqa: A002 - the key's name
    title: str | None = None,
    text: str | None = None,
    extra: Literal["ignore", "error"] = "ignore",
    on_error: Callable[[Mapping[str, Any], DocumentError], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield ``records`` as documents of an index with ``fields`` (e.g. ``ix.fields``).

    See the module's description for the mapping. A record that cannot be
    a document (no id key, no text, a bad number or date, an unknown key
    with ``extra="error"``) raises :class:`DocumentError`, or with
    ``on_error(record, error)`` is reported there and skipped. The values'
    types are checked by the index (``Index.add_many``).

    Example:
        >>> rows = [{"id": 1, "text": "ذهب الطلاب", "source": "bbc"}, {"id": 2}]
        >>> errors = []
        >>> list(map_documents(rows, on_error=lambda rec, e: errors.append(str(e))))
        [{'id': 1, 'body': 'ذهب الطلاب'}]
        >>> errors
        ['document 2 has no text (expected title, body or text)']
    """
    mapper = Mapper(fields, id=id, title=title, text=text, extra=extra)
    for record in records:
        try:
            if not isinstance(record, Mapping):
                raise DocumentError(f"a record must be a mapping, not {type(record).__name__}")
            doc = mapper.map(record)
        except DocumentError as e:
            if on_error is None:
                raise
            on_error(record, e)
            continue
        yield doc
