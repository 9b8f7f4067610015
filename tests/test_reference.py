"""The fast numpy paths against the reference libraries they stand in for on the analyze path
(librosa's YIN and RMS, scipy's Butterworth filter and peak finder): same numbers, checked here so
the start-up saving never costs accuracy."""

import numpy as np
import pytest
import soundfile as sf
from conftest import SAMPLES

from voicecoach import activity
from voicecoach.analysis import pitch, syllables

SR = 16000


@pytest.fixture(scope="module")
def agent():
    y, sr = sf.read(SAMPLES / "long_hold_take2.wav", dtype="float32")
    return y[: 20 * sr, 1]


def test_highpass_matches_scipy_butterworth(agent):
    from scipy.signal import butter, sosfilt

    ours = activity.highpass(agent, sr=SR)
    ref = sosfilt(butter(4, activity.HIGHPASS_HZ, btype="highpass", fs=SR, output="sos"), agent)
    assert np.max(np.abs(ours - ref)) < 1e-5


def test_frame_levels_match_librosa_rms(agent):
    import librosa

    ours = activity.frame_levels(agent, sr=SR)
    rms = librosa.feature.rms(y=agent, frame_length=int(activity.FRAME_S * SR), hop_length=int(activity.HOP_S * SR),
                              center=True, pad_mode="constant")[0]  # fmt: skip
    ref = 20 * np.log10(np.maximum(rms, 1e-10))
    n = min(len(ours), len(ref))
    loud = ref[:n] > -100
    assert np.max(np.abs(ours[:n][loud] - ref[:n][loud])) < 0.01


def test_yin_matches_librosa_on_voiced_frames(agent):
    import librosa

    act = activity.detect(agent, sr=SR)
    ours = pitch.track(agent, sr=SR, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    ref = librosa.yin(agent, fmin=pitch.FMIN_HZ, fmax=pitch.FMAX_HZ, sr=SR, frame_length=pitch.FRAME_LENGTH,
                      hop_length=int(act.hop_s * SR), center=True, pad_mode="constant")  # fmt: skip
    voiced = np.isfinite(ours[: len(ref)])
    assert voiced.sum() > 300
    assert np.median(np.abs(ours[: len(ref)][voiced] / ref[voiced] - 1)) < 0.001
    assert np.mean(np.abs(ours[: len(ref)][voiced] / ref[voiced] - 1) < 0.01) > 0.98


def test_peak_finder_matches_scipy():
    from scipy.signal import find_peaks

    rng = np.random.default_rng(3)
    for _ in range(50):
        x = np.cumsum(rng.standard_normal(400))
        ours = syllables._peaks(x, height=np.median(x), prominence=2.0)
        ref, _ = find_peaks(x, height=np.median(x), prominence=2.0)
        assert list(ours) == list(ref)
