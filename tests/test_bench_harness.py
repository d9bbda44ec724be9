"""The latency benchmark harness end to end on a tiny load: 2 concurrent calls of a few seconds each."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def test_tiny_load_reports_every_stage(tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--levels", "2",
                           "--max-seconds", "12", "--seed", "3", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "latency.json").read_text())
    (level,) = report["levels"]
    assert level["concurrent_calls"] == 2 and len(level["calls"]) == 2
    for stage in ("vad_endpoint_s", "asr_decode_s", "extract_s", "final_latency_s", "field_latency_s"):
        assert level["stages"][stage]["n"] > 0, stage
        assert level["stages"][stage]["p95"] >= level["stages"][stage]["p50"] >= 0
    assert 0.3 <= level["stages"]["vad_endpoint_s"]["p50"] <= 1.0  # the configured hangover, in audio time
    assert level["rtf"] > 0 and level["cpu"] and level["rss_mb_max"] > 100
    assert level["partials_per_min"] > 0  # the live transcript reached the panel while the callers spoke
    assert level["caller_cer"] is None  # clipped calls have no reference to score against
    for png in report["plots"]:
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    md = (out / "latency.md").read_text()
    assert "p95 field" in md and "Capacity" in md


def test_live_transcript_is_scored_against_the_callers_words():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    refs = {"dev-001": "我要投诉烧烤店", "dev-002": "电话一三八"}
    calls = [{"file": "dev-001.stereo16k.wav", "caller_text": "我要投诉烧烤店"},
             {"file": "dev-002.stereo16k.wav", "caller_text": "电话138"}]
    assert run.live_cer(calls, refs) == 0.0  # numerals are compared as digits on both sides
    calls[1]["caller_text"] = "电话"
    assert run.live_cer(calls, refs) == round(3 / 12, 4)
    assert run.live_cer([{"file": "other.wav", "caller_text": "x"}], refs) is None
