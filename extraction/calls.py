"""Call files (../shared/data/calls/FORMAT.md) and running calls through the tracker, in text or audio mode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from assistant.extraction.resources import ExtractionResources
from assistant.extraction.ticket import Speaker, TextSegment, Ticket
from assistant.extraction.tracker import TicketTracker


class CallFormatError(ValueError):
    """A call file line is not a call; the message starts with file:line."""


class Turn(BaseModel):
    speaker: Speaker
    text: str


class Call(BaseModel):
    id: str = Field(min_length=1)
    turns: list[Turn]
    gold: dict[str, Any] | None = None


def read_calls(path: Path) -> list[Call]:
    """All calls of a JSONL call file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"call file not found: {path}")
    calls = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                call = Call.model_validate(json.loads(line))
            except json.JSONDecodeError as e:
                raise CallFormatError(f"{path}:{lineno}: invalid JSON ({e.msg})") from None
            except ValidationError as e:
                problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()[:3])
                raise CallFormatError(f"{path}:{lineno}: not a call ({problems})") from None
            if call.id in seen:
                raise CallFormatError(f"{path}:{lineno}: duplicate call id {call.id}")
            seen.add(call.id)
            calls.append(call)
    return calls


def text_segments(call: Call) -> Iterator[TextSegment]:
    """Each turn as a final segment of its speaker."""
    for i, turn in enumerate(call.turns):
        yield TextSegment(segment_id=f"{call.id}-{i}", speaker=turn.speaker, text=turn.text)


def run_segments(segments: Iterator[TextSegment], resources: ExtractionResources | None = None) -> Ticket:
    tracker = TicketTracker(resources)
    for segment in segments:
        tracker.add_segment(segment)
    return tracker.ticket


def run_text(call: Call, resources: ExtractionResources | None = None) -> Ticket:
    """Text mode: the turns, in order, through the same incremental code the live server uses."""
    return run_segments(text_segments(call), resources)


def audio_segments(call_id: str, audio_dir: Path) -> Iterator[TextSegment]:
    """Audio mode: DIR/ID.stereo16k.wav through the ASR pipeline (imported here: it is heavy and optional)."""
    from assistant.transcription import transcribe_file

    wav = Path(audio_dir) / f"{call_id}.stereo16k.wav"
    if not wav.is_file():
        raise FileNotFoundError(f"no audio for call {call_id}: {wav}")
    for i, seg in enumerate(transcribe_file(wav)):
        segment_id = str(getattr(seg, "segment_id", None) or f"{call_id}-a{i}")
        yield TextSegment(segment_id=segment_id, speaker=seg.speaker, text=seg.text,
                          start_s=getattr(seg, "start_s", None), end_s=getattr(seg, "end_s", None))


def run_audio(call: Call, audio_dir: Path, resources: ExtractionResources | None = None) -> Ticket:
    return run_segments(audio_segments(call.id, audio_dir), resources)
