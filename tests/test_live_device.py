"""The live pace line on the real (virtual) audio device: real speech at known rates is played to the
default output and recorded from the default input (../shared/ci/audio.sh), the live analyser
subscribed to the recorder's blocks. Truth as in tests/test_live.py: CMU dictionary syllables of the
speech inside each rolling window over its speaking time, the window placed on the played passage
by the recording's lag (cross-correlation)."""

from __future__ import annotations

import json
import subprocess
import threading

import numpy as np
import pytest
import soundfile as sf
from audio_support import VOICECOACH, find_clip, play, require_input_device
from test_live import CALM_SPS, FAST_SPS, MEAN_ERROR, P90_ERROR, window_errors

from voicecoach.sidecar import sidecar_path

SR = 16000
LEAD_S = 0.5  # paplay starts this long after the recording


@pytest.fixture(scope="module")
def passages():
    require_input_device()
    from realspeech import require_real_speech
    from test_syllables_real import require_dictionary

    require_real_speech()
    require_dictionary()
    import live_speech as ls

    calm, fast = ls.tempo_for(CALM_SPS), ls.tempo_for(FAST_SPS)
    return {"mixed": ls.passage([(calm, 15.0), (fast, 15.0), (calm, 15.0)]), "calm": ls.passage([(calm, 25.0)])}


def _wav(tmp_path, name, passage):
    path = tmp_path / f"{name}.wav"
    sf.write(str(path), passage.samples, SR, subtype="PCM_16")
    return path


@pytest.mark.audio
@pytest.mark.slow
def test_live_rate_nudge_and_report_on_the_device(passages, tmp_path):
    """Calm, fast, calm: the rolling rate within 10% of the truth after 5 s of speech, exactly one
    'slower' in the fast stretch, the sidecar lists it, and the report says it was followed."""
    from voicecoach.live import LiveAnalyser
    from voicecoach.pipeline import analyze
    from voicecoach.record import record
    from voicecoach.report import render

    passage = passages["mixed"]
    played = _wav(tmp_path, "mixed", passage)
    take = tmp_path / "take.wav"
    analyser, states = LiveAnalyser(), []
    player = threading.Thread(target=lambda: play(played, after_s=LEAD_S)[1].wait(timeout=120))
    player.start()
    record(take, seconds=passage.duration_s + LEAD_S + 1.5, on_block=[analyser.feed],
           on_tick=lambda meter, elapsed_s: states.append(analyser.update()),
           sidecar_at_end=lambda: {"nudges": analyser.fired})  # fmt: skip
    player.join()
    recorded, _ = sf.read(str(take), dtype="float32")
    corr, lag = find_clip(recorded, passage.samples)
    assert corr > 0.9, f"the passage is not in the recording (correlation {corr:.3f})"
    offset_s = lag / SR

    rows = window_errors(states, passage, offset_s=offset_s)
    errors = np.array([abs(sps / truth - 1) for _, sps, truth in rows])
    print(f"device: {len(rows)} windows, mean error {errors.mean():.1%}, p90 {np.percentile(errors, 90):.1%}")
    assert len(rows) >= 30 and errors.mean() <= MEAN_ERROR and np.percentile(errors, 90) <= P90_ERROR

    fast_start, fast_end, _ = passage.sections[1]
    meta = json.loads(sidecar_path(take).read_text())
    assert [n["kind"] for n in meta["nudges"]] == ["slower"], meta["nudges"]
    assert fast_start + offset_s + 5.0 <= meta["nudges"][0]["at_s"] <= fast_end + offset_s

    result = analyze(take)
    (outcome,) = result.nudges
    assert outcome.kind == "slower" and outcome.followed is True, outcome
    assert outcome.rate_after_wpm < outcome.rate_before_wpm
    assert "1/1 followed" in render(result, "text") and "followed" in render(result, "markdown")


@pytest.mark.audio
def test_a_calm_take_fires_no_nudge_and_pipes_plain_lines(passages, tmp_path):
    """`voicecoach record` with stderr on a pipe: no nudge on a calm take (the sidecar says so with an
    empty list), and a plain summary line every 10 s instead of a redrawn line."""
    passage = passages["calm"]
    played = _wav(tmp_path, "calm", passage)
    take = tmp_path / "calm-take.wav"
    seconds = passage.duration_s + LEAD_S + 1.0
    proc = subprocess.Popen(VOICECOACH + ["record", str(take), "--seconds", f"{seconds:.1f}"], stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    _, player = play(played, after_s=LEAD_S + 0.5)
    player.wait(timeout=60)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(sidecar_path(take).read_text())["nudges"] == []
    assert "\x1b" not in err and "\r" not in err and "nudge" not in err
    summaries = [ln for ln in err.splitlines() if " pace " in ln]
    assert len(summaries) == int(seconds // 10), err
    assert all("wpm (140-160)" in ln for ln in summaries[1:]), err
