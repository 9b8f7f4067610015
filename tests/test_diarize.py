"""Two voices on one channel, split by pitch: known voices at known times (synthetic voices here;
real ones in test_mixed_real.py)."""

import numpy as np
import pytest
from conftest import voice_like

from voicecoach import activity
from voicecoach.analysis import diarize, pitch

SR = 16000


def scene(parts, total_s):
    """parts: (start_s, duration_s, f0_hz) on one channel."""
    y = np.zeros(int(total_s * SR), np.float32)
    for start, dur, f0 in parts:
        i = int(start * SR)
        sig = voice_like(f0, dur, -20)
        y[i : i + len(sig)] += sig
    return y


def speakers(y):
    act = activity.detect(y, sr=SR)
    f0 = pitch.track(y, sr=SR, hop_s=act.hop_s, frame_dbfs=act.frame_dbfs, speech=act.frame_mask())
    return diarize.diarize(y, act.segments, f0, sr=SR, hop_s=act.hop_s).speakers


def test_alternating_low_and_high_voices_are_told_apart():
    y = scene([(0.5, 2.0, 220), (3.3, 1.5, 110), (5.5, 1.0, 220), (7.0, 2.0, 110)], 10.0)
    sp = speakers(y)
    assert sp.first_hz == pytest.approx(220, rel=0.03) and sp.second_hz == pytest.approx(110, rel=0.03)
    assert [s.start_s for s in sp.first] == pytest.approx([0.5, 5.5], abs=0.03)
    assert [s.start_s for s in sp.second] == pytest.approx([3.3, 7.0], abs=0.03)


def test_a_change_of_voice_without_a_pause_is_cut():
    # 50 ms gap: no pause between speakers; the later turns give the two voices' pitch groups
    y = scene([(0.5, 2.0, 220), (2.55, 1.5, 110), (5.0, 1.5, 220), (7.0, 1.5, 110)], 9.0)
    sp = speakers(y)
    assert len(sp.first) == 2 and len(sp.second) == 2
    assert sp.first[0].end_s == pytest.approx(2.5, abs=0.06)
    assert sp.second[0].start_s == pytest.approx(2.55, abs=0.06)


def test_one_voice_or_two_alike_cannot_be_split():
    assert speakers(scene([(0.5, 1.0, 120), (2.0, 1.0, 120), (3.5, 1.0, 121)], 5.0)) is None
    assert speakers(scene([(0.5, 1.0, 120), (2.0, 1.0, 130), (3.5, 1.0, 120)], 5.0)) is None  # 1.4 st apart


@pytest.fixture(scope="module")
def mixed_take(tmp_path_factory):
    """Take 2's scene with a higher-voiced caller, both voices summed onto one channel."""
    import dataclasses

    import soundfile as sf
    from conftest import require_espeak
    from make_samples import build_scene, long_hold_take2

    require_espeak()
    lines = [dataclasses.replace(ln, voice="en-us+f2") if ln.speaker == "customer" else ln for ln in long_hold_take2()]
    customer, agent, truth = build_scene(lines)
    path = tmp_path_factory.mktemp("mixed") / "mixed.wav"
    sf.write(path, customer + agent, SR)
    return path, truth


@pytest.mark.slow
def test_mixed_layout_separates_the_parties_and_times_the_answers(mixed_take):
    from voicecoach.pipeline import Options, analyze

    path, truth = mixed_take
    a = analyze(path, Options(layout="mixed", agent_speaks="second"))
    assert a.layout == "mixed" and any("low confidence" in w for w in a.warnings)
    assert a.agent.rate_wpm == pytest.approx(truth["agent_rate_wpm"], rel=0.08)
    assert a.agent.opening.text.lower().startswith("i'm so sorry")
    assert a.latency.values_s == pytest.approx(truth["latencies_s"], abs=0.15)
    assert a.customer.pitch.median_hz > 1.5 * a.agent.pitch.median_hz
    assert a.overtalk_s is None and 0.5 < a.talk_ratio < 1
    assert a.voices.split and a.voices.agent_by == "agent_speaks" and a.voices.separation_st >= 7


@pytest.mark.slow
def test_mixed_layout_on_one_voice_falls_back_to_agent_only():
    from conftest import SAMPLES

    from voicecoach.pipeline import Options, analyze

    a = analyze(SAMPLES / "long_hold_mono.wav", Options(layout="mixed"))
    assert a.layout == "mono" and a.customer is None
    assert any("could not tell two voices apart" in w for w in a.warnings)


def test_voice_features_computed_a_minute_at_a_time_equal_librosa_in_one_pass():
    import librosa

    y = scene([(0.5, 2.0, 220), (3.3, 1.5, 110)], 6.0) + np.random.default_rng(1).standard_normal(6 * SR).astype(np.float32) * 1e-3
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=diarize.N_FFT, hop_length=160, n_mels=32, fmin=300, fmax=3400,
                                         pad_mode="constant")  # fmt: skip
    one_pass = librosa.feature.mfcc(S=librosa.power_to_db(mel, top_db=None), n_mfcc=diarize.N_MFCC)[1:].T
    blocks = diarize.mfcc_frames(y, sr=SR, hop_s=0.01, n_frames=len(one_pass), block_frames=70)
    assert np.abs(blocks - one_pass).max() < 1e-3
