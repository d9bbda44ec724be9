"""Play a recording into the service as a live call over the project's own protocol, paced in real time.

Used by `assistant stream`, the demo, the tests and the benchmarks. Returns what the server said, with the wall
times at which each audio position was sent, so callers can measure latency against audio time.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.asr.audio import load_audio, resample, to_pcm16


@dataclass
class StreamResult:
    call_id: str
    started_wall: float  # time.time() when audio time 0 was sent
    speed: float
    replies: list[dict] = field(default_factory=list)

    def wall_of(self, audio_s: float) -> float:
        """Wall time at which audio position `audio_s` had been sent."""
        return self.started_wall + audio_s / self.speed


def prepare_audio(path: str | Path, rate: int | None = None) -> tuple[np.ndarray, int]:
    """int16 interleaved frames of a file (resampled to `rate` if given), and their rate."""
    audio = load_audio(path)
    samples, r = audio.samples, audio.rate
    if rate and rate != r:
        samples, r = resample(samples, r, rate), rate
    return to_pcm16(samples), r


async def stream_file(path: str | Path, url: str, *, call_id: str, agent_id: str | None = None, speed: float = 1.0,
                      chunk_ms: int = 100, token: str | None = None, agent_channel: int = 0,
                      rate: int | None = None, on_reply=None) -> StreamResult:
    import websockets

    pcm, r = prepare_audio(path, rate)
    channels = pcm.shape[1]
    if token:
        url += ("&" if "?" in url else "?") + f"token={token}"
    step = max(1, r * chunk_ms // 1000)
    async with websockets.connect(url, max_size=2**24) as ws:
        await ws.send(json.dumps({"type": "start", "call_id": call_id, "agent_id": agent_id, "sample_rate": r,
                                  "encoding": "pcm16", "channels": channels, "agent_channel": agent_channel}))
        first = json.loads(await ws.recv())
        if first.get("type") != "started":
            raise RuntimeError(f"server refused the call: {first}")
        result = StreamResult(call_id, time.time(), speed, [first])

        async def read() -> None:
            async for msg in ws:
                obj = json.loads(msg)
                result.replies.append(obj)
                if on_reply:
                    on_reply(obj)

        reader = asyncio.create_task(read())
        t0 = time.monotonic()
        result.started_wall = time.time()
        for i in range(0, pcm.shape[0], step):
            await ws.send(pcm[i:i + step].tobytes())
            due = t0 + (i + step) / r / speed
            if (delay := due - time.monotonic()) > 0:
                await asyncio.sleep(delay)
        await ws.send(json.dumps({"type": "stop"}))
        try:
            await asyncio.wait_for(reader, timeout=120)
        except (asyncio.TimeoutError, Exception):
            reader.cancel()
    return result


async def stream_microphone(url: str, *, agent_id: str | None, device: str | None, channels: int, rate: int,
                            token: str | None = None) -> None:
    """Capture a local input until cancelled and send it as a call (1 channel: the agent's microphone)."""
    import uuid

    import websockets

    from assistant.asr.microphone import capture

    if token:
        url += ("&" if "?" in url else "?") + f"token={token}"
    call_id = f"mic-{uuid.uuid4().hex[:10]}"
    source = capture(device, channels, rate)
    first = await anext(source)  # opens the device before connecting, so a device error comes first
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "start", "call_id": call_id, "agent_id": agent_id, "sample_rate": rate,
                                  "encoding": "pcm16", "channels": channels, "agent_channel": 0,
                                  **({"speaker": "agent"} if channels == 1 else {})}))
        print(f"streaming call {call_id} from {device or 'default input'}; Ctrl+C to end")
        try:
            await ws.send(to_pcm16(first).tobytes())
            async for chunk in source:
                await ws.send(to_pcm16(chunk).tobytes())
        finally:
            await ws.send(json.dumps({"type": "stop"}))
