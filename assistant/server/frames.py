"""Frames that ingest serializers produce: a call starts, audio arrives per speaker, the call stops."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.asr.events import Speaker


class ProtocolError(ValueError):
    """A message the protocol does not allow; the connection gets an error and the call goes on."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class CallStart(BaseModel):
    call_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    agent_id: str | None = Field(None, max_length=100)
    sample_rate: int
    encoding: Literal["pcm16", "mulaw", "alaw"] = "pcm16"
    channels: int = Field(1, ge=1, le=2)
    speakers: dict[int, Speaker] = Field(description="channel index → speaker")
    meta: dict[str, Any] = Field(default_factory=dict)


class AudioFrame(BaseModel):
    """Decoded float32 mono audio for one or both speakers, at the call's sample rate."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    audio: dict[Speaker, np.ndarray]

    @property
    def samples(self) -> int:
        """Samples over all speakers."""
        return sum(a.size for a in self.audio.values())


class CallStop(BaseModel):
    reason: str = "stop"


Frame = CallStart | AudioFrame | CallStop
