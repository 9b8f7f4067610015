"""Speech activity from the signal: known onsets, gaps and levels."""

import numpy as np
import pytest
from conftest import tone, voice_like

from voicecoach import activity

SR = 16000
ONSET_TOL_S = 0.025  # one 10 ms hop plus half a 20 ms frame


def place(total_s, bursts):
    """bursts: (start_s, signal) pairs on a silent track."""
    y = np.zeros(int(total_s * SR), np.float32)
    for start, sig in bursts:
        i = int(round(start * SR))
        y[i : i + len(sig)] += sig
    return y


def test_bursts_are_timed_within_25_ms():
    y = place(6.0, [(0.5, voice_like(150, 1.0, -20)), (2.0, voice_like(150, 1.5, -20)), (4.2, voice_like(150, 0.8, -20))])
    segs = activity.detect(y, sr=SR).segments
    assert [round(s.start_s, 2) for s in segs] == pytest.approx([0.5, 2.0, 4.2], abs=ONSET_TOL_S)
    assert [round(s.end_s, 2) for s in segs] == pytest.approx([1.5, 3.5, 5.0], abs=ONSET_TOL_S)


@pytest.mark.parametrize("gap_s,expected_segments", [(0.15, 1), (0.20, 1), (0.23, 1), (0.27, 2), (0.30, 2), (0.50, 2)])
def test_gaps_shorter_than_a_pause_are_bridged(gap_s, expected_segments):
    y = place(3.0, [(0.5, voice_like(150, 0.8, -20)), (1.3 + gap_s, voice_like(150, 0.8, -20))])
    assert len(activity.detect(y, sr=SR).segments) == expected_segments


def test_digital_silence_has_no_speech():
    assert activity.detect(np.zeros(SR * 3, np.float32), sr=SR).segments == []


def test_steady_noise_alone_has_no_speech():
    rng = np.random.default_rng(1)
    assert activity.detect((rng.standard_normal(SR * 3) * 0.05).astype(np.float32), sr=SR).segments == []


def test_mains_hum_is_not_speech():
    y = tone(50, 4.0, -30) + place(4.0, [(1.0, voice_like(150, 1.0, -20))])
    segs = activity.detect(y, sr=SR).segments
    assert len(segs) == 1 and segs[0].start_s == pytest.approx(1.0, abs=ONSET_TOL_S)


def test_hiss_at_minus_50_dbfs_keeps_onsets_and_pauses():
    rng = np.random.default_rng(2)
    y = place(4.0, [(0.5, voice_like(150, 1.0, -18)), (1.8, voice_like(150, 1.0, -18))])
    y = y + (rng.standard_normal(len(y)) * 10 ** (-50 / 20)).astype(np.float32)
    segs = activity.detect(y, sr=SR).segments
    assert len(segs) == 2
    assert segs[1].start_s - segs[0].end_s == pytest.approx(0.3, abs=0.04)


def test_decay_after_a_closure_stays_with_its_word():
    """A stop burst 30 dB down after a 30 ms closure belongs to the word (not cut 0.1 s early)."""
    y = place(3.0, [(0.5, voice_like(150, 1.0, -15)), (1.53, voice_like(3000, 0.08, -45))])
    segs = activity.detect(y, sr=SR).segments
    assert len(segs) == 1 and segs[0].end_s == pytest.approx(1.61, abs=ONSET_TOL_S)


def test_quiet_speech_at_minus_50_dbfs_is_found():
    y = place(3.0, [(1.0, voice_like(150, 1.0, -50))])
    segs = activity.detect(y, sr=SR).segments
    assert len(segs) == 1 and segs[0].start_s == pytest.approx(1.0, abs=ONSET_TOL_S)
