"""A whole call: one ChannelTranscriber per speaker channel, events merged in audio-time order."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from assistant.asr.audio import Audio, AudioError
from assistant.asr.channel import ChannelTranscriber
from assistant.asr.events import FinalTranscript, Speaker, TranscriptEvent
from assistant.asr.recognizer import RecognizerEngine


def channel_speakers(channels: int, agent_channel: int = 0) -> dict[int, Speaker]:
    """Which speaker each channel carries: stereo = agent + caller; mono = a mixed line, labelled as the caller."""
    if channels == 1:
        return {0: "caller"}
    if channels == 2:
        return {agent_channel: "agent", 1 - agent_channel: "caller"}
    raise AudioError(f"{channels}-channel audio: a call has one (mixed) or two (agent/caller) channels")


class CallTranscriber:
    def __init__(self, engine: RecognizerEngine, rate: int, speakers: dict[int, Speaker], *, vad: dict | None = None,
                 partials: bool = True):
        self.speakers = speakers
        self.channels = {ch: ChannelTranscriber(sp, engine, rate, vad=vad, partials=partials)
                         for ch, sp in speakers.items()}

    def feed(self, samples: np.ndarray) -> list[TranscriptEvent]:
        """samples: float32 (frames, channels) for the channels this call was built with."""
        if samples.ndim != 2 or samples.shape[1] < max(self.channels) + 1:
            raise AudioError(f"expected audio with {max(self.channels) + 1} channels, got shape {samples.shape}")
        events: list[TranscriptEvent] = []
        for ch, tr in self.channels.items():
            events.extend(tr.feed(samples[:, ch]))
        return sorted(events, key=_event_time)

    def close(self) -> list[TranscriptEvent]:
        events = [ev for tr in self.channels.values() for ev in tr.close()]
        return sorted(events, key=_event_time)


def _event_time(ev: TranscriptEvent) -> float:
    return getattr(ev, "end_s", None) or getattr(ev, "start_s", 0.0)


def transcribe_audio(audio: Audio, engine: RecognizerEngine, *, agent_channel: int = 0, vad: dict | None = None,
                     chunk_s: float = 0.5, on_progress: Callable[[float], None] | None = None,
                     partials: bool = False) -> Iterator[TranscriptEvent]:
    """Stream a recorded call through the live pipeline chunk by chunk; yields every event."""
    speakers = channel_speakers(audio.channels, agent_channel)
    call = CallTranscriber(engine, audio.rate, speakers, vad=vad, partials=partials)
    step = max(1, int(chunk_s * audio.rate))
    for i in range(0, audio.samples.shape[0], step):
        yield from call.feed(audio.samples[i:i + step])
        if on_progress:
            on_progress(min(audio.duration_s, (i + step) / audio.rate))
    yield from call.close()


def final_segments(events: Iterator[TranscriptEvent] | list[TranscriptEvent]) -> list[FinalTranscript]:
    """The finals of a call in the order they were spoken."""
    finals = [ev for ev in events if isinstance(ev, FinalTranscript)]
    return sorted(finals, key=lambda f: (f.start_s, f.end_s))
