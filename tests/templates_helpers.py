"""Helpers shared by the tests/test_templates_*.py modules: the small source fixture and its compiled form."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.templates.build import compile_source, write

FIXTURE_SOURCE = Path(__file__).resolve().parent / "fixtures" / "templates_source"
# What the fixture declares: 2 level-1 files, 8 leaf matters, 21 templates.
FIXTURE_COUNTS = {"l1": 2, "leaves": 8, "templates": 21}


def copy_source(dst: Path) -> Path:
    """A writable copy of the fixture source folder."""
    shutil.copytree(FIXTURE_SOURCE, dst)
    return dst


def compiled_fixture(dst: Path) -> Path:
    """The fixture compiled into `dst` (categories.jsonl, fields.jsonl, templates.jsonl)."""
    write(compile_source(FIXTURE_SOURCE, expected=FIXTURE_COUNTS), dst)
    return dst


def line_of(path: Path, needle: str) -> int:
    """1-based line number of the first line containing `needle`."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")
