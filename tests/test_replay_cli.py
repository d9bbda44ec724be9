"""`assistant replay`: a stored call's timeline from the store or over REST, and a recording re-run through the
pipeline at a chosen speed."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager

import pytest
import typer
from fastapi import FastAPI
from typer.testing import CliRunner

from assistant.config import Settings, get_settings
from assistant.replay_cli import replay
from assistant.server.hub import Hub
from assistant.server.qa_routes import router

from qa_helpers import seeded_store
from server_helpers import clip_call, free_port, serving

runner = CliRunner()
app = typer.Typer()
app.command()(replay)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """Settings pointing at a fresh cache folder (the store lives there)."""
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture()
def store(cache):
    return seeded_store(get_settings().database_url)


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_stored_call_timeline_and_diff(store):
    r = invoke("q1")
    assert r.exit_code == 0, r.output
    out = r.output
    lines = out.splitlines()
    assert lines[0].startswith("通话 q1 · 坐席 a1 · 已提交 · 开始 ") and lines[0].endswith("时长 24.0 s")
    caller = "[00:04.4–00:09.5] 市民：我们这里今天早上8点多就停电了，到现在都没来。"
    auto_time = "[00:09.6]   ↳ 自动 发生时间 = 今天早上8点多  75%  依据 市民「今天早上8点多」"
    assert caller in lines and auto_time in lines
    assert lines.index(caller) < lines.index(auto_time)  # a change follows the speech it came from
    assert "[00:09.6]   ↳ 自动 模板 = 计划停电（投诉）" in lines   # template ids shown by name
    assert "[00:15.0]   ↳ 自动 区 = 海珠区（置信度更新）  94%" in lines
    assert "[00:24.0]   ↳ 坐席 发生时间：清空（原为 今天早上8点多）" in lines
    assert "[00:24.0]   ↳ 坐席 详细地址：大唐新街36号 → 大塘新街36号" in lines
    diff = lines[lines.index("# 助手填写 vs 坐席提交"):]
    for expected in ["  采纳  模板：计划停电（投诉）", "  补填  来电人：（空） → 赵先生",
                     "  修改  详细地址：大唐新街36号 → 大塘新街36号", "  清空  发生时间：今天早上8点多 → （空）",
                     "  采纳  停供时长：到现在都没来"]:
        assert expected in diff
    assert not any("事项" in line for line in diff)  # derived from the template: not listed on its own
    assert diff[-1] == "模板首选：采纳；字段：采纳 3 · 修改 2 · 清空 1 · 补填 1；工单完成于通话 00:24.0，开始后 40.0 s 提交"


def test_options_and_unsubmitted_call(store):
    r = invoke("q1", "--no-transcript")
    assert r.exit_code == 0 and "市民：" not in r.output and "↳ 坐席 来电人 = 赵先生" in r.output
    r = invoke("q3")
    assert r.exit_code == 0 and "尚未提交工单，无法对比" in r.output and "已挂断" in r.output
    r = invoke("q2", "--json")
    review = json.loads(r.output)
    assert review["call"]["id"] == "q2" and review["metrics"]["template_accepted"] is False
    assert [e["source"] for e in review["timeline"]][-2:] == ["agent", "agent"]


def test_unknown_call_and_missing_inputs(store, cache):
    r = invoke("nope")
    assert r.exit_code == 2 and "未找到通话 nope" in r.output
    r = invoke(str(cache / "missing.wav"))
    assert r.exit_code == 2 and "文件不存在" in r.output


def test_missing_database_is_not_created(cache):
    r = invoke("q1")
    assert r.exit_code == 2 and "数据库" in r.output and "--url" in r.output
    assert not (cache / "assistant.db").exists()


@contextmanager
def qa_api(store, tmp_path, tokens):
    """The QA routes on a real HTTP port, reading the seeded store."""
    app_ = FastAPI()
    app_.include_router(router)
    app_.state.hub = Hub(Settings(cache_dir=tmp_path, server={"tokens": tokens}), None, store)
    port = free_port()
    try:
        with serving(app_, port, startup_s=30):
            yield f"http://127.0.0.1:{port}"
    finally:
        app_.state.hub.shutdown()


def test_over_rest_prints_the_same_timeline(store, tmp_path):
    local = invoke("q1").output
    with qa_api(store, tmp_path, {"tok-qa": {"role": "qa"}}) as url:
        r = invoke("q1", "--url", url, "--token", "tok-qa")
        assert r.exit_code == 0, r.output
        assert r.output == local
        r = invoke("nope", "--url", url, "--token", "tok-qa")
        assert r.exit_code == 2 and "未找到通话 nope" in r.output
        r = invoke("q1", "--url", url, "--token", "wrong")
        assert r.exit_code == 2 and "令牌" in r.output
    r = invoke("q1", "--url", f"http://127.0.0.1:{free_port()}")
    assert r.exit_code == 2 and "无法连接" in r.output


def test_bad_speed_is_refused(data_dir):
    wav = data_dir / "calls" / "dev" / "audio" / "dev-004.stereo16k.wav"
    r = invoke(str(wav), "--speed", "-1")
    assert r.exit_code == 2 and "speed" in r.output


@pytest.mark.slow
def test_recording_fills_the_ticket_paced(tmp_path, data_dir, whisper_engine):
    # dev-004's first 15 s: the power-cut complaint and the address (海珠区江海街道…)
    call = clip_call(data_dir / "calls" / "dev" / "audio" / "dev-004.stereo16k.wav", tmp_path / "c.wav", 15.0)
    t0 = time.monotonic()
    r = invoke(str(call), "--speed", "4")
    wall = time.monotonic() - t0
    assert r.exit_code == 0, r.output
    assert wall >= 15.0 / 4 - 0.5  # paced: never ahead of four times real time
    lines = r.output.splitlines()
    assert "# 回放 c.wav（15.0 s，4× 实时）" in lines
    transcript = [line for line in lines if "–" in line and ("话务员：" in line or "市民：" in line)]
    assert any("话务员：" in line for line in transcript) and any("停电" in line for line in transcript)
    fills = [line for line in lines if "↳ 自动" in line]
    assert any("模板 = " in line for line in fills)
    assert any(line.split("]")[1].startswith("   ↳ 自动 区 = 海珠区") for line in fills)
    # the ticket, printed as it ended, shows what the timeline filled
    ticket = lines[lines.index("# 工单"):]
    assert "  区：海珠区" in ticket and any(line.startswith("  模板：") for line in ticket)
    assert lines[-1].startswith("音频 15.0 s，用时 ")
