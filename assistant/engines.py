"""Builds the configured recogniser engine once per process: models are loaded once and shared by every call."""

from __future__ import annotations

import threading
from assistant.config import Settings, get_settings

_lock = threading.Lock()
_engines: dict[tuple[str, str], object] = {}


def get_engine(backend: str | None = None, settings: Settings | None = None):
    settings = settings or get_settings()
    backend = backend or settings.asr_backend
    key = (backend, settings.model_dump_json(include={"model_path", "whisper", "vosk"}))
    with _lock:
        if key not in _engines:
            _engines[key] = _build(backend, settings)
        return _engines[key]


def _build(backend: str, settings: Settings):
    from assistant.models.registry import find_model

    if backend == "whisper":
        from assistant.asr.whisper_backend import WhisperEngine

        w = settings.whisper
        return WhisperEngine(find_model(w.model), compute_type=w.compute_type, threads=w.threads, workers=w.workers,
                             beam_size=w.beam_size, language=w.language, partial_interval_s=w.partial_interval_s,
                             word_timestamps=w.word_timestamps, initial_prompt=w.initial_prompt or None,
                             fitted_window=w.fitted_window, window_margin_s=w.window_margin_s)
    if backend == "vosk":
        from assistant.asr.vosk_backend import VoskEngine

        return VoskEngine(find_model(settings.vosk.model), sample_rate=settings.vosk.sample_rate)
    raise ValueError(f"unknown ASR backend {backend!r}; expected whisper or vosk")


def vad_options(settings: Settings | None = None) -> dict:
    return (settings or get_settings()).vad.model_dump()
