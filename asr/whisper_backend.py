"""faster-whisper backend: finals decoded per VAD segment, partials by bounded-rate re-decoding of the open segment.

Only VAD speech is ever decoded, on an encoder window fitted to the utterance (see whisper_window; the standard 30-s
window is the fallback when the fitted decode looks unreliable, and the path for word timestamps). Partials are
opportunistic: they run on a separate thread, at most one at a time per process, only when a decoder slot is free,
and never hold up the VAD or a final. A partial uses greedy decoding and commits only the prefix that two consecutive
hypotheses agree on; a final uses beam search. Output is cleaned (simplified Chinese, no decoder loops or subtitle
hallucinations).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from assistant.asr.events import Word
from assistant.asr.hypothesis import HypothesisBuffer
from assistant.asr.recognizer import Final, Partial
from assistant.asr.text import clean_transcript, to_simplified
from assistant.asr.whisper_window import FULL_WINDOW_FRAMES, FittedWindowDecoder

WHISPER_RATE = 16000
log = logging.getLogger(__name__)


class WhisperEngine:
    name = "whisper"
    sample_rate = WHISPER_RATE

    def __init__(self, model_dir: str | Path, *, compute_type: str = "int8", threads: int = 1, workers: int = 2,
                 beam_size: int = 5, language: str = "zh", partial_interval_s: float = 1.0,
                 word_timestamps: bool = True, initial_prompt: str | None = None, fitted_window: bool = True,
                 window_margin_s: float = 1.0):
        from faster_whisper import WhisperModel  # heavy import, only when a whisper engine is made

        model_dir = Path(model_dir)
        if not (model_dir / "model.bin").is_file():
            raise FileNotFoundError(f"no faster-whisper model in {model_dir} (model.bin missing)")
        self.model = WhisperModel(str(model_dir), device="cpu", compute_type=compute_type, cpu_threads=threads,
                                  num_workers=workers)
        self.beam_size = beam_size
        self.language = language
        self.partial_interval_s = partial_interval_s
        self.word_timestamps = word_timestamps
        self.initial_prompt = initial_prompt
        self._slots = threading.BoundedSemaphore(workers)  # CTranslate2 runs `workers` decodes in parallel
        self._partials = ThreadPoolExecutor(1, thread_name_prefix="whisper-partial")
        self._partial_busy = threading.Lock()
        self._fitted = (FittedWindowDecoder(self.model, language=language, margin_s=window_margin_s,
                                            initial_prompt=initial_prompt) if fitted_window else None)
        self.window_fallbacks = 0  # fitted-window decodes redone on the full window (a quality signal for benchmarks)

    def warm_up(self) -> None:
        """One throw-away decode, so the first real call does not pay for CTranslate2's lazy initialisation."""
        rng = np.random.default_rng(0)
        self.decode((rng.normal(0, 0.01, WHISPER_RATE)).astype(np.float32), final=True)

    def stream(self, partials: bool = True) -> "WhisperStream":
        return WhisperStream(self, partials)

    def decode(self, audio: np.ndarray, *, final: bool) -> tuple[str, list[Word]]:
        """Decode float32 16 kHz mono audio; returns cleaned text and (for finals) word times."""
        with self._slots:
            return self._decode(audio, final)

    def try_partial(self, audio: np.ndarray) -> Future | None:
        """Start a partial decode in the background if the process has nothing else to do; else None."""
        if not self._partial_busy.acquire(blocking=False):
            return None
        if not self._slots.acquire(blocking=False):
            self._partial_busy.release()
            return None

        def run() -> str | None:
            try:
                return self._decode(audio, final=False)[0]
            finally:
                self._slots.release()
                self._partial_busy.release()
        return self._partials.submit(run)

    def _decode(self, audio: np.ndarray, final: bool) -> tuple[str | None, list[Word]]:
        """(text, words); for a partial, text None means "no reliable hypothesis this time"."""
        fits = audio.size < (FULL_WINDOW_FRAMES - self._fitted.margin_frames) * 160 if self._fitted else False
        if fits and not (final and self.word_timestamps):
            got = self._fitted.decode(audio, beam_size=self.beam_size if final else 1)
            if got.trustworthy:
                return ("" if got.silence else clean_transcript(got.text)), []
            if not final:
                return None, []  # not worth a full-window decode for a provisional hypothesis
            self.window_fallbacks += 1
            log.debug("fitted window unreliable (ratio %.2f, logprob %.2f): full-window decode",
                      got.compression_ratio, got.avg_logprob)
        segments, _ = self.model.transcribe(
            audio, language=self.language, task="transcribe",
            beam_size=self.beam_size if final else 1,
            condition_on_previous_text=False, vad_filter=False,
            word_timestamps=final and self.word_timestamps,
            without_timestamps=not final, initial_prompt=self.initial_prompt,
        )
        segments = list(segments)
        words: list[Word] = []
        for seg in segments:
            for w in seg.words or ():
                words.append(Word(text=to_simplified(w.word.strip()), start_s=round(w.start, 3),
                                  end_s=round(w.end, 3), probability=round(w.probability, 3)))
        text = clean_transcript("".join(s.text for s in segments))
        if not text:
            words = []
        return text, words


class WhisperStream:
    def __init__(self, engine: WhisperEngine, partials: bool = True):
        self.engine = engine
        self.partials = partials
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self._decoded_at = 0
        self._hyp = HypothesisBuffer()
        self._pending: Future | None = None

    def begin(self) -> None:
        self._chunks, self._samples, self._decoded_at = [], 0, 0
        self._hyp.reset()
        self._pending = None

    def _audio(self) -> np.ndarray:
        pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        self._chunks = [pcm] if pcm.size else []
        return pcm.astype(np.float32) / 32768.0

    def accept(self, pcm16: np.ndarray) -> list[Partial | Final]:
        self._chunks.append(pcm16)
        self._samples += pcm16.size
        out: list[Partial | Final] = []
        if self._pending is not None and self._pending.done():
            text = self._pending.result() if self._pending.exception() is None else None
            self._pending = None
            if text is not None:
                self._hyp.insert(text)
                out.append(Partial(text=self._hyp.current(), stable=self._hyp.committed))
        interval = int(self.engine.partial_interval_s * WHISPER_RATE)
        if self.partials and self._pending is None and self._samples - self._decoded_at >= interval:
            future = self.engine.try_partial(self._audio())
            if future is not None:
                self._pending, self._decoded_at = future, self._samples
        return out

    def finish(self) -> list[Final]:
        self._pending = None  # a partial still running is moot now: the final supersedes it
        if self._samples == 0:
            return []
        t0 = time.perf_counter()
        text, words = self.engine.decode(self._audio(), final=True)
        self._chunks, self._samples = [], 0
        return [Final(text=text, words=words, decode_s=time.perf_counter() - t0)] if text else []
