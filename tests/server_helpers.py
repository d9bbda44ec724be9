"""A real service on a free loopback port, run by uvicorn in a thread, and real WebSocket clients."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile as sf
import uvicorn

from assistant.asr.audio import load_audio
from assistant.config import Settings


def run_async(coro):
    """Run a coroutine to completion from a thread whose event loop belongs to someone else (Playwright's sync
    API keeps one in the test's thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app, port: int, startup_s: float = 120):
    """Run an ASGI app with uvicorn on a loopback port, in a thread, until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws_max_size=16 * 2**20))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + startup_s
    while not server.started:
        assert thread.is_alive() and time.time() < deadline, "service did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@contextmanager
def live_server(tmp_path: Path, engine, **server_settings):
    port = free_port()
    settings = Settings(cache_dir=tmp_path, server={"host": "127.0.0.1", "port": port, **server_settings})
    from assistant.server.app import create_app

    app = create_app(settings, engine=engine)
    with serving(app, port):
        yield f"127.0.0.1:{port}", app


def clip_call(src: Path, dst: Path, seconds: float) -> Path:
    """The first `seconds` of a recording (to keep tests short)."""
    audio = load_audio(src)
    sf.write(dst, audio.samples[: int(seconds * audio.rate)], audio.rate, subtype="PCM_16")
    return dst


async def collect_panel(url: str, until_state=("ended", "dropped", "submitted"), timeout: float = 120) -> list[dict]:
    """Everything a panel receives until the call reaches one of `until_state`."""
    import websockets

    events: list[dict] = []
    async with websockets.connect(url) as ws:
        async def read():
            async for msg in ws:
                ev = json.loads(msg)
                events.append(ev)
                if ev["type"] == "call_state" and ev["state"] in until_state:
                    return
                if ev["type"] == "snapshot" and ev["call"]["state"] in until_state:
                    return
        await asyncio.wait_for(read(), timeout)
    return events


def mulaw_bytes(samples: np.ndarray) -> bytes:
    """float32 mono 8 kHz → G.711 μ-law bytes (libsndfile's encoder)."""
    import io

    buf = io.BytesIO()
    sf.write(buf, samples, 8000, format="RAW", subtype="ULAW")
    return buf.getvalue()
