from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from assistant.asr.audio import AudioError, decode
from assistant.asr.vad import VAD_RATES
from assistant.server.frames import AudioFrame, CallStart, ProtocolError

SUPPORTED_RATES = VAD_RATES  # the rates the VAD can work at without guessing; others are resampled by the caller


def load_json(message: str | bytes) -> dict[str, Any]:
    try:
        obj = json.loads(message)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError("bad_json", f"not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("bad_json", "expected a JSON object")
    return obj


def make_start(**values: Any) -> CallStart:
    try:
        start = CallStart(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ProtocolError("bad_start", f"invalid start message: {where}: {first['msg']}") from None
    if start.sample_rate not in SUPPORTED_RATES:
        raise ProtocolError("bad_sample_rate",
                            f"sample rate {start.sample_rate} Hz not supported; use one of {SUPPORTED_RATES}")
    if start.encoding != "pcm16" and start.sample_rate != 8000:
        raise ProtocolError("bad_sample_rate", f"{start.encoding} audio must be 8000 Hz, got {start.sample_rate}")
    return start


def decode_interleaved(start: CallStart, payload: bytes) -> AudioFrame:
    try:
        samples = decode(payload, start.encoding, start.channels, start.sample_rate)
    except AudioError as exc:
        raise ProtocolError("bad_audio", str(exc)) from None
    return AudioFrame(audio={sp: samples[:, ch].copy() for ch, sp in start.speakers.items()})
