import numpy as np
import pytest

from assistant.asr.audio import AudioError, load_audio, to_pcm16
from assistant.asr.vad import SpeechSegmenter, VadSegmentEnd, VadSegmentStart


def _segments(seg: SpeechSegmenter, pcm: np.ndarray, chunk: int = 1234):
    events = []
    for i in range(0, pcm.size, chunk):
        events += seg.feed(pcm[i:i + chunk])
    events += seg.flush()
    starts = [e for e in events if isinstance(e, VadSegmentStart)]
    ends = [e for e in events if isinstance(e, VadSegmentEnd)]
    return starts, ends


def test_silence_yields_no_segment():
    starts, ends = _segments(SpeechSegmenter(16000), np.zeros(16000 * 3, dtype=np.int16))
    assert starts == [] and ends == []


def test_low_noise_yields_no_segment():
    rng = np.random.default_rng(0)
    noise = to_pcm16(rng.normal(0, 0.002, 16000 * 3).astype(np.float32))
    starts, _ = _segments(SpeechSegmenter(16000, aggressiveness=3), noise)
    assert starts == []


def test_speech_turns_are_found_with_their_times(data_dir, dev_timings):
    call = dev_timings["dev-002"]
    audio = load_audio(data_dir / "calls" / "dev" / "audio" / "dev-002.stereo16k.wav")
    caller = to_pcm16(audio.channel(1))
    starts, ends = _segments(SpeechSegmenter(16000), caller)
    turns = [t for t in call["turns"] if t["speaker"] == "caller"]
    assert len(starts) == len(ends)
    # every caller turn is covered by a detected segment, and segments start near a turn's start
    for t in turns:
        assert any(s.start_s - 0.35 <= t["start_s"] and e.end_s >= t["end_s"] - 0.5 for s, e in zip(starts, ends))
    for e in ends:
        assert e.detected_s >= e.end_s and e.end_s > e.start_s


def test_segments_are_cut_at_the_maximum_length():
    rng = np.random.default_rng(1)
    # loud broadband noise reads as continuous "speech" to webrtcvad
    loud = to_pcm16(rng.normal(0, 0.3, 16000 * 5).astype(np.float32))
    starts, ends = _segments(SpeechSegmenter(16000, aggressiveness=0, max_segment_s=2.0), loud)
    assert len(ends) >= 2
    assert all(e.end_s - e.start_s <= 2.0 + 0.31 for e in ends)


def test_8k_telephone_audio(data_dir):
    audio = load_audio(data_dir / "calls" / "dev" / "audio" / "dev-002.mono8k.wav")
    assert audio.rate == 8000
    starts, _ = _segments(SpeechSegmenter(8000), to_pcm16(audio.channel(0)))
    assert len(starts) >= 4


def test_unsupported_rate_and_dtype_are_rejected():
    with pytest.raises(AudioError, match="resample first"):
        SpeechSegmenter(22050)
    with pytest.raises(AudioError, match="int16"):
        SpeechSegmenter(16000).feed(np.zeros(480, dtype=np.float32))
