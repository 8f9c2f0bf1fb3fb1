"""Input formats, encodings, field mapping and canonical file ids: the library
readers (:func:`arsearch.read_documents`, :func:`arsearch.map_documents`,
``Index.add_many(extra=)``) and ``arsearch index`` through its entry point.
Runs on both engines (tests/conftest.py, ``ENGINE_INDEPENDENT``)."""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from arsearch import DocumentError, Index, map_documents, read_documents
from arsearch.cli import main

ARTICLE = "ذهب الطلاب إلى المكتبة العامة في المدينة لقراءة الكتب الجديدة"
TITLE = "المكتبة العامة"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def read(paths: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    docs = list(read_documents(paths, lambda where, why: errors.append((where, why)), **kwargs))
    return docs, errors


def indexed(ix_dir: Path) -> dict[str, dict[str, Any]]:
    """Every document of the index at ``ix_dir``, by id (found by a search for a word all of them hold)."""
    with Index.open(ix_dir) as ix:
        return {h.id: h.fields for h in ix.search("المكتبة OR الملعب", limit=100)}


# -- formats ---------------------------------------------------------------------------------------


def test_csv_with_header_quoted_cells_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(
        'id,title,body\r\n1,"المكتبة، والملعب","نص فيه ""اقتباس""،\r\nوسطر ثان"\r\n2,الملعب,لعب الأطفال\r\n'.encode()
    )
    docs, errors = read(path)
    assert errors == []
    assert docs == [
        {"id": "1", "title": "المكتبة، والملعب", "body": 'نص فيه "اقتباس"،\nوسطر ثان'},  # line ends made \n
        {"id": "2", "title": "الملعب", "body": "لعب الأطفال"},
    ]


def test_tsv_has_no_quoting(tmp_path: Path) -> None:
    """A TSV cell may start with a quote (qa-dev's corpus.tsv does): it is text, not CSV quoting."""
    path = tmp_path / "a.tsv"
    path.write_text('id\ttitle\ttext\nd1\t"الدولة"\t"الدولة الإسلامية" تنظيم\n', encoding="utf-8")
    docs, errors = read(path)
    assert errors == []
    assert docs == [{"id": "d1", "title": '"الدولة"', "body": '"الدولة الإسلامية" تنظيم'}]


def test_json_array_and_ndjson(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        json.dumps([{"id": "j1", "text": "نص أول"}, 5, {"id": "j2", "title": "عنوان", "body": "نص ثان"}], ensure_ascii=False),
        encoding="utf-8",
    )
    (tmp_path / "b.ndjson").write_text('{"id": "n1", "text": "سطر"}\n\n{"id": "n2", "text": "سطر آخر"}\n', encoding="utf-8")
    (tmp_path / "c.json").write_text('{"id": "x", "text": "ليس مصفوفة"}', encoding="utf-8")
    docs, errors = read(tmp_path)
    assert [d["id"] for d in docs] == ["j1", "j2", "n1", "n2"]
    assert {Path(w).name: why for w, why in errors} == {
        "a.json item 2": "expected a JSON object, got number",
        "c.json": "expected a JSON array of objects, got object",
    }


def test_gzipped_csv(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("id,text\nz1,نص مضغوط\n")
    assert read(path) == ([{"id": "z1", "body": "نص مضغوط"}], [])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"id": "a", "text": "نص"}]', [{"id": "a", "body": "نص"}]),
        ('{"id": "a", "text": "نص"}\n{"id": "b", "text": "نص"}\n', [{"id": "a", "body": "نص"}, {"id": "b", "body": "نص"}]),
        ("id,text\na,نص\nb,نص آخر\n", [{"id": "a", "body": "نص"}, {"id": "b", "body": "نص آخر"}]),
        ("id\ttext\na\tنص، مع فاصلة\n", [{"id": "a", "body": "نص، مع فاصلة"}]),
        # commas in prose, lines of different shapes: plain text
        ("المكتبة, العامة\nذهب الطلاب إلى المكتبة, ثم عادوا, وقرأوا\n", "txt"),
    ],
)
def test_files_without_extension_are_sniffed(tmp_path: Path, content: str, expected: Any) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "README").write_text(content, encoding="utf-8")
    docs, errors = read(folder)
    assert errors == []
    if expected == "txt":
        assert docs == [{"id": "corpus/README", "title": "المكتبة, العامة", "body": content}]
    else:
        assert docs == expected


