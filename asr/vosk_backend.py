"""Vosk (Kaldi) backend: true streaming at the model's sample rate, with word times.

Production runs vosk-model-small-cn (16 kHz); 8 kHz telephone audio is upsampled by the channel stage, or a model
trained at 8 kHz is used at its own rate (`sample_rate`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from assistant.asr.events import Word
from assistant.asr.recognizer import Final, Partial
from assistant.asr.text import clean_transcript


class VoskEngine:
    name = "vosk"

    def __init__(self, model_dir: str | Path, sample_rate: int = 16000):
        import vosk  # heavy import, only when a vosk engine is made

        model_dir = Path(model_dir)
        if not (model_dir / "am").is_dir() and not (model_dir / "final.mdl").is_file():
            raise FileNotFoundError(f"no vosk model in {model_dir}")
        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self.model = vosk.Model(str(model_dir))
        self.sample_rate = sample_rate

    def warm_up(self) -> None:
        """Nothing to do: Kaldi decodes at full speed from the first frame."""

    def stream(self, partials: bool = True) -> "VoskStream":
        return VoskStream(self, partials)


class VoskStream:
    def __init__(self, engine: VoskEngine, partials: bool = True):
        self.engine = engine
        self.partials = partials
        self._rec = None
        self._fed = 0  # samples fed in this segment
        self._last_partial = ""

    def begin(self) -> None:
        self._rec = self.engine._vosk.KaldiRecognizer(self.engine.model, self.engine.sample_rate)
        self._rec.SetWords(True)
        self._fed = 0
        self._last_partial = ""

    def accept(self, pcm16: np.ndarray) -> list[Partial | Final]:
        if self._rec is None:
            self.begin()
        self._fed += pcm16.size
        t0 = time.perf_counter()
        if self._rec.AcceptWaveform(pcm16.tobytes()):  # the recogniser endpointed by itself
            final = self._final(json.loads(self._rec.Result()), time.perf_counter() - t0)
            self._last_partial = ""
            return [final] if final else []
        partial = clean_transcript(json.loads(self._rec.PartialResult()).get("partial", ""))
        if self.partials and partial and partial != self._last_partial:
            self._last_partial = partial
            return [Partial(text=partial)]
        return []

    def finish(self) -> list[Final]:
        if self._rec is None:
            return []
        t0 = time.perf_counter()
        final = self._final(json.loads(self._rec.FinalResult()), time.perf_counter() - t0)
        self._rec = None
        return [final] if final else []

    def _final(self, result: dict, decode_s: float) -> Final | None:
        words = [Word(text=w["word"], start_s=round(w["start"], 3), end_s=round(w["end"], 3),
                      probability=round(w.get("conf", 1.0), 3)) for w in result.get("result", [])]
        text = clean_transcript(result.get("text", ""))
        if not text:
            return None
        start = words[0].start_s if words else 0.0
        end = words[-1].end_s if words else None
        return Final(text=text, start_s=start, end_s=end, words=words, decode_s=decode_s)
