"""FreeSWITCH mod_audio_fork: `uuid_audio_fork <uuid> start <ws-url> <mono|mixed|stereo> <8k|16k> <metadata>`.

The module sends the metadata JSON as the first text frame, then binary L16 frames. It does not tell the server
the mix type or rate, so they come from the URL the fork was started with (…/ws/audio-fork?mix=stereo&rate=16000)
or from the metadata (keys `mix`, `sampleRate`). In stereo the caller (the channel's read side) is channel 0.
Call and agent ids are read from the metadata (`callId`/`call_id`/`uuid`, `agentId`/`agent_id`).
"""

from __future__ import annotations

import uuid
from typing import Any

from assistant.server.frames import CallStart, CallStop, Frame, ProtocolError
from assistant.server.serializers.common import decode_interleaved, load_json, make_start

_RATES = {"8k": 8000, "16k": 16000, "8000": 8000, "16000": 16000}


class AudioForkSerializer:
    protocol = "audio_fork"
    close_ends_call = True  # the module ends a fork by closing the socket: that is a normal hang-up

    def __init__(self, params: dict[str, str] | None = None):
        self.params = params or {}
        self.start: CallStart | None = None

    def parse(self, message: str | bytes) -> list[Frame]:
        if isinstance(message, str) and self.start is None:
            return [self._start(load_json(message))]
        if isinstance(message, str):
            # later text frames are application events; only an explicit stop means anything to us
            msg = load_json(message)
            return [CallStop(reason="stop")] if msg.get("type") == "stop" or msg.get("event") == "stop" else []
        if self.start is None:
            raise ProtocolError("not_started", "audio before the metadata frame")
        return [decode_interleaved(self.start, message)]

    def _start(self, meta: dict[str, Any]) -> CallStart:
        mix = str(meta.get("mix") or self.params.get("mix") or "mono").lower()
        rate_s = str(meta.get("sampleRate") or meta.get("sample_rate") or self.params.get("rate") or "8k").lower()
        if rate_s not in _RATES:
            raise ProtocolError("bad_sample_rate", f"audio_fork sampling rate {rate_s!r}: expected 8k or 16k")
        agent_channel = int(self.params.get("agent_channel", 1))
        if mix == "stereo":
            channels, speakers = 2, {agent_channel: "agent", 1 - agent_channel: "caller"}
        elif mix in ("mono", "mixed"):
            channels, speakers = 1, {0: "caller"}  # mono: the caller alone; mixed: both on one line
        else:
            raise ProtocolError("bad_start", f"audio_fork mix type {mix!r}: expected mono, mixed or stereo")
        call_id = str(meta.get("callId") or meta.get("call_id") or meta.get("callid") or meta.get("uuid")
                      or f"fs-{uuid.uuid4().hex[:12]}")
        agent_id = meta.get("agentId") or meta.get("agent_id") or self.params.get("agent_id")
        self.start = make_start(call_id=call_id, agent_id=agent_id, sample_rate=_RATES[rate_s], encoding="pcm16",
                                channels=channels, speakers=speakers, meta={"mix": mix, **meta})
        return self.start
