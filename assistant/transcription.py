"""Recorded call → speaker-labelled transcript, through the same streaming pipeline the live service uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.asr.audio import load_audio
from assistant.asr.call import final_segments, transcribe_audio
from assistant.asr.events import FinalTranscript, TranscriptEvent
from assistant.config import Settings, get_settings
from assistant.engines import get_engine, vad_options


def transcribe_events(path: str | Path, backend: str | None = None, settings: Settings | None = None,
                      on_progress: Callable[[float], None] | None = None) -> list[TranscriptEvent]:
    settings = settings or get_settings()
    audio = load_audio(path)
    engine = get_engine(backend, settings)
    return list(transcribe_audio(audio, engine, agent_channel=settings.agent_channel, vad=vad_options(settings),
                                 on_progress=on_progress))


def transcribe_file(path: str | Path, backend: str | None = None, settings: Settings | None = None,
                    on_progress: Callable[[float], None] | None = None) -> list[FinalTranscript]:
    """Final segments of a call file, in spoken order, each with speaker, text, start_s, end_s, segment_id."""
    return final_segments(transcribe_events(path, backend, settings, on_progress))
