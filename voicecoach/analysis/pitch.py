"""Fundamental frequency over voiced speech frames (YIN, far cheaper than pYIN)."""

from __future__ import annotations

import numpy as np

from ..results import Pitch

FMIN_HZ = 65.0  # low male voice
FMAX_HZ = 400.0  # high female voice, raised
VOICED_BELOW_LOUD_DB = 20.0  # vowels are the loud part of speech; quieter frames are consonants
STABLE_SEMITONES = 0.7  # YIN on unvoiced frames jumps around; voiced F0 moves smoothly


def track(x: np.ndarray, *, sr: int, hop_s: float, frame_dbfs: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """F0 in Hz per frame (frame i centred at i * hop_s), NaN where the frame is not voiced speech.

    A frame counts as voiced when it is speech, within 20 dB of the speech's loud frames, and its
    YIN estimate agrees within 0.7 semitones with the median of its five neighbours.
    """
    import librosa
    from scipy.ndimage import median_filter

    n = len(frame_dbfs)
    f0 = np.full(n, np.nan)
    if not speech.any() or len(x) < 2048:
        return f0
    hop = int(round(hop_s * sr))
    est = librosa.yin(x, fmin=FMIN_HZ, fmax=FMAX_HZ, sr=sr, frame_length=2048, hop_length=hop, center=True)
    est = est[:n]
    loud = np.quantile(frame_dbfs[speech], 0.95)
    semis = 12.0 * np.log2(est / 440.0)
    smooth = median_filter(semis, size=5, mode="nearest")
    voiced = (
        speech[: len(est)]
        & (frame_dbfs[: len(est)] >= loud - VOICED_BELOW_LOUD_DB)
        & (np.abs(semis - smooth) < STABLE_SEMITONES)
        & (est > FMIN_HZ * 1.02)
        & (est < FMAX_HZ * 0.98)
    )
    f0[: len(est)][voiced] = est[voiced]
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
