"""``arsearch search`` through the real entry point: --filter, --sort, --facet,
JSON Lines and --show, --format csv, highlighted titles, exit statuses (on
every engine: this module is in ``ENGINE_INDEPENDENT``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from arsearch import Index
from arsearch.cli import DEFAULT_SHOW, main

FIELDS = {"title": "text", "body": "text", "source": "keyword", "year": "numeric", "day": "date"}
DOCS: list[dict[str, Any]] = [
    {"id": "lib", "title": "المكتبة العامة", "body": "ذهب الطلاب إلى المكتبة لقراءة الكتب", "source": "BBC",
     "year": 2001, "day": dt.date(2020, 1, 2)},
    {"id": "field", "title": "الملعب", "body": "مكتبة صغيرة قرب الملعب\nسطر ثان، وفيه, فاصلة \"واقتباس\"",
     "source": ["cnn", "bbc"], "day": dt.date(2019, 1, 1)},
    {"id": "city", "title": "أخبار المدينة", "body": "مكتبات المدينة مفتوحة", "year": 2010, "source": "aljazeera"},
    {"id": "sea", "title": "البحر", "body": "رحلة إلى البحر", "year": 1999, "source": "cnn", "day": dt.date(2018, 5, 5)},
]
QUERY = "مكتبة"  # finds lib, field and city


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
    path = tmp_path_factory.mktemp("cli-search") / "ix"
    index = Index.create(path, FIELDS)
    with index:
        for doc in DOCS:
            index.add(doc)
    index.close()
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def search(capsys: pytest.CaptureFixture[str], ix: Path, *args: str) -> tuple[int, str, str]:
    return run(capsys, "search", "-i", str(ix), *args)


def jsonl_ids(out: str) -> list[str]:
    return [json.loads(line)["id"] for line in out.splitlines()]


def assert_usage_error(code: int, out: str, err: str, *words: str) -> None:
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arsearch: error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])


# -- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["source=bbc"], {"lib", "field"}),  # case-insensitive; one of field's two values
        (["source=BBC"], {"lib", "field"}),
        (["source=cnn,aljazeera"], {"field", "city"}),  # any of these
        (["source=cnn", "--filter", "source=aljazeera"], {"field", "city"}),  # repeated: any of these too
        (["year=2001"], {"lib"}),
        (["year=2000..2010"], {"lib", "city"}),  # both ends included
        (["year=2002.."], {"city"}),
        (["year=..2001"], {"lib"}),
        (["year=1999.5..2001.0"], {"lib"}),
        (["day=2019-01-01"], {"field"}),  # the whole day
        (["day=2019-01-01..2020-01-02"], {"lib", "field"}),
        (["day=2019-06-01.."], {"lib"}),
        (["day=..2019-01-01T12:00"], {"field"}),
        (["id=city"], {"city"}),
        (["source=bbc", "--filter", "year=2000.."], {"lib"}),  # all filters hold
    ],
)
def test_filters(ix: Path, capsys: pytest.CaptureFixture[str], filters: list[str], expected: set[str]) -> None:
    code, out, err = search(capsys, ix, QUERY, "--json", "--filter", *filters)
    assert code == 0, err
    assert set(jsonl_ids(out)) == expected


def test_a_filter_that_leaves_nothing_exits_1(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(capsys, ix, QUERY, "--filter", "source=nobody", "--format", "text")
    assert (code, out) == (1, "no results\n")
    code, out, _ = search(capsys, ix, QUERY, "--filter", "year=3000..", "--json")
    assert (code, out) == (1, "")


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("nope=1", ["no field 'nope'", "source (keyword)", "year (numeric)", "day (date)"]),
        ("title=x", ["'title' is a text field", "title:word"]),
        ("year=abc", ["'abc' is not a number"]),
        ("year=nan", ["not a finite number"]),
        ("day=2020-13-01", ["'2020-13-01' is not a date", "YYYY-MM-DD"]),
        ("day=2020-01-01T10:00+02:00", ["time zone"]),
        ("year=2010..2000", ["the range is empty"]),
        ("year=..", ["at least one end"]),
        ("year", ["expected FIELD=VALUE"]),
        ("=bbc", ["expected FIELD=VALUE"]),
        ("source=", ["give a value"]),
    ],
)
def test_bad_filters_are_usage_errors(ix: Path, capsys: pytest.CaptureFixture[str], spec: str, words: list[str]) -> None:
    assert_usage_error(*search(capsys, ix, QUERY, "--filter", spec), *words)


def test_a_numeric_field_filtered_twice_is_a_usage_error(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = search(capsys, ix, QUERY, "--filter", "year=2001", "--filter", "year=2010")
    assert_usage_error(code, out, err, "filtered twice")


# -- sort -------------------------------------------------------------------------------------


def test_sort_both_directions(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = search(capsys, ix, QUERY, "--json", "--sort", "year")
    assert jsonl_ids(out) == ["lib", "city", "field"]  # field has no year: last
    _, out, _ = search(capsys, ix, QUERY, "--json", "--sort", "-year")  # written as it reads
    assert jsonl_ids(out) == ["city", "lib", "field"]
    _, same, _ = search(capsys, ix, QUERY, "--json", "--sort=-year")
    assert same == out
    _, out, _ = search(capsys, ix, QUERY, "--json", "--sort", "-day", "-n", "2")
    assert jsonl_ids(out) == ["lib", "field"]
    _, out, _ = search(capsys, ix, QUERY, "--json", "--sort", "source")  # aljazeera < bbc (field: min of cnn,bbc)
    assert jsonl_ids(out)[0] == "city"
    _, out, _ = search(capsys, ix, QUERY, "--json", "--sort", "-source")  # field's largest value, cnn, first
    assert jsonl_ids(out) == ["field", "lib", "city"]
    _, plain, _ = search(capsys, ix, QUERY, "--json")
    _, by_year, _ = search(capsys, ix, QUERY, "--json", "--sort", "-year", "--format", "text")
    assert sorted(plain.splitlines()) != sorted(by_year.splitlines())  # ranks follow the sort
    assert {json.loads(line)["id"]: json.loads(line)["score"] for line in plain.splitlines()} == {
        json.loads(line)["id"]: json.loads(line)["score"] for line in by_year.splitlines()
    }


def test_sort_then_short_options_still_work(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = search(capsys, ix, QUERY, "--json", "--sort", "year", "-n", "1")
    assert code == 0, err
    assert jsonl_ids(out) == ["lib"]
    # "-n" after --sort is the option, not a descending field named n
    assert_usage_error(*search(capsys, ix, QUERY, "--sort", "-n", "1"), "--sort")


@pytest.mark.parametrize(
    ("sort", "words"),
    [("title", ["cannot sort by 'title': a text field"]), ("-nope", ["cannot sort by 'nope'", "year (numeric)"])],
)
def test_bad_sort_is_a_usage_error(ix: Path, capsys: pytest.CaptureFixture[str], sort: str, words: list[str]) -> None:
    assert_usage_error(*search(capsys, ix, QUERY, f"--sort={sort}"), *words)


# -- facets -----------------------------------------------------------------------------------


def test_facet_text_output_counts_all_hits(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = search(capsys, ix, QUERY, "--facet", "source", "-n", "1", "--format", "text")
    assert code == 0, err
    block = out[out.index("\nsource: ") :].strip().splitlines()
    assert block == ["source: 3 values in 3 hits", "  bbc        2", "  aljazeera  1", "  cnn        1"]
    code, out, _ = search(capsys, ix, QUERY, "--facet", "source", "-n", "0", "--filter", "year=2000..")
    assert out.splitlines() == [
        "2 results for \u201cمكتبة\u201d", "", "source: 2 values in 2 hits", "  aljazeera  1", "  bbc        1"
    ]


def test_facet_json_line(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(capsys, ix, QUERY, "--facet", "source", "--json", "-n", "1")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2 and lines[0]["rank"] == 1
    assert lines[1] == {"facets": {"source": {"bbc": 2, "aljazeera": 1, "cnn": 1}}, "total": 3}
    assert list(lines[1]["facets"]["source"]) == ["bbc", "aljazeera", "cnn"]


@pytest.mark.parametrize("field", ["year", "title", "nope"])
def test_facet_on_a_non_keyword_field_is_a_usage_error(ix: Path, capsys: pytest.CaptureFixture[str], field: str) -> None:
    assert_usage_error(*search(capsys, ix, QUERY, "--facet", field), f"cannot count values of '{field}'")


# -- JSON Lines and CSV -----------------------------------------------------------------------


def test_json_lines_default_columns(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(capsys, ix, QUERY, "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    assert all(tuple(row) == DEFAULT_SHOW for row in rows)  # not the whole body
    assert [row["rank"] for row in rows] == [1, 2, 3]
    lib = next(row for row in rows if row["id"] == "lib")
    assert lib["title"] == "[المكتبة] العامة" and "[المكتبة]" in lib["snippet"]


def test_json_lines_show(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(capsys, ix, QUERY, "--json", "--show", "id,year,day,source,body", "--sort", "-day")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0] == {"id": "lib", "year": 2001, "day": "2020-01-02T00:00:00", "source": "BBC", "body": DOCS[0]["body"]}
    assert rows[1]["body"] == DOCS[1]["body"] and rows[2]["day"] is None
    _, out, _ = search(capsys, ix, QUERY, "--json", "--show", "id", "--explain", "-n", "1")
    row = json.loads(out)
    assert list(row) == ["id", "explain"] and row["explain"][0]["word"] == QUERY
    _, out, _ = search(capsys, ix, QUERY, "--json", "--format", "html", "--show", "title", "--filter", "id=lib")
    assert json.loads(out) == {"title": "<mark>المكتبة</mark> العامة"}


def test_csv_parses_back(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = search(capsys, ix, QUERY, "--format", "csv", "--show", "rank,id,source,body,title", "--sort", "year")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["rank", "id", "source", "body", "title"]
    assert [r[1] for r in rows[1:]] == ["lib", "city", "field"]
    field = rows[3]
    assert field[2] == "cnn,bbc"  # a comma inside a value: quoted
    assert field[3] == DOCS[1]["body"]  # a newline, a comma and quotes survive the round trip
    assert rows[1][4] == "[المكتبة] العامة"
    code, out, _ = search(capsys, ix, QUERY, "--format", "csv")
    assert next(csv.reader(io.StringIO(out))) == list(DEFAULT_SHOW)
    code, out, _ = search(capsys, ix, "غائب", "--format", "csv")
    assert (code, out) == (1, ",".join(DEFAULT_SHOW) + "\n")  # the header only, exit 1


def test_csv_cells_are_escaped_for_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = Index.create(tmp_path / "ix", FIELDS)
    with index:
        index.add({"id": "x\x1b[2Jy", "title": "عنوان\u202e", "body": "مكتبة"})
    index.close()
    code, out, _ = search(capsys, tmp_path / "ix", QUERY, "--format", "csv", "--show", "id,title")
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out
    assert list(csv.reader(io.StringIO(out)))[1] == ["x\\x1b[2Jy", "عنوان\\u202e"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--show", "id"], ["--show chooses what --json and --format csv print"]),
        (["--json", "--format", "csv"], ["choose one of --json and --format csv"]),
        (["--format", "csv", "--facet", "source"], ["--facet prints with text or --json"]),
        (["--json", "--show", "id,nope"], ["unknown column 'nope'", "source"]),
        (["--json", "--show", ","], ["--show needs column names"]),
    ],
)
def test_bad_output_options_are_usage_errors(
    ix: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: list[str]
) -> None:
    assert_usage_error(*search(capsys, ix, QUERY, *args), *words)


# -- highlighted titles -----------------------------------------------------------------------


def test_titles_are_highlighted_where_they_matched(ix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = search(capsys, ix, QUERY, "--format", "text", "--filter", "id=lib")
    assert "   [المكتبة] العامة\n" in out
    _, out, _ = search(capsys, ix, QUERY, "--format", "text", "--filter", "id=field")
    assert "   الملعب\n" in out and "[الملعب]" not in out  # its title does not match: unmarked
    _, out, _ = search(capsys, ix, "المكتبة الملعب", "--format", "html", "--filter", "id=field")
    assert "   <mark>الملعب</mark>\n" in out
    _, out, _ = search(capsys, ix, QUERY, "--format", "ansi", "--filter", "id=lib")
    # bold title; the mark's reset is followed by bold again, so the rest of the title stays bold
    assert "   \x1b[1m\x1b[1;33mالمكتبة\x1b[0m\x1b[1m العامة\x1b[0m\n" in out


# -- the console script -----------------------------------------------------------------------


def test_console_script_filters_sorts_and_facets(ix: Path) -> None:
    script = Path(sys.executable).with_name("arsearch")
    if not script.is_file():
        pytest.skip("the arsearch console script is not installed next to this Python")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    args = [str(script), "search", "-i", str(ix), QUERY, "--filter", "year=2000..", "--sort", "-year", "--facet", "source", "--json"]
    r = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [line.get("id") for line in lines[:2]] == ["city", "lib"]
    assert lines[2] == {"facets": {"source": {"aljazeera": 1, "bbc": 1}}, "total": 2}
    r = subprocess.run([*args[:5], "--filter", "year=soon"], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("arsearch: error: --filter 'year=soon'")
