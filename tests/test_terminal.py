"""Terminal escape injection (issue #14): nothing a document, a file name, a
query or an index path holds reaches the terminal as a control character.

Every test goes through the real entry point, :func:`arsearch.cli.main`,
over on-disk indexes built by ``arsearch index`` from JSONL files.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch.cli import main
from arsearch.terminal import json_printable, printable, printable_except

#: What a line may not hold raw: C0 controls but newline, DEL, C1 controls, bidi overrides and isolates.
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The escape sequences the ansi format writes itself: bold, dim, reset, the two marks.
ANSI_OWN = ("\x1b[1;33m", "\x1b[4;36m", "\x1b[1m", "\x1b[2m", "\x1b[0m")
FORMATS = ("text", "html", "ansi")

#: Attacks a document can carry, each with the text that must show instead.
ATTACKS: dict[str, str] = {
    "clear": "\x1b[2J\x1b[H",
    "title": "\x1b]0;pwned\x07",
    "link": "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "bell": "\x07\x07",
    "c1csi": "\x9b2J",
    "c1osc": "\x9d0;t\x9c",
    "return": "\rfake",
    "backspace": "abc\x08\x08",
    "rlo": "\u202eabc\u202c",
    "isolate": "\u2067x\u2069",
    "del": "\x7f",
}
ZWNJ, ZWJ = "\u200c", "\u200d"


def _docs() -> list[dict[str, str]]:
    docs = [
        {
            "id": f"{name}-{attack}",
            "title": f"المكتبة {attack} عنوان",
            "body": f"ذهب {attack}الطلاب إلى المكتبة{attack} اليوم",
        }
        for name, attack in ATTACKS.items()
    ]
    docs.append({"id": "<b>&\"'", "title": "المكتبة", "body": "المكتبة <script>alert(1)</script>"})
    docs.append({"id": "joiners", "title": f"المكتبة مع{ZWNJ}ها", "body": f"المك{ZWJ}تبة مع{ZWNJ}ها"})
    return docs


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def build(index_dir: Path, docs: list[dict[str, str]]) -> Path:
    rows = index_dir.parent / f"{index_dir.name}-docs.jsonl"
    rows.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    code, _, err = run("index", str(index_dir), str(rows))
    assert code == 0, err
    return index_dir


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("terminal") / "ix", _docs())


def raw_controls(output: str, fmt: str = "text") -> list[str]:
    """The forbidden characters of ``output`` (the ansi format's own codes taken out first)."""
    if fmt == "ansi":
        for code in ANSI_OWN:
            output = output.replace(code, "")
    return FORBIDDEN.findall(output)


# -- the helpers -------------------------------------------------------------------------------


def test_printable_escapes_controls_and_overrides_only() -> None:
    assert printable("a\x1b[2Jb\x07\x9b\u202e\u2066\x7f\t\r") == "a\\x1b[2Jb\\x07\\x9b\\u202e\\u2066\\x7f\\x09\\x0d"
    kept = f"مع{ZWNJ}ها الم{ZWJ}كتبة\u200f\u200e\u061c\nسطر"  # joiners, bidi marks (not overrides), newline
    assert printable(kept) == kept
    assert printable_except("\x1b[1;33mX\x1b[0m\x1b]0;t\x07", ANSI_OWN) == "\x1b[1;33mX\x1b[0m\\x1b]0;t\\x07"


def test_json_printable_keeps_the_value() -> None:
    value = {"id": "".join(ATTACKS.values()), "n": [ZWNJ, ZWJ]}
    out = json_printable(json.dumps(value, ensure_ascii=False))
    assert not raw_controls(out)
    assert json.loads(out) == value


# -- search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_prints_no_control_character_of_a_document(ix: Path, fmt: str) -> None:
    code, out, err = run("search", "-i", str(ix), "المكتبة", "-n", "50", "--explain", "--format", fmt)
    assert code == 0, err
    assert raw_controls(out, fmt) == [] and raw_controls(err) == []
    for name, attack in ATTACKS.items():  # every document is listed, its id escaped visibly
        assert " " + printable(" ".join(f"{name}-{attack}".split())) in out, name  # whitespace runs: one space
    assert "\\x1b]0;pwned\\x07 عنوان" in out  # the title's attack, visible
    assert "\\x1b]8;;https://evil.example/\\x1b\\click" in out
    if fmt == "ansi":  # the format's own colours are still there
        assert "\x1b[1;33m" in out and "\x1b[0m" in out


def test_html_format_escapes_the_id(ix: Path) -> None:
    code, out, _ = run("search", "-i", str(ix), "المكتبة", "-n", "50", "--format", "html")
    assert code == 0
    assert " &lt;b&gt;&amp;&quot;&#x27;  score" in out
    assert "<b>" not in out and "<script>" not in out
    assert "&lt;script&gt;" in out  # the body, escaped by the highlighter


def test_joining_marks_are_kept(ix: Path) -> None:
    for fmt in FORMATS:
        code, out, _ = run("search", "-i", str(ix), "المكتبة", "-n", "50", "--format", fmt)
        assert code == 0
        block = out[out.index(" joiners") :]
        assert ZWNJ in block and ZWJ in block, fmt


def test_json_output_is_escaped_and_exact(ix: Path) -> None:
    code, out, _ = run("search", "-i", str(ix), "المكتبة", "-n", "50", "--json", "--explain")
    assert code == 0
    assert raw_controls(out) == []
    ids = {json.loads(line)["id"] for line in out.splitlines()}
    assert ids == {d["id"] for d in _docs()}


def test_query_echo_and_warnings_are_escaped(ix: Path) -> None:
    query = "\x1b]0;q\x07foo:المكتبة \u202e"
    code, out, err = run("search", "-i", str(ix), query, "-n", "1", "--format", "text")
    assert code == 0
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert "\\x1b]0;q\\x07" in out  # the header's echo of the query
    code, out, err = run("search", "-i", str(ix), "zzz\x1b[2J", "--format", "text")
    assert raw_controls(out) == [] and raw_controls(err) == []


def test_a_cut_query_warns_on_stderr(ix: Path) -> None:
    code, out, err = run("search", "-i", str(ix), " ".join(["حشو"] * 70 + ["المكتبة"]), "--format", "text")
    assert code == 1  # no hits
    assert out.strip() == "no results"
    assert err == "arsearch: warning: the query was cut to its first 64 words, phrases and prefixes (7 more not searched)\n"


# -- analyze, stats, errors -------------------------------------------------------------------------


def test_analyze_escapes_its_text() -> None:
    text = "كتاب\x1b]0;t\x07 المكتبة\u202e \x9b2J"
    for args in ((), ("--json",), ("--keep-stopwords",)):
        code, out, err = run("analyze", text, *args)
        assert code == 0, err
        assert raw_controls(out) == [], args
    code, out, _ = run("analyze", "--json", text)
    assert json.loads(out)["text"] == text  # JSON escapes, and keeps the text


def test_stats_and_errors_escape_an_index_path(tmp_path: Path) -> None:
    ix = build(tmp_path / "ix\x1b]0;t\x07\u202e", [{"id": "1", "title": "t", "body": "المكتبة"}])
    for args in (("stats", str(ix)), ("stats", str(ix), "--json")):
        code, out, err = run(*args)
        assert code == 0, err
        assert raw_controls(out) == [] and "\\u202e" in out, args
    missing = str(tmp_path / "missing\x1b[2J\x07")
    for args in (("search", "-i", missing, "x"), ("stats", missing), ("unlock", missing)):
        code, out, err = run(*args)
        assert code == 1 and out == ""
        assert err.startswith("arsearch: error: ") and err.count("\n") == 1, err
        assert raw_controls(err) == [] and "missing\\x1b[2J\\x07" in err, args


def test_index_reports_escape_file_names_and_ids(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty\x1b]0;t\x07.txt").write_bytes(b"")
    (docs / "rows.jsonl").write_text(
        json.dumps({"id": "nul\x00\x1b[2J", "body": "المكتبة"}) + "\n" + json.dumps({"id": "ok", "body": "المكتبة"}) + "\n",
        encoding="utf-8",
    )
    code, _, err = run("index", str(tmp_path / "ix"), str(docs))
    assert code == 0, err
    assert raw_controls(err) == []
    assert "empty\\x1b]0;t\\x07.txt: empty file" in err
    assert "document id 'nul\\x00\\x1b[2J' contains a NUL character" in err  # the id, as repr() shows it


# -- any document -----------------------------------------------------------------------------------

#: Characters that stress the terminal, mixed with Arabic letters and anything else.
_NASTY = list("\x00\x01\x07\x08\t\n\r\x1b\x7f\x85\x9b\x9c\x9d[];\\<>&\"'") + [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    ZWNJ, ZWJ, "\u200f", "ـ", "ك", "ت", "ا", "ب", " ",
]
_TEXT = st.text(st.one_of(st.sampled_from(_NASTY), st.characters(codec="utf-8")), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc_id=_TEXT, title=_TEXT, body=_TEXT, query=_TEXT)
def test_any_document_prints_no_control_character(doc_id: str, title: str, body: str, query: str) -> None:
    """Whatever a document's id, title and body hold, and whatever the
    query adds, each format prints no control character but its own."""
    doc = {"id": "d" + doc_id.replace("\x00", ""), "title": title + " كتاب", "body": f"{body} كتاب {body}"}
    with tempfile.TemporaryDirectory() as tmp:
        ix = build(Path(tmp) / "ix", [doc])
        for fmt in FORMATS:
            code, out, err = run("search", "-i", str(ix), "كتاب", "--explain", "--format", fmt)
            assert code == 0, err
            assert "1 result" in out, out  # the document is printed
            assert raw_controls(out, fmt) == [] and raw_controls(err) == [], (fmt, out)
        code, out, _ = run("search", "-i", str(ix), "كتاب", "--json")
        assert raw_controls(out) == []
        assert [json.loads(line)["id"] for line in out.splitlines()] == [doc["id"]]
        # the query's own text (echoed, in warnings, in suggestions), whether it finds the document or not
        for fmt in FORMATS:
            code, out, err = run("search", "-i", str(ix), f"كتاب {query}", "--explain", "--format", fmt)
            assert code == (1 if "no results" in out.splitlines() else 0), err  # grep's convention: 1 with no hits
            assert raw_controls(out, fmt) == [] and raw_controls(err) == [], (fmt, out, err)
