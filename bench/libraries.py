"""Hand-written signal code against the library call it stands in for: speed and accuracy on ground
truth, so a piece of own code stays only where these figures say it wins (bench/run.py prints them).

Pitch: synthetic voices whose F0 is known frame by frame (harmonics with a 1/k tilt, a 2% wobble,
gliding over an octave in 0.8 s syllables with 0.3 s pauses, white noise 20 dB below the voice): a
low male voice (75-150 Hz) and a high female one (170-340 Hz), tracked by
analysis.pitch.track (librosa.yin on the loud speech frames only, with its voicing rules),
librosa.yin over every frame, and librosa.pyin (probabilistic YIN with its own voicing).
A frame's estimate is a gross error when it is more than 1 semitone off (octave slips, noise).
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


def main() -> None:
    for voice, rows in bench_pitch().items():
        for name, row in rows.items():
            print(f"{voice:<12} {name:<13} {row}")


if __name__ == "__main__":
    main()
