"""A Python emulation of the analysis chains :func:`index_body` writes.

It applies the settings' char filters, tokenizer and token filters the way
Lucene's classes do (``MappingCharFilter``, ``PatternTokenizer``,
``LowerCaseFilter``, ``ArabicNormalizationFilter``, ``PatternReplaceFilter``,
``LengthFilter``, ``NGramTokenFilter``, ``StopFilter``), with the Java
regexes translated to Python's ``re``. ``benchmarks/verify_opensearch.py``
checks the real Lucene classes against arsearch; the tests check this
emulation against the tokens Lucene produced (a fixture), so CI checks the
settings without Java.

Example:
    >>> from arsearch.opensearch import index_body
    >>> emulate(index_body(), "arsearch_light", "وَالْمَكْتَبَاتُ في القاهرة")
    [('مكتب', 0, 16), ('في', 17, 19), ('قاهر', 20, 27)]
    >>> [t for t, _s, _e in emulate(index_body(), "arsearch_ngram4", "في")]
    ['#في#']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["emulate", "java_to_python_regex"]

# arabic_normalization (Lucene's ArabicNormalizer)
_ARABIC_NORMALIZER = str.maketrans(
    {
        "\N{ARABIC LETTER ALEF WITH MADDA ABOVE}": "\N{ARABIC LETTER ALEF}",
        "\N{ARABIC LETTER ALEF WITH HAMZA ABOVE}": "\N{ARABIC LETTER ALEF}",
        "\N{ARABIC LETTER ALEF WITH HAMZA BELOW}": "\N{ARABIC LETTER ALEF}",
        "\N{ARABIC LETTER ALEF MAKSURA}": "\N{ARABIC LETTER YEH}",
        "\N{ARABIC LETTER TEH MARBUTA}": "\N{ARABIC LETTER HEH}",
        "\N{ARABIC TATWEEL}": None,
        **{chr(cp): None for cp in range(0x064B, 0x0653)},  # fathatan .. sukun
    }
)
_JAVA_ESCAPE = re.compile(r"\\x\{([0-9A-Fa-f]+)\}")
_MAPPING_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")
_JAVA_GROUP = re.compile(r"\$(\d)")


@lru_cache(maxsize=512)
def java_to_python_regex(pattern: str) -> re.Pattern[str]:
    """Compile one of :func:`index_body`'s Java regexes with Python's ``re``.

    Handles the constructs the settings use: ``\\x{H}`` escapes, and the
    classes ``\\p{L}\\p{N}_`` (Python's ``\\w``) and ``\\p{Nd}`` (``\\d``).
    """
    py = _JAVA_ESCAPE.sub(lambda m: f"\\U{int(m.group(1), 16):08X}", pattern)
    py = py.replace(r"\p{L}\p{N}_", r"\w").replace(r"\p{Nd}", r"\d")
    if r"\p{" in py:
        raise ValueError(f"cannot translate {pattern!r}")
    return re.compile(py)


def _mapping(rules: list[str]) -> dict[int, str]:
    return _mapping_cached(tuple(rules))


@lru_cache(maxsize=8)
def _mapping_cached(rules: tuple[str, ...]) -> dict[int, str]:
    table: dict[int, str] = {}
    for rule in rules:
        lhs, rhs = (_MAPPING_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), side.strip()) for side in rule.split("=>"))
        if len(lhs) != 1:
            raise ValueError(f"only one-character mappings are emulated, not {rule!r}")
        table[ord(lhs)] = rhs
    return table


def _apply_filter(spec: Mapping[str, Any] | str, tokens: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    kind = spec if isinstance(spec, str) else spec["type"]
    if kind == "lowercase":
        return [(t.lower(), s, e) for t, s, e in tokens]
    if kind == "arabic_normalization":
        return [(t.translate(_ARABIC_NORMALIZER), s, e) for t, s, e in tokens]
    assert isinstance(spec, Mapping)
    if kind == "pattern_replace":
        rx = java_to_python_regex(spec["pattern"])
        repl = _JAVA_GROUP.sub(r"\\g<\1>", spec.get("replacement", ""))
        count = 0 if spec.get("all", True) else 1
        return [(rx.sub(repl, t, count=count), s, e) for t, s, e in tokens]
    if kind == "length":
        lo, hi = spec.get("min", 0), spec.get("max", 2**31 - 1)
        return [tok for tok in tokens if lo <= len(tok[0]) <= hi]
    if kind == "stop":
        stops = set(spec["stopwords"])
        return [tok for tok in tokens if tok[0] not in stops]
    if kind == "ngram":
        lo, hi, keep = spec["min_gram"], spec["max_gram"], spec.get("preserve_original", False)
        out = []
        for t, s, e in tokens:
            grams = [t[i : i + n] for i in range(len(t)) for n in range(lo, hi + 1) if i + n <= len(t)]
            # Lucene orders grams by start, then size; the original comes last
            out.extend((g, s, e) for g in grams)
            if keep and (len(t) < lo or len(t) > hi):
                out.append((t, s, e))
        return out
    raise ValueError(f"token filter {kind!r} is not emulated")


def emulate(body: Mapping[str, Any], analyzer: str, text: str) -> list[tuple[str, int, int]]:
    """The ``(term, start, end)`` tokens the named analyzer of ``body``'s
    settings makes of ``text`` (offsets into ``text``)."""
    analysis = body["settings"]["index"]["analysis"]
    spec = analysis["analyzer"][analyzer]
    mapped, offsets = text, list(range(len(text) + 1))
    for name in spec.get("char_filter", []):
        cf = analysis["char_filter"][name]
        if cf["type"] != "mapping":
            raise ValueError(f"char filter {cf['type']!r} is not emulated")
        table = _mapping(cf["mappings"])
        if not any(ord(ch) in table for ch in text):
            continue
        pieces, offsets = [], []
        for i, ch in enumerate(text):
            rep = table.get(ord(ch), ch)
            pieces.append(rep)
            offsets.extend([i] * len(rep))
        offsets.append(len(text))
        mapped = "".join(pieces)
    tok = analysis["tokenizer"][spec["tokenizer"]]
    if tok["type"] != "pattern" or tok.get("group", -1) != 0:
        raise ValueError("only the pattern tokenizer with group 0 is emulated")
    rx = java_to_python_regex(tok["pattern"])
    tokens = []
    for m in rx.finditer(mapped):
        start = offsets[m.start()]
        end = offsets[m.end() - 1] + 1 if m.end() > m.start() else start
        tokens.append((m.group(), start, end))
    filters = analysis["filter"]
    for name in spec.get("filter", []):
        tokens = _apply_filter(filters.get(name, name), tokens)
    return tokens
