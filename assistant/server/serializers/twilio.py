"""Twilio Media Streams: `connected`, `start`, `media` (base64 μ-law 8 kHz, per track), `stop` JSON messages.

The inbound track is the caller, the outbound track the agent. Each track is kept continuous on its own clock:
a gap in a track's media timestamps is filled with silence so the VAD's times stay true to the call.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np

from assistant.asr.audio import AudioError, decode_g711
from assistant.server.frames import AudioFrame, CallStart, CallStop, Frame, ProtocolError
from assistant.server.serializers.common import load_json, make_start

RATE = 8000
_TRACK_SPEAKER = {"inbound": "caller", "outbound": "agent"}


class TwilioSerializer:
    protocol = "twilio"
    close_ends_call = False  # a close without `stop` is a dropped connection

    def __init__(self, params: dict[str, str] | None = None):
        self.params = params or {}
        self.start: CallStart | None = None
        self._samples: dict[str, int] = {}  # per track: samples delivered so far

    def parse(self, message: str | bytes) -> list[Frame]:
        if isinstance(message, bytes):
            raise ProtocolError("bad_frame", "Twilio Media Streams sends JSON text messages only")
        msg = load_json(message)
        event = msg.get("event")
        if event == "connected":
            return []
        if event == "start":
            return [self._start(msg)]
        if event == "media":
            return self._media(msg)
        if event == "stop":
            return [CallStop(reason="stop")]
        if event in ("mark", "dtmf"):
            return []
        raise ProtocolError("unknown_event", f"unknown Twilio event {event!r}")

    def _start(self, msg: dict) -> CallStart:
        if self.start is not None:
            raise ProtocolError("already_started", "the stream has already started")
        start = msg.get("start") or {}
        fmt = start.get("mediaFormat") or {}
        if fmt.get("encoding", "audio/x-mulaw") != "audio/x-mulaw":
            raise ProtocolError("bad_encoding", f"unsupported Twilio encoding {fmt.get('encoding')!r}")
        custom = start.get("customParameters") or {}
        tracks = start.get("tracks") or ["inbound"]
        speakers = {i: _TRACK_SPEAKER[t] for i, t in enumerate(tracks) if t in _TRACK_SPEAKER}
        if not speakers:
            raise ProtocolError("bad_start", f"no usable tracks in {tracks!r}")
        self.start = make_start(
            call_id=custom.get("call_id") or start.get("callSid") or msg.get("streamSid"),
            agent_id=custom.get("agent_id") or self.params.get("agent_id"), sample_rate=int(fmt.get("sampleRate", RATE)),
            encoding="mulaw", channels=len(speakers), speakers=speakers,
            meta={"streamSid": msg.get("streamSid") or start.get("streamSid"), "callSid": start.get("callSid")})
        return self.start

    def _media(self, msg: dict) -> list[Frame]:
        if self.start is None:
            raise ProtocolError("not_started", "media before the start message")
        media = msg.get("media") or {}
        track = media.get("track", "inbound")
        speaker = _TRACK_SPEAKER.get(track)
        if speaker is None or speaker not in self.start.speakers.values():
            raise ProtocolError("bad_track", f"media for unknown track {track!r}")
        try:
            payload = base64.b64decode(media.get("payload", ""), validate=True)
            audio = decode_g711(payload, "mulaw")[:, 0]
        except (binascii.Error, ValueError, AudioError) as exc:
            raise ProtocolError("bad_audio", f"undecodable media payload: {exc}") from None
        out = [audio]
        done = self._samples.get(track, 0)
        ts = media.get("timestamp")
        if ts is not None:
            expected = int(int(ts) * RATE / 1000)
            if expected - done > RATE // 50:  # more than 20 ms missing: the track was silent
                out.insert(0, np.zeros(expected - done, dtype=np.float32))
        joined = np.concatenate(out) if len(out) > 1 else audio
        self._samples[track] = done + joined.size
        return [AudioFrame(audio={speaker: joined})]
