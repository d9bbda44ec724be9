"""Whisper decoding on a window fitted to the utterance instead of the fixed 30 s.

faster-whisper pads every input to 3,000 mel frames, so a 3-s utterance pays for a 30-s encoder pass (about 0.6 s of
a 2-core CPU for whisper base, most of a decode). CTranslate2 accepts shorter inputs, and whisper decodes a VAD
segment padded by about a second almost as well as a full window. Almost: on hard audio a short window sometimes
yields a repetitive or low-confidence hypothesis. Those are caught with whisper's own fallback criteria
(compression ratio, average log-probability) and the caller then redoes the utterance the standard way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FULL_WINDOW_FRAMES = 3000  # whisper's 30 s of 10-ms mel frames
COMPRESSION_RATIO_MAX = 2.4  # whisper's thresholds for a hypothesis worth keeping
AVG_LOGPROB_MIN = -1.0
NO_SPEECH_MIN = 0.6


@dataclass(frozen=True)
class WindowDecode:
    text: str
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    frames: int

    @property
    def silence(self) -> bool:
        """Whisper's own rule: confident no-speech plus a weak hypothesis means there was nothing to transcribe."""
        return self.no_speech_prob > NO_SPEECH_MIN and self.avg_logprob < AVG_LOGPROB_MIN

    @property
    def trustworthy(self) -> bool:
        return self.silence or (self.compression_ratio <= COMPRESSION_RATIO_MAX and self.avg_logprob >= AVG_LOGPROB_MIN)


def window_frames(content_frames: int, margin_frames: int, step_frames: int = 100) -> int:
    """Encoder input length: the utterance plus a margin, rounded up to whole steps, never over whisper's 30 s."""
    return min(FULL_WINDOW_FRAMES, math.ceil((content_frames + margin_frames) / step_frames) * step_frames)


class FittedWindowDecoder:
    """Greedy or beam decoding of one utterance (≤ 30 s) on a fitted window.

    Decoding keeps whisper's timestamp tokens: they are how the model says where speech ends, and without them it
    tends to start over in the padding (the same sentence twice). Text the model places after the utterance's end is
    dropped for the same reason.
    """

    def __init__(self, model, *, language: str, margin_s: float = 1.0, initial_prompt: str | None = None):
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

        self.model = model  # a faster_whisper.WhisperModel; its CTranslate2 model and tokenizer are shared
        self._compression_ratio = get_compression_ratio
        self.tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                                   language=language)
        self.suppress_tokens = list(get_suppressed_tokens(self.tokenizer, [-1]))
        previous = self.tokenizer.encode(" " + initial_prompt.strip()) if initial_prompt else []
        self.prompt = model.get_prompt(self.tokenizer, previous, without_timestamps=False)
        self.margin_frames = round(margin_s * 100)
        self.max_initial_timestamp = round(1.0 / model.time_precision)  # whisper's default: speech starts in 1 s

    def decode(self, audio: np.ndarray, *, beam_size: int) -> WindowDecode:
        features = self.model.feature_extractor(audio)
        content = features.shape[-1] - 1  # the extractor's trailing frame is padding (as in faster-whisper)
        if content > FULL_WINDOW_FRAMES:
            raise ValueError(f"utterance of {content / 100:.1f} s is longer than whisper's 30-s window")
        frames = window_frames(content, self.margin_frames)
        window = np.zeros((features.shape[0], frames), dtype=np.float32)
        window[:, :content] = features[:, :content]
        encoded = self.model.encode(window)
        result = self.model.model.generate(
            encoded, [self.prompt], beam_size=beam_size, max_length=self.model.max_length, return_scores=True,
            return_no_speech_prob=True, suppress_blank=True, suppress_tokens=self.suppress_tokens,
            max_initial_timestamp_index=self.max_initial_timestamp,
        )[0]
        tokens = self._within(result.sequences_ids[0], content / 100)
        text = self.tokenizer.decode(tokens).strip()
        # CTranslate2 returns the length-normalised score; whisper's criterion is over len + 1 (the end token)
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else float(result.scores[0])
        return WindowDecode(text=text, avg_logprob=avg_logprob, compression_ratio=self._compression_ratio(text),
                            no_speech_prob=result.no_speech_prob, frames=frames)

    def _within(self, sequence: list[int], content_s: float) -> list[int]:
        """Text tokens of the segments that start before the utterance ends (timestamp tokens removed)."""
        begin, precision = self.tokenizer.timestamp_begin, self.model.time_precision
        kept: list[int] = []
        inside = True
        for token in sequence:
            if token >= begin:
                stamp = (token - begin) * precision
                if stamp >= content_s:
                    inside = False  # a segment opening in the padding: what follows is made up
            elif token < self.tokenizer.eot and inside:
                kept.append(token)
        return kept