def test_format_forces_the_format_of_other_extensions(tmp_path: Path) -> None:
    path = tmp_path / "dump.dat"
    path.write_text('{"id": "a", "text": "نص"}\n', encoding="utf-8")
    assert read(path)[1] == [(path.as_posix(), "unsupported file type (expected .txt, .jsonl, .ndjson, .json, .csv or .tsv, or give --format)")]
    assert read(path, format="ndjson") == ([{"id": "a", "body": "نص"}], [])


def test_csv_row_errors_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,text,year\na,نص,2019\nb,نص\nc,نص,عام\n,نص,2020\n", encoding="utf-8")
    docs, errors = read(path, fields={"body": "text", "year": "numeric"})
    assert docs == [{"id": "a", "body": "نص", "year": 2019}, {"id": "", "body": "نص", "year": 2020}]
    assert [(Path(w).name, why) for w, why in errors] == [
        ("a.csv line 3", "2 cells; the header has 3"),
        ("a.csv line 4", "field 'year': not a number: 'عام'"),
    ]


def test_csv_header_must_name_distinct_columns(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,text,text\na,نص,نص\n", encoding="utf-8")
    assert read(path) == ([], [(path.as_posix(), "the header (line 1) has a repeated column name 'text'; the first line must name the columns")])


# -- encodings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["cp1256", "iso-8859-6", "utf-16", "utf-8-sig"])
def test_structured_files_in_each_encoding(tmp_path: Path, codec: str) -> None:
    rows = f"id,title,text\n1,{TITLE},{ARTICLE}\n2,الملعب,لعب الأطفال في الملعب\n"
    (tmp_path / "a.csv").write_bytes(rows.encode(codec))
    (tmp_path / "b.jsonl").write_bytes(json.dumps({"id": "j", "text": ARTICLE}, ensure_ascii=False).encode(codec))
    docs, errors = read(tmp_path)
    assert errors == []
    assert docs == [
        {"id": "1", "title": TITLE, "body": ARTICLE},  # a UTF-8 BOM is not part of the first column's name
        {"id": "2", "title": "الملعب", "body": "لعب الأطفال في الملعب"},
        {"id": "j", "body": ARTICLE},
    ]


def test_mojibake_file_is_skipped_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(f"{TITLE}\n{ARTICLE}".encode().decode("cp1252", "replace").encode())
    docs, errors = read(path)
    assert docs == []
    assert errors[0][1].startswith("looks like mojibake: UTF-8 text that was decoded as a single-byte code page")


def test_a_non_utf8_line_after_the_sample_is_skipped_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import arsearch.sources as sources

    monkeypatch.setattr(sources, "SAMPLE_BYTES", 64)  # the encoding is chosen on the first 64 bytes
    path = tmp_path / "a.jsonl"
    good = json.dumps({"id": "a", "text": ARTICLE}, ensure_ascii=False).encode()
    bad = json.dumps({"id": "b", "text": ARTICLE}, ensure_ascii=False).encode("utf-8").replace("ذهب".encode(), "ذهب".encode("cp1256"))
    path.write_bytes(good + b"\n" + bad + b"\n" + good.replace(b'"a"', b'"c"') + b"\n")
    docs, errors = read(path)
    assert [d["id"] for d in docs] == ["a", "c"]
    assert errors == [(f"{path.as_posix()} line 2", "not valid UTF-8 (byte 0xd0 at column 22)")]


# -- mapping ----------------------------------------------------------------------------------------


def test_read_documents_maps_keys_and_converts_values(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        "url,headline,content,year,day,source,lang\n"
        f"u1,{TITLE},{ARTICLE},2019,2019-05-01,bbc,ar\n"
        "u2,الملعب,لعب الأطفال,,2020-01-02T10:30:00+02:00,,ar\n",
        encoding="utf-8",
    )
    fields = {"title": "text", "body": "text", "year": "numeric", "day": "date", "source": "keyword"}
    docs, errors = read(path, fields=fields, id="url", title="headline", text="content")
    assert errors == []
    assert docs == [
        {"id": "u1", "title": TITLE, "body": ARTICLE, "year": 2019, "day": dt.datetime(2019, 5, 1), "source": "bbc"},
        {"id": "u2", "title": "الملعب", "body": "لعب الأطفال", "year": None, "day": dt.datetime(2020, 1, 2, 8, 30), "source": None},
    ]
    docs, errors = read(path, fields=fields, id="url", title="headline", text="content", extra="error")
    assert docs == [] and errors[0][1].startswith("unknown key 'lang'")


def test_map_documents_then_add_many(tmp_path: Path) -> None:
    """The JSON lines the CLI takes (``text``, an undeclared ``source``) go into the library's index."""
    rows = [
        {"id": "1", "title": TITLE, "text": ARTICLE, "source": "bbc"},
        {"id": "2", "title": "الملعب", "text": "لعب الأطفال في الملعب", "source": "cnn"},
    ]
    with Index.create(tmp_path / "ix") as ix:
        with pytest.raises(DocumentError, match="unknown field 'text'"):
            ix.add_many(rows)
        assert ix.add_many(map_documents(rows, ix.fields)) == 2
    with Index.open(tmp_path / "ix") as ix:
        assert ix.get("1") == {"id": "1", "title": TITLE, "body": ARTICLE}


def test_add_many_extra_ignore_drops_unknown_keys(tmp_path: Path) -> None:
    rows = [{"id": "1", "body": ARTICLE, "source": "bbc", "views": 3}]
    with Index.create(tmp_path / "ix") as ix:
        with pytest.raises(DocumentError, match="unknown field 'source'"):
            ix.add_many(rows)
        assert ix.add_many(rows, extra="ignore") == 1
        ix.add({"id": "2", "body": "نص", "lang": "ar"}, extra="ignore")
        with pytest.raises(ValueError, match="extra must be"):
            ix.add(rows[0], extra="drop")  # type: ignore[arg-type]
    with Index.open(tmp_path / "ix") as ix:
        assert ix.get("1") == {"id": "1", "body": ARTICLE}
        assert len(ix) == 2


# -- canonical ids ---------------------------------------------------------------------------------


def test_a_folder_typed_three_ways_gives_the_same_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "txt"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(f"{TITLE}\n{ARTICLE}", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("الملعب\nلعب الأطفال في الملعب", encoding="utf-8")
    ix = tmp_path / "ix"
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "index", str(ix), "txt")[0] == 0
    assert run(capsys, "index", str(ix), str(folder.resolve()))[0] == 0
    monkeypatch.chdir(folder)
    assert run(capsys, "index", str(ix), ".")[0] == 0
    assert run(capsys, "index", str(ix), "a.txt")[0] == 0  # a file alone: its folder's name, then its own
    assert run(capsys, "index", str(ix), "./sub/../")[0] == 0
    assert sorted(indexed(ix)) == ["txt/a.txt", "txt/sub/b.txt"]


# -- the command line ---------------------------------------------------------------------------------


def test_cli_cp1256_txt_files_and_forced_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "a.txt").write_bytes(f"{TITLE}\n{ARTICLE}".encode("cp1256"))
    (folder / "b.txt").write_bytes("الملعب\nلعب الأطفال في الملعب".encode("iso-8859-6"))
    (folder / "c.txt").write_bytes(ARTICLE.encode().decode("cp1256").encode())  # mojibake
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(folder))
    assert code == 0, err
    assert "skipped" in err and "c.txt: looks like mojibake" in err
    docs = indexed(tmp_path / "ix")
    assert sorted(docs) == ["archive/a.txt", "archive/b.txt"]
    assert docs["archive/a.txt"]["body"] == f"{TITLE}\n{ARTICLE}"
    assert docs["archive/b.txt"]["title"] == "الملعب"
    # --encoding forces a code page: the ISO-8859-6 file read as cp1256 is not the text
    code, _, err = run(capsys, "index", str(tmp_path / "ix2"), str(folder / "b.txt"), "--encoding", "windows-1256")
    assert code == 0, err
    with Index.open(tmp_path / "ix2") as ix:
        assert ix.get("archive/b.txt")["title"] != "الملعب"
    code, _, err = run(capsys, "index", str(tmp_path / "ix3"), str(folder), "--encoding", "klingon")
    assert code == 2 and "unknown encoding 'klingon'" in err


