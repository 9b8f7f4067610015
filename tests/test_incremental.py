"""Words decoded while a take is recorded (voicecoach.incremental) equal those of analyze on the file.

Takes are real speech with known text (tests/realspeech.py). Each is fed block by block, as the
recorder's callback hands it over, then finished on the saved WAV; the Analysis must be that of
``voicecoach analyze`` on the same file: same words, same numbers (only the scheduling differs).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import soundfile as sf

import realspeech as rs
from audio_support import two_line_card
from voicecoach.incremental import Incremental, as_saved
from voicecoach.pipeline import Options, analyze
from voicecoach.results import to_dict

pytestmark = pytest.mark.slow
BLOCK = 1600  # 0.1 s at 16 kHz, a recorder callback's size


def _feed(inc: Incremental, data: np.ndarray, rate_hz: int, speed: float) -> None:
    """Blocks of ``data`` at ``speed`` times real time (inf: as fast as possible)."""
    t0 = time.perf_counter()
    for start in range(0, len(data), BLOCK):
        inc.feed(data[start : start + BLOCK])
        ahead = (start + BLOCK) / rate_hz / speed - (time.perf_counter() - t0)
        if ahead > 0:
            time.sleep(ahead)


def _same(a, b) -> None:
    x, y = to_dict(a), to_dict(b)
    assert [w["text"] for w in x["words"]] == [w["text"] for w in y["words"]]
    assert x == y


@pytest.fixture(scope="module")
def stereo_take(tmp_path_factory):
    rs.require_real_speech()
    _, customer, agent, truth = next(iter(rs.calls()))
    path = rs.write_stereo(tmp_path_factory.mktemp("inc") / "call.wav", customer, agent)
    return path, truth


@pytest.mark.parametrize("speed", [3.0, float("inf")])
def test_stereo_take_fed_block_by_block_equals_analyze(stereo_take, speed):
    path, truth = stereo_take
    data, sr = sf.read(path, dtype="float32", always_2d=True)
    options = Options(agent_channel="right")
    inc = Incremental(options, sr=sr, channels=2)
    _feed(inc, data, sr, speed)
    got, stats = inc.finish(path)
    offline = analyze(path, options)
    _same(got, offline)
    assert got.agent.words == pytest.approx(truth["agent_words"], abs=2)  # and it is right, not just equal
    if speed < 10:
        assert stats.units_ready >= 1, stats  # decoded during the take, not all after it


def test_mono_take_at_48_khz_equals_analyze(tmp_path):
    """A mono take recorded at 48 kHz: resampled as the blocks arrive, the same samples as audio.load."""
    import soxr

    rs.require_real_speech()
    _, agent, truth = rs.long_hold_call()
    y48 = soxr.resample(agent, 16000, 48000).astype(np.float32)[:, None]
    path = tmp_path / "take.wav"
    sf.write(path, y48, 48000, subtype="PCM_16")
    inc = Incremental(Options(), sr=48000, channels=1)
    _feed(inc, y48, 48000, 4.0)
    got, stats = inc.finish(path)
    _same(got, analyze(path, Options()))
    assert got.agent.words == pytest.approx(truth["agent_words"], abs=2)
    assert stats.units_ready >= 1, stats


def test_as_saved_is_the_wav_files_rounding(tmp_path):
    x = np.random.default_rng(3).uniform(-1.1, 1.1, (4000, 2)).astype(np.float32)
    path = tmp_path / "x.wav"
    sf.write(path, x, 16000, subtype="PCM_16")
    assert np.array_equal(as_saved(x, 16000), sf.read(path, dtype="float32", always_2d=True)[0])


CARD = two_line_card("inc-test", "Incremental test")


@pytest.mark.audio
def test_practice_debrief_from_the_incremental_transcriber_equals_analyze(tmp_path):
    """`voicecoach practice --cues` on the real (virtual) audio device, with a real voice played
    into it: the debrief printed at the stop (words decoded during the take) is the report that
    `voicecoach analyze` prints for the saved take."""
    import subprocess

    from audio_support import VOICECOACH, practise_until_debrief, require_input_device
    from conftest import require_espeak

    require_input_device()
    require_espeak()
    rs.require_real_speech()
    card = tmp_path / "inc-test.toml"
    card.write_text(CARD)
    _, agent, _ = rs.long_hold_call()
    voice = tmp_path / "agent.wav"
    sf.write(voice, agent, 16000, subtype="PCM_16")
    session = tmp_path / "s"
    args = [str(card), "--dir", str(session), "--agent", "a1", "--brief-s", "0", "--cues",
            "--cue-wait-s", "0.8", "--act-s", "40", "--rewind-s", "0"]
    proc = practise_until_debrief(args, voice)
    out, err = proc.communicate("\n", timeout=120)
    assert proc.returncode == 0, err
    take = session / "a1" / "inc-test" / "take-01.wav"
    offline = subprocess.run(VOICECOACH + ["analyze", str(take), "--scenario", str(card)], capture_output=True, text=True, timeout=300, check=False)
    assert offline.returncode == 0, offline.stderr
    assert "Speaking rate" in out
    assert out.strip().endswith(offline.stdout.strip()), (out, offline.stdout)
    assert len(out.strip()) > len(offline.stdout.strip()) > 200  # the brief, then the whole report
