"""Test audio made on the spot: espeak-ng speech and tones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np


def espeak(text: str, path: Path, voice: str = "ko") -> Path:
    """Speak `text` to a WAV file with espeak-ng (22.05 kHz mono)."""
    exe = shutil.which("espeak-ng")
    assert exe, "espeak-ng is required (installed by .ci/run / make setup)"
    subprocess.run([exe, "-v", voice, "-s", "150", "-w", str(path), text], check=True, capture_output=True)
    return path


def tone(seconds: float, rate: int = 16000, freq: float = 440.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
