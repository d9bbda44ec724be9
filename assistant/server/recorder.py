"""Call recording: each speaker's audio is appended to its own raw file as it arrives (nothing buffered in memory),
and joined into one stereo WAV (agent left, caller right) when the call ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.asr.audio import to_pcm16

ORDER = ("agent", "caller")


class Recorder:
    def __init__(self, directory: Path, call_id: str, rate: int):
        directory.mkdir(parents=True, exist_ok=True)
        self.rate = rate
        self.path = directory / f"{call_id}.wav"
        self._raw = {sp: open(directory / f"{call_id}.{sp}.pcm", "ab") for sp in ORDER}

    def write(self, speaker: str, audio: np.ndarray) -> None:
        self._raw[speaker].write(to_pcm16(audio).tobytes())

    def finish(self) -> Path | None:
        chans = []
        for sp in ORDER:
            f = self._raw[sp]
            f.close()
            chans.append(np.fromfile(f.name, dtype=np.int16))
        n = max(c.size for c in chans)
        if n:
            stereo = np.zeros((n, 2), dtype=np.int16)
            for i, c in enumerate(chans):
                stereo[: c.size, i] = c
            sf.write(self.path, stereo, self.rate, subtype="PCM_16")
        for sp in ORDER:
            Path(self._raw[sp].name).unlink(missing_ok=True)
        return self.path if n else None
