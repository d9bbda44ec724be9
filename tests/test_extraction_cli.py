"""`assistant extract` and the accuracy scoring the benchmark uses."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.extraction.evaluation import char_f1, exact, markdown_table, score
from assistant.extraction.ticket import GOLD_KEYS

FIXTURE = Path(__file__).parent / "fixtures" / "extraction" / "calls.jsonl"


def test_extract_text_mode_writes_one_ticket_per_call(tmp_path):
    out = tmp_path / "preds.jsonl"
    result = CliRunner().invoke(app, ["extract", "--calls", str(FIXTURE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["fx-noise", "fx-wage", "fx-anon"]
    for x in lines:
        assert set(x["ticket"]) == {*GOLD_KEYS, "template_id", "handling_unit"}
    wage = lines[1]["ticket"]
    assert (wage["caller_phone"], wage["amount"], wage["caller_name"]) == ("13500186273", "15000元", "欧阳明")
    assert lines[2]["ticket"]["caller_name"] is None and lines[2]["ticket"]["district"] is None


def test_extract_refuses_a_malformed_call_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "turns": [{"speaker": "robot", "text": "hi"}]}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "--calls", str(bad), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code != 0
    assert "bad.jsonl:1" in result.output
    result = CliRunner().invoke(app, ["extract", "--calls", str(tmp_path / "missing.jsonl"), "--out",
                                      str(tmp_path / "o.jsonl")])
    assert result.exit_code != 0 and "not found" in result.output


def test_extract_audio_mode_feeds_recognised_segments(tmp_path, monkeypatch):
    """The audio branch takes DIR/ID.stereo16k.wav through assistant.transcription (replaced here by a stand-in
    that returns known segments; the real pipeline is exercised by the ASR tests)."""
    seen = []

    def transcribe_file(path):
        seen.append(Path(path).name)
        seg = types.SimpleNamespace
        return [seg(speaker="caller", text="我要投诉，电话一三八，零零一一，二二三三。", start_s=0.5, end_s=3.0,
                    segment_id="c0"),
                seg(speaker="agent", text="一三八零零一一二二三三，对吗？", start_s=3.5, end_s=5.0, segment_id="a0"),
                seg(speaker="caller", text="对。", start_s=5.2, end_s=5.5, segment_id="c1")]

    monkeypatch.setitem(sys.modules, "assistant.transcription", types.SimpleNamespace(transcribe_file=transcribe_file))
    for cid in ("fx-noise", "fx-wage", "fx-anon"):
        (tmp_path / f"{cid}.stereo16k.wav").write_bytes(b"")
    out = tmp_path / "preds.jsonl"
    result = CliRunner().invoke(app, ["extract", "--calls", str(FIXTURE), "--out", str(out), "--audio",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen == ["fx-noise.stereo16k.wav", "fx-wage.stereo16k.wav", "fx-anon.stereo16k.wav"]
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])["ticket"]
    assert first["caller_phone"] == "13800112233" and first["appeal_type"] == "投诉"


def test_scoring_normalises_lightly():
    assert exact("白云区", " 白云区。") == 1.0
    assert exact("１３８", "138") == 1.0
    assert exact(None, None) == 1.0 and exact("王先生", None) == 0.0
    assert char_f1("握山新村15栋", "握山新村15栋楼下") == pytest.approx(2 * 1 * (7 / 9) / (1 + 7 / 9))
    assert char_f1(None, None) == 1.0 and char_f1("x", None) == 0.0


def test_score_and_table():
    gold = {"a": dict.fromkeys(GOLD_KEYS) | {"caller_phone": "13800000000", "address": "云景花园7栋"}}
    pred = {"a": dict.fromkeys(GOLD_KEYS) | {"caller_phone": "13800000000", "address": "云景花园"}}
    result = score(pred, gold)
    assert result["fields"]["caller_phone"] == 1.0
    assert 0 < result["fields"]["address"] < 1
    assert result["targets"]["caller_phone"]["met"]
    table = markdown_table(result)
    assert "| caller_phone | exact | 1.000 |" in table
    missing = score({}, gold)
    assert missing["missing_predictions"] == ["a"] and missing["fields"]["caller_phone"] == 0.0
