"""Text made safe to print on a terminal.

A document's id, title or body, a file name, a query or an index's metadata
can hold ESC (escape sequences that set the window title, clear the screen
or plant hyperlinks), BEL, other C0 and C1 control characters, and bidi
overrides that reorder what a line shows. The command line passes every
line it prints through :func:`printable`, which writes each such character
as a visible escape (``\\x1b``, ``\\u202e``); JSON output goes through
:func:`json_printable`, which escapes them the JSON way, so the data is
kept exactly. The Arabic joining marks ZWNJ and ZWJ (U+200C, U+200D), the
bidi marks LRM, RLM and ALM, and newlines are kept.

Example:
    >>> printable("title\\x1b]0;owned\\x07 \\u202eabc")
    'title\\\\x1b]0;owned\\\\x07 \\\\u202eabc'
    >>> printable("مع\\u200cال") == "مع\\u200cال"
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["UNSAFE", "printable", "printable_except", "json_printable"]

#: C0 controls except newline (tab and carriage return included), DEL and the C1 controls.
_CONTROLS = "\x00-\x09\x0b-\x1f\x7f-\x9f"
#: Bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
_BIDI = "\u202a-\u202e\u2066-\u2069"
#: The characters :func:`printable` escapes.
UNSAFE = re.compile(f"[{_CONTROLS}{_BIDI}]")
# What json.dumps(ensure_ascii=False) leaves raw in strings (it escapes C0 itself).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters (but newlines) and bidi overrides
    written as visible escapes (``\\x1b``, ``\\u202e``)."""
    return UNSAFE.sub(_visible, text)


def printable_except(text: str, codes: Iterable[str]) -> str:
    """:func:`printable`, keeping the escape sequences in ``codes`` (the
    output's own, e.g. the ANSI colours of highlighted words) as they are."""
    kept = sorted(set(codes), key=len, reverse=True)
    if not kept:
        return printable(text)
    parts = re.split(f"({'|'.join(map(re.escape, kept))})", text)
    return "".join(part if i % 2 else printable(part) for i, part in enumerate(parts))


def json_printable(json_text: str) -> str:
    """The output of ``json.dumps(..., ensure_ascii=False)`` with the
    characters it leaves raw — DEL, C1 controls, bidi overrides — as
    ``\\uXXXX`` escapes: the same JSON value, safe on a terminal.

    >>> import json
    >>> out = json_printable(json.dumps({"id": "a\\x9b2J\\u202e"}, ensure_ascii=False))
    >>> out, json.loads(out) == {"id": "a\\x9b2J\\u202e"}
    ('{"id": "a\\\\u009b2J\\\\u202e"}', True)
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
