"""The wheel holds every package of the source tree (pyproject lists them by hand)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "arsearch").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"not in [tool.setuptools] packages: {sorted(found - listed)}"
    assert "arsearch.seeds" in listed and "*.jsonl.gz" in config["tool"]["setuptools"]["package-data"]["arsearch.seeds"]
