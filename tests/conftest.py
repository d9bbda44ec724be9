"""Shared fixtures. Real models, real audio: a missing model or data folder is an error, not a skip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import get_settings

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    d = get_settings().data_dir
    assert d is not None and d.is_dir(), "shared data folder not found: set ASSISTANT_DATA_DIR"
    return d


@pytest.fixture(scope="session")
def dev_calls(data_dir) -> dict[str, dict]:
    with open(data_dir / "calls" / "dev" / "calls.jsonl", encoding="utf-8") as f:
        return {c["id"]: c for c in map(json.loads, f)}


@pytest.fixture(scope="session")
def dev_timings(data_dir) -> dict[str, dict]:
    with open(data_dir / "calls" / "dev" / "audio" / "timings.jsonl", encoding="utf-8") as f:
        return {c["id"]: c for c in map(json.loads, f)}


@pytest.fixture(scope="session")
def whisper_engine():
    from assistant.engines import get_engine

    return get_engine("whisper")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright (no browser download). Module-scoped: Playwright's sync
    API keeps an event loop in the test thread while it lives."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield b
        b.close()
