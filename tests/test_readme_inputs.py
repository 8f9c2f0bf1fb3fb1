"""The README's "Input files" example runs verbatim, twice in a row, in a fresh folder, and prints what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_input_files_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Input files\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None, "the README's Input files section has no Python example"
    code = block.group(1)
    expected = [line[2:] for line in code.splitlines() if re.match(r"# [u{]", line)]  # the printed lines it shows
    assert len(expected) == 2
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # a second run must not fail on the files the first one left
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {})
        assert out.getvalue().splitlines() == expected
