"""Typed events that leave the ASR stage. Times are seconds of call audio from the start of the stream."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Speaker = Literal["agent", "caller"]


class Word(BaseModel):
    text: str
    start_s: float
    end_s: float
    probability: float | None = None


class SpeechStarted(BaseModel):
    kind: Literal["speech_started"] = "speech_started"
    speaker: Speaker
    segment_id: str
    start_s: float


class SpeechEnded(BaseModel):
    kind: Literal["speech_ended"] = "speech_ended"
    speaker: Speaker
    segment_id: str
    start_s: float
    end_s: float = Field(description="audio time of the last voiced frame")
    detected_s: float = Field(description="audio time at which the endpoint was detected (end_s + hangover)")


class PartialTranscript(BaseModel):
    """Provisional text of the open segment: `stable` is the committed prefix, `text` the whole current guess."""

    kind: Literal["partial"] = "partial"
    speaker: Speaker
    segment_id: str
    start_s: float
    end_s: float
    text: str
    stable: str = ""


class FinalTranscript(BaseModel):
    kind: Literal["final"] = "final"
    speaker: Speaker
    segment_id: str
    start_s: float
    end_s: float
    text: str
    words: list[Word] = []
    decode_s: float = Field(0.0, description="wall time the recogniser spent on this segment's final decode")
    endpoint_s: float | None = Field(None, description="audio time at which the segment's end was detected")


class RecognizerFailed(BaseModel):
    """A recogniser raised on one segment; the stream goes on with the next."""

    kind: Literal["asr_error"] = "asr_error"
    speaker: Speaker
    segment_id: str
    message: str


TranscriptEvent = SpeechStarted | SpeechEnded | PartialTranscript | FinalTranscript | RecognizerFailed
