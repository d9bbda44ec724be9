"""The streaming recogniser interface shared by every backend.

An engine holds the loaded model (loaded once, shared by all calls); `engine.stream()` gives a per-channel
recogniser that receives the audio of one VAD segment at a time: `begin()`, `accept(chunk)` any number of times,
`finish()`. Times in results are seconds from the start of the segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.asr.events import Word


@dataclass
class Partial:
    text: str
    stable: str = ""


@dataclass
class Final:
    text: str
    start_s: float = 0.0
    end_s: float | None = None  # None: the end of the segment
    words: list[Word] = field(default_factory=list)
    decode_s: float = 0.0  # wall time of the decode that produced it


class SegmentRecognizer(Protocol):
    def begin(self) -> None: ...

    def accept(self, pcm16: np.ndarray) -> list[Partial | Final]:
        """int16 mono audio at the engine's rate; returns partials and any finals the backend endpointed itself."""

    def finish(self) -> list[Final]:
        """The segment ended: decode what remains."""


class RecognizerEngine(Protocol):
    name: str
    sample_rate: int

    def warm_up(self) -> None:
        """Make the first decode as fast as the rest (called once at service start)."""

    def stream(self, partials: bool = True) -> SegmentRecognizer:
        """A recogniser for one channel; partials=False skips provisional results (offline use)."""
