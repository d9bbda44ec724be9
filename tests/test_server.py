"""The live service end to end: real uvicorn, real WebSocket clients, real whisper, real SQLite."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest
import websockets

from assistant.asr.audio import load_audio, resample, to_pcm16
from assistant.stream_client import stream_file

from server_helpers import clip_call, collect_panel, live_server, mulaw_bytes, run_async

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def calls_audio(data_dir):
    return data_dir / "calls" / "dev" / "audio"


@pytest.fixture(scope="module")
def first_turns(calls_audio, tmp_path_factory):
    # dev-004's first 15 s: the greeting, the complaint (power cut) and the address
    return clip_call(calls_audio / "dev-004.stereo16k.wav", tmp_path_factory.mktemp("b") / "c15.wav", 15.0)


@pytest.fixture(scope="module")
def short_call(calls_audio, tmp_path_factory):
    # dev-004's first 26 s: the complaint (power cut), the address, the name and the phone number
    return clip_call(calls_audio / "dev-004.stereo16k.wav", tmp_path_factory.mktemp("a") / "c.wav", 26.0)


def run(coro):
    return run_async(coro)  # safe even when another test module's Playwright loop is alive in this thread


def test_native_protocol_end_to_end(tmp_path, whisper_engine, short_call):
    with live_server(tmp_path, whisper_engine) as (host, app):
        async def go():
            panel = asyncio.create_task(collect_panel(f"ws://{host}/ws/panel?agent_id=a1"))
            await asyncio.sleep(0.3)
            result = await stream_file(short_call, f"ws://{host}/ws/call", call_id="n1", agent_id="a1")
            return result, await panel
        result, events = run(go())
        types = [r["type"] for r in result.replies]
        assert "error" not in types, result.replies
        assert types[0] == "started" and "ack" in types and types[-1] == "stopped"
        assert events[0]["type"] == "waiting"
        assert any(e["type"] == "snapshot" and e["call"]["call_id"] == "n1" for e in events)
        finals = [e for e in events if e["type"] == "transcript_final"]
        assert {e["speaker"] for e in finals} == {"agent", "caller"}
        updates = {e["key"]: e for e in events if e["type"] == "field_update"}
        assert "caller_phone" in updates, [(e["speaker"], e["text"]) for e in finals]
        assert updates["caller_phone"]["new"] == "13826170452"
        assert updates["caller_phone"]["evidence"] and updates["caller_phone"]["speech_end_s"] is not None
        assert updates["district"]["new"] == "海珠区"
        assert any(e["type"] == "ticket_meta" and e["title"] for e in events)

        call = httpx.get(f"http://{host}/api/calls/n1").json()
        assert call["state"] == "ended" and call["has_audio"] and call["protocol"] == "native"
        assert len(call["segments"]) == len(finals)
        assert call["ticket"]["caller_phone"] == "13826170452"
        assert any(c["key"] == "caller_phone" and c["source"] == "auto" for c in call["field_history"])
        audio = httpx.get(f"http://{host}/api/calls/n1/audio")
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        assert [c["id"] for c in httpx.get(f"http://{host}/api/calls").json()] == ["n1"]
        assert "server_to_panel" in httpx.get(f"http://{host}/api/schema/panel").json()
        assert "/api/calls/{call_id}" in httpx.get(f"http://{host}/openapi.json").json()["paths"]


def test_audio_fork_stereo_l16(tmp_path, whisper_engine, first_turns):
    audio = load_audio(first_turns)
    # mod_audio_fork stereo: caller on channel 0, agent on channel 1
    pcm = to_pcm16(audio.samples[:, ::-1].copy())
    with live_server(tmp_path, whisper_engine) as (host, app):
        async def go():
            url = f"ws://{host}/ws/audio-fork?mix=stereo&rate=16000"
            async with websockets.connect(url, subprotocols=["audio.drachtio.org"]) as ws:
                assert ws.subprotocol == "audio.drachtio.org"
                await ws.send(json.dumps({"callId": "fs1", "agentId": "a7", "from": "13800000000"}))
                step = 1600  # 100 ms frames, in real time
                for i in range(0, pcm.shape[0], step):
                    await ws.send(pcm[i:i + step].tobytes())
                    await asyncio.sleep(0.1)
            # the fork ends by closing the socket
        run(go())
        call = _wait_closed(host, "fs1")
        assert call["state"] == "ended" and call["agent_id"] == "a7"
        speakers = {s["speaker"] for s in call["segments"]}
        assert speakers == {"agent", "caller"}
        caller_text = "".join(s["text"] for s in call["segments"] if s["speaker"] == "caller")
        assert "停电" in caller_text


def test_twilio_media_streams(tmp_path, whisper_engine, first_turns):
    audio = load_audio(first_turns)
    tracks = {"outbound": resample(audio.channel(0), 16000, 8000), "inbound": resample(audio.channel(1), 16000, 8000)}
    with live_server(tmp_path, whisper_engine) as (host, app):
        async def go():
            async with websockets.connect(f"ws://{host}/ws/twilio") as ws:
                await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
                await ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": "MZ1", "start": {
                    "streamSid": "MZ1", "callSid": "CA1", "tracks": ["inbound", "outbound"],
                    "customParameters": {"agent_id": "a9"},
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}))
                step = 160  # 20 ms
                n = tracks["inbound"].size
                for i in range(0, n, step * 10):
                    for track, x in tracks.items():
                        for j in range(i, min(i + step * 10, n), step):
                            payload = base64.b64encode(mulaw_bytes(x[j:j + step])).decode()
                            await ws.send(json.dumps({"event": "media", "streamSid": "MZ1", "media": {
                                "track": track, "chunk": str(j // step), "timestamp": str(j * 1000 // 8000),
                                "payload": payload}}))
                    await asyncio.sleep(0.2)  # 200 ms of audio per track every 200 ms: real time
                await ws.send(json.dumps({"event": "stop", "streamSid": "MZ1", "stop": {"callSid": "CA1"}}))
                return [json.loads(m) async for m in ws]
        assert run(go()) == []  # a healthy Twilio stream gets no replies (errors would come as JSON)
        call = _wait_closed(host, "CA1")
        assert call["state"] == "ended" and call["agent_id"] == "a9" and call["protocol"] == "twilio"
        assert {s["speaker"] for s in call["segments"]} == {"agent", "caller"}
        caller_text = "".join(s["text"] for s in call["segments"] if s["speaker"] == "caller")
        assert "停电" in caller_text and "江海" in caller_text


def test_bad_frames_wrong_rate_and_oversize_do_not_end_the_call(tmp_path, whisper_engine, first_turns):
    with live_server(tmp_path, whisper_engine, max_message_bytes=64_000) as (host, app):
        async def go():
            async with websockets.connect(f"ws://{host}/ws/call") as ws:
                await ws.send(json.dumps({"type": "start", "call_id": "bad-rate", "sample_rate": 22050,
                                          "channels": 2}))
                wrong_rate = json.loads(await ws.recv())
                await ws.send("{not json")
                bad_json = json.loads(await ws.recv())
                await ws.send(b"\x00\x01\x02")  # audio before a valid start
                early = json.loads(await ws.recv())
                await ws.send(json.dumps({"type": "start", "call_id": "m1", "agent_id": "a1", "sample_rate": 16000,
                                          "channels": 2}))
                started = json.loads(await ws.recv())
                await ws.send(b"\x00\x01\x02")  # not a whole stereo frame
                truncated = json.loads(await ws.recv())
                await ws.send(b"\x00" * 100_000)  # over the configured limit
                too_large = json.loads(await ws.recv())
                await ws.send(json.dumps({"type": "dance"}))
                unknown = json.loads(await ws.recv())
                return wrong_rate, bad_json, early, started, truncated, too_large, unknown
        replies = run(go())
        codes = [r.get("code", r["type"]) for r in replies]
        assert codes == ["bad_sample_rate", "bad_json", "not_started", "started", "bad_audio", "too_large",
                         "unknown_type"]
        assert "22050" in replies[0]["message"]
        # the same connection-less call survives: a later good call on a new connection works, and m1 is kept
        result = run(stream_file(first_turns, f"ws://{host}/ws/call", call_id="m2", agent_id="a1"))
        assert result.replies[-1]["type"] == "stopped" and result.replies[-1]["segments"] >= 3
        m1 = httpx.get(f"http://{host}/api/calls/m1").json()
        assert m1["state"] == "dropped"  # its connection closed without stop: kept, closed as dropped


def test_abrupt_disconnect_keeps_what_was_said(tmp_path, whisper_engine, short_call):
    audio = load_audio(short_call)
    pcm = to_pcm16(audio.samples)
    with live_server(tmp_path, whisper_engine, max_backlog_s=60) as (host, app):
        async def go():
            ws = await websockets.connect(f"ws://{host}/ws/call")
            await ws.send(json.dumps({"type": "start", "call_id": "d1", "agent_id": "a1", "sample_rate": 16000,
                                      "channels": 2}))
            await ws.recv()
            for i in range(0, 16000 * 12, 1600):  # 12 s, then the line goes dead
                await ws.send(pcm[i:i + 1600].tobytes())
            ws.transport.abort()
        run(go())
        call = _wait_closed(host, "d1")
        assert call["state"] == "dropped"
        assert call["audio_s"] == pytest.approx(12.0, abs=0.05)
        assert len(call["segments"]) >= 2 and call["has_audio"]


def test_two_concurrent_calls_are_kept_apart(tmp_path, whisper_engine, calls_audio, tmp_path_factory):
    d = tmp_path_factory.mktemp("two")
    a = clip_call(calls_audio / "dev-001.stereo16k.wav", d / "a.wav", 16.0)
    b = clip_call(calls_audio / "dev-002.stereo16k.wav", d / "b.wav", 16.0)
    with live_server(tmp_path, whisper_engine) as (host, app):
        async def go():
            pa = asyncio.create_task(collect_panel(f"ws://{host}/ws/panel?agent_id=agent-a"))
            pb = asyncio.create_task(collect_panel(f"ws://{host}/ws/panel?agent_id=agent-b"))
            await asyncio.sleep(0.3)
            await asyncio.gather(
                stream_file(a, f"ws://{host}/ws/call", call_id="ca", agent_id="agent-a"),
                stream_file(b, f"ws://{host}/ws/call", call_id="cb", agent_id="agent-b"))
            return await pa, await pb
        ea, eb = run(go())
        ta = "".join(e["text"] for e in ea if e["type"] == "transcript_final")
        tb = "".join(e["text"] for e in eb if e["type"] == "transcript_final")
        assert all(e.get("call_id", "ca") == "ca" for e in ea if "call_id" in e and e["type"] != "snapshot")
        assert all(e.get("call_id", "cb") == "cb" for e in eb if "call_id" in e and e["type"] != "snapshot")
        assert "烧烤" in ta and "烧烤" not in tb
        assert "社保" in tb and "社保" not in ta
        sa = httpx.get(f"http://{host}/api/calls/ca").json()["segments"]
        sb = httpx.get(f"http://{host}/api/calls/cb").json()["segments"]
        fa = sorted(e["text"] for e in ea if e["type"] == "transcript_final")
        fb = sorted(e["text"] for e in eb if e["type"] == "transcript_final")
        assert sorted(s["text"] for s in sa) == fa and sorted(s["text"] for s in sb) == fb


def test_overload_is_reported(tmp_path, whisper_engine, short_call):
    with live_server(tmp_path, whisper_engine, max_backlog_s=0.5) as (host, app):
        result = run(stream_file(short_call, f"ws://{host}/ws/call", call_id="o1", speed=50.0, chunk_ms=20))
        assert any(r.get("code") == "overloaded" for r in result.replies)
        assert result.replies[-1]["type"] == "stopped"


def test_tokens_roles_and_origins(tmp_path, whisper_engine, first_turns):
    tokens = {"tok-a": {"role": "agent", "agent_id": "a1"}, "tok-b": {"role": "agent", "agent_id": "b2"},
              "tok-qa": {"role": "qa"}}
    with live_server(tmp_path, whisper_engine, tokens=tokens) as (host, app):
        async def refused(url, **kw):
            try:
                async with websockets.connect(url, **kw) as ws:
                    await asyncio.wait_for(ws.recv(), 10)
            except websockets.InvalidStatus as exc:  # closed before accepting: the handshake is refused
                return exc.response.status_code
            except websockets.ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd else None
            return None

        assert run(refused(f"ws://{host}/ws/call")) == 403
        assert run(refused(f"ws://{host}/ws/panel?agent_id=a1&token=wrong")) == 403
        assert run(refused(f"ws://{host}/ws/panel?token=tok-a", origin="http://evil.example")) == 403
        assert run(refused(f"ws://{host}/ws/panel?token=tok-a", origin=f"http://{host}")) is None  # own origin

        async def stream_as_other():
            async with websockets.connect(f"ws://{host}/ws/call?token=tok-a") as ws:
                await ws.send(json.dumps({"type": "start", "call_id": "x", "agent_id": "b2", "sample_rate": 16000}))
                return json.loads(await ws.recv())
        assert run(stream_as_other())["code"] == "forbidden"

        run(stream_file(first_turns, f"ws://{host}/ws/call", call_id="t1", agent_id="a1", token="tok-a", speed=3.0))
        assert httpx.get(f"http://{host}/api/calls").status_code == 401
        assert [c["id"] for c in httpx.get(f"http://{host}/api/calls?token=tok-a").json()] == ["t1"]
        assert httpx.get(f"http://{host}/api/calls?token=tok-b").json() == []
        assert httpx.get(f"http://{host}/api/calls/t1?token=tok-b").status_code == 404
        assert httpx.get(f"http://{host}/api/calls/t1", headers={"Authorization": "Bearer tok-qa"}).status_code == 200

        async def peek(token):
            async with websockets.connect(f"ws://{host}/ws/panel?call_id=t1&token={token}") as ws:
                return json.loads(await ws.recv())
        assert run(peek("tok-b"))["code"] == "unknown_call"  # another agent's call is invisible
        assert run(peek("tok-a"))["type"] == "snapshot"
        assert run(peek("tok-qa"))["type"] == "snapshot"


def test_panel_actions_edit_lock_and_submit(tmp_path, whisper_engine, short_call):
    with live_server(tmp_path, whisper_engine) as (host, app):
        async def go():
            async with websockets.connect(f"ws://{host}/ws/panel?agent_id=a1") as ws:
                assert json.loads(await ws.recv())["type"] == "waiting"
                streaming = asyncio.create_task(
                    stream_file(short_call, f"ws://{host}/ws/call", call_id="p1", agent_id="a1"))
                await asyncio.sleep(1.0)
                await ws.send(json.dumps({"type": "edit_field", "key": "district", "value": "天河区"}))
                await ws.send(json.dumps({"type": "choose_template", "template_id": "no-such-template"}))
                await ws.send(json.dumps({"type": "frobnicate"}))
                await streaming
                await ws.send(json.dumps({"type": "submit"}))
                events = []
                while True:
                    ev = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    events.append(ev)
                    if ev["type"] == "action_ok" and ev["action"] == "submit":
                        return events
        events = run(go())
        errors = {e["code"] for e in events if e["type"] == "error"}
        assert {"unknown_template", "bad_action"} <= errors
        district = [e for e in events if e["type"] == "field_update" and e["key"] == "district"]
        assert district[0]["source"] == "agent" and district[0]["new"] == "天河区"
        assert all(e["new"] == "天河区" for e in district)  # the caller's 海珠区 never overwrote the agent's edit
        ticket_id = events[-1]["detail"]["ticket_id"]
        ticket = httpx.get(f"http://{host}/api/tickets/{ticket_id}").json()
        assert ticket["ticket"]["district"] == "天河区" and ticket["ticket"]["caller_phone"] == "13826170452"
        call = httpx.get(f"http://{host}/api/calls/p1").json()
        assert call["state"] == "submitted"
        assert any(c["key"] == "district" and c["source"] == "agent" for c in call["field_history"])


def _wait_closed(host: str, call_id: str, timeout: float = 120) -> dict:
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        r = httpx.get(f"http://{host}/api/calls/{call_id}")
        if r.status_code == 200 and r.json()["state"] != "live":
            return r.json()
        time.sleep(0.2)
    raise AssertionError(f"call {call_id} did not close")


def test_stopping_the_service_keeps_every_acknowledged_second(tmp_path, whisper_engine, short_call):
    from assistant.server.storage import Store

    audio = load_audio(short_call)
    pcm = to_pcm16(audio.samples)
    acked = {}
    with live_server(tmp_path, whisper_engine, max_backlog_s=60) as (host, app):
        async def go():
            ws = await websockets.connect(f"ws://{host}/ws/call")
            await ws.send(json.dumps({"type": "start", "call_id": "s1", "agent_id": "a1", "sample_rate": 16000,
                                      "channels": 2}))
            await ws.recv()
            for i in range(0, 16000 * 15, 1600):
                await ws.send(pcm[i:i + 1600].tobytes())
            while True:  # wait until the server has acknowledged all 150 frames
                reply = json.loads(await ws.recv())
                if reply["type"] == "ack":
                    acked.update(reply)
                    if reply["frames"] == 150:
                        return ws
        ws = run(go())
    # the service has stopped with the call still open: it was drained and stored, not lost
    call = Store(f"sqlite:///{tmp_path / 'assistant.db'}").get_call("s1")
    assert call["state"] == "dropped" and call["ended_at"]
    assert call["audio_s"] == pytest.approx(15.0, abs=0.05)
    assert {s["speaker"] for s in call["segments"]} == {"agent", "caller"}
    assert any("停电" in s["text"] for s in call["segments"])
