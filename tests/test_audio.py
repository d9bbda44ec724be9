import io

import numpy as np
import pytest
import soundfile as sf

from assistant.asr.audio import (AudioError, StreamResampler, decode, decode_g711, decode_pcm16, load_audio,
                                 resample, to_pcm16)
from assistant.asr.call import channel_speakers


def test_mulaw_matches_the_g711_reference_table():
    # ITU-T G.711 μ-law code words and their 16-bit linear values.
    codes = bytes([0x00, 0x80, 0xFF, 0x7F, 0x0F, 0x8F, 0x70])
    want = [-32124, 32124, 0, 0, -16764, 16764, -120]
    got = np.round(decode_g711(codes, "mulaw")[:, 0] * 32768).astype(int).tolist()
    assert got == want


def test_alaw_matches_the_g711_reference_table():
    codes = bytes([0xD5, 0x55, 0x2A, 0xAA])
    want = [8, -8, -32256, 32256]
    got = np.round(decode_g711(codes, "alaw")[:, 0] * 32768).astype(int).tolist()
    assert got == want


def test_pcm16_decoding_and_channel_layout():
    pcm = np.array([[100, -100], [32767, -32768]], dtype="<i2")
    out = decode_pcm16(pcm.tobytes(), channels=2)
    assert out.shape == (2, 2)
    assert out[1, 0] == pytest.approx(32767 / 32768) and out[1, 1] == -1.0


def test_truncated_pcm_frame_is_rejected():
    with pytest.raises(AudioError, match="whole number"):
        decode_pcm16(b"\x00\x01\x02", channels=1)
    with pytest.raises(AudioError, match="whole number"):
        decode_pcm16(b"\x00\x01\x02\x03\x04\x05", channels=2)


def test_unsupported_encoding_is_rejected():
    with pytest.raises(AudioError, match="unsupported encoding"):
        decode(b"\x00\x00", "opus")  # type: ignore[arg-type]


def test_load_any_rate_and_channels(tmp_path):
    rate = 44100
    x = np.stack([np.linspace(-0.5, 0.5, rate), np.zeros(rate)], axis=1).astype(np.float32)
    sf.write(tmp_path / "a.flac", x, rate)
    audio = load_audio(tmp_path / "a.flac")
    assert audio.rate == rate and audio.channels == 2
    assert audio.duration_s == pytest.approx(1.0)
    assert np.allclose(audio.channel(0), x[:, 0], atol=1e-4)
    with pytest.raises(AudioError, match="channel 2"):
        audio.channel(2)


@pytest.mark.parametrize("content,match", [(b"", "empty"), (b"RIFF\x00\x00\x00\x00WAVEfmt ", "not a readable"),
                                           (b"this is not audio at all" * 10, "not a readable")])
def test_bad_files_get_clear_errors(tmp_path, content, match):
    p = tmp_path / "bad.wav"
    p.write_bytes(content)
    with pytest.raises(AudioError, match=match):
        load_audio(p)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "nope.wav")


def test_truncated_wav_is_read_up_to_the_cut_or_rejected(tmp_path):
    buf = io.BytesIO()
    sf.write(buf, np.zeros(16000, dtype=np.float32), 16000, format="WAV")
    p = tmp_path / "cut.wav"
    p.write_bytes(buf.getvalue()[:44])  # header only, no frames
    with pytest.raises(AudioError):
        load_audio(p)


def test_resampling_keeps_a_tone_and_the_duration():
    rate = 8000
    t = np.arange(rate) / rate
    x = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    y = resample(x, 8000, 16000)
    assert y.shape[0] == 16000
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * 16000 / len(y) - 440) < 2


def test_stream_resampler_matches_length_over_chunks():
    r = StreamResampler(8000, 16000)
    chunks = [r(np.zeros(800, dtype=np.float32)) for _ in range(10)] + [r(np.zeros(0, dtype=np.float32), last=True)]
    assert abs(sum(c.size for c in chunks) - 16000) <= 2


def test_pcm16_conversion_clips_instead_of_wrapping():
    assert to_pcm16(np.array([1.5, -1.5], dtype=np.float32)).tolist() == [32767, -32767]


def test_stereo_channel_assignment():
    assert channel_speakers(2, agent_channel=0) == {0: "agent", 1: "caller"}
    assert channel_speakers(2, agent_channel=1) == {1: "agent", 0: "caller"}
    assert channel_speakers(1) == {0: "caller"}
    with pytest.raises(AudioError, match="4-channel"):
        channel_speakers(4)


def test_an_unusable_microphone_is_a_clear_error():
    import asyncio

    from assistant.asr.microphone import MicrophoneError, capture

    async def first_chunk():
        return await anext(capture("no-such-device", channels=1, rate=16000))

    with pytest.raises(MicrophoneError, match="cannot open audio input no-such-device"):
        asyncio.run(first_chunk())
