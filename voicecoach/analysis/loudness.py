"""Speech level over a speaker's active frames."""

from __future__ import annotations

import numpy as np

from ..results import Level

MIN_TREND_SPAN_S = 10.0  # a slope over less speech than this is noise, not a trend
TREND_WINDOW_S = 2.0  # trend from the median level of each 2 s window, so quiet consonants and
MIN_WINDOW_SPEECH_S = 0.5  # the mix of words in a window do not tilt it


def percentile(values, q: float) -> float | None:
    values = np.asarray(values, dtype=float)
    return float(np.percentile(values, q)) if values.size else None


def level_stats(frame_dbfs: np.ndarray, mask: np.ndarray, *, hop_s: float) -> Level:
    """Level in dBFS over speech frames (20 ms RMS): median, p10, p90, and trend in dB per minute.

    The trend is the least-squares slope, in dB per minute, of the median speech level of each 2 s
    window (windows with at least 0.5 s of speech) against time; it needs at least 10 s between the
    first and last window, else it is None.
    """
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return Level(None, None, None, None)
    db = frame_dbfs[idx]
    window = np.floor(idx * hop_s / TREND_WINDOW_S).astype(int)
    centres, medians = [], []
    for w in np.unique(window):
        in_window = window == w
        if in_window.sum() * hop_s >= MIN_WINDOW_SPEECH_S:
            centres.append(np.mean(idx[in_window]) * hop_s / 60.0)
            medians.append(np.median(db[in_window]))
    trend = None
    if len(centres) >= 3 and (centres[-1] - centres[0]) * 60.0 >= MIN_TREND_SPAN_S:
        trend = float(np.polyfit(centres, medians, 1)[0])
    return Level(
        median_dbfs=float(np.median(db)),
        p10_dbfs=percentile(db, 10),
        p90_dbfs=percentile(db, 90),
        trend_db_per_min=trend,
    )


def median_dbfs(frame_dbfs: np.ndarray, mask: np.ndarray) -> float | None:
    return float(np.median(frame_dbfs[mask])) if mask.any() else None
