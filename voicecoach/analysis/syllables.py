"""Articulation rate from syllable nuclei (de Jong & Wempe 2009), independent of Whisper's words."""

from __future__ import annotations

import numpy as np

MIN_DIP_DB = 2.0  # a nucleus must stand 2 dB above the dips around it (de Jong & Wempe)
NUCLEUS_BELOW_LOUD_DB = 25.0  # peaks quieter than this are not vowels
SMOOTH_S = 0.05  # intensity smoothing, close to Praat's intensity window at 100 Hz min pitch


def _peaks(x: np.ndarray, *, height: float, prominence: float) -> np.ndarray:
    """Indices of local maxima (a plateau counts once, at its middle) at least ``height`` high whose
    topographic prominence is at least ``prominence``: scipy.signal.find_peaks' definitions,
    without importing scipy.signal (a second of start-up).

    Prominence >= p holds when, on each side, the signal dips to x[peak] - p before it first rises
    above x[peak] (or the clip ends): searched outward in growing windows, so each peak costs about
    the width of its syllable."""
    if len(x) < 3:
        return np.zeros(0, dtype=int)
    starts = np.flatnonzero(np.concatenate(([True], np.diff(x) != 0)))
    ends = np.concatenate((starts[1:], [len(x)])) - 1
    vals = x[starts]
    top = np.flatnonzero((vals[1:-1] > vals[:-2]) & (vals[1:-1] > vals[2:])) + 1
    peaks = (starts[top] + ends[top]) // 2
    peaks = peaks[x[peaks] >= height]

    def dips_first(p: int, direction: int) -> bool:
        dip, high = x[p] - prominence, x[p]
        width, pos = 32, p
        while True:
            lo, hi = (pos + 1, min(len(x), pos + 1 + width)) if direction > 0 else (max(0, pos - width), pos)
            if lo >= hi:
                return False
            seg = x[lo:hi] if direction > 0 else x[lo:hi][::-1]
            is_dip, is_high = seg <= dip, seg > high
            if is_dip.any() or is_high.any():
                first_dip = int(np.argmax(is_dip)) if is_dip.any() else len(seg)
                first_high = int(np.argmax(is_high)) if is_high.any() else len(seg)
                return first_dip < first_high
            pos = hi - 1 if direction > 0 else lo
            width *= 2

    keep = [p for p in peaks if dips_first(int(p), -1) and dips_first(int(p), 1)]
    return np.asarray(keep, dtype=int)


def count_nuclei(frame_dbfs: np.ndarray, speech: np.ndarray, f0: np.ndarray, *, hop_s: float) -> int:
    """Syllable nuclei: intensity peaks inside speech that are voiced, loud enough and separated by
    dips of at least 2 dB."""
    if not speech.any():
        return 0
    width = max(1, int(round(SMOOTH_S / hop_s)))
    power = 10.0 ** (frame_dbfs / 10.0)
    smooth = 10.0 * np.log10(np.maximum(np.convolve(power, np.ones(width) / width, mode="same"), 1e-20))
    loud = np.quantile(smooth[speech], 0.99)
    peaks = _peaks(smooth, prominence=MIN_DIP_DB, height=loud - NUCLEUS_BELOW_LOUD_DB)
    near_voiced = np.convolve(np.isfinite(f0).astype(float), np.ones(5), mode="same") > 0
    keep = speech[peaks] & near_voiced[peaks]
    return int(keep.sum())


def articulation_sps(nuclei: int, phonation_s: float) -> float | None:
    """Syllables per second of phonation (speaking time with pauses >= 0.25 s removed)."""
    return nuclei / phonation_s if phonation_s > 0 and nuclei > 0 else None
