"""Audio input: files of any rate and channel count, raw PCM16, G.711 telephony, resampling.

Everything decodes to float32 in [-1, 1] with shape (frames, channels). libsndfile (soundfile) does the decoding,
G.711 included; soxr does the resampling.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
import soxr

Encoding = Literal["pcm16", "mulaw", "alaw"]
ENCODINGS: tuple[str, ...] = ("pcm16", "mulaw", "alaw")
_G711_SUBTYPE = {"mulaw": "ULAW", "alaw": "ALAW"}


class AudioError(ValueError):
    """Audio that cannot be used: empty, corrupt, unsupported or inconsistent. The message says which."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32, (frames, channels)
    rate: int

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.rate

    def channel(self, index: int) -> np.ndarray:
        if not 0 <= index < self.channels:
            raise AudioError(f"channel {index} requested from {self.channels}-channel audio")
        return self.samples[:, index]


def load_audio(path: str | Path) -> Audio:
    """Read a WAV/FLAC/OGG... file, keeping its rate and channels."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioError(f"{path}: not a readable audio file ({exc})") from exc
    if data.shape[0] == 0:
        raise AudioError(f"{path}: the file holds no audio frames")
    return Audio(np.ascontiguousarray(data), int(rate))


def decode_pcm16(payload: bytes, channels: int = 1) -> np.ndarray:
    """Little-endian signed 16-bit interleaved PCM → float32 (frames, channels)."""
    frame_bytes = 2 * channels
    if len(payload) % frame_bytes:
        raise AudioError(f"PCM16 payload of {len(payload)} bytes is not a whole number of {channels}-channel frames")
    pcm = np.frombuffer(payload, dtype="<i2").reshape(-1, channels)
    return pcm.astype(np.float32) / 32768.0


def decode_g711(payload: bytes, law: Literal["mulaw", "alaw"], channels: int = 1, rate: int = 8000) -> np.ndarray:
    """G.711 μ-law / A-law bytes → float32 (frames, channels), decoded by libsndfile."""
    if law not in _G711_SUBTYPE:
        raise AudioError(f"unknown G.711 law {law!r}; expected one of {sorted(_G711_SUBTYPE)}")
    if len(payload) % channels:
        raise AudioError(f"G.711 payload of {len(payload)} bytes is not a whole number of {channels}-channel frames")
    if not payload:
        return np.zeros((0, channels), dtype=np.float32)
    data, _ = sf.read(io.BytesIO(payload), format="RAW", subtype=_G711_SUBTYPE[law], samplerate=rate,
                      channels=channels, dtype="float32", always_2d=True)
    return data


def decode(payload: bytes, encoding: Encoding, channels: int = 1, rate: int = 8000) -> np.ndarray:
    if encoding == "pcm16":
        return decode_pcm16(payload, channels)
    if encoding in _G711_SUBTYPE:
        return decode_g711(payload, encoding, channels, rate)  # type: ignore[arg-type]
    raise AudioError(f"unsupported encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """High-quality resampling of float32 mono or (frames, channels) audio."""
    if from_rate <= 0 or to_rate <= 0:
        raise AudioError(f"invalid sample rates {from_rate} → {to_rate}")
    if from_rate == to_rate or samples.shape[0] == 0:
        return samples.astype(np.float32, copy=False)
    return soxr.resample(samples, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """float32 [-1, 1] → int16, clipping rather than wrapping around."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


class StreamResampler:
    """Chunk-by-chunk resampling for live audio (keeps filter state between chunks)."""

    def __init__(self, from_rate: int, to_rate: int):
        self.from_rate, self.to_rate = from_rate, to_rate
        self._stream = None if from_rate == to_rate else soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32")

    def __call__(self, mono: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return mono.astype(np.float32, copy=False)
        return self._stream.resample_chunk(mono.astype(np.float32, copy=False), last=last)