def test_cli_csv_with_mapping_and_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_bytes(
        (
            "url,headline,content,year,day,source\n"
            f"u1,{TITLE},{ARTICLE},2019,2019-05-01,bbc\n"
            "u2,الملعب,لعب الأطفال في الملعب والمكتبة,2021,2021-03-04,cnn\n"
        ).encode("cp1256")
    )
    ix = tmp_path / "ix"
    code, _, err = run(
        capsys, "index", str(ix), str(posts), "--id", "url", "--title", "headline", "--text", "content",
        "--field", "year:numeric", "--field", "day:date", "--field", "source:keyword",
    )
    assert code == 0, err
    assert "indexed 2 documents from 1 file" in err
    with Index.open(ix) as index:
        assert {n: f.kind for n, f in index.fields.items()} == {
            "title": "text", "body": "text", "year": "numeric", "day": "date", "source": "keyword"
        }
        assert [h.id for h in index.search("المكتبة", filter={"year": (2020, 2022)})] == ["u2"]
        assert [h.id for h in index.search("المكتبة", filter={"source": "bbc"})] == ["u1"]
        assert index.get("u1")["day"] == dt.datetime(2019, 5, 1)
    # an existing index: the fields must agree
    code, _, err = run(capsys, "index", str(ix), str(posts), "--id", "url", "--field", "year:date")
    assert code == 2 and "the field 'year' is numeric, not date" in err
    code, _, err = run(capsys, "index", str(ix), str(posts), "--id", "url", "--field", "views:numeric")
    assert code == 2 and "there is no field 'views'" in err and "--rebuild" in err
    code, _, err = run(capsys, "index", str(ix), str(posts), "--field", "year")
    assert code == 2 and "expected NAME:KIND" in err
    # --rebuild adds a field to the old ones
    code, _, err = run(capsys, "index", "--rebuild", str(ix), str(posts), "--id", "url", "--text", "content", "--field", "views:numeric")
    assert code == 0, err
    with Index.open(ix) as index:
        assert set(index.fields) == {"title", "body", "year", "day", "source", "views"}


