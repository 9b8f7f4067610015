"""Fundamental frequency over voiced speech frames: librosa.yin (pYIN is as accurate on the bench's
synthetic voices and 15-30 times slower: bench/libraries.py)."""

from __future__ import annotations

import numpy as np

from ..results import Pitch

FMIN_HZ = 65.0  # low male voice
FMAX_HZ = 400.0  # high female voice, raised
VOICED_BELOW_LOUD_DB = 20.0  # vowels are the loud part of speech; quieter frames are consonants
STABLE_SEMITONES = 0.7  # YIN on unvoiced frames jumps around; voiced F0 moves smoothly


FRAME_LENGTH = 2048  # YIN frame at 16 kHz: 128 ms, as librosa.yin's default
BATCH_FRAMES = 512  # frames per librosa.yin call: bounds memory on hour-long calls


def _yin(x: np.ndarray, frames: np.ndarray, *, sr: int, hop: int) -> np.ndarray:
    """librosa.yin F0 (Hz) of the frames centred at ``frames * hop`` (sorted frame indices), zeros
    beyond the clip: run over each stretch of consecutive frames only, so the pauses and quiet
    frames cost nothing (on the 2-minute bench clip: 57% of the frames, 0.2-0.3 s against 1.1-1.9 s
    for librosa.yin over the whole channel; the same numbers to 1e-6)."""
    import librosa

    half = FRAME_LENGTH // 2
    out = np.empty(len(frames))
    breaks = np.flatnonzero(np.diff(frames) != 1) + 1
    for run_start, run_end in zip(np.concatenate(([0], breaks)), np.concatenate((breaks, [len(frames)]))):
        for a in range(run_start, run_end, BATCH_FRAMES):
            b = min(run_end, a + BATCH_FRAMES)
            lo, hi = frames[a] * hop - half, frames[b - 1] * hop + half
            seg = np.pad(x[max(0, lo) : min(len(x), hi)], (max(0, -lo), max(0, hi - len(x))))
            f0 = librosa.yin(seg, fmin=FMIN_HZ, fmax=FMAX_HZ, sr=sr, frame_length=FRAME_LENGTH, hop_length=hop, center=False)
            out[a:b] = f0[: b - a]
    return out


def track(x: np.ndarray, *, sr: int, hop_s: float, frame_dbfs: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """F0 in Hz per frame (frame i centred at i * hop_s), NaN where the frame is not voiced speech.

    A frame counts as voiced when it is speech, within 20 dB of the speech's loud frames, and its
    YIN estimate agrees within 0.7 semitones with the median of its five neighbours. YIN runs only
    on those candidate frames and their two neighbours each side: a fraction of the clip.
    """
    n = len(frame_dbfs)
    f0 = np.full(n, np.nan)
    if not speech.any() or len(x) < FRAME_LENGTH:
        return f0
    hop = int(round(hop_s * sr))
    loud = np.quantile(frame_dbfs[speech], 0.95)
    n_est = min(n, 1 + len(x) // hop)  # frames whose centre lies inside the clip
    candidate = speech[:n_est] & (frame_dbfs[:n_est] >= loud - VOICED_BELOW_LOUD_DB)
    if not candidate.any():
        return f0
    needed = candidate.copy()
    for shift in (1, 2):  # the median's neighbours
        needed[shift:] |= candidate[:-shift]
        needed[:-shift] |= candidate[shift:]
    idx = np.flatnonzero(needed)
    est = np.full(n_est, np.nan)
    est[idx] = _yin(x, idx, sr=sr, hop=hop)
    with np.errstate(invalid="ignore"):
        semis = 12.0 * np.log2(est / 440.0)
        edge = np.pad(semis, 2, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(edge, 5)
        smooth = np.median(windows, axis=1)
        voiced = (
            candidate
            & (np.abs(semis - smooth) < STABLE_SEMITONES)
            & (est > FMIN_HZ * 1.02)
            & (est < FMAX_HZ * 0.98)
        )
    f0[:n_est][voiced] = est[voiced]
    return f0


def pitch_stats(f0: np.ndarray, mask: np.ndarray | None = None) -> Pitch:
    """Median F0 (Hz) and spread: the p10-p90 range in semitones over voiced frames."""
    values = f0 if mask is None else f0[mask]
    values = values[np.isfinite(values)]
    if values.size < 10:
        return Pitch(None, None)
    median = float(np.median(values))
    semis = 12.0 * np.log2(values / median)
    return Pitch(median_hz=median, spread_semitones=float(np.percentile(semis, 90) - np.percentile(semis, 10)))


def median_hz(f0: np.ndarray, mask: np.ndarray) -> float | None:
    values = f0[mask]
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size >= 5 else None
