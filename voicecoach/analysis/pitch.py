"""Fundamental frequency over voiced speech frames (YIN).

YIN, not pYIN: on synthetic voices of known F0 (`make bench`, bench/libraries.py) both slip by more
than a semitone on 0.2% of voiced frames and both are 15-16 cents off at the median, while
librosa.pyin costs 8.7-9.1 s per minute of audio against 0.36 s for ``track``."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..results import Pitch

FMIN_HZ = 65.0  # low male voice
FMAX_HZ = 400.0  # high female voice, raised
VOICED_BELOW_LOUD_DB = 20.0  # vowels are the loud part of speech; quieter frames are consonants
STABLE_SEMITONES = 0.7  # YIN on unvoiced frames jumps around; voiced F0 moves smoothly


FRAME_LENGTH = 2048  # YIN frame at 16 kHz: 128 ms, as librosa.yin's default
TROUGH_THRESHOLD = 0.1  # YIN's absolute threshold (de Cheveigne & Kawahara 2002)
BATCH_FRAMES = 512  # frames analysed per FFT batch: bounds memory on hour-long calls


def yin(x: np.ndarray, centres: np.ndarray, *, sr: int) -> np.ndarray:
    """YIN F0 (Hz) of the frames centred at sample indices ``centres``: librosa.yin's algorithm
    (cumulative mean normalised difference, absolute threshold, parabolic refinement), computed
    for the listed frames only. Kept over librosa.yin (the same F0 to 1e-4, tests/test_reference.py)
    by `make bench` (bench/libraries.py): on the speech frames of a 2-minute channel 0.23 s per
    minute of audio against 0.77 for librosa.yin over the channel, and no 1.37 s librosa import."""
    half = FRAME_LENGTH // 2
    min_period = int(np.floor(sr / FMAX_HZ))
    max_period = min(int(np.ceil(sr / FMIN_HZ)), FRAME_LENGTH - 1)
    n_fft = 2304 if FRAME_LENGTH + max_period <= 2304 else 1 << int(np.ceil(np.log2(FRAME_LENGTH + max_period)))
    offsets = np.arange(FRAME_LENGTH) - half  # frames centred, zeros beyond the clip (no padded copy)
    k = np.arange(1, max_period + 1)
    out = np.empty(len(centres))
    for b in range(0, len(centres), BATCH_FRAMES):
        where = centres[b : b + BATCH_FRAMES, None] + offsets[None, :]
        inside = (where >= 0) & (where < len(x))
        frames = np.where(inside, x[np.clip(where, 0, len(x) - 1)], 0.0).astype(np.float64)
        spec = np.fft.rfft(frames, n=n_fft, axis=1)
        acf = np.fft.irfft(spec.real**2 + spec.imag**2, n=n_fft, axis=1)[:, : max_period + 1]
        energy = np.cumsum(frames[:, :max_period] ** 2, axis=1)
        diff = np.zeros((len(frames), max_period + 1))
        diff[:, 1:] = 2 * (acf[:, :1] - acf[:, 1:]) - energy
        cmean = np.cumsum(diff[:, 1:], axis=1) / k
        yin = diff[:, min_period:] / (cmean[:, min_period - 1 :] + np.finfo(np.float64).tiny)
        # parabolic shift of each lag; 0 where the optimum would move by more than one bin
        a = yin[:, 2:] + yin[:, :-2] - 2 * yin[:, 1:-1]
        bb = (yin[:, 2:] - yin[:, :-2]) / 2
        shifts = np.zeros_like(yin)
        with np.errstate(divide="ignore", invalid="ignore"):
            shifts[:, 1:-1] = np.where(np.abs(bb) >= np.abs(a), 0.0, -bb / a)
        trough = np.zeros(yin.shape, dtype=bool)
        trough[:, 1:-1] = (yin[:, 1:-1] < yin[:, :-2]) & (yin[:, 1:-1] <= yin[:, 2:])
        trough[:, -1] = yin[:, -1] < yin[:, -2]
        trough[:, 0] = yin[:, 0] < yin[:, 1]
        below = trough & (yin < TROUGH_THRESHOLD)
        period = np.where(below.any(axis=1), np.argmax(below, axis=1), np.argmin(yin, axis=1))
        rows = np.arange(len(frames))
        out[b : b + BATCH_FRAMES] = sr / (min_period + period + shifts[rows, period])
    return out


def track(x: np.ndarray, *, sr: int, hop_s: float, frame_dbfs: np.ndarray, speech: np.ndarray,
          estimate: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
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
    est[idx] = yin(x, idx * hop, sr=sr) if estimate is None else estimate(idx)
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
