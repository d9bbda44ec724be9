"""Speech segmentation with webrtcvad: per-frame decisions turned into speech-start / speech-end events.

A segment opens once `start_ms` of voiced frames fall within a short window (so clicks don't open one), keeps
`pre_roll_ms` of audio before that point (so the first syllable isn't clipped), and closes after `end_ms` of
trailing silence (the endpoint hangover) or when it reaches `max_segment_s`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import webrtcvad

from assistant.asr.audio import AudioError

VAD_RATES = (8000, 16000, 32000, 48000)


@dataclass
class VadSegmentStart:
    start_s: float
    audio: np.ndarray  # int16 pre-roll and first frames


@dataclass
class VadAudio:
    audio: np.ndarray  # int16 frames inside an open segment


@dataclass
class VadSegmentEnd:
    start_s: float
    end_s: float  # last voiced frame
    detected_s: float  # when the endpoint was decided
    forced: bool = False  # cut at max_segment_s


VadEvent = VadSegmentStart | VadAudio | VadSegmentEnd


@dataclass
class SpeechSegmenter:
    rate: int
    aggressiveness: int = 2
    frame_ms: int = 30
    start_ms: int = 150
    end_ms: int = 450
    pre_roll_ms: int = 240
    max_segment_s: float = 15.0

    _vad: webrtcvad.Vad = field(init=False, repr=False)
    _pending: np.ndarray = field(init=False, repr=False)
    _frames_seen: int = field(init=False, default=0)
    _in_speech: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        if self.rate not in VAD_RATES:
            raise AudioError(f"VAD needs one of {VAD_RATES} Hz, got {self.rate}; resample first")
        if self.frame_ms not in (10, 20, 30):
            raise ValueError("frame_ms must be 10, 20 or 30")
        self._vad = webrtcvad.Vad(self.aggressiveness)
        self.frame_len = self.rate * self.frame_ms // 1000
        self._pending = np.zeros(0, dtype=np.int16)
        window = max(1, round(300 / self.frame_ms))
        self._recent: deque[tuple[np.ndarray, bool]] = deque(maxlen=max(window, round(self.pre_roll_ms / self.frame_ms)))
        self._start_frames = max(1, round(self.start_ms / self.frame_ms))
        self._window = window
        self._end_frames = max(1, round(self.end_ms / self.frame_ms))
        self._max_frames = int(self.max_segment_s * 1000 / self.frame_ms)

    @property
    def time_s(self) -> float:
        return self._frames_seen * self.frame_ms / 1000

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def trailing_silence_ms(self) -> int:
        """Unvoiced audio at the end of the open segment (0 outside speech)."""
        return self._silent_run * self.frame_ms if self._in_speech else 0

    def feed(self, pcm16: np.ndarray) -> list[VadEvent]:
        """Feed int16 mono samples (any chunk size); returns the events they complete."""
        if pcm16.dtype != np.int16:
            raise AudioError(f"VAD expects int16 samples, got {pcm16.dtype}")
        buf = np.concatenate([self._pending, pcm16]) if self._pending.size else pcm16
        n = buf.size // self.frame_len
        self._pending = buf[n * self.frame_len:].copy()
        events: list[VadEvent] = []
        for i in range(n):
            events.extend(self._frame(buf[i * self.frame_len:(i + 1) * self.frame_len]))
        return _merge_audio(events)

    def flush(self) -> list[VadEvent]:
        """End of stream: close an open segment at the current time."""
        self._pending = np.zeros(0, dtype=np.int16)
        if not self._in_speech:
            return []
        self._in_speech = False
        end = self._last_voiced_s
        return [VadSegmentEnd(self._seg_start_s, end, self.time_s)]

    def _frame(self, frame: np.ndarray) -> list[VadEvent]:
        voiced = self._vad.is_speech(frame.tobytes(), self.rate)
        self._frames_seen += 1
        t_end = self.time_s
        if not self._in_speech:
            self._recent.append((frame, voiced))
            recent = list(self._recent)[-self._window:]
            if voiced and sum(v for _, v in recent) >= self._start_frames:
                self._in_speech = True
                pre = min(len(self._recent), round(self.pre_roll_ms / self.frame_ms) + self._window)
                kept = list(self._recent)[-pre:]
                self._seg_start_s = t_end - len(kept) * self.frame_ms / 1000
                self._seg_frames = len(kept)
                self._silent_run = 0
                self._last_voiced_s = t_end
                self._recent.clear()
                return [VadSegmentStart(self._seg_start_s, np.concatenate([f for f, _ in kept]))]
            return []
        self._seg_frames += 1
        if voiced:
            self._silent_run = 0
            self._last_voiced_s = t_end
        else:
            self._silent_run += 1
        events: list[VadEvent] = [VadAudio(frame)]
        if self._silent_run >= self._end_frames:
            self._in_speech = False
            events.append(VadSegmentEnd(self._seg_start_s, self._last_voiced_s, t_end))
        elif self._seg_frames >= self._max_frames:
            # Cut an over-long segment and open the next one at once, so no audio is lost between the two.
            events.append(VadSegmentEnd(self._seg_start_s, t_end, t_end, forced=True))
            self._seg_start_s, self._seg_frames, self._silent_run = t_end, 0, 0
            events.append(VadSegmentStart(t_end, np.zeros(0, dtype=np.int16)))
        return events


def _merge_audio(events: list[VadEvent]) -> list[VadEvent]:
    """Join consecutive VadAudio frames so downstream stages get fewer, larger chunks."""
    out: list[VadEvent] = []
    run: list[np.ndarray] = []
    for ev in events:
        if isinstance(ev, VadAudio):
            run.append(ev.audio)
            continue
        if run:
            out.append(VadAudio(np.concatenate(run)))
            run = []
        out.append(ev)
    if run:
        out.append(VadAudio(np.concatenate(run)))
    return out
