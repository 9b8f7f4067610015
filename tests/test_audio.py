"""Decoding: every supported format and rate comes out as float32 at 16 kHz with its channels."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import ROOT, voice_like

from voicecoach import audio
from voicecoach.errors import AudioError


def stereo(sr: int, seconds: float = 2.0) -> np.ndarray:
    left = voice_like(150, seconds, -20, sr)
    right = voice_like(220, seconds, -26, sr)
    return np.stack([left, right], axis=1)


def write_m4a(path, y, sr):
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=sr)
        stream.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y.T.astype(np.float32)), format="fltp", layout="stereo")
        frame.sample_rate = sr
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.mark.parametrize(
    "suffix,sr,writer",
    [
        (".wav", 8000, lambda p, y, sr: sf.write(p, y, sr, subtype="PCM_16")),
        (".wav", 44100, lambda p, y, sr: sf.write(p, y, sr, subtype="PCM_24")),
        (".flac", 48000, lambda p, y, sr: sf.write(p, y, sr)),
        (".ogg", 22050, lambda p, y, sr: sf.write(p, y, sr, format="OGG", subtype="VORBIS")),
        (".mp3", 44100, lambda p, y, sr: sf.write(p, y, sr, format="MP3")),
        (".m4a", 44100, write_m4a),
    ],
)
def test_formats_decode_to_16k_stereo_with_levels_kept(tmp_path, suffix, sr, writer):
    path = tmp_path / f"clip{suffix}"
    writer(path, stereo(sr), sr)
    clip = audio.load(path)
    assert clip.sr == 16000 and clip.source_sr == sr and clip.n_channels == 2
    assert clip.channels.dtype == np.float32
    assert clip.duration_s == pytest.approx(2.0, abs=0.1)  # lossy codecs pad a frame or two
    rms_db = [20 * np.log10(np.sqrt(np.mean(ch[4000:-4000] ** 2))) for ch in clip.channels]
    assert rms_db == pytest.approx([-20, -26], abs=0.5)


def test_mono_stays_mono(tmp_path):
    sf.write(tmp_path / "m.wav", voice_like(150, 1.0, -20), 16000)
    assert audio.load(tmp_path / "m.wav").n_channels == 1


def test_clipping_is_counted(tmp_path):
    y = np.clip(voice_like(150, 1.0, 0) * 3, -1, 1)
    sf.write(tmp_path / "c.wav", y, 16000, subtype="PCM_16")
    assert audio.load(tmp_path / "c.wav").clipped_fraction[0] > 0.1


def test_six_channels_is_a_clear_error(tmp_path):
    sf.write(tmp_path / "six.wav", np.zeros((1600, 6), np.float32), 16000)
    with pytest.raises(AudioError, match="six.wav: has 6 channels"):
        audio.load(tmp_path / "six.wav")


def test_a_damaged_mp3_decodes_without_the_decoders_own_messages(tmp_path):
    """libmpg123 prints "[src/libmpg123/layer3.c:...] error: ..." for every damaged frame, straight
    to file descriptor 2: none of it may reach the user's terminal."""
    import random
    import subprocess
    import sys

    mp3 = tmp_path / "take.mp3"
    subprocess.run(["sox", str(ROOT / "samples" / "long_hold_take1.wav"), "-C", "64", str(mp3)], check=True, capture_output=True)
    data, rnd = bytearray(mp3.read_bytes()), random.Random(3)
    for _ in range(200):  # damaged frames, the header left whole
        data[rnd.randrange(2000, len(data))] = rnd.randrange(256)
    mp3.write_bytes(bytes(data))
    code = "import sys; from voicecoach import audio; audio.load(sys.argv[1])"
    run = subprocess.run([sys.executable, "-c", code, str(mp3)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "libmpg123" not in run.stderr and "error:" not in run.stderr, run.stderr
