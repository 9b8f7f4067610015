"""Helpers for tests on the real (virtual) audio device: what is played to the default output is
recorded from the default input (../shared/ci/audio.sh: PulseAudio null sink, ~48 ms later)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

VOICECOACH = [sys.executable, "-m", "voicecoach.cli"]
LOOPBACK_DELAY_S = (-0.25, 0.5)  # loopback ~0.048 s; capture starts up to ~0.1 s after the stream opens


def two_line_card(card_id: str, title: str) -> str:
    """A scenario card's TOML with two short customer lines, for practice takes with cues."""
    return f'''
id = "{card_id}"
title = "{title}"
channel = "phone"
skill = "pacing"
skill_tags = ["pacing"]
customer_name = "Sam"
trigger = "Sam waited."
setup = "A short test scene."
constraint = "None."
customer_lines = ["I have been waiting a long time.", "When exactly?"]

[lens]
fears_losing = "Time."
matters_now = "A time."
why_timing = "Already late."
'''


def _missing(reason: str) -> None:
    """On CI the audio device is part of the setup (.ci/run), so its absence fails the test; on a
    developer's machine without one the test is skipped with the reason."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must provide it: .ci/run sources ../shared/ci/audio.sh)")
    pytest.skip(reason)


def require_input_device() -> None:
    """Skip (fail on CI), with the reason, only when PortAudio sees no input device at all."""
    try:
        import sounddevice as sd
    except OSError as e:
        _missing(f"PortAudio missing ({e}): apt-get install libportaudio2")
    if not any(d["max_input_channels"] > 0 for d in sd.query_devices()):
        _missing("no audio input device: run '. ../shared/ci/audio.sh && ci_audio_up' (PulseAudio null sink)")
    if shutil.which("paplay") is None:
        _missing("paplay missing: apt-get install pulseaudio-utils")


def known_clip(path: Path, *, seconds: float = 1.0, sr: int = 16000, seed: int = 7) -> np.ndarray:
    """A clip nothing else sounds like: a 300-3000 Hz chirp over seeded 300-3400 Hz noise, 0.3 peak,
    16-bit WAV. Band-limited so the two resamplings on the way (16k -> 44.1k sink -> 16k) keep it."""
    from scipy.signal import butter, sosfilt

    t = np.arange(int(seconds * sr)) / sr
    chirp = np.sin(2 * np.pi * (300 * t + (3000 - 300) / (2 * seconds) * t**2))
    noise = sosfilt(butter(4, [300, 3400], btype="band", fs=sr, output="sos"), np.random.default_rng(seed).standard_normal(len(t)))
    clip = chirp + 2.0 * noise
    clip = (0.3 * clip / np.max(np.abs(clip))).astype(np.float32)
    ramp = np.minimum(1, np.minimum(t, seconds - t) / 0.01)  # no clicks at the ends
    clip *= ramp.astype(np.float32)
    sf.write(str(path), clip, sr, subtype="PCM_16")
    return sf.read(str(path), dtype="float32")[0]


def find_clip(recording: np.ndarray, clip: np.ndarray) -> tuple[float, int]:
    """(Pearson correlation, lag in samples) of the best match of ``clip`` inside ``recording``."""
    from scipy.signal import correlate

    if recording.ndim > 1:
        recording = recording.mean(axis=1)
    if len(recording) < len(clip):
        return 0.0, -1
    raw = correlate(recording, clip, mode="valid", method="fft")
    energy = np.convolve(recording.astype(np.float64) ** 2, np.ones(len(clip)), mode="valid")
    score = raw / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(clip))
    lag = int(np.argmax(score))
    seg = recording[lag : lag + len(clip)]
    return float(np.corrcoef(seg, clip)[0, 1]), lag


def start_recorder(args: list[str], **kw) -> tuple[subprocess.Popen, float]:
    """Start ``voicecoach ...`` and wait until it says it is recording; returns (process, that moment)."""
    proc = subprocess.Popen(VOICECOACH + args, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    line = proc.stderr.readline()
    seen = time.monotonic()
    assert line.startswith("recording to"), f"unexpected first line: {line!r} {proc.stderr.read()}"
    return proc, seen


def play(path: Path, *, after_s: float = 0.5) -> tuple[float, subprocess.Popen]:
    """paplay ``path`` after ``after_s`` (so the clip does not straddle the recording's start)."""
    time.sleep(after_s)
    launched = time.monotonic()
    return launched, subprocess.Popen(["paplay", str(path)], env={**os.environ})


def practise_until_debrief(args: list[str], clip: Path) -> subprocess.Popen:
    """`voicecoach practice ARGS` with ``clip`` played into the loopback once the act starts; the
    process is returned when its debrief asks for the commitment (stdin open for the answer)."""
    proc = subprocess.Popen(VOICECOACH + ["practice", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr.readline().startswith("== Act:")
    _, player = play(clip, after_s=0.2)
    for line in proc.stderr:
        if line.startswith("One thing you will do differently"):
            break
    player.terminate()
    return proc
