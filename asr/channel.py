"""One speaker's channel: resample → VAD → recogniser, producing typed transcript events with call-time stamps."""

from __future__ import annotations

import itertools
import logging

import numpy as np

from assistant.asr.audio import AudioError, StreamResampler, to_pcm16
from assistant.asr.events import (FinalTranscript, PartialTranscript, RecognizerFailed, Speaker, SpeechEnded,
                                  SpeechStarted, TranscriptEvent, Word)
from assistant.asr.recognizer import Final, Partial, RecognizerEngine
from assistant.asr.vad import SpeechSegmenter, VadAudio, VadSegmentEnd, VadSegmentStart

log = logging.getLogger(__name__)
PARTIAL_PAUSE_MS = 150


class ChannelTranscriber:
    """Feed float32 mono audio of one speaker at `input_rate`; get transcript events back.

    VAD runs at the recogniser's rate (both are 8/16 kHz-friendly), so audio is resampled once. A recogniser error
    costs only the segment it happened in.
    """

    def __init__(self, speaker: Speaker, engine: RecognizerEngine, input_rate: int, *, vad: dict | None = None,
                 id_prefix: str = "", partials: bool = True):
        if input_rate <= 0:
            raise AudioError(f"invalid sample rate {input_rate}")
        self.speaker = speaker
        self.engine = engine
        self.rate = engine.sample_rate
        self._resample = StreamResampler(input_rate, self.rate)
        self._vad = SpeechSegmenter(self.rate, **(vad or {}))
        self._partials = partials
        self._rec = engine.stream(partials)
        self._ids = itertools.count(1)
        self._prefix = id_prefix or speaker[0]
        self._seg_id: str | None = None
        self._seg_start = 0.0
        self._failed = False
        self._finals_in_segment = 0

    def set_partials(self, enabled: bool) -> None:
        """Turn provisional results on or off (a live caller sheds them first when it falls behind)."""
        self._partials = enabled
        self._rec.partials = enabled

    def feed(self, samples: np.ndarray) -> list[TranscriptEvent]:
        pcm = to_pcm16(self._resample(samples))
        return self._handle(self._vad.feed(pcm))

    def close(self) -> list[TranscriptEvent]:
        """End of the call: flush the resampler and VAD, finishing an open segment."""
        pcm = to_pcm16(self._resample(np.zeros(0, dtype=np.float32), last=True))
        events = self._handle(self._vad.feed(pcm)) if pcm.size else []
        return events + self._handle(self._vad.flush())

    def _handle(self, vad_events) -> list[TranscriptEvent]:
        out: list[TranscriptEvent] = []
        for ev in vad_events:
            if isinstance(ev, VadSegmentStart):
                self._seg_id = f"{self._prefix}{next(self._ids)}"
                self._seg_start = ev.start_s
                self._failed = False
                self._finals_in_segment = 0
                out.append(SpeechStarted(speaker=self.speaker, segment_id=self._seg_id, start_s=round(ev.start_s, 3)))
                self._guard(self._rec.begin)
                if ev.audio.size:
                    out.extend(self._results(self._guard(self._rec.accept, ev.audio) or []))
            elif isinstance(ev, VadAudio):
                # The speaker has paused: an endpoint may be near, so leave the CPU to the final decode.
                self._rec.partials = self._partials and self._vad.trailing_silence_ms < PARTIAL_PAUSE_MS
                out.extend(self._results(self._guard(self._rec.accept, ev.audio) or []))
            elif isinstance(ev, VadSegmentEnd):
                out.append(SpeechEnded(speaker=self.speaker, segment_id=self._seg_id or "", start_s=round(ev.start_s, 3),
                                       end_s=round(ev.end_s, 3), detected_s=round(ev.detected_s, 3)))
                out.extend(self._results(self._guard(self._rec.finish) or [], seg_end=ev.end_s,
                                         detected=ev.detected_s))
                if self._failed:
                    out.append(RecognizerFailed(speaker=self.speaker, segment_id=self._seg_id or "",
                                                message=self._error))
        return out

    def _guard(self, fn, *args):
        if self._failed:
            return None
        try:
            return fn(*args)
        except Exception as exc:  # one segment's decoder failure must not end the call
            log.exception("recogniser failed on %s segment %s", self.speaker, self._seg_id)
            self._failed, self._error = True, f"{type(exc).__name__}: {exc}"
            self._rec = self.engine.stream(self._partials)
            return None

    def _results(self, results: list[Partial | Final], seg_end: float | None = None,
                 detected: float | None = None) -> list[TranscriptEvent]:
        out: list[TranscriptEvent] = []
        t0 = self._seg_start
        for r in results:
            if isinstance(r, Partial):
                out.append(PartialTranscript(speaker=self.speaker, segment_id=self._seg_id or "", start_s=round(t0, 3),
                                             end_s=round(self._vad.time_s, 3), text=r.text, stable=r.stable))
            else:
                end = t0 + r.end_s if r.end_s is not None else (seg_end if seg_end is not None else self._vad.time_s)
                words = [Word(text=w.text, start_s=round(t0 + w.start_s, 3), end_s=round(t0 + w.end_s, 3),
                              probability=w.probability) for w in r.words]
                # A backend that endpoints by itself can close several utterances inside one VAD segment.
                self._finals_in_segment += 1
                seg_id = self._seg_id or ""
                if self._finals_in_segment > 1:
                    seg_id = f"{seg_id}.{self._finals_in_segment}"
                out.append(FinalTranscript(speaker=self.speaker, segment_id=seg_id,
                                           start_s=round(t0 + r.start_s, 3), end_s=round(end, 3), text=r.text,
                                           words=words, decode_s=round(r.decode_s, 4),
                                           endpoint_s=round(detected if detected is not None else self._vad.time_s, 3)))
        return out
