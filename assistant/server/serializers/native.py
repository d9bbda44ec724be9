"""The project's own protocol.

    → {"type": "start", "call_id": "c1", "agent_id": "a01", "sample_rate": 16000, "encoding": "pcm16",
       "channels": 2, "agent_channel": 0}
    → binary frames: interleaved audio in that encoding
    → {"type": "stop"}
The server answers {"type": "started"}, {"type": "ack", ...}, {"type": "error", "code", "message"}, {"type": "stopped"}.
"""

from __future__ import annotations

from assistant.asr.call import channel_speakers
from assistant.asr.audio import AudioError
from assistant.server.frames import CallStart, CallStop, Frame, ProtocolError
from assistant.server.serializers.common import decode_interleaved, load_json, make_start


class NativeSerializer:
    protocol = "native"
    close_ends_call = False  # a close without `stop` is a dropped connection

    def __init__(self) -> None:
        self.start: CallStart | None = None

    def parse(self, message: str | bytes) -> list[Frame]:
        if isinstance(message, bytes):
            if self.start is None:
                raise ProtocolError("not_started", "audio before the start message")
            return [decode_interleaved(self.start, message)]
        msg = load_json(message)
        kind = msg.get("type")
        if kind == "start":
            if self.start is not None:
                raise ProtocolError("already_started", "the call has already started")
            channels = msg.get("channels", 1)
            try:
                speakers = channel_speakers(channels, msg.get("agent_channel", 0)) if channels in (1, 2) else {}
            except AudioError as exc:
                raise ProtocolError("bad_start", str(exc)) from None
            if channels == 1 and msg.get("speaker") in ("agent", "caller"):
                speakers = {0: msg["speaker"]}
            self.start = make_start(call_id=msg.get("call_id"), agent_id=msg.get("agent_id"),
                                    sample_rate=msg.get("sample_rate", 16000), encoding=msg.get("encoding", "pcm16"),
                                    channels=channels, speakers=speakers, meta=msg.get("meta") or {})
            return [self.start]
        if kind == "stop":
            return [CallStop(reason="stop")]
        raise ProtocolError("unknown_type", f"unknown message type {kind!r}; expected start, stop or binary audio")
