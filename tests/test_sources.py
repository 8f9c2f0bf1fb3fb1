"""Tests for :func:`arsearch.sources.iter_documents`: input files into documents."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from arsearch import DocumentError
from arsearch.sources import iter_documents


def jsonl(rows: list[object]) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)


def collect_errors(paths: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The documents in ``paths`` and the (where, reason) of each input skipped."""
    errors: list[tuple[str, str]] = []
    docs = list(iter_documents(paths, lambda where, why: errors.append((where, why)), **kwargs))
    return docs, errors


def test_txt_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("\n  عنوان المقال  \nذهب الطلاب إلى المكتبة\n", encoding="utf-8")
    docs, errors = collect_errors(path)  # one path, not a list
    assert errors == []
    assert docs == [
        {"id": f"{tmp_path.name}/a.txt", "title": "عنوان المقال", "body": "\n  عنوان المقال  \nذهب الطلاب إلى المكتبة\n"}
    ]


def test_jsonl_and_jsonl_gz(tmp_path: Path) -> None:
    plain = tmp_path / "a.jsonl"
    plain.write_text(
        jsonl([{"id": "j1", "title": "المكتبة", "text": "نص", "author": "dropped"}, {"id": 2, "body": "الملعب"}]),
        encoding="utf-8",
    )
    packed = tmp_path / "b.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as f:
        f.write(jsonl([{"id": "g1", "title": "أرشيف", "body": "كتب مضغوطة"}]))
    docs, errors = collect_errors([str(plain), packed])
    assert errors == []
    assert docs == [
        {"id": "j1", "title": "المكتبة", "body": "نص"},  # "text" is the body; undeclared keys dropped
        {"id": 2, "body": "الملعب"},
        {"id": "g1", "title": "أرشيف", "body": "كتب مضغوطة"},
    ]


def test_declared_fields_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(jsonl([{"id": "x", "body": "نص", "source": "bbc", "other": 1}]), encoding="utf-8")
    docs, _ = collect_errors(path, fields={"body": "text", "source": "keyword"})
    assert docs == [{"id": "x", "body": "نص", "source": "bbc"}]


def test_folders_are_walked_recursively_in_order(tmp_path: Path) -> None:
    docs_dir = tmp_path / "docs"
    (docs_dir / "sub" / "deeper").mkdir(parents=True)
    (docs_dir / ".hidden").mkdir()
    (docs_dir / "b.txt").write_text("ب", encoding="utf-8")
    (docs_dir / "a.TXT").write_text("أ", encoding="utf-8")  # endings are matched case-insensitively
    (docs_dir / "notes.md").write_text("not an input", encoding="utf-8")
    (docs_dir / "sub" / "deeper" / "c.txt").write_text("ج", encoding="utf-8")
    (docs_dir / "sub" / "rows.jsonl").write_text(jsonl([{"id": "r1", "body": "د"}]), encoding="utf-8")
    (docs_dir / ".hidden" / "x.txt").write_text("skipped", encoding="utf-8")
    docs, errors = collect_errors(docs_dir)
    assert errors == []
    root = "docs"  # ids are canonical: the folder's name, then the path inside it
    # a folder's files (sorted) come before its subfolders' (sorted)
    assert [d["id"] for d in docs] == [f"{root}/a.TXT", f"{root}/b.txt", "r1", f"{root}/sub/deeper/c.txt"]


def test_bad_inputs_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("عنوان\nنص", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("مكتبة".encode() + b" \xff\xfe caf\xe9")  # UTF-8, then other bytes
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00def")
    (tmp_path / "not-gzip.jsonl.gz").write_bytes(b"plain text")
    rows = [{"id": "r1", "body": "نص"}, '{"id": "r2"', [1, 2], {"id": "r1", "body": "again"}, {"id": "r3"}]
    (tmp_path / "rows.jsonl").write_text(jsonl(rows), encoding="utf-8")
    missing = tmp_path / "missing.txt"
    docs, errors = collect_errors([tmp_path, missing])
    assert [d["id"] for d in docs] == [f"{tmp_path.name}/good.txt", "r1"]
    reasons = {Path(where).name: why for where, why in errors}
    assert reasons == {
        "binary.txt": "contains NUL bytes (a binary file, or UTF-16 without a byte-order mark: give --encoding utf-16-le)",
        "empty.txt": "empty file",
        "latin1.txt": "not valid UTF-8 (byte 0xff at offset 11), and it does not read as Arabic in cp1256 or iso-8859-6 either; give its encoding with --encoding NAME",
        "not-gzip.jsonl.gz": "not a gzip file",
        "rows.jsonl line 2": "broken JSON (Expecting ',' delimiter at column 12)",
        "rows.jsonl line 3": "expected a JSON object, got array",
        "rows.jsonl line 4": f"duplicate id 'r1' (first read from {(tmp_path / 'rows.jsonl').as_posix()} line 1)",
        "rows.jsonl line 5": "document 'r3' has no text (expected title, body or text)",
        "missing.txt": "no such file or folder",
    }


def test_without_on_error_the_first_bad_input_raises(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(jsonl([{"id": "ok", "body": "نص"}, "{broken"]), encoding="utf-8")
    docs = iter_documents([path])
    assert next(docs)["id"] == "ok"
    with pytest.raises(DocumentError, match=r"rows\.jsonl line 2: broken JSON"):
        next(docs)
