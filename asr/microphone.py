"""Live audio from a local device (microphone or a softphone's loopback) through sounddevice / PortAudio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np


class MicrophoneError(RuntimeError):
    pass


def _sounddevice():
    try:
        import sounddevice as sd
    except OSError as exc:  # raised at import when the PortAudio library is missing
        raise MicrophoneError(f"PortAudio is not available ({exc}); install it: apt-get install libportaudio2") from None
    return sd


def list_input_devices() -> list[str]:
    sd = _sounddevice()
    return [f"{i}: {d['name']} ({d['max_input_channels']} ch, {int(d['default_samplerate'])} Hz)"
            for i, d in enumerate(sd.query_devices()) if d["max_input_channels"] > 0]


async def capture(device: str | None, channels: int, rate: int, chunk_ms: int = 100) -> AsyncIterator[np.ndarray]:
    """float32 (frames, channels) chunks from an input device, until the consumer stops iterating."""
    sd = _sounddevice()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[np.ndarray] = asyncio.Queue(maxsize=100)

    def callback(indata, frames, time_info, status):  # runs on PortAudio's thread
        chunk = indata.copy()
        loop.call_soon_threadsafe(lambda: queue.full() or queue.put_nowait(chunk))

    dev = int(device) if device and device.isdigit() else device
    try:
        stream = sd.InputStream(device=dev, channels=channels, samplerate=rate, dtype="float32",
                                blocksize=rate * chunk_ms // 1000, callback=callback)
    except Exception as exc:  # PortAudioError, or ValueError for an unknown device
        raise MicrophoneError(f"cannot open audio input {device or '(default)'}: {exc}") from None
    with stream:
        while True:
            yield await queue.get()
