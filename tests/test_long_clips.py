"""Long and odd clips: an hour-long call analyses in bounded memory; a clip that is all clipping,
all noise, or speech at -50 dBFS gets a report with the right warnings.

The 60-minute call is a long hold: take 1 of the bundled scene every 3 minutes with line hiss
between, so Whisper transcribes about 11 of the 60 minutes per channel (silences of 30 s or more
are skipped) and the test takes about a minute; every sample of the hour still goes through
decoding, activity, level and pitch. Memory is a bound (peak RSS of a subprocess), not a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.pipeline import Options, analyze

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SR = 16000
PEAK_RSS_LIMIT_BYTES = 1.5e9
HOUR_S = 3600
PERIOD_S = 180  # one take per 3 minutes: 20 takes in the hour
HISS_DBFS = -70.0


def take1() -> np.ndarray:
    data, sr = sf.read(str(SAMPLES / "long_hold_take1.wav"), dtype="float32", always_2d=True)
    assert sr == SR
    return data  # (n, 2): customer left, agent right


def write_hour(path: Path) -> int:
    """Written a block at a time: the test process never holds the hour either."""
    take = take1()
    rng = np.random.default_rng(11)
    with sf.SoundFile(str(path), "w", SR, 2, subtype="PCM_16") as f:
        for _ in range(HOUR_S // PERIOD_S):
            block = (rng.standard_normal((PERIOD_S * SR, 2)) * 10 ** (HISS_DBFS / 20)).astype(np.float32)
            block[: len(take)] += take
            f.write(block)
    return HOUR_S // PERIOD_S


@pytest.mark.slow
def test_hour_long_call_in_bounded_memory(tmp_path, truth):
    path = tmp_path / "hour.wav"
    takes = write_hour(path)
    report_path = tmp_path / "hour.json"
    cmd = [str(Path(sys.executable).parent / "voicecoach"), "analyze", str(path), "--agent-channel", "right", "--format", "json", "--out", str(report_path)]
    with open(tmp_path / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # the rusage of that one child: its own peak RSS
    assert os.waitstatus_to_exitcode(status) == 0, (tmp_path / "stderr.txt").read_text()
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    assert peak < PEAK_RSS_LIMIT_BYTES, f"peak RSS {peak / 1e9:.2f} GB on a 60-minute clip"
    report = json.loads(report_path.read_text())
    assert report["duration_s"] == pytest.approx(HOUR_S, abs=0.01)
    t = truth["long_hold_take1"]
    # 20 copies of the scene: speaking time and words scale with them (tolerances of test_truth)
    assert report["agent"]["speaking_s"] == pytest.approx(takes * t["agent_speaking_s"], rel=0.10)
    assert report["agent"]["words"] == pytest.approx(takes * t["agent_words"], rel=0.10)
    assert len(report["turns"]) >= takes * 4


def write(tmp_path: Path, name: str, data: np.ndarray) -> Path:
    path = tmp_path / f"{name}.wav"
    sf.write(str(path), data.astype(np.float32), SR, subtype="FLOAT")
    return path


@pytest.mark.slow
def test_speech_clipped_hard_warns_about_clipping(tmp_path, truth):
    take = take1()
    take[:, 1] = np.clip(take[:, 1] * 30.0, -1.0, 1.0)  # agent ~30 dB too hot
    a = analyze(write(tmp_path, "hot", take), Options(agent_channel="right"))
    share = next(w for w in a.warnings if w.startswith("agent channel clips"))
    assert float(share.split(": ")[1].split("%")[0]) > 5.0
    assert not any(w.startswith("customer channel clips") for w in a.warnings)
    assert a.agent.speaking_s == pytest.approx(truth["long_hold_take1"]["agent_speaking_s"], rel=0.25)


def test_all_clipping_full_scale_square_wave(tmp_path):
    t = np.arange(10 * SR) / SR
    square = np.sign(np.sin(2 * np.pi * 150 * t))
    square[square == 0] = 1.0
    a = analyze(write(tmp_path, "square", square), Options())
    assert "agent channel clips: 100.0% of samples at full scale; lower the input gain" in a.warnings
    assert a.agent.speaking_s == 0 and a.agent.words == 0
    assert "no speech found on the agent channel: nothing to measure" in a.warnings


def test_all_noise_is_a_report_without_speech(tmp_path):
    noise = np.random.default_rng(5).standard_normal((20 * SR, 2)) * 10 ** (-20 / 20)
    a = analyze(write(tmp_path, "noise", noise), Options(agent_channel="right"))
    assert a.agent.speaking_s == 0 and a.agent.words == 0
    assert a.agent.rate_wpm is None and a.latency is None
    assert "no speech found on the agent channel: nothing to measure" in a.warnings
    assert any(w.startswith("the customer channel is silent") for w in a.warnings)
    assert not any("clips" in w for w in a.warnings)


@pytest.mark.slow
def test_speech_at_minus_50_dbfs_warns_quiet_but_is_measured(tmp_path, truth):
    take = take1()
    t = truth["long_hold_take1"]
    # scene levels are -16..-18 dBFS: 33 dB down puts speech near -50 dBFS
    quiet = take * 10 ** (-33 / 20)
    a = analyze(write(tmp_path, "quiet", quiet), Options(agent_channel="right"))
    assert a.agent.level.median_dbfs == pytest.approx(-51, abs=3)
    assert any(w.startswith("agent speech is very quiet (peaks at -") for w in a.warnings)
    assert any(w.startswith("customer speech is very quiet") for w in a.warnings)
    assert a.agent.speaking_s == pytest.approx(t["agent_speaking_s"], rel=0.10)
    assert a.agent.words == pytest.approx(t["agent_words"], rel=0.15)


@pytest.mark.parametrize(
    "segments, duration_s, spans",
    [
        ([(1, 2), (5, 6)], 30, [(0.0, 7.0)]),  # a take: from the start to 1 s after the last speech
        ([(40, 42), (50, 52), (200, 210)], 300, [(39.0, 53.0), (199.0, 211.0)]),  # 30 s+ silences left out
        ([(10 * i, 10 * i + 5) for i in range(130)], 1400, [(0.0, 597.5), (597.5, 1197.5), (1197.5, 1296.0)]),  # 10-min cap, cut mid-pause
        ([(0, 1500)], 1500, [(0.0, 500.0), (500.0, 1000.0), (1000.0, 1500.0)]),  # one endless segment: equal pieces
        ([], 60, []),
    ],
    ids=["take", "long-silences", "cap", "endless", "silent"],
)
def test_transcription_spans(segments, duration_s, spans):
    from voicecoach.activity import transcription_spans
    from voicecoach.results import Segment

    got = transcription_spans([Segment(a, b) for a, b in segments], duration_s)
    assert len(got) == len(spans)
    for (a, b), (want_a, want_b) in zip(got, spans):
        assert (a, b) == (pytest.approx(want_a, abs=1e-9), pytest.approx(want_b, abs=1e-9))