def test_cli_without_id_column_says_which_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(f"url,text\nu1,{ARTICLE}\n", encoding="utf-8")
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(posts))
    assert code == 1
    assert "posts.csv line 2: no 'id' key (the document's id); name the id key (e.g. --id KEY)" in err


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv", "tsv", "txt", None])
def test_cli_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str | None) -> None:
    data = {
        "ndjson": json.dumps({"id": "s1", "text": ARTICLE}, ensure_ascii=False) + "\n",
        "json": json.dumps([{"id": "s1", "text": ARTICLE}], ensure_ascii=False),
        "csv": f"id,text\ns1,{ARTICLE}\n",
        "tsv": f"id\ttext\ns1\t{ARTICLE}\n",
        "txt": f"{TITLE}\n{ARTICLE}\n",
        None: f"id\ttext\ns1\t{ARTICLE}\n",  # sniffed
    }[fmt]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("cp1256"))))
    args = ["index", str(tmp_path / "ix"), "-"] + (["--format", fmt] if fmt else [])
    code, _, err = run(capsys, *args)
    assert code == 0, err
    with Index.open(tmp_path / "ix") as ix:
        doc_id = "<stdin>" if fmt == "txt" else "s1"
        assert ix.get(doc_id)["body"].strip() == (f"{TITLE}\n{ARTICLE}" if fmt == "txt" else ARTICLE)


def test_cli_utf16_tsv_from_a_spreadsheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Excel's "Unicode text" export: UTF-16 LE with a BOM, tab-separated, CRLF."""
    path = tmp_path / "sheet.tsv"
    path.write_bytes(codecs.BOM_UTF16_LE + f"id\ttitle\tbody\r\nx1\t{TITLE}\t{ARTICLE}\r\n".encode("utf-16-le"))
    code, _, err = run(capsys, "index", str(tmp_path / "ix"), str(path))
    assert code == 0, err
    assert indexed(tmp_path / "ix") == {"x1": {"title": TITLE, "body": ARTICLE}}


def test_console_script_reads_stdin(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("arsearch")
    env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1")
    data = (json.dumps({"id": "p1", "title": TITLE, "text": ARTICLE}, ensure_ascii=False) + "\n").encode("cp1256")
    r = subprocess.run(
        [str(script), "index", str(tmp_path / "ix"), "-", "--format", "ndjson"],
        input=data, capture_output=True, timeout=120, env=env,
    )
    assert r.returncode == 0, r.stderr.decode()
    r = subprocess.run(
        [str(script), "search", "-i", str(tmp_path / "ix"), "المكتبة", "--json"],
        capture_output=True, timeout=120, env=env,
    )
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == ["p1"]  # JSON Lines: one hit each


def test_format_applies_to_files_without_extension_in_folders_only(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "rows").write_text("id,text\na,نص\n", encoding="utf-8")  # sniffed as CSV without --format
    (folder / "notes.md").write_text("id,text\nb,نص\n", encoding="utf-8")  # another extension: not an input
    assert read(folder) == ([{"id": "a", "body": "نص"}], [])
    assert read(folder, format="txt") == ([{"id": "f/rows", "title": "id,text", "body": "id,text\na,نص\n"}], [])


def test_large_file_without_extension_sniffed_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import arsearch.sources as sources

    monkeypatch.setattr(sources, "SAMPLE_BYTES", 64)  # the file is larger than the sample
    path = tmp_path / "book"
    text = f"{TITLE}\n" + f"{ARTICLE}\n" * 20
    path.write_bytes(text.encode("cp1256"))
    assert read(path) == ([{"id": f"{tmp_path.name}/book", "title": TITLE, "body": text}], [])
