"""Hand-written signal code against the library call it stands in for: speed and accuracy on ground
truth, so a piece of own code stays only where these figures say it wins (bench/run.py prints them).

Pitch: synthetic voices whose F0 is known frame by frame (harmonics with a 1/k tilt, a 2% wobble,
gliding over an octave in 0.8 s syllables with 0.3 s pauses, white noise 20 dB below the voice): a
low male voice (75-150 Hz) and a high female one (170-340 Hz), tracked by
analysis.pitch.track (librosa.yin on the loud speech frames only, with its voicing rules),
librosa.yin over every frame, and librosa.pyin (probabilistic YIN with its own voicing).
A frame's estimate is a gross error when it is more than 1 semitone off (octave slips, noise).

Cost: each own piece and the library call it stands in for on the same 2-minute channel (best of
3, in-process, seconds per minute of audio), and what importing the library costs a fresh
`voicecoach analyze` process (CPU seconds, median of 3 subprocesses: scipy.signal alone, then
librosa, which brings scipy.signal and numba). The analyze path runs once per process, so a
library pays off only where its saving per clip exceeds its import.
"""

from __future__ import annotations

import time

import numpy as np

SR = 16000
SECONDS = 20.0
HOP_S = 0.01


def synthetic_voice(low_hz: float, seconds: float = SECONDS, seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(samples, true F0 per 10 ms frame with NaN where not voiced, frames sure to be unvoiced)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    glide = 0.5 + 0.5 * np.sin(2 * np.pi * 0.23 * t)
    jitter = np.convolve(rng.standard_normal(len(t)), np.hanning(800), mode="same")
    jitter *= 0.02 / jitter.std()  # a slow 2% wobble: the F0 at a frame's centre is its F0
    f0 = low_hz * 2.0**glide * (1 + jitter)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    y = sum(np.sin(k * phase) / k for k in range(1, 40) if k * 2 * low_hz < SR / 2)
    on = (t % 1.1) < 0.8  # 0.8 s syllable runs, 0.3 s pauses
    ramp = np.convolve(on.astype(float), np.hanning(321) / np.hanning(321).sum(), mode="same")
    y = y / np.sqrt(np.mean(y**2)) * 0.1
    y = y * ramp + rng.standard_normal(len(t)) * 0.1 * 10 ** (-20 / 20)
    centres = np.arange(int(seconds / HOP_S) + 1) * HOP_S
    idx = np.minimum((centres * SR).astype(int), len(t) - 1)
    phase_s = centres % 1.1
    inner = (phase_s > 0.07) & (phase_s < 0.73)  # 70 ms from the edges: a YIN frame is 128 ms
    silent = (phase_s > 0.87) & (phase_s < 1.03)
    return y.astype(np.float32), np.where(inner, f0[idx], np.nan), silent


def _score(est: np.ndarray, truth: np.ndarray, silent: np.ndarray) -> dict:
    n = min(len(est), len(truth))
    est, truth, silent = est[:n], truth[:n], silent[:n]
    voiced = np.isfinite(truth)
    given = voiced & np.isfinite(est)
    cents = 1200 * np.abs(np.log2(est[given] / truth[given]))
    return {
        "coverage": round(float(given.sum() / voiced.sum()), 3),  # voiced frames given an F0
        "gross_error_share": round(float(np.mean(cents > 100)), 4),
        "median_error_cents": round(float(np.median(cents)), 2),
        "f0_in_pauses": round(float(np.mean(np.isfinite(est[silent]))), 3),  # share of pause frames given an F0
    }


def _timed(fn, repeats: int = 3):
    fn()  # warm-up: imports, numba compilation
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def bench_pitch() -> dict:
    import librosa

    from voicecoach import activity
    from voicecoach.analysis import pitch

    hop = int(HOP_S * SR)
    kw = dict(fmin=pitch.FMIN_HZ, fmax=pitch.FMAX_HZ, sr=SR, frame_length=pitch.FRAME_LENGTH, hop_length=hop)
    out: dict = {}
    for voice, low_hz in (("low male", 75.0), ("high female", 170.0)):
        y, truth, silent = synthetic_voice(low_hz)
        minutes = len(y) / SR / 60
        act = activity.detect(y, sr=SR)
        mask = act.frame_mask()
        ours, t_ours = _timed(lambda: pitch.track(y, sr=SR, hop_s=HOP_S, frame_dbfs=act.frame_dbfs, speech=mask))
        yin, t_yin = _timed(lambda: librosa.yin(y, **kw))
        (pyin, voiced, _), t_pyin = _timed(lambda: librosa.pyin(y, **kw), repeats=1)
        rows = (
            ("pitch.track", ours, t_ours),
            ("librosa.yin", yin, t_yin),
            ("librosa.pyin", np.where(voiced, pyin, np.nan), t_pyin),
        )
        out[voice] = {
            name: {"s_per_audio_min": round(secs / minutes, 4), **_score(np.asarray(est, dtype=float), truth, silent)}
            for name, est, secs in rows
        }
    return out


IMPORTS = {
    "scipy.signal": "import scipy.signal",
    "librosa (rms, yin)": "import librosa; librosa.feature.rms(y=x, frame_length=320, hop_length=160); "
    "librosa.yin(x, fmin=65, fmax=400, sr=16000, frame_length=2048, hop_length=160)",
}


def import_cpu_s(statement: str, runs: int = 3) -> float:
    """CPU seconds a fresh interpreter spends on ``statement`` after numpy is imported."""
    import subprocess
    import sys

    code = (
        "import resource, numpy as np\n"
        "def cpu():\n r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime\n"
        "x = np.zeros(16000, np.float32); c0 = cpu()\n"
        f"{statement}\n"
        "print(cpu() - c0)\n"
    )
    times = sorted(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout) for _ in range(runs))
    return times[len(times) // 2]


def bench_cost(channel: np.ndarray) -> dict:
    """Own code against the library call on one channel: seconds per minute of audio."""
    import librosa
    from scipy.signal import butter, find_peaks, sosfilt

    from voicecoach import activity
    from voicecoach.analysis import pitch, syllables

    minutes = len(channel) / SR / 60
    hop = int(HOP_S * SR)
    sos = butter(4, activity.HIGHPASS_HZ, btype="highpass", fs=SR, output="sos")
    act = activity.detect(channel, sr=SR)
    db = act.frame_dbfs
    frames = np.flatnonzero(act.frame_mask())
    pairs = {
        "80 Hz high-pass": (lambda: activity.highpass(channel, sr=SR), lambda: sosfilt(sos, channel)),
        "frame RMS": (
            lambda: activity.frame_levels(channel, sr=SR),
            lambda: librosa.feature.rms(y=channel, frame_length=320, hop_length=hop, center=True, pad_mode="constant"),
        ),
        "YIN on speech frames": (
            lambda: pitch._yin(channel, frames * hop, sr=SR),
            lambda: librosa.yin(channel, fmin=pitch.FMIN_HZ, fmax=pitch.FMAX_HZ, sr=SR, frame_length=pitch.FRAME_LENGTH, hop_length=hop),
        ),
        "peak picking": (lambda: syllables._peaks(db, height=-60.0, prominence=1.5), lambda: find_peaks(db, height=-60.0, prominence=1.5)),
    }
    out = {}
    for name, (own, lib) in pairs.items():
        out[name] = {"own_s_per_min": round(_timed(own)[1] / minutes, 4), "library_s_per_min": round(_timed(lib)[1] / minutes, 4)}
    out["import_cpu_s"] = {name: round(import_cpu_s(stmt), 2) for name, stmt in IMPORTS.items()}
    return out


def two_minute_channel() -> np.ndarray:
    """The agent channel of the bundled take 2, repeated to about 2 minutes."""
    from pathlib import Path

    import soundfile as sf

    y, sr = sf.read(Path(__file__).resolve().parent.parent / "samples" / "long_hold_take2.wav", dtype="float32")
    assert sr == SR
    return np.tile(y[:, 1], int(np.ceil(120 * SR / len(y))))[: 120 * SR]


def bench_libraries() -> dict:
    return {"cost": bench_cost(two_minute_channel()), "pitch_truth": bench_pitch()}


def report(result: dict) -> list[str]:
    """Lines for bench/run.py's output."""
    cost = result["cost"]
    lines = ["       own code vs the library, seconds per minute of audio (imports: CPU s per process):"]
    for name, row in cost.items():
        if name != "import_cpu_s":
            lines.append(f"         {name:<22} own {row['own_s_per_min']:.4f}  library {row['library_s_per_min']:.4f}")
    lines.append("         imports: " + ", ".join(f"{k} {v:.2f} s" for k, v in cost["import_cpu_s"].items()))
    lines.append("       F0 on synthetic voices of known pitch (gross error: > 1 semitone off):")
    for voice, rows in result["pitch_truth"].items():
        for name, row in rows.items():
            lines.append(
                f"         {voice:<11} {name:<12} {row['s_per_audio_min']:.3f} s/min  gross {row['gross_error_share']:.1%}  "
                f"median {row['median_error_cents']:.0f} cents  F0 in pauses {row['f0_in_pauses']:.0%}"
            )
    return lines


def main() -> None:
    print("\n".join(report(bench_libraries())))


if __name__ == "__main__":
    main()
