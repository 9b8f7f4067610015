"""Shared fixtures: the bundled samples with their ground truth, and speech synthesis helpers."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(SAMPLES))  # make_samples: the same synthesis the bundled clips came from


@pytest.fixture(scope="session", autouse=True)
def history_in_tmp(tmp_path_factory):
    """Every take the tests analyse through the CLI lands in a throwaway history, never the user's."""
    before = os.environ.get("VOICECOACH_HISTORY")
    os.environ["VOICECOACH_HISTORY"] = str(tmp_path_factory.mktemp("history") / "history.sqlite")
    yield
    if before is None:
        os.environ.pop("VOICECOACH_HISTORY", None)
    else:
        os.environ["VOICECOACH_HISTORY"] = before


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (tests/pg_support.py)."""
    from pg_support import Server

    server = Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((SAMPLES / "truth.json").read_text())


@pytest.fixture(scope="session")
def analyses():
    """Analyze each bundled sample once per test session (the real tiny.en model)."""
    from voicecoach.pipeline import Options, analyze

    cache = {}

    def get(name: str, **options):
        key = (name, tuple(sorted(options.items())))
        if key not in cache:
            path = name if "/" in name else SAMPLES / f"{name}.wav"
            if "agent_channel" not in options and "take" in str(name):
                options = {**options, "agent_channel": "right"}
            cache[key] = analyze(path, Options(**options))
        return cache[key]

    return get


def require_espeak():
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: run 'make test' (installs it) or apt-get install espeak-ng")


def tone(freq_hz: float, duration_s: float, level_dbfs: float, sr: int = 16000) -> np.ndarray:
    """A sine at an RMS level of ``level_dbfs``."""
    t = np.arange(int(round(duration_s * sr))) / sr
    return (np.sqrt(2) * 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def voice_like(f0_hz: float, duration_s: float, level_dbfs: float, sr: int = 16000) -> np.ndarray:
    """A harmonic complex (f0 plus 9 harmonics) at an RMS level: a vowel-like test signal."""
    t = np.arange(int(round(duration_s * sr))) / sr
    y = sum(np.sin(2 * np.pi * f0_hz * k * t) / k for k in range(1, 11))
    y = y / np.sqrt(np.mean(y**2)) * 10 ** (level_dbfs / 20)
    ramp = min(int(0.01 * sr), len(y) // 2)  # 10 ms raised-cosine edges, as a voice starts and stops
    fade = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp))
    y[:ramp] *= fade
    y[len(y) - ramp :] *= fade[::-1]
    return y.astype(np.float32)
