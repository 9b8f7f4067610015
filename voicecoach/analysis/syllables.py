"""Articulation rate from syllable nuclei (de Jong & Wempe 2009), independent of Whisper's words."""

from __future__ import annotations

import numpy as np

MIN_DIP_DB = 2.0  # a nucleus must stand 2 dB above the dips around it (de Jong & Wempe)
NUCLEUS_BELOW_LOUD_DB = 25.0  # peaks quieter than this are not vowels
SMOOTH_S = 0.05  # intensity smoothing, close to Praat's intensity window at 100 Hz min pitch


def count_nuclei(frame_dbfs: np.ndarray, speech: np.ndarray, f0: np.ndarray, *, hop_s: float) -> int:
    """Syllable nuclei: intensity peaks inside speech that are voiced, loud enough and separated by
    dips of at least 2 dB."""
    from scipy.signal import find_peaks

    if not speech.any():
        return 0
    width = max(1, int(round(SMOOTH_S / hop_s)))
    power = 10.0 ** (frame_dbfs / 10.0)
    smooth = 10.0 * np.log10(np.maximum(np.convolve(power, np.ones(width) / width, mode="same"), 1e-20))
    loud = np.quantile(smooth[speech], 0.99)
    peaks, _ = find_peaks(smooth, prominence=MIN_DIP_DB, height=loud - NUCLEUS_BELOW_LOUD_DB)
    near_voiced = np.convolve(np.isfinite(f0).astype(float), np.ones(5), mode="same") > 0
    keep = speech[peaks] & near_voiced[peaks]
    return int(keep.sum())


def articulation_sps(nuclei: int, phonation_s: float) -> float | None:
    """Syllables per second of phonation (speaking time with pauses >= 0.25 s removed)."""
    return nuclei / phonation_s if phonation_s > 0 and nuclei > 0 else None
